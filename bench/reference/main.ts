/**
 * The reference primitives (worker threads, SharedArrayBuffer + Atomics) against CPython's
 * multiprocessing (fork) on the same workloads, in the same run:
 *
 *   npm run bench:reference -- [--scale F] [--only a,b] [--rounds N] [--warmup W] [--timeout S] [--json]
 *
 * For each workload (workloads.ts; cpython_workloads.py is the CPython side) it runs `warmup`
 * rounds and then `rounds` rounds on CPython, then the same on the reference, and prints the
 * median of each side's `rounds` (the warm-up rounds are not counted, on either side: the
 * reference's first rounds of a workload run before V8 has optimized its code), their ratio
 * (CPython time / reference time: how many times faster the reference is) and whether the
 * workload's goal is met. A round's time is its slowest actor's, each actor timing its own loop
 * after a common start signal. Counts are the same on both sides: each workload's default N
 * (chosen so that CPython takes roughly 0.2-1 s) times --scale (default 1).
 *
 * Flags: --scale F (> 0), --only a,b (workload names), --rounds N (default 3), --warmup W (rounds
 * before those, not counted; default 1, 0 for none), --timeout S (the
 * timeout of every blocking call, default 60), --json (a JSON report on stdout instead of the
 * table; progress goes to stderr either way). Exit status 1 when a check of a workload's results
 * fails or a run fails (a missed goal is only reported), 2 for bad flags.
 */
import * as os from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  ActorPool,
  TIMEOUT_S,
  WORKLOADS,
  median,
  poolSize,
  pythonInfo,
  runCPython,
  scaledCount,
  workload,
  type Workload,
} from "./workloads.js";

