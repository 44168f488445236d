/**
 * The reference's Pool and ProcessPoolExecutor (child processes) against CPython's
 * (multiprocessing.Pool, concurrent.futures.ProcessPoolExecutor, start method fork) on the same
 * workloads (workloads.ts), in one run:
 *
 *   npm run bench:pool -- [--scale F] [--only a,b] [--rounds N] [--processes P] [--json]
 *
 * For each workload: `rounds` rounds on CPython (cpython_pool.py), then `rounds` on the reference,
 * each on a fresh, warm pool of P workers (default 2); it prints the median time of one map call on
 * each side and their ratio, CPython's time / the reference's (above 1: the reference is faster).
 * Every value of every map is checked. Exit status 1 when a check or a run fails, 2 for bad flags.
 */
import { execFile } from "node:child_process";
import * as os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Pool } from "../../reference/processes/pool.js";
import { ProcessPoolExecutor } from "../../reference/processes/process-pool-executor.js";
import { endProcesses } from "../../reference/processes/process.js";
import { siblingUrl, spawnWorker } from "../../reference/spawn-worker.js";
import type { CallerData, CallerReply } from "./caller.js";
import { POOL_WORKLOADS, scaledN, type PoolWorkload } from "./workloads.js";

const USAGE = "usage: npm run bench:pool -- [--scale F] [--only a,b] [--rounds N] [--processes P] [--json]";
const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = process.env.MPSPEC_PYTHON ?? "python3";
/** A round on either side that takes longer has failed (the backstop of a hung pool). */
const ROUND_TIMEOUT_S = 120;

export class UsageError extends Error {}

export interface PoolBenchOptions {
  scale: number;
  only: PoolWorkload[];
  rounds: number;
  processes: number;
  json: boolean;
  help: boolean;
}

/** The flags; throws UsageError naming the bad one. */
export function parsePoolArgs(argv: string[]): PoolBenchOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { scale: { type: "string" }, only: { type: "string" }, rounds: { type: "string" }, processes: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean" } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const num = (flag: string, fallback: number, ok: (x: number) => boolean, what: string): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    const x = Number(raw);
    if (typeof raw !== "string" || raw.trim() === "" || !ok(x)) throw new UsageError(`--${flag} needs ${what}, got ${JSON.stringify(raw)}`);
    return x;
  };
  const names = typeof values.only === "string" ? values.only.split(",").map((s) => s.trim()).filter((s) => s) : POOL_WORKLOADS.map((w) => w.name);
  const only = names.map((n) => {
    const w = POOL_WORKLOADS.find((x) => x.name === n);
    if (!w) throw new UsageError(`--only: no workload '${n}' (have: ${POOL_WORKLOADS.map((x) => x.name).join(", ")})`);
    return w;
  });
  if (only.length === 0) throw new UsageError("--only needs at least one workload name");
  return {
    scale: num("scale", 1, (x) => Number.isFinite(x) && x > 0, "a positive number"),
    rounds: num("rounds", 3, (x) => Number.isInteger(x) && x >= 1, "a positive integer"),
    processes: num("processes", 2, (x) => Number.isInteger(x) && x >= 1 && x <= 64, "an integer from 1 to 64"),
    only,
    json: values.json === true,
    help: values.help === true,
  };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

/** CPython's rounds (ms each), or the error it reported. */
function cpythonRounds(w: PoolWorkload, n: number, o: PoolBenchOptions): Promise<number[]> {
  const args = [join(HERE, "cpython_pool.py"), "--workload", w.name, "--n", String(n), "--rounds", String(o.rounds), "--processes", String(o.processes), "--timeout", String(ROUND_TIMEOUT_S)];
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { timeout: (ROUND_TIMEOUT_S + 30) * 1000 * o.rounds, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      let r: { ok?: boolean; rounds_ms?: number[]; error?: string } = {};
      try {
        r = JSON.parse(line) as typeof r;
      } catch {
        return reject(new Error(`${PYTHON} cpython_pool.py ${w.name}: ${err ? err.message : "no JSON line"}\n${stderr}`));
      }
      if (r.ok && r.rounds_ms) resolve(r.rounds_ms);
      else reject(new Error(`CPython ${w.name}: ${r.error ?? stderr}`));
    });
  });
}

/** One round on the reference: a fresh pool made here, its map called from a caller thread (caller.ts). */
async function referenceRound(w: PoolWorkload, n: number, processes: number): Promise<number> {
  const pool = w.api === "Pool.map" ? new Pool({ processes }) : new ProcessPoolExecutor({ max_workers: processes });
  const data: CallerData = { workload: w.name, handle: pool.handle(), n, processes };
  const worker = spawnWorker(siblingUrl(import.meta.url, "./caller"), { workerData: data });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<CallerReply>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the caller thread exited (${code}) without a reply`)));
      timer = setTimeout(() => reject(new Error(`no reply within ${ROUND_TIMEOUT_S} s`)), ROUND_TIMEOUT_S * 1000);
    });
    if (!reply.ok) throw new Error(`reference ${w.name}: ${reply.error}`);
    return reply.ms;
  } finally {
    clearTimeout(timer);
    await worker.terminate();
    // The caller ended the pool; whatever a failed round left is killed here.
    await endProcesses();
  }
}

export interface PoolBenchRow {
  workload: string;
  what: string;
  n: number;
  cpythonMs: number;
  referenceMs: number;
  /** CPython's time / the reference's: above 1, the reference is faster. */
  ratio: number;
}

export async function runPoolBench(o: PoolBenchOptions, progress: (line: string) => void = () => {}): Promise<PoolBenchRow[]> {
  const rows: PoolBenchRow[] = [];
  for (const w of o.only) {
    const n = scaledN(w, o.scale);
    progress(`${w.name}: CPython, ${o.rounds} rounds of ${n} items`);
    const cp = median(await cpythonRounds(w, n, o));
    progress(`${w.name}: reference, ${o.rounds} rounds of ${n} items`);
    const ref: number[] = [];
    for (let r = 0; r < o.rounds; r++) ref.push(await referenceRound(w, n, o.processes));
    const rm = median(ref);
    rows.push({ workload: w.name, what: w.what, n, cpythonMs: cp, referenceMs: rm, ratio: cp / rm });
  }
  return rows;
}

export function poolTable(rows: readonly PoolBenchRow[], o: PoolBenchOptions): string {
  const cpu = os.cpus();
  const head = `bench:pool, ${o.processes} workers, median of ${o.rounds} rounds, ${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, Node ${process.versions.node}`;
  const lines = rows.map((r) => `${r.workload.padEnd(20)} ${String(r.n).padStart(7)} items  CPython ${r.cpythonMs.toFixed(1).padStart(8)} ms  reference ${r.referenceMs.toFixed(1).padStart(8)} ms  ${r.ratio.toFixed(2).padStart(6)}× (CPython's time / the reference's)`);
  return [head, ...lines].join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let o: PoolBenchOptions;
  try {
    o = parsePoolArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench:pool: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  try {
    const rows = await runPoolBench(o, (l) => process.stderr.write(`${l}\n`));
    process.stdout.write(o.json ? `${JSON.stringify({ machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.versions.node }, processes: o.processes, rounds: o.rounds, rows }, null, 2)}\n` : `${poolTable(rows, o)}\n`);
  } catch (e) {
    process.stderr.write(`bench:pool: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
