/**
 * Test worker: attaches shared objects through the module's `attach` (as an
 * executor would) and runs one named task from `workerData`, posting
 * `{ ok: true, value }` or `{ ok: false, error }` when done.
 */
import { parentPort, workerData } from "node:worker_threads";
import { PythonError, type ObjectHandle } from "../../implementation.js";
import { attach } from "../module.js";

// The tests call Python-named methods dynamically.
type Any = any;

export interface ErrorReport {
  name: string;
  pyType?: string;
  message: string;
}

export function report(e: unknown): ErrorReport {
  if (e instanceof PythonError) return { name: e.name, pyType: e.pyType, message: e.message };
  const err = e as Error;
  return { name: err?.name ?? "unknown", message: err?.message ?? String(e) };
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

import { COUNTER, INSIDE, MAX, READY } from "./worker-words.js";

/** Start together: count in at words[READY], then wait (bounded) until `parties` have. */
function barrier(w: Int32Array, parties: number | undefined): void {
  if (!parties) return;
  Atomics.add(w, READY, 1);
  const deadline = performance.now() + 10_000;
  for (let r = Atomics.load(w, READY); r < parties; r = Atomics.load(w, READY)) {
    if (performance.now() > deadline) throw new Error("barrier: parties did not arrive");
    Atomics.wait(w, READY, r, 50);
  }
  Atomics.notify(w, READY);
}

const tasks: Record<string, (args: Any) => unknown> = {
  /**
   * Enter a critical section `iterations` times under a lock-like object and
   * count who is inside: words = [inside, maxInside, counter, ready]. The
   * counter is bumped with a plain read-modify-write so that broken exclusion
   * loses updates. Returns how often the lock was found taken (real contention).
   */
  exclusion({ handle, shared, iterations, reenter, parties }: Any) {
    const obj: Any = attach(handle);
    const w = new Int32Array(shared);
    barrier(w, parties);
    let contended = 0;
    for (let i = 0; i < iterations; i++) {
      if (obj.acquire(false) !== true) {
        contended++;
        if (obj.acquire(true, 10) !== true) throw new Error(`acquire timed out at iteration ${i}`);
      }
      if (reenter && obj.acquire(false) !== true) throw new Error("re-entrant acquire failed");
      const inside = Atomics.add(w, INSIDE, 1) + 1;
      let max = Atomics.load(w, MAX);
      while (inside > max) max = Atomics.compareExchange(w, MAX, max, inside) === max ? inside : Atomics.load(w, MAX);
      const c = w[COUNTER];
      if (i % 16 === 0) sleep(1); // now and then hold it long enough for the others to find it taken
      w[COUNTER] = c + 1;
      Atomics.sub(w, INSIDE, 1);
      if (reenter) obj.release();
      obj.release();
    }
    return contended;
  },

  /** Acquire, set flags[0] = 1, wait (bounded) for flags[1] == 1, release. */
  hold({ handle, flags }: Any) {
    const obj: Any = attach(handle);
    const f = new Int32Array(flags);
    if (obj.acquire(true, 10) !== true) throw new Error("hold: acquire timed out");
    Atomics.store(f, 0, 1);
    Atomics.notify(f, 0);
    const deadline = performance.now() + 10_000;
    while (Atomics.load(f, 1) === 0 && performance.now() < deadline) Atomics.wait(f, 1, 0, 100);
    obj.release();
    return null;
  },

  /**
   * After `delayMs`, make one call; report its value or error and how long it
   * took. `started` (a SharedArrayBuffer) counts workers about to make the call; `element`
   * makes the call on that element of a tuple object (`pipe[1].send(...)`).
   */
  call({ handle, element, method, args, delayMs, started }: Any) {
    // element: call on that element of a tuple object (a Pipe's connection).
    const whole: Any = attach(handle);
    const obj: Any = element === undefined ? whole : whole[element];
    if (delayMs) sleep(delayMs);
    if (started) Atomics.add(new Int32Array(started), 0, 1);
    const start = performance.now();
    try {
      const value = obj[method](...(args ?? []));
      return { value: value === undefined ? null : value, elapsedMs: performance.now() - start };
    } catch (e) {
      return { error: report(e), elapsedMs: performance.now() - start };
    }
  },

  /** Put `count` items { p, i } (with varying padding) from producer `producer`. */
  produce({ handle, producer, count }: Any) {
    const q: Any = attach(handle);
    for (let i = 0; i < count; i++) q.put({ p: producer, i, pad: "x".repeat(i % 37) }, true, 10);
    return null;
  },

  /**
   * Get items until a null sentinel; return [p, i] pairs in the order got.
   * With `retryTimeout`, get with that (short) timeout and retry on queue.Empty,
   * so that timeouts race with puts; `timeouts` counts those retries.
   */
  consume({ handle, retryTimeout }: Any) {
    const q: Any = attach(handle);
    const got: [number, number][] = [];
    let timeouts = 0;
    const deadline = performance.now() + 10_000;
    for (;;) {
      let item;
      try {
        item = q.get(true, retryTimeout ?? 10);
      } catch (e) {
        if (!retryTimeout || (e as PythonError).pyType !== "queue.Empty" || performance.now() > deadline) throw e;
        timeouts++;
        continue;
      }
      if (item === null) return retryTimeout ? { got, timeouts } : got;
      got.push([item.p, item.i]);
    }
  },

  /**
   * JoinableQueue worker: get until a null sentinel; for each real item sleep a
   * little, then bump words[0] before task_done (the sentinel is task_done too).
   */
  work({ handle, shared }: Any) {
    const q: Any = attach(handle);
    const w = new Int32Array(shared);
    for (;;) {
      const item = q.get(true, 10);
      if (item !== null) {
        sleep(2);
        Atomics.add(w, 0, 1);
      }
      q.task_done();
      if (item === null) return null;
    }
  },

  /** Barrier: `rounds` waits in a row (each with `timeout`); returns the indices. */
  rounds({ handle, rounds, timeout }: Any) {
    const b: Any = attach(handle);
    const got: number[] = [];
    for (let i = 0; i < rounds; i++) got.push(b.wait(timeout));
    return got;
  },

  /**
   * Several steps on one object, in order: `{ method, args }` makes a call (reported as the
   * `call` task reports one); `{ flag: i }` sets words[i] of `flags` to 1 and notifies;
   * `{ rank: i }` takes the next number from the counter words[i] of `flags` (reported as its
   * value). Returns one report per step.
   */
  script({ handle, steps, flags }: Any) {
    const obj: Any = attach(handle);
    const f = flags ? new Int32Array(flags) : null;
    return steps.map((step: Any) => {
      if ("flag" in step) {
        Atomics.store(f!, step.flag, 1);
        Atomics.notify(f!, step.flag);
        return { value: null, elapsedMs: 0 };
      }
      if ("rank" in step) return { value: Atomics.add(f!, step.rank, 1), elapsedMs: 0 };
      const start = performance.now();
      try {
        const value = obj[step.method](...(step.args ?? []));
        return { value: value === undefined ? null : value, elapsedMs: performance.now() - start };
      } catch (e) {
        return { error: report(e), elapsedMs: performance.now() - start };
      }
    });
  },

  /** join(timeout), then report whether it joined and words[0] at that moment. */
  /**
   * `v.value += 1` `iterations` times on a Value, under `with v.get_lock():` when `locked`
   * (words[READY] starts the `parties` together).
   */
  increments({ handle, shared, iterations, locked, parties }: Any) {
    const v: Any = attach(handle);
    barrier(new Int32Array(shared), parties);
    for (let i = 0; i < iterations; i++) {
      if (!locked) {
        v.value += 1;
        continue;
      }
      const lock = v.get_lock();
      lock.acquire();
      try {
        v.value += 1;
      } finally {
        lock.release();
      }
    }
    return v.value;
  },
  join({ handle, shared, timeout }: Any) {
    const q: Any = attach(handle);
    const joined = q.join(timeout);
    return { joined, done: Atomics.load(new Int32Array(shared), 0) };
  },
};

const { task, args } = workerData as { task: string; args: { handle?: ObjectHandle } };
try {
  const value = await tasks[task](args);
  parentPort!.postMessage({ ok: true, value });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: report(e) });
}
