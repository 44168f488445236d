/**
 * Condition shared across worker threads (multiprocessing.Condition /
 * threading.Condition), over a Lock or RLock of this module.
 *
 * The algorithm is threading.Condition's (Lib/threading.py): waiters queue up
 * in order, each on a slot word of a ring in shared memory (FREE, WAITING,
 * NOTIFIED, GHOST), guarded by an internal mutex. wait() checks that the caller
 * holds the lock, takes a slot, releases the lock all the way (an RLock as many
 * times as this thread holds it), sleeps on its slot until a notify marks it or
 * its timeout passes, takes the lock back at the old depth, and only then frees
 * its slot. notify(n) marks the first n slots still WAITING, in order, at once.
 * As in CPython, a wait that timed out keeps its slot until it holds the lock
 * again, so a notify in between may count it among its n.
 *
 * Ownership, as each profile's CPython tests it: an RLock's owner
 * (RLock._is_mine); multiprocessing Lock: held, and by the thread that acquired
 * it (SemLock._is_mine); threading Lock: held by anyone, found out by trying
 * acquire(False) and releasing again (threading.Condition._is_owned). A
 * threading wait whose release of the Lock fails (someone else released it
 * since the test) leaves its slot behind as a GHOST, which a later notify counts
 * and frees, as CPython leaves its waiter in the list.
 *
 * wait_for(predicate, timeout) takes a function, or a callable value
 * (`{"$callable": "return", "value": V}`, see reference/callables.ts).
 */
import { checkCallable, resolveCallable } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { blockAsync, blockSync, deadlineOf, done, lockMutex, now, sharedWords, sleepOn, unlockMutex, wake, type Blocking, type Step } from "./futex.js";
import { Lock, RLock } from "./lock.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";

// Word layout.
const MUTEX = 0;
const HEAD = 1; // oldest ticket that may still be WAITING or GHOST
const TAIL = 2; // next ticket
const SLEEPERS = 3; // threads asleep (or about to sleep) on a slot
const RING = 4;
/** Waits (and ghosts) one condition can hold at once. */
export const CONDITION_SLOTS = 64;
const WORDS = RING + CONDITION_SLOTS;

// Slot states.
const FREE = 0;
const WAITING = 1;
const NOTIFIED = 2;
const GHOST = 3;

type AnyLock = Lock | RLock;

export class Condition implements SharedPrimitive {
  readonly profile: Profile;
  /** The underlying lock. */
  readonly lock: AnyLock;
  readonly #words: Int32Array;

  /**
   * @param lock a Lock or RLock of this module; null makes an RLock (as Python does).
   * @param shared internal: the words of an existing condition (see `Condition.attach`).
   */
  constructor(lock: AnyLock | null = null, options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    if (lock !== null && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new TypeError(`Condition's lock must be a Lock or an RLock of the reference implementation, not ${String(lock)}`);
    }
    this.lock = lock ?? new RLock({ profile: this.profile });
    this.#words = shared ?? sharedWords(WORDS);
  }

  /** Rebuild a condition (and its lock) from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Condition {
    const profile = checkHandle(handle, "Condition");
    const lh = handle.lock as ObjectHandle;
    const lock = lh?.primitive === "Lock" ? Lock.attach(lh) : RLock.attach(lh);
    return new Condition(lock, { profile }, new Int32Array(sharedBuffer(handle, "state")));
  }

  handle(): ObjectHandle {
    return { primitive: "Condition", profile: this.profile, state: this.#words.buffer, lock: this.lock.handle() };
  }

  /** The underlying lock's acquire. */
  acquire(block: boolean = true, timeout: number | null = null): boolean {
    return this.lock.acquire(block, timeout);
  }

  /** The underlying lock's acquireAsync. */
  acquireAsync(block: boolean = true, timeout: number | null = null): Promise<boolean> {
    return this.lock.acquireAsync(block, timeout);
  }

  /** The underlying lock's release. */
  release(): void {
    this.lock.release();
  }

  /** `with cond:` entry: the underlying lock's __enter__ (acquire(True), for as long as it takes); returns True. */
  __enter__(): boolean {
    return this.lock.__enter__();
  }

