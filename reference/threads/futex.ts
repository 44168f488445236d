/**
 * Futex-style building blocks on SharedArrayBuffer words (Int32Array + Atomics).
 *
 * Every blocking operation of the backend is written once as an `attempt`: a
 * non-blocking try that either completes or names the word to sleep on and the
 * value it saw there. Two drivers run an attempt until it completes or its
 * deadline passes: `blockSync` (Atomics.wait, for worker threads) and
 * `blockAsync` (Atomics.waitAsync, for the main thread's event loop).
 *
 * Lost wake-ups are ruled out by the usual futex protocol: a sleeper first
 * announces itself in a waiter counter, then re-tries, then sleeps only while
 * the word still holds the value its failed try saw. A waker changes the word
 * before it reads the waiter counter, so (JS atomics being sequentially
 * consistent) either it sees the sleeper and notifies, or the sleeper sees the
 * changed word and does not sleep.
 */

// Atomics.waitAsync ships in Node >= 16 but is typed only in TypeScript's es2024 lib.
type WaitAsyncResult = { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> };
const atomics = Atomics as typeof Atomics & {
  waitAsync(typedArray: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
};

/** Sleep on the event loop until `words[index]` no longer equals `expected`, a notify, or `ms` pass. */
export async function sleepAsync(words: Int32Array, index: number, expected: number, ms: number): Promise<void> {
  const w = atomics.waitAsync(words, index, expected, ms);
  if (w.async) await w.value;
}

/** Monotonic milliseconds; all deadlines are on this clock. */
export const now: () => number = () => performance.now();

/** The outcome of one try of a blocking operation. */
export type Step<T> =
  | { readonly done: true; readonly value: T }
  /** Not possible now: sleep until `words[index]` no longer equals `expected` (or a notify). */
  | { readonly done: false; readonly index: number; readonly expected: number };

export function done<T>(value: T): Step<T> {
  return { done: true, value };
}

export function sleepOn(index: number, expected: number): Step<never> {
  return { done: false, index, expected };
}

/**
 * Deadline (ms on `now()`) of a call: `-Infinity` tries once (non-blocking),
 * `Infinity` waits forever. `seconds` is a finite, already validated timeout.
 */
export function deadlineOf(block: boolean, seconds: number | null): number {
  if (!block) return -Infinity;
  if (seconds === null) return Infinity;
  return now() + Math.max(0, seconds) * 1000;
}

/** How one blocking call is run; shared by both drivers. */
export interface Blocking<T> {
  readonly words: Int32Array;
  /** Index of the counter that tells wakers someone may be asleep. */
  readonly waiters: number;
  /** One non-blocking try; must be safe to repeat. */
  attempt(): Step<T>;
  /** Result (or throw) once the deadline has passed without success. */
  timedOut(): T;
}

// Remaining wait in ms for Atomics.wait; never negative, Infinity stays Infinity.
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - now());
}

/*
 * Interruption, for an executor that gives up on a call (its scenario's deadline passed): a
 * worker thread registers a word of its own; once the executor makes it non-zero, every wait of
 * that thread throws Interrupted within SLICE_MS, so the worker can take the next scenario
 * instead of being terminated and replaced (a new worker costs a module load).
 */
let interrupt: { words: Int32Array; index: number } | null = null;
const SLICE_MS = 20;

/** The word whose non-zero value interrupts this thread's waits; null: waits are never interrupted. */
export function setInterruptWord(words: Int32Array | null, index = 0): void {
  interrupt = words === null ? null : { words, index };
}

/** Thrown out of a wait once the thread's interrupt word is set. Recognised by its field, not instanceof. */
export class Interrupted extends Error {
  readonly mpspecInterrupted = true;
  constructor() {
    super("interrupted: the executor gave up on this call");
  }
}

export const isInterrupted = (e: unknown): boolean => typeof e === "object" && e !== null && (e as Interrupted).mpspecInterrupted === true;

/** Throw Interrupted if this thread's interrupt word is set. */
export function checkInterrupt(): void {
  if (interrupt !== null && Atomics.load(interrupt.words, interrupt.index) !== 0) throw new Interrupted();
}

/**
 * The longest single Atomics.wait, even for a wait without deadline. Node 20.20 (V8 11.3) once in a
 * while never returns from an Atomics.wait without timeout although the word changed and the waker
 * saw the sleeper announced and notified (bench:pool executor-map-small: a Future.result() asleep
 * for good on a done future, 5 of 10 runs); with waits of at most this many ms it did not happen
 * in 9 runs and no slice ran out on a changed word. A wait in slices costs a wake-up per slice.
 */
const UNBOUNDED_SLICE_MS = 100;

