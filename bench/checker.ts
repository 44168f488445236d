/**
 * `npm run bench:checker`: the checker on Porcupine's benchmark histories (103
 * Jepsen etcd logs of a compare-and-set register, and the kv logs), against the
 * verdicts Porcupine's own tests assert. Prints verdict agreement and time.
 */
import { checkHistory } from "../conformance/checker/linearize.js";
import { loadSpecFile, type LoadedSpec } from "../conformance/spec/load.js";
import { allCases, loadCase, missingData, porcupineDataDir, SPEC_FILES, type BenchCase } from "./porcupine/data.js";

export interface CaseResult {
  c: BenchCase;
  verdict: "ok" | "violation" | "inconclusive";
  ms: number;
  states: number;
}

const specs = {
  etcd: loadSpecFile(SPEC_FILES.etcd),
  kv: loadSpecFile(SPEC_FILES.kv),
};

export function checkCase(c: BenchCase, opts: { memo?: boolean; maxStates?: number } = {}): CaseResult {
  const { history, objects } = loadCase(c);
  const spec: LoadedSpec = specs[c.kind];
  const t0 = performance.now();
  const r = checkHistory(() => spec, objects, history, { profile: "bench", level: "documented", maxStates: opts.maxStates ?? 5_000_000, memo: opts.memo });
  return { c, verdict: r.verdict, ms: performance.now() - t0, states: r.objects.reduce((k, o) => k + o.states, 0) };
}

/**
 * The baseline, measured in the same run: the same search without its memo (plain
 * Wing & Gong), with a budget of states; the ratio is over the histories it decides.
 */
function baseline(results: CaseResult[], budget: number): void {
  let fast = 0;
  let slow = 0;
  let decided = 0;
  let gaveUp = 0;
  for (const r of results) {
    const b = checkCase(r.c, { memo: false, maxStates: budget });
    if (b.verdict === "inconclusive") {
      gaveUp++;
      continue;
    }
    if (b.verdict !== r.verdict) throw new Error(`baseline disagrees on ${r.c.name}: ${b.verdict} vs ${r.verdict}`);
    decided++;
    fast += r.ms;
    slow += b.ms;
  }
  console.log(
    `baseline (no memo, budget ${budget} states): decides ${decided}/${results.length} histories, gives up on ${gaveUp}; ` +
      `on those it decides the memoized checker takes ${(fast / 1000).toFixed(2)} s vs ${(slow / 1000).toFixed(2)} s: ` +
      `${(slow / Math.max(fast, 1e-9)).toFixed(1)}x faster`,
  );
}

function main(): number {
  // A partial data set would make the times and the agreement count incomparable: refuse it.
  const missing = missingData();
  if (missing.length) {
    console.error(`bench:checker: the Porcupine data set is incomplete (${porcupineDataDir()}):\n  ${missing.join("\n  ")}`);
    return 2;
  }
  const { cases, skipped } = allCases();
  const results: CaseResult[] = [];
  for (const c of cases) {
    const r = checkCase(c);
    results.push(r);
    const agree = (r.verdict === "ok") === c.expected && r.verdict !== "inconclusive";
    if (!agree || r.ms > 500) {
      console.log(`${agree ? "slow " : "WRONG"} ${c.kind}/${c.name}: ${r.verdict} (Porcupine: ${c.expected ? "linearizable" : "not linearizable"}), ${r.ms.toFixed(1)} ms, ${r.states} states`);
    }
  }
  for (const s of skipped) console.log(`skipped ${s.kind}/${s.name}: ${s.reason}`);
  let exit = 0;
  for (const kind of ["etcd", "kv"] as const) {
    const rs = results.filter((r) => r.c.kind === kind);
    const agree = rs.filter((r) => r.verdict !== "inconclusive" && (r.verdict === "ok") === r.c.expected).length;
    const total = rs.reduce((k, r) => k + r.ms, 0);
    const slowest = rs.reduce((a, b) => (b.ms > a.ms ? b : a));
    console.log(
      `${kind}: ${agree}/${rs.length} verdicts agree with Porcupine; checker time ${(total / 1000).toFixed(2)} s total, ` +
        `${(total / rs.length).toFixed(1)} ms mean, slowest ${slowest.c.name} ${slowest.ms.toFixed(1)} ms`,
    );
    if (agree !== rs.length) exit = 1;
  }
  baseline(results, 200_000);
  return exit;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`bench:checker: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
