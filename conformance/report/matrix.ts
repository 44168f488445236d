/**
 * The conformance matrix: implementation x primitive, each cell pass, fail (with
 * its minimal counterexample and replay command), unsupported, or an adapter
 * error. Written as reports/matrix.json and reports/matrix.md.
 */
import { readFileSync } from "node:fs";
import type { Adapter } from "../adapter/types.js";
import { resolveAdapter } from "../adapter/registry.js";
import type { ImplementationInfo } from "../adapter/types.js";
import { runSuite, type PrimitiveOutcome } from "../run/suite.js";
import { deviationRules, type LoadedSpec } from "../spec/load.js";
import { badgeSvg } from "./badge.js";
import { campaignJson } from "./json.js";
import { deviationsText, horizonText, replayCommand } from "./campaign-text.js";
import { checkText, counterexampleBody, pythonCalls, scenarioText } from "./explain.js";

export interface MatrixImplementation {
  id: string;
  name: string;
  /** A short adapter name or a JSON-lines adapter's command line. */
  adapter: string;
  profile: string;
  /** How to install it, for the report. */
  install?: string;
}

export interface MatrixConfig {
  runs: number;
  /** Every cell runs once per seed; a cell fails when any seed fails (a config may give one `seed`). */
  seeds: number[];
  implementations: MatrixImplementation[];
}

export class MatrixConfigError extends Error {}

export function loadMatrixConfig(path: string): MatrixConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new MatrixConfigError(`${path}: ${(e as Error).message}`);
  }
  const c = raw as Partial<MatrixConfig> & { seed?: unknown };
  const where = (s: string) => new MatrixConfigError(`${path}: ${s}`);
  if (!Number.isInteger(c.runs) || c.runs! < 1) throw where("'runs' must be a whole number of at least 1");
  if (c.seeds === undefined && c.seed !== undefined) {
    if (!Number.isInteger(c.seed)) throw where("'seed' must be a whole number");
    c.seeds = [c.seed as number];
    delete c.seed;
  }
  if (!Array.isArray(c.seeds) || c.seeds.length === 0 || !c.seeds.every((x) => Number.isInteger(x))) {
    throw where("'seeds' must be a non-empty list of whole numbers (or give one 'seed')");
  }
  if (!Array.isArray(c.implementations) || c.implementations.length === 0) throw where("'implementations' must be a non-empty list");
  c.implementations.forEach((m, i) => {
    for (const k of ["id", "name", "adapter", "profile"] as const) {
      if (typeof m?.[k] !== "string" || !m[k]) throw where(`implementations[${i}].${k} must be a non-empty string`);
    }
  });
  return c as MatrixConfig;
}

/** A cell: the outcome that decides it (the first seed's that did not pass, else the first seed's) and each seed's verdict. */
export interface MatrixOutcome extends PrimitiveOutcome {
  seeds: { seed: number; verdict: string }[];
}

export interface MatrixRow {
  implementation: MatrixImplementation;
  info?: ImplementationInfo;
  /** Set when the adapter could not be opened (e.g. not installed). */
  unavailable?: string;
  outcomes: MatrixOutcome[];
  seconds: number;
}

/** One cell from its outcomes on each seed: any seed that did not pass decides it. */
export function mergeSeeds(bySeed: { seed: number; outcome: PrimitiveOutcome }[]): MatrixOutcome {
  const verdictOf = (o: PrimitiveOutcome) => o.result?.verdict ?? "unsupported";
  const worst = bySeed.find((s) => s.outcome.result && s.outcome.result.verdict !== "pass") ?? bySeed[0]!;
  return { ...worst.outcome, seeds: bySeed.map((s) => ({ seed: s.seed, verdict: verdictOf(s.outcome) })) };
}

