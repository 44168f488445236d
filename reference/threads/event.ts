/**
 * Event shared across worker threads (multiprocessing.Event / threading.Event).
 *
 * Two words and a sleeper counter: the flag, and a sequence word that every
 * set() bumps (after raising the flag). A wait that finds the flag clear reads
 * the sequence first, then sleeps while it is unchanged: it returns True once
 * any set() happened after it started, even if the flag was cleared again
 * (as threading.Event.wait does), and False on timeout when none did.
 */
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { blockAsync, blockSync, deadlineOf, done, sharedWords, sleepOn, type Blocking, type Step } from "./futex.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";

const FLAG = 0; // 0 clear, 1 set
const SEQ = 1; // number of set() calls
const SLEEPERS = 2;
const WORDS = 3;

export class Event implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;

  /** @param shared internal: the words of an existing event (see `Event.attach`). */
  constructor(options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    this.#words = shared ?? sharedWords(WORDS);
  }

  /** Rebuild an event from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Event {
    const profile = checkHandle(handle, "Event");
    return new Event({ profile }, new Int32Array(sharedBuffer(handle, "state")));
  }

  handle(): ObjectHandle {
    return { primitive: "Event", profile: this.profile, state: this.#words.buffer };
  }

  is_set(): boolean {
    return Atomics.load(this.#words, FLAG) === 1;
  }

  /** Raise the flag and wake every waiter. */
  set(): void {
    const w = this.#words;
    Atomics.store(w, FLAG, 1);
    Atomics.add(w, SEQ, 1);
    if (Atomics.load(w, SLEEPERS) > 0) Atomics.notify(w, SEQ);
  }

  clear(): void {
    Atomics.store(this.#words, FLAG, 0);
  }

  // The sequence is read before the flag: a set() after that read changes it.
  #waitOp(): Blocking<boolean> | true {
    const w = this.#words;
    const seq = Atomics.load(w, SEQ);
    if (Atomics.load(w, FLAG) === 1) return true;
    return {
      words: w,
      waiters: SLEEPERS,
      attempt: (): Step<boolean> => (Atomics.load(w, SEQ) !== seq ? done(true) : sleepOn(SEQ, seq)),
      timedOut: () => Atomics.load(w, SEQ) !== seq,
    };
  }

  /**
   * Wait until the flag is set, at most `timeout` seconds (null: for ever; 0 or
   * less: do not wait). Returns True if it is set or a set() happened meanwhile,
   * False on timeout. Blocks the thread (Atomics.wait).
   */
  wait(timeout: number | null = null): boolean {
    const deadline = deadlineOf(true, nonNegative(checkTimeout(timeout)));
    const op = this.#waitOp();
    return op === true ? true : blockSync(op, deadline);
  }

  /** `wait` without blocking the thread: waits with Atomics.waitAsync. */
  async waitAsync(timeout: number | null = null): Promise<boolean> {
    const deadline = deadlineOf(true, nonNegative(checkTimeout(timeout)));
    const op = this.#waitOp();
    return op === true ? true : blockAsync(op, deadline);
  }
}

// observed: Event().wait(-1) -> False at once (multiprocessing and threading)
const nonNegative = (t: number | null): number | null => (t === null ? null : Math.max(0, t));

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  { primitive: "Event", arity: 0, make: (_, o) => new Event(o), attach: Event.attach },
];
