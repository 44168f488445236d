import { afterEach, describe, expect, it } from "vitest";
import { SimpleQueue } from "./simple-queue.js";
import { expectPyError } from "./tests/expect-py.js";
import { runTask, terminateAll, waitUntil, type CallResult } from "./tests/harness.js";
import { Lock } from "./lock.js";
import type { ObjectHandle } from "../implementation.js";

afterEach(terminateAll);

describe("SimpleQueue", () => {
  it("is FIFO, and a put is visible to other threads as soon as it returns", async () => {
    for (const profile of ["multiprocessing", "threading"] as const) {
      const q = new SimpleQueue({ profile });
      expect(q.empty()).toBe(true);
      q.put("a");
      expect(q.empty()).toBe(false);
      await runTask("call", { handle: q.handle(), method: "put", args: ["b"] });
      const got = await runTask<CallResult[]>("script", {
        handle: q.handle(),
        steps: [{ method: "get" }, { method: "get" }, { method: "empty" }],
      });
      expect(got.map((r) => r.value)).toEqual(["a", "b", true]);
    }
  });

  it("delivers every item once, in order per producer, to consumers in other threads", async () => {
    const q = new SimpleQueue({ profile: "threading" });
    const consumers = [0, 1].map(() => runTask<[number, number][]>("consume", { handle: q.handle() }));
    await Promise.all([0, 1].map((p) => runTask("produce", { handle: q.handle(), producer: p, count: 300 })));
    q.put(null);
    q.put(null);
    const got = await Promise.all(consumers);
    for (const items of got) {
      for (const p of [0, 1]) {
        const mine = items.filter(([pp]) => pp === p).map(([, i]) => i);
        expect(mine).toEqual([...mine].sort((x, y) => x - y));
      }
    }
    expect(got.flat().length).toBe(600);
  });

  it("wakes a blocked get when another thread puts; the threading get times out with queue.Empty", async () => {
    const q = new SimpleQueue();
    const getter = runTask<CallResult>("call", { handle: q.handle(), method: "get" });
    await new Promise((r) => setTimeout(r, 50));
    q.put("late");
    expect((await getter).value).toBe("late");
    const th = new SimpleQueue({ profile: "threading" });
    const r = await runTask<CallResult>("call", { handle: th.handle(), method: "get", args: [true, 0.1] });
    expect(r.error).toMatchObject({ pyType: "queue.Empty", message: "" });
    expect(r.elapsedMs).toBeGreaterThanOrEqual(100);
    await expect(th.getAsync(true, 0.02)).rejects.toMatchObject({ pyType: "queue.Empty" });
  });

  it("multiprocessing: close() stops this instance's put, get and empty; other instances go on", async () => {
    const q = new SimpleQueue();
    q.put("x");
    q.close();
    q.close();
    expectPyError(() => q.put("y"), "OSError", "handle is closed");
    expectPyError(() => q.get(), "OSError", "handle is closed");
    expectPyError(() => q.empty(), "OSError", "handle is closed");
    const other = await runTask<CallResult[]>("script", { handle: q.handle(), steps: [{ method: "empty" }, { method: "get" }] });
    expect(other.map((r) => r.value)).toEqual([false, "x"]);
  });

  it("has each profile's methods, and refuses the others as Python does", () => {
    const mp = new SimpleQueue();
    expectPyError(() => mp.get_nowait(), "AttributeError", "'SimpleQueue' object has no attribute 'get_nowait'");
    expectPyError(() => mp.qsize(), "AttributeError", "'SimpleQueue' object has no attribute 'qsize'");
    expectPyError(() => mp.get(true), "TypeError", "SimpleQueue.get() takes 1 positional argument but 2 were given");
    expectPyError(() => mp.put(1, 2), "TypeError", "SimpleQueue.put() takes 2 positional arguments but 3 were given");
    const th = new SimpleQueue({ profile: "threading" });
    expectPyError(() => th.get_nowait(), "queue.Empty", "");
    th.put_nowait("a");
    th.put("b", true, 1);
    expect(th.qsize()).toBe(2);
    expect(th.get_nowait()).toBe("a");
    expect(th.get(false)).toBe("b");
    expectPyError(() => th.close(), "AttributeError", "'_queue.SimpleQueue' object has no attribute 'close'");
    expect(SimpleQueue.attach(structuredClone(th.handle())).profile).toBe("threading");
  });

  it("multiprocessing: put raises for an unpicklable item (also when closed), get for one whose unpickling fails; falsy items go through (issue 9)", () => {
    const q = new SimpleQueue();
    expectPyError(() => q.put({ $unpicklable: "u1" }), "TypeError", "cannot pickle '_thread.lock' object");
    expect(q.empty()).toBe(true);
    q.put({ "$unpickling-fails": "u2" });
    q.put("z");
    expectPyError(() => q.get(), "ValueError", "unpickling u2 fails");
    expect(q.get()).toBe("z");
    for (const item of [null, 0, "", [], { k: ["i10", null] }]) {
      q.put(item);
      expect(q.get()).toEqual(item);
    }
    q.close();
    expect(q.close()).toBeUndefined(); // a second close is fine
    expectPyError(() => q.put({ $unpicklable: "u1" }), "TypeError", "cannot pickle '_thread.lock' object");
    expectPyError(() => q.put("a"), "OSError", "handle is closed");
    const th = new SimpleQueue({ profile: "threading" });
    th.put({ $unpicklable: "u1" });
    expect(th.get()).toEqual({ $unpicklable: "u1" });
  });

  it("multiprocessing: get takes a reader lock shared by every instance first; a get on a closed instance raises only once it has the lock", async () => {
    const q = new SimpleQueue();
    // Another thread's get waits for an item, holding the reader lock.
    const waiting = runTask<CallResult>("call", { handle: q.handle(), method: "get" });
    const rlock = Lock.attach(q.handle().rlock as ObjectHandle);
    await waitUntil(() => !rlock.acquire(false) || (rlock.release(), false));
    const closed = SimpleQueue.attach(q.handle());
    closed.close();
    let settled = false;
    const blocked = closed.getAsync().then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    );
    void blocked.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).toBe(false); // still waiting for the reader lock, not raising yet
    q.put("x");
    expect((await waiting).value).toBe("x");
    expect(await blocked).toMatchObject({ e: { pyType: "OSError", message: "handle is closed" } });
    // threading: no reader lock (queue.SimpleQueue's get is one step).
    expect(new SimpleQueue({ profile: "threading" }).handle().rlock).toBeNull();
  });
});
