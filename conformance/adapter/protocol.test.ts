import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { Ajv } from "ajv";
import type { History, HistoryEvent } from "../history/types.js";
import type { Call, Scenario } from "../scenario/types.js";
import { scenarioArbitrary } from "../generate/scenario-arbitrary.js";
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import type { JsonValue } from "../../spec/format.js";
import {
  MESSAGE_NAMES,
  PROTOCOL_DIR,
  protocolProblems,
  resolveCalls,
  runMessage,
  schemaProblems,
  basicProblems,
} from "./protocol.js";

const lock = loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"));
const specs = [lock];

const ready = {
  ready: true,
  version: 1,
  implementation: { name: "multiprocessing", version: "3.11.7", language: "Python", runtime: "CPython", runtime_version: "3.11.7", configuration: { actors: "processes" } },
  capabilities: { primitives: ["Lock"], profiles: ["multiprocessing"], actor_kinds: ["processes"], start_methods: ["fork"] },
};

const ev = (over: Partial<HistoryEvent> = {}): HistoryEvent => ({
  actor: "main",
  object: "o0",
  op: "acquire",
  args: { block: true, timeout: null },
  invoke: 10,
  response: 20,
  outcome: { kind: "returned", value: true },
  ...over,
});

describe("the protocol's schemas", () => {
  test("each file is a draft-07 schema with the $id the runner looks up", () => {
    const files = readdirSync(PROTOCOL_DIR).filter((f) => f.endsWith(".schema.json")).sort();
    expect(files).toEqual(["common", ...MESSAGE_NAMES].map((n) => `${n}.schema.json`).sort());
    for (const f of files) {
      const s = JSON.parse(readFileSync(join(PROTOCOL_DIR, f), "utf8"));
      expect(s.$schema).toBe("http://json-schema.org/draft-07/schema#");
      expect(s.$id).toBe(`urn:mpspec:protocol:1:${f.replace(".schema.json", "")}`);
    }
    // Strict mode compiles them too (no unknown keywords, no ambiguous types).
    const ajv = new Ajv({ strict: true, strictTypes: false, allErrors: true });
    for (const f of files) ajv.addSchema(JSON.parse(readFileSync(join(PROTOCOL_DIR, f), "utf8")));
    for (const n of MESSAGE_NAMES) expect(ajv.getSchema(`urn:mpspec:protocol:1:${n}`)).toBeTruthy();
  });

  test.each([
    ["start", { cmd: "start", version: 1 }, []],
    ["start", { cmd: "start" }, ["(top level): missing field 'version'"]],
    ["stop", { cmd: "stop" }, []],
    ["stop", { cmd: "halt" }, [`cmd: must be "stop"`]],
    ["ready", ready, []],
    ["ready", { ...ready, version: "1" }, ["version: must be integer"]],
    ["ready", { ...ready, capabilities: { ...ready.capabilities, actor_kinds: ["fibers"] } }, [`capabilities.actor_kinds.0: must be one of ["threads","processes"]`]],
    ["ready", { ...ready, implementation: { ...ready.implementation, runtime_version: undefined } }, ["implementation: missing field 'runtime_version'"]],
    ["error", { id: 3, error: "could not create o0" }, []],
    ["error", { id: 3, error: "" }, ["error: must NOT have fewer than 1 characters"]],
    ["result", { id: 1, history: { events: [ev()] } }, []],
    ["result", { id: 1, history: { events: [ev({ response: null, outcome: { kind: "pending" } })] } }, []],
    ["result", { id: 1, history: { events: [ev({ outcome: { kind: "raised", type: "queue.Empty", message: "", mro: ["Exception", "BaseException"] } })] } }, []],
    ["result", { id: 1, history: { events: [ev({ outcome: { kind: "pending" } })] } }, ["history.events.0.response: must be null"]],
    ["result", { id: 1, history: { events: [ev({ response: null })] } }, ["history.events.0.response: must be number"]],
    ["result", { id: 1, history: { events: [ev({ outcome: { kind: "raised", type: "ValueError" } as never })] } }, ["history.events.0.outcome: missing field 'message'"]],
    ["result", { id: 1, history: { events: [ev({ outcome: { kind: "exploded" } as never })] } }, [`history.events.0.outcome.kind: must be one of ["returned","raised","pending"]`]],
    ["result", { id: 1, history: { events: [ev({ actor: "worker-1" })] } }, [`history.events.0.actor: must match pattern "^(main|a(0|[1-9][0-9]*))$"`]],
    ["result", { id: 1, history: { events: [ev({ invoke: -5 })] } }, ["history.events.0.invoke: must be >= 0"]],
    ["result", { id: 1, history: { events: [] }, extra: 1 }, ["(top level): unknown field 'extra'"]],
  ] as const)("%s %j", (name, msg, problems) => {
    expect(schemaProblems(name, msg)).toEqual(problems);
  });
});