export async function runMatrix(
  config: MatrixConfig,
  specs: LoadedSpec[],
  log: (s: string) => void,
  runsOverride?: number,
  /** Implementations measured at once (default 1): their campaigns mostly wait on deadlines. */
  jobs = 1,
  /** Called after each row with the rows measured so far, in the config's order (a long run's files written as it goes). */
  onRow?: (done: MatrixRow[]) => void,
  /** The primitives measured (default: all of `specs`); the adapters still get every document (a Process's Event companion). */
  only: readonly LoadedSpec[] = specs,
  /** Adapters opened per implementation: its campaigns' searches run that many scenarios at once (CampaignOptions.lanes). */
  concurrency = 1,
): Promise<MatrixRow[]> {
  const rows: MatrixRow[] = new Array(config.implementations.length);
  let next = 0;
  const worker = async () => {
    while (next < config.implementations.length) {
      const i = next++;
      const impl = config.implementations[i]!;
      const t0 = performance.now();
      try {
        rows[i] = await measure(impl);
      } catch (e) {
        // A bug met in one row (the suite's, not a verdict) ends that row, not the matrix: the
        // other rows go on and are written; this one is reported as not measured, with the error.
        const err = e as Error;
        log(`${impl.id}: internal error, row not measured: ${err.stack ?? err.message}`);
        rows[i] = { implementation: impl, unavailable: `internal error (not a verdict): ${err.message.split("\n")[0]}`, outcomes: [], seconds: (performance.now() - t0) / 1000 };
      }
      onRow?.(rows.filter((r) => r !== undefined));
    }
  };
  const measure = async (impl: MatrixImplementation): Promise<MatrixRow> => {
    const t0 = performance.now();
    const entry = resolveAdapter(impl.adapter);
    if (!entry) return { implementation: impl, unavailable: `unknown adapter '${impl.adapter}'`, outcomes: [], seconds: 0 };
    let adapter;
    try {
      adapter = await entry.open(specs);
    } catch (e) {
      const msg = (e as Error).message.split("\n")[0]!;
      log(`${impl.id}: unavailable (${msg})`);
      return { implementation: impl, unavailable: msg, outcomes: [], seconds: (performance.now() - t0) / 1000 };
    }
    const lanes: Adapter[] = [];
    try {
      for (let k = 1; k < concurrency; k++) lanes.push(await entry.open(specs));
      const bySeed: PrimitiveOutcome[][] = [];
      for (const seed of config.seeds) {
        bySeed.push(
          await runSuite(adapter, [...only], { profile: impl.profile, runs: runsOverride ?? config.runs, seed, recordThrown: true, lanes }, (o) =>
            log(`${impl.id} ${o.spec.primitive} (seed ${seed}): ${o.result ? o.result.verdict : "unsupported"}`),
          ),
        );
      }
      const outcomes = bySeed[0]!.map((_, i) => mergeSeeds(config.seeds.map((seed, k) => ({ seed, outcome: bySeed[k]![i]! }))));
      return { implementation: impl, info: adapter.info, outcomes, seconds: (performance.now() - t0) / 1000 };
    } finally {
      await Promise.all([adapter, ...lanes].map((a) => a.close()));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, config.implementations.length)) }, worker));
  return rows;
}

const replayOf = (impl: MatrixImplementation, o: MatrixOutcome) => replayCommand(impl, o.spec.primitive, o.result);

/**
 * One cell of matrix.json: the campaign's JSON (json.ts) with each seed's verdict, when it was
 * measured, and the texts the report shows (a failure's counterexample table, the scenario an
 * adapter failed on). The report and the badges are made from these alone, so a later run of
 * some primitives (`mpspec matrix --primitives`) can replace their cells and keep the others.
 */
export type MatrixCell = ReturnType<typeof campaignJson> & {
  seeds?: { seed: number; verdict: string }[];
  measured: string;
  failureText?: string;
  errorScenarioText?: string;
};

export interface MatrixReportRow extends MatrixImplementation {
  info?: ImplementationInfo;
  unavailable?: string;
  seconds: number;
  results: MatrixCell[];
}

export interface MatrixReport {
  generated: string;
  runs: number;
  seeds: number[];
  implementations: MatrixReportRow[];
}

function cellJson(impl: MatrixImplementation, o: MatrixOutcome, measured: string): MatrixCell {
  const r = o.result;
  const cx = r?.levels.documented?.counterexample ?? r?.levels.cpython?.counterexample;
  return {
    ...campaignJson(o.spec, r, o.reason, r ? replayOf(impl, o) : undefined),
    seeds: o.seeds,
    measured,
    ...(r && r.verdict !== "pass" && !r.error && cx ? { failureText: counterexampleBody(cx, pythonCalls(cx.scenario, [o.spec])) } : {}),
    ...(r?.errorScenario ? { errorScenarioText: scenarioText(r.errorScenario, pythonCalls(r.errorScenario, [o.spec])) } : {}),
  };
}

export function matrixJson(config: MatrixConfig, rows: MatrixRow[], runs: number, now: Date = new Date()): MatrixReport {
  const measured = now.toISOString();
  return {
    generated: measured,
    runs,
    seeds: config.seeds,
    implementations: rows.map((r) => ({
      ...r.implementation,
      info: r.info,
      unavailable: r.unavailable,
      seconds: Math.round(r.seconds * 10) / 10,
      results: r.outcomes.map((o) => cellJson(r.implementation, o, measured)),
    })),
  };
}

export class MatrixMergeError extends Error {}

/**
 * `previous` with the cells of `fresh` (a run of some primitives only, same runs and seeds) put
 * in place, in the spec's primitive order. Every implementation must be in `previous`; one the
 * fresh run could not open keeps its previous cells (nothing measured is lost).
 */
