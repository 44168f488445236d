import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import type { HistoryEvent } from "../../conformance/history/types.js";
import { AdapterError } from "../../conformance/adapter/types.js";
import { loadSpecDir, loadSpecFile } from "../../conformance/spec/load.js";
import type { JsonValue } from "../../spec/format.js";
import { INTERNAL_ERROR_TYPE, ThreadsExecutor } from "./executor.js";
import { resolveCalls } from "../../conformance/adapter/protocol.js";
import { isGone } from "../../conformance/adapter/fixtures/processes.js";
import { checkHistory } from "../../conformance/checker/linearize.js";

const COUNTER = new URL("./fixtures/counter-module.ts", import.meta.url);
const REFERENCE = new URL("../../reference/threads/module.ts", import.meta.url);

// The fixture primitive's spec (its arguments' order), and the reference's.
const COUNTER_SPECS = [loadSpecFile(fileURLToPath(new URL("./fixtures/Counter.yaml", import.meta.url)))];
const SPECS = loadSpecDir();
/** The reference's executor, started within 30 s (each test closes it). */
const startReference = () =>
  within(ThreadsExecutor.start({ implementation: REFERENCE, info: { name: "mpspec-reference", version: "0", language: "TypeScript" }, specs: SPECS }), 30_000);

const start = (): Promise<ThreadsExecutor> =>
  ThreadsExecutor.start({
    implementation: COUNTER,
    info: { name: "counter-fixture", version: "0", language: "TypeScript" },
    // the reference's too: a primitive the spec has and the module does not (Queue)
    specs: [...COUNTER_SPECS, ...SPECS],
  });

const c = (op: string, args: Record<string, JsonValue> = {}): Call => ({ object: "o0", op, args });

function scenario(parts: Partial<Omit<Scenario, "objects" | "profile">>): Scenario {
  return {
    profile: "threading",
    objects: [{ id: "o0", primitive: "Counter", args: { start: 0 } }],
    init: parts.init ?? [],
    parallel: parts.parallel ?? [],
    post: parts.post ?? [],
  };
}

const of = (events: HistoryEvent[], actor: string) => events.filter((e) => e.actor === actor);
const value = (e: HistoryEvent) => (e.outcome.kind === "returned" ? e.outcome.value : undefined);

