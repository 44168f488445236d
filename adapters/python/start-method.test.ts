/**
 * The adapter's start method reaches the spec (CEL `startMethod`): a lambda target is refused by
 * start() under spawn and forkserver and runs under fork, and ProcessPoolExecutor refuses a
 * max_tasks_per_child under fork only; each history is judged with the start method the adapter
 * names in its ready message, and judging it with another start method fails it.
 */
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import type { Scenario } from "../../conformance/scenario/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";

const process_ = loadSpecFile(join(PRIMITIVES_DIR, "Process.yaml"));
const executor = loadSpecFile(join(PRIMITIVES_DIR, "ProcessPoolExecutor.yaml"));
const specs = [process_, executor];
const specFor = (p: string) => specs.find((s) => s.primitive === p)!;

const lambdaTarget: Scenario = {
  profile: "multiprocessing",
  objects: [{ id: "o0", primitive: "Process", args: { target: { $callable: "lambda_noop" } } }],
  init: [
    { object: "o0", op: "start", args: {} },
    { object: "o0", op: "join", args: { timeout: 5 } },
    { object: "o0", op: "exitcode", args: {} },
  ],
  parallel: [],
  post: [],
};

const maxTasks: Scenario = {
  profile: "multiprocessing",
  objects: [{ id: "o0", primitive: "ProcessPoolExecutor", args: { max_workers: 1, initializer: null, initargs: [], max_tasks_per_child: 1 } }],
  init: [
    { object: "o0", op: "submit", args: { fn: { $callable: "square" }, arg: 3 } },
    { object: "o0@main.0", op: "Future.result", args: { timeout: 20 } },
  ],
  parallel: [],
  post: [],
};

const brief = (events: { outcome: { kind: string; value?: unknown; type?: string } }[]) =>
  events.map((e) => (e.outcome.kind === "returned" ? e.outcome.value : e.outcome.kind === "raised" ? e.outcome.type : e.outcome.kind));

describe.skipIf(!hasPython)(`the start method in the spec, on the Python adapter (${PY})`, () => {
  test.each([
    ["fork", [null, null, 0]],
    ["spawn", ["pickle.PicklingError", "AssertionError", null]],
    ["forkserver", ["pickle.PicklingError", "AssertionError", null]],
  ] as const)("%s: a lambda target, and max_tasks_per_child", async (method, processOutcomes) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", "--start-method", method], specs });
    try {
      expect(a.startMethod).toBe(method);
      const opts = { profile: "multiprocessing", actorKind: "threads" as const };
      const h = await a.run(lambdaTarget, 15_000);
      expect(brief(h.events)).toEqual(processOutcomes);
      for (const level of ["cpython", "documented"] as const) {
        expect(checkHistory(specFor, lambdaTarget.objects, h, { ...opts, level, startMethod: method }).verdict, level).toBe("ok");
      }
      // The same history judged as if the start method were the other kind: CPython's level fails it.
      const other = method === "fork" ? "spawn" : "fork";
      expect(checkHistory(specFor, lambdaTarget.objects, h, { ...opts, level: "cpython", startMethod: other }).verdict).toBe("violation");

      const e = await a.run(maxTasks, 30_000);
      const check = checkHistory(specFor, maxTasks.objects, e, { ...opts, level: "cpython", startMethod: method });
      expect(check.verdict, JSON.stringify(e)).toBe("ok");
      if (method === "fork") {
        // Refused at construction: no call is made.
        expect(e.events).toEqual([]);
        expect(e.constructions?.[0]?.outcome).toMatchObject({
          kind: "raised",
          type: "ValueError",
          message: "max_tasks_per_child is incompatible with the 'fork' multiprocessing start method; supply a different mp_context.",
        });
        expect(checkHistory(specFor, maxTasks.objects, e, { ...opts, level: "cpython", startMethod: "spawn" }).verdict).toBe("violation");
      } else {
        expect(brief(e.events)).toEqual([{ $handle: "o0@main.0" }, 9]);
        expect(checkHistory(specFor, maxTasks.objects, e, { ...opts, level: "cpython", startMethod: "fork" }).verdict).toBe("violation");
      }
    } finally {
      await a.close();
    }
  }, 120_000);
});