  /** `with cond:` exit: the underlying lock's __exit__ (release()); returns None (exceptions are not suppressed). */
  __exit__(type?: unknown, value?: unknown, tb?: unknown): null {
    return this.lock.__exit__(type, value, tb);
  }

  // --- ownership ----------------------------------------------------------------

  /** Raise the profile's error unless the caller holds the lock (see the module comment). */
  #checkOwned(what: "wait" | "notify"): void {
    if (this.#owned()) return;
    if (this.profile === "threading") throw new PythonError("RuntimeError", `cannot ${what} on un-acquired lock`);
    // observed: multiprocessing.Condition().wait() -> AssertionError: must acquire() condition before using wait()
    // observed: multiprocessing.Condition().notify() -> AssertionError: lock is not owned
    throw new PythonError("AssertionError", what === "wait" ? "must acquire() condition before using wait()" : "lock is not owned");
  }

  #owned(): boolean {
    if (this.lock instanceof RLock || this.profile === "multiprocessing") return this.lock._is_mine();
    // threading.Condition._is_owned for a Lock: held by anyone counts; a free one is taken and
    // given back (whose release raises if another thread released it meanwhile).
    if (this.lock.acquire(false)) {
      this.lock.release();
      return false;
    }
    return true;
  }

  // --- the waiter ring ------------------------------------------------------------

  #slot(ticket: number): number {
    return RING + (ticket % CONDITION_SLOTS);
  }

  /** Take the next slot, WAITING. */
  #enqueue(): number {
    const w = this.#words;
    lockMutex(w, MUTEX);
    try {
      const ticket = w[TAIL];
      const i = this.#slot(ticket);
      if (w[i] !== FREE) throw new RangeError(`more than ${CONDITION_SLOTS} waits on one Condition at once`);
      Atomics.store(w, i, WAITING);
      w[TAIL] = ticket + 1;
      return ticket;
    } finally {
      unlockMutex(w, MUTEX);
    }
  }

  /** Set a slot's state under the mutex (FREE: the wait is over; GHOST: left behind). */
  #settle(ticket: number, state: number): void {
    const w = this.#words;
    lockMutex(w, MUTEX);
    Atomics.store(w, this.#slot(ticket), state);
    this.#advance();
    unlockMutex(w, MUTEX);
  }

  // Under the mutex: move HEAD past slots no notify will count again.
  #advance(): void {
    const w = this.#words;
    while (w[HEAD] < w[TAIL]) {
      const st = w[this.#slot(w[HEAD])];
      if (st === WAITING || st === GHOST) break;
      w[HEAD] += 1;
    }
  }

  #sleepOp(ticket: number): Blocking<boolean> {
    const w = this.#words;
    const i = this.#slot(ticket);
    return {
      words: w,
      waiters: SLEEPERS,
      attempt: (): Step<boolean> => (Atomics.load(w, i) === NOTIFIED ? done(true) : sleepOn(i, WAITING)),
      // Timed out, unless a notify got there first; the slot stays WAITING until it is freed.
      timedOut: () => Atomics.load(w, i) === NOTIFIED,
    };
  }

  /** Release the lock all the way; returns how many times to acquire it back. A failed release leaves a ghost. */
  #releaseAll(ticket: number): number {
    const lock = this.lock;
    if (lock instanceof RLock) {
      const count = lock._count();
      for (let k = 0; k < count; k++) lock.release();
      return count;
    }
    try {
      lock.release();
    } catch (e) {
      this.#settle(ticket, GHOST);
      throw e;
    }
    return 1;
  }

  #waitDeadline(timeout: unknown): number {
    const t = checkTimeout(timeout);
    return deadlineOf(true, t === null ? null : Math.max(0, t));
  }

  /**
   * Wait until notified or until `timeout` seconds have passed (null: for ever);
   * returns True if notified. The caller must hold the lock; it holds it again,
   * at the same depth, when this returns. Blocks the thread (Atomics.wait).
   */
  wait(timeout: number | null = null): boolean {
    const deadline = this.#waitDeadline(timeout);
    this.#checkOwned("wait");
    const ticket = this.#enqueue();
    const count = this.#releaseAll(ticket);
    let notified = false;
    try {
      notified = blockSync(this.#sleepOp(ticket), deadline);
    } finally {
      for (let k = 0; k < count; k++) this.lock.acquire(true, null);
      this.#settle(ticket, FREE);
    }
    return notified;
  }

  /** `wait` without blocking the thread: waits with Atomics.waitAsync. */
  async waitAsync(timeout: number | null = null): Promise<boolean> {
    const deadline = this.#waitDeadline(timeout);
    this.#checkOwned("wait");
    const ticket = this.#enqueue();
    const count = this.#releaseAll(ticket);
    let notified = false;
    try {
      notified = await blockAsync(this.#sleepOp(ticket), deadline);
    } finally {
      for (let k = 0; k < count; k++) await this.lock.acquireAsync(true, null);
      this.#settle(ticket, FREE);
    }
    return notified;
  }

  /**
   * Wait until `predicate()` is truthy (in Python's sense, `pyTruthy`), at most `timeout`
   * seconds; returns its last value. A true predicate returns at once, without looking at the
   * lock (as CPython).
   */
  wait_for(predicate: unknown, timeout: number | null = null): unknown {
    const p = predicateOf(predicate);
    const next = this.#waitTimes(checkTimeout(timeout));
    let result = p();
    while (!pyTruthy(result)) {
      const waittime = next();
      if (waittime === undefined) break;
      this.wait(waittime);
      result = p();
    }
    return result;
  }

  /** `wait_for` without blocking the thread. */
  async waitForAsync(predicate: unknown, timeout: number | null = null): Promise<unknown> {
    const p = predicateOf(predicate);
    const next = this.#waitTimes(checkTimeout(timeout));
    let result = p();
    while (!pyTruthy(result)) {
      const waittime = next();
      if (waittime === undefined) break;
      await this.waitAsync(waittime);
      result = p();
    }
    return result;
  }

  /**
   * The timeout of each wait of wait_for (null: none), or undefined once time is up, as each
   * profile's CPython computes it: threading waits `timeout` first, then what is left;
   * multiprocessing computes what is left before every wait (so a timeout of 0 never waits).
   */
  #waitTimes(timeout: number | null): () => number | null | undefined {
    if (timeout === null) return () => null;
    let endtime: number | null = this.profile === "multiprocessing" ? now() + timeout * 1000 : null;
    return () => {
      if (endtime === null) {
        endtime = now() + timeout * 1000;
        return timeout;
      }
      const left = (endtime - now()) / 1000;
      return left <= 0 ? undefined : left;
    };
  }

  /** Wake the first `n` waits, in the order they started. The caller must hold the lock. */
  notify(n: number = 1): void {
    if (typeof n !== "number" || Number.isNaN(n)) throw new TypeError(`n must be a number, not ${String(n)}`);
    this.#checkOwned("notify");
    const w = this.#words;
    lockMutex(w, MUTEX);
    try {
      let woken = 0;
      for (let t = w[HEAD]; t < w[TAIL] && woken < n; t++) {
        const i = this.#slot(t);
        if (w[i] === WAITING) {
          Atomics.store(w, i, NOTIFIED);
          wake(w, SLEEPERS, i, 1);
          woken++;
        } else if (w[i] === GHOST) {
          Atomics.store(w, i, FREE); // counted and dropped, as CPython's stale waiter
          woken++;
        }
      }
      this.#advance();
    } finally {
      unlockMutex(w, MUTEX);
    }
  }

  /** Wake every wait. The caller must hold the lock. */
  notify_all(): void {
    this.notify(Infinity);
  }
}

/**
 * Python's truth value of what a predicate returned: None, False, 0, '' and empty lists and
 * dicts are false (JavaScript would take [] and {} as true).
 */
export function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === "object") return Object.keys(v).length > 0;
  return Boolean(v);
}

function predicateOf(predicate: unknown): (...a: unknown[]) => unknown {
  if (typeof predicate === "function") return predicate as (...a: unknown[]) => unknown;
  return resolveCallable(checkCallable(predicate));
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  // lock: null/undefined (an RLock is made), or a Lock or RLock object built by `$new`.
  { primitive: "Condition", arity: 1, make: (a, o) => new Condition((a[0] ?? null) as unknown as Lock | RLock | null, o), attach: Condition.attach },

];
