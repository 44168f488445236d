/**
 * Lock and RLock shared across worker threads.
 *
 * Both are lock-free on the fast path (one compare-and-swap) and sleep on
 * their state word when contended; a waiter counter lets release skip the
 * notify when nobody sleeps.
 */
import { threadId } from "node:worker_threads";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import {
  blockAsync,
  blockSync,
  deadlineOf,
  done,
  sleepOn,
  sharedWords,
  wake,
  type Blocking,
  type Step,
} from "./futex.js";
import {
  checkHandle,
  checkProfile,
  checkTimeout,
  noAttribute,
  sharedBuffer,
  type PrimitiveOptions,
  type Profile,
} from "./profile.js";
import { type Factory } from "./factory.js";

const ACQUIRED: Step<boolean> = done(true);

/**
 * Deadline of a lock acquire, validating arguments as the profile's CPython does.
 * threading.Lock/RLock spell "no timeout" as -1 (null means the same here);
 * multiprocessing ignores the timeout of a non-blocking call and treats a
 * negative one as 0.
 */
export function lockDeadline(profile: Profile, block: unknown, timeout: unknown): number {
  return deadlineOf(Boolean(block), lockTimeout(profile, block, timeout));
}

/** The seconds an acquire may wait (null: for ever), its arguments checked as the profile's Python does. */
export function lockTimeout(profile: Profile, block: unknown, timeout: unknown): number | null {
  const t = checkTimeout(timeout);
  if (profile === "threading") {
    const given = t !== null && t !== -1;
    // observed: threading.Lock().acquire(False, 0.1) -> ValueError: can't specify a timeout for a non-blocking call
    if (!Boolean(block) && given) throw new PythonError("ValueError", "can't specify a timeout for a non-blocking call");
    // observed: threading.Lock().acquire(True, -2) -> ValueError: timeout value must be positive
    if (given && t < 0) throw new PythonError("ValueError", "timeout value must be positive");
    return given ? t : null;
  }
  return t;
}

// Word layout of a Lock.
const L_STATE = 0; // 0 unlocked, else the acquirer's threadId + 1 (the main thread is threadId 0)
const L_WAITERS = 1;
const L_WORDS = 2;

/**
 * A non-recursive lock (multiprocessing.Lock / threading.Lock). Any thread may
 * release it, not only the one that acquired it.
 */