export interface Options {
  scale: number;
  only: Workload[];
  rounds: number;
  warmup: number;
  timeoutS: number;
  json: boolean;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run bench:reference -- [--scale F] [--only a,b] [--rounds N] [--warmup W] [--timeout S] [--json]";

/** Parse the flags (`--flag value` or `--flag=value`); throws UsageError naming the bad flag. */
export function parseArgs(argv: readonly string[]): Options & { help: boolean } {
  const o: Options & { help: boolean } = { scale: 1, only: [...WORKLOADS], rounds: 3, warmup: 1, timeoutS: TIMEOUT_S, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const number = (check: (x: number) => boolean, what: string): number => {
      const raw = value();
      const x = Number(raw);
      if (raw.trim() === "" || !check(x)) throw new UsageError(`${flag} needs ${what}, got ${JSON.stringify(raw)}`);
      return x;
    };
    const noValue = () => {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
    };
    switch (flag) {
      case "--scale":
        o.scale = number((x) => Number.isFinite(x) && x > 0, "a positive number");
        break;
      case "--rounds":
        o.rounds = number((x) => Number.isInteger(x) && x >= 1, "a positive integer");
        break;
      case "--warmup":
        o.warmup = number((x) => Number.isInteger(x) && x >= 0, "a whole number (0 for no warm-up)");
        break;
      case "--timeout":
        o.timeoutS = number((x) => Number.isFinite(x) && x > 0, "a positive number of seconds");
        break;
      case "--only": {
        const names = value().split(",").map((s) => s.trim()).filter((s) => s !== "");
        const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
        if (names.length === 0 || unknown.length > 0) {
          throw new UsageError(`--only: unknown workload ${unknown.map((n) => JSON.stringify(n)).join(", ") || "(none given)"} (known: ${WORKLOADS.map((w) => w.name).join(", ")})`);
        }
        o.only = WORKLOADS.filter((w) => names.includes(w.name)); // in the table's order
        break;
      }
      case "--json":
        noValue();
        o.json = true;
        break;
      case "--help":
      case "-h":
        noValue();
        o.help = true;
        break;
      default:
        throw new UsageError(`unknown flag ${JSON.stringify(arg)}`);
    }
  }
  return o;
}

export interface Row {
  workload: string;
  n: number;
  cpython_ms: number;
  reference_ms: number;
  cpython_rounds_ms: number[];
  reference_rounds_ms: number[];
  /** The warm-up rounds' times (not counted in the medians). */
  cpython_warmup_ms: number[];
  reference_warmup_ms: number[];
  /** CPython time / reference time. */
  ratio: number;
  goal: string | null;
  goal_ratio: number | null;
  met: boolean | null;
}

async function machine(): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  const py = await pythonInfo();
  return {
    cpu: cpus[0]?.model ?? "unknown",
    cpus: cpus.length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: `${py.implementation} ${py.python}`,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

function table(rows: Row[]): string {
  const head = ["workload", "N", "CPython ms", "reference ms", "ratio", "goal", "met?"];
  const body = rows.map((r) => [
    r.workload,
    String(r.n),
    fmtMs(r.cpython_ms),
    fmtMs(r.reference_ms),
    `${r.ratio.toFixed(2)}x`,
    r.goal ?? "(report)",
    r.met === null ? "-" : r.met ? "yes" : "NO",
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const left = new Set([0, 5, 6]);
  const line = (cells: string[]) => cells.map((c, k) => (left.has(k) ? c.padEnd(widths[k]!) : c.padStart(widths[k]!))).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`bench:reference: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(`${USAGE}\nworkloads:\n${WORKLOADS.map((w) => `  ${w.name.padEnd(20)} N=${w.n}  ${w.description}`).join("\n")}`);
    return 0;
  }
  const progress = (s: string) => console.error(s);
  const info = await machine();
  const header = [
    `machine: ${info.cpu} x ${info.cpus} CPUs, ${info.os}; load average ${(info.loadavg as number[]).join(" ")}`,
    `Node ${info.node}, ${info.python} (multiprocessing, fork)`,
    `scale ${opts.scale}, median of ${opts.rounds} round(s) after ${opts.warmup} warm-up round(s) on each side, timeout ${opts.timeoutS} s per blocking call`,
  ].join("\n");
  if (!opts.json) console.log(header + "\n");

  const rows: Row[] = [];
  let failure: string | null = null;
  const pool = await ActorPool.start(poolSize(opts.only), opts.timeoutS);
  try {
    for (const w of opts.only) {
      const n = scaledCount(w, opts.scale);
      progress(`${w.name}: N=${n}, CPython...`);
      const [py] = await runCPython([w.name], n, opts.warmup + opts.rounds, opts.timeoutS);
      if (!py?.ok || !py.rounds_ms) throw new Error(`${w.name} (CPython): ${py?.error ?? "no result"}`);
      const pyRounds = py.rounds_ms.slice(opts.warmup);
      const show = (all: number[]) => all.map((ms, k) => (k < opts.warmup ? `(${fmtMs(ms)})` : fmtMs(ms))).join(", ");
      progress(`${w.name}: CPython ${show(py.rounds_ms)} ms (warm-up in brackets); reference...`);
      const all: number[] = [];
      for (let r = 0; r < opts.warmup + opts.rounds; r++) all.push((await pool.run(workload(w.name), n, opts.timeoutS)).ms);
      const ref = all.slice(opts.warmup);
      progress(`${w.name}: reference ${show(all)} ms`);
      const cpythonMs = median(pyRounds);
      const referenceMs = median(ref);
      const ratio = cpythonMs / referenceMs;
      rows.push({
        workload: w.name,
        n,
        cpython_ms: cpythonMs,
        reference_ms: referenceMs,
        cpython_rounds_ms: pyRounds,
        reference_rounds_ms: ref,
        cpython_warmup_ms: py.rounds_ms.slice(0, opts.warmup),
        reference_warmup_ms: all.slice(0, opts.warmup),
        ratio,
        goal: w.goal?.label ?? null,
        goal_ratio: w.goal?.ratio ?? null,
        met: w.goal ? ratio >= w.goal.ratio : null,
      });
    }
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  } finally {
    await pool.close();
  }

  const goals = rows.filter((r) => r.met !== null);
  const summary = { met: goals.filter((r) => r.met).length, total: goals.length };
  if (opts.json) {
    const report = { machine: info, scale: opts.scale, rounds: opts.rounds, warmup: opts.warmup, timeout_s: opts.timeoutS, results: rows, goals: summary, error: failure };
    console.log(JSON.stringify(report, null, 2));
  } else {
    if (rows.length > 0) console.log(table(rows));
    console.log(`\nratio = CPython time / reference time (how many times faster the reference is); goals met: ${summary.met} of ${summary.total}`);
  }
  if (failure !== null) {
    console.error(`bench:reference: FAILED: ${failure}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
