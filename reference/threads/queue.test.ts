import { afterEach, describe, expect, it } from "vitest";
import { decodeItem, encodeItem, JoinableQueue, Queue } from "./queue.js";
import { expectPyError } from "./tests/expect-py.js";
import { flags, runTask, startTask, terminateAll, waitUntil, type CallResult } from "./tests/harness.js";

afterEach(terminateAll);

describe("Queue", () => {
  it("delivers every item exactly once, in order per producer, across producers and consumers", async () => {
    // Small maxsize and ring so that both puts and gets block often.
    const q = new Queue(8, { capacity: 256 });
    const producers = 3;
    const perProducer = 1500;
    const consumers = Array.from({ length: 3 }, () => runTask<[number, number][]>("consume", { handle: q.handle() }));
    await Promise.all(
      Array.from({ length: producers }, (_, p) => runTask("produce", { handle: q.handle(), producer: p, count: perProducer })),
    );
    for (let i = 0; i < 3; i++) await q.putAsync(null, true, 10);
    const got = await Promise.all(consumers);
    for (const items of got) {
      const last = new Map<number, number>();
      for (const [p, i] of items) {
        expect(i).toBeGreaterThan(last.get(p) ?? -1);
        last.set(p, i);
      }
    }
    const all = got.flat().map(([p, i]) => p * perProducer + i);
    expect(all.length).toBe(producers * perProducer);
    expect(new Set(all).size).toBe(producers * perProducer);
    expect(q.qsize()).toBe(0);
    expect(q.empty()).toBe(true);
  });

  it("loses no item when short get timeouts race with puts", async () => {
    const q = new Queue(4, { capacity: 128 });
    const n = 1500;
    type Got = { got: [number, number][]; timeouts: number };
    const consumers = Array.from({ length: 2 }, () => runTask<Got>("consume", { handle: q.handle(), retryTimeout: 0.0003 }));
    await Promise.all(Array.from({ length: 2 }, (_, p) => runTask("produce", { handle: q.handle(), producer: p, count: n })));
    for (let i = 0; i < 2; i++) await q.putAsync(null, true, 10);
    const all = (await Promise.all(consumers)).flatMap((c) => c.got).map(([p, i]) => p * n + i);
    expect(all.length).toBe(2 * n);
    expect(new Set(all).size).toBe(2 * n);
  });

  it("keeps FIFO order and structured-clonable values on one thread, across ring wrap-around", () => {
    const q = new Queue(0, { capacity: 64 });
    const values = [1, "two", { three: [3n, new Map([[3, 3]])] }, null, new Uint8Array([4, 4]), 5.5];
    for (let round = 0; round < 5; round++) {
      for (const v of values.slice(0, 2)) q.put(v);
      expect([q.get(), q.get()]).toEqual(values.slice(0, 2));
    }
    const big = new Queue();
    for (const v of values) big.put(v);
    expect(big.qsize()).toBe(values.length);
    expect(values.map(() => big.get_nowait())).toEqual(values);
  });

  it("writes each item form (numbers and short Latin-1 strings as they are, the rest encoded) starting at every position of the ring", () => {
    const items: unknown[] = [0, -0, 7, -2.5, 1e300, NaN, Infinity, "", "item-1", "\u00ff\u0080x", "z".repeat(50), "\u2603 wide", true, false, null, [1, "a"]];
    // A frame is 4 length bytes and the item's bytes; an ASCII filler of n characters takes n + 5.
    const filler = (q: Queue, frame: number) => {
      q.put("a".repeat(frame - 5), true, 5);
      expect(q.get(true, 5)).toBe("a".repeat(frame - 5));
    };
    for (const item of items) {
      for (let at = 0; at < 64; at++) {
        const q = new Queue(0, { capacity: 64 });
        if (at >= 5) filler(q, at);
        else if (at > 0) {
          filler(q, 35);
          filler(q, at + 29);
        }
        q.put(item, true, 5);
        const got = q.get(true, 5);
        if (typeof item === "number") expect(Object.is(got, item)).toBe(true);
        else expect(got).toEqual(item);
      }
    }
  });

  it("raises queue.Full / queue.Empty when not blocking, and after at least the timeout", async () => {
    for (const profile of ["multiprocessing", "threading"] as const) {
      const q = new Queue(1, { profile });
      expectPyError(() => q.get_nowait(), "queue.Empty", "");
      expectPyError(() => q.get(false), "queue.Empty", "");
      q.put_nowait("a");
      expect(q.full()).toBe(true);
      expectPyError(() => q.put_nowait("b"), "queue.Full", "");
      expectPyError(() => q.put("b", false), "queue.Full", "");
      const put = await runTask<CallResult>("call", { handle: q.handle(), method: "put", args: ["b", true, 0.1] });
      expect(put.error).toMatchObject({ pyType: "queue.Full", message: "" });
      expect(put.elapsedMs).toBeGreaterThanOrEqual(100);
      expect(q.get()).toBe("a");
      const get = await runTask<CallResult>("call", { handle: q.handle(), method: "get", args: [true, 0.1] });
      expect(get.error).toMatchObject({ pyType: "queue.Empty", message: "" });
      expect(get.elapsedMs).toBeGreaterThanOrEqual(100);
      const t0 = performance.now();
      await expect(q.getAsync(true, 0.05)).rejects.toMatchObject({ pyType: "queue.Empty" });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    }
  });

  it("blocks put while the byte ring is full even when unbounded", async () => {
    const q = new Queue(0, { capacity: 64 });
    const item = "x".repeat(40);
    q.put(item);
    expect(q.full()).toBe(false); // full() is about maxsize only
    expectPyError(() => q.put_nowait(item), "queue.Full", "");
    const put = startTask<CallResult>("call", { handle: q.handle(), method: "put", args: [item, true, 10] });
    await new Promise((r) => setTimeout(r, 20));
    expect(q.get(true, 10)).toBe(item);
    expect((await put.result).error).toBeUndefined();
    expect(q.get(true, 10)).toBe(item);
    expect(() => q.put("y".repeat(100))).toThrow(RangeError);
  });

  it("wakes getAsync on the main thread when a worker puts", async () => {
    const q = new Queue();
    const got = q.getAsync(true, 10);
    let ticked = false;
    setTimeout(() => (ticked = true), 1);
    const r = await runTask<CallResult>("call", { handle: q.handle(), method: "put", args: [{ hello: "main" }], delayMs: 20 });
    expect(r.error).toBeUndefined();
    expect(await got).toEqual({ hello: "main" });
    expect(ticked).toBe(true);
  });

  it("checks timeouts as each profile does", () => {
    const th = new Queue(5, { profile: "threading" });
    th.put(1);
    expectPyError(() => th.get(true, -1), "ValueError", "'timeout' must be a non-negative number");
    expectPyError(() => th.put(2, true, -1), "ValueError", "'timeout' must be a non-negative number");
    th.put(2, false, -1); // non-blocking ignores the timeout
    new Queue(0, { profile: "threading" }).put(1, true, -1); // unbounded: never checked
    expect(th.get(false, -1)).toBe(1);
    const mp = new Queue(1);
    mp.put(1, true, -1); // negative = 0
    expectPyError(() => mp.put(2, true, -1), "queue.Full", "");
    expect(mp.get(true, -1)).toBe(1);
    expectPyError(() => mp.get(true, -1), "queue.Empty", "");
  });

  it("refuses puts and gets after close() on that instance only (multiprocessing)", async () => {
    const q = new Queue();
    q.put(1);
    q.close();
    q.close();
    const closed = /^Queue <multiprocessing\.queues\.Queue object at 0x[0-9a-f]+> is closed$/;
    for (const f of [() => q.put(2), () => q.put_nowait(2), () => q.get(true, 1), () => q.get_nowait()]) {
      expect(f).toThrow(closed);
      expect(f).toThrow(expect.objectContaining({ pyType: "ValueError" }));
    }
    await expect(q.getAsync()).rejects.toThrow(closed);
    expect([q.qsize(), q.empty(), q.full()]).toEqual([1, false, false]);
    // another thread's instance is not closed
    const r = await runTask<CallResult>("call", { handle: q.handle(), method: "get", args: [true, 1] });
    expect(r.value).toBe(1);
  });

  it("has the methods of its profile's Python class only", () => {
    expectPyError(() => new Queue().task_done(), "AttributeError", "'Queue' object has no attribute 'task_done'");
    expectPyError(() => new Queue().join(), "AttributeError", "'Queue' object has no attribute 'join'");
    expectPyError(() => new Queue(0, { profile: "threading" }).close(), "AttributeError", "'Queue' object has no attribute 'close'");
    expectPyError(() => new Queue(1.5), "TypeError", "'float' object cannot be interpreted as an integer");
    expect(new Queue(1.5, { profile: "threading" }).maxsize).toBe(1.5);
    expect(new Queue(-3).full()).toBe(false);
  });
});

