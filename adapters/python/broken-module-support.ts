/** Shared by the look-alike-module tests (broken-modules.test.ts, misbehaving-lock.test.ts). */
import { join } from "node:path";
import type { CampaignResult } from "../../conformance/run/campaign.js";
import { loadSpecDir } from "../../conformance/spec/load.js";

export const specs = loadSpecDir();
/** The look-alike modules (PYTHONPATH). */
export const FIXTURES = join(import.meta.dirname, "fixtures");
export const spec = (p: string) => specs.find((s) => s.primitive === p)!;
// Short, fixed deadlines: a call that kills its actor is answered at the deadline (the actor's
// later calls never start), so these campaigns run at the pace of their deadlines. 2 s, not 1:
// the adapter's fifth of it to answer in (replacing killed actors first) was too little on a
// loaded machine. Shrinking stops after 5 s: these tests ask which rule fails, not for a minimal
// counterexample (bench:broken and the shrink tests measure that); nor do they measure the level
// that did not fail (firstFailureOnly).
export const options = { profile: "multiprocessing", deadlineMs: 2_000, horizonMs: 2_000, longRuns: 0, shrinkBudgetMs: 5_000, firstFailureOnly: true };
// A module's sound primitives run on the automatic deadline, as users run them: a fixed 1 s deadline
// left too little room on a loaded machine for scenarios that block until it (a CI run missed it).
export const passing = { profile: "multiprocessing", longRuns: 0 };

/** The rules a failing campaign's counterexample contradicts. */
export const contradicted = (r: CampaignResult) => {
  const lv = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython;
  return (lv?.counterexample?.check.objects ?? []).flatMap((o) => o.contradicts ?? []);
};
