/**
 * Semaphore and BoundedSemaphore shared across worker threads: one counter
 * word, taken with compare-and-swap and slept on while it is zero.
 */
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
  checkCInt,
  checkHandle,
  checkProfile,
  checkTimeout,
  noAttribute,
  SEM_VALUE_MAX,
  sharedBuffer,
  type PrimitiveOptions,
  type Profile,
} from "./profile.js";
import { arg, type Factory } from "./factory.js";

const ACQUIRED: Step<boolean> = done(true);

const VALUE = 0;
const WAITERS = 1;
const WORDS = 2;

/** Shared implementation; `bound` is the BoundedSemaphore's initial value, or null. */
abstract class SemaphoreBase implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;
  readonly #bound: number | null;
  readonly #acquireOp: Blocking<boolean>;
  protected abstract readonly pyName: "Semaphore" | "BoundedSemaphore";

  protected constructor(value: unknown, options: PrimitiveOptions, bounded: boolean, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    const initial = checkInitial(this.profile, value);
    this.#bound = bounded ? initial : null;
    const words = (this.#words = shared ?? sharedWords(WORDS));
    if (!shared) words[VALUE] = initial;
    this.#acquireOp = {
      words,
      waiters: WAITERS,
      attempt: (): Step<boolean> => {
        let v = Atomics.load(words, VALUE);
        while (v > 0) {
          const seen = Atomics.compareExchange(words, VALUE, v, v - 1);
          if (seen === v) return ACQUIRED;
          v = seen;
        }
        return sleepOn(VALUE, v);
      },
      timedOut: () => false,
    };
  }

  handle(): ObjectHandle {
    return { primitive: this.pyName, profile: this.profile, state: this.#words.buffer, bound: this.#bound };
  }

  #deadline(block: unknown, timeout: unknown): number {
    const t = checkTimeout(timeout);
    const blocking = Boolean(block);
    // observed: threading.Semaphore().acquire(False, 0.1) -> ValueError: can't specify timeout for non-blocking acquire
    // (multiprocessing ignores the timeout of a non-blocking call; both treat a negative timeout as 0)
    if (this.profile === "threading" && !blocking && t !== null) {
      throw new PythonError("ValueError", "can't specify timeout for non-blocking acquire");
    }
    return deadlineOf(blocking, t);
  }

  /** Decrement the counter, waiting while it is zero; returns whether it was decremented. Timeout in seconds, null = forever. */
  acquire(block: boolean = true, timeout: number | null = null): boolean {
    return blockSync(this.#acquireOp, this.#deadline(block, timeout));
  }

  /** `acquire` without blocking the thread: waits with Atomics.waitAsync. */
  async acquireAsync(block: boolean = true, timeout: number | null = null): Promise<boolean> {
    return blockAsync(this.#acquireOp, this.#deadline(block, timeout));
  }

  /**
   * Increment the counter, waking a waiter. `n` exists in the threading profile
   * only (threading.Semaphore.release(n=1)); the increment is all-or-nothing.
   * `null` (or no argument) is release() without n: the executor fills in every
   * argument, the spec's default (null) standing for "left out".
   */
  release(n?: number | null): void {
    const threading = this.profile === "threading";
    if (!threading && n !== undefined && n !== null) {
      // observed: multiprocessing.Semaphore().release(2) -> TypeError: SemLock.release() takes no arguments (1 given)
      throw new PythonError("TypeError", "SemLock.release() takes no arguments (1 given)");
    }
    const count = n ?? 1;
    if (typeof count !== "number" || !Number.isInteger(count)) throw new TypeError(`n must be an integer, not ${String(n)}`);
    // observed: threading.Semaphore().release(0) -> ValueError: n must be one or more
    if (count < 1) throw new PythonError("ValueError", "n must be one or more");
    const limit = this.#bound ?? SEM_VALUE_MAX;
    const words = this.#words;
    let v = Atomics.load(words, VALUE);
    for (;;) {
      if (v > limit - count) throw this.#tooMany();
      const seen = Atomics.compareExchange(words, VALUE, v, v + count);
      if (seen === v) break;
      v = seen;
    }
    wake(words, WAITERS, VALUE, count);
  }

  /** `with semaphore:` entry: acquire(True), for as long as it takes; returns True. */
  __enter__(): boolean {
    return this.acquire(true, null);
  }

  /** `with semaphore:` exit: release() (no n); returns None (exceptions are not suppressed). */
  __exit__(_type?: unknown, _value?: unknown, _tb?: unknown): null {
    this.release();
    return null;
  }

  #tooMany(): Error {
    if (this.profile === "multiprocessing") {
      // observed: multiprocessing.BoundedSemaphore().release(), multiprocessing.Semaphore(2**31-1).release()
      //   -> ValueError: semaphore or lock released too many times
      return new PythonError("ValueError", "semaphore or lock released too many times");
    }
    // observed: threading.BoundedSemaphore().release() -> ValueError: Semaphore released too many times
    if (this.#bound !== null) return new PythonError("ValueError", "Semaphore released too many times");
    // Python ints are unbounded; our counter is an Int32 word.
    return new RangeError(`semaphore value would exceed ${SEM_VALUE_MAX}`);
  }

  /** The counter (multiprocessing profile only; threading semaphores have no get_value). */
  get_value(): number {
    // observed: threading.Semaphore().get_value() -> AttributeError: 'Semaphore' object has no attribute 'get_value'
    if (this.profile === "threading") throw noAttribute(this.pyName, "get_value");
    return Atomics.load(this.#words, VALUE);
  }
}

function checkInitial(profile: Profile, value: unknown): number {
  if (profile === "multiprocessing") {
    const v = checkCInt(value, "value");
    // observed: multiprocessing.Semaphore(-1) -> OSError: [Errno 22] Invalid argument
    if (v < 0) throw new PythonError("OSError", "[Errno 22] Invalid argument");
    return v;
  }
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`value must be a number, not ${String(value)}`);
  // observed: threading.Semaphore(-1) -> ValueError: semaphore initial value must be >= 0
  if (value < 0) throw new PythonError("ValueError", "semaphore initial value must be >= 0");
  // threading accepts any number; the shared counter holds an Int32.
  if (!Number.isInteger(value) || value > SEM_VALUE_MAX) {
    throw new RangeError(`semaphore value must be an integer in [0, ${SEM_VALUE_MAX}], not ${value}`);
  }
  return value;
}

/** A counting semaphore (multiprocessing.Semaphore / threading.Semaphore). */
export class Semaphore extends SemaphoreBase {
  protected readonly pyName = "Semaphore";

  /** @param shared internal: the words of an existing semaphore (see `Semaphore.attach`). */
  constructor(value: number = 1, options: PrimitiveOptions = {}, shared?: Int32Array) {
    super(value, options, false, shared);
  }

  /** Rebuild a semaphore from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Semaphore {
    const profile = checkHandle(handle, "Semaphore");
    return new Semaphore(0, { profile }, new Int32Array(sharedBuffer(handle, "state")));
  }
}

/**
 * A semaphore whose counter may not exceed its initial value
 * (multiprocessing.BoundedSemaphore / threading.BoundedSemaphore).
 */
export class BoundedSemaphore extends SemaphoreBase {
  protected readonly pyName = "BoundedSemaphore";

  /** @param shared internal: the words of an existing semaphore (see `BoundedSemaphore.attach`). */
  constructor(value: number = 1, options: PrimitiveOptions = {}, shared?: Int32Array) {
    super(value, options, true, shared);
  }

  /** Rebuild a semaphore from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): BoundedSemaphore {
    const profile = checkHandle(handle, "BoundedSemaphore");
    return new BoundedSemaphore(handle.bound as number, { profile }, new Int32Array(sharedBuffer(handle, "state")));
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "Semaphore", arity: 1, make: (a, o) => new Semaphore(arg(a, 0), o), attach: Semaphore.attach },
  { primitive: "BoundedSemaphore", arity: 1, make: (a, o) => new BoundedSemaphore(arg(a, 0), o), attach: BoundedSemaphore.attach },
];
