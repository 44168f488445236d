/**
 * Test workers made from code, for what the tasks of ./worker.ts cannot do (bytes arguments,
 * which a structured clone turns into plain objects; loops of read-modify-write updates). tsx is
 * registered first, so the code may import the TypeScript modules under test.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const TSX_API = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist/esm/api/index.mjs")).href;

const live = new Set<Worker>();

/**
 * Run `body` (JavaScript, inside an async function, with `workerData` and `parentPort` in scope;
 * it may `await import(url)`) in a new worker thread. Resolves with the first message it posts;
 * if `body` throws, that message is `{ error: { pyType, message, stack } }`. Rejects if the
 * worker exits first or posts nothing within `timeoutMs`; the worker is always terminated.
 */
export function evalWorker<T>(body: string, workerData: unknown, timeoutMs: number): Promise<T> {
  const code = `const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  const { register } = await import(${JSON.stringify(TSX_API)});
  register();
  ${body}
})().catch((e) => parentPort.postMessage({ error: { pyType: e && e.pyType, message: String(e && e.message), stack: String(e && e.stack || e) } }));`;
  const worker = new Worker(code, { eval: true, workerData });
  live.add(worker);
  let timer: NodeJS.Timeout | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`the worker did not answer within ${timeoutMs} ms`)), timeoutMs);
    worker.once("message", (m: T) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the worker exited with code ${code}`)));
  }).finally(() => {
    clearTimeout(timer);
    live.delete(worker);
    void worker.terminate();
  });
}

/** Terminate every eval worker still running (for afterEach). */
export async function terminateEvalWorkers(): Promise<void> {
  const ws = [...live];
  live.clear();
  await Promise.all(ws.map((w) => w.terminate()));
}
