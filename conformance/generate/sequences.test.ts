// generate.sequences and profile-dependent domains (spec/format.ts), with Condition.yaml as the example.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR, SpecError } from "../spec/load.js";
import { scenarioArbitrary } from "./scenario-arbitrary.js";

const condition = loadSpecFile(join(PRIMITIVES_DIR, "Condition.yaml"));

describe("generate.sequences", () => {
  test("actors' programs hold whole sequences (acquire, wait, release) besides single calls", () => {
    const scs = fc.sample(scenarioArbitrary(condition, "threading"), { numRuns: 200, seed: 11 });
    const programs = scs.flatMap((sc) => [sc.init, ...sc.parallel, sc.post]);
    const ops = programs.map((p) => p.map((c) => c.op).join(","));
    expect(ops.some((p) => p.includes("acquire,wait,release"))).toBe(true);
    expect(ops.some((p) => p.includes("acquire,notify,release"))).toBe(true);
    expect(ops.some((p) => /^(wait|notify)(,|$)/.test(p))).toBe(true); // single calls too
    // a sequence counts as one element towards the calls per actor
    expect(Math.max(...scs.flatMap((sc) => sc.parallel.map((a) => a.length)))).toBeGreaterThan(3);
  });

  test("a sequence's args narrow its calls' domains and its pause comes before its first call (parallel part)", () => {
    const scs = fc.sample(scenarioArbitrary(condition, "multiprocessing"), { numRuns: 300, seed: 13 });
    const chunks = scs.flatMap((sc) => sc.parallel.flatMap((a) => a.map((c, i) => a.slice(i, i + 3))));
    // the notifier sequence: pause 30 or 50 ms (50 ms: not one of the shape's), acquire(True, 0.1), notify(1 | 2 | 3)
    const notifiers = chunks.filter((ch) => ch.length === 3 && ch[0]!.op === "acquire" && ch[1]!.op === "notify" && ch[0]!.pause === 0.05);
    expect(notifiers.length).toBeGreaterThan(0);
    expect(notifiers.every((ch) => ch[0]!.args.block === true && ch[0]!.args.timeout === 0.1 && [1, 2, 3].includes(ch[1]!.args.n as number))).toBe(true);
    // init and post draw no pauses
    expect(scs.every((sc) => [...sc.init, ...sc.post].every((c) => c.pause === undefined))).toBe(true);
  });

  test("a sequence's args must name its own operations and their arguments", () => {
    const doc = (args: string) => `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op: { args: { a: { domain: { oneOf: [1, 2] } } }, rules: [{ id: T.op.ok, level: documented, source: { docs: "https://example.org" } }] }
  other: { rules: [{ id: T.other.ok, level: documented, source: { docs: "https://example.org" } }] }
generate:
  sequences: [{ ops: [op], ${args} }]
`;
    expect(() => loadSpecText(doc("args: { op: { a: { oneOf: [2] } } }, pause: [0.03]"), "T.yaml")).not.toThrow();
    expect(() => loadSpecText(doc("args: { other: {} }"), "T.yaml")).toThrow(/'other' is not an operation of the sequence/);
    expect(() => loadSpecText(doc("args: { op: { b: { oneOf: [2] } } }"), "T.yaml")).toThrow(/'b' is not an argument of op/);
    expect(() => loadSpecText(doc("pause: [2]"), "T.yaml")).toThrow(SpecError);
  });

  test("a sequence naming an unknown operation is refused at load", () => {
    const text = `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op: { rules: [{ id: T.op.ok, level: documented, source: { docs: "https://example.org" } }] }
generate:
  sequences: [{ ops: [op, nope] }]
`;
    expect(() => loadSpecText(text, "T.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(text, "T.yaml")).toThrow(/'nope' is not an operation/);
  });
});

describe("domainIf over the profile", () => {
  test("Condition's lock: no Lock in multiprocessing scenarios, all three kinds in threading", () => {
    const locks = (profile: string) =>
      new Set(fc.sample(scenarioArbitrary(condition, profile), { numRuns: 200, seed: 12 }).map((sc) => JSON.stringify(sc.objects[0]!.args.lock)));
    expect(locks("multiprocessing")).toEqual(new Set(["null", '{"$new":"RLock"}']));
    expect(locks("threading")).toEqual(new Set(["null", '{"$new":"RLock"}', '{"$new":"Lock"}']));
  });
});

describe("domainIf over the constructor's arguments, and generate.shape", () => {
  const array = loadSpecFile(join(PRIMITIVES_DIR, "Array.yaml"));
  const scs = fc.sample(scenarioArbitrary(array, "multiprocessing"), { numRuns: 300, seed: 14 });
  const stores = (floats: boolean) =>
    scs
      .filter((sc) => ["f", "d"].includes(sc.objects[0]!.args.typecode as string) === floats)
      .flatMap((sc) => [...sc.init, ...sc.parallel.flat(), ...sc.post])
      .filter((c) => c.op === "setitem")
      .map((c) => c.args.value);

  test("Array's setitem draws values for the array's typecode: floats for 'f' and 'd', ints past the C range for the others", () => {
    const onFloats = stores(true);
    const onInts = stores(false);
    expect(onFloats.length).toBeGreaterThan(10);
    expect(onInts.length).toBeGreaterThan(10);
    expect(onFloats).toContain(2.5);
    expect(onFloats).not.toContain(300); // only the int arrays' domain has it
    expect(onInts).toContain(300);
    expect(onInts.filter((v) => v === null).length / onInts.length).toBeLessThan(onFloats.filter((v) => v === null).length / onFloats.length);
  });

  test("no deferred pick is left in a scenario", () => {
    expect(JSON.stringify(scs)).not.toContain("\\u0000pick");
  });

  test("generate.shape lengthens Array's init and post parts past the default two", () => {
    expect(Math.max(...scs.map((sc) => sc.init.length))).toBeGreaterThan(2);
    expect(Math.max(...scs.map((sc) => sc.post.length))).toBeGreaterThan(2);
  });

  test("a shape outside its bounds is refused at load", () => {
    const text = `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op: { rules: [{ id: T.op.ok, level: documented, source: { docs: "https://example.org" } }] }
generate:
  shape: { maxActors: 9 }
`;
    expect(() => loadSpecText(text, "T.yaml")).toThrow(/generate\.shape\.maxActors: must be an integer from 1 to 6/);
  });
});
