/**
 * `{"$object": K}` on the Python adapter (spec/protocol/README.md): a constructor argument, also a
 * callable's parameter, that is an earlier object of the same scenario. A Process whose target
 * sets an Event (set_event) under every start method; objects that refer to each other reaching
 * actor processes; `{"$object": K}` in a call's argv (a Lock sent on a Pipe); malformed or
 * misplaced `$object` values refused by name.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { runMessage } from "../../conformance/adapter/protocol.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";

const load = (...ps: string[]) => ps.map((p) => loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
const call = (object: string, op: string, args: Call["args"] = {}): Call => ({ object, op, args });

/** o1 an Event, o0 a Process whose target sets it: is_set() is False before start, True after join. */
const setEvent = (): Scenario => ({
  profile: "multiprocessing",
  objects: [
    { id: "o1", primitive: "Event", args: {} },
    { id: "o0", primitive: "Process", args: { target: { $callable: "set_event", event: { $object: "o1" } }, args: [] } },
  ],
  // join(timeout=None) is bounded by the run's deadline: the adapter reports it pending there.
  init: [call("o1", "is_set"), call("o0", "start"), call("o0", "join", { timeout: null }), call("o1", "is_set")],
  parallel: [],
  post: [],
});

/** Run Python code with the adapter's package importable; it prints one JSON value. */
function python(lines: string[]): unknown {
  const code = ["import sys, json, multiprocessing as mp", `sys.path.insert(0, ${JSON.stringify(dirname(PYTHON_ADAPTER))})`, ...lines].join("\n");
  return JSON.parse(execFileSync(PY, ["-B", "-c", code], { encoding: "utf8", timeout: 30_000 }));
}

/** Speak the protocol by hand (what the runner refuses to send): the adapter's answer to each run message. */
function answers(flags: string[], runs: object[]): { id: number; error?: string; history?: { events: { outcome: unknown }[] } }[] {
  const input = [{ cmd: "start", version: 1 }, ...runs, { cmd: "stop" }].map((m) => JSON.stringify(m)).join("\n") + "\n";
  const out = execFileSync(PY, [PYTHON_ADAPTER, ...flags], { input, encoding: "utf8", timeout: 60_000, stdio: ["pipe", "pipe", "ignore"] });
  return out.trim().split("\n").slice(1).map((l) => JSON.parse(l));
}

