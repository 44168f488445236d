/**
 * Pool on the Python adapter: produced handles (apply_async's AsyncResult kept under its call's
 * place, later calls made on it), a call on a handle never produced left out of the history, the
 * run message's teardown (every pool terminated after its scenario, no worker left), and a
 * campaign on CPython.
 */
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { eventually, groupMembers } from "../../conformance/adapter/fixtures/processes.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";
import type { Scenario } from "../../conformance/scenario/types.js";
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";
import { FIXTURES } from "./broken-module-support.js";

const pool = loadSpecFile(join(PRIMITIVES_DIR, "Pool.yaml"));
const executor = loadSpecFile(join(PRIMITIVES_DIR, "ProcessPoolExecutor.yaml"));
// Every document: Pool's callbacks act on companions (a Queue, an Event).
const open = (...flags: string[]) => JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", ...flags], specs: loadSpecDir() });

describe.skipIf(!hasPython)(`Pool on the Python adapter (${PY})`, () => {
  test("handles: get, ready and successful on apply_async's AsyncResult; one whose apply_async raised is not called", async () => {
    const a = await open();
    const pgid = a.pid!;
    try {
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [{ id: "o0", primitive: "Pool", args: { processes: 2, initializer: null, initargs: [], maxtasksperchild: null } }],
        init: [],
        parallel: [
          [
            { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [-2], kwds: {}, callback: null, error_callback: null } },
            { object: "o0@a0.0", op: "AsyncResult.get", args: { timeout: 2 } },
            { object: "o0@a0.0", op: "AsyncResult.successful", args: {} },
          ],
          [
            { object: "o0", op: "apply_async", args: { func: { $callable: "raise", type: "ValueError", message: "boom" }, args: [], kwds: {}, callback: null, error_callback: null } },
            { object: "o0@a1.0", op: "AsyncResult.get", args: { timeout: 2 } },
          ],
        ],
        post: [
          { object: "o0", op: "close", args: {} },
          { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [3], kwds: {}, callback: null, error_callback: null } },
          { object: "o0@main.1", op: "AsyncResult.ready", args: {} },
          { object: "o0", op: "join", args: {} },
        ],
      };
      const h = await a.run(sc, 5_000);
      const brief = h.events.map((e) => [e.actor, e.object, e.op, e.outcome.kind === "returned" ? e.outcome.value : e.outcome.kind === "raised" ? `${e.outcome.type}: ${e.outcome.message}` : "pending"]);
      expect(brief).toEqual([
        // After close(), apply_async raises: its AsyncResult.ready() is not made, and join() follows.
        ["main", "o0", "close", null],
        ["main", "o0", "apply_async", "ValueError: Pool not running"],
        ["main", "o0", "join", null],
        ["a0", "o0", "apply_async", { $handle: "o0@a0.0" }],
        ["a0", "o0@a0.0", "AsyncResult.get", 4],
        ["a0", "o0@a0.0", "AsyncResult.successful", true],
        ["a1", "o0", "apply_async", { $handle: "o0@a1.0" }],
        ["a1", "o0@a1.0", "AsyncResult.get", "ValueError: boom"],
      ]);
      const r = checkHistory(() => pool, sc.objects, h, { profile: "multiprocessing", level: "cpython" });
      expect(r.verdict).toBe("ok");
      expect(r.objects[0]!.used).toEqual(expect.arrayContaining(["Pool.AsyncResult.get.value", "Pool.AsyncResult.get.raised", "Pool.task-run", "Pool.apply_async.not-running"]));
      // The pool was terminated (its teardown) and its workers ended with the scenario.
      expect(await eventually(() => groupMembers(pgid).filter((p) => p !== pgid).length === 0)).toBe(true);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 60_000);

  test("--module other than the stdlib's: its Pool is offered, not concurrent.futures' executor (built on the stdlib's multiprocessing, not on the module)", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "nonepipemp"], specs: [pool, executor], env: { ...process.env, PYTHONPATH: FIXTURES } });
    try {
      expect(a.ready.capabilities.primitives).toContain("Pool");
      expect(a.ready.capabilities.primitives).not.toContain("ProcessPoolExecutor");
    } finally {
      await a.close();
    }
    const std = await open("--start-method", "spawn");
    try {
      expect(std.ready.capabilities.primitives).toEqual(expect.arrayContaining(["Pool", "ProcessPoolExecutor"]));
    } finally {
      await std.close();
    }
  }, 60_000);

  test("a Pool campaign on CPython (fork) passes, and reaches the handles' rules", async () => {
    const a = await open("--start-method", "fork");
    const pgid = a.pid!;
    try {
      const r = await runCampaign(pool, a, { profile: "multiprocessing", runs: 30, seed: 3 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      for (const id of ["Pool.AsyncResult.get.value", "Pool.AsyncResult.get.raised", "Pool.AsyncResult.successful.not-ready", "Pool.task-run"]) {
        expect(r.coverage?.rules[id] ?? 0, id).toBeGreaterThan(0);
      }
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 180_000);

  test("a ProcessPoolExecutor campaign on CPython passes, a worker's death breaking the executor included", async () => {
    const a = await open();
    const pgid = a.pid!;
    try {
      const r = await runCampaign(executor, a, { profile: "multiprocessing", runs: 40, seed: 3 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      for (const id of ["ProcessPoolExecutor.Future.result.value", "ProcessPoolExecutor.submit.broken", "ProcessPoolExecutor.finish"]) {
        expect(r.coverage?.rules[id] ?? 0, id).toBeGreaterThan(0);
      }
      // A future lost with its worker, seen by result(), exception() or a map's next().
      const lost = ["ProcessPoolExecutor.Future.result.broken", "ProcessPoolExecutor.Future.exception.broken", "ProcessPoolExecutor.MapIterator.next.broken"];
      expect(lost.reduce((n, id) => n + (r.coverage?.rules[id] ?? 0), 0), lost.join(" | ")).toBeGreaterThan(0);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 180_000);
});
