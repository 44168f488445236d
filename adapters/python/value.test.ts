/**
 * Value through the protocol: attribute writes and in-place updates (form "set", "iadd") and
 * updates under the object's lock (with_lock) in the run message, and the Python adapter on the
 * real CPython performing them, with actors in forked and spawned processes.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { hasPython, PY } from "./test-support.js";
import { runMessage, schemaProblems } from "../../conformance/adapter/protocol.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import { scenarioArbitrary } from "../../conformance/generate/scenario-arbitrary.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";

const value = loadSpecFile(join(PRIMITIVES_DIR, "Value.yaml"));
// Lock and RLock: what `lock=` may build ({"$new": ...}).
const specs = [value, ...["Lock", "RLock"].map((p) => loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)))];
const op = (name: string, args: Record<string, null | number | string> = {}): Call => ({ object: "o0", op: name, args });
const SHAPES: Record<string, object> = {
  value: { method: "value", form: "get" },
  raw_value: { method: "value", form: "get", via: "get_obj" },
  set_value: { method: "value", form: "set" },
  increment: { method: "value", form: "iadd" },
  locked_increment: { method: "value", form: "iadd", with_lock: "get_lock" },
};

const scenario = (): Scenario => ({
  profile: "multiprocessing",
  objects: [{ id: "o0", primitive: "Value", args: { typecode: "i", value: 2147483647 } }],
  init: [op("increment", { delta: 1 }), op("value"), op("set_value", { value: "x" }), op("set_value", { value: 0 })],
  parallel: [[op("locked_increment", { delta: 1 }), op("locked_increment", { delta: 1 })], [op("locked_increment", { delta: 1 })]],
  post: [op("value")],
});

describe("Value in the run message", () => {
  test("operations carry their attribute, form and lock", () => {
    for (const sc of fc.sample(scenarioArbitrary(value, "multiprocessing"), { numRuns: 40, seed: 3 })) {
      const msg = runMessage(3, sc, 900, specs);
      expect(schemaProblems("run", JSON.parse(JSON.stringify(msg)))).toEqual([]);
      expect(msg.calls.objects[0]!.callable).toBe("multiprocessing.Value");
      const ops = [...sc.init, ...sc.parallel.flat(), ...sc.post];
      [...msg.calls.init, ...msg.calls.parallel.flat(), ...msg.calls.post].forEach((c, i) => {
        const { method, argv: _argv, object: _o, ...shape } = c;
        expect({ method, ...shape }).toEqual(SHAPES[ops[i]!.op]);
        expect(c.argv.length).toBe(ops[i]!.op === "value" || ops[i]!.op === "raw_value" ? 0 : 1);
      });
    }
  });
});

describe.skipIf(!hasPython)(`Value on the Python adapter (${PY})`, () => {
  test.each([
    ["processes, fork", []],
    ["processes, spawn (pooled)", ["--start-method", "spawn", "--warm", "2"]],
  ])("%s: a wrapping increment, a refused store, locked increments; a bounded campaign passes", async (_, flags) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", ...flags], specs });
    try {
      const sc = scenario();
      const h = await a.run(sc, 5_000);
      const main = h.events.filter((e) => e.actor === "main").map((e) => e.outcome);
      expect(main).toEqual([
        { kind: "returned", value: null },
        { kind: "returned", value: -2147483648 },
        { kind: "raised", type: "TypeError", message: "'str' object cannot be interpreted as an integer", mro: ["Exception", "BaseException"] },
        { kind: "returned", value: null },
        { kind: "returned", value: 3 },
      ]);
      expect(checkHistory(() => value, sc.objects, h, { profile: "multiprocessing", level: "documented" }).verdict).toBe("ok");
      const r = await runCampaign(value, a, { profile: "multiprocessing", runs: 25, seed: 17 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
    } finally {
      await a.close();
    }
  });
});
