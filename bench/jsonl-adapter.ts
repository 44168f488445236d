/**
 * Scenarios per second of a JSON-lines adapter (default: the Python adapter in
 * each of its modes), on generated Lock scenarios, without the checker.
 *   npx tsx bench/jsonl-adapter.ts [N] ["<adapter command line>" ...]
 */
import fc from "fast-check";
import { JsonlAdapter } from "../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER, pythonInterpreter } from "../conformance/adapter/registry.js";
import { scenarioArbitrary } from "../conformance/generate/scenario-arbitrary.js";
import { loadSpecDir } from "../conformance/spec/load.js";

const n = Number(process.argv[2] ?? 300);
const py = [pythonInterpreter(), PYTHON_ADAPTER, "--module", "multiprocessing"];
const configs: { name: string; command: string[]; profile: string }[] =
  process.argv.length > 3
    ? process.argv.slice(3).map((c) => ({ name: c, command: c.split(" "), profile: "multiprocessing" }))
    : [
        { name: "processes, fork (fresh per scenario)", command: py, profile: "multiprocessing" },
        { name: "processes, forkserver (pooled)", command: [...py, "--start-method", "forkserver"], profile: "multiprocessing" },
        { name: "processes, spawn (pooled)", command: [...py, "--start-method", "spawn"], profile: "multiprocessing" },
        { name: "threads, multiprocessing.Lock", command: [...py, "--actors", "threads"], profile: "multiprocessing" },
        { name: "threads, threading.Lock", command: [...py, "--actors", "threads"], profile: "threading" },
      ];

const specs = loadSpecDir();
const lock = specs.find((s) => s.primitive === "Lock")!;
for (const cfg of configs) {
  const scenarios = fc.sample(scenarioArbitrary(lock, cfg.profile), { numRuns: n, seed: 42 });
  // Non-blocking: every acquire with block=false, so no call waits for a timeout.
  const trivial = scenarios.map((s) => {
    const nb = (c: (typeof s.init)[number]) => (c.op === "acquire" ? { ...c, args: { block: false, timeout: null } } : c);
    return { ...s, init: s.init.map(nb), parallel: s.parallel.map((a) => a.map(nb)), post: s.post.map(nb) };
  });
  const a = await JsonlAdapter.open({ command: cfg.command, specs });
  const rate = async (list: typeof scenarios) => {
    const t0 = performance.now();
    for (const s of list) await a.run(s, 10_000);
    return list.length / ((performance.now() - t0) / 1000);
  };
  await rate(trivial.slice(0, 20)); // warm-up
  const r1 = await rate(trivial);
  const r2 = await rate(scenarios);
  await a.close();
  console.log(`${cfg.name.padEnd(40)} ${r1.toFixed(0).padStart(5)}/s non-blocking   ${r2.toFixed(0).padStart(5)}/s generated (with timeouts)`);
}
