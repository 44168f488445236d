import { ActorPool, workload, type Workload } from "./workloads.js";
const pool = await ActorPool.start(2, 60);
try {
  const lw = workload("lock-contended");
  // role 0 can never get the lock (held here), role 1 gets n=0... use a Barrier(3) instead: never trips
  const bw = workload("barrier-cycles");
  const Barrier = (await import("../../reference/threads/barrier.js")).Barrier;
  const stuck: Workload = { ...bw, setup: () => ({ barrier: new Barrier(3) }), roles: (n) => [bw.roles(n)[0]!, { count: 1, prepare: () => () => { throw new Error("boom"); } }] };
  const t0 = performance.now();
  try { await pool.run(stuck, 100, 60); } catch (e) { console.log("failed after", ((performance.now() - t0) / 1000).toFixed(1), "s:", (e as Error).message.split("\n")[0]); }
  void lw;
} finally {
  const t1 = performance.now();
  await pool.close();
  console.log("closed in", (performance.now() - t1).toFixed(0), "ms");
}
