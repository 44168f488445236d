// The runner owns shape and time: adapters that fake their histories get an adapter error, never
// a pass; a violation found before the adapter fails is kept.
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JsonlAdapter } from "../adapter/jsonl-adapter.js";
import type { Adapter } from "../adapter/types.js";
import { loadSpecDir } from "../spec/load.js";
import { runCampaign } from "./campaign.js";
import { laneGroups, runSuite } from "./suite.js";
import { campaignJson } from "../report/json.js";
import { ThreadsExecutor } from "../../adapters/reference-threads/executor.js";
import { siblingUrl } from "../../reference/spawn-worker.js";

const FAKE = fileURLToPath(new URL("../adapter/fixtures/fake-adapter.mjs", import.meta.url));
const specs = loadSpecDir();
const lock = specs.find((s) => s.primitive === "Lock")!;
const opened: JsonlAdapter[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((a) => a.close()));
});
async function fake(mode: string, ...args: string[]): Promise<JsonlAdapter> {
  const a = await JsonlAdapter.open({ command: [process.execPath, FAKE, mode, ...args], specs });
  opened.push(a);
  return a;
}

describe("faked histories are adapter errors, not verdicts", () => {
  test.each([
    ["empty", /calls reported, and no call is pending/],
    ["all-pending", /reported pending after \d+ ms, before the scenario's deadline/],
    ["invented", /events for \d+ calls/],
  ])("%s", async (mode, why) => {
    const r = await runCampaign(lock, await fake(mode), { profile: "multiprocessing", runs: 20, seed: 1 });
    expect(r.verdict).toBe("error");
    expect(r.error).toMatch(why);
    // Nothing measured, nothing passed: no level at all (an undefined one broke the matrix's report).
    expect(r.levels).toStrictEqual({});
    expect(campaignJson(lock, r, undefined, undefined)).toMatchObject({ verdict: "error", levels: {} });
  });
});

test("a violation found before the adapter fails while shrinking is kept: FAIL, plus the error", async () => {
  // Its made-up history (every call returns None) breaks the Lock spec at once; then it crashes.
  const dir = mkdtempSync(join(tmpdir(), "mpspec-"));
  const r = await runCampaign(lock, await fake("crash-after-first", join(dir, "count")), { profile: "multiprocessing", runs: 20, seed: 1 }).finally(() =>
    rmSync(dir, { recursive: true, force: true }),
  );
  expect(r.verdict).toBe("fail");
  expect(r.error).toMatch(/crash|exited|failed/);
  const cx = r.levels.cpython?.counterexample ?? r.levels.documented?.counterexample;
  expect(cx).toBeDefined();
  expect(cx!.check.verdict).toBe("violation");
});

describe("--level and --bail", () => {
  const executors: ThreadsExecutor[] = [];
  afterAll(async () => {
    await Promise.all(executors.map((e) => e.close()));
  });
  // A reference executor, its runs counted, said to be (or not) a process of its own.
  const counted = (a: Adapter, ownProcess: boolean) => {
    const w = {
      runs: 0,
      primitives: new Set<string>(),
      info: a.info,
      capabilities: a.capabilities,
      deadlineBaseMs: a.deadlineBaseMs,
      deadlineFloorMs: a.deadlineFloorMs,
      actorKind: a.actorKind,
      startMethod: a.startMethod,
      ownProcess,
      deadlineFor: a.deadlineFor?.bind(a),
      run: (sc: Parameters<Adapter["run"]>[0], ms: number) => {
        w.runs++;
        for (const o of sc.objects) w.primitives.add(o.primitive);
        return a.run(sc, ms);
      },
      close: () => a.close(),
    };
    return w;
  };
  const executor = async (module: string) => {
    const ex = await ThreadsExecutor.start({
      implementation: siblingUrl(import.meta.url, `../tests/${module}`),
      info: { name: module, version: "0", language: "TypeScript" },
      specs: specs,
    });
    executors.push(ex);
    return ex;
  };

  test.each([
    // The message of `release` (or of `with`'s exit, which releases) pins CPython's wording.
    ["variants/reworded-lock", "Lock", "multiprocessing", /^Lock\.(release\.unlocked-mp|exit\.)/, 100],
    // 200 runs: the reversed index shows only where two or more parties leave one generation.
    ["variants/reversed-barrier", "Barrier", "threading", /^Barrier\.wait\.(release|released)$/, 200],
  ] as const)("%s differs from CPython only in legal ways: it passes the documented level", async (module, primitive, profile, cpythonRule, runs) => {
    const ex = await executor(module);
    const spec = specs.find((s) => s.primitive === primitive)!;
    const opts = { profile, runs, seed: 3 };
    const documented = await runCampaign(spec, ex, { ...opts, level: "documented" });
    expect(documented.verdict).toBe("pass");
    expect(documented.levels.documented?.verdict).toBe("pass");
    expect(documented.levels.cpython?.verdict).toBe("fail"); // both levels are always measured
    // Which rule fails is the point here, not a minimal counterexample: shrinking stops after 5 s,
    // and the documented level (measured above) is not measured again (firstFailureOnly).
    const cpython = await runCampaign(spec, ex, { ...opts, shrinkBudgetMs: 5_000, firstFailureOnly: true });
    expect(cpython.verdict).toBe("fail");
    expect(cpython.levels.documented).toBeUndefined();
    const contradicted = cpython.levels.cpython!.counterexample!.check.objects.flatMap((o) => o.contradicts ?? []);
    expect(contradicted.some((id) => cpythonRule.test(id)), contradicted.join(", ")).toBe(true);
  }, 120_000);

  test("a shrink budget keeps the failure, says shrinking stopped, and records when it was found", async () => {
    const ex = await executor("broken/reentrant-lock");
    const lock = specs.find((s) => s.primitive === "Lock")!;
    const opts = { profile: "multiprocessing", runs: 100, seed: 42 };
    const stopped = await runCampaign(lock, ex, { ...opts, shrinkBudgetMs: 0 });
    expect(stopped.verdict).toBe("fail");
    const lv = stopped.levels.documented?.verdict === "fail" ? stopped.levels.documented! : stopped.levels.cpython!;
    expect(lv.shrinkStopped).toBe(true);
    expect(lv.found!.scenarios).toBeGreaterThanOrEqual(1);
    expect(lv.found!.scenarios).toBeLessThanOrEqual(100);
    expect(lv.counterexample!.check.verdict).toBe("violation"); // the kept scenario failed
    const full = await runCampaign(lock, ex, opts);
    const fl = full.levels.documented?.verdict === "fail" ? full.levels.documented! : full.levels.cpython!;
    expect(fl.shrinkStopped).toBeUndefined();
  }, 120_000);

  test("lanes: the search runs on several adapters at once; the first failure in draw order is replayed by its path and shrunk, as without lanes", async () => {
    const lanes = await Promise.all([1, 2, 3].map(() => executor("broken/reentrant-lock")));
    const main = await executor("broken/reentrant-lock");
    const lock = specs.find((s) => s.primitive === "Lock")!;
    const opts = { profile: "multiprocessing", runs: 100, seed: 42, firstFailureOnly: true };
    const alone = await runCampaign(lock, main, opts);
    const together = await runCampaign(lock, main, { ...opts, lanes });
    const level = (r: typeof alone) => (r.levels.cpython?.verdict === "fail" ? r.levels.cpython! : r.levels.documented!);
    expect(alone.verdict).toBe("fail");
    expect(together.verdict).toBe("fail");
    // A re-entrant acquire fails the first scenario that makes one, whatever ran beside it.
    expect(level(together).found!.scenarios).toBe(level(alone).found!.scenarios);
    const cx = level(together).counterexample!;
    expect(cx.path.split(":")[0]).toBe(String(level(together).found!.scenarios - 1));
    // The replay line it prints reproduces the failure without lanes.
    const replayed = await runCampaign(lock, main, { ...opts, path: cx.path, longRuns: 0 });
    expect(replayed.verdict).toBe("fail");
  }, 120_000);

  test("lanes: a passing implementation passes, every drawn scenario run once", async () => {
    const lanes = await Promise.all([1, 2].map(() => executor("../../reference/threads/module")));
    const main = await executor("../../reference/threads/module");
    const r = await runCampaign(specs.find((s) => s.primitive === "Semaphore")!, main, { profile: "multiprocessing", runs: 60, seed: 5, lanes, longRuns: 0 });
    expect(r.verdict).toBe("pass");
    expect(r.runs).toBe(60); // both levels in one campaign: each scenario run once, checked at both
    expect(r.coverage!.histories).toBeGreaterThan(0);
  }, 120_000);

  test("lanes: a `callers: threads` spec (ProcessPoolExecutor) runs on lanes only when every adapter is a process of its own", async () => {
    const ppe = specs.find((s) => s.primitive === "ProcessPoolExecutor")!;
    const opts = { profile: "multiprocessing", runs: 8, seed: 5, longRuns: 0 };
    for (const ownProcess of [false, true]) {
      const main = counted(await executor("../../reference/threads/module"), ownProcess);
      const lane = counted(await executor("../../reference/threads/module"), ownProcess);
      const r = await runCampaign(ppe, main, { ...opts, lanes: [lane] });
      expect(r.verdict).toBe("pass");
      expect(main.runs + lane.runs).toBeGreaterThanOrEqual(8);
      if (ownProcess) expect(lane.runs).toBeGreaterThan(0);
      else expect(lane.runs).toBe(0);
    }
  }, 120_000);

  test("a suite on 8 or more adapters that are processes of their own runs campaigns side by side, 4 adapters each, and reports them in order", async () => {
    const chosen = ["RawValue", "RawArray", "Lock"].map((p) => specs.find((s) => s.primitive === p)!);
    const opts = { profile: "multiprocessing", runs: 20, seed: 3, longRuns: 0 };
    for (const ownProcess of [false, true]) {
      const all = await Promise.all(Array.from({ length: 8 }, async () => counted(await executor("../../reference/threads/module"), ownProcess)));
      const seen: string[] = [];
      const outcomes = await runSuite(all[0]!, chosen, { ...opts, lanes: all.slice(1) }, (o) => seen.push(o.spec.primitive));
      expect(outcomes.map((o) => [o.spec.primitive, o.result?.verdict])).toEqual([["RawValue", "pass"], ["RawArray", "pass"], ["Lock", "pass"]]);
      expect(seen).toEqual(["RawValue", "RawArray", "Lock"]);
      expect(laneGroups(all, {})?.map((g) => g.length)).toEqual(ownProcess ? [4, 4] : undefined);
      if (!ownProcess) continue;
      // Side by side: each campaign ran on one group of 4 (adapters 0-3 or 4-7), never on both.
      const [g1, g2] = [all.slice(0, 4), all.slice(4)].map((g) => new Set(g.flatMap((a) => [...a.primitives])));
      expect([...g1!].filter((p) => g2!.has(p))).toEqual([]);
      expect(new Set([...g1!, ...g2!])).toEqual(new Set(["RawValue", "RawArray", "Lock"]));
    }
    expect(laneGroups([], { bail: true })).toBeNull();
  }, 120_000);

  test("side by side, a broken implementation still fails for the reason it breaks, and the rest still pass", async () => {
    // A Lock that lets its holder acquire again (tests/broken/reentrant-lock.ts breaks Lock.acquire.*).
    const all = await Promise.all(Array.from({ length: 8 }, async () => counted(await executor("broken/reentrant-lock"), true)));
    const chosen = ["RawValue", "Lock", "RawArray"].map((p) => specs.find((s) => s.primitive === p)!);
    const outcomes = await runSuite(all[0]!, chosen, { profile: "multiprocessing", runs: 100, seed: 42, lanes: all.slice(1) });
    expect(outcomes.map((o) => [o.spec.primitive, o.result?.verdict])).toEqual([["RawValue", "pass"], ["Lock", "fail"], ["RawArray", "pass"]]);
    const lock = outcomes[1]!.result!;
    const level = lock.levels.documented?.verdict === "fail" ? lock.levels.documented! : lock.levels.cpython!;
    const contradicted = level.counterexample!.check.objects.flatMap((o) => o.contradicts ?? []);
    expect(contradicted.some((id) => /^Lock\.acquire\./.test(id)), contradicted.join(", ")).toBe(true);
    // Its replay line reproduces it on one adapter, without lanes.
    const replayed = await runCampaign(chosen[1]!, all[0]!, { profile: "multiprocessing", runs: 100, seed: 42, path: level.counterexample!.path, longRuns: 0 });
    expect(replayed.verdict).toBe("fail");
  }, 120_000);

  test("--bail stops at the first primitive that fails", async () => {
    const ex = await executor("broken/reentrant-lock");
    // Primitives whose campaigns take a second or less (no pauses, nothing that waits), after the failing Lock.
    const chosen = ["Lock", "RawValue", "RawArray"].map((p) => specs.find((s) => s.primitive === p)!);
    const all = await runSuite(ex, chosen, { profile: "multiprocessing", runs: 100, seed: 42 });
    expect(all.map((o) => o.result?.verdict)).toEqual(["fail", "pass", "pass"]);
    const bailed = await runSuite(ex, chosen, { profile: "multiprocessing", runs: 100, seed: 42, bail: true });
    expect(bailed.map((o) => o.spec.primitive)).toEqual(["Lock"]);
  }, 120_000);
});

test("coverage counts the histories the verdict rests on: not the failing one, not the scenarios run while shrinking", async () => {
  // The fake answers every call with None: the first scenario breaks the Lock spec, then fast-check shrinks it.
  const r = await runCampaign(lock, await fake("ok"), { profile: "multiprocessing", runs: 20, seed: 1 });
  expect(r.verdict).toBe("fail");
  expect(r.runs).toBeGreaterThan(1);
  expect(r.coverage!.histories).toBe(0);
  expect(Object.values(r.coverage!.rules).every((n) => n === 0)).toBe(true);
  expect(Object.keys(r.coverage!.rules)).toContain("Lock.release.post-over-mp");
});

test("a cut run that fails only because a call never returned is confirmed on a run to the horizon: a slow but correct release() passes; without long runs it fails", async () => {
  const ex = await ThreadsExecutor.start({ implementation: new URL("./fixtures/slow-release-lock.ts", import.meta.url), info: { name: "slow-release-lock", version: "0", language: "TypeScript" }, specs });
  try {
    // A 700 ms deadline cuts a release that had a lock to release (200 ms: the promptness bound
    // here, so that it waited longer than that): the first two cut runs go to the horizon anyway
    // (longRuns), the others only because their failure is a call that never returned.
    const r = await runCampaign(lock, ex, { profile: "multiprocessing", runs: 8, seed: 3, deadlineMs: 700, promptMs: 200 });
    expect(r.verdict, JSON.stringify(r.levels.cpython?.counterexample?.check.objects[0]?.stuck)).toBe("pass");
    expect(r.long.runs).toBeGreaterThan(2);
    const short = await runCampaign(lock, ex, { profile: "multiprocessing", runs: 8, seed: 3, deadlineMs: 700, promptMs: 200, longRuns: 0, shrinkBudgetMs: 2_000, firstFailureOnly: true });
    expect(short.verdict).toBe("fail");
    const cx = (short.levels.cpython ?? short.levels.documented)!.counterexample!;
    expect(cx.long).toBe(false);
    expect(cx.check.objects.flatMap((o) => o.stuck ?? []).some((x) => x.neverReturned !== undefined)).toBe(true);
  } finally {
    await ex.close();
  }
}, 120_000);
