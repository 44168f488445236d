// The ProcessesExecutor on the reference: actors are child processes whose calls the parent performs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import type { HistoryEvent } from "../../conformance/history/types.js";
import { AdapterError } from "../../conformance/adapter/types.js";
import { resolveCalls } from "../../conformance/adapter/protocol.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import { isGone } from "../../conformance/adapter/fixtures/processes.js";
import type { JsonValue } from "../../spec/format.js";
import { ProcessesExecutor } from "./executor.js";

const REFERENCE = new URL("../../reference/threads/module.ts", import.meta.url);
const SPECS = loadSpecDir();

const start = (): Promise<ProcessesExecutor> =>
  ProcessesExecutor.start({ implementation: REFERENCE, specs: SPECS, info: { name: "mpspec-reference", version: "0", language: "TypeScript" } });

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

const ppidOf = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
};

const call = (object: string, op: string, args: Record<string, JsonValue> = {}, pause?: number): Call => ({ object, op, args, ...(pause ? { pause } : {}) });
const L = (op: string, args: Record<string, JsonValue> = {}, pause?: number) => call("L", op, args, pause);
const acquire = (block: boolean, timeout: number | null, pause?: number) => L("acquire", { block, timeout }, pause);
const lockScenario = (parts: Partial<Pick<Scenario, "init" | "parallel" | "post">>): Scenario => ({
  profile: "multiprocessing",
  objects: [{ id: "L", primitive: "Lock", args: {} }],
  init: parts.init ?? [],
  parallel: parts.parallel ?? [],
  post: parts.post ?? [],
});
const brief = (events: HistoryEvent[]) => events.map((e) => [e.actor, e.object, e.op, e.outcome.kind === "returned" ? e.outcome.value : e.outcome.kind]);

