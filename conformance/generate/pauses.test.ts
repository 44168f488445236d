// Pauses (ScenarioShape.pauses): a parallel actor may sleep before a call, so a releasing call
// comes after the waiters it should release. Drawn only in the parallel part; shrink away.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR } from "../spec/load.js";
import { DEFAULT_SHAPE, scenarioArbitrary } from "./scenario-arbitrary.js";
import { scenarioText } from "../report/explain.js";
import type { Scenario } from "../scenario/types.js";

const lock = loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"));
const paused = (sc: Scenario) => sc.parallel.flat().filter((c) => c.pause !== undefined);

describe("pauses", () => {
  test("parallel calls get one of the shape's pauses now and then; init and post never", () => {
    const scs = fc.sample(scenarioArbitrary(lock, "multiprocessing"), { numRuns: 300, seed: 5 });
    const pauses = scs.flatMap(paused).map((c) => c.pause);
    expect(new Set(pauses)).toEqual(new Set(DEFAULT_SHAPE.pauses));
    const calls = scs.flatMap((sc) => sc.parallel.flat()).length;
    expect(pauses.length / calls).toBeGreaterThan(0.15); // weight 1 each against `pauseless` 4: about a third
    expect(pauses.length / calls).toBeLessThan(0.6);
    expect(scs.flatMap((sc) => [...sc.init, ...sc.post]).some((c) => "pause" in c)).toBe(false);
  });

  test("with sequences, a pause goes before the whole sequence, never inside it", () => {
    // b is only ever drawn as the second call of the sequence [a, b] (its own weight is 0).
    const spec = loadSpecText(
      `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  a: { rules: [{ id: T.a.ok, level: documented, source: { docs: "https://example.org" } }] }
  b: { weight: 0, rules: [{ id: T.b.ok, level: documented, source: { docs: "https://example.org" } }] }
generate:
  sequences: [{ ops: [a, b] }]
`,
      "T.yaml",
    );
    const scs = fc.sample(scenarioArbitrary(spec, "p"), { numRuns: 300, seed: 7 });
    const calls = scs.flatMap((sc) => sc.parallel.flat());
    expect(calls.some((c) => c.op === "a" && c.pause !== undefined)).toBe(true);
    expect(calls.some((c) => c.op === "b")).toBe(true);
    expect(calls.filter((c) => c.op === "b" && c.pause !== undefined)).toEqual([]);
  });

  test("a spec's generate.pauses replaces the default: [] draws none, [0.07] only that", () => {
    const text = (pauses: string) => `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  a: { rules: [{ id: T.a.ok, level: documented, source: { docs: "https://example.org" } }] }
generate:
  pauses: ${pauses}
`;
    const drawn = (pauses: string) => fc.sample(scenarioArbitrary(loadSpecText(text(pauses), "T.yaml"), "p"), { numRuns: 200, seed: 9 }).flatMap(paused).map((c) => c.pause);
    expect(drawn("[]")).toEqual([]);
    expect(new Set(drawn("[0.07]"))).toEqual(new Set([0.07]));
  });

  test("an empty list of pauses draws none", () => {
    const scs = fc.sample(scenarioArbitrary(lock, "multiprocessing", { ...DEFAULT_SHAPE, pauses: [] }), { numRuns: 100, seed: 5 });
    expect(scs.some((sc) => paused(sc).length > 0)).toBe(false);
  });

  test("shrinking takes pauses away when the failure does not need them", () => {
    // A property that fails on any scenario with 4 parallel calls: the minimal counterexample has
    // 4 calls and no pause, although most failing scenarios drawn have some.
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = fc.check(fc.property(scenarioArbitrary(lock, "multiprocessing"), (sc) => sc.parallel.flat().length < 4), { seed, numRuns: 200 });
      expect(out.failed).toBe(true);
      const [min] = out.counterexample as [Scenario];
      expect(min.parallel.flat()).toHaveLength(4);
      expect(paused(min)).toEqual([]);
    }
  });

  test("the counterexample text shows a pause as a sleep before the call", () => {
    const sc: Scenario = { profile: "multiprocessing", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [], parallel: [[{ object: "o0", op: "release", args: {}, pause: 0.03 }]], post: [] };
    expect(scenarioText(sc)).toContain("parallel a0: sleep(0.03); o0.release()");
  });
});
