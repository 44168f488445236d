/**
 * Queue and JoinableQueue shared across worker threads.
 *
 * Items are serialized with v8.serialize (so any structured-clonable value
 * goes; a number, bool, null or short string in a short form of its own) into a byte ring buffer in a SharedArrayBuffer, each as a 4-byte
 * little-endian length followed by the bytes. A small internal mutex guards the
 * control words; three condition variables (sequence words that every state
 * change bumps under the mutex) let getters, putters and joiners sleep.
 * Serializing and deserializing happen outside the mutex.
 *
 * Unlike Python's, this queue has a fixed byte capacity (`capacity`, default
 * 1 MiB): a put also waits (or raises queue.Full when not blocking) while the
 * ring has no room for the item, even if the queue is unbounded (maxsize <= 0)
 * or below maxsize. An item that could never fit raises RangeError.
 */
import * as v8 from "node:v8";
import { reviveBytes } from "../bytes.js";
import { checkUnpicklable, isUnpicklable, sharedObjectIn } from "../pickle.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import {
  blockAsync,
  blockSync,
  blockSyncFor,
  deadlineOf,
  done,
  lockMutex,
  sleepAsync,
  sleepOn,
  sharedWords,
  unlockMutex,
  wake,
  type Blocking,
  type Step,
} from "./futex.js";
import {
  checkCInt,
  checkHandle,
  checkProfile,
  checkTimeout,
  empty,
  fakeAddress,
  full,
  noAttribute,
  sharedBuffer,
  type PrimitiveOptions,
  type Profile,
} from "./profile.js";
import { arg, type Factory } from "./factory.js";

export interface QueueOptions extends PrimitiveOptions {
  /** Bytes of the shared ring buffer holding serialized items (each takes 4 + its serialized size). Default 1 MiB. */
  capacity?: number;
  /**
   * multiprocessing: whether items are "pickled" as CPython's Queue pickles them (reference/pickle.ts):
   * an `$unpicklable` item is dropped by the (modelled) feeder thread, its slot released, and a
   * get of an `$unpickling-fails` item raises. Default true; false for a Pipe's inner queues,
   * whose messages the Pipe pickles itself.
   */
  pickles?: boolean;
}

export const DEFAULT_CAPACITY = 1 << 20;
const HEADER = 4;

// Control words.
const MUTEX = 0;
const NOT_EMPTY = 1; // condition sequence words: bumped on every change that may let a sleeper go on
const GETTERS = 2; // waiter counters of the condition just above
const NOT_FULL = 3;
const PUTTERS = 4;
const ALL_DONE = 5;
const JOINERS = 6;
const COUNT = 7; // items in the queue
const HEAD = 8; // byte offset of the oldest item's header
const USED = 9; // bytes in use
const UNFINISHED = 10; // items put and not yet task_done()
// multiprocessing: items past a pipe's buffer ({"$repeat": ...}, see `#putOp`): instances that put one get
// an index (FEEDERS counts them); BIG_READ + index counts such items of that instance that a get has taken.
const FEEDERS = 11;
const BIG_READ = 12;
const MAX_FEEDERS = 16;
// Items past a pipe's buffer written into the ring, and taken out of it, by every instance: the ring
// is FIFO, so an item is unflushed in CPython's terms while a big item ahead of it is untaken.
const BIG_WRITTEN = BIG_READ + MAX_FEEDERS;
const BIG_TAKEN = BIG_WRITTEN + 1;
// multiprocessing: slots held by items the feeder cannot pickle that wait in a feeder blocked behind
// an item past the pipe's buffer (DEFERRED counts them; qsize() and maxsize see them), and per such
// item, in DEFER_AT.., the BIG_TAKEN value at which that feeder goes on and drops it (0: free).
const DEFERRED = BIG_TAKEN + 1;
const DEFER_AT = DEFERRED + 1;
const MAX_DEFERRED = 16;
// multiprocessing: feeders (a bit per index) whose process ended without flushing (killed, or
// os._exit) while a big item of theirs was untaken: CPython's feeder had written part of it into
// the pipe, so the get that reads it waits for ever for the rest (holding the reader lock: STUCK).
const TORN = DEFER_AT + MAX_DEFERRED;
const STUCK = TORN + 1;
const WORDS = STUCK + 1;
// The frame of an item past the pipe's buffer: the item and the index of the instance that put it.
const FED_BY = "\u0000fedBy";

/** Internal: the shared memory of a queue. */
interface QueueShared {
  ctrl: Int32Array;
  data: Uint8Array;
}

const TRY_PUT = Symbol("try put");
const DONE_VOID: Step<void> = done(undefined);

/**
 * One put's blocking operation: the item's frame, tried by its queue (QueueBase[TRY_PUT]). A
 * class rather than an object of closures: a put then makes no function objects (which tsx's
 * transform, keeping function names, also renames one by one).
 */