export function mergeMatrix(
  previous: MatrixReport,
  fresh: MatrixReport,
  order: string[],
  /** With --implementations: the config's row order; rows of `previous` not measured now are kept, new rows added. */
  rowOrder?: string[],
  /** Whether `fresh` measured some primitives only (--primitives): then its rows must exist in `previous`. */
  partialCells = true,
): { report: MatrixReport; kept: string[] } {
  if (previous.runs !== fresh.runs || previous.seeds.join(",") !== fresh.seeds.join(",")) {
    throw new MatrixMergeError(
      `it was measured with ${previous.runs} runs and seeds ${previous.seeds.join(", ")}, this run with ${fresh.runs} runs and seeds ${fresh.seeds.join(", ")}: give the same --runs and --seeds, or run the whole matrix`,
    );
  }
  const kept: string[] = [];
  const merged = fresh.implementations.map((row) => {
    const old = previous.implementations.find((p) => p.id === row.id);
    if (!old && !partialCells) return row;
    if (!old) throw new MatrixMergeError(`it has no row for '${row.id}': run the whole matrix to add an implementation`);
    if (row.unavailable) {
      kept.push(row.id);
      return old;
    }
    if (!partialCells) return row;
    if (old.unavailable) throw new MatrixMergeError(`its row for '${row.id}' is unavailable (${old.unavailable}): run the whole matrix now that it opens`);
    const byPrimitive = new Map(old.results.map((c) => [c.primitive, c]));
    for (const c of row.results) byPrimitive.set(c.primitive, c);
    const results = order.filter((p) => byPrimitive.has(p)).map((p) => byPrimitive.get(p)!);
    return { ...row, seconds: Math.round((old.seconds + row.seconds) * 10) / 10, results };
  });
  if (!rowOrder) return { report: { ...fresh, implementations: merged }, kept };
  // The rows not measured now, as they were; in the config's order (rows it no longer has last).
  const byId = new Map(previous.implementations.map((r) => [r.id, r]));
  for (const r of merged) byId.set(r.id, r);
  const rank = (id: string) => (rowOrder.includes(id) ? rowOrder.indexOf(id) : rowOrder.length);
  const implementations = [...byId.values()].sort((a, b) => rank(a.id) - rank(b.id));
  return { report: { ...fresh, implementations }, kept };
}

function cell(c: MatrixCell | undefined): string {
  if (!c) return "";
  if (c.verdict === "unsupported") return "—";
  if (c.verdict === "pass") return deviationsText(c as { levels: { documented?: { deviations?: Record<string, number> } } }) ? "pass, known deviations" : "pass";
  // A cell that did not fail on every seed says on which it did.
  const seeds = c.seeds ?? [];
  const failing = seeds.filter((s) => s.verdict !== "pass").map((s) => s.seed);
  const on = seeds.length > 1 && failing.length < seeds.length ? `, seed ${failing.join(", ")} only` : "";
  if (c.verdict === "error") return c.errorOf === "suite" ? `suite error (spec or checker)${on}` : `adapter error${on}`;
  return c.levels?.documented?.verdict === "fail" ? `**FAIL** (documented${on})` : `**FAIL** (cpython level${on})`;
}

/** A measured cell as a badge and the horizon text read it. */
const measuredView = (c: MatrixCell) =>
  c.verdict === "unsupported" ? null : { verdict: c.verdict, levels: c.levels ?? {}, long: c.long!, runs: c.scenarios!, cut: c.cut! };

/** Where the matrix writes an implementation's badge, relative to its output folder. */
export const badgePath = (impl: MatrixImplementation): string => `badges/${impl.id}.svg`;

/** Each measured row's badge: relative path -> SVG. */
export function matrixBadges(report: MatrixReport): Map<string, string> {
  return new Map(
    report.implementations.filter((r) => !r.unavailable).map((r) => [badgePath(r), badgeSvg(r.results.map((c) => ({ result: measuredView(c) })), r.profile)]),
  );
}

