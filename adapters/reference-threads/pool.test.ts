// The reference's Pool through its executor: produced handles (apply_async's AsyncResult kept by
// the actor that made it, `{"$handle": id}` in the history), a call on a handle never produced
// left out, every worker gone after the scenario, and a campaign that passes and reaches the
// handles' rules (spec/primitives/Pool.yaml).
import { describe, expect, it } from "vitest";
import { poolWorkerChildren } from "../../conformance/adapter/fixtures/processes.js";
import { join } from "node:path";
import { ThreadsExecutor } from "./executor.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";
import type { Scenario } from "../../conformance/scenario/types.js";
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";

const REFERENCE = new URL("../../reference/threads/module.ts", import.meta.url);
const pool = loadSpecFile(join(PRIMITIVES_DIR, "Pool.yaml"));
const executor = loadSpecFile(join(PRIMITIVES_DIR, "ProcessPoolExecutor.yaml"));
const start = () => ThreadsExecutor.start({ implementation: REFERENCE, info: { name: "mpspec-reference", version: "0", language: "TypeScript" }, specs: loadSpecDir() }); // every document: Pool's callbacks act on companions (a Queue, an Event)

describe("Pool on the reference executor", () => {
  // The workers a scenario's pools start end with it, for the reference and for a broken variant
  // (a variant that did not pass the reference's scope on kept every pool's workers until the
  // process exited: hundreds over a campaign, and a process that never ended).
  it.each([
    ["the reference", REFERENCE],
    ["a broken variant", new URL("../../conformance/tests/broken/eager-ready-pool.ts", import.meta.url)],
  ])("ends every worker of the scenario's pools with the scenario: %s", async (_, implementation) => {
    const ex = await ThreadsExecutor.start({ implementation, info: { name: "pool-workers", version: "0", language: "TypeScript" }, specs: loadSpecDir() });
    try {
      const before = poolWorkerChildren();
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [{ id: "o0", primitive: "Pool", args: { processes: 2, initializer: null, initargs: [], maxtasksperchild: null } }],
        init: [
          { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [3], kwds: {}, callback: null, error_callback: null } },
          { object: "o0@main.0", op: "AsyncResult.get", args: { timeout: 5 } },
        ],
        parallel: [],
        post: [],
      };
      const h = await ex.run(sc, 8_000);
      expect(h.events.map((e) => e.outcome)).toEqual([
        { kind: "returned", value: { $handle: "o0@main.0" } },
        { kind: "returned", value: 9 },
      ]);
      // The scenario's end waits for its children's exit: none is left once run() has settled.
      expect(poolWorkerChildren().filter((p) => !before.includes(p))).toEqual([]);
    } finally {
      await ex.close();
    }
  }, 60_000);

  it("keeps each actor's AsyncResult under its place and leaves out a call on one never produced", async () => {
    const ex = await start();
    try {
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [{ id: "o0", primitive: "Pool", args: { processes: 2, initializer: null, initargs: [], maxtasksperchild: null } }],
        init: [],
        parallel: [
          [
            { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [-2], kwds: {}, callback: null, error_callback: null } },
            { object: "o0@a0.0", op: "AsyncResult.get", args: { timeout: 5 } },
          ],
          [
            { object: "o0", op: "apply_async", args: { func: { $callable: "raise", type: "ValueError", message: "boom" }, args: [], kwds: {}, callback: null, error_callback: null } },
            { object: "o0@a1.0", op: "AsyncResult.successful", args: {} },
            { object: "o0@a1.0", op: "AsyncResult.get", args: { timeout: 5 } },
          ],
        ],
        post: [
          { object: "o0", op: "close", args: {} },
          { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [3], kwds: {}, callback: null, error_callback: null } },
          { object: "o0@main.1", op: "AsyncResult.ready", args: {} },
          { object: "o0", op: "join", args: {} },
        ],
      };
      const h = await ex.run(sc, 8_000);
      const brief = h.events.map((e) => [e.actor, e.object, e.op, e.outcome.kind === "returned" ? e.outcome.value : e.outcome.kind === "raised" ? `${e.outcome.type}: ${e.outcome.message}` : "pending"]);
      expect(brief.filter(([a]) => a !== "a1")).toEqual([
        ["main", "o0", "close", null],
        ["main", "o0", "apply_async", "ValueError: Pool not running"],
        ["main", "o0", "join", null],
        ["a0", "o0", "apply_async", { $handle: "o0@a0.0" }],
        ["a0", "o0@a0.0", "AsyncResult.get", 4],
      ]);
      // successful() may come before or after the task is done; get raises the task's error.
      expect(brief.filter(([a]) => a === "a1").map(([, o, op]) => `${o}.${op}`)).toEqual(["o0.apply_async", "o0@a1.0.AsyncResult.successful", "o0@a1.0.AsyncResult.get"]);
      expect(brief.at(-1)).toEqual(["a1", "o0@a1.0", "AsyncResult.get", "ValueError: boom"]);
      expect(checkHistory(() => pool, sc.objects, h, { profile: "multiprocessing", level: "cpython" }).verdict).toBe("ok");
    } finally {
      await ex.close();
    }
  }, 60_000);

  it("a Pool campaign passes and reaches the handles' rules", async () => {
    const ex = await start();
    try {
      const r = await runCampaign(pool, ex, { profile: "multiprocessing", runs: 30, seed: 3 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      for (const id of ["Pool.AsyncResult.get.value", "Pool.AsyncResult.get.raised", "Pool.task-run", "Pool.apply_async.submit"]) {
        expect(r.coverage?.rules[id] ?? 0, id).toBeGreaterThan(0);
      }
    } finally {
      await ex.close();
    }
  }, 180_000);

  it("a ProcessPoolExecutor campaign passes, a worker's death breaking the executor included", async () => {
    const ex = await start();
    try {
      const r = await runCampaign(executor, ex, { profile: "multiprocessing", runs: 30, seed: 3 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      for (const id of ["ProcessPoolExecutor.Future.result.value", "ProcessPoolExecutor.Future.result.broken", "ProcessPoolExecutor.finish"]) {
        expect(r.coverage?.rules[id] ?? 0, id).toBeGreaterThan(0);
      }
    } finally {
      await ex.close();
    }
  }, 180_000);
});
