/**
 * The reference's broken variants: each file of this folder (but the helpers wrap.ts and this
 * one) is the reference with one plausible bug, an ImplementationModule, and declares in
 * `caught` what the suite must catch it by. broken.test.ts finds them all (no list to edit) and
 * requires each to FAIL within 100 scenarios with a small counterexample that contradicts one of
 * its `breaks`; `npm run bench:broken` measures how soon (reports/broken.md).
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { CampaignOptions } from "../../run/campaign.js";

export interface BrokenExpectation {
  primitive: string;
  profile: string;
  breaks: RegExp;
  /** Scenario deadline; default (or null): the campaign's automatic one, as `mpspec run` has it. */
  deadlineMs?: number | null;
  /** Scenarios (default 100: every broken variant must be caught within 100). */
  runs?: number;
  /** Calls in the shrunk counterexample, at most (default 10). */
  maxCalls?: number;
  /** Only a run to the horizon (a cut scenario run again, long) can show it. */
  long?: boolean;
  /** Campaign options besides the defaults (horizon, promptness). */
  options?: Partial<CampaignOptions>;
}

/** A broken variant's file (its module name) with one of its expectations. */
export interface BrokenCase extends BrokenExpectation {
  module: string;
  file: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const HELPERS = new Set(["wrap.ts", "expectation.ts"]);

/** Every broken variant of this folder and its expectations, in file-name order. */
export async function discoverBroken(): Promise<BrokenCase[]> {
  const files = readdirSync(HERE).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !HELPERS.has(f)).sort();
  const cases: BrokenCase[] = [];
  for (const f of files) {
    const file = join(HERE, f);
    const m = (await import(pathToFileURL(file).href)) as { caught?: BrokenExpectation[]; create?: unknown };
    if (typeof m.create !== "function") throw new Error(`${file}: a broken variant exports an ImplementationModule (primitives, profiles, create, attach); helpers go in HELPERS`);
    // Without them an executor in this process never ends the children the variant's objects
    // start (its scope is unknown to the reference): they pile up until the process exits.
    for (const k of ["end", "enterScope"] as const) if (typeof (m as Record<string, unknown>)[k] !== "function") throw new Error(`${file}: a broken variant exports the reference's ${k} too (export const { primitives, profiles, create, attach, end, enterScope } = m), or the children its objects start outlive their scenario`);
    if (!Array.isArray(m.caught) || m.caught.length === 0) throw new Error(`${file}: declare what the suite must catch it by: export const caught: BrokenExpectation[] = [{ primitive, profile, breaks }]`);
    for (const e of m.caught) cases.push({ ...e, module: f.slice(0, -3), file });
  }
  return cases;
}
