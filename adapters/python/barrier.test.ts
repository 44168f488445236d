/**
 * Barrier through the protocol: attribute reads (form "get") and callable values
 * ({"$callable": ...}) in the run message, and the Python adapter on the real
 * CPython resolving both, with actors in forked and spawned processes and in threads.
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
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";



const barrier = loadSpecFile(join(PRIMITIVES_DIR, "Barrier.yaml"));
// Every document: an add_to action's Value companion, and the Lock or RLock it may be built with.
const specs = loadSpecDir();
const RAISE = { $callable: "raise", type: "ValueError", message: "action failed" };
const op = (name: string, args: Record<string, null | number> = {}): Call => ({ object: "o0", op: name, args });
const READS = ["n_waiting", "broken", "parties"];

/** Two parties, a raising action: one party gets ValueError, the other BrokenBarrierError; the reads see it. */
const scenario = (profile: string): Scenario => ({
  profile,
  objects: [{ id: "o0", primitive: "Barrier", args: { parties: 2, action: RAISE, timeout: 1 } }],
  init: [op("parties"), op("broken"), op("n_waiting")],
  parallel: [[op("wait", { timeout: 2 })], [op("wait", { timeout: null })]],
  post: [op("broken"), op("n_waiting"), op("reset"), op("broken")],
});

describe("Barrier in the run message", () => {
  test("attribute reads carry form 'get'; the action crosses as its callable value", () => {
    for (const profile of ["multiprocessing", "threading"]) {
      for (const sc of fc.sample(scenarioArbitrary(barrier, profile), { numRuns: 40, seed: 2 })) {
        const msg = runMessage(3, sc, 900, specs);
        expect(schemaProblems("run", JSON.parse(JSON.stringify(msg)))).toEqual([]);
        // The Barrier is declared last (after a companion its action names).
        const k = sc.objects.length - 1;
        expect(msg.calls.objects[k]!.callable).toBe(`${profile}.Barrier`);
        // Trailing arguments equal to their default (action, timeout: None) are left out; a
        // companion the action names crosses as its index.
        const action = JSON.parse(JSON.stringify(sc.objects[k]!.args.action ?? null).replace(/\{"\$object":"o(\d+)"\}/g, (_, i) => `{"$object":${sc.objects.findIndex((o) => o.id === `o${i}`)}}`));
        const argv = [sc.objects[k]!.args.parties, action, sc.objects[k]!.args.timeout];
        while (argv.length > 1 && argv[argv.length - 1] === null) argv.pop();
        expect(msg.calls.objects[k]!.argv).toEqual(argv);
        for (const c of [...msg.calls.init, ...msg.calls.parallel.flat(), ...msg.calls.post]) {
          if (c.object !== k) continue; // a call on the companion Value
          expect(c.form).toBe(READS.includes(c.method!) ? "get" : undefined);
          if (c.form === "get") expect(c.argv).toEqual([]);
        }
      }
    }
    expect(schemaProblems("run", { ...runMessage(1, scenario("threading"), 900, specs), calls: { objects: [], init: [{ object: 0, method: "x", argv: [], form: "del" }], parallel: [], post: [] } })).not.toEqual([]);
  });
});

describe.skipIf(!hasPython)(`Barrier on the Python adapter (${PY})`, () => {
  test.each([
    ["processes, fork", "multiprocessing", []],
    ["processes, spawn (pooled)", "multiprocessing", ["--start-method", "spawn", "--warm", "2"]],
    ["threads, threading.Barrier", "threading", ["--actors", "threads"]],
  ])("%s: reads, the raising action, reset; a bounded campaign passes", async (_, profile, flags) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", ...flags], specs });
    try {
      const sc = scenario(profile);
      const h = await a.run(sc, 5_000);
      const main = h.events.filter((e) => e.actor === "main").map((e) => e.outcome);
      expect(main).toEqual([2, false, 0, true, 0, null, false].map((value) => ({ kind: "returned", value })));
      const waits = h.events.filter((e) => e.op === "wait").map((e) => (e.outcome.kind === "raised" ? `${e.outcome.type}: ${e.outcome.message}` : e.outcome.kind));
      expect(waits.sort()).toEqual(["ValueError: action failed", "threading.BrokenBarrierError: "]);
      expect(checkHistory(() => barrier, sc.objects, h, { profile, level: "cpython" }).verdict).toBe("ok");
      const r = await runCampaign(barrier, a, { profile, runs: 25, seed: 17 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
    } finally {
      await a.close();
    }
  });

  test("an unknown $callable is an {id, error} answer naming it", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--actors", "threads"], specs });
    try {
      const sc = scenario("threading");
      sc.objects[0]!.args.action = { $callable: "frobnicate" };
      await expect(a.run(sc, 2_000)).rejects.toThrow(/\{"\$callable": "frobnicate"\}: no callable 'frobnicate' \(this adapter knows [a-z_, ]*identity/);
      sc.objects[0]!.args.action = { $new: "RLock", $callable: "noop" };
      await expect(a.run(sc, 2_000)).rejects.toThrow(/unknown value convention/);
    } finally {
      await a.close();
    }
  });
});
