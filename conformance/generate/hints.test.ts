// Spec-level generator hints (spec/format.ts): generate.minActors and Operation.parts,
// with Barrier.yaml as the example; documents without them generate as before.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR, SpecError } from "../spec/load.js";
import { scenarioArbitrary } from "./scenario-arbitrary.js";

const barrier = loadSpecFile(join(PRIMITIVES_DIR, "Barrier.yaml"));
const lock = loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"));

describe("generator hints", () => {
  test("generate.minActors: every Barrier scenario has at least `parties` parallel actors", () => {
    const scs = fc.sample(scenarioArbitrary(barrier, "multiprocessing"), { numRuns: 300, seed: 3 });
    // The Barrier is declared last (after the Value an add_to action names).
    for (const sc of scs) expect(sc.parallel.length).toBeGreaterThanOrEqual(sc.objects.at(-1)!.args.parties as number);
    // ...while fewer parties still leave room for fewer actors
    expect(scs.some((sc) => sc.parallel.length < 3)).toBe(true);
  });

  test("parts: Barrier.wait and abort stay out of the init part, and appear elsewhere", () => {
    const scs = fc.sample(scenarioArbitrary(barrier, "threading"), { numRuns: 300, seed: 4 });
    expect(scs.flatMap((sc) => sc.init).some((c) => c.op === "wait" || c.op === "abort")).toBe(false);
    expect(scs.flatMap((sc) => sc.init).length).toBeGreaterThan(0);
    expect(scs.flatMap((sc) => sc.post).some((c) => c.op === "wait")).toBe(true);
    expect(scs.flatMap((sc) => sc.parallel.flat()).some((c) => c.op === "abort")).toBe(true);
  });

  test("without hints, scenarios are generated as before (a seed replays the same scenarios)", () => {
    const scs = fc.sample(scenarioArbitrary(lock, "multiprocessing"), { numRuns: 200, seed: 5 });
    expect(new Set(scs.map((sc) => sc.parallel.length))).toEqual(new Set([1, 2, 3]));
    expect(JSON.stringify(fc.sample(scenarioArbitrary(lock, "multiprocessing"), { numRuns: 20, seed: 5 }))).toBe(JSON.stringify(scs.slice(0, 20)));
  });

  test("the loader checks the new fields", () => {
    const doc = (op: string, extra = "") => `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
${extra}
operations:
  op:
${op}
    rules:
      - { id: T.op.r, level: documented, source: { says: t } }
`;
    expect(() => loadSpecText(doc("    form: get\n    args: { a: { domain: { oneOf: [1] } } }"), "t.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(doc("    form: get\n    args: { a: { domain: { oneOf: [1] } } }"), "t.yaml")).toThrow(/form 'get' is an attribute or item read/);
    expect(() => loadSpecText(doc("    parts: []"), "t.yaml")).toThrow(/at least one of init, parallel, post/);
    expect(() => loadSpecText(doc("    timeout: 'args.'"), "t.yaml")).toThrow(/operations\.op\.timeout/);
    expect(() => loadSpecText(doc("    form: got"), "t.yaml")).toThrow(/form/);
    expect(() => loadSpecText(doc("    form: get", "generate: { minActors: '(' }"), "t.yaml")).toThrow(/generate\.minActors/);
    // item, via, outArgs (spec/format.ts)
    const arg = (n: string) => `${n}: { domain: { oneOf: [0] } }`;
    expect(() => loadSpecText(doc(`    item: k\n    args: { ${arg("a")} }`), "t.yaml")).toThrow(/operations\.op\.item: 'k' is not among/);
    expect(() => loadSpecText(doc(`    item: k\n    args: { ${arg("k")} }`), "t.yaml")).toThrow(/give form get, set or iadd/);
    expect(() => loadSpecText(doc(`    form: set\n    item: k\n    args: { ${arg("k")} }`), "t.yaml")).toThrow(/form 'set' takes exactly one arg besides/);
    expect(() => loadSpecText(doc(`    form: get\n    item: k\n    attribute: v\n    args: { ${arg("k")} }`), "t.yaml")).toThrow(/drop attribute or item/);
    expect(() => loadSpecText(doc(`    outArgs: [b]\n    args: { ${arg("a")} }`), "t.yaml")).toThrow(/outArgs\[0\]: 'b' is not among the args passed/);
    const item = loadSpecText(doc(`    form: set\n    item: k\n    via: get_obj\n    args: { ${arg("k")}, ${arg("v")} }`), "t.yaml");
    expect(item.operations.get("op")!.shape).toEqual({ form: "set", name: "op", item: "k", via: "get_obj" });
    expect(() => loadSpecText(doc(`    args: { a: { domain: { bytesToken: x, token: y } } }`), "t.yaml")).toThrow(/exactly one of oneOf, intRange, token, bytesToken/);
    const ok = loadSpecText(doc("    form: get", "generate: { minActors: '2' }"), "t.yaml");
    expect(ok.operations.get("op")!.form).toBe("get");
    expect(ok.minActors!.eval({})).toBe(2n);
  });

  test("bytesToken: fresh bytes values, numbered in scenario order", () => {
    const pipe = loadSpecFile(join(PRIMITIVES_DIR, "Pipe.yaml"));
    const scs = fc.sample(scenarioArbitrary(pipe, "multiprocessing"), { numRuns: 200, seed: 6 });
    const bufs = scs.map((sc) => [...sc.init, ...sc.parallel.flat(), ...sc.post].filter((c) => c.op === "send_bytes").map((c) => c.args.buf));
    expect(bufs.flat().length).toBeGreaterThan(20);
    for (const b of bufs) expect(b).toEqual(b.map((_, i) => ({ $bytes: `xyz${i + 1}` })));
  });

  test("generate.exclusive: each Pipe end is read, and written, by one parallel actor at most; both happen in parallel", () => {
    const pipe = loadSpecFile(join(PRIMITIVES_DIR, "Pipe.yaml"));
    for (const ops of [["recv", "recv_bytes_into", "poll"], ["send", "send_bytes"]]) {
      let inParallel = 0;
      let racing = 0;
      for (const sc of fc.sample(scenarioArbitrary(pipe, "multiprocessing"), { numRuns: 300, seed: 8 })) {
        const users = new Map<unknown, Set<number>>();
        sc.parallel.forEach((calls, actor) => {
          expect(calls.length).toBeGreaterThan(0);
          for (const c of calls.filter((c) => ops.includes(c.op))) {
            inParallel++;
            users.set(c.args.end, (users.get(c.args.end) ?? new Set()).add(actor));
          }
        });
        for (const actors of users.values()) expect(actors.size).toBe(1);
        if (users.size === 2 && new Set([...users.values()].flatMap((a) => [...a])).size === 2) racing++;
      }
      expect(inParallel, ops.join()).toBeGreaterThan(50);
      // The two ends are still used by two actors at once.
      expect(racing, ops.join()).toBeGreaterThan(5);
    }
  });

  test("the loader checks generate.exclusive", () => {
    const doc = (ex: string) => `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op:
    args: { k: { domain: { oneOf: [0] } } }
    rules:
      - { id: T.op.r, level: documented, source: { says: t } }
generate: { exclusive: [${ex}] }
`;
    expect(() => loadSpecText(doc("{ ops: [nope], by: k }"), "t.yaml")).toThrow(/generate\.exclusive\[0\]\.ops: 'nope' is not an operation/);
    expect(() => loadSpecText(doc("{ ops: [op], by: z }"), "t.yaml")).toThrow(/generate\.exclusive\[0\]\.by: 'z' is not an argument of op/);
    expect(() => loadSpecText(doc("{ ops: [], by: k }"), "t.yaml")).toThrow(/is empty/);
    expect(loadSpecText(doc("{ ops: [op], by: k }"), "t.yaml").doc.generate?.exclusive).toEqual([{ ops: ["op"], by: "k" }]);
  });
});
