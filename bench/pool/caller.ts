/**
 * The calling thread of bench:pool's reference side. The reference's pools serve requests on the
 * thread that made them (main.ts's), whose event loop runs their workers, so the calls that block
 * are made here, on a thread attached to the pool's handle: warm-up, one timed round, then
 * terminate() (or shutdown()), which returns once the workers are gone. A pool per round: the
 * reference's pools number their tasks for life (TASKS).
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ObjectHandle } from "../../reference/implementation.js";
import { Pool } from "../../reference/processes/pool.js";
import { ProcessPoolExecutor } from "../../reference/processes/process-pool-executor.js";
import { checkValues, POOL_WORKLOADS } from "./workloads.js";

export interface CallerData {
  workload: string;
  handle: ObjectHandle;
  n: number;
  processes: number;
}

export type CallerReply = { ok: true; ms: number } | { ok: false; error: string };

const data = workerData as CallerData;
const w = POOL_WORKLOADS.find((x) => x.name === data.workload)!;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function drain(it: { __next__(): unknown }): unknown[] {
  const out: unknown[] = [];
  for (;;) {
    try {
      out.push(it.__next__());
    } catch (e) {
      if ((e as { pyType?: string }).pyType === "StopIteration") return out;
      throw e;
    }
  }
}

let reply: CallerReply;
const pool = w.api === "Pool.map" ? Pool.attach(data.handle) : null;
const executor = w.api === "ProcessPoolExecutor.map" ? ProcessPoolExecutor.attach(data.handle) : null;
const map = (xs: number[]): unknown[] => (pool ? pool.map(w.func, xs) : drain(executor!.map(w.func, xs)));
try {
  map(range(2 * data.processes)); // every worker started and warm
  const items = range(data.n);
  const t0 = performance.now();
  const values = map(items);
  const ms = performance.now() - t0;
  const bad = checkValues(w, data.n, values);
  reply = bad ? { ok: false, error: bad } : { ok: true, ms };
} catch (e) {
  reply = { ok: false, error: e instanceof Error ? e.message : String(e) };
} finally {
  // The workers end before the reply: nothing outlives the workload.
  if (pool) pool.terminate();
  else executor!.shutdown(true);
}
parentPort!.postMessage(reply);