class PutOp implements Blocking<void> {
  readonly waiters = PUTTERS;
  constructor(
    readonly queue: QueueBase,
    readonly words: Int32Array,
    /** The item's bytes, or a number or short Latin-1 string written as it is (writeFrame). */
    readonly bytes: Uint8Array | number | string,
    readonly n: number,
    /** multiprocessing: an item the feeder cannot pickle: it takes a slot, nothing is written. */
    readonly drop: boolean,
    /** multiprocessing: an item past a pipe's buffer. */
    readonly big: boolean,
  ) {}

  attempt(): Step<void> {
    return this.queue[TRY_PUT](this);
  }

  timedOut(): never {
    throw full();
  }
}

abstract class QueueBase implements SharedPrimitive {
  readonly profile: Profile;
  /** Maximum number of items; <= 0 means no limit. */
  readonly maxsize: number;
  /** Bytes of the ring buffer. */
  readonly capacity: number;
  readonly #ctrl: Int32Array;
  readonly #data: Uint8Array;
  readonly #ring: Ring;
  readonly #getOp: Blocking<unknown>;
  readonly #joinOp: Blocking<boolean>;
  // Per attached instance, like a multiprocessing.Queue object in one process.
  #closed = false;
  readonly #address = fakeAddress();
  readonly #pickles: boolean;
  // multiprocessing: this instance's index among those that put items past a pipe's buffer (-1: none
  // yet), how many it put, and whether cancel_join_thread() was called.
  #feeder = -1;
  // multiprocessing: big items written into the ring up to and with this instance's last item.
  #bigAhead = 0;
  // multiprocessing: big items this instance put (BIG_READ + #feeder counts those taken).
  #bigPut = 0;
  #joinCancelled = false;
  protected abstract readonly pyName: "Queue" | "JoinableQueue";

  protected constructor(maxsize: unknown, options: QueueOptions, shared?: QueueShared) {
    this.profile = checkProfile(options.profile);
    this.maxsize = checkMaxsize(this.profile, maxsize);
    this.capacity = checkCapacity(shared ? shared.data.length : (options.capacity ?? DEFAULT_CAPACITY));
    this.#pickles = this.profile === "multiprocessing" && options.pickles !== false;
    const ctrl = (this.#ctrl = shared?.ctrl ?? sharedWords(WORDS));
    const data = (this.#data = shared?.data ?? new Uint8Array(new SharedArrayBuffer(this.capacity)));
    const capacity = this.capacity;
    const ring = (this.#ring = ringOf(data));

    this.#getOp = {
      words: ctrl,
      waiters: GETTERS,
      attempt: (): Step<unknown> => {
        lockMutex(ctrl, MUTEX);
        // A get waits for ever on a torn item, holding the reader lock: the others time out.
        if (ctrl[STUCK] !== 0) {
          unlockMutex(ctrl, MUTEX);
          return sleepOn(STUCK, 1);
        }
        if (ctrl[COUNT] === 0) {
          const seq = ctrl[NOT_EMPTY];
          unlockMutex(ctrl, MUTEX);
          return sleepOn(NOT_EMPTY, seq);
        }
        const head = ctrl[HEAD];
        const length = frameLength(ring, head);
        const bytes = readItem(ring, (head + HEADER) % capacity, length);
        ctrl[HEAD] = (head + HEADER + length) % capacity;
        ctrl[USED] -= HEADER + length;
        Atomics.sub(ctrl, COUNT, 1); // atomic: qsize() reads it without the mutex
        Atomics.add(ctrl, NOT_FULL, 1);
        unlockMutex(ctrl, MUTEX);
        // Putters differ in how much room they need, so wake them all rather
        // than one that may not fit while another would.
        wake(ctrl, PUTTERS, NOT_FULL, Infinity);
        return done(bytes);
      },
      timedOut: () => {
        throw empty();
      },
    };

    this.#joinOp = {
      words: ctrl,
      waiters: JOINERS,
      attempt: (): Step<boolean> => {
        lockMutex(ctrl, MUTEX);
        const unfinished = ctrl[UNFINISHED];
        const seq = ctrl[ALL_DONE];
        unlockMutex(ctrl, MUTEX);
        return unfinished === 0 ? done(true) : sleepOn(ALL_DONE, seq);
      },
      timedOut: () => false, // only reached with an explicit join timeout
    };
  }

  handle(): ObjectHandle {
    return {
      primitive: this.pyName,
      profile: this.profile,
      ctrl: this.#ctrl.buffer,
      data: this.#data.buffer,
      maxsize: this.maxsize,
      pickles: this.#pickles,
    };
  }

  /** Python's repr: `<multiprocessing.queues.Queue object at 0x...>` (the address is made up, per instance). */
  toString(): string {
    const cls = this.profile === "threading" ? "queue.Queue" : `multiprocessing.queues.${this.pyName}`;
    return `<${cls} object at ${this.#address}>`;
  }

  // The Python class whose missing attributes we report.
  #className(): string {
    return this.profile === "threading" ? "Queue" : this.pyName;
  }