describe("JoinableQueue", () => {
  for (const [Cls, profile] of [
    [JoinableQueue, "multiprocessing"],
    [JoinableQueue, "threading"],
    [Queue, "threading"],
  ] as const) {
    it(`join returns only after every item is task_done (${Cls.name}, ${profile})`, async () => {
      const q = new Cls(0, { profile });
      const shared = new SharedArrayBuffer(4);
      const done = new Int32Array(shared);
      const items = 40;
      for (let i = 0; i < items; i++) q.put(i);
      expect(await q.joinAsync(0.02)).toBe(false);
      const joiner = startTask<{ joined: boolean; done: number }>("join", { handle: q.handle(), shared, timeout: 10 });
      const mainJoin = q.joinAsync(10).then((joined) => ({ joined, done: Atomics.load(done, 0) }));
      const workers = Array.from({ length: 2 }, () => runTask("work", { handle: q.handle(), shared }));
      for (let i = 0; i < 2; i++) q.put(null); // one stop sentinel per worker
      await Promise.all(workers);
      expect(await joiner.result).toEqual({ joined: true, done: items });
      expect(await mainJoin).toEqual({ joined: true, done: items });
      expect(q.join(0)).toBe(true);
      expect(q.join()).toBeUndefined();
      expectPyError(() => q.task_done(), "ValueError", "task_done() called too many times");
    });
  }

  it("times join out after at least the timeout when a task is unfinished", async () => {
    const q = new JoinableQueue();
    q.put("task");
    const r = await runTask<CallResult>("call", { handle: q.handle(), method: "join", args: [0.1] });
    expect(r.value).toBe(false);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(100);
    q.get();
    q.task_done();
    expect(q.join(1)).toBe(true);
  });

  it("keeps counting tasks after close() (multiprocessing)", () => {
    const q = new JoinableQueue();
    q.put(1);
    q.close();
    expect(() => q.put(2)).toThrow(/^Queue <multiprocessing\.queues\.JoinableQueue object at 0x[0-9a-f]+> is closed$/);
    q.task_done();
    expect(q.join(0)).toBe(true);
  });

  it("wakes a blocked worker put when the main thread gets (maxsize)", async () => {
    const q = new JoinableQueue(1);
    q.put("first");
    const started = flags(1);
    const put = startTask<CallResult>("call", { handle: q.handle(), method: "put", args: ["second", true, 10], started: started.buffer });
    await waitUntil(() => Atomics.load(started, 0) === 1);
    expect(await q.getAsync(true, 10)).toBe("first");
    expect((await put.result).error).toBeUndefined();
    expect(await q.getAsync(true, 10)).toBe("second");
  });

  it("pickles items in the multiprocessing profile: drops an unpicklable one, raises for one whose unpickling fails (issue 9)", () => {
    const q = new Queue(1);
    q.put({ $unpicklable: "u1" }, false); // takes the slot; the modelled feeder drops it at once
    expect(q.qsize()).toBe(0);
    expect(q.empty()).toBe(true);
    q.put({ "$unpickling-fails": "u2" }, false);
    expectPyError(() => q.get(false), "ValueError", "unpickling u2 fails");
    expect(q.qsize()).toBe(0); // the slot is released
    for (const item of [null, 0, "", [], [1, ["i9", {}]], { k: ["i10", null] }]) {
      q.put(item, false);
      expect(q.get(false)).toEqual(item);
    }
    // Another object of the scenario ({"$object": <handle>}, as an executor passes it): dropped the same way.
    q.put({ $object: { primitive: "Lock", profile: "multiprocessing" } }, false);
    expect([q.qsize(), q.full()]).toEqual([0, false]);
    q.put("x", false);
    expect(q.get(false)).toBe("x");
    const jq = new JoinableQueue();
    jq.put({ $unpicklable: "u3" });
    expect(jq.qsize()).toBe(0);
    expect(jq.join(0.01)).toBe(false); // the dropped item's task stays unfinished
    jq.task_done();
    expect(jq.join(0.01)).toBe(true);
    const th = new Queue(0, { profile: "threading" });
    th.put({ $unpicklable: "u1" });
    th.put({ "$unpickling-fails": "u2" });
    expect(th.get(false)).toEqual({ $unpicklable: "u1" });
    expect(th.get(false)).toEqual({ "$unpickling-fails": "u2" });
  });

  it("join_thread: AssertionError before close(); after it, returns once a get took this instance's items past a pipe's buffer (issue 9)", () => {
    const q = new Queue();
    expectPyError(() => q.join_thread(), "AssertionError", `Queue ${q.toString()} not closed`);
    q.close();
    q.join_thread(); // never put: returns at once
    const big = new Queue();
    big.put({ $repeat: ["ab", 40000] });
    // A get (here by another instance, as another process would) takes it: join_thread no longer waits.
    expect(Queue.attach(big.handle()).get(false)).toEqual({ $repeat: ["ab", 40000] });
    big.close();
    big.join_thread();
    const cancelled = new Queue();
    cancelled.put({ $repeat: ["ab", 40000] });
    cancelled.cancel_join_thread();
    cancelled.close();
    cancelled.join_thread(); // at once
    expectPyError(() => new Queue(0, { profile: "threading" }).join_thread(), "AttributeError", "'Queue' object has no attribute 'join_thread'");
  });
});

describe("item encoding", () => {
  it("scalars take the short form and come back as they went, v8.serialize's values too", () => {
    const values: unknown[] = [0, -0, 1.5, -7, Number.NaN, Infinity, 2 ** 53, "", "abc", "é", "é€😀", "\ud800x", "x".repeat(1024), "x".repeat(1025), true, false, null, [1, "a"], { a: 1 }, 10n];
    for (const v of values) {
      const bytes = encodeItem(v);
      const back = decodeItem(bytes);
      if (typeof v === "number" && Number.isNaN(v)) expect(back).toBeNaN();
      else expect(Object.is(back, v) || JSON.stringify(back, (_k, x) => (typeof x === "bigint" ? `${x}n` : x)) === JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x))).toBe(true);
      // Scalars are short: a tag and the value; the rest v8.serialize's (first byte 0xFF).
      const short = typeof v === "number" || typeof v === "boolean" || v === null || (typeof v === "string" && v.length <= 1024);
      expect(bytes[0] === 0xff).toBe(!short);
    }
    expect(() => decodeItem(Uint8Array.of(9))).toThrow(/unknown tag 9/);
  });
});
