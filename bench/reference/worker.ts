/**
 * A worker thread of bench/reference (ActorPool in workloads.ts): for each `run` message it
 * attaches the objects, reports ready, waits for the start word, times its actor's loop with
 * performance.now() and reports the time and the loop's result (or the error).
 */
import { parentPort } from "node:worker_threads";
import { workload, type RunMessage, type WorkerMessage } from "./workloads.js";

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

/** Wait (Atomics.wait: this is a worker) until word 0 of `go` is non-zero, at most `timeoutS`. */
function waitForStart(go: Int32Array, timeoutS: number): void {
  const deadline = performance.now() + timeoutS * 1000;
  while (Atomics.load(go, 0) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`no start signal within ${timeoutS} s`);
    Atomics.wait(go, 0, 0, left);
  }
}

port.on("message", (m: RunMessage) => {
  try {
    const role = workload(m.workload).roles(m.n)[m.role];
    if (!role) throw new Error(`${m.workload} has no role ${m.role}`);
    const loop = role.prepare(m.handles, role.count, role.first ?? 0, m.timeoutS);
    post({ type: "ready" });
    waitForStart(new Int32Array(m.go), m.timeoutS);
    const t0 = performance.now();
    const result = loop();
    const ms = performance.now() - t0;
    post({ type: "done", ms, result });
  } catch (e) {
    post({ type: "error", message: `${m.workload} actor ${m.role}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}` });
  }
});

post({ type: "up" });