  #checkOpen(): void {
    // observed: q = multiprocessing.Queue(); q.close(); q.put(1) (also get, put_nowait, get_nowait)
    //   -> ValueError: Queue <multiprocessing.queues.Queue object at 0x7fa4ba3e9e50> is closed
    if (this.#closed) throw new PythonError("ValueError", `Queue ${this.toString()} is closed`);
  }

  #putDeadline(block: unknown, timeout: unknown): number {
    return deadlineOf(Boolean(block), this.#putTimeout(block, timeout));
  }

  /** The seconds a put may wait (null: for ever), its arguments checked. */
  #putTimeout(block: unknown, timeout: unknown): number | null {
    const t = checkTimeout(timeout);
    // observed: queue.Queue(5).put(1, True, -1) -> ValueError: 'timeout' must be a non-negative number
    // (queue.Queue() with maxsize 0 accepts it; multiprocessing treats a negative timeout as 0)
    if (this.profile === "threading" && this.maxsize > 0 && Boolean(block) && t !== null && t < 0) {
      throw new PythonError("ValueError", "'timeout' must be a non-negative number");
    }
    return t;
  }

  #getDeadline(block: unknown, timeout: unknown): number {
    return deadlineOf(Boolean(block), this.#getTimeout(block, timeout));
  }

  /** The seconds a get may wait (null: for ever), its arguments checked. */
  #getTimeout(block: unknown, timeout: unknown): number | null {
    const t = checkTimeout(timeout);
    // observed: queue.Queue().get(True, -1) -> ValueError: 'timeout' must be a non-negative number (even when not empty)
    if (this.profile === "threading" && Boolean(block) && t !== null && t < 0) {
      throw new PythonError("ValueError", "'timeout' must be a non-negative number");
    }
    return t;
  }

  // Serialize outside the mutex; the returned op writes one frame.
  //
  // An item CPython's feeder thread cannot pickle (multiprocessing, `pickles`): it takes a slot as any
  // item (waiting or raising queue.Full as any put) and the feeder drops it at once, releasing the
  // slot: nothing is written. JoinableQueue still counts it unfinished (CPython's put did).
  // observed (CPython 3.11): q = multiprocessing.Queue(2); q.put(obj_holding_a_lock)  # None; the feeder prints
  //   "TypeError: cannot pickle '_thread.lock' object" on stderr; 0.1 s later q.qsize(), q.empty()  # 0, True;
  //   JoinableQueue: jq._unfinished_tasks.get_value()  # 1 (join() would wait for ever)
  // Another object of the scenario (a Lock: {"$object": <handle>}) is one too: the feeder's pickling
  // raises RuntimeError "Lock objects should only be shared between processes through inheritance".
  // observed (CPython 3.11): q = multiprocessing.Queue(1); q.put(multiprocessing.Lock())  # None, that traceback on
  //   stderr; 0.2 s later q.qsize(), q.empty(), q.full()  # 0, True, False; q.put('x', timeout=0.5); q.get(timeout=1)  # 'x'
  #putOp(item: unknown): Blocking<void> {
    const drop = this.#pickles && typeof item === "object" && item !== null && (isUnpicklable(item) || sharedObjectIn(item) !== undefined);
    // An item whose pickle is past a pipe's buffer: CPython's feeder thread stays blocked writing it,
    // holding the writer lock, until a get reads it, and join_thread() waits for that feeder. Here the
    // item is in the ring at once; its frame names this instance, so that join_thread() can wait
    // until a get has taken every such item this instance put.
    // observed (CPython 3.11): q = multiprocessing.Queue(); q.put('ab' * 40000); q.close(); q.join_thread()  # blocks
    //   until another process's q.get() reads it
    let framed: unknown = item;
    const big = this.#pickles && isPastPipeBuffer(item);
    if (big) {
      if (this.#feeder < 0) {
        const index = Atomics.add(this.#ctrl, FEEDERS, 1);
        if (index >= MAX_FEEDERS) throw new RangeError(`more than ${MAX_FEEDERS} instances of one queue put items past a pipe's buffer`);
        this.#feeder = index;
      }
      framed = { [FED_BY]: this.#feeder, item };
      this.#bigPut++;
    }
    // A number or a short Latin-1 string is written into the ring as it is (encodeItem's form),
    // with no buffer of its own.
    const bytes = drop ? new Uint8Array(0) : typeof framed === "number" || isShortLatin1(framed) ? framed : encodeItem(framed);
    const n = typeof bytes === "number" ? NUMBER_BYTES : typeof bytes === "string" ? 1 + bytes.length : bytes.length;
    const frame = HEADER + n;
    if (frame > this.capacity) {
      throw new RangeError(`item of ${n} serialized bytes cannot fit a queue capacity of ${this.capacity} bytes`);
    }
    return new PutOp(this, this.#ctrl, bytes, n, drop, big);
  }

  /** One try of a put (PutOp): write its frame, or name the word to sleep on. */
  [TRY_PUT](op: PutOp): Step<void> {
    const ctrl = this.#ctrl;
    const frame = HEADER + op.n;
    const maxsize = this.maxsize;
    lockMutex(ctrl, MUTEX);
    const used = ctrl[USED];
    if ((maxsize > 0 && ctrl[COUNT] + ctrl[DEFERRED] >= maxsize) || used + frame > this.capacity) {
      const seq = ctrl[NOT_FULL];
      unlockMutex(ctrl, MUTEX);
      return sleepOn(NOT_FULL, seq);
    }
    if (op.drop) {
      ctrl[UNFINISHED] += 1;
      // This instance's feeder is blocked behind an item past the pipe's buffer (its own, or
      // another's holding the writer lock) until a get takes it: only then does it reach this
      // item and drop it, so the slot stays taken until then.
      // observed (CPython 3.11): q = multiprocessing.Queue(2); q.put('ab' * 40000); q.put(obj_holding_a_lock);
      //   time.sleep(0.2); q.qsize(), q.full()  # 2, True; after q.get(True, 1) (the big item), 0.1 s later q.qsize(), q.full()  # 0, False
      if (ctrl[BIG_TAKEN] < this.#bigAhead) {
        const k = ctrl.subarray(DEFER_AT, DEFER_AT + MAX_DEFERRED).indexOf(0);
        if (k < 0) {
          unlockMutex(ctrl, MUTEX);
          throw new RangeError(`more than ${MAX_DEFERRED} unpicklable items wait behind items past a pipe's buffer`);
        }
        ctrl[DEFER_AT + k] = this.#bigAhead;
        Atomics.add(ctrl, DEFERRED, 1);
      }
      unlockMutex(ctrl, MUTEX);
      return DONE_VOID;
    }
    const tail = (ctrl[HEAD] + used) % this.capacity;
    writeFrame(this.#ring, tail, op.bytes, op.n);
    ctrl[USED] = used + frame;
    // CPython's feeders share one writer lock, held while a big item is unread: this item (any
    // instance's) flushes only after every big item ahead of it, and join_thread() waits for it.
    if (op.big) ctrl[BIG_WRITTEN] += 1;
    if (this.#pickles) this.#bigAhead = ctrl[BIG_WRITTEN];
    Atomics.add(ctrl, COUNT, 1);
    ctrl[UNFINISHED] += 1;
    Atomics.add(ctrl, NOT_EMPTY, 1);
    unlockMutex(ctrl, MUTEX);
    // Any getter can take any item: wake one per item.
    wake(ctrl, GETTERS, NOT_EMPTY, 1);
    return DONE_VOID;
  }

  /**
   * Put an item at the back; with block=false (or after `timeout` seconds)
   * raise queue.Full if there is no room. Blocks the thread (Atomics.wait).
   */
  put(item: unknown, block: boolean = true, timeout: number | null = null): void {
    this.#checkOpen();
    const seconds = this.#putTimeout(block, timeout);
    blockSyncFor(this.#putOp(item), Boolean(block), seconds);
  }

  /** `put` without blocking the thread: waits with Atomics.waitAsync. */
  async putAsync(item: unknown, block: boolean = true, timeout: number | null = null): Promise<void> {
    this.#checkOpen();
    const deadline = this.#putDeadline(block, timeout);
    await blockAsync(this.#putOp(item), deadline);
  }

  /**
   * Remove and return the front item; with block=false (or after `timeout`
   * seconds) raise queue.Empty if there is none. Blocks the thread (Atomics.wait).
   */
  get(block: boolean = true, timeout: number | null = null): unknown {
    this.#checkOpen();
    const seconds = this.#getTimeout(block, timeout);
    const item = decodeTaken(blockSyncFor(this.#getOp, Boolean(block), seconds));
    if (this.#tornRead(item)) blockSync(this.#stuckOp(), Infinity);
    return this.#unpickle(item);
  }

  /** `get` without blocking the thread: waits with Atomics.waitAsync. */
  async getAsync(block: boolean = true, timeout: number | null = null): Promise<unknown> {
    this.#checkOpen();
    const deadline = this.#getDeadline(block, timeout);
    const item = decodeTaken(await blockAsync(this.#getOp, deadline));
    if (this.#tornRead(item)) await blockAsync(this.#stuckOp(), Infinity);
    return this.#unpickle(item);
  }

  /**
   * Whether `item` (just taken) is torn: its feeder's process ended before a get took it. Then
   * this get is the reader stuck on it for good (STUCK), as CPython's recv_bytes waits for the
   * rest of the message, which never comes (the parent holds the pipe's write end: no EOF).
   * observed (CPython 3.11): q = mp.Queue(); p = mp.Process(target=q.put, args=('ab' * 40000,));
   *   p.start(); time.sleep(0.5); p.terminate(); p.join(); q.empty()  # False; q.get(True, 1)  # never returns
   */
  #tornRead(item: unknown): boolean {
    if (typeof item !== "object" || item === null || !(FED_BY in item)) return false;
    const index = (item as { [FED_BY]: number })[FED_BY];
    const ctrl = this.#ctrl;
    if ((Atomics.load(ctrl, TORN) & (1 << index)) === 0) return false;
    Atomics.store(ctrl, STUCK, 1);
    return true;
  }

  /** A wait that never ends (but by the thread's interrupt): the read of a torn item. */
  #stuckOp(): Blocking<never> {
    const ctrl = this.#ctrl;
    return { words: ctrl, waiters: GETTERS, attempt: () => sleepOn(STUCK, 1), timedOut: () => {
      throw new Error("unreachable: a torn read has no timeout");
    } };
  }

  /**
   * multiprocessing: this instance's process ended without running its exit functions (killed,
   * or os._exit): its items past a pipe's buffer that no get has taken are torn (the get that
   * reaches one waits for ever). The reference's broker calls it when a child that put dies.
   */
  tearUnflushed(): void {
    if (this.#feeder < 0) return;
    const ctrl = this.#ctrl;
    lockMutex(ctrl, MUTEX);
    if (ctrl[BIG_READ + this.#feeder]! < this.#bigPut) ctrl[TORN] = ctrl[TORN]! | (1 << this.#feeder);
    unlockMutex(ctrl, MUTEX);
  }

  // The item taken (its slot released): an `$unpickling-fails` one raises, as CPython's get does
  // after releasing the slot and the reader lock (multiprocessing, `pickles`).
  #unpickle(taken: unknown): unknown {
    let item = taken;
    if (typeof item === "object" && item !== null && FED_BY in item) {
      const { [FED_BY]: index, item: inner } = item as { [FED_BY]: number; item: unknown };
      const ctrl = this.#ctrl;
      lockMutex(ctrl, MUTEX);
      Atomics.add(ctrl, BIG_READ + index, 1);
      const taken = Atomics.add(ctrl, BIG_TAKEN, 1) + 1;
      // The feeders blocked behind it go on: they drop the unpicklable items waiting in them.
      let dropped = 0;
      for (let k = DEFER_AT; k < DEFER_AT + MAX_DEFERRED; k++) {
        if (ctrl[k] !== 0 && ctrl[k]! <= taken) {
          ctrl[k] = 0;
          dropped++;
        }
      }
      if (dropped > 0) {
        Atomics.sub(ctrl, DEFERRED, dropped);
        Atomics.add(ctrl, NOT_FULL, 1);
      }
      unlockMutex(ctrl, MUTEX);
      if (dropped > 0) wake(ctrl, PUTTERS, NOT_FULL, Infinity);
      Atomics.notify(ctrl, BIG_READ + index);
      Atomics.notify(ctrl, BIG_TAKEN);
      item = inner;
    }
    item = reviveBytes(item);
    if (this.#pickles) checkUnpicklable(item);
    return item;
  }

  put_nowait(item: unknown): void {
    this.put(item, false);
  }

  get_nowait(): unknown {
    return this.get(false);
  }

  /**
   * Wait until the queue holds an item, for at most `timeout` seconds (null: for ever); whether
   * it does (a snapshot, the item is not taken). For readers that poll before they get, as a
   * Pipe's `poll(timeout)`.
   */
  waitNotEmpty(timeout: number | null): boolean {
    const ctrl = this.#ctrl;
    const op: Blocking<boolean> = {
      words: ctrl,
      waiters: GETTERS,
      attempt: (): Step<boolean> => {
        const seq = Atomics.load(ctrl, NOT_EMPTY);
        return Atomics.load(ctrl, COUNT) > 0 ? done(true) : sleepOn(NOT_EMPTY, seq);
      },
      timedOut: () => false,
    };
    return blockSync(op, deadlineOf(true, timeout));
  }

  /** Number of items (a snapshot: other threads may change it at once). */
  qsize(): number {
    return Atomics.load(this.#ctrl, COUNT) + Atomics.load(this.#ctrl, DEFERRED);
  }

  empty(): boolean {
    return Atomics.load(this.#ctrl, COUNT) === 0;
  }

  /** Whether maxsize items are queued (an unbounded queue is never full, even when its ring is). */
  full(): boolean {
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  /**
   * multiprocessing only: this instance (like a multiprocessing.Queue object in
   * one process) will put and get no more; other attached instances go on.
   */
  close(): void {
    // observed: queue.Queue().close() -> AttributeError: 'Queue' object has no attribute 'close'
    if (this.profile === "threading") throw noAttribute("Queue", "close");
    this.#closed = true;
  }

  /**
   * multiprocessing only: join the feeder thread; only after close(). This queue has no feeder (a
   * put's item is in the ring when put returns), so it returns at once, unless an item past a
   * pipe's buffer, this instance's or any instance's ahead of its last item, is still untaken
   * (CPython's feeders share the writer lock, held while such an item is unread): then it waits for
   * ever for those gets. After cancel_join_thread() it returns at once.
   */
  join_thread(): void {
    // observed: queue.Queue().join_thread() -> AttributeError: 'Queue' object has no attribute 'join_thread'
    if (this.profile === "threading") throw noAttribute("Queue", "join_thread");
    // observed: multiprocessing.Queue().join_thread() -> AssertionError: Queue <multiprocessing.queues.Queue object at 0x7f274fefea10> not closed
    if (!this.#closed) throw new PythonError("AssertionError", `Queue ${this.toString()} not closed`);
    if (this.#joinCancelled) return;
    // Wait (for ever) until a get has taken every item past a pipe's buffer that was ahead of, or
    // was, this instance's last item (CPython: its feeder waits for the writer lock behind them).
    for (;;) {
      const taken = Atomics.load(this.#ctrl, BIG_TAKEN);
      if (taken >= this.#bigAhead) return;
      Atomics.wait(this.#ctrl, BIG_TAKEN, taken, 50);
    }
  }

  /**
   * As join_thread() (after close()), without blocking the thread: waits with Atomics.waitAsync
   * for at most `timeout` seconds (null: for ever); true once joined. A Process's child makes it
   * through the broker as it exits (reference/processes/broker.ts), as CPython's exit functions
   * join a Queue's feeder thread.
   */
  async joinThreadAsync(timeout: number | null = null): Promise<boolean> {
    if (this.profile === "threading") throw noAttribute("Queue", "join_thread");
    if (!this.#closed) throw new PythonError("AssertionError", `Queue ${this.toString()} not closed`);
    if (this.#joinCancelled) return true;
    const end = timeout === null ? Infinity : performance.now() + Math.max(0, timeout) * 1000;
    for (;;) {
      const taken = Atomics.load(this.#ctrl, BIG_TAKEN);
      if (taken >= this.#bigAhead) return true;
      const left = end - performance.now();
      if (left <= 0) return false;
      await sleepAsync(this.#ctrl, BIG_TAKEN, taken, Math.min(left, 50));
    }
  }

  /** multiprocessing only: join_thread() returns at once afterwards (it already does here). */
  cancel_join_thread(): void {
    if (this.profile === "threading") throw noAttribute("Queue", "cancel_join_thread");
    this.#joinCancelled = true;
  }

  /** Whether task_done/join exist: JoinableQueue, and queue.Queue in the threading profile. */
  #checkJoinable(name: string): void {
    // observed: multiprocessing.Queue().task_done() -> AttributeError: 'Queue' object has no attribute 'task_done'
    if (this.profile === "multiprocessing" && this.pyName === "Queue") throw noAttribute(this.#className(), name);
  }

  /** Mark one item got earlier as processed; join() returns once every put item is. */
  task_done(): void {
    this.#checkJoinable("task_done");
    const ctrl = this.#ctrl;
    lockMutex(ctrl, MUTEX);
    const unfinished = ctrl[UNFINISHED];
    if (unfinished <= 0) {
      unlockMutex(ctrl, MUTEX);
      // observed: multiprocessing.JoinableQueue().task_done(), queue.Queue().task_done()
      //   -> ValueError: task_done() called too many times
      throw new PythonError("ValueError", "task_done() called too many times");
    }
    ctrl[UNFINISHED] = unfinished - 1;
    if (unfinished === 1) Atomics.add(ctrl, ALL_DONE, 1);
    unlockMutex(ctrl, MUTEX);
    if (unfinished === 1) wake(ctrl, JOINERS, ALL_DONE, Infinity);
  }

  /**
   * Wait until every item put has been marked task_done. Python's join() has no
   * timeout; as an extension, `join(timeout)` gives up after `timeout` seconds
   * and returns whether the queue was joined.
   */
  join(): void;
  join(timeout: number | null): boolean;
  join(timeout?: number | null): boolean | void {
    this.#checkJoinable("join");
    const joined = blockSync(this.#joinOp, deadlineOf(true, checkTimeout(timeout)));
    if (timeout !== undefined) return joined;
  }

  /** `join` without blocking the thread: waits with Atomics.waitAsync. */
  joinAsync(): Promise<void>;
  joinAsync(timeout: number | null): Promise<boolean>;
  async joinAsync(timeout?: number | null): Promise<boolean | void> {
    this.#checkJoinable("join");
    const joined = await blockAsync(this.#joinOp, deadlineOf(true, checkTimeout(timeout)));
    if (timeout !== undefined) return joined;
  }

}

function sharedOf(handle: ObjectHandle): QueueShared {
  return {
    ctrl: new Int32Array(sharedBuffer(handle, "ctrl")),
    data: new Uint8Array(sharedBuffer(handle, "data")),
  };
}

function checkMaxsize(profile: Profile, maxsize: unknown): number {
  // observed: multiprocessing.Queue(1.5) -> TypeError: 'float' object cannot be interpreted as an integer;
  // queue.Queue(1.5) is accepted
  if (profile === "multiprocessing") return checkCInt(maxsize, "maxsize");
  if (typeof maxsize !== "number" || Number.isNaN(maxsize)) throw new TypeError(`maxsize must be a number, not ${String(maxsize)}`);
  return maxsize;
}

/** An item whose pickle is past a pipe's 64 KiB buffer: `{"$repeat": [unit, n]}` (spec/protocol/README.md). */
// An item that is one number, bool, null or short string skips v8.serialize, which cost most of
// a put and a get of one: a tag byte v8.serialize's output never starts with (its first byte is
// the version tag, 0xFF). Strings go as Latin-1 bytes or UTF-16 code units, so a lone surrogate
// survives as it does through v8.serialize.
const V8_VERSION_TAG = 0xff;
const T_NUMBER = 1;
const T_STRING = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NULL = 5;
const T_LATIN1 = 6;
const SHORT_STRING = 1024;

export function encodeItem(item: unknown): Uint8Array {
  if (typeof item === "number") {
    const b = new Uint8Array(9);
    b[0] = T_NUMBER;
    new DataView(b.buffer).setFloat64(1, item, true);
    return b;
  }
  if (typeof item === "string" && item.length <= SHORT_STRING) {
    // One byte per character when every one fits (as v8.serialize's one-byte strings).
    if (isLatin1(item)) {
      const b = new Uint8Array(1 + item.length);
      b[0] = T_LATIN1;
      for (let i = 0; i < item.length; i++) b[i + 1] = item.charCodeAt(i);
      return b;
    }
    const b = new Uint8Array(1 + 2 * item.length);
    b[0] = T_STRING;
    for (let i = 0, j = 1; i < item.length; i++, j += 2) {
      const c = item.charCodeAt(i);
      b[j] = c & 0xff;
      b[j + 1] = c >>> 8;
    }
    return b;
  }
  if (item === true) return Uint8Array.of(T_TRUE);
  if (item === false) return Uint8Array.of(T_FALSE);
  if (item === null) return Uint8Array.of(T_NULL);
  return v8.serialize(item);
}

export function decodeItem(bytes: Uint8Array): unknown {
  switch (bytes[0]) {
    case V8_VERSION_TAG:
      return v8.deserialize(bytes);
    case T_NUMBER:
      return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(1, true);
    case T_STRING: {
      const units = new Array<number>((bytes.length - 1) >>> 1);
      for (let i = 0, j = 1; i < units.length; i++, j += 2) units[i] = bytes[j]! | (bytes[j + 1]! << 8);
      return String.fromCharCode(...units);
    }
    case T_LATIN1:
      return String.fromCharCode(...bytes.subarray(1));
    case T_TRUE:
      return true;
    case T_FALSE:
      return false;
    case T_NULL:
      return null;
    default:
      throw new Error(`queue item with unknown tag ${bytes[0]}: the ring is corrupt`);
  }
}

const NUMBER_BYTES = 9;
// A number's bytes pass through these where a frame wraps (one thread's code runs one attempt at a time).
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

/** The ring's bytes, with a DataView and a Buffer on the same memory (for numbers and text without a copy). */
interface Ring {
  bytes: Uint8Array;
  view: DataView;
  text: Buffer;
  cap: number;
}

function ringOf(data: Uint8Array): Ring {
  return {
    bytes: data,
    view: new DataView(data.buffer, data.byteOffset, data.byteLength),
    text: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    cap: data.byteLength,
  };
}

/**
 * Writes one frame at `pos` (wrapping at the ring's end): the 4-byte length `n`, then the item's
 * bytes, or, for a number or a short Latin-1 string, its encodeItem form. A frame that does not
 * wrap is written with no modulo per byte; a small one byte by byte (set() and subarray() cost
 * more than the copy for a few bytes). This runs under the queue's mutex: every cycle here is a
 * cycle the other side waits.
 */
function writeFrame(r: Ring, pos: number, bytes: Uint8Array | number | string, n: number): void {
  const { bytes: ring, cap } = r;
  if (pos + HEADER + n <= cap) {
    r.view.setUint32(pos, n, true);
    const at = pos + HEADER;
    if (typeof bytes === "number") {
      ring[at] = T_NUMBER;
      r.view.setFloat64(at + 1, bytes, true);
    } else if (typeof bytes === "string") {
      ring[at] = T_LATIN1;
      for (let i = 0; i < bytes.length; i++) ring[at + 1 + i] = bytes.charCodeAt(i);
    } else if (n <= SMALL_FRAME) {
      for (let i = 0; i < n; i++) ring[at + i] = bytes[i]!;
    } else ring.set(bytes, at);
    return;
  }
  ring[pos] = n & 0xff;
  ring[(pos + 1) % cap] = (n >>> 8) & 0xff;
  ring[(pos + 2) % cap] = (n >>> 16) & 0xff;
  ring[(pos + 3) % cap] = n >>> 24;
  let at = (pos + HEADER) % cap;
  if (typeof bytes === "number") {
    ring[at] = T_NUMBER;
    f64[0] = bytes;
    for (let i = 0; i < 8; i++) ring[(at + 1 + i) % cap] = f64Bytes[i]!;
  } else if (typeof bytes === "string") {
    ring[at] = T_LATIN1;
    at = at + 1 === cap ? 0 : at + 1;
    for (let i = 0; i < bytes.length; i++, at = at + 1 === cap ? 0 : at + 1) ring[at] = bytes.charCodeAt(i);
  } else writeRing(ring, at, bytes);
}

/** The length word of the frame at `pos`. */
function frameLength(r: Ring, pos: number): number {
  const { bytes: ring, cap } = r;
  if (pos + HEADER <= cap) return r.view.getUint32(pos, true);
  return ring[pos]! | (ring[(pos + 1) % cap]! << 8) | (ring[(pos + 2) % cap]! << 16) | (ring[(pos + 3) % cap]! << 24);
}

/** Whether `v` goes into the ring as a short Latin-1 string (encodeItem's T_LATIN1 form). */
function isShortLatin1(v: unknown): v is string {
  return typeof v === "string" && v.length <= SMALL_FRAME && isLatin1(v);
}

/** Whether every character of `s` fits one byte. */
function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

/** An item taken out of the ring still in its bytes, decoded after the mutex is released. */
class Encoded {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * The item of `length` bytes at `pos`: a number, bool, None or Latin-1 string decoded at once
 * (no buffer of its own; `text` is the ring as a Buffer), any other item as its bytes (`Encoded`).
 */
function readItem(r: Ring, pos: number, length: number): unknown {
  const { bytes: ring, cap } = r;
  const tag = ring[pos];
  const whole = pos + length <= cap;
  if (tag === T_NUMBER && length === NUMBER_BYTES) {
    if (whole) return r.view.getFloat64(pos + 1, true);
    for (let i = 0; i < 8; i++) f64Bytes[i] = ring[(pos + 1 + i) % cap]!;
    return f64[0];
  }
  if (tag === T_LATIN1 && whole) return r.text.toString("latin1", pos + 1, pos + length);
  if (length === 1 && (tag === T_TRUE || tag === T_FALSE || tag === T_NULL)) return tag === T_NULL ? null : tag === T_TRUE;
  return new Encoded(readRing(ring, pos, length));
}

function decodeTaken(taken: unknown): unknown {
  return taken instanceof Encoded ? decodeItem(taken.bytes) : taken;
}

const SMALL_FRAME = 64;

function isPastPipeBuffer(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "$repeat" in v;
}

function checkCapacity(capacity: unknown): number {
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 16 || capacity > 0x7fffffff) {
    throw new RangeError(`capacity must be an integer number of bytes in [16, 2**31-1], not ${String(capacity)}`);
  }
  return capacity;
}

// Copy `bytes` into the ring at `pos`, wrapping at its end.
function writeRing(ring: Uint8Array, pos: number, bytes: Uint8Array): void {
  const first = Math.min(bytes.length, ring.length - pos);
  ring.set(bytes.subarray(0, first), pos);
  if (first < bytes.length) ring.set(bytes.subarray(first), 0);
}

// Copy `length` bytes out of the ring from `pos`, wrapping at its end.
function readRing(ring: Uint8Array, pos: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  const first = Math.min(length, ring.length - pos);
  out.set(ring.subarray(pos, pos + first));
  if (first < length) out.set(ring.subarray(0, length - first), first);
  return out;
}

/**
 * A FIFO queue (multiprocessing.Queue, or queue.Queue in the threading profile,
 * which also has task_done/join). maxsize <= 0 means unbounded.
 */
export class Queue extends QueueBase {
  protected readonly pyName = "Queue";

  /** @param shared internal: the memory of an existing queue (see `Queue.attach`). */
  constructor(maxsize: number = 0, options: QueueOptions = {}, shared?: QueueShared) {
    super(maxsize, options, shared);
  }

  /** Rebuild a queue from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Queue {
    const profile = checkHandle(handle, "Queue");
    return new Queue(handle.maxsize as number, { profile, pickles: handle.pickles !== false }, sharedOf(handle));
  }
}

/**
 * A queue that also counts unfinished tasks (multiprocessing.JoinableQueue;
 * queue.Queue in the threading profile): every put adds one, task_done()
 * removes one, join() waits for none.
 */
export class JoinableQueue extends QueueBase {
  protected readonly pyName = "JoinableQueue";

  /** @param shared internal: the memory of an existing queue (see `JoinableQueue.attach`). */
  constructor(maxsize: number = 0, options: QueueOptions = {}, shared?: QueueShared) {
    super(maxsize, options, shared);
  }

  /** Rebuild a queue from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): JoinableQueue {
    const profile = checkHandle(handle, "JoinableQueue");
    return new JoinableQueue(handle.maxsize as number, { profile, pickles: handle.pickles !== false }, sharedOf(handle));
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "Queue", arity: 1, make: (a, o) => new Queue(arg(a, 0), o), attach: Queue.attach },
  { primitive: "JoinableQueue", arity: 1, make: (a, o) => new JoinableQueue(arg(a, 0), o), attach: JoinableQueue.attach },
];
