// Produced handles (spec/format.ts Operation.produces, SpecDocument.handles), with Pool.yaml's
// AsyncResult as the example: where the generator places calls on a handle, how the run message
// carries them, how a history's shape is checked, and the loader's refusals.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { loadSpecDir, loadSpecFile, loadSpecText, PRIMITIVES_DIR } from "../spec/load.js";
import { producesIn, protocolProblems, resolveCalls, RunMessageError } from "../adapter/protocol.js";
import { MAIN_ACTOR, actorId, type Call, type Scenario } from "../scenario/types.js";
import type { History, HistoryEvent } from "../history/types.js";
import { scenarioArbitrary } from "./scenario-arbitrary.js";

const pool = loadSpecFile(join(PRIMITIVES_DIR, "Pool.yaml"));
const specs = loadSpecDir();
const programs = (sc: Scenario): [string, Call[]][] => [[MAIN_ACTOR, [...sc.init, ...sc.post]], ...sc.parallel.map((a, i): [string, Call[]] => [actorId(i), a])];

describe("produced handles", () => {
  const scs = fc.sample(scenarioArbitrary(pool, "multiprocessing"), { numRuns: 300, seed: 5 });

  test("a call on a handle names the place of an earlier call of its actor that produces one", () => {
    let onHandles = 0;
    for (const sc of scs) {
      for (const [actor, prog] of programs(sc)) {
        prog.forEach((c, k) => {
          if (!c.object.includes("@")) {
            expect(/^(AsyncResult|IMapIterator)\./.test(c.op)).toBe(false);
            return;
          }
          onHandles++;
          expect(c.op).toMatch(/^(AsyncResult|IMapIterator)\./);
          const m = /^o0@(.+)\.(\d+)$/.exec(c.object)!;
          expect(m, c.object).not.toBeNull();
          expect(m[1]).toBe(actor);
          const at = Number(m[2]);
          expect(at).toBeLessThan(k);
          expect(["apply_async", "map_async", "imap", "imap_unordered"]).toContain(prog[at]!.op);
          expect(prog[at]!.object).toBe("o0");
        });
      }
    }
    expect(onHandles).toBeGreaterThan(100);
  });

  test("the run message marks producing calls with their place and handle calls with the handle", () => {
    for (const sc of scs) {
      const calls = resolveCalls(sc, specs);
      const resolved = [[MAIN_ACTOR, [...calls.init, ...calls.post]], ...calls.parallel.map((a, i) => [actorId(i), a] as const)] as const;
      for (const [actor, prog] of resolved) {
        prog.forEach((c, k) => {
          if (["apply_async", "map_async", "imap", "imap_unordered"].includes(c.method!)) expect(c.produces).toBe(`o0@${actor}.${k}`);
          else expect(c.produces).toBeUndefined();
          // The method on the handle is its own name (get), not the qualified op.
          if (c.handle !== undefined) expect(["get", "ready", "successful", "wait", "next", "__next__"]).toContain(c.method);
        });
      }
      expect(calls.actors).toBe("threads"); // a pool is used by threads of its creating process
      // The pool is the last object (its callbacks' Queue or Event, when drawn, come first).
      expect(calls.objects.at(-1)!.teardown).toBe("terminate");
    }
  });

  const sc: Scenario = {
    profile: "multiprocessing",
    objects: [{ id: "o0", primitive: "Pool", args: { processes: 1, initializer: null, initargs: [], maxtasksperchild: null } }],
    init: [],
    parallel: [
      [
        { object: "o0", op: "apply_async", args: { func: { $callable: "square" }, args: [3], kwds: {}, callback: null, error_callback: null } },
        { object: "o0@a0.0", op: "AsyncResult.get", args: { timeout: 0.5 } },
        { object: "o0", op: "close", args: {} },
      ],
    ],
    post: [],
  };
  const ev = (k: number, outcome: HistoryEvent["outcome"], object = "o0"): HistoryEvent => {
    const c = sc.parallel[0]![k]!;
    return { actor: "a0", object: c.object === "o0" ? object : c.object, op: c.op, args: c.args, invoke: k * 10, response: k * 10 + 5, outcome };
  };
  const produces = producesIn(sc, (p) => specs.find((s) => s.primitive === p));

  test("a history's shape: the handle's id is checked, and a call on a handle never produced is left out", () => {
    const handle = { kind: "returned", value: { $handle: "o0@a0.0" } } as const;
    const ran: History = { events: [ev(0, handle), ev(1, { kind: "returned", value: 9 }), ev(2, { kind: "returned", value: null })] };
    expect(protocolProblems(sc, ran, produces)).toEqual([]);
    // The producer raised: its handle's call is not made, and the next call follows.
    const raised = { kind: "raised", type: "ValueError", message: "Pool not running" } as const;
    const skipped: History = { events: [ev(0, raised), { ...ev(2, { kind: "returned", value: null }), invoke: 10, response: 15 }] };
    expect(protocolProblems(sc, skipped, produces)).toEqual([]);
    // ... but a call on a handle that was produced must be made.
    const missing: History = { events: [ev(0, handle), { ...ev(2, { kind: "returned", value: null }), invoke: 10, response: 15 }] };
    expect(protocolProblems(sc, missing, produces).join("\n")).toMatch(/is not its call 1/);
    // A producing call reports its own place as the handle's id.
    const wrongId: History = { events: [ev(0, { kind: "returned", value: { $handle: "o0@a0.7" } }), ev(1, { kind: "returned", value: 9 }), ev(2, { kind: "returned", value: null })] };
    expect(protocolProblems(sc, wrongId, produces).join("\n")).toMatch(/produces a handle: it must return \{"\$handle": "o0@a0\.0"\}/);
  });

  test("the run message refuses a handle its actor did not produce, and a handle's operation on the object", () => {
    const elsewhere: Scenario = { ...sc, parallel: [[sc.parallel[0]![0]!], [sc.parallel[0]![1]!]] };
    expect(() => resolveCalls(elsewhere, specs)).toThrow(RunMessageError);
    expect(() => resolveCalls(elsewhere, specs)).toThrow(/no earlier call of actor a1 produces the handle o0@a0\.0/);
    const onObject: Scenario = { ...sc, parallel: [[{ object: "o0", op: "AsyncResult.get", args: { timeout: 0.5 } }]] };
    expect(() => resolveCalls(onObject, specs)).toThrow(/an operation of a AsyncResult: name the handle/);
  });

  test("the loader refuses a handle kind that does not exist, a handle call no earlier call produces, and rules that return on a producing call", () => {
    const text = readFileSync(pool.file, "utf8");
    expect(() => loadSpecText(text.replace("produces: AsyncResult", "produces: Future"), "Pool.yaml")).toThrow(/operations\.apply_async\.produces: 'Future' is not a kind of handle of this document \(handles: AsyncResult, IMapIterator\)/);
    expect(() => loadSpecText(text.replace("- ops: [apply_async, AsyncResult.get]", "- ops: [close, AsyncResult.get]"), "Pool.yaml")).toThrow(/generate\.sequences\[\d+\]\.ops\[1\]: 'AsyncResult\.get' is on a AsyncResult: an earlier operation of the sequence must produce one/);
    expect(() =>
      loadSpecText(text.replace(`        effect:\n          "tasks[handle]"`, `        returns: "1"\n        effect:\n          "tasks[handle]"`), "Pool.yaml"),
    ).toThrow(/operations\.apply_async\.rules\[0\]: the operation produces a AsyncResult: a rule that completes it returns that handle/);
    expect(() => loadSpecText(text.replace("raises: { from: \"{'type': s.tasks[handle]", "raises: { type: ValueError, from: \"{'type': s.tasks[handle]"), "Pool.yaml")).toThrow(/give type .* or from .*, one of them/);
  });
});
