/**
 * Event shared across worker threads (multiprocessing.Event / threading.Event).
 *
 * One word holds the flag (bit 0) and the number of set() calls (the bits above), so that set()
 * and clear() are each one atomic change; a sleeper counter beside it. A wait that finds the flag
 * clear sleeps while that count is unchanged: it returns True once any set() happened after it
 * started, even if the flag was cleared again (as threading.Event.wait does), and False on
 * timeout when none did. (The flag and the count were two words: a set() between its two stores
 * let a wait that had returned and cleared the flag return True again from the same set();
 * bench:reference's Event ping-pong then lost a round.)
 */
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { blockAsync, blockSync, deadlineOf, done, sharedWords, sleepOn, type Blocking, type Step } from "./futex.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";

const WORD = 0; // set() calls << 1 | the flag
// Word 1 is unused (the count had it when it was a word of its own).
const SLEEPERS = 2;
const WORDS = 3;
const SET = 1;

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
    return (Atomics.load(this.#words, WORD) & SET) === SET;
  }

  /** Raise the flag and count the set, in one change; wake every waiter. */
  set(): void {
    const w = this.#words;
    let old = Atomics.load(w, WORD);
    for (;;) {
      const seen = Atomics.compareExchange(w, WORD, old, ((old & ~SET) + 2) | SET);
      if (seen === old) break;
      old = seen;
    }
    if (Atomics.load(w, SLEEPERS) > 0) Atomics.notify(w, WORD);
  }

  clear(): void {
    const w = this.#words;
    let old = Atomics.load(w, WORD);
    while ((old & SET) === SET) {
      const seen = Atomics.compareExchange(w, WORD, old, old & ~SET);
      if (seen === old) return;
      old = seen;
    }
  }

  // True at once when the flag is up; else a wait for the count of sets to change.
  #waitOp(): Blocking<boolean> | true {
    const w = this.#words;
    const start = Atomics.load(w, WORD);
    if ((start & SET) === SET) return true;
    const count = start >>> 1;
    return {
      words: w,
      waiters: SLEEPERS,
      attempt: (): Step<boolean> => {
        const now = Atomics.load(w, WORD);
        return now >>> 1 !== count ? done(true) : sleepOn(WORD, now);
      },
      timedOut: () => Atomics.load(w, WORD) >>> 1 !== count,
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
