/**
 * Micro-benchmark, run by hand (not part of the tests):
 *
 *   npx tsx adapters/reference-threads/bench.ts [seconds] [actors] [calls]
 *
 * How many small scenarios per second the ThreadsExecutor runs on the fake
 * Counter module: 1 init call, `actors` parallel actors × `calls` incr() each,
 * 1 post call (default 3 × 3).
 */
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { fileURLToPath } from "node:url";
import { loadSpecFile } from "../../conformance/spec/load.js";
import { ThreadsExecutor } from "./executor.js";

const seconds = Number(process.argv[2] ?? 5);
const actors = Number(process.argv[3] ?? 3);
const calls = Number(process.argv[4] ?? 3);

const incr: Call = { object: "o0", op: "incr", args: {} };
const scenario: Scenario = {
  profile: "threading",
  objects: [{ id: "o0", primitive: "Counter", args: { start: 0 } }],
  init: [incr],
  parallel: Array.from({ length: actors }, () => Array.from({ length: calls }, () => incr)),
  post: [{ object: "o0", op: "get", args: {} }],
};

async function main(): Promise<void> {
  const ex = await ThreadsExecutor.start({
    implementation: new URL("./fixtures/counter-module.ts", import.meta.url),
    info: { name: "counter-fixture", version: "0", language: "TypeScript" },
    specs: [loadSpecFile(fileURLToPath(new URL("./fixtures/Counter.yaml", import.meta.url)))],
  });
  try {
    await ex.warm(actors);
    for (let i = 0; i < 200; i++) await ex.run(scenario, 5000); // JIT warm-up
    const expected = 1 + actors * calls;
    let n = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      const h = await ex.run(scenario, 5000);
      const last = h.events[1];
      if (last.outcome.kind !== "returned" || last.outcome.value !== expected) throw new Error(`bad history: ${JSON.stringify(h)}`);
      n++;
    }
    const elapsed = (performance.now() - t0) / 1000;
    console.log(
      `${actors} actors × ${calls} calls: ${n} scenarios in ${elapsed.toFixed(2)} s = ${(n / elapsed).toFixed(0)} scenarios/s ` +
        `(${((elapsed / n) * 1e6).toFixed(0)} µs each; ${ex.liveWorkers} workers)`,
    );
  } finally {
    await ex.close();
  }
}

await main();
