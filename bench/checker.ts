/**
 * `npm run bench:checker`: the checker on Porcupine's benchmark histories (103
 * Jepsen etcd logs of a compare-and-set register, and the kv logs), against the
 * verdicts Porcupine's own tests assert. Prints verdict agreement and time: of a first pass (a
 * fresh process, the JIT cold) and the best of the later passes over the same histories (warm).
 * With `--porcupine <checkout>` and Go installed, Porcupine's own check time on the same
 * histories, measured in the same run (bench/porcupine/mpspec_timing_test.go), and the ratios.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
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

/** Porcupine's check time (s, best of its passes) per kind, by `go test` on a temporary copy of its repository. */
function porcupineTimes(repo: string): Record<"etcd" | "kv", number> {
  const dir = mkdtempSync(join(tmpdir(), "porcupine-"));
  try {
    cpSync(repo, dir, { recursive: true, filter: (src) => !src.includes(`${sep}.git`) });
    copyFileSync(fileURLToPath(new URL("./porcupine/mpspec_timing_test.go", import.meta.url)), join(dir, "mpspec_timing_test.go"));
    const r = spawnSync("go", ["test", "-count=1", "-run", "^TestMpspecCheckTiming$", "-v", "."], {
      cwd: dir,
      encoding: "utf8",
      timeout: 600_000,
      env: { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off" },
    });
    if (r.error) throw new Error(`go test: ${r.error.message}${(r.error as NodeJS.ErrnoException).code === "ENOENT" ? " (is Go installed? apt-get install -y golang-go)" : ""}`);
    const m = /MPSPEC-TIMING etcd ([\d.]+) kv ([\d.]+)/.exec(r.stdout);
    if (r.status !== 0 || !m) throw new Error(`go test failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-2000)}`);
    return { etcd: Number(m[1]), kv: Number(m[2]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

class UsageError extends Error {}

function main(argv: string[]): number {
  let values: { porcupine?: string; passes?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { porcupine: { type: "string" }, passes: { type: "string" }, help: { type: "boolean" } } }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; usage: npm run bench:checker [-- --passes N] [--porcupine <checkout of github.com/anishathalye/porcupine>]`);
  }
  if (values.help) {
    console.log("usage: npm run bench:checker [-- --passes N] [--porcupine <checkout of github.com/anishathalye/porcupine>]");
    return 0;
  }
  const passes = values.passes === undefined ? 3 : Number(values.passes);
  if (!Number.isInteger(passes) || passes < 1) throw new UsageError(`--passes takes a whole number of at least 1, got '${values.passes}'`);
  const porcupineRepo = values.porcupine === undefined ? undefined : resolve(values.porcupine);
  if (porcupineRepo !== undefined && !existsSync(join(porcupineRepo, "checker.go"))) {
    throw new UsageError(`--porcupine ${values.porcupine}: not a checkout of github.com/anishathalye/porcupine (no checker.go)`);
  }
  // A partial data set would make the times and the agreement count incomparable: refuse it.
  const missing = missingData();
  if (missing.length) {
    console.error(`bench:checker: the Porcupine data set is incomplete (${porcupineDataDir()}):\n  ${missing.join("\n  ")}`);
    return 2;
  }
  const { cases, skipped } = allCases();
  for (const s of skipped) console.log(`skipped ${s.kind}/${s.name}: ${s.reason}`);
  // Pass 1 is the first check in a fresh process (the JIT cold); later passes the same work warm.
  const runs: CaseResult[][] = [];
  let exit = 0;
  for (let p = 0; p < passes; p++) {
    const results: CaseResult[] = [];
    for (const c of cases) {
      const r = checkCase(c);
      results.push(r);
      const agree = (r.verdict === "ok") === c.expected && r.verdict !== "inconclusive";
      if (!agree) {
        console.log(`WRONG ${c.kind}/${c.name} (pass ${p + 1}): ${r.verdict} (Porcupine: ${c.expected ? "linearizable" : "not linearizable"}), ${r.states} states`);
        exit = 1;
      }
    }
    runs.push(results);
  }
  const ours: Record<"etcd" | "kv", { cold: number; warm: number }> = { etcd: { cold: 0, warm: 0 }, kv: { cold: 0, warm: 0 } };
  for (const kind of ["etcd", "kv"] as const) {
    const totals = runs.map((rs) => rs.filter((r) => r.c.kind === kind).reduce((k, r) => k + r.ms, 0) / 1000);
    const rs = runs[0]!.filter((r) => r.c.kind === kind);
    const agree = rs.filter((r) => r.verdict !== "inconclusive" && (r.verdict === "ok") === r.c.expected).length;
    const slowest = rs.reduce((a, b) => (b.ms > a.ms ? b : a));
    ours[kind] = { cold: totals[0]!, warm: Math.min(...totals.slice(1), totals[0]!) };
    console.log(
      `${kind}: ${agree}/${rs.length} verdicts agree with Porcupine; checker time ${totals[0]!.toFixed(3)} s (first pass)` +
        (passes > 1 ? `, ${ours[kind].warm.toFixed(3)} s (best later pass of ${passes - 1})` : "") +
        `; slowest ${slowest.c.name} ${slowest.ms.toFixed(1)} ms, ${slowest.states} states`,
    );
  }
  if (porcupineRepo !== undefined) {
    const theirs = porcupineTimes(porcupineRepo);
    for (const kind of ["etcd", "kv"] as const) {
      console.log(
        `${kind}: Porcupine ${theirs[kind].toFixed(3)} s (go test, check only, best of 3): ours / Porcupine = ${(ours[kind].cold / theirs[kind]).toFixed(2)} first pass` +
          (passes > 1 ? `, ${(ours[kind].warm / theirs[kind]).toFixed(2)} warm` : ""),
      );
    }
  }
  baseline(runs[runs.length - 1]!, 200_000);
  return exit;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    console.error(`bench:checker: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
