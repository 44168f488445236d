// Deliberately broken implementations must be caught, each with a shrunk
// counterexample of a few calls that names the rule it breaks. The variants are split into shards
// (broken-shard-K.test.ts) so vitest's workers share them: one file would run them one by one.
import { afterAll, describe, expect, test } from "vitest";
import { ThreadsExecutor } from "../../adapters/reference-threads/executor.js";
import { runCampaign } from "../run/campaign.js";
import { counterexampleText } from "../report/campaign-text.js";
import { discoverBroken } from "./broken/expectation.js";
import { DRAFTS_DIR, loadSpecDir } from "../spec/load.js";
import { siblingUrl } from "../../reference/spawn-worker.js";

// Drafts too (spec/drafts): a primitive's broken variants come with its reference, before its campaigns.
const specs = [...loadSpecDir(), ...loadSpecDir(DRAFTS_DIR)];
const executors: ThreadsExecutor[] = [];
afterAll(async () => {
  await Promise.all(executors.map((e) => e.close()));
});

// Every broken variant of ./broken, found there (each declares what it breaks).
const CASES = await discoverBroken();

/** The number of shard files; each runs the variants whose index is its own modulo SHARDS. */
export const SHARDS = 3;
// The variants whose shrinking takes long (they say so with a size or options of their own) are
// dealt out first, so that each shard gets its share of them.
const slow = (c: (typeof CASES)[number]) => c.maxCalls !== undefined || c.options !== undefined;
const SHARDED = [...CASES.filter(slow), ...CASES.filter((c) => !slow(c))];

/** Registers the tests of one shard (0-based); shard 0 also checks discovery. */
export function describeBrokenShard(shard: number): void {
describe(`broken implementations are caught (shard ${shard + 1} of ${SHARDS})`, () => {
  if (shard === 0) test("the folder's variants are found, each with what it breaks", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(CASES.filter((c) => c.module === "clamping-semaphore").map((c) => c.profile)).toEqual(["multiprocessing", "threading"]);
  });
  for (const c of SHARDED.filter((_, i) => i % SHARDS === shard)) {
    test(`${c.module}: ${c.primitive} (${c.profile})`, async () => {
      const spec = specs.find((s) => s.primitive === c.primitive)!;
      const ex = await ThreadsExecutor.start({
        implementation: siblingUrl(import.meta.url, `./broken/${c.module}`),
        info: { name: c.module, version: "0", language: "TypeScript" },
        specs: specs,
      });
      executors.push(ex);
      // Shrinking re-runs scenarios with real concurrency; 8 s of it keeps the files within npm test's
      // budget (bench:broken shrinks without a limit and reports how long each takes). The level
      // that did not fail is not measured by a campaign of its own: only the failure is asked for.
      const r = await runCampaign(spec, ex, { profile: c.profile, runs: c.runs ?? 100, seed: 42, deadlineMs: c.deadlineMs ?? undefined, shrinkBudgetMs: 8_000, firstFailureOnly: true, ...c.options });
      expect(r.verdict).toBe("fail");
      const level = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython!;
      const cx = level.counterexample!;
      const calls = cx.scenario.init.length + cx.scenario.parallel.flat().length + cx.scenario.post.length;
      // Shrinking re-runs scenarios with real concurrency, so it may stop a step short of minimal;
      // a sequence (acquire, wait, release) shrinks as one unit. Stopped at its budget (a loaded
      // machine), the counterexample may be up to twice that: bench:broken measures full shrinking.
      expect(calls).toBeLessThanOrEqual((c.maxCalls ?? 10) * (level.shrinkStopped ? 2 : 1));
      expect(cx.long, "found on a run to the horizon").toBe(c.long ?? cx.long);
      const contradicted = cx.check.objects.flatMap((o) => o.contradicts ?? []);
      expect(contradicted.some((id) => c.breaks.test(id)), `contradicts ${contradicted.join(", ")}\n${counterexampleText(r)}`).toBe(true);
    }, 120_000); // the budget is the campaign's, not a speed target: most take seconds
  }
});
}
