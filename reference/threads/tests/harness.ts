/** Helpers for tests that run tasks of ./worker.ts in worker threads. */
import type { Worker } from "node:worker_threads";
import { siblingUrl, spawnWorker } from "../../spawn-worker.js";
import type { ErrorReport } from "./worker.js";

export type { ErrorReport };

/** Outcome of the worker's `call` task. */
export interface CallResult {
  value?: unknown;
  error?: ErrorReport;
  elapsedMs: number;
}

export interface Task<T> {
  worker: Worker;
  /** Resolves with the task's value; rejects on a task error, a worker crash, or after `timeoutMs`. */
  result: Promise<T>;
}

const live = new Set<Worker>();

/** Start one task of ./worker.ts. The worker is terminated once it reports (and by `terminateAll`). */
export function startTask<T = unknown>(task: string, args: object, timeoutMs = 15_000): Task<T> {
  const worker = spawnWorker(siblingUrl(import.meta.url, "./worker"), { workerData: { task, args } });
  live.add(worker);
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`task ${task} did not finish in ${timeoutMs} ms`)), timeoutMs);
    worker.once("message", (m: { ok: boolean; value?: T; error?: ErrorReport }) => {
      if (m.ok) resolve(m.value as T);
      else reject(new Error(`task ${task} failed: ${m.error?.name}: ${m.error?.message}`));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`task ${task}: worker exited with code ${code}`)));
  }).finally(() => {
    clearTimeout(timer);
    live.delete(worker);
    void worker.terminate();
  });
  result.catch(() => {}); // observed by the test; avoid unhandled-rejection noise if it is not awaited
  return { worker, result };
}

export function runTask<T = unknown>(task: string, args: object, timeoutMs?: number): Promise<T> {
  return startTask<T>(task, args, timeoutMs).result;
}

/** Terminate every worker still running (call from afterEach). */
export async function terminateAll(): Promise<void> {
  const workers = [...live];
  live.clear();
  await Promise.all(workers.map((w) => w.terminate()));
}

/** Words for coordinating with workers. */
export function flags(n = 2): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

/** Wait (without blocking the event loop) until `words[index] !== 0`, for at most `timeoutMs`. */
export function waitFlag(words: Int32Array, index: number, timeoutMs = 10_000): Promise<void> {
  return waitUntil(() => Atomics.load(words, index) !== 0, timeoutMs);
}

export function setFlag(words: Int32Array, index: number): void {
  Atomics.store(words, index, 1);
  Atomics.notify(words, index);
}

/** Word indices of the `exclusion` task's shared counters. */
export { INSIDE, MAX, COUNTER, READY } from "./worker-words.js";

/**
 * Start `n` workers that each enter a critical section `iterations` times under
 * the object of `handle`, starting together. `words` shows [inside, maxInside,
 * counter, ready]; `contended` resolves with how often each found it taken.
 */
export function startExclusion(
  handle: object,
  n: number,
  iterations: number,
  reenter = false,
): { words: Int32Array; contended: Promise<number[]> } {
  const shared = new SharedArrayBuffer(4 * 4);
  const tasks = Array.from({ length: n }, () =>
    runTask<number>("exclusion", { handle, shared, iterations, reenter, parties: n }),
  );
  return { words: new Int32Array(shared), contended: Promise.all(tasks) };
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** Poll `cond` without blocking the event loop, for at most `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