describe("the run message", () => {
  test("generated scenarios: callables for the profile, argv in the spec's order, valid against run.schema.json", () => {
    for (const profile of ["multiprocessing", "threading"]) {
      for (const sc of fc.sample(scenarioArbitrary(lock, profile), { numRuns: 50, seed: 1 })) {
        const msg = runMessage(7, sc, 800, specs);
        expect(schemaProblems("run", JSON.parse(JSON.stringify(msg)))).toEqual([]);
        expect(msg.calls.objects).toEqual([{ callable: `${profile === "threading" ? "threading" : "multiprocessing"}.Lock`, argv: [] }]);
        const all = [...sc.init, ...sc.parallel.flat(), ...sc.post];
        const resolved = [...msg.calls.init, ...msg.calls.parallel.flat(), ...msg.calls.post];
        resolved.forEach((r, k) => {
          expect(r.object).toBe(0);
          // The Python name: the operation's, or its `name` (enter -> __enter__).
          expect(r.method).toBe(lock.operations.get(all[k]!.op)!.shape.name);
          // Trailing arguments equal to their default (timeout None) are left out.
          const { block, timeout } = all[k]!.args;
          if (r.method === "acquire") expect(r.argv).toEqual(timeout !== null ? [block, timeout] : block === true ? [] : [block]);
          else if (r.method === "__exit__") expect(r.argv).toEqual([null, null, null]);
          else expect(r.argv).toEqual([]);
        });
      }
    }
  });

  test("an operation's target argument picks the tuple element (Pipe's end) and is left out of argv", () => {
    const pipe = loadSpecFile(join(PRIMITIVES_DIR, "Pipe.yaml"));
    const sc: Scenario = {
      profile: "multiprocessing",
      objects: [{ id: "o0", primitive: "Pipe", args: { duplex: false } }],
      init: [{ object: "o0", op: "send", args: { end: 1, obj: "m1" } }],
      parallel: [],
      post: [{ object: "o0", op: "poll", args: { end: 0, timeout: 0.005 } }, { object: "o0", op: "close", args: { end: 0 } }],
    };
    const msg = runMessage(1, sc, 800, [pipe]);
    expect(schemaProblems("run", JSON.parse(JSON.stringify(msg)))).toEqual([]);
    expect(msg.calls.objects).toEqual([{ callable: "multiprocessing.Pipe", argv: [false] }]);
    expect(msg.calls.init).toEqual([{ object: 0, method: "send", argv: ["m1"], target: 1 }]);
    expect(msg.calls.post).toEqual([
      { object: 0, method: "poll", argv: [0.005], target: 0 },
      { object: 0, method: "close", argv: [], target: 0 },
    ]);
    expect(() => resolveCalls({ ...sc, init: [{ object: "o0", op: "send", args: { end: "x", obj: "m1" } }] }, [pipe])).toThrow(/target argument end must be a tuple index/);
  });

  test.each([
    [{ init: [{ object: "o0", op: "acquire", args: { block: true } }] }, /Lock\.acquire\(\): argument "timeout" is missing/],
    [{ init: [{ object: "o0", op: "release", args: { force: true } }] }, /Lock\.release\(\): argument "force" is not among \[\]/],
    [{ init: [{ object: "o9", op: "release", args: {} }] }, /call release on undeclared object o9/],
    [{ profile: "asyncio" }, /Lock does not exist in profile 'asyncio'/],
    [{ objects: [{ id: "o0", primitive: "Teapot", args: {} }] }, /no spec document for primitive 'Teapot'/],
  ] as [Partial<Scenario>, RegExp][])("resolveCalls refuses %j", (over, message) => {
    const sc: Scenario = { profile: "multiprocessing", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [], parallel: [], post: [], ...over };
    expect(() => resolveCalls(sc, specs)).toThrow(message);
  });
});

