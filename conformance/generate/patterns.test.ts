// Patterns (generate.patterns): hand-shaped scenarios drawn besides the random ones, their calls
// as written and their arguments drawn from the narrowed domains.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR } from "../spec/load.js";
import { patternsIn, scenarioArbitrary } from "./scenario-arbitrary.js";
import type { Scenario } from "../scenario/types.js";

const doc = (generate: string) => `primitive: T
format: 1
profiles: { p: { callable: m.T }, q: { callable: m.T2 } }
params: { n: { domain: { oneOf: [1, 2, 3] } } }
state: { x: { init: "0" } }
operations:
  a:
    args: { t: { domain: { oneOf: [0.01, 0.02] } } }
    rules: [{ id: T.a.ok, level: documented, source: { docs: "https://example.org" } }]
  b:
    profiles: [p]
    rules: [{ id: T.b.ok, level: documented, source: { docs: "https://example.org" } }]
generate:
${generate}
`;
const shaped = (sc: Scenario) => sc.parallel.length === 2 && sc.parallel[0]!.length === 1 && sc.parallel[0]![0]!.args.t === 0.5;

describe("patterns", () => {
  const pattern = `  patterns:
    - name: late
      description: a long a, and a b after a pause
      share: 0.2
      ctor: { n: { oneOf: [3] } }
      parallel:
        - [{ op: a, args: { t: { oneOf: [0.5] } } }]
        - [{ op: b, pause: 0.6 }, { op: a }]`;

  test("drawn at about their share, as written: narrowed arguments, pauses, the others drawn from their domains", () => {
    const spec = loadSpecText(doc(pattern), "T.yaml");
    const scs = fc.sample(scenarioArbitrary(spec, "p"), { numRuns: 1000, seed: 3 });
    const hits = scs.filter(shaped);
    expect(hits.length).toBeGreaterThan(120);
    expect(hits.length).toBeLessThan(280);
    for (const sc of hits) {
      expect(sc.objects[0]!.args.n).toBe(3);
      expect(sc.parallel[1]!.map((c) => [c.op, c.pause])).toEqual([["b", 0.6], ["a", undefined]]);
      expect([0.01, 0.02]).toContain(sc.parallel[1]![1]!.args.t);
      expect(sc.init).toEqual([]);
      expect(sc.post).toEqual([]);
    }
    // The random scenarios never give a an argument outside its domain.
    expect(scs.filter((sc) => !shaped(sc)).flatMap((sc) => sc.parallel.flat()).some((c) => c.args.t === 0.5)).toBe(false);
  });

  test("a pattern naming an operation the profile lacks is not drawn there; without patterns the random arbitrary is unchanged", () => {
    const spec = loadSpecText(doc(pattern), "T.yaml");
    expect(patternsIn(spec, "p").map((p) => p.name)).toEqual(["late"]);
    expect(patternsIn(spec, "q")).toEqual([]);
    expect(fc.sample(scenarioArbitrary(spec, "q"), { numRuns: 300, seed: 3 }).some(shaped)).toBe(false);
    const plain = loadSpecText(doc("  pauses: []"), "T.yaml");
    const a = fc.sample(scenarioArbitrary(plain, "p"), { numRuns: 20, seed: 9 });
    const b = fc.sample(scenarioArbitrary(loadSpecText(doc("  pauses: []\n  patterns: []"), "T.yaml"), "p"), { numRuns: 20, seed: 9 });
    expect(b).toEqual(a);
  });

  test("malformed patterns are refused with their place", () => {
    const bad = (p: string) => () => loadSpecText(doc(`  patterns:\n    - { name: x, description: d, ${p} }`), "T.yaml");
    expect(bad("share: 0.1, parallel: [[{ op: c }]]")).toThrow(/generate\.patterns\[0\]\.parallel\[0\]\[0\]\.op.*'c' is not an operation/);
    expect(bad("share: 0.1, parallel: [[{ op: a, args: { u: { oneOf: [1] } } }]]")).toThrow(/args\.u.*not an argument of a/);
    expect(bad("share: 1.5, parallel: [[{ op: a }]]")).toThrow(/share.*fraction/);
    expect(bad("share: 0.1, parallel: [[]]")).toThrow(/parallel\[0\].*at least one call/);
    expect(bad("share: 0.1, ctor: { m: { oneOf: [1] } }, parallel: [[{ op: a }]]")).toThrow(/ctor\.m.*not a constructor parameter/);
    expect(bad("share: 0.1, post: [{ op: a, pause: 0.1 }], parallel: [[{ op: a }]]")).toThrow(/post\[0\]\.pause.*only a parallel actor/);
    // A companion's operation needs the companion declared (generate.companions).
    expect(bad("share: 0.1, parallel: [[{ op: Value.value }]]")).toThrow(/parallel\[0\]\[0\]\.op.*'Value\.value' is not an operation.*nor one of a companion/);
  });

  test("a pattern's calls on a companion (ProcessPoolExecutor's cancel-callbacks: Value.value) declare it, as do the callables' {$object} arguments", () => {
    const spec = loadSpecFile(join(PRIMITIVES_DIR, "ProcessPoolExecutor.yaml"));
    const scs = fc.sample(scenarioArbitrary(spec, "multiprocessing"), { numRuns: 400, seed: 1 });
    const hits = scs.filter((sc) => sc.parallel.length === 1 && sc.parallel[0]!.filter((c) => c.op === "Future.cancel").length === 2);
    expect(hits.length).toBeGreaterThan(3);
    for (const sc of hits) {
      expect(sc.objects.map((o) => [o.id, o.primitive])).toEqual([["o1", "Value"], ["o0", "ProcessPoolExecutor"]]);
      expect(sc.objects[0]!.args).toMatchObject({ typecode: "i", value: 0 });
      const reads = sc.parallel[0]!.filter((c) => c.op === "value");
      expect(reads.map((c) => c.object)).toEqual(["o1", "o1"]);
      const adds = sc.parallel[0]!.filter((c) => c.op === "Future.add_done_callback");
      expect(adds.map((c) => (c.args.fn as { value: unknown }).value)).toEqual([{ $object: "o1" }, { $object: "o1" }]);
    }
  });

  test("Barrier's late read: a long wait, and reads after the promptness bound, in every hundred or so scenarios", () => {
    const spec = loadSpecFile(join(PRIMITIVES_DIR, "Barrier.yaml"));
    const scs = fc.sample(scenarioArbitrary(spec, "multiprocessing"), { numRuns: 500, seed: 1 });
    const late = scs.filter((sc) => sc.parallel.some((a) => a[0]!.op === "n_waiting" && (a[0]!.pause ?? 0) > 0.5));
    expect(late.length).toBeGreaterThan(10);
    for (const sc of late) expect(sc.parallel[0]).toEqual([{ object: "o0", op: "wait", args: { timeout: 0.8 } }]);
  });
});