export function matrixMarkdown(report: MatrixReport, specs: LoadedSpec[]): string {
  const { runs, seeds } = report;
  const rows = report.implementations;
  const prims = specs.map((s) => s.primitive);
  const dates = [...new Set(rows.flatMap((r) => r.results.map((c) => c.measured.slice(0, 10))))].sort();
  const lines = [
    "# mpspec conformance matrix",
    "",
    `Generated by \`npx mpspec matrix\` (${runs} scenarios per cell and seed, ${seeds.length > 1 ? `seeds ${seeds.join(", ")}` : `seed ${seeds[0]}`}${dates.length > 1 ? `; cells measured from ${dates[0]} to ${dates[dates.length - 1]}, each cell's date in matrix.json` : ""}). "pass": conforms at both levels`,
    '("pass, known deviations": at the documented level only with CPython\'s known deviations, listed below);',
    '"FAIL (documented)": breaks what the Python docs promise; "FAIL (cpython level)": conforms to the documented API but',
    'differs from observed CPython behaviour (messages, ...); "—": the primitive does not exist in that profile or the adapter',
    "does not support it." + (seeds.length > 1 ? " Every cell runs once per seed and fails when any seed fails (\"seed N only\": the seeds that did)." : ""),
    "",
    `| implementation | profile | ${prims.join(" | ")} |`,
    `|---|---|${prims.map(() => "---").join("|")}|`,
  ];
  const at = (r: MatrixReportRow, p: string) => r.results.find((c) => c.primitive === p);
  for (const r of rows) {
    const name = r.info ? `${r.name} — ${r.info.name} ${r.info.version}` : r.name;
    if (r.unavailable) {
      lines.push(`| ${name} | ${r.profile} | ${prims.map(() => "unavailable").join(" | ")} |`);
      continue;
    }
    lines.push(`| ${name} | ${r.profile} | ${prims.map((p) => cell(at(r, p))).join(" | ")} |`);
  }
  const measured = rows.filter((r) => !r.unavailable);
  if (measured.length) {
    lines.push(
      "",
      "## How far the verdicts hold",
      "",
      "Calls that block for good end at each scenario's deadline (adaptive, a fraction of a second) and are recorded as never",
      "returned, which the checker allows only where the spec says the call can block. The first cut scenarios of each cell are",
      "run again to a longer horizon, where a call that never returns although it could, or a late wrong answer, fails the cell.",
      "",
      `| implementation | ${prims.join(" | ")} |`,
      `|---|${prims.map(() => "---").join("|")}|`,
    );
    for (const r of measured) {
      const view = (p: string) => {
        const c = at(r, p);
        return c ? measuredView(c) : null;
      };
      lines.push(`| ${r.id} | ${prims.map((p) => (view(p) ? horizonText(view(p)!) : "—")).join(" | ")} |`);
    }
    const deviations = specs.flatMap((s) => deviationRules(s).map((d) => ({ spec: s, ...d })));
    if (deviations.length) {
      lines.push(
        "",
        "## Known CPython deviations",
        "",
        "CPython behaviours that its docs forbid (its race bugs), kept in the spec as rules of level `deviation` so that CPython",
        "passes the cpython level; at the documented level a history only they explain counts as \"conforms, except known",
        "deviations\". How many scenarios needed each, per implementation:",
        "",
      );
      for (const d of deviations) {
        const seen = measured
          .map((r) => [r.id, (at(r, d.spec.primitive)?.levels as { documented?: { deviations?: Record<string, number> } } | undefined)?.documented?.deviations?.[d.id] ?? 0] as const)
          .filter(([, n]) => n > 0);
        lines.push(`### ${d.id}`, "", d.says ?? "", "", `Docs: ${d.docs ?? "—"}. Seen in: ${seen.length ? seen.map(([id, n]) => `${id} (${n})`).join(", ") : "no implementation in this run"}.`, "");
        if (d.snippet) lines.push("Reproducer:", "```", d.snippet.trimEnd(), "```", "");
      }
    }
    lines.push("", "## Badges", "", "Each implementation's badge (`npx mpspec matrix` writes them; `npx mpspec run --badge file.svg` makes one for any run):", "");
    for (const r of measured) lines.push(`- ${r.id}: ![mpspec ${r.id}](${badgePath(r)})`);
  }
  const unavailable = rows.filter((r) => r.unavailable);
  if (unavailable.length) {
    lines.push("", "## Unavailable", "");
    for (const r of unavailable) lines.push(`- ${r.id}: ${r.unavailable}${r.install ? ` (install: \`${r.install}\`)` : ""}`);
  }
  const failures = rows.flatMap((r) => r.results.filter((c) => c.verdict !== "pass" && c.verdict !== "unsupported").map((c) => ({ r, c })));
  if (failures.length) lines.push("", "## Failures", "");
  for (const { r, c } of failures) {
    lines.push(`### ${r.id} × ${c.primitive}`, "");
    if (c.verdict === "error") {
      lines.push(`${c.errorOf === "suite" ? "Suite error (the spec or checker threw; not a verdict on the implementation)" : "Adapter error"}: ${c.error}`, "");
      if (c.errorScenarioText) lines.push("While running:", "```", c.errorScenarioText, "```", "");
      continue;
    }
    if (!c.failureText) continue;
    lines.push("```", c.failureText, "```", "", `Replay: \`${c.replay}\``, "");
  }
  return lines.join("\n") + "\n";
}
