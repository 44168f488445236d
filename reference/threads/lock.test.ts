import { afterEach, describe, expect, it } from "vitest";
import { Lock, RLock } from "./lock.js";
import {
  COUNTER,
  INSIDE,
  MAX,
  READY,
  flags,
  runTask,
  setFlag,
  startExclusion,
  startTask,
  sum,
  terminateAll,
  waitFlag,
  waitUntil,
  type CallResult,
} from "./tests/harness.js";
import { expectPyError } from "./tests/expect-py.js";

afterEach(terminateAll);


describe("Lock", () => {
  it("gives mutual exclusion to contending worker threads and the main thread's async acquires", async () => {
    const lock = new Lock();
    const { words: w, contended } = startExclusion(lock.handle(), 4, 1000);
    await waitUntil(() => Atomics.load(w, READY) >= 4);
    for (let i = 0; i < 200; i++) {
      expect(await lock.acquireAsync(true, 10)).toBe(true);
      const inside = Atomics.add(w, INSIDE, 1) + 1;
      if (inside > Atomics.load(w, MAX)) Atomics.store(w, MAX, inside);
      w[COUNTER] += 1;
      await new Promise((r) => setImmediate(r)); // hold it across a turn of the event loop
      Atomics.sub(w, INSIDE, 1);
      lock.release();
    }
    expect(sum(await contended)).toBeGreaterThan(0);
    expect(w[MAX]).toBe(1);
    expect(w[COUNTER]).toBe(4 * 1000 + 200);
    expect(lock.acquire(false)).toBe(true);
  });

  it("may be released by a thread other than the one that acquired it", async () => {
    const lock = new Lock();
    expect(lock.acquire()).toBe(true);
    const r = await runTask<CallResult>("call", { handle: lock.handle(), method: "release" });
    expect(r.error).toBeUndefined();
    expect(lock.acquire(false)).toBe(true);
  });

  it("times out a blocked acquire after at least the timeout, returning False", async () => {
    const lock = new Lock();
    lock.acquire();
    const r = await runTask<CallResult>("call", { handle: lock.handle(), method: "acquire", args: [true, 0.1] });
    expect(r.value).toBe(false);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(100);
    const t0 = performance.now();
    expect(await lock.acquireAsync(true, 0.05)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    // multiprocessing treats a negative timeout as 0
    expect(lock.acquire(true, -1)).toBe(false);
  });

  it("wakes a main-thread acquireAsync when a worker releases, without blocking the event loop", async () => {
    const lock = new Lock();
    const f = flags();
    const holder = startTask("hold", { handle: lock.handle(), flags: f.buffer });
    await waitFlag(f, 0);
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const acquired = lock.acquireAsync(true, 10);
    await new Promise((r) => setTimeout(r, 30));
    setFlag(f, 1);
    expect(await acquired).toBe(true);
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(0);
    await holder.result;
    lock.release();
  });

  it("raises each profile's error on releasing an unlocked lock", () => {
    expectPyError(() => new Lock().release(), "ValueError", "semaphore or lock released too many times");
    expectPyError(() => new Lock({ profile: "threading" }).release(), "RuntimeError", "release unlocked lock");
  });

  it("checks timeout arguments as each profile does", () => {
    const th = new Lock({ profile: "threading" });
    expectPyError(() => th.acquire(false, 0.1), "ValueError", "can't specify a timeout for a non-blocking call");
    expectPyError(() => th.acquire(false, 0), "ValueError", "can't specify a timeout for a non-blocking call");
    expectPyError(() => th.acquire(true, -2), "ValueError", "timeout value must be positive");
    expect(th.acquire(false, -1)).toBe(true); // -1 is threading's "no timeout"
    expect(th.acquire(true, 0)).toBe(false);
    const mp = new Lock();
    expect(mp.acquire(false, 0.1)).toBe(true); // multiprocessing ignores it
    expect(mp.acquire(false, 0.1)).toBe(false);
  });

  it("rejects acquireAsync argument errors as a rejected promise", async () => {
    await expect(new Lock({ profile: "threading" }).acquireAsync(false, 1)).rejects.toThrow(
      "can't specify a timeout for a non-blocking call",
    );
  });
});

describe("RLock", () => {
  it("is re-entrant for its owner and excludes other threads", async () => {
    const lock = new RLock();
    const { words: w, contended } = startExclusion(lock.handle(), 4, 1000, true);
    expect(sum(await contended)).toBeGreaterThan(0);
    expect(w[MAX]).toBe(1);
    expect(w[COUNTER]).toBe(4 * 1000);
    expect(lock.acquire()).toBe(true);
    expect(lock.acquire(false)).toBe(true);
    expect(lock.acquire(true, 0.01)).toBe(true);
    lock.release();
    lock.release();
    lock.release();
    expectPyError(() => lock.release(), "AssertionError", "attempt to release recursive lock not owned by thread");
  });

  for (const [profile, pyType, message] of [
    ["multiprocessing", "AssertionError", "attempt to release recursive lock not owned by thread"],
    ["threading", "RuntimeError", "cannot release un-acquired lock"],
  ] as const) {
    it(`raises ${pyType} when a non-owner thread releases (${profile})`, async () => {
      const lock = new RLock({ profile });
      expect(lock.acquire()).toBe(true);
      const [release, acquire] = await Promise.all([
        runTask<CallResult>("call", { handle: lock.handle(), method: "release" }),
        runTask<CallResult>("call", { handle: lock.handle(), method: "acquire", args: [true, 0.05] }),
      ]);
      expect(release.error).toMatchObject({ pyType, message });
      expect(acquire.value).toBe(false);
      expect(acquire.elapsedMs).toBeGreaterThanOrEqual(50);
      lock.release();
      expectPyError(() => lock.release(), pyType, message);
      // the lock is free again: another thread can take it
      const again = await runTask<CallResult>("call", { handle: lock.handle(), method: "acquire", args: [false] });
      expect(again.value).toBe(true);
    });
  }

  it("checks threading timeout arguments", () => {
    const th = new RLock({ profile: "threading" });
    expectPyError(() => th.acquire(false, 0.1), "ValueError", "can't specify a timeout for a non-blocking call");
    expectPyError(() => th.acquire(true, -2), "ValueError", "timeout value must be positive");
    expect(new RLock().acquire(false, 0.1)).toBe(true);
  });
});