/** Resolves when `p` settles or rejects after `ms`: no wait in these tests is unbounded. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe("ThreadsExecutor on a fake implementation", () => {
  let ex: ThreadsExecutor;
  beforeAll(async () => {
    ex = await within(start(), 30_000);
    await within(ex.warm(3), 30_000);
  }, 60_000);
  afterAll(async () => {
    await within(ex.close(), 10_000);
  });

  it("reports the module's capabilities", () => {
    expect(ex.info.name).toBe("counter-fixture");
    expect(ex.capabilities).toEqual({
      primitives: ["Counter"],
      profiles: ["threading", "multiprocessing"],
      actorKinds: ["threads"],
    });
  });

  it("runs init, then the parallel part, then post (by timestamps and by effect)", async () => {
    const h = await ex.run(
      scenario({
        init: [c("incr"), c("incr")],
        parallel: [[c("incr"), c("incr")], [c("incr")], [c("incr"), c("incr"), c("incr")]],
        post: [c("get"), c("incr")],
      }),
      10_000,
    );
    const init = of(h.events, "main").slice(0, 2);
    const post = of(h.events, "main").slice(2);
    const par = h.events.filter((e) => e.actor !== "main");
    expect(init.map(value)).toEqual([1, 2]);
    expect(post.map(value)).toEqual([8, 9]);
    expect(par).toHaveLength(6);
    expect(par.map(value).sort()).toEqual([3, 4, 5, 6, 7, 8].sort());
    const lastInit = Math.max(...init.map((e) => e.response!));
    const firstPost = Math.min(...post.map((e) => e.invoke));
    for (const e of par) {
      expect(e.invoke).toBeGreaterThan(lastInit);
      expect(e.response!).toBeLessThan(firstPost);
    }
    for (const e of h.events) {
      expect(e.invoke).toBeGreaterThan(0);
      expect(e.response!).toBeGreaterThanOrEqual(e.invoke);
    }
  }, 20_000);

  it("starts the parallel actors together: their calls overlap in time", async () => {
    const h = await ex.run(scenario({ parallel: [[c("block", { timeout: 0.25 })], [c("block", { timeout: 0.25 })], [c("block", { timeout: 0.25 })]] }), 10_000);
    expect(h.events).toHaveLength(3);
    for (const e of h.events) expect(e.outcome).toEqual({ kind: "returned", value: false });
    const lastInvoke = Math.max(...h.events.map((e) => e.invoke));
    const firstResponse = Math.min(...h.events.map((e) => e.response!));
    expect(lastInvoke).toBeLessThan(firstResponse);
    // The start flag releases them within a few ms of each other, not one after another.
    const firstInvoke = Math.min(...h.events.map((e) => e.invoke));
    expect(lastInvoke - firstInvoke).toBeLessThan(100e6);
  }, 20_000);

  it("sleeps for a call's pause before invoking it; a deadline cuts the pause short and the call never starts", async () => {
    const h = await ex.run(scenario({ init: [c("incr")], parallel: [[c("block", { timeout: 0.25 })], [{ ...c("incr"), pause: 0.05 }]] }), 10_000);
    const [slept] = of(h.events, "a1");
    const initEnd = of(h.events, "main")[0]!.response!;
    expect(slept!.invoke - initEnd).toBeGreaterThanOrEqual(49e6);
    const cut = await ex.run(scenario({ parallel: [[{ ...c("incr"), pause: 30 }], [c("incr")]] }), 500);
    expect(cut.cutAt).toBeDefined();
    expect(cut.events.map((e) => e.actor)).toEqual(["a1"]);
  }, 20_000);

  it("lists events per actor (main, a0, a1, ...) in program order", async () => {
    const calls = [c("incr"), c("tid"), c("fail"), c("incr"), c("get")];
    const h = await ex.run(scenario({ init: [c("incr")], parallel: [calls, calls, calls], post: [c("get")] }), 10_000);
    expect(h.events.map((e) => e.actor)).toEqual(["main", "main", ...Array(5).fill("a0"), ...Array(5).fill("a1"), ...Array(5).fill("a2")]);
    for (const a of ["a0", "a1", "a2"]) {
      const evs = of(h.events, a);
      expect(evs.map((e) => e.op)).toEqual(calls.map((x) => x.op));
      for (let i = 1; i < evs.length; i++) expect(evs[i].invoke).toBeGreaterThanOrEqual(evs[i - 1].response!);
      expect(value(evs[3])).toBeGreaterThan(value(evs[0]) as number);
    }
    expect(value(h.events[1])).toBe(7);
  }, 20_000);

  it("records raised outcomes: PythonError as itself, anything else as mpspec.InternalError", async () => {
    const h = await ex.run(scenario({ parallel: [[c("fail"), c("bug"), c("weird"), c("nosuchop"), c("incr")]] }), 10_000);
    const [fail, bug, weird, nosuch, incr] = h.events;
    // A builtin type's bases come from the executor's table when the implementation names none.
    expect(fail.outcome).toEqual({ kind: "raised", type: "ValueError", message: "boom", mro: ["Exception", "BaseException"] });
    expect(bug.outcome).toMatchObject({ kind: "raised", type: INTERNAL_ERROR_TYPE });
    expect(bug.outcome.kind === "raised" && bug.outcome.message).toMatch(/^TypeError: oops, not a PythonError\n\s+at /);
    expect(weird.outcome).toMatchObject({ kind: "raised", type: INTERNAL_ERROR_TYPE, message: expect.stringMatching(/not JSON: 10n/) });
    expect(nosuch.outcome).toMatchObject({ kind: "raised", type: INTERNAL_ERROR_TYPE, message: expect.stringMatching(/no method "nosuchop"/) });
    expect(incr.outcome).toEqual({ kind: "returned", value: 1 });
  }, 20_000);

  it("reuses the same worker threads across scenarios", async () => {
    const ids = ex.threadIds;
    const tids = async () => {
      const h = await ex.run(scenario({ init: [c("tid")], parallel: [[c("tid")], [c("tid")], [c("tid")]], post: [c("tid")] }), 10_000);
      return h.events.map(value);
    };
    const first = await tids();
    expect(first).toEqual([ids.main, ids.main, ...ids.actors.slice(0, 3)]);
    expect(new Set(first).size).toBe(4);
    for (let i = 0; i < 5; i++) expect(await tids()).toEqual(first);
    expect(ex.liveWorkers).toBe(4);
  }, 30_000);

  it("on the deadline: records the call in progress as pending, drops calls never started, replaces the stuck worker", async () => {
    const before = ex.threadIds;
    const t0 = performance.now();
    const h = await ex.run(
      scenario({
        init: [c("incr")],
        parallel: [[c("incr"), c("block", { timeout: 30 }), c("incr")], [c("incr"), c("incr")], [c("block", { timeout: 30 })]],
        post: [c("get")],
      }),
      400,
    );
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(10_000); // settles at the deadline, not after the 30 s blocks (wide: a loaded machine)
    // The cut: until when the pending calls certainly ran (the checker's liveness rule measures from it).
    expect(h.cutAt).toBeGreaterThanOrEqual(350e6);
    expect(h.events.map((e) => [e.actor, e.op, e.outcome.kind])).toEqual([
      ["main", "incr", "returned"],
      ["a0", "incr", "returned"],
      ["a0", "block", "pending"],
      ["a1", "incr", "returned"],
      ["a1", "incr", "returned"],
      ["a2", "block", "pending"],
    ]);
    const [, a0incr, a0block] = h.events;
    expect(a0block.response).toBeNull();
    expect(a0block.invoke).toBeGreaterThanOrEqual(a0incr.response!);
    expect(a0block.invoke).toBeLessThan(400e6);
    expect(h.events[5].invoke).toBeGreaterThan(h.events[0].response!);

    const after = ex.threadIds;
    expect(after.main).toBe(before.main);
    expect(after.actors[1]).toBe(before.actors[1]);
    expect(after.actors[0]).not.toBe(before.actors[0]);
    expect(after.actors[2]).not.toBe(before.actors[2]);

    // The next scenario runs normally on the replacements.
    await within(ex.warm(3), 30_000);
    const next = await ex.run(scenario({ init: [c("incr")], parallel: [[c("tid"), c("incr")], [c("tid")], [c("tid")]], post: [c("get")] }), 10_000);
    expect(next.events.every((e) => e.outcome.kind === "returned")).toBe(true);
    const tids = next.events.filter((e) => e.op === "tid").map(value);
    expect(tids).toEqual([ex.threadIds.actors[0], before.actors[1], ex.threadIds.actors[2]]);
    expect(tids[0]).not.toBe(before.actors[0]);
    expect(next.events[1]).toMatchObject({ actor: "main", op: "get", outcome: { kind: "returned", value: 2 } });
    expect(ex.liveWorkers).toBe(4);
  }, 60_000);

  it("on a deadline in init: the actors waiting at the start flag run nothing and are kept", async () => {
    await within(ex.warm(2), 30_000);
    const before = ex.threadIds;
    const h = await ex.run(
      scenario({ init: [c("incr"), c("block", { timeout: 30 }), c("incr")], parallel: [[c("incr")], [c("incr")]], post: [c("get")] }),
      300,
    );
    expect(h.events.map((e) => [e.actor, e.op, e.outcome.kind])).toEqual([
      ["main", "incr", "returned"],
      ["main", "block", "pending"],
    ]);
    expect(ex.threadIds.actors.slice(0, 2)).toEqual(before.actors.slice(0, 2));
    expect(ex.threadIds.main).not.toBe(before.main);
    await within(ex.warm(2), 30_000);
    const next = await ex.run(scenario({ init: [c("tid")], parallel: [[c("tid")], [c("tid")]], post: [c("incr")] }), 10_000);
    expect(next.events.map(value)).toEqual([ex.threadIds.main, 1, before.actors[0], before.actors[1]]);
  }, 60_000);

  it("on a deadline in post: keeps the whole parallel part", async () => {
    const h = await ex.run(scenario({ parallel: [[c("incr")], [c("incr")]], post: [c("get"), c("block", { timeout: 30 })] }), 300);
    expect(h.events.map((e) => [e.actor, e.op, e.outcome.kind])).toEqual([
      ["main", "get", "returned"],
      ["main", "block", "pending"],
      ["a0", "incr", "returned"],
      ["a1", "incr", "returned"],
    ]);
    expect(value(h.events[0])).toBe(2);
  }, 30_000);

  it("a crashed worker is an AdapterError; the next scenario runs on a fresh worker", async () => {
    await within(ex.warm(2), 30_000);
    const before = ex.threadIds;
    const run = ex.run(scenario({ parallel: [[c("incr"), c("crash")], [c("block", { timeout: 0.05 })]] }), 10_000);
    await expect(run).rejects.toThrow(AdapterError);
    await expect(run).rejects.toThrow(/a0 .*exited with code 3/);
    const next = await ex.run(scenario({ parallel: [[c("tid")], [c("tid")]] }), 10_000);
    // a0 is a new thread; a1, still busy when a0 died, was terminated with it and replaced too.
    expect(next.events.map(value)).toEqual([ex.threadIds.actors[0], ex.threadIds.actors[1]]);
    expect(ex.threadIds.actors[0]).not.toBe(before.actors[0]);
    expect(ex.liveWorkers).toBe(4);
  }, 30_000);

  it("runs concurrent run() calls one after another", async () => {
    const runs = Array.from({ length: 4 }, () => ex.run(scenario({ parallel: [[c("incr")], [c("incr")]], post: [c("get")] }), 10_000));
    for (const h of await within(Promise.all(runs), 20_000)) expect(value(h.events[0])).toBe(2);
  }, 30_000);

  it("rejects scenarios it cannot run, before running anything", async () => {
    await expect(ex.run({ ...scenario({}), profile: "asyncio" }, 1000)).rejects.toThrow(/profile "asyncio"/);
    await expect(ex.run({ ...scenario({}), objects: [{ id: "o0", primitive: "Queue", args: {} }] }, 1000)).rejects.toThrow(/Queue is not implemented/);
    await expect(ex.run({ ...scenario({}), objects: [{ id: "o0", primitive: "Nope", args: {} }] }, 1000)).rejects.toThrow(/Nope is not implemented/);
    await expect(ex.run(scenario({ init: [c("undocumented")] }), 1000)).rejects.toThrow(/Counter has no operation 'undocumented'/);
    await expect(ex.run(scenario({ init: [c("incr", { by: 2 })] }), 1000)).rejects.toThrow(/argument "by"/);
    await expect(ex.run(scenario({ init: [c("block")] }), 1000)).rejects.toThrow(/"timeout" is missing/);
    await expect(ex.run(scenario({ init: [{ object: "o9", op: "incr", args: {} }] }), 1000)).rejects.toThrow(/undeclared object o9/);
  }, 20_000);

  it("reports a constructor's Python error as its construction, and makes no call", async () => {
    const h = await ex.run({ ...scenario({ init: [c("incr")], parallel: [[c("incr")]] }), objects: [{ id: "o0", primitive: "Counter", args: { start: "x" } }] }, 1000);
    expect(h.events).toEqual([]);
    expect(h.constructions).toEqual([{ object: "o0", outcome: { kind: "raised", type: "TypeError", message: "start must be an int", mro: expect.any(Array) } }]);
  }, 20_000);
});

describe("ThreadsExecutor.close", () => {
  it("terminates every worker; run() rejects afterwards", async () => {
    const ex = await within(start(), 30_000);
    await within(ex.run(scenario({ parallel: [[c("incr")], [c("incr")], [c("incr")]] }), 10_000), 10_000);
    expect(ex.liveWorkers).toBe(4);
    await within(ex.close(), 10_000);
    expect(ex.liveWorkers).toBe(0);
    expect(ex.threadIds).toEqual({ main: null, actors: [] });
    await expect(ex.run(scenario({ init: [c("incr")] }), 1000)).rejects.toThrow(/closed/);
    await within(ex.close(), 10_000); // idempotent
  }, 60_000);

  it("ends a scenario in progress: it rejects, nothing is left running", async () => {
    const ex = await within(start(), 30_000);
    await within(ex.warm(2), 30_000);
    const run = ex.run(scenario({ parallel: [[c("block", { timeout: 30 })], [c("spin", { seconds: 30 })]] }), 60_000);
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    await within(ex.close(), 10_000);
    expect(performance.now() - t0).toBeLessThan(10_000); // not after the 30 s calls
    await expect(within(run, 5000)).rejects.toThrow(/closed/);
    expect(ex.liveWorkers).toBe(0);
  }, 60_000);
});

describe("ThreadsExecutor start-up", () => {
  it("fails cleanly when a worker cannot load the implementation", async () => {
    const failing = ThreadsExecutor.start({
      implementation: new URL("./fixtures/broken-in-worker.ts", import.meta.url),
      info: { name: "broken", version: "0", language: "TypeScript" },
      specs: COUNTER_SPECS,
    });
    await expect(within(failing, 30_000)).rejects.toThrow(AdapterError);
    await expect(failing).rejects.toThrow(/could not load the implementation: .*cannot be loaded in a worker/);
  }, 60_000);

  it("rejects a module that is not an ImplementationModule", async () => {
    const failing = ThreadsExecutor.start({
      implementation: new URL("./protocol.ts", import.meta.url),
      info: { name: "not-one", version: "0", language: "TypeScript" },
      specs: COUNTER_SPECS,
    });
    await expect(within(failing, 30_000)).rejects.toThrow(/is not an ImplementationModule/);
  }, 60_000);
});

describe.skipIf(!existsSync(fileURLToPath(REFERENCE)))("ThreadsExecutor on the reference implementation", () => {
  it("runs a Lock scenario", async () => {
    const ex = await startReference();
    try {
      expect(ex.capabilities.primitives).toContain("Lock");
      const expectedRelease = {
        threading: { type: "RuntimeError", message: "release unlocked lock" },
        multiprocessing: { type: "ValueError", message: "semaphore or lock released too many times" },
      };
      for (const profile of ["threading", "multiprocessing"] as const) {
        const acquire = (block: boolean, timeout: number | null): Call => ({ object: "L", op: "acquire", args: { block, timeout } });
        const release: Call = { object: "L", op: "release", args: {} };
        const h = await ex.run(
          {
            profile,
            objects: [{ id: "L", primitive: "Lock", args: {} }],
            init: [acquire(true, null)],
            parallel: [[acquire(false, null)], [acquire(true, 0.05)]],
            post: [release, release, acquire(true, 0.05)],
          },
          10_000,
        );
        expect(h.events.map((e) => [e.actor, e.op])).toEqual([
          ["main", "acquire"],
          ["main", "release"],
          ["main", "release"],
          ["main", "acquire"],
          ["a0", "acquire"],
          ["a1", "acquire"],
        ]);
        const [init, rel1, rel2, again, a0, a1] = h.events;
        expect(init.outcome).toEqual({ kind: "returned", value: true });
        expect(a0.outcome).toEqual({ kind: "returned", value: false });
        expect(a1.outcome).toEqual({ kind: "returned", value: false });
        expect(a1.response! - a1.invoke).toBeGreaterThanOrEqual(0.05e9 * 0.9);
        expect(rel1.outcome).toEqual({ kind: "returned", value: null });
        expect(rel2.outcome).toMatchObject({ kind: "raised", ...expectedRelease[profile] });
        expect(again.outcome).toEqual({ kind: "returned", value: true });
      }
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);

  it('runs a Process whose target sets another object of the scenario ({"$object": k}): the child\'s set() reaches the Event through the broker', async () => {
    const ex = await startReference();
    try {
      const e = (op: string): Call => ({ object: "o1", op, args: {} });
      const p = (op: string, args: Record<string, JsonValue> = {}): Call => ({ object: "o0", op, args });
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [
          { id: "o1", primitive: "Event", args: {} },
          { id: "o0", primitive: "Process", args: { target: { $callable: "set_event", event: { $object: "o1" } }, args: [] } },
        ],
        // Joined and read in an actor thread: the Process's handle crosses threads with the Event's in its target.
        init: [e("is_set"), p("start")],
        parallel: [[p("join", { timeout: 10 }), e("is_set"), p("exitcode")]],
        post: [p("pid")],
      };
      const h = await within(ex.run(sc, 20_000), 25_000);
      expect(h.events.map((ev) => [ev.actor, ev.object, ev.op, ev.outcome])).toEqual([
        ["main", "o1", "is_set", { kind: "returned", value: false }],
        ["main", "o0", "start", { kind: "returned", value: null }],
        ["main", "o0", "pid", { kind: "returned", value: expect.any(Number) }],
        ["a0", "o0", "join", { kind: "returned", value: null }],
        ["a0", "o1", "is_set", { kind: "returned", value: true }],
        ["a0", "o0", "exitcode", { kind: "returned", value: 0 }],
      ]);
      // The scenario's end ended its child (ImplementationModule.end).
      expect(isGone(value(h.events[2]!) as number)).toBe(true);

      // A run message's $object must name an earlier object of calls.objects, by index.
      const calls = resolveCalls(sc, SPECS);
      const withRef = (k: JsonValue) => ({ ...calls, objects: [calls.objects[0]!, { ...calls.objects[1]!, kwargs: { ...calls.objects[1]!.kwargs, target: { $callable: "set_event", event: { $object: k } } } }] });
      expect(calls.objects[1]!.kwargs!.target).toEqual({ $callable: "set_event", event: { $object: 0 } });
      for (const bad of [1, 7, "o1", -1]) {
        await expect(ex.runCalls(sc, withRef(bad), 5_000)).rejects.toThrow(/o0: \{"\$object":.*\} is not a \$object value of the run message: expected \{"\$object": <index of an earlier object in calls\.objects: 0\.\.0>\}/);
      }
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);

  // A Process (o0) whose target puts an item past the pipe's buffer on a Queue (o1); q and p make their calls.
  const big = { $repeat: ["ab", 40000] };
  const q = (op: string, args: Record<string, JsonValue> = {}): Call => ({ object: "o1", op, args });
  const p = (op: string, args: Record<string, JsonValue> = {}): Call => ({ object: "o0", op, args });
  const BIG_PUT: Pick<Scenario, "profile" | "objects" | "post"> = {
    profile: "multiprocessing",
    objects: [
      { id: "o1", primitive: "Queue", args: { maxsize: 0 } },
      { id: "o0", primitive: "Process", args: { target: { $callable: "put_to", queue: { $object: "o1" }, item: big, block: true }, args: [] } },
    ],
    post: [],
  };

  it("runs a Process whose target puts on a Queue of the scenario: an item past the pipe's buffer keeps the child alive until the parent reads it (its exit joins the feeder)", async () => {
    const ex = await startReference();
    try {
      const sc: Scenario = {
        ...BIG_PUT,
        init: [p("start"), p("join", { timeout: 1.5 }), p("is_alive")],
        parallel: [[q("get", { block: true, timeout: 10 }), p("join", { timeout: 10 }), p("exitcode")]],
        post: [],
      };
      const h = await within(ex.run(sc, 20_000), 25_000);
      expect(h.events.map((ev) => [ev.actor, ev.object, ev.op, ev.outcome])).toEqual([
        ["main", "o0", "start", { kind: "returned", value: null }],
        ["main", "o0", "join", { kind: "returned", value: null }],
        // Still alive after 1.5 s: its exit waits for a reader of its item.
        ["main", "o0", "is_alive", { kind: "returned", value: true }],
        ["a0", "o1", "get", { kind: "returned", value: big }],
        ["a0", "o0", "join", { kind: "returned", value: null }],
        ["a0", "o0", "exitcode", { kind: "returned", value: 0 }],
      ]);
      expect(checkHistory((p) => SPECS.find((x) => x.primitive === p)!, sc.objects, h, { profile: "multiprocessing", level: "cpython" }).verdict).toBe("ok");
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);

  it("a Process killed while its item past the pipe's buffer is untaken leaves it torn: the get that reads it never returns, another get times out (Queue.process-kill.torn)", async () => {
    const ex = await startReference();
    try {
      const sc: Scenario = {
        ...BIG_PUT,
        // join(2): the child has put by then (it starts in 0.1 s; seconds under load), held by its flush.
        init: [p("start"), p("join", { timeout: 2 }), p("terminate"), p("join", { timeout: 10 }), p("exitcode"), q("empty")],
        parallel: [[q("get", { block: true, timeout: 1 })], [{ ...q("get", { block: true, timeout: 0.5 }), pause: 0.2 }]],
        post: [],
      };
      const h = await within(ex.run(sc, 5_000), 12_000);
      expect(h.events.map((ev) => [ev.actor, ev.object, ev.op, ev.outcome])).toEqual([
        ["main", "o0", "start", { kind: "returned", value: null }],
        ["main", "o0", "join", { kind: "returned", value: null }],
        ["main", "o0", "terminate", { kind: "returned", value: null }],
        ["main", "o0", "join", { kind: "returned", value: null }],
        ["main", "o0", "exitcode", { kind: "returned", value: -15 }],
        // The item is still visible: part of it is in the pipe.
        ["main", "o1", "empty", { kind: "returned", value: false }],
        // The reader waits for the rest for ever (past its timeout), holding the reader lock.
        ["a0", "o1", "get", { kind: "pending" }],
        ["a1", "o1", "get", { kind: "raised", type: "queue.Empty", message: "", mro: ["Exception", "BaseException"] }],
      ]);
      expect(checkHistory((p) => SPECS.find((x) => x.primitive === p)!, sc.objects, h, { profile: "multiprocessing", level: "cpython", cutAt: h.cutAt }).verdict).toBe("ok");
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);

  it('passes another object of the scenario in a call\'s arguments ({"$object": k}): a Lock sent through a Pipe raises RuntimeError, the Pipe goes on', async () => {
    const ex = await startReference();
    try {
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [
          { id: "o0", primitive: "Lock", args: {} },
          { id: "o1", primitive: "Pipe", args: { duplex: true } },
        ],
        init: [],
        parallel: [[
          { object: "o1", op: "send", args: { end: 0, obj: { $object: "o0" } } },
          { object: "o1", op: "send", args: { end: 0, obj: "x" } },
          { object: "o1", op: "recv", args: { end: 1 } },
        ]],
        post: [],
      };
      const calls = resolveCalls(sc, SPECS);
      expect(calls.parallel[0]![0]!.argv).toEqual([{ $object: 0 }]);
      const h = await within(ex.runCalls(sc, calls, 10_000), 15_000);
      expect(h.events.map((ev) => [ev.actor, ev.object, ev.op, ev.args, ev.outcome])).toEqual([
        ["a0", "o1", "send", { end: 0, obj: { $object: "o0" } }, { kind: "raised", type: "RuntimeError", message: "Lock objects should only be shared between processes through inheritance", mro: ["Exception", "BaseException"] }],
        ["a0", "o1", "send", { end: 0, obj: "x" }, { kind: "returned", value: null }],
        ["a0", "o1", "recv", { end: 1 }, { kind: "returned", value: "x" }],
      ]);

      // Any object of the scenario, by index: another one is an error naming $object.
      const withRef = (k: JsonValue) => ({ ...calls, parallel: [[{ ...calls.parallel[0]![0]!, argv: [{ $object: k }] }, ...calls.parallel[0]!.slice(1)]] });
      for (const bad of [2, -1, "o0"]) {
        await expect(ex.runCalls(sc, withRef(bad), 5_000)).rejects.toThrow(/o1\.send\(\): \{"\$object":.*\} is not a \$object value of the run message: expected \{"\$object": <index of an object in calls\.objects: 0\.\.1>\}/);
      }
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);

  it("interrupts calls blocked at the deadline and keeps their workers (no new thread)", async () => {
    const ex = await startReference();
    try {
      const acquire: Call = { object: "L", op: "acquire", args: { block: true, timeout: null } };
      const sc: Scenario = { profile: "threading", objects: [{ id: "L", primitive: "Lock", args: {} }], init: [acquire], parallel: [[acquire, acquire], [acquire]], post: [] };
      await ex.run(sc, 400);
      const before = ex.threadIds;
      for (let i = 0; i < 3; i++) {
        const h = await ex.run(sc, 400);
        // Both parallel acquires block for good: each is pending, a0's second call never started.
        expect(h.events.map((e) => [e.actor, e.outcome.kind])).toEqual([
          ["main", "returned"],
          ["a0", "pending"],
          ["a1", "pending"],
        ]);
      }
      // Still the same booted threads (a replacement would show its new id, or -1 while it boots).
      expect(before.actors.every((t) => t !== null && t > 0)).toBe(true);
      expect(ex.threadIds).toEqual(before);
      expect(ex.liveWorkers).toBe(3);
    } finally {
      await within(ex.close(), 10_000);
    }
  }, 60_000);
});
