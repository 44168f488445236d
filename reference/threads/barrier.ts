/**
 * Barrier shared across worker threads (multiprocessing.Barrier / threading.Barrier).
 *
 * The algorithm is CPython's (Lib/threading.py, class Barrier), over a few
 * Int32 words instead of a Condition: an internal mutex guards the state and
 * the count; "the condition" is a sequence word that every notify_all bumps
 * and sleepers Atomics.wait on, having read it under the mutex (so a notify
 * between their unlock and their sleep is never lost).
 *
 * States, as CPython numbers them: 0 filling, 1 draining (a generation is
 * complete and its parties are leaving), -1 resetting (reset() woke the
 * waiters, which leave with BrokenBarrierError), -2 broken. A wait arrives
 * while filling, taking index = count; the party that makes count reach
 * `parties` runs the action and releases the generation, all under the mutex.
 * Parties arriving while the barrier drains or resets wait (with no timeout,
 * as in CPython) until the last party of the old generation has left.
 */
import type { JsonValue } from "../../spec/format.js";
import { checkCallable, inThreadObjects, resolveCallable, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { isInterrupted, lockMutex, now, remaining, sharedWords, SPIN_LOADS, unlockMutex, waitWord } from "./futex.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";

// Atomics.waitAsync ships in Node >= 16 but is typed only in TypeScript's es2024 lib.
type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const atomics = Atomics as typeof Atomics & {
  waitAsync(typedArray: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
};

// Word layout.
const MUTEX = 0;
const STATE = 1;
const COUNT = 2;
const SEQ = 3; // bumped by every notify_all
const SLEEPERS = 4; // threads asleep (or about to sleep) on SEQ
const WORDS = 5;

const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;
// The action was given up on mid-call (the executor's interrupt at a scenario's deadline: a locked
// increment that deadlocked). CPython's would still be running, holding the barrier's lock: every
// other party stays blocked until its own interrupt.
const STUCK = -3;

/** observed: multiprocessing.Barrier and threading.Barrier raise threading.BrokenBarrierError, str() '' */
export function brokenBarrierError(): PythonError {
  const e = new PythonError("threading.BrokenBarrierError", "");
  (e as PythonError & { mro: string[] }).mro = ["RuntimeError", "Exception", "BaseException"];
  return e;
}

/** One try of a wait: it returned, or it must sleep on SEQ while SEQ still holds `seq`. */
type Poll = { done: true; value: number } | { done: false; seq: number };

export class Barrier implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;
  readonly #parties: number;
  readonly #actionValue: CallableValue | null;
  readonly #action: ((...a: unknown[]) => unknown) | null;
  readonly #timeout: number | null;

  /**
   * `Barrier(parties, action=None, timeout=None)`. `action` is a callable value
   * (`{"$callable": ...}`, see reference/callables.ts), run by the last party to arrive
   * before the generation is released; `timeout` (seconds) is the default of `wait`.
   * @param shared internal: the words of an existing barrier (see `Barrier.attach`).
   */
  constructor(parties: number, action: JsonValue | null = null, timeout: number | null = null, options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    if (typeof parties !== "number" || Number.isNaN(parties)) throw new TypeError(`parties must be a number, not ${String(parties)}`);
    this.#parties = parties;
    this.#actionValue = action === null || action === undefined ? null : checkCallable(action);
    // Its calls on other objects (add_to's Value) are made in the calling thread.
    this.#action = this.#actionValue ? resolveCallable(this.#actionValue, inThreadObjects) : null;
    this.#timeout = checkTimeout(timeout);
    this.#words = shared ?? sharedWords(WORDS);
  }

  static attach(handle: ObjectHandle): Barrier {
    const profile = checkHandle(handle, "Barrier");
    return new Barrier(
      handle.parties as number,
      (handle.action ?? null) as JsonValue | null,
      (handle.timeout ?? null) as number | null,
      { profile },
      new Int32Array(sharedBuffer(handle, "state")),
    );
  }

  handle(): ObjectHandle {
    return {
      primitive: "Barrier",
      profile: this.profile,
      state: this.#words.buffer,
      parties: this.#parties,
      action: this.#actionValue,
      timeout: this.#timeout,
    };
  }

  /** The number of parties required to trip the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /**
   * Parties waiting in the current generation (0 unless filling). As in CPython, two
   * unsynchronized reads (state, then count): exact when nothing changes in between.
   */
  get n_waiting(): number {
    // A stuck action's generation is still filling for CPython (its state word unchanged).
    const st = Atomics.load(this.#words, STATE);
    return st === FILLING || st === STUCK ? Atomics.load(this.#words, COUNT) : 0;
  }

  /** Whether the barrier is broken (by abort, a timed-out wait, or an action that raised). */
  get broken(): boolean {
    return Atomics.load(this.#words, STATE) === BROKEN;
  }

  /**
   * Wait until `parties` parties have called wait; returns this party's index, 0 to
   * parties-1. `timeout` (seconds; null: the barrier's default) bounds the wait once
   * arrived: on expiry the barrier breaks and BrokenBarrierError is raised. Blocks the
   * thread (Atomics.wait): on a thread whose event loop must run, use `waitAsync`.
   */
  wait(timeout: number | null = null): number {
    const w = this.#waiter(timeout);
    const words = this.#words;
    let spun = false;
    for (;;) {
      const p = w.poll();
      if (p.done) return p.value;
      try {
        // Spin a little first, as blockSync does: the last party often arrives within microseconds.
        if (!spun) {
          spun = true;
          let k = 0;
          while (k < SPIN_LOADS && Atomics.load(words, SEQ) === p.seq) k++;
          if (k < SPIN_LOADS) continue;
        }
        waitWord(words, SEQ, p.seq, remaining(w.deadline()));
      } finally {
        Atomics.sub(words, SLEEPERS, 1);
      }
    }
  }

  /** `wait` without blocking the thread: sleeps with Atomics.waitAsync. */
  async waitAsync(timeout: number | null = null): Promise<number> {
    const w = this.#waiter(timeout);
    const words = this.#words;
    for (;;) {
      const p = w.poll();
      if (p.done) return p.value;
      try {
        const r = atomics.waitAsync(words, SEQ, p.seq, remaining(w.deadline()));
        if (r.async) await r.value;
      } finally {
        Atomics.sub(words, SLEEPERS, 1);
      }
    }
  }

  /** Put the barrier in the broken state: current and later waits raise BrokenBarrierError. */
  abort(): void {
    this.#unlessStuck(() => {
      Atomics.store(this.#words, STATE, BROKEN);
      this.#notifyAll();
    });
  }

  /**
   * `f` under the mutex, unless an action was given up on mid-call (STUCK): CPython's call
   * would wait for the barrier's lock, which that action holds, so this one sleeps until the
   * executor's interrupt ends it too.
   */
  #unlessStuck(f: () => void): void {
    const words = this.#words;
    for (;;) {
      const seq = Atomics.load(words, SEQ);
      const stuck = this.#locked(() => {
        if (Atomics.load(words, STATE) !== STUCK) {
          f();
          return false;
        }
        Atomics.add(words, SLEEPERS, 1);
        return true;
      });
      if (!stuck) return;
      try {
        waitWord(words, SEQ, seq, Infinity);
      } finally {
        Atomics.sub(words, SLEEPERS, 1);
      }
    }
  }

  /**
   * Return the barrier to its initial (filling) state. Parties waiting in it get
   * BrokenBarrierError; new arrivals wait until they have left.
   */
  reset(): void {
    const words = this.#words;
    this.#unlessStuck(() => {
      if (Atomics.load(words, COUNT) > 0) {
        const st = Atomics.load(words, STATE);
        if (st === FILLING || st === BROKEN) Atomics.store(words, STATE, RESETTING);
        // draining, or already resetting: the last party to leave makes it filling
      } else {
        Atomics.store(words, STATE, FILLING);
      }
      this.#notifyAll();
    });
  }

  // --- internals ---------------------------------------------------------------

  #locked<T>(f: () => T): T {
    lockMutex(this.#words, MUTEX);
    try {
      return f();
    } finally {
      unlockMutex(this.#words, MUTEX);
    }
  }

  /** Under the mutex. */
  #notifyAll(): void {
    Atomics.add(this.#words, SEQ, 1);
    if (Atomics.load(this.#words, SLEEPERS) > 0) Atomics.notify(this.#words, SEQ);
  }

  /** Under the mutex: register as a sleeper and say which SEQ value to sleep on. */
  #sleep(): Poll {
    Atomics.add(this.#words, SLEEPERS, 1);
    return { done: false, seq: Atomics.load(this.#words, SEQ) };
  }

  /** Under the mutex, once a party leaves (CPython's `_count -= 1; _exit()`). */
  #leave(): void {
    const words = this.#words;
    if (Atomics.sub(words, COUNT, 1) - 1 === 0) {
      const st = Atomics.load(words, STATE);
      if (st === RESETTING || st === DRAINING) {
        Atomics.store(words, STATE, FILLING);
        this.#notifyAll();
      }
    }
  }

  /** The state machine of one wait call; `poll` takes the mutex and makes one step. */
  #waiter(timeout: number | null): { poll(): Poll; deadline(): number } {
    const t = timeout === null || timeout === undefined ? this.#timeout : checkTimeout(timeout);
    const words = this.#words;
    let arrived = false;
    let index = -1;
    let deadline = Infinity; // set on arrival: the timeout bounds the wait in the barrier only
    const poll = (): Poll =>
      this.#locked((): Poll => {
        if (!arrived) {
          const st = Atomics.load(words, STATE);
          if (st === DRAINING || st === RESETTING || st === STUCK) return this.#sleep(); // wait for the old generation to leave
          if (st === BROKEN) throw brokenBarrierError();
          index = Atomics.add(words, COUNT, 1);
          if (index + 1 === this.#parties) {
            // The last party: run the action, release the generation, leave.
            try {
              this.#action?.();
              Atomics.store(words, STATE, DRAINING);
              this.#notifyAll();
            } catch (e) {
              // Given up on mid-action (the executor's interrupt: a locked increment that deadlocked):
              // CPython's action would still be running, the generation unreleased.
              if (isInterrupted(e)) {
                Atomics.store(words, STATE, STUCK);
                throw e;
              }
              Atomics.store(words, STATE, BROKEN);
              this.#notifyAll();
              throw e;
            } finally {
              this.#leave();
            }
            return { done: true, value: index };
          }
          arrived = true;
          deadline = t === null ? Infinity : now() + Math.max(0, t) * 1000;
        }
        const st = Atomics.load(words, STATE);
        if (st === STUCK) return this.#sleep();
        if (st === FILLING) {
          if (now() < deadline) return this.#sleep();
          // Timed out: break the barrier.
          Atomics.store(words, STATE, BROKEN);
          this.#notifyAll();
          this.#leave();
          throw brokenBarrierError();
        }
        this.#leave();
        if (st === DRAINING) return { done: true, value: index };
        throw brokenBarrierError(); // reset or broken while waiting
      });
    return { poll, deadline: () => deadline };
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "Barrier",
    arity: 3,
    make: (a, o) => {
      // observed: threading.Barrier() -> TypeError: Barrier.__init__() missing 1 required positional argument: 'parties'
      if (a.length < 1) throw new TypeError("Barrier() missing 1 required positional argument: 'parties'");
      return new Barrier(a[0] as number, a[1] ?? null, (a[2] ?? null) as number | null, o);
    },
    attach: Barrier.attach,
  },
];