/**
 * Atomics.wait on `words[index]` while it holds `expected`, for at most `ms`, and at most one
 * slice (UNBOUNDED_SLICE_MS; SLICE_MS with an interrupt word registered, and then it throws
 * Interrupted once that word is set). It may return early, so callers wait in a loop (as every
 * futex wait does anyway).
 */
export function waitWord(words: Int32Array, index: number, expected: number, ms: number): void {
  if (interrupt === null) {
    Atomics.wait(words, index, expected, Math.min(ms, UNBOUNDED_SLICE_MS));
    return;
  }
  checkInterrupt();
  Atomics.wait(words, index, expected, Math.min(ms, SLICE_MS));
  checkInterrupt();
}

/**
 * Loads of the awaited word a blocking call spins for before it sleeps (a few µs). bench:reference
 * on 2 cores: 1000 took Pipe's round trip from 53 to 11 µs and a contended Lock from 143 to 118 ms
 * per 2x10^6 acquires; 200 did not, 5000 did no better.
 */
export const SPIN_LOADS = 1000;

/**
 * Run `op` until it completes, sleeping with Atomics.wait in between. The
 * deadline is fixed up front, so spurious or unrelated wake-ups never extend
 * it; after every wake-up the operation is tried again before giving up, so a
 * notify that races with the timeout is not wasted.
 */
export function blockSync<T>(op: Blocking<T>, deadline: number): T {
  let spins = 0;
  for (;;) {
    let step = op.attempt();
    if (step.done) return step.value;
    if (now() >= deadline) return op.timedOut();
    if (spins < SPIN_LOADS) {
      // Spin a little first: the word often changes within microseconds (a lock released, an
      // item put by a thread on another core), and a sleep and a wake-up cost more than that.
      // A change seen is tried at once, and a try lost to another thread (a lock taken again
      // by its releaser) spins on, until SPIN_LOADS loads in all.
      while (spins < SPIN_LOADS && Atomics.load(op.words, step.index) === step.expected) spins++;
      spins++;
      continue;
    }
    Atomics.add(op.words, op.waiters, 1);
    try {
      step = op.attempt(); // re-try now that wakers can see us
      if (step.done) return step.value;
      waitWord(op.words, step.index, step.expected, remaining(deadline));
    } finally {
      Atomics.sub(op.words, op.waiters, 1);
    }
  }
}

/** `blockSync` until `deadlineOf(block, seconds)`, the clock read only once a first try has failed (reading it costs more than a try that succeeds). */
export function blockSyncFor<T>(op: Blocking<T>, block: boolean, seconds: number | null): T {
  const step = op.attempt();
  if (step.done) return step.value;
  return blockSync(op, deadlineOf(block, seconds));
}

/** As `blockSync`, but sleeps with Atomics.waitAsync so the calling thread's event loop keeps running. */
export async function blockAsync<T>(op: Blocking<T>, deadline: number): Promise<T> {
  for (;;) {
    let step = op.attempt();
    if (step.done) return step.value;
    if (now() >= deadline) return op.timedOut();
    Atomics.add(op.words, op.waiters, 1);
    try {
      step = op.attempt();
      if (step.done) return step.value;
      const w = atomics.waitAsync(op.words, step.index, step.expected, remaining(deadline));
      if (w.async) await w.value;
    } finally {
      Atomics.sub(op.words, op.waiters, 1);
    }
  }
}

/** Wake up to `count` sleepers on `words[index]`, skipping the notify when nobody announced itself. */
export function wake(words: Int32Array, waiters: number, index: number, count: number): void {
  if (Atomics.load(words, waiters) > 0) Atomics.notify(words, index, count);
}

const SPINS = 64;

/**
 * Internal mutex on one word (Drepper's "futexes are tricky", mutex 3:
 * 0 free, 1 held, 2 held and maybe contended). It only guards a few memory
 * operations and is never held across a wait, so even the main thread takes
 * it synchronously, and briefly spinning before sleeping usually avoids the
 * sleep entirely.
 */
export function lockMutex(words: Int32Array, index: number): void {
  let c = Atomics.compareExchange(words, index, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(words, index) === 0) {
      c = Atomics.compareExchange(words, index, 0, 1);
      if (c === 0) return;
    }
  }
  // From here on we must leave the word at 2 so that our unlock-er notifies.
  if (c !== 2) c = Atomics.exchange(words, index, 2);
  while (c !== 0) {
    Atomics.wait(words, index, 2, UNBOUNDED_SLICE_MS);
    c = Atomics.exchange(words, index, 2);
  }
}

export function unlockMutex(words: Int32Array, index: number): void {
  if (Atomics.sub(words, index, 1) !== 1) {
    Atomics.store(words, index, 0);
    Atomics.notify(words, index, 1);
  }
}

/** Fresh zeroed Int32 words in shared memory. */
export function sharedWords(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(count * Int32Array.BYTES_PER_ELEMENT));
}