describe("ProcessesExecutor on the reference", () => {
  let ex: ProcessesExecutor;
  beforeAll(async () => {
    ex = await within(start(), 60_000);
    await within(ex.warm(2), 60_000);
  }, 120_000);
  afterAll(async () => {
    await within(ex.close(), 15_000);
  }, 20_000);

  it("offers every primitive but those only threads may call (Process), with process actors only", () => {
    expect(ex.capabilities.actorKinds).toEqual(["processes"]);
    expect(ex.capabilities.primitives).toEqual(expect.arrayContaining(["Lock", "Queue", "Event", "Value", "Barrier", "Condition"]));
    expect(ex.capabilities.primitives).not.toContain("Process");
    expect(ex.capabilities.profiles).toEqual(expect.arrayContaining(["multiprocessing", "threading"]));
  });

  it("runs a Lock/Queue/Event scenario whose actors are child processes: the right history, and a linearizable one", async () => {
    const sc: Scenario = {
      profile: "multiprocessing",
      objects: [
        { id: "L", primitive: "Lock", args: {} },
        { id: "Q", primitive: "Queue", args: { maxsize: 0 } },
        { id: "E", primitive: "Event", args: {} },
      ],
      init: [acquire(true, null)],
      parallel: [
        // a0 waits for each thing a1 does (a1 pauses first, so a0 is surely waiting).
        [call("E", "wait", { timeout: 10 }), call("Q", "get", { block: true, timeout: 10 }), acquire(true, 10), L("release")],
        [call("E", "set", {}, 0.1), call("Q", "put", { item: "x", block: true, timeout: null }, 0.1), L("release", {}, 0.1)],
      ],
      post: [call("E", "is_set"), call("Q", "empty"), acquire(false, null)],
    };
    const h = await within(ex.run(sc, 20_000), 25_000);
    expect(h.cutAt).toBeUndefined();
    expect(brief(h.events)).toEqual([
      ["main", "L", "acquire", true],
      ["main", "E", "is_set", true],
      ["main", "Q", "empty", true],
      ["main", "L", "acquire", true],
      ["a0", "E", "wait", true],
      ["a0", "Q", "get", "x"],
      ["a0", "L", "acquire", true],
      ["a0", "L", "release", null],
      ["a1", "E", "set", null],
      ["a1", "Q", "put", null],
      ["a1", "L", "release", null],
    ]);
    const [, , , , wait, get, acq, , set, put, rel] = h.events as HistoryEvent[];
    // Each blocked call of a0 returned after the call of a1 that released it began (and a1's pause).
    expect(wait!.response!).toBeGreaterThan(set!.invoke);
    expect(get!.response!).toBeGreaterThan(put!.invoke);
    expect(acq!.response!).toBeGreaterThan(rel!.invoke);
    expect(set!.invoke - h.events[0]!.response!).toBeGreaterThanOrEqual(0.1e9 * 0.9);
    const specFor = (p: string) => SPECS.find((s) => s.primitive === p)!;
    for (const level of ["documented", "cpython"] as const) {
      expect(checkHistory(specFor, sc.objects, h, { profile: "multiprocessing", level }).verdict).toBe("ok");
    }

    // The calls came from two child processes of this one, one per actor: the pooled children.
    const pids = ex.actorPids;
    expect(Object.keys(pids).sort()).toEqual(["a0", "a1"]);
    expect(pids.a0).not.toBe(pids.a1);
    for (const pid of [pids.a0!, pids.a1!]) {
      expect(pid).not.toBe(process.pid);
      expect(ppidOf(pid)).toBe(process.pid);
    }
    expect(ex.childPids.slice(0, 2)).toEqual([pids.a0, pids.a1]);
    expect(ex.live).toEqual({ children: 2, threads: 3 });
  }, 40_000);

  it("reuses its children across scenarios", async () => {
    const sc = lockScenario({ parallel: [[acquire(false, null)], [acquire(false, null)]], post: [L("release")] });
    const first = await within(ex.run(sc, 10_000), 15_000);
    const pids = ex.actorPids;
    expect(first.events.filter((e) => e.actor !== "main").map((e) => e.outcome).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { kind: "returned", value: false },
      { kind: "returned", value: true },
    ]);
    // Back to back, with nothing in between (no init, no post): a child gets the next scenario's
    // program right after its last reply, often in the same read of its channel.
    const quick = lockScenario({ parallel: [[acquire(false, null)], [acquire(false, null)]] });
    for (let i = 0; i < 100; i++) {
      const h = await within(ex.run(quick, 10_000), 15_000);
      expect(h.events).toHaveLength(2);
    }
    expect(ex.actorPids).toEqual(pids);
  }, 60_000);

  it("on the deadline: reports the call blocked in the parent pending, kills its child, leaves out a call still in its pause", async () => {
    await within(ex.warm(3), 60_000);
    const before = ex.childPids;
    const t0 = performance.now();
    const h = await within(
      ex.run(
        lockScenario({
          init: [acquire(true, null)],
          // a0 blocks for good; a1 returns; a2 is still in its 30 s pause at the deadline.
          parallel: [[acquire(true, null), L("release")], [acquire(false, null)], [acquire(false, null, 30)]],
          post: [L("release")],
        }),
        500,
      ),
      10_000,
    );
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(h.cutAt).toBeGreaterThanOrEqual(450e6);
    expect(brief(h.events)).toEqual([
      ["main", "L", "acquire", true],
      ["a0", "L", "acquire", "pending"],
      ["a1", "L", "acquire", false],
    ]);
    const pending = h.events[1]!;
    expect(pending.response).toBeNull();
    expect(pending.invoke).toBeGreaterThan(h.events[0]!.response!);
    expect(pending.invoke).toBeLessThan(500e6);

    // The children still in their programs (a0, a2) were killed; a1's is kept.
    expect(isGone(before[0]!)).toBe(true);
    expect(isGone(before[2]!)).toBe(true);
    expect(isGone(before[1]!)).toBe(false);
    await within(ex.warm(3), 60_000);
    const after = ex.childPids;
    expect(after[1]).toBe(before[1]);
    expect(after[0]).not.toBe(before[0]);
    expect(after[2]).not.toBe(before[2]);
    // The proxy threads were interrupted and kept: nothing more than main + 3 proxies, 3 children.
    expect(ex.live).toEqual({ children: 3, threads: 4 });

    // The next scenario runs on the replacements.
    const next = await within(ex.run(lockScenario({ parallel: [[acquire(false, null)], [], [L("release", {}, 0.05)]], post: [acquire(false, null)] }), 10_000), 15_000);
    expect(brief(next.events)).toEqual([
      ["main", "L", "acquire", true],
      ["a0", "L", "acquire", true],
      ["a2", "L", "release", null],
    ]);
    expect(ex.actorPids).toEqual({ a0: after[0], a2: after[2] });
  }, 90_000);

  it("on a deadline in init: the children not yet released run nothing and are kept", async () => {
    await within(ex.warm(2), 60_000);
    const before = ex.childPids.slice(0, 2);
    const h = await within(ex.run(lockScenario({ init: [acquire(true, null), acquire(true, null)], parallel: [[L("release")], [L("release")]] }), 400), 10_000);
    expect(brief(h.events)).toEqual([
      ["main", "L", "acquire", true],
      ["main", "L", "acquire", "pending"],
    ]);
    expect(ex.childPids.slice(0, 2)).toEqual(before);
    const next = await within(ex.run(lockScenario({ init: [acquire(true, null)], parallel: [[L("release")], [acquire(true, 5, 0.05)]] }), 10_000), 15_000);
    expect(brief(next.events)).toEqual([
      ["main", "L", "acquire", true],
      ["a0", "L", "release", null],
      ["a1", "L", "acquire", true],
    ]);
    expect(ex.actorPids).toEqual({ a0: before[0], a1: before[1] });
  }, 60_000);

  it("a child killed from outside during a call is an AdapterError; the next scenario runs on a fresh child", async () => {
    await within(ex.warm(1), 60_000);
    const victim = ex.childPids[0]!;
    const run = ex.run(lockScenario({ init: [acquire(true, null)], parallel: [[acquire(true, 20)]] }), 30_000);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(victim, "SIGKILL");
    await expect(within(run, 10_000)).rejects.toThrow(AdapterError);
    await expect(run).rejects.toThrow(new RegExp(`actor child a0 \\(pid ${victim}\\) is gone: it exited \\(SIGKILL\\)`));
    const next = await within(ex.run(lockScenario({ parallel: [[acquire(false, null)]] }), 10_000), 60_000);
    expect(brief(next.events)).toEqual([["a0", "L", "acquire", true]]);
    expect(ex.actorPids.a0).not.toBe(victim);
  }, 90_000);

  it('passes another object of the scenario in a call\'s arguments ({"$object": k}), resolved in the parent: a Lock sent through a Pipe raises RuntimeError', async () => {
    const sc: Scenario = {
      profile: "multiprocessing",
      objects: [
        { id: "o0", primitive: "Lock", args: {} },
        { id: "o1", primitive: "Pipe", args: { duplex: true } },
      ],
      init: [call("o1", "send", { end: 1, obj: { $object: "o0" } })],
      parallel: [[call("o1", "send", { end: 0, obj: { $object: "o0" } }), call("o1", "send", { end: 0, obj: "x" }), call("o1", "recv", { end: 1 })]],
      post: [],
    };
    const calls = resolveCalls(sc, SPECS);
    const h = await within(ex.runCalls(sc, calls, 10_000), 15_000);
    const refused = { kind: "raised", type: "RuntimeError", message: "Lock objects should only be shared between processes through inheritance" };
    expect(h.events.map((e) => [e.actor, e.op, e.outcome])).toEqual([
      ["main", "send", expect.objectContaining(refused)],
      ["a0", "send", expect.objectContaining(refused)],
      ["a0", "send", { kind: "returned", value: null }],
      ["a0", "recv", { kind: "returned", value: "x" }],
    ]);
    // A bad index, in main's calls or in an actor's, is refused before any call.
    const bad = { $object: 5 };
    const inMain = { ...calls, init: [{ ...calls.init[0]!, argv: [bad] }] };
    const inActor = { ...calls, parallel: [[{ ...calls.parallel[0]![0]!, argv: [bad] }, ...calls.parallel[0]!.slice(1)]] };
    for (const c of [inMain, inActor]) {
      await expect(ex.runCalls(sc, c, 5_000)).rejects.toThrow(/o1\.send\(\): \{"\$object":5\} is not a \$object value of the run message: expected \{"\$object": <index of an object in calls\.objects: 0\.\.1>\}/);
    }
  }, 30_000);

  it("refuses what it cannot run: Process, and a run whose calls say actors: threads", async () => {
    const proc: Scenario = { profile: "multiprocessing", objects: [{ id: "P", primitive: "Process", args: {} }], init: [], parallel: [[{ object: "P", op: "start", args: {} }]], post: [] };
    await expect(ex.run(proc, 1000)).rejects.toThrow(/Process is not offered: only threads of the process that created it may call it/);
    const sc = lockScenario({ parallel: [[acquire(false, null)]] });
    await expect(ex.runCalls(sc, { ...resolveCalls(sc, SPECS), actors: "threads" }, 1000)).rejects.toThrow(/actors: "threads"/);
  }, 20_000);
});

describe("ProcessesExecutor.close: no child survives", () => {
  it("kills every child, idle or in a call; run() rejects afterwards", async () => {
    const ex = await within(start(), 60_000);
    await within(ex.warm(3), 60_000);
    const pids = ex.childPids as number[];
    expect(pids.every((p) => p > 0 && !isGone(p))).toBe(true);
    // a0 blocked in a call, a1 in a long pause, a2 idle (no program).
    const run = ex.run(lockScenario({ init: [acquire(true, null)], parallel: [[acquire(true, null)], [acquire(false, null, 30)]] }), 60_000);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await within(ex.close(), 10_000);
    expect(performance.now() - t0).toBeLessThan(5_000);
    await expect(within(run, 5_000)).rejects.toThrow(/closed/);
    expect(pids.filter((p) => !isGone(p))).toEqual([]);
    expect(ex.live).toEqual({ children: 0, threads: 0 });
    await expect(ex.run(lockScenario({ init: [acquire(false, null)] }), 1000)).rejects.toThrow(/closed/);
    await within(ex.close(), 10_000); // idempotent
  }, 90_000);
});
