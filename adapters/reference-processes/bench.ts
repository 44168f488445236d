/**
 * The per-call cost of the IPC route, run by hand (not part of the tests):
 *
 *   npx tsx adapters/reference-processes/bench.ts [calls] [rounds]
 *
 * One actor makes `calls` non-blocking calls on a Lock (acquire(False), release(), alternately;
 * default 1000), in `rounds` scenarios (default 5, after one warm-up), on the ProcessesExecutor
 * (the actor a child process; each call a request to the parent, performed on its proxy thread,
 * and a reply) and on the ThreadsExecutor (the actor a worker thread making the calls itself).
 * From each history, on the parent's clock:
 *   - per call: the mean time from one call's invoke to the next's (what the actor's program
 *     pays for a call: with processes, request + dispatch to the proxy thread + call + reply);
 *   - in the call: the mean response - invoke (the operation itself);
 *   - between: the mean time from a call's response to the next's invoke (the route's overhead).
 * Printed per round and as the median over rounds.
 */
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import type { History } from "../../conformance/history/types.js";
import type { Adapter } from "../../conformance/adapter/types.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import { ThreadsExecutor } from "../reference-threads/executor.js";
import { ProcessesExecutor } from "./executor.js";

const calls = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);

const acquire: Call = { object: "L", op: "acquire", args: { block: false, timeout: null } };
const release: Call = { object: "L", op: "release", args: {} };
const scenario: Scenario = {
  profile: "multiprocessing",
  objects: [{ id: "L", primitive: "Lock", args: {} }],
  init: [],
  parallel: [Array.from({ length: calls }, (_, i) => (i % 2 === 0 ? acquire : release))],
  post: [],
};

const us = (ns: number) => ns / 1e3;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(h: History): { perCall: number; inCall: number; between: number } {
  const ev = h.events.filter((e) => e.actor === "a0");
  if (ev.length !== calls || ev.some((e, i) => e.outcome.kind !== "returned" || e.outcome.value !== (i % 2 === 0 ? true : null))) {
    throw new Error(`unexpected history: ${JSON.stringify(ev.slice(0, 4))} ...`);
  }
  const perCall = (ev[ev.length - 1]!.invoke - ev[0]!.invoke) / (ev.length - 1);
  const inCall = mean(ev.map((e) => e.response! - e.invoke));
  const between = mean(ev.slice(1).map((e, i) => e.invoke - ev[i]!.response!));
  return { perCall, inCall, between };
}

async function bench(name: string, ex: Adapter): Promise<number> {
  try {
    await ex.run(scenario, 60_000); // warm-up (JIT, attach)
    const results = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      const m = measure(await ex.run(scenario, 60_000));
      const wall = performance.now() - t0;
      results.push(m);
      console.log(`${name} round ${r + 1}: per call ${us(m.perCall).toFixed(1)} µs (in the call ${us(m.inCall).toFixed(1)} µs, between calls ${us(m.between).toFixed(1)} µs); scenario ${wall.toFixed(0)} ms`);
    }
    const perCall = median(results.map((m) => m.perCall));
    console.log(
      `${name}: median per call ${us(perCall).toFixed(1)} µs, in the call ${us(median(results.map((m) => m.inCall))).toFixed(1)} µs, between calls ${us(median(results.map((m) => m.between))).toFixed(1)} µs (${calls} calls x ${rounds} rounds)`,
    );
    return perCall;
  } finally {
    await ex.close();
  }
}

const specs = loadSpecDir();
const implementation = new URL("../../reference/threads/module.ts", import.meta.url);
const info = { name: "mpspec-reference", version: "bench", language: "TypeScript" };
const processes = await bench("processes", await ProcessesExecutor.start({ implementation, specs, info }));
const threads = await bench("threads", await ThreadsExecutor.start({ implementation, specs, info }));
console.log(`IPC route: ${us(processes).toFixed(1)} µs per call vs ${us(threads).toFixed(1)} µs on a thread (+${us(processes - threads).toFixed(1)} µs)`);
