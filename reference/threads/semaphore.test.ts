import { afterEach, describe, expect, it } from "vitest";
import { BoundedSemaphore, Semaphore } from "./semaphore.js";
import { expectPyError } from "./tests/expect-py.js";
import {
  MAX,
  flags,
  runTask,
  startExclusion,
  sum,
  terminateAll,
  waitUntil,
  type CallResult,
} from "./tests/harness.js";

afterEach(terminateAll);

describe("Semaphore", () => {
  it("admits at most `value` worker threads at once and ends with its initial value", async () => {
    const sem = new Semaphore(2);
    const { words, contended } = startExclusion(sem.handle(), 4, 1000);
    expect(sum(await contended)).toBeGreaterThan(0);
    expect(words[MAX]).toBeGreaterThanOrEqual(1);
    expect(words[MAX]).toBeLessThanOrEqual(2);
    expect(sem.get_value()).toBe(2);
  });

  it("hands releases from the main thread to workers blocked in acquire", async () => {
    const sem = new Semaphore(0);
    const started = flags(1);
    const waiters = Array.from({ length: 3 }, () =>
      runTask<CallResult>("call", { handle: sem.handle(), method: "acquire", args: [true, 10], started: started.buffer }),
    );
    await waitUntil(() => Atomics.load(started, 0) === 3);
    await new Promise((r) => setTimeout(r, 20)); // most likely asleep in acquire by now
    for (let i = 0; i < 3; i++) sem.release();
    for (const r of await Promise.all(waiters)) expect(r.value).toBe(true);
    expect(sem.get_value()).toBe(0);
  });

  it("times out after at least the timeout, returning False (worker and async)", async () => {
    const sem = new Semaphore(0);
    const r = await runTask<CallResult>("call", { handle: sem.handle(), method: "acquire", args: [true, 0.1] });
    expect(r.value).toBe(false);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(100);
    const t0 = performance.now();
    expect(await sem.acquireAsync(true, 0.05)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(sem.acquire(true, -1)).toBe(false); // negative = 0 in both profiles
    expect(new Semaphore(0, { profile: "threading" }).acquire(true, -1)).toBe(false);
  });

  it("resolves acquireAsync when a worker releases", async () => {
    const sem = new Semaphore(0, { profile: "threading" });
    const pending = sem.acquireAsync(true, 10);
    const r = await runTask<CallResult>("call", { handle: sem.handle(), method: "release", delayMs: 20 });
    expect(r.error).toBeUndefined();
    expect(await pending).toBe(true);
  });

  it("checks arguments and limits as each profile does", () => {
    expectPyError(() => new Semaphore(-1), "OSError", "[Errno 22] Invalid argument");
    expectPyError(() => new Semaphore(1.5), "TypeError", "'float' object cannot be interpreted as an integer");
    expectPyError(() => new Semaphore(2 ** 31), "OverflowError", "Python int too large to convert to C int");
    expectPyError(() => new Semaphore(-1, { profile: "threading" }), "ValueError", "semaphore initial value must be >= 0");
    expectPyError(
      () => new Semaphore(1, { profile: "threading" }).acquire(false, 0.1),
      "ValueError",
      "can't specify timeout for non-blocking acquire",
    );
    expectPyError(
      () => new Semaphore(1, { profile: "threading" }).get_value(),
      "AttributeError",
      "'Semaphore' object has no attribute 'get_value'",
    );
    expectPyError(() => new Semaphore().release(2), "TypeError", "SemLock.release() takes no arguments (1 given)");
    expectPyError(() => new Semaphore(1, { profile: "threading" }).release(0), "ValueError", "n must be one or more");
    expectPyError(() => new Semaphore(2 ** 31 - 1).release(), "ValueError", "semaphore or lock released too many times");
    expect(new Semaphore().acquire(false, 0.1)).toBe(true); // multiprocessing ignores it
    const th = new Semaphore(0, { profile: "threading" });
    th.release(3);
    expect([th.acquire(false), th.acquire(false), th.acquire(false), th.acquire(false)]).toEqual([true, true, true, false]);
  });
});

describe("BoundedSemaphore", () => {
  it("admits at most `value` workers at once", async () => {
    const sem = new BoundedSemaphore(3);
    const { words, contended } = startExclusion(sem.handle(), 4, 1000);
    await contended;
    expect(words[MAX]).toBeLessThanOrEqual(3);
    expect(sem.get_value()).toBe(3);
  });

  for (const [profile, message] of [
    ["multiprocessing", "semaphore or lock released too many times"],
    ["threading", "Semaphore released too many times"],
  ] as const) {
    it(`raises ValueError on release above the initial value, from any thread (${profile})`, async () => {
      const sem = new BoundedSemaphore(2, { profile });
      expect(sem.acquire(false)).toBe(true);
      const first = await runTask<CallResult>("call", { handle: sem.handle(), method: "release" });
      expect(first.error).toBeUndefined();
      const second = await runTask<CallResult>("call", { handle: sem.handle(), method: "release" });
      expect(second.error).toMatchObject({ pyType: "ValueError", message });
      expectPyError(() => sem.release(), "ValueError", message);
      expect([sem.acquire(false), sem.acquire(false), sem.acquire(false)]).toEqual([true, true, false]);
    });
  }

  it("is a context manager (__enter__ acquires, __exit__ releases with the bound's check); release(null) is release()", () => {
    for (const [profile, message] of [
      ["multiprocessing", "semaphore or lock released too many times"],
      ["threading", "Semaphore released too many times"],
    ] as const) {
      const sem = new BoundedSemaphore(1, { profile });
      expect([sem.__enter__(), sem.acquire(false), sem.__exit__(null, null, null)]).toEqual([true, false, null]);
      expectPyError(() => sem.__exit__(null, null, null), "ValueError", message);
      expectPyError(() => sem.release(null), "ValueError", message);
      const plain = new Semaphore(0, { profile });
      expect([plain.__exit__(null, null, null), plain.release(null), plain.__enter__(), plain.__enter__(), plain.acquire(false)]).toEqual([null, undefined, true, true, false]);
    }
  });

  it("keeps a threading release(n) all-or-nothing", () => {
    const sem = new BoundedSemaphore(3, { profile: "threading" });
    sem.acquire();
    sem.acquire();
    expectPyError(() => sem.release(3), "ValueError", "Semaphore released too many times");
    sem.release(2);
    expectPyError(() => sem.release(), "ValueError", "Semaphore released too many times");
    expectPyError(
      () => sem.get_value(),
      "AttributeError",
      "'BoundedSemaphore' object has no attribute 'get_value'",
    );
  });

  it("refuses release of BoundedSemaphore(0) and negative values", () => {
    expectPyError(() => new BoundedSemaphore(0).release(), "ValueError", "semaphore or lock released too many times");
    expectPyError(() => new BoundedSemaphore(-1), "OSError", "[Errno 22] Invalid argument");
    expectPyError(
      () => new BoundedSemaphore(-1, { profile: "threading" }),
      "ValueError",
      "semaphore initial value must be >= 0",
    );
  });
});
