/**
 * SimpleQueue shared across worker threads: multiprocessing.SimpleQueue, or
 * queue.SimpleQueue in the threading profile.
 *
 * An unbounded FIFO queue kept in a reference Queue (its ring buffer, see
 * queue.ts); a put is visible to getters as soon as it returns, as with
 * multiprocessing.SimpleQueue, which has no feeder thread.
 *
 * multiprocessing: put(item), get() (waits for ever), empty(), close(). close()
 * is per attached instance, as a multiprocessing.SimpleQueue's pipe ends are
 * per process: afterwards that instance's put, get and empty raise
 * `OSError: handle is closed`; other instances go on. get() holds a reader lock
 * shared by every instance while it reads, as CPython's does (`with self._rlock:
 * res = self._reader.recv_bytes()`): a get waits for the lock before anything
 * else, so on a closed instance it raises only once the lock is free.
 * threading (queue.SimpleQueue): put(item, block, timeout), put_nowait(item),
 * get(block, timeout), get_nowait(), empty(), qsize(); no close().
 */
import { checkPicklable } from "../pickle.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { checkHandle, checkProfile, noAttribute, type Profile } from "./profile.js";
import { Lock } from "./lock.js";
import { Queue, type QueueOptions } from "./queue.js";
import { type Factory } from "./factory.js";

// observed: q = multiprocessing.SimpleQueue(); q.close(); q.put(1) / q.get() / q.empty() -> OSError: handle is closed
const handleClosed = () => new PythonError("OSError", "handle is closed");

// observed: multiprocessing.SimpleQueue().get(True) -> TypeError: SimpleQueue.get() takes 1 positional argument but 2 were given
const arity = (method: string, expected: number, given: number) =>
  new PythonError("TypeError", `SimpleQueue.${method}() takes ${expected} positional argument${expected === 1 ? "" : "s"} but ${given} were given`);

export class SimpleQueue implements SharedPrimitive {
  readonly profile: Profile;
  readonly #queue: Queue;
  /** multiprocessing: the reader lock every instance's get takes; null in threading (queue.SimpleQueue has none). */
  readonly #rlock: Lock | null;
  #closed = false;

  /** @param inner internal: the queue and reader lock of an existing SimpleQueue (see `SimpleQueue.attach`). */
  constructor(options: QueueOptions = {}, inner?: { queue: Queue; rlock: Lock | null }) {
    this.profile = checkProfile(options.profile);
    this.#queue = inner?.queue ?? new Queue(0, { profile: this.profile, capacity: options.capacity });
    this.#rlock = inner ? inner.rlock : this.profile === "multiprocessing" ? new Lock({ profile: "multiprocessing" }) : null;
  }

  /** Rebuild a queue from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): SimpleQueue {
    const profile = checkHandle(handle, "SimpleQueue");
    const rlock = handle.rlock ? Lock.attach(handle.rlock as ObjectHandle) : null;
    return new SimpleQueue({ profile }, { queue: Queue.attach(handle.queue as ObjectHandle), rlock });
  }

  handle(): ObjectHandle {
    return { primitive: "SimpleQueue", profile: this.profile, queue: this.#queue.handle(), rlock: this.#rlock?.handle() ?? null };
  }

  // The Python class whose missing attributes we report.
  #missing(name: string): PythonError {
    // observed: queue.SimpleQueue().close() -> AttributeError: '_queue.SimpleQueue' object has no attribute 'close'
    return this.profile === "threading" ? noAttribute("_queue.SimpleQueue", name) : noAttribute("SimpleQueue", name);
  }

  #checkOpen(): void {
    if (this.#closed) throw handleClosed();
  }

  /** Put an item at the back. multiprocessing: put(item); threading: put(item, block, timeout) (never blocks). */
  put(item: unknown, ...rest: unknown[]): void {
    if (this.profile === "multiprocessing" && rest.length > 0) throw arity("put", 2, rest.length + 2);
    // observed: multiprocessing.SimpleQueue().put(obj_holding_a_lock) -> TypeError: cannot pickle '_thread.lock' object
    //   (pickled in the caller first, also on a closed queue; nothing written, the queue goes on). The inner queue's get
    //   raises for an `$unpickling-fails` item after taking it, as SimpleQueue.get unpickles after reading.
    if (this.profile === "multiprocessing") checkPicklable(item);
    this.#checkOpen();
    this.#queue.put(item);
  }

  /**
   * Remove and return the front item. multiprocessing: get(), waiting for ever;
   * threading: get(block=true, timeout=null), raising queue.Empty. Blocks the thread.
   */
  get(...args: unknown[]): unknown {
    if (this.profile === "multiprocessing" && args.length > 0) throw arity("get", 1, args.length + 1);
    const [block = true, timeout = null] = args as [boolean?, (number | null)?];
    if (this.#rlock === null) return this.#queue.get(block, timeout);
    this.#rlock.acquire(true, null);
    try {
      this.#checkOpen();
      return this.#queue.get(true, null);
    } finally {
      this.#rlock.release();
    }
  }

  /** `get` without blocking the thread: waits with Atomics.waitAsync. */
  async getAsync(...args: unknown[]): Promise<unknown> {
    if (this.profile === "multiprocessing" && args.length > 0) throw arity("get", 1, args.length + 1);
    const [block = true, timeout = null] = args as [boolean?, (number | null)?];
    if (this.#rlock === null) return this.#queue.getAsync(block, timeout);
    await this.#rlock.acquireAsync(true, null);
    try {
      this.#checkOpen();
      return await this.#queue.getAsync(true, null);
    } finally {
      this.#rlock.release();
    }
  }

  /** threading only: put(item). */
  put_nowait(item: unknown): void {
    if (this.profile === "multiprocessing") throw this.#missing("put_nowait");
    this.#queue.put(item);
  }

  /** threading only: get(false). */
  get_nowait(): unknown {
    if (this.profile === "multiprocessing") throw this.#missing("get_nowait");
    return this.#queue.get(false);
  }

  /** threading only: the number of items. */
  qsize(): number {
    if (this.profile === "multiprocessing") throw this.#missing("qsize");
    return this.#queue.qsize();
  }

  empty(): boolean {
    this.#checkOpen();
    return this.#queue.empty();
  }

  /** multiprocessing only: this instance puts, gets and polls no more (see the module comment). */
  close(): void {
    if (this.profile === "threading") throw this.#missing("close");
    this.#closed = true;
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "SimpleQueue", arity: 0, make: (_, o) => new SimpleQueue(o), attach: SimpleQueue.attach },
];
