import { afterEach, describe, expect, it } from "vitest";
import { JoinableQueue, Queue } from "./queue.js";
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