describe("keyword-only constructor arguments", () => {
  const all = loadSpecDir();
  const value = (args: Record<string, JsonValue>): Scenario => ({ profile: "multiprocessing", objects: [{ id: "o0", primitive: "Value", args: { typecode: "i", value: 0, ...args } }], init: [], parallel: [], post: [] });
  test("travel in kwargs, by name, only when they differ from their default; $new values resolved", () => {
    expect(resolveCalls(value({ lock: true }), all).objects[0]).toEqual({ callable: "multiprocessing.Value", argv: ["i", 0] });
    expect(resolveCalls(value({ lock: false }), all).objects[0]).toEqual({ callable: "multiprocessing.Value", argv: ["i", 0], kwargs: { lock: false } });
    expect(resolveCalls(value({ lock: { $new: "Lock" } }), all).objects[0]!.kwargs).toEqual({ lock: { $new: "multiprocessing.Lock", argv: [] } });
    expect(resolveCalls(value({ value: 5, lock: false }), all).objects[0]).toMatchObject({ argv: ["i", 5] });
  });
});

describe("histories against their scenario", () => {
  const acq: Call = { object: "o0", op: "acquire", args: { block: true, timeout: 0.005 } };
  const rel: Call = { object: "o0", op: "release", args: {} };
  const sc: Scenario = { profile: "multiprocessing", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [acq], parallel: [[rel, acq], [acq]], post: [rel] };
  const e = (actor: string, c: Call, invoke: number, response: number | null, pending = false): HistoryEvent => ({
    actor,
    object: c.object,
    op: c.op,
    args: c.args,
    invoke,
    response,
    outcome: pending ? { kind: "pending" } : { kind: "returned", value: null },
  });
  const good: History = { events: [e("main", acq, 0, 10), e("main", rel, 100, 110), e("a0", rel, 20, 30), e("a0", acq, 40, 50), e("a1", acq, 20, 60)] };

  test("a good history has no problems", () => {
    expect(protocolProblems(sc, good)).toEqual([]);
  });

  test.each([
    ["unknown object", { events: [{ ...good.events[0]!, object: "o1" }] }, /event 0: object 'o1' is not declared/],
    ["unknown actor", { events: [{ ...good.events[0]!, actor: "a7" }] }, /event 0: actor 'a7' is not in the scenario \(main, a0, a1\)/],
  ])("basic: %s", (_, h, problem) => {
    expect(basicProblems(sc, h as History).join("\n")).toMatch(problem);
  });

  test.each([
    ["out of program order", { events: [good.events[0]!, good.events[1]!, good.events[3]!, good.events[2]!, good.events[4]!] }, /actor a0, event 0: o0\.acquire\(.*\) is not its call 0, o0\.release/],
    ["pending but not last", { events: [good.events[0]!, good.events[1]!, e("a0", rel, 20, null, true), good.events[3]!, good.events[4]!] }, /actor a0, event 0: pending, yet the actor has later events/],
    ["response before invoke", { events: [good.events[0]!, good.events[1]!, e("a0", rel, 30, 20), good.events[3]!, good.events[4]!] }, /response 20 is before invoke 30/],
    ["overlapping calls of one actor", { events: [good.events[0]!, good.events[1]!, e("a0", rel, 20, 45), good.events[3]!, good.events[4]!] }, /invoked at 40, before its previous call returned at 45/],
    ["a call missing", { events: good.events.filter((_, k) => k !== 3) }, /actor a0: 1 of 2 calls reported, and no call is pending/],
    ["parallel before init ended", { events: [good.events[0]!, good.events[1]!, e("a0", rel, 5, 30), good.events[3]!, good.events[4]!] }, /invoked at 5, before the init part ended at 10/],
    ["post before parallel ended", { events: [good.events[0]!, e("main", rel, 55, 110), ...good.events.slice(2)] }, /post call .* invoked at 55, before the parallel part ended at 60/],
  ])("strict: %s", (_, h, problem) => {
    expect(protocolProblems(sc, h as History).join("\n")).toMatch(problem);
  });

  test("after a deadline, calls never started may be missing", () => {
    const h: History = { events: [good.events[0]!, e("a0", rel, 20, null, true), good.events[4]!] };
    expect(protocolProblems(sc, h)).toEqual([]);
  });

  const raisedHere = { kind: "raised", type: "ValueError", message: "no" } as const;
  const builtHere = { kind: "returned", value: null } as const;
  test("a constructor that raised: no call is made, and none is missing", () => {
    expect(protocolProblems(sc, { events: [], constructions: [{ object: "o0", outcome: raisedHere }] })).toEqual([]);
    expect(protocolProblems(sc, { ...good, constructions: [{ object: "o0", outcome: builtHere }] })).toEqual([]);
  });

  test.each([
    ["calls after a raise", { events: good.events, constructions: [{ object: "o0", outcome: raisedHere }] }, /o0's constructor raised, yet 5 call\(s\) are reported/],
    ["another object", { events: [], constructions: [{ object: "o1", outcome: raisedHere }] }, /constructions\[0\]: is of 'o1'; constructions follow the scenario's declaration order/],
    ["more objects than declared", { events: [], constructions: [{ object: "o0", outcome: builtHere }, { object: "o1", outcome: raisedHere }] }, /constructions\[1\]: the scenario declares 1 object/],
    ["a pending constructor", { events: [], constructions: [{ object: "o0", outcome: { kind: "pending" } }] }, /a constructor is never pending/],
    ["a built object with a value", { ...good, constructions: [{ object: "o0", outcome: { kind: "returned", value: 1 } }] }, /reported \{"kind": "returned", "value": null\}/],
    ["none listed, none raised", { ...good, constructions: [] }, /0 of 1 objects listed, and none raised/],
  ])("constructions: %s", (_, h, problem) => {
    expect(protocolProblems(sc, h as History).join("\n")).toMatch(problem);
  });
});

describe("pauses", () => {
  const acq: Call = { object: "o0", op: "acquire", args: { block: true, timeout: 0.005 } };
  const rel: Call = { object: "o0", op: "release", args: {} };
  const ms = 1e6;
  const e = (actor: string, c: Call, invoke: number, response: number): HistoryEvent => ({ actor, object: c.object, op: c.op, args: c.args, invoke, response, outcome: { kind: "returned", value: null } });
  // init ends at 10 ms; a0 pauses 30 ms before its first call and 5 ms before its second; post pauses 5 ms.
  const sc: Scenario = {
    profile: "multiprocessing",
    objects: [{ id: "o0", primitive: "Lock", args: {} }],
    init: [acq],
    parallel: [[{ ...rel, pause: 0.03 }, { ...acq, pause: 0.005 }], [acq]],
    post: [{ ...rel, pause: 0.005 }],
  };
  const honest: History = { events: [e("main", acq, 0, 10 * ms), e("a0", rel, 41 * ms, 42 * ms), e("a0", acq, 48 * ms, 49 * ms), e("a1", acq, 11 * ms, 12 * ms), e("main", rel, 55 * ms, 56 * ms)] };

  test("resolveCalls passes each call's pause on, and only where there is one", () => {
    const calls = resolveCalls(sc, specs);
    expect(calls.parallel[0]!.map((c) => c.pause)).toEqual([0.03, 0.005]);
    expect(calls.parallel[1]![0]).not.toHaveProperty("pause");
    expect(calls.post[0]!.pause).toBe(0.005);
  });

  test.each([-1, "1", Infinity])("resolveCalls refuses the pause %j", (p) => {
    const bad = { ...sc, parallel: [[{ ...rel, pause: p as number }]] };
    expect(() => resolveCalls(bad, specs)).toThrow(/pause must be a number of seconds >= 0/);
  });

  test("a history that slept for its pauses has no problems", () => {
    expect(protocolProblems(sc, honest)).toEqual([]);
  });

  test.each([
    ["first parallel call, counted from the end of init", 1, 35 * ms, /actor a0, event 0: .* pause of 30 ms but was invoked 25\.000 ms after/],
    ["a later call, counted from its previous call's response", 2, 44 * ms, /actor a0, event 1: .* pause of 5 ms but was invoked 2\.000 ms after/],
    ["the first post call, counted from the end of the parallel part", 4, 50 * ms, /actor main, event 1: .* pause of 5 ms but was invoked 1\.000 ms after/],
  ])("an adapter that ignores a pause is refused: %s", (_, k, invoke, problem) => {
    const events = honest.events.map((ev, i) => (i === k ? { ...ev, invoke, response: invoke + ms } : ev));
    expect(protocolProblems(sc, { events }).join("\n")).toMatch(problem);
  });
});
