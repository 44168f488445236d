/**
 * A misbehaving primitive is a FAIL with a counterexample, never an adapter error, and the
 * module's other primitives still pass: the adapter's plumbing is its own (standard library), so
 * a broken Pipe, Queue or Lock cannot break it. Look-alike modules on the real CPython
 * (adapters/python/fixtures), with the fork start method (fresh actors) and spawn (pooled actors).
 */
import { describe, expect, test } from "vitest";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { eventually, groupMembers } from "../../conformance/adapter/fixtures/processes.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { hasPython, PY } from "./test-support.js";
import { contradicted, FIXTURES, options, passing, spec, specs } from "./broken-module-support.js";

// The default run takes each slow-to-find module with one start method; MPSPEC_LONG=1 (npm run
// test:long) takes every module with both.
const LONG = process.env.MPSPEC_LONG === "1";
type Case = readonly [string, "fork" | "spawn", string, string, RegExp, number];

describe.skipIf(!hasPython)("a broken primitive fails; the plumbing does not depend on it", () => {
  test.each(([
    // recv() returns None for a falsy object (and at end of file, which processes rarely see).
    [["nonepipemp", "fork", "Pipe", "Lock", /^Pipe\.recv\./, 100], true],
    [["nonepipemp", "spawn", "Pipe", "Lock", /^Pipe\.recv\./, 100], false],
    // get raises KeyboardInterrupt (a BaseException) where it should raise queue.Empty.
    [["kbqueuemp", "fork", "Queue", "Pipe", /^Queue\.get(_nowait)?\./, 30], false],
    [["kbqueuemp", "spawn", "Queue", "Pipe", /^Queue\.get(_nowait)?\./, 30], true],
    // acquire calls os._exit(3) in the calling actor process.
    // (Semaphore passes: Queue would not, since a Queue campaign's Lock companion is the broken Lock.)
    [["exitlockmp", "fork", "Lock", "Semaphore", /^Lock\.acquire\./, 20], true],
    [["exitlockmp", "spawn", "Lock", "Semaphore", /^Lock\.acquire\./, 20], true],
  ] as [Case, boolean][]).filter(([, inDefault]) => inDefault || LONG).map(([c]) => c))("--module %s --start-method %s: %s fails with a counterexample, %s passes", async (module, method, broken, other, rule, runs) => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", module, "--start-method", method, "--warm", "2"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    const pgid = a.pid!;
    try {
      expect(a.ready.implementation.configuration).toMatchObject({ pooling: method === "fork" ? "processes started per scenario" : "processes pooled" });
      const r = await runCampaign(spec(broken), a, { ...options, runs, seed: 3 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("fail");
      expect(r.levels.documented?.counterexample ?? r.levels.cpython?.counterexample).toBeDefined();
      expect(contradicted(r).some((id) => rule.test(id)), contradicted(r).join(", ")).toBe(true);
      const ok = await runCampaign(spec(other), a, { ...passing, runs: 20, seed: 4 });
      expect(ok.error, other).toBeUndefined();
      expect(ok.verdict, other).toBe("pass");
      // The adapter itself never failed: no restart.
      expect(a.pid).toBe(pgid);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 240_000);
});