export class Lock implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;
  readonly #me = threadId + 1;
  readonly #acquireOp: Blocking<boolean>;

  /** @param shared internal: the words of an existing lock (see `Lock.attach`). */
  constructor(options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    const words = (this.#words = shared ?? sharedWords(L_WORDS));
    const me = this.#me;
    this.#acquireOp = {
      words,
      waiters: L_WAITERS,
      attempt: (): Step<boolean> => {
        const seen = Atomics.compareExchange(words, L_STATE, 0, me);
        return seen === 0 ? ACQUIRED : sleepOn(L_STATE, seen);
      },
      timedOut: () => false,
    };
  }

  /** Rebuild a lock from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Lock {
    const profile = checkHandle(handle, "Lock");
    return new Lock({ profile }, new Int32Array(sharedBuffer(handle, "state")));
  }

  handle(): ObjectHandle {
    return { primitive: "Lock", profile: this.profile, state: this.#words.buffer };
  }

  /**
   * Acquire the lock; returns whether it was acquired. `timeout` is in seconds,
   * null = wait forever. Blocks the thread (Atomics.wait): use `acquireAsync`
   * on a thread with an event loop to keep.
   */
  acquire(block: boolean = true, timeout: number | null = null): boolean {
    // A free lock is taken before the clock is read (reading it costs more than the take);
    // the arguments are checked first all the same: a bad timeout raises on a free lock too.
    const seconds = lockTimeout(this.profile, block, timeout);
    if (Atomics.compareExchange(this.#words, L_STATE, 0, this.#me) === 0) return true;
    return blockSync(this.#acquireOp, deadlineOf(Boolean(block), seconds));
  }

  /** `acquire` without blocking the thread: waits with Atomics.waitAsync. */
  async acquireAsync(block: boolean = true, timeout: number | null = null): Promise<boolean> {
    return blockAsync(this.#acquireOp, lockDeadline(this.profile, block, timeout));
  }

  /**
   * Internal (multiprocessing's SemLock._is_mine, for Condition): whether the lock is held
   * and this thread is the one that acquired it.
   */
  _is_mine(): boolean {
    return Atomics.load(this.#words, L_STATE) === this.#me;
  }

  /** Release the lock, from any thread. Raises if it is not locked. */
  release(): void {
    if (Atomics.exchange(this.#words, L_STATE, 0) === 0) {
      throw this.profile === "threading"
        ? // observed: threading.Lock().release() -> RuntimeError: release unlocked lock
          new PythonError("RuntimeError", "release unlocked lock")
        : // observed: multiprocessing.Lock().release() -> ValueError: semaphore or lock released too many times
          new PythonError("ValueError", "semaphore or lock released too many times");
    }
    wake(this.#words, L_WAITERS, L_STATE, 1);
  }

  /** threading.Lock.locked(): whether the lock is held (the threading profile only). */
  locked(): boolean {
    // observed: hasattr(multiprocessing.Lock(), 'locked') -> False (Python 3.11)
    if (this.profile !== "threading") throw noAttribute("Lock", "locked");
    return Atomics.load(this.#words, L_STATE) !== 0;
  }

  /** `with lock:` entry: acquire(True), for as long as it takes; returns True. */
  __enter__(): boolean {
    return this.acquire(true, null);
  }

  /** `with lock:` exit: release(); returns None (exceptions are not suppressed). */
  __exit__(_type?: unknown, _value?: unknown, _tb?: unknown): null {
    this.release();
    return null;
  }
}

// Word layout of an RLock.
const R_OWNER = 0; // 0 = free, else the owner's threadId + 1 (the main thread is threadId 0)
const R_COUNT = 1; // recursion depth; only the owner touches it
const R_WAITERS = 2;
const R_WORDS = 3;

/**
 * A re-entrant lock (multiprocessing.RLock / threading.RLock). The owner is a
 * thread (`threadId` of node:worker_threads): it may acquire again, and only it
 * may release. Async callers on one thread share that thread's ownership, as
 * Python coroutines on one thread would.
 */
export class RLock implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;
  readonly #me = threadId + 1;
  readonly #acquireOp: Blocking<boolean>;

  /** @param shared internal: the words of an existing lock (see `RLock.attach`). */
  constructor(options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    const words = (this.#words = shared ?? sharedWords(R_WORDS));
    const me = this.#me;
    this.#acquireOp = {
      words,
      waiters: R_WAITERS,
      attempt: (): Step<boolean> => {
        let owner = Atomics.load(words, R_OWNER);
        if (owner === me) {
          Atomics.add(words, R_COUNT, 1);
          return ACQUIRED;
        }
        if (owner === 0) {
          owner = Atomics.compareExchange(words, R_OWNER, 0, me);
          if (owner === 0) {
            Atomics.store(words, R_COUNT, 1);
            return ACQUIRED;
          }
        }
        return sleepOn(R_OWNER, owner);
      },
      timedOut: () => false,
    };
  }

  /** Rebuild a lock from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): RLock {
    const profile = checkHandle(handle, "RLock");
    return new RLock({ profile }, new Int32Array(sharedBuffer(handle, "state")));
  }

  handle(): ObjectHandle {
    return { primitive: "RLock", profile: this.profile, state: this.#words.buffer };
  }

  /** Acquire (again, if this thread owns it); returns whether it was acquired. Timeout in seconds, null = forever. */
  acquire(block: boolean = true, timeout: number | null = null): boolean {
    return blockSync(this.#acquireOp, lockDeadline(this.profile, block, timeout));
  }

  /** `acquire` without blocking the thread: waits with Atomics.waitAsync. */
  async acquireAsync(block: boolean = true, timeout: number | null = null): Promise<boolean> {
    return blockAsync(this.#acquireOp, lockDeadline(this.profile, block, timeout));
  }

  /** Internal (SemLock._is_mine, RLock._is_owned, for Condition): whether this thread owns the lock. */
  _is_mine(): boolean {
    return Atomics.load(this.#words, R_OWNER) === this.#me;
  }

  /** Internal (SemLock._count, for Condition): this thread's recursion level (0 if it does not own the lock). */
  _count(): number {
    return this._is_mine() ? Atomics.load(this.#words, R_COUNT) : 0;
  }

  /** Undo one acquire of the owning thread; the last one frees the lock. */
  release(): void {
    const words = this.#words;
    if (Atomics.load(words, R_OWNER) !== this.#me) {
      throw this.profile === "threading"
        ? // observed: threading.RLock().release() (also from a non-owner thread) -> RuntimeError: cannot release un-acquired lock
          new PythonError("RuntimeError", "cannot release un-acquired lock")
        : // observed: multiprocessing.RLock().release() (also from a non-owner thread)
          //   -> AssertionError: attempt to release recursive lock not owned by thread
          new PythonError("AssertionError", "attempt to release recursive lock not owned by thread");
    }
    if (Atomics.sub(words, R_COUNT, 1) === 1) {
      Atomics.store(words, R_OWNER, 0);
      wake(words, R_WAITERS, R_OWNER, 1);
    }
  }

  /** `with rlock:` entry: acquire(True) (again, if this thread owns it); returns True. */
  __enter__(): boolean {
    return this.acquire(true, null);
  }

  /** `with rlock:` exit: release(); returns None. */
  __exit__(_type?: unknown, _value?: unknown, _tb?: unknown): null {
    this.release();
    return null;
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "Lock", arity: 0, make: (_, o) => new Lock(o), attach: Lock.attach },
  { primitive: "RLock", arity: 0, make: (_, o) => new RLock(o), attach: RLock.attach },
];
