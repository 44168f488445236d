/**
 * The workloads of `npm run bench:pool` (main.ts), the same on both sides: the reference's Pool and
 * ProcessPoolExecutor (child processes, reference/processes) and CPython's (cpython_pool.py, start
 * method fork). Each times one map call on a warm pool (its workers started and given a first
 * map before the clock starts), with the pool's default chunking, and checks every value.
 */
import type { JsonValue } from "../../spec/format.js";

export interface PoolWorkload {
  name: string;
  /** What is timed: Pool.map(func, range(n)), or list(ProcessPoolExecutor.map(func, range(n))). */
  api: "Pool.map" | "ProcessPoolExecutor.map";
  /** Items at --scale 1. */
  n: number;
  /** The worker callable (spec/callables.yaml); cpython_pool.py has the same function under `name`. */
  func: JsonValue;
  /** The value for item i. */
  value: (i: number) => JsonValue;
  what: string;
}

export const POOL_WORKLOADS: readonly PoolWorkload[] = [
  { name: "pool-map-small", api: "Pool.map", n: 100_000, func: { $callable: "square" }, value: (i) => i * i, what: "Pool(2).map(square, range(100000)): 100 k small tasks, default chunks" },
  { name: "pool-map-1ms", api: "Pool.map", n: 1_000, func: { $callable: "sleep", seconds: 0.001 }, value: () => null, what: "Pool(2).map(sleep 1 ms, range(1000)): 1 k tasks of 1 ms" },
  // chunksize 1, ProcessPoolExecutor.map's default: one future per item (CPython takes ~10 s for 100 k).
  { name: "executor-map-small", api: "ProcessPoolExecutor.map", n: 10_000, func: { $callable: "square" }, value: (i) => i * i, what: "ProcessPoolExecutor(2).map(square, range(10000)): 10 k small tasks, one future each" },
  { name: "executor-map-1ms", api: "ProcessPoolExecutor.map", n: 1_000, func: { $callable: "sleep", seconds: 0.001 }, value: () => null, what: "ProcessPoolExecutor(2).map(sleep 1 ms, range(1000)): 1 k tasks of 1 ms" },
];

/** The items at `scale` (at least one). */
export const scaledN = (w: PoolWorkload, scale: number): number => Math.max(1, Math.round(w.n * scale));

/** Whether `values` is the workload's map of range(n); else what differs first. */
export function checkValues(w: PoolWorkload, n: number, values: unknown): string | null {
  if (!Array.isArray(values)) return `${w.name}: map gave ${typeof values}, not a list`;
  if (values.length !== n) return `${w.name}: map gave ${values.length} values for ${n} items`;
  for (let i = 0; i < n; i++) if (values[i] !== w.value(i)) return `${w.name}: item ${i} gave ${JSON.stringify(values[i])}, not ${JSON.stringify(w.value(i))}`;
  return null;
}