describe.skipIf(!hasPython)(`$object values on the Python adapter (${PY})`, () => {
  test.each(["fork", "spawn", "forkserver"])(
    "%s: a Process target sets an Event of the scenario; the parent sees it set after join, not before start",
    async (method) => {
      const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--start-method", method, "--warm", "0"], specs: load("Process", "Event") });
      try {
        const h = await a.run(setEvent(), 20_000);
        expect(h.events.map((e) => [e.object, e.op, e.outcome])).toEqual([
          ["o1", "is_set", { kind: "returned", value: false }],
          ["o0", "start", { kind: "returned", value: null }],
          ["o0", "join", { kind: "returned", value: null }],
          ["o1", "is_set", { kind: "returned", value: true }],
        ]);
        // The adapter goes on: the next scenario builds its own Event, unset.
        const h2 = await a.run({ ...setEvent(), init: [call("o1", "is_set")] }, 10_000);
        expect(h2.events.map((e) => e.outcome)).toEqual([{ kind: "returned", value: false }]);
      } finally {
        await a.close();
      }
    },
    60_000,
  );

  test.each([
    ["processes, fork", ["--start-method", "fork"]],
    ["processes, spawn (pooled)", ["--start-method", "spawn", "--warm", "1"]],
    ["processes, spawn (per scenario)", ["--start-method", "spawn", "--no-pool"]],
    ["threads", ["--actors", "threads"]],
  ])("%s: a Condition built on the scenario's Lock holds that Lock, in every actor", async (_, flags) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, ...flags], specs: load("Condition", "Lock") });
    try {
      const acquire = (o: string) => call(o, "acquire", { block: false, timeout: null });
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [{ id: "o1", primitive: "Lock", args: {} }, { id: "o0", primitive: "Condition", args: { lock: { $object: "o1" } } }],
        // main takes the Condition; a0 finds its Lock taken; main releases the Condition and so the Lock.
        init: [acquire("o0")],
        parallel: [[acquire("o1")]],
        post: [call("o0", "release"), acquire("o1")],
      };
      const h = await a.run(sc, 10_000);
      expect(h.events.map((e) => [e.actor, e.object, e.outcome])).toEqual([
        ["main", "o0", { kind: "returned", value: true }],
        ["main", "o0", { kind: "returned", value: null }],
        ["main", "o1", { kind: "returned", value: true }],
        ["a0", "o1", { kind: "returned", value: false }],
      ]);
    } finally {
      await a.close();
    }
  }, 60_000);

  test.each([
    ["processes, fork", ["--start-method", "fork"]],
    ["threads", ["--actors", "threads"]],
  ])("%s: {\"$object\": K} in a call's argv is the scenario's object: sending its Lock on its Pipe raises, and sends nothing", (_, flags) => {
    const sc: Scenario = {
      profile: "multiprocessing",
      objects: [{ id: "o0", primitive: "Lock", args: {} }, { id: "o1", primitive: "Pipe", args: { duplex: true } }],
      init: [call("o1", "send", { end: 0, obj: "placeholder" })],
      parallel: [[call("o1", "send", { end: 0, obj: "x" })]],
      post: [call("o1", "recv", { end: 1 })],
    };
    const msg = runMessage(1, sc, 20_000, load("Lock", "Pipe"));
    expect(msg.calls.init[0]).toMatchObject({ object: 1, method: "send", target: 0 });
    msg.calls.init[0]!.argv = [{ $object: 0 }];
    const out = answers(flags, [msg]);
    expect(out[0]!.error).toBeUndefined();
    // main's send raises (pickling the Lock, before anything is written), a0's "x" is the only message.
    const events = out[0]!.history!.events as { actor: string; op: string; outcome: unknown }[];
    expect(events.map((e) => [e.actor, e.op, e.outcome])).toEqual([
      ["main", "send", { kind: "raised", type: "RuntimeError", message: "Lock objects should only be shared between processes through inheritance", mro: ["Exception", "BaseException"] }],
      ["main", "recv", { kind: "returned", value: "x" }],
      ["a0", "send", { kind: "returned", value: null }],
    ]);
  }, 60_000);

  test("a $object that names no earlier object, or no object at all in a call's argv, or is not an index, is an error answer naming it", () => {
    const good = runMessage(1, setEvent(), 10_000, load("Process", "Event"));
    const target = (v: unknown) => ({ $callable: "set_event", event: v });
    const withTarget = (id: number, t: unknown) => {
      const objects = structuredClone(good.calls.objects);
      objects[1]!.kwargs = { target: t as never };
      return { ...good, id, calls: { ...good.calls, objects } };
    };
    const inCall = structuredClone(good);
    inCall.id = 5;
    inCall.calls.init[0]!.argv = [{ $object: 9 }];
    const byNew = structuredClone(good);
    byNew.id = 6;
    byNew.calls.objects[0]!.argv = [{ $new: "multiprocessing.Lock", argv: [{ $object: 0 }] }];
    const out = answers(
      ["--actors", "threads"],
      [withTarget(1, target({ $object: 5 })), withTarget(2, target({ $object: "o1" })), withTarget(3, target({ $object: 1 })), withTarget(4, target(3)), inCall, byNew, { ...good, id: 7 }],
    );
    expect(out.map((r) => r.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(out[0]!.error).toMatch(/^object o0 \(calls\.objects\[1\]\): \{"\$object": 5\}: no such earlier object: \$object names an object built before this one, \{"\$object": K\} with 0 <= K < 1/);
    expect(out[1]!.error).toMatch(/\{"\$object": "o1"\} is not a \$object value: expected \{"\$object": K\}, K the index in calls\.objects/);
    // An object cannot take itself.
    expect(out[2]!.error).toMatch(/\{"\$object": 1\}: no such earlier object/);
    expect(out[3]!.error).toMatch(/set_event's parameter event takes another object of the scenario, \{"\$object": K\}/);
    expect(out[4]!.error).toMatch(
      /^calls\.init\[0\] \(object 0, is_set\): \{"\$object": 9\}: no such object: \$object in a call's argv names an object of the scenario, \{"\$object": K\} with 0 <= K < 2/,
    );
    // Inside a $new value of calls.objects[0]: no object is built before it.
    expect(out[5]!.error).toMatch(/^object o1 \(calls\.objects\[0\]\): \{"\$object": 0\}: no such earlier object/);
    // The adapter goes on.
    expect(out[6]!.history!.events.map((e) => e.outcome)).toEqual([
      { kind: "returned", value: false },
      { kind: "returned", value: null },
      { kind: "returned", value: null },
      { kind: "returned", value: true },
    ]);
  }, 90_000);

  test("decode_value: $object anywhere in constructor arguments (lists, $callable params, $new argv) is the very object", () => {
    const out = python([
      "from mpspec_py.values import decode_value, ScenarioError",
      "from mpspec_py.callables import make",
      "e, l = mp.Event(), mp.Lock()",
      "objects = [e, l]",
      "v = decode_value([{'$object': 1}, [{'$object': 0}], {'$callable': 'set_event', 'event': {'$object': 0}}], objects)",
      "r = [v[0] is l, v[1][0] is e, v[2].params['event'] is e, v[2]() is None, e.is_set()]",
      "# $new, as the adapter registers it: a Condition on the scenario's Lock.",
      "from mpspec_py.resolve import Resolver",
      "from mpspec_py.values import VALUE_CONVENTIONS",
      "VALUE_CONVENTIONS['$new'] = Resolver('multiprocessing', None, 'threads', None).decode_new",
      "r.append(decode_value({'$new': 'multiprocessing.Condition', 'argv': [{'$object': 1}]}, objects)._lock is l)",
      "# A JSON parameter may not hold an object; a plain value is not an Event.",
      "for bad in ({'$callable': 'return', 'value': {'$object': 0}}, {'$callable': 'set_event', 'event': None}):",
      "    try: decode_value(bad, objects); r.append(None)",
      "    except ScenarioError as x: r.append(str(x))",
      "print(json.dumps(r))",
    ]) as unknown[];
    expect(out.slice(0, 6)).toEqual([true, true, true, true, true, true]);
    expect(out[6]).toMatch(/return's parameter value takes a JSON value, not an object/);
    expect(out[7]).toMatch(/set_event's parameter event takes another object of the scenario/);
  });

  test.each(["spawn", "forkserver"])("%s: set_event holding a multiprocessing.Event pickles with its Process and sets the parent's Event", (method) => {
    const out = python([
      "from mpspec_py.callables import make",
      "if __name__ == '__main__':",
      `    ctx = mp.get_context(${JSON.stringify(method)})`,
      "    e = ctx.Event()",
      "    p = ctx.Process(target=make({'$callable': 'set_event', 'event': e}))",
      "    p.start(); p.join(30)",
      "    print(json.dumps([p.exitcode, e.is_set()]))",
    ]);
    expect(out).toEqual([0, true]);
  });
});
