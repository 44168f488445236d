import { afterEach, describe, expect, it } from "vitest";
import { Condition } from "./condition.js";
import { Lock, RLock } from "./lock.js";
import { create } from "./module.js";
import { expectPyError } from "./tests/expect-py.js";
import { flags, runTask, startTask, terminateAll, waitFlag, type CallResult } from "./tests/harness.js";

afterEach(terminateAll);

const PROFILES = ["multiprocessing", "threading"] as const;
const returns = (value: boolean) => ({ $callable: "return", value });

/** A worker that acquires, sets flags[i], waits `timeout`, releases; its reports, per step. */
function waiter(c: Condition, f: Int32Array, i: number, timeout: number, extra: object[] = []) {
  return startTask<CallResult[]>("script", {
    handle: c.handle(),
    flags: f.buffer,
    // steps: 0 acquire, 1 its place in the queue (counter 7), 2 flag, 3 wait, 4 the order it returned (counter 6), 5 release
    steps: [{ method: "acquire", args: [true, 5] }, { rank: 7 }, { flag: i }, { method: "wait", args: [timeout] }, { rank: 6 }, ...extra, { method: "release" }],
  });
}

describe("Condition", () => {
  for (const profile of PROFILES) {
    it(`wakes at most n waiters, in the order they started waiting; notify_all wakes the rest (${profile})`, async () => {
      const c = new Condition(null, { profile });
      const f = flags(8);
      // Long waits: on a loaded machine a 1.5 s one could time out before the notify comes.
      const ws = [0, 1, 2].map((i) => waiter(c, f, i, 10));
      await Promise.all([0, 1, 2].map((i) => waitFlag(f, i)));
      // Each waiter sets its flag holding the lock, which it gives up only in wait: once
      // this acquire succeeds, all three are waiting.
      expect(await c.acquireAsync(true, 5)).toBe(true);
      c.notify(0);
      c.notify(1);
      c.release();
      await waitFlag(f, 6); // one returns; give a wrongly woken second time to show
      await new Promise((r) => setTimeout(r, 100));
      expect(Atomics.load(f, 6)).toBe(1); // exactly one has returned
      expect(await c.acquireAsync(true, 5)).toBe(true);
      c.notify_all();
      c.release();
      const reports = await Promise.all(ws.map((w) => w.result));
      const byPlace = reports.sort((a, b) => (a[1]!.value as number) - (b[1]!.value as number));
      expect(byPlace.map((r) => r[3]!.value)).toEqual([true, true, true]);
      // The first to wait was the one notify(1) woke.
      expect(byPlace[0]![4]!.value).toBe(0);
      // wait() returned True for all three: each was notified, none timed out (no timed assertion needed).
      for (const r of reports) {
        expect(r[5]!.error).toBeUndefined(); // it held the lock again
      }
    });
  }

  it("times out a wait after at least its timeout, holding the lock again at its old depth", async () => {
    const c = new Condition(new RLock());
    const r = await runTask<CallResult[]>("script", {
      handle: c.handle(),
      steps: [
        { method: "acquire", args: [true, 5] },
        { method: "acquire", args: [false] },
        { method: "wait", args: [0.1] },
        { method: "release" },
        { method: "release" },
        { method: "release" },
      ],
    });
    expect(r[2]).toMatchObject({ value: false });
    expect(r[2]!.elapsedMs).toBeGreaterThanOrEqual(100);
    expect(r[3]!.error).toBeUndefined();
    expect(r[4]!.error).toBeUndefined();
    expect(r[5]!.error).toMatchObject({ pyType: "AssertionError", message: "attempt to release recursive lock not owned by thread" });
  });

  it("releases an RLock held twice all the way while it waits", async () => {
    for (const profile of PROFILES) {
      const c = new Condition(null, { profile });
      expect(c.acquire()).toBe(true);
      expect(c.acquire()).toBe(true);
      const other = runTask<CallResult[]>("script", {
        handle: c.handle(),
        // Generous bounds (the success path returns at the notify): a worker thread may take
        // seconds to start on a loaded CI machine.
        steps: [{ method: "acquire", args: [true, 30] }, { method: "notify" }, { method: "release" }],
      });
      expect(await c.waitAsync(30)).toBe(true);
      expect((await other).map((s) => s.error)).toEqual([undefined, undefined, undefined]);
      c.release();
      c.release();
      expect(() => c.release()).toThrow();
    }
  });

  it("is a context manager: __enter__ and __exit__ are the lock's own", () => {
    for (const profile of PROFILES) {
      const c = new Condition(null, { profile });
      expect([c.__enter__(), c.__enter__(), c.__exit__(null, null, null), c.__exit__(null, null, null)]).toEqual([true, true, null, null]);
      expectPyError(
        () => c.__exit__(null, null, null),
        profile === "threading" ? "RuntimeError" : "AssertionError",
        profile === "threading" ? "cannot release un-acquired lock" : "attempt to release recursive lock not owned by thread",
      );
      const l = new Condition(new Lock({ profile }), { profile });
      expect([l.__enter__(), l.acquire(false), l.__exit__(null, null, null)]).toEqual([true, false, null]);
      expectPyError(
        () => l.__exit__(null, null, null),
        profile === "threading" ? "RuntimeError" : "ValueError",
        profile === "threading" ? "release unlocked lock" : "semaphore or lock released too many times",
      );
    }
  });

  it("raises each profile's error for wait and notify without the lock", () => {
    const mp = new Condition();
    expectPyError(() => mp.wait(0.01), "AssertionError", "must acquire() condition before using wait()");
    expectPyError(() => mp.notify(), "AssertionError", "lock is not owned");
    expectPyError(() => mp.notify_all(), "AssertionError", "lock is not owned");
    expectPyError(() => mp.wait_for(returns(false), 0.01), "AssertionError", "must acquire() condition before using wait()");
    const th = new Condition(null, { profile: "threading" });
    expectPyError(() => th.wait(0.01), "RuntimeError", "cannot wait on un-acquired lock");
    expectPyError(() => th.notify(0), "RuntimeError", "cannot notify on un-acquired lock");
    expectPyError(() => th.release(), "RuntimeError", "cannot release un-acquired lock");
    const lock = new Lock({ profile: "threading" });
    const tl = new Condition(lock, { profile: "threading" });
    expectPyError(() => tl.wait(0.01), "RuntimeError", "cannot wait on un-acquired lock");
    expectPyError(() => tl.notify(), "RuntimeError", "cannot notify on un-acquired lock");
    expect(lock.acquire(false)).toBe(true); // the ownership test gave the Lock back
  });

  it("wait_for returns a true predicate at once without the lock, and a false one after its timeout, holding it", () => {
    for (const profile of PROFILES) {
      const c = new Condition(null, { profile });
      expect(c.wait_for(returns(true), 0.01)).toBe(true);
      expect(c.wait_for(() => 7, null)).toBe(7);
      c.acquire();
      const t0 = performance.now();
      expect(c.wait_for(returns(false), 0.05)).toBe(false);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
      c.release();
      expect(() => c.release()).toThrow();
    }
  });

  it("threading, Lock: a wait while another thread holds the Lock releases it and takes it back", async () => {
    const lock = new Lock({ profile: "threading" });
    const c = new Condition(lock, { profile: "threading" });
    lock.acquire();
    const r = await runTask<CallResult[]>("script", { handle: c.handle(), steps: [{ method: "wait", args: [0.05] }, { method: "release" }] });
    expect(r[0]!.value).toBe(false);
    expect(r[1]!.error).toBeUndefined();
    expectPyError(() => lock.release(), "RuntimeError", "release unlocked lock");
  });

  it("threading, Lock: a wait whose release fails leaves a ghost that the next notify counts", async () => {
    class FlakyLock extends Lock {
      fail = false;
      override release(): void {
        if (this.fail) {
          this.fail = false;
          throw new Error("flaky");
        }
        super.release();
      }
    }
    const lock = new FlakyLock({ profile: "threading" });
    const c = new Condition(lock, { profile: "threading" });
    lock.acquire();
    lock.fail = true;
    expect(() => c.wait(1)).toThrow("flaky");
    lock.release();
    const f = flags(8);
    const w = waiter(c, f, 0, 0.2);
    await waitFlag(f, 0);
    expect(await c.acquireAsync(true, 5)).toBe(true);
    c.notify(1); // taken by the ghost
    c.release();
    const r = await w.result;
    expect(r[3]!.value).toBe(false);
    expect(r[3]!.elapsedMs).toBeGreaterThanOrEqual(200);
    expect(r[5]!.error).toBeUndefined();
  });

  it("is built by create() with a $new lock, and its handle attaches with the same lock", async () => {
    const c = create("Condition", "threading", [{ $new: "Lock", argv: [] }]) as Condition;
    expect(c.lock).toBeInstanceOf(Lock);
    expect((create("Condition", "multiprocessing", []) as Condition).lock).toBeInstanceOf(RLock);
    expect(() => create("Condition", "threading", [{ $new: "Lock", argv: [], extra: 1 }])).toThrow(/not a \$new value/);
    expect(c.acquire(false)).toBe(true);
    const r = await runTask<CallResult>("call", { handle: c.handle(), method: "acquire", args: [false] });
    expect(r.value).toBe(false);
    expect(Condition.attach(structuredClone(c.handle())).lock).toBeInstanceOf(Lock);
  });
});
