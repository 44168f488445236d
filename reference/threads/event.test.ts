import { afterEach, describe, expect, it } from "vitest";
import { Event } from "./event.js";
import { flags, runTask, startTask, terminateAll, waitFlag, type CallResult } from "./tests/harness.js";

afterEach(terminateAll);

describe("Event", () => {
  it("sets, clears and reports its flag; a wait on a set flag returns True at once", () => {
    for (const profile of ["multiprocessing", "threading"] as const) {
      const e = new Event({ profile });
      expect(e.is_set()).toBe(false);
      expect(e.set()).toBeUndefined();
      e.set();
      expect(e.is_set()).toBe(true);
      expect(e.wait(0.01)).toBe(true);
      expect(e.wait()).toBe(true);
      e.clear();
      e.clear();
      expect(e.is_set()).toBe(false);
    }
  });

  it("times out a wait after at least its timeout, returning False; 0 and negative timeouts do not wait", async () => {
    const e = new Event();
    const r = await runTask<CallResult>("call", { handle: e.handle(), method: "wait", args: [0.1] });
    expect(r.value).toBe(false);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(100);
    const t0 = performance.now();
    expect(await e.waitAsync(0.05)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(e.wait(0)).toBe(false);
    expect(e.wait(-1)).toBe(false);
  });

  it("wakes every waiting worker with one set(), and a main-thread waitAsync too", async () => {
    const e = new Event({ profile: "threading" });
    const f = flags(4);
    const waiters = [0, 1, 2].map((i) =>
      startTask<CallResult[]>("script", { handle: e.handle(), flags: f.buffer, steps: [{ flag: i }, { method: "wait", args: [10] }] }),
    );
    await Promise.all([0, 1, 2].map((i) => waitFlag(f, i)));
    const mine = e.waitAsync(10);
    await new Promise((r) => setTimeout(r, 20)); // let the workers reach their wait
    const t0 = performance.now();
    e.set();
    for (const w of waiters) expect((await w.result)[1]!.value).toBe(true);
    expect(await mine).toBe(true);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("returns True from a wait that a set() woke, even if the flag was cleared again at once", async () => {
    const e = new Event();
    const f = flags(1);
    const waiter = startTask<CallResult[]>("script", { handle: e.handle(), flags: f.buffer, steps: [{ flag: 0 }, { method: "wait", args: [5] }] });
    await waitFlag(f, 0);
    // Until the worker sleeps in wait (the event's sleeper count, word 2): a fixed delay lost the
    // race on a loaded machine, and the waiter then began after set() and clear().
    const words = new Int32Array(e.handle().state as SharedArrayBuffer);
    for (let i = 0; i < 5000 && Atomics.load(words, 2) === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(Atomics.load(words, 2)).toBe(1);
    e.set();
    e.clear();
    const [, wait] = await waiter.result;
    expect(wait!.value).toBe(true);
    expect(wait!.elapsedMs).toBeLessThan(5000);
    expect(e.is_set()).toBe(false);
  });

  it("shares its flag through handle() and attach()", async () => {
    const e = new Event({ profile: "threading" });
    const r = await runTask<CallResult>("call", { handle: e.handle(), method: "set" });
    expect(r.error).toBeUndefined();
    expect(e.is_set()).toBe(true);
    expect(Event.attach(structuredClone(e.handle())).is_set()).toBe(true);
    expect(Event.attach(e.handle()).profile).toBe("threading");
  });
});
