import { afterEach, describe, expect, it } from "vitest";
import { PythonError } from "../implementation.js";
import { Barrier } from "./barrier.js";
import * as threads from "./module.js";
import { runTask, startTask, terminateAll, waitUntil, type CallResult } from "./tests/harness.js";
import { expectPyError } from "./tests/expect-py.js";

afterEach(terminateAll);

const BROKEN = "threading.BrokenBarrierError";
const RAISE = { $callable: "raise", type: "ValueError", message: "action failed" };

/** A wait in a worker thread; resolves with its value or error. */
const waitIn = (b: Barrier, timeout: number | null = 10) => runTask<CallResult>("call", { handle: b.handle(), method: "wait", args: [timeout] });

async function pyError(p: Promise<unknown>): Promise<{ pyType: string; message: string }> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(PythonError);
    return { pyType: (e as PythonError).pyType, message: (e as PythonError).message };
  }
  throw new Error("expected a PythonError");
}

describe("Barrier", () => {
  it("releases each generation together with distinct indices, over many generations (workers and the main thread)", async () => {
    const b = new Barrier(4);
    const rounds = 100;
    const workers = Array.from({ length: 3 }, () => runTask<number[]>("rounds", { handle: b.handle(), rounds, timeout: 10 }));
    const mine: number[] = [];
    for (let i = 0; i < rounds; i++) mine.push(await b.waitAsync(10));
    const all = [mine, ...(await Promise.all(workers))];
    for (let i = 0; i < rounds; i++) expect(all.map((r) => r[i]).sort()).toEqual([0, 1, 2, 3]);
    expect([b.n_waiting, b.broken, b.parties]).toEqual([0, false, 4]);
  });

  it("counts waiting parties in n_waiting and hands out indices in arrival order", async () => {
    const b = new Barrier(3, null, null, { profile: "threading" });
    const first = waitIn(b);
    await waitUntil(() => b.n_waiting === 1);
    const second = waitIn(b);
    await waitUntil(() => b.n_waiting === 2);
    expect(await b.waitAsync(10)).toBe(2);
    expect((await first).value).toBe(0);
    expect((await second).value).toBe(1);
    expect(b.n_waiting).toBe(0);
    expect(new Barrier(1).wait()).toBe(0);
  });

  it("accepts parties 0 and -1, whose waits never complete a generation: each breaks the barrier at its timeout", () => {
    for (const parties of [0, -1]) {
      const b = new Barrier(parties);
      expect([b.parties, b.n_waiting, b.broken]).toEqual([parties, 0, false]);
      // observed: threading.Barrier(n).wait(0.05) -> BrokenBarrierError (after the timeout), b.broken True
      expectPyError(() => b.wait(0.001), "threading.BrokenBarrierError", "");
      expect(b.broken).toBe(true);
      b.reset();
      expectPyError(() => new Barrier(parties, { $callable: "raise", type: "ValueError", message: "never run" }, 0.001).wait(), "threading.BrokenBarrierError", "");
    }
  });

  it("drops the action's return value: the last party returns its index", () => {
    expect(new Barrier(1, { $callable: "return", value: 7 }).wait()).toBe(0);
  });

  it("breaks when a wait times out (its own timeout, else the barrier's), waking the other parties", async () => {
    const b = new Barrier(3);
    const other = pyError(b.waitAsync(10));
    const r = await waitIn(b, 0.05);
    expect(r.error).toMatchObject({ pyType: BROKEN, message: "" });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(50);
    expect(await other).toEqual({ pyType: BROKEN, message: "" });
    expect(b.broken).toBe(true);
    expect((await waitIn(b)).error).toMatchObject({ pyType: BROKEN }); // at once: broken
    const d = new Barrier(2, null, 0.05);
    const t0 = performance.now();
    expect(await pyError(d.waitAsync())).toEqual({ pyType: BROKEN, message: "" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    // A wait's own timeout overrides the default (here 60 s).
    const e = new Barrier(2, null, 60);
    const t1 = performance.now();
    expect(await pyError(e.waitAsync(0.02))).toMatchObject({ pyType: BROKEN });
    expect(performance.now() - t1).toBeLessThan(10_000);
  });

  it("abort breaks waiting and later waits; reset wakes waiters with BrokenBarrierError and makes it usable again", async () => {
    const b = new Barrier(3);
    const waiting = [waitIn(b), waitIn(b)];
    await waitUntil(() => b.n_waiting === 2);
    b.abort();
    for (const r of await Promise.all(waiting)) expect(r.error).toMatchObject({ pyType: BROKEN });
    expect([b.broken, b.n_waiting]).toEqual([true, 0]);
    b.reset();
    expect(b.broken).toBe(false);
    const again = [waitIn(b), waitIn(b)];
    await waitUntil(() => b.n_waiting === 2);
    b.reset();
    for (const r of await Promise.all(again)) expect(r.error).toMatchObject({ pyType: BROKEN });
    expect([b.broken, b.n_waiting]).toEqual([false, 0]);
    const indices = await Promise.all([waitIn(b), waitIn(b), b.waitAsync(10)]);
    expect([indices[0].value, indices[1].value, indices[2]].sort()).toEqual([0, 1, 2]);
  });

  it("runs the action once per generation in the last party: a raising action breaks the barrier", async () => {
    const b = new Barrier(2, RAISE);
    const first = waitIn(b);
    await waitUntil(() => b.n_waiting === 1);
    expect(await pyError(b.waitAsync(10))).toEqual({ pyType: "ValueError", message: "action failed" });
    expect((await first).error).toMatchObject({ pyType: BROKEN });
    expect(b.broken).toBe(true);
    // in a worker too: the action travels in the handle
    b.reset();
    const other = pyError(b.waitAsync(10));
    await waitUntil(() => b.n_waiting === 1);
    expect((await waitIn(b)).error).toMatchObject({ pyType: "ValueError", message: "action failed" });
    expect(await other).toMatchObject({ pyType: BROKEN });
    const noop = new Barrier(1, { $callable: "noop" });
    expect([noop.wait(), noop.wait(), noop.broken]).toEqual([0, 0, false]);
  });

  it("lets arrivals during a generation's release wait for it to drain (no mixed generations)", async () => {
    // Two workers race through 200 generations of 2 while the main thread reads n_waiting.
    const b = new Barrier(2);
    const t = [startTask<number[]>("rounds", { handle: b.handle(), rounds: 200, timeout: 10 }), startTask<number[]>("rounds", { handle: b.handle(), rounds: 200, timeout: 10 })];
    const seen = new Set<number>();
    const poll = setInterval(() => seen.add(b.n_waiting), 0);
    const [x, y] = await Promise.all(t.map((k) => k.result));
    clearInterval(poll);
    for (let i = 0; i < 200; i++) expect([x![i], y![i]].sort()).toEqual([0, 1]);
    for (const n of seen) expect(n === 0 || n === 1 || n === 2).toBe(true);
  });

  it("is created by the module with Python's positional arguments and attaches in another thread", async () => {
    // A default timeout long enough for a worker thread to start on a loaded machine.
    const b = threads.create("Barrier", "threading", [2, { $callable: "noop" }, 30]) as Barrier;
    expect(b.handle()).toMatchObject({ primitive: "Barrier", profile: "threading", parties: 2, timeout: 30 });
    expect(structuredClone(b.handle())).toMatchObject({ parties: 2, action: { $callable: "noop" } });
    expect(threads.attach(b.handle())).toBeInstanceOf(Barrier);
    const other = waitIn(b, null);
    expect(await b.waitAsync()).toBeGreaterThanOrEqual(0);
    expect((await other).value).toBeGreaterThanOrEqual(0);
    expect(() => threads.create("Barrier", "multiprocessing", [])).toThrow(/missing 1 required positional argument: 'parties'/);
    expect(() => new Barrier(2, { $callable: "frobnicate" })).toThrow(TypeError);
  });
});
