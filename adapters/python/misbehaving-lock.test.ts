/**
 * A Lock that misbehaves in the actor (returns garbage, exits, closes the adapter's descriptors,
 * kills itself, writes to stdout) is a FAIL, never an adapter error; a module without a usable Pipe
 * or queue still runs, its plumbing being the adapter's own. Split from broken-modules.test.ts so
 * vitest's workers share the two.
 */
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { eventually, groupMembers } from "../../conformance/adapter/fixtures/processes.js";
import { runCampaign, type CampaignResult } from "../../conformance/run/campaign.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";

const specs = loadSpecDir();
const FIXTURES = join(import.meta.dirname, "fixtures");
const spec = (p: string) => specs.find((s) => s.primitive === p)!;
// Short, fixed deadlines: a call that kills its actor is answered at the deadline (the actor's
// later calls never start), so these campaigns run at the pace of their deadlines. 2 s, not 1:
// the adapter's fifth of it to answer in (replacing killed actors first) was too little on a
// loaded machine.
const options = { profile: "multiprocessing", deadlineMs: 2_000, horizonMs: 2_000, longRuns: 0 };
// A module's sound primitives run on the automatic deadline, as users run them: a fixed 1 s deadline
// left too little room on a loaded machine for scenarios that block until it (a CI run missed it).
const passing = { profile: "multiprocessing", longRuns: 0 };

const contradicted = (r: CampaignResult) => {
  const lv = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython;
  return (lv?.counterexample?.check.objects ?? []).flatMap((o) => o.contradicts ?? []);
};

describe.skipIf(!hasPython)("a misbehaving Lock fails; the plumbing does not depend on the module", () => {
  test.each([
    ["none", "fork", "fail"],
    ["garbage", "fork", "fail"],
    ["sysexit", "fork", "fail"],
    ["sysexit", "spawn", "fail"],
    ["closefds", "fork", "fail"],
    ["closefds", "spawn", "fail"],
    ["sigkill", "spawn", "fail"],
    ["exitlater", "fork", "fail"],
    ["unpickle", "spawn", "fail"],
    // Writing to stdout and stderr breaks no spec rule: it must only not break the protocol.
    ["noisy", "fork", "pass"],
    ["noisy", "spawn", "pass"],
  ] as const)("a Lock whose acquire misbehaves (%s), %s: %s, never an adapter error", async (mode, method, verdict) => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", "badlockmp", "--start-method", method, "--warm", "2"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES, BADLOCK: mode },
    });
    const pgid = a.pid!;
    try {
      const r = await runCampaign(spec("Lock"), a, verdict === "pass" ? { ...passing, runs: 25, seed: 6 } : { ...options, runs: 15, seed: 6 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe(verdict);
      // exitlater's process dies after its acquire returned: whichever call comes next shows it.
      const shows = mode === "exitlater" ? "Lock." : "Lock.acquire.";
      if (verdict === "fail") expect(contradicted(r).some((id) => id.startsWith(shows)), contradicted(r).join(", ")).toBe(true);
      expect(a.pid).toBe(pgid);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 120_000);

  test.each(["fork", "spawn"])("a module whose Pipe and queues cannot be made, %s: its Lock passes (the plumbing is the adapter's own)", async (method) => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", "nopipemp", "--start-method", method, "--warm", "2"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    try {
      const r = await runCampaign(spec("Lock"), a, { ...passing, runs: 20, seed: 7 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("pass");
    } finally {
      await a.close();
    }
  }, 60_000);
});
