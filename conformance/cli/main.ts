/**
 * The mpspec command line. Exit codes: 0 conformant / valid, 1 not conformant (and nothing
 * else), 2 bad usage, bad spec, adapter failure or internal error (one line on stderr, the
 * stack only with MPSPEC_DEBUG=1); 130 / 143 interrupted by SIGINT / SIGTERM (cli/signals.ts).
 */
import type { Level } from "../../spec/format.js";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ADAPTERS, resolveAdapter } from "../adapter/registry.js";
import { CommandLineError, shellQuote } from "../adapter/jsonl-adapter.js";
import { AdapterError, type Adapter } from "../adapter/types.js";
import type { CampaignResult } from "../run/campaign.js";
import { runSuite, suiteExitCode, type PrimitiveOutcome } from "../run/suite.js";
import { DRAFTS_DIR, SpecError, loadSpecDir, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import { loadVocabulary } from "../spec/callables.js";
import { CelExprError } from "../spec/cel.js";
import { judgeCase, loadHistoriesDir } from "../spec/histories.js";
import { checkHistory } from "../checker/linearize.js";
import { checkText, counterexampleBody, pythonCalls, scenarioText } from "../report/explain.js";
import { campaignJson } from "../report/json.js";
import { loadMatrixConfig, matrixBadges, MatrixConfigError, matrixJson, matrixMarkdown, mergeMatrix, MatrixMergeError, runMatrix, type MatrixConfig, type MatrixReport, type MatrixRow } from "../report/matrix.js";
import { badgeFormat, badgeSvg } from "../report/badge.js";
import { writeSpecDocs } from "../report/spec-docs.js";
import { coverageMarkdown, coverageText } from "../report/coverage.js";
import { deviationsText, horizonText, replayCommand } from "../report/campaign-text.js";
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

class UsageError extends Error {}

/** A file-system error (ENOENT, EACCES, ...) as a user error naming the flag and the path. */
function fsUsageError(flag: string, e: unknown, fix: string): unknown {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code !== "string" || !err.syscall) return e;
  const what =
    err.code === "ENOENT" ? "does not exist" : err.code === "ENOTDIR" ? "is not a folder" : err.code === "EACCES" || err.code === "EPERM" ? "permission denied" : err.code === "EISDIR" ? "is a folder" : err.code;
  return new UsageError(`${flag} ${err.path ?? ""}: ${what}; ${fix}`.replace(/ :/, ":"));
}

const positiveInt = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError(`${flag} takes a whole number of at least 1, got '${v}'`);
  return Number(v);
};
const wholeNumber = (flag: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${flag} takes a whole number (0 or more), got '${v}'`);
  return Number(v);
};
const anyInt = (flag: string) => (v: string) => {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`${flag} takes a whole number, got '${v}'`);
  return Number(v);
};
const seedList = (flag: string) => (v: string) => {
  if (!/^-?\d+(,-?\d+)*$/.test(v)) throw new InvalidArgumentError(`${flag} takes whole numbers separated by commas (e.g. 1,2,3), got '${v}'`);
  return v.split(",").map(Number);
};

function loadSpecs(dir: string | undefined): LoadedSpec[] {
  let specs: LoadedSpec[];
  try {
    specs = loadSpecDir(dir ?? PRIMITIVES_DIR);
  } catch (e) {
    throw fsUsageError("--spec-dir", e, "give a readable folder of spec documents (*.yaml), or leave --spec-dir out for mpspec's own");
  }
  if (specs.length === 0) throw new UsageError(`--spec-dir ${dir ?? PRIMITIVES_DIR}: no spec documents (*.yaml) in this folder`);
  return specs;
}

/** The specs `--primitives` names (all when absent), in its order. */
function choosePrimitives(specs: LoadedSpec[], list: string | undefined): LoadedSpec[] {
  if (!list) return specs;
  const names = list.split(",").map((x) => x.trim()).filter(Boolean);
  const unknown = names.filter((n) => !specs.some((s) => s.primitive === n));
  if (unknown.length) throw new UsageError(`--primitives: unknown ${unknown.join(", ")}; known: ${specs.map((s) => s.primitive).join(", ")}`);
  return names.map((n) => specs.find((s) => s.primitive === n)!);
}

async function validate(opts: { specDir?: string }, out: (s: string) => void): Promise<number> {
  const specs = loadSpecs(opts.specDir);
  // mpspec's own spec also has drafts (spec/drafts: not run by campaigns yet) and the callables' vocabulary.
  const drafts = opts.specDir === undefined && existsSync(DRAFTS_DIR) ? loadSpecDir(DRAFTS_DIR) : [];
  let rules = 0;
  let invariants = 0;
  for (const s of [...specs, ...drafts]) {
    const n = [...s.operations.values()].reduce((k, o) => k + o.phases.flat().length, 0) + s.internal.length + s.construction.length;
    rules += n;
    invariants += s.invariants.length;
    out(`ok  ${s.file}  ${s.primitive}: ${s.operations.size} operations, ${n} rules, ${s.invariants.length} invariants, profiles ${Object.keys(s.doc.profiles).join(", ")}${drafts.includes(s) ? " (draft)" : ""}`);
  }
  out(`${specs.length + drafts.length} spec documents valid${drafts.length ? ` (${drafts.length} drafts)` : ""}, ${rules} rules, every CEL expression compiled and its names checked; ${invariants} invariants (checked on every state the checker builds)`);
  if (opts.specDir === undefined) {
    const v = loadVocabulary();
    out(`ok  ${v.file}  ${v.callables.size} worker callables, each outcome compiled and its examples checked against its parameters`);
  }
  // The hand-written histories beside them: each judged as its case says, or the spec is wrong.
  let cases = 0;
  const wrong: string[] = [];
  const judgeDir = (dir: string, docs: LoadedSpec[]) => {
    const byName = new Map(docs.map((s) => [s.primitive, s]));
    for (const { file, doc } of loadHistoriesDir(dir)) {
      const spec = byName.get(doc.primitive);
      if (!spec) throw new SpecError(file, "primitive", `no spec document for primitive '${doc.primitive}' beside it`);
      for (const c of doc.cases) {
        cases++;
        // Companion objects (a Process's Event) may be of any primitive of the spec.
        const specFor = (p: string) => byName.get(p) ?? specs.find((s) => s.primitive === p) ?? spec;
        for (const j of judgeCase(spec, doc, c, (objects, events, options) => checkHistory(specFor, objects, { events }, options))) {
          if (!j.ok) wrong.push(`${file}: case '${c.name}' at the ${j.level} level: ${j.verdict} (contradicts [${j.contradicted.join(", ")}]), expected ${j.wanted}`);
        }
      }
    }
  };
  judgeDir(opts.specDir ?? PRIMITIVES_DIR, specs);
  if (drafts.length) judgeDir(DRAFTS_DIR, drafts);
  if (wrong.length) throw new UsageError(`${wrong.length} hand-written histories judged otherwise than they state (fix the spec or the case):\n  ${wrong.join("\n  ")}`);
  out(`${cases} hand-written histories judged as they state (<primitive>.histories.yaml)`);
  return 0;
}

interface RunOpts {
  adapter: string;
  primitives?: string;
  profile?: string;
  runs: number;
  seed?: number;
  path?: string;
  json?: boolean;
  specDir?: string;
  invocations: number;
  deadline?: number;
  level: Level;
  bail?: boolean;
  prompt?: number;
  horizon?: number;
  longRuns?: number;
  /** Write the run's conformance badge (SVG) here. */
  badge?: string;
  /** Print, per primitive, the spec rules never exercised. */
  coverage?: boolean;
  /** Adapters opened side by side: scenarios of the search run that many at once. */
  concurrency: number;
}

async function run(opts: RunOpts, out: (s: string) => void): Promise<number> {
  const entry = resolveAdapter(opts.adapter);
  if (!entry) {
    throw new UsageError(
      `unknown adapter '${opts.adapter}'; known: ${Object.keys(ADAPTERS).join(", ")}, or the command line of a JSON-lines adapter (with a space, or a path)`,
    );
  }
  const specs = loadSpecs(opts.specDir);
  const chosen = choosePrimitives(specs, opts.primitives);
  if (opts.path && chosen.length !== 1) throw new UsageError("--path replays one counterexample: give exactly one primitive with --primitives");
  if (opts.path !== undefined && !/^\d+(:\d+)*$/.test(opts.path)) {
    throw new UsageError(`--path '${opts.path}' is not a fast-check path (numbers joined by ':'); copy it from the replay line of a failure`);
  }
  if (opts.path !== undefined && opts.seed === undefined) throw new UsageError("--path replays a counterexample of one seed: give the --seed printed with it");
  const noSuchPath = () =>
    new UsageError(`--path ${opts.path} matches no scenario of --seed ${opts.seed} for ${chosen[0]?.primitive}; copy --seed, --path and the other options from the replay line of a failure`);
  const seed = opts.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const adapter: Adapter = await entry.open(specs);
  const lanes: Adapter[] = [];
  let results: PrimitiveOutcome[];
  try {
    for (let k = 1; k < opts.concurrency; k++) lanes.push(await entry.open(specs));
    // An adapter that speaks one profile only (e.g. `--profile threading` given to the Python
    // adapter) is judged in that profile unless told otherwise.
    const offered = adapter.capabilities.profiles;
    opts.profile ??= offered.includes("multiprocessing") || offered.length === 0 ? "multiprocessing" : offered[0]!;
    if (!opts.json) out(`mpspec: ${adapter.info.name} ${adapter.info.version}, profile ${opts.profile}, ${opts.runs} runs per primitive, seed ${seed}`);
    results = await runSuite(
      adapter,
      chosen,
      {
        profile: opts.profile, runs: opts.runs, seed, path: opts.path, invocations: opts.invocations, deadlineMs: opts.deadline,
        level: opts.level, bail: opts.bail, promptMs: opts.prompt, horizonMs: opts.horizon, longRuns: opts.longRuns, lanes,
      },
      (o) => {
        // fast-check replays a path that leads nowhere as an empty run: not a pass.
        if (opts.path !== undefined && o.result?.verdict === "pass" && o.result.runs === 0) throw noSuchPath();
        if (opts.json) return;
        const r = o.result;
        if (!r) out(`${o.spec.primitive.padEnd(18)} unsupported  (${o.reason})`);
        else if (opts.path !== undefined && r.verdict === "pass") {
          out(`${r.primitive.padEnd(18)} did not reproduce in ${opts.invocations} invocation(s) of the scenario at --path ${opts.path} (a race may need more: --invocations 20)`);
        }
        else {
          // A failure and an adapter error may both be there (the adapter failed while shrinking).
          const failure = r.verdict === "fail" ? `\n${failureText(o.spec, r, opts)}` : "";
          const error = r.error ? `\n  adapter error${failure ? " (while shrinking; the counterexample above is the smallest found)" : ""}: ${r.error}${r.errorScenario ? `\n  while running:\n${indent(scenarioText(r.errorScenario, pythonCalls(r.errorScenario, [o.spec])), "    ")}` : ""}` : "";
          const cov = opts.coverage ? `\n${coverageText(o.spec, r)}` : "";
          out(summaryLine(r) + failure + error + cov);
        }
      },
    );
  } catch (e) {
    if (opts.path !== undefined && e instanceof Error && /^Unable to replay/.test(e.message)) throw noSuchPath();
    throw e;
  } finally {
    await Promise.all([adapter, ...lanes].map((a) => a.close()));
  }
  if (opts.json) {
    const replayOf = (o: PrimitiveOutcome) => replay(opts, o.spec.primitive, o.result);
    out(JSON.stringify({ implementation: adapter.info, profile: opts.profile, seed, results: results.map((o) => campaignJson(o.spec, o.result, o.reason, replayOf(o))) }, null, 2));
  } else {
    const n = (v: string) => results.filter((r) => r.result?.verdict === v).length;
    out(`${n("pass")} passed, ${n("fail")} failed, ${n("error")} errored, ${results.filter((r) => !r.result).length} unsupported`);
  }
  if (results.every((r) => !r.result)) {
    // Nothing was measured: say so rather than exit 0 on an empty pass.
    throw new UsageError(`nothing to run: no chosen primitive is supported by ${adapter.info.name} in profile ${opts.profile} (try --profile)`);
  }
  // After the report, so that a badge that cannot be written loses none of it.
  if (opts.badge) {
    try {
      writeFileSync(opts.badge, badgeSvg(results, opts.profile, opts.level));
    } catch (e) {
      throw new UsageError(`--badge ${opts.badge}: cannot write the badge: ${(e as Error).message}`);
    }
    const b = badgeFormat(results, opts.profile, opts.level);
    if (!opts.json) out(`badge: ${b.label} | ${b.message} (${b.color}), written to ${opts.badge}`);
  }
  return suiteExitCode(results);
}

function summaryLine(r: CampaignResult): string {
  const lv = (l: "documented" | "cpython") => `${l} ${r.levels[l]?.verdict ?? "-"}`;
  const verdict = r.verdict === "pass" ? "pass" : r.verdict === "fail" ? "FAIL" : "ERROR";
  const dev = deviationsText(r);
  const inc = (r.inconclusive ? `, ${r.inconclusive} inconclusive` : "") + `, ${horizonText(r)}`;
  return `${r.primitive.padEnd(18)} ${verdict.padEnd(6)} ${String(r.runs).padStart(5)} scenarios  (${lv("documented")}${dev ? ` except known CPython deviations: ${dev}` : ""}, ${lv("cpython")}${inc})  ${(r.ms / 1000).toFixed(1)}s`;
}

const replay = (opts: RunOpts, primitive: string, r: CampaignResult | null) => replayCommand({ ...opts, profile: opts.profile! }, primitive, r);

function failureText(spec: LoadedSpec, r: CampaignResult, opts: RunOpts): string {
  const lv = r.levels.documented?.counterexample ? r.levels.documented : r.levels.cpython!;
  const cx = lv.counterexample!;
  const text = counterexampleBody(cx, pythonCalls(cx.scenario, [spec]));
  const found = (lv.found ? `, found at scenario ${lv.found.scenarios} after ${(lv.found.ms / 1000).toFixed(1)} s` : "") + (lv.shrinkStopped ? ", shrinking stopped at its budget" : "");
  return `  minimal counterexample (${cx.level} level${found}):\n${text.split("\n").map((l) => `    ${l}`).join("\n")}\n  replay: ${replay(opts, r.primitive, r)}`;
}

interface CoverageOpts {
  adapter: string;
  primitives?: string;
  profile?: string;
  runs: number;
  seed?: number;
  out: string;
  specDir?: string;
  concurrency: number;
}

/** `mpspec coverage`: the suite's campaigns, then the coverage table (exit 0 once written, whatever the verdicts). */
async function coverage(opts: CoverageOpts, out: (s: string) => void): Promise<number> {
  const entry = resolveAdapter(opts.adapter);
  if (!entry) {
    throw new UsageError(`unknown adapter '${opts.adapter}'; known: ${Object.keys(ADAPTERS).join(", ")}, or the command line of a JSON-lines adapter (with a space, or a path)`);
  }
  const specs = loadSpecs(opts.specDir);
  const chosen = choosePrimitives(specs, opts.primitives);
  // Before the (long) run: an --out that cannot be written is found at once.
  try {
    mkdirSync(dirname(opts.out), { recursive: true });
    accessSync(dirname(opts.out), constants.W_OK);
  } catch (e) {
    throw fsUsageError("--out", e, "give a file in a folder that can be created and written");
  }
  const seed = opts.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const adapter: Adapter = await entry.open(specs);
  const lanes: Adapter[] = [];
  let results: PrimitiveOutcome[];
  let profile: string;
  try {
    for (let k = 1; k < opts.concurrency; k++) lanes.push(await entry.open(specs));
    const offered = adapter.capabilities.profiles;
    profile = opts.profile ?? (offered.includes("multiprocessing") || offered.length === 0 ? "multiprocessing" : offered[0]!);
    out(`mpspec coverage: ${adapter.info.name} ${adapter.info.version}, profile ${profile}, ${opts.runs} runs per primitive, seed ${seed}`);
    results = await runSuite(adapter, chosen, { profile, runs: opts.runs, seed, lanes }, (o) => {
      if (!o.result) out(`${o.spec.primitive.padEnd(18)} unsupported  (${o.reason})`);
      else {
        // A failure found on the way is reported as `run` reports it: the coverage run is evidence too.
        const r = o.result;
        const failure = r.verdict === "fail" ? `\n${failureText(o.spec, r, { ...opts, profile, seed, invocations: 1, level: "cpython", concurrency: 1 })}` : "";
        const error = r.error ? `\n  adapter error: ${r.error}` : "";
        out(`${summaryLine(r)}${failure}${error}\n${coverageText(o.spec, r)}`);
      }
    });
  } finally {
    await Promise.all([adapter, ...lanes].map((a) => a.close()));
  }
  if (results.every((r) => !r.result)) throw new UsageError(`nothing to run: no chosen primitive is supported by ${adapter.info.name} in profile ${profile} (try --profile)`);
  const flags: [string, string | number | undefined][] = [
    ["--adapter", opts.adapter], ["--primitives", opts.primitives], ["--profile", opts.profile], ["--runs", opts.runs], ["--seed", seed], ["--spec-dir", opts.specDir],
  ];
  const command = `npx mpspec coverage ${flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${shellQuote([String(v)])}`).join(" ")}`;
  writeFileSync(opts.out, coverageMarkdown({ implementation: `${adapter.info.name} ${adapter.info.version}`, profile, runs: opts.runs, seed, command }, results));
  out(`wrote ${opts.out}`);
  return 0;
}

interface MatrixOpts {
  config: string;
  runs?: number;
  seeds?: number[];
  jobs: number;
  concurrency: number;
  out: string;
  specDir?: string;
  primitives?: string;
  implementations?: string;
}

async function matrix(opts: MatrixOpts, out: (s: string) => void): Promise<number> {
  let config: MatrixConfig;
  try {
    config = loadMatrixConfig(opts.config);
  } catch (e) {
    if (e instanceof MatrixConfigError) throw new UsageError(`--config ${e.message}`);
    throw e;
  }
  if (opts.seeds) config = { ...config, seeds: opts.seeds };
  const rowOrder = config.implementations.map((i) => i.id);
  // --implementations: measure those rows only and keep the others of matrix.json.
  if (opts.implementations !== undefined) {
    const ids = opts.implementations.split(",").map((s) => s.trim()).filter((s) => s !== "");
    const unknown = ids.filter((id) => !rowOrder.includes(id));
    if (ids.length === 0 || unknown.length) {
      throw new UsageError(`--implementations ${opts.implementations}: ${ids.length === 0 ? "name at least one" : `no implementation ${unknown.map((u) => `'${u}'`).join(", ")} in ${opts.config}`} (have: ${rowOrder.join(", ")})`);
    }
    config = { ...config, implementations: config.implementations.filter((i) => ids.includes(i.id)) };
  }
  const partial = opts.primitives !== undefined || opts.implementations !== undefined;
  const specs = loadSpecs(opts.specDir);
  const runs = opts.runs ?? config.runs;
  // --primitives: re-measure those cells of an existing matrix.json and keep the others.
  const chosen = opts.primitives ? choosePrimitives(specs, opts.primitives) : specs;
  const jsonPath = join(opts.out, "matrix.json");
  let previous: MatrixReport | undefined;
  const flag = opts.primitives !== undefined ? "--primitives" : "--implementations";
  if (partial) {
    try {
      previous = JSON.parse(readFileSync(jsonPath, "utf8")) as MatrixReport;
    } catch (e) {
      throw new UsageError(`${flag} updates ${opts.primitives !== undefined ? "cells" : "rows"} of ${jsonPath}, which cannot be read (${(e as Error).message.split("\n")[0]}): run the whole matrix first`);
    }
  }
  const merged = (rows: MatrixRow[]): MatrixReport => {
    const fresh = matrixJson(config, rows, runs);
    if (!previous) return fresh;
    try {
      return mergeMatrix(previous, fresh, specs.map((s) => s.primitive), opts.implementations !== undefined ? rowOrder : undefined, opts.primitives !== undefined).report;
    } catch (e) {
      if (e instanceof MatrixMergeError) throw new UsageError(`${flag}: ${jsonPath}: ${e.message}`);
      throw e;
    }
  };
  // Before the (long) run: an --out folder that cannot be written, or a matrix.json that cannot take these cells, is found at once.
  try {
    mkdirSync(opts.out, { recursive: true });
  } catch (e) {
    throw fsUsageError("--out", e, "give a folder that can be created and written");
  }
  if (previous) merged(config.implementations.map((implementation) => ({ implementation, outcomes: [], seconds: 0 })));
  const write = (report: MatrixReport) => {
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(jsonPath, JSON.stringify(report, null, 2) + "\n");
    writeFileSync(join(opts.out, "matrix.md"), matrixMarkdown(report, specs));
  };
  // Written after every row, so that a long run's measured rows are never lost (a partial run
  // writes once, at its end: until then matrix.json keeps every previous cell).
  const rows = await runMatrix(config, specs, out, opts.runs, opts.jobs, opts.primitives !== undefined ? undefined : (done) => write(merged(done)), chosen, opts.concurrency);
  const report = merged(rows);
  if (previous) for (const r of rows.filter((x) => x.unavailable)) out(`${r.implementation.id}: could not be opened; its previous cells are kept`);
  write(report);
  const badges = matrixBadges(report);
  for (const [file, svg] of badges) {
    mkdirSync(dirname(join(opts.out, file)), { recursive: true });
    writeFileSync(join(opts.out, file), svg);
  }
  out(`wrote ${join(opts.out, "matrix.md")}, matrix.json and ${badges.size} badges in ${join(opts.out, "badges")}`);
  return 0;
}

export async function main(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): Promise<number> {
  let code = 0;
  const program = new Command("mpspec")
    .description("Executable specification and conformance suite for Python multiprocessing-style primitives")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out(s.trimEnd()), writeErr: (s) => err(s.trimEnd()) })
    .showHelpAfterError("(run 'mpspec --help' for usage)");
  program
    .command("validate")
    .description("validate every spec document against the schema, compile every CEL expression and check the names it reads, compile the invariants")
    .option("--spec-dir <dir>", "folder of spec documents", undefined)
    .action(async (o) => {
      code = await validate(o, out);
    });
  program
    .command("run")
    .description("generate scenarios from the spec, run them on an adapter, check the histories")
    .requiredOption("--adapter <name>", `adapter: ${Object.keys(ADAPTERS).join(", ")}, or a JSON-lines adapter's command line ("python3 my_adapter.py --flag", ./my-adapter)`)
    .option("--primitives <list>", "comma-separated primitives (default: all in the spec)")
    .addOption(new Option("--profile <profile>", "profile to judge in (default: multiprocessing, or the adapter's only profile)"))
    .option("--runs <n>", "scenarios per primitive", positiveInt("--runs"), 100)
    .option("--seed <n>", "fast-check seed (printed; replays a campaign)", anyInt("--seed"))
    .option("--path <path>", "fast-check path of a counterexample to replay (with --seed and one primitive)")
    .option("--invocations <n>", "executions of each scenario", positiveInt("--invocations"), 1)
    .option("--deadline <ms>", "fixed deadline for one scenario's execution (default: an adaptive base, from the adapter's 0.5 s or 2 s down to what scenarios take, + 3 x the sum of its timeouts)", positiveInt("--deadline"))
    .option("--spec-dir <dir>", "folder of spec documents")
    .option("--json", "print a JSON report instead of text")
    .addOption(new Option("--level <level>", "the level that sets the exit code and the badge: cpython (both levels must pass) or documented (what the Python docs allow; CPython's known deviations admitted)").choices(["cpython", "documented"]).default("cpython"))
    .option("--bail", "stop at the first primitive that fails or errors")
    .option("--prompt <ms>", "how long a call may take to return once it can, before it counts as never returning (liveness)", positiveInt("--prompt"))
    .option("--horizon <ms>", "how long the re-runs of cut scenarios watch calls (plus 3 x their timeouts): how far in time the verdict holds (default 3000)", positiveInt("--horizon"))
    .option("--long-runs <n>", "cut scenarios re-run to the horizon, per primitive (default 2)", wholeNumber("--long-runs"))
    // Histories are always checked strictly against their scenarios now; kept so old scripts run.
    .addOption(new Option("--validate-protocol").hideHelp())
    .option("--badge <file.svg>", "also write the run's conformance badge (SVG, shields.io style) to this file")
    .option("--coverage", "also print, per primitive, the spec rules no accepted linearization used (never exercised)")
    .option("--concurrency <n>", "adapters opened side by side: the search runs n scenarios at once (most wait on timeouts); failures are replayed and shrunk as without it", positiveInt("--concurrency"), 1)
    .action(async (o: RunOpts) => {
      code = await run(o, out);
    });
  program
    .command("coverage")
    .description("run the suite and write the spec-rule coverage table: per primitive, rules exercised / total, each rule never exercised")
    .option("--adapter <name>", `adapter: ${Object.keys(ADAPTERS).join(", ")}, or a JSON-lines adapter's command line`, "reference-threads")
    .option("--primitives <list>", "comma-separated primitives (default: all in the spec)")
    .addOption(new Option("--profile <profile>", "profile to judge in (default: multiprocessing, or the adapter's only profile)"))
    .option("--runs <n>", "scenarios per primitive", positiveInt("--runs"), 100)
    .option("--seed <n>", "fast-check seed (default: random, printed)", anyInt("--seed"))
    .option("--out <file>", "the Markdown table", "reports/coverage.md")
    .option("--spec-dir <dir>", "folder of spec documents")
    .option("--concurrency <n>", "adapters opened side by side: the search runs n scenarios at once", positiveInt("--concurrency"), 1)
    .action(async (o: CoverageOpts) => {
      code = await coverage(o, out);
    });
  program
    .command("docs")
    .description("write the spec's documentation (Markdown: an index and a page per primitive, every rule with its anchor)")
    .option("--out <dir>", "folder for the pages", "reports/spec")
    .option("--spec-dir <dir>", "folder of spec documents")
    .action(async (o: { out: string; specDir?: string }) => {
      const specs = loadSpecs(o.specDir);
      let files: string[];
      try {
        files = writeSpecDocs(o.out, specs);
      } catch (e) {
        throw fsUsageError("--out", e, "give a folder that can be created and written");
      }
      out(`wrote ${files.length} pages in ${o.out}`);
    });
  program
    .command("matrix")
    .description("run every implementation of a matrix config on every primitive; write matrix.md, matrix.json and a badge per implementation")
    .option("--config <file>", "matrix configuration", "reports/matrix.config.json")
    .option("--runs <n>", "scenarios per cell (default: the config's)", positiveInt("--runs"))
    .option("--seeds <list>", "comma-separated seeds, each cell run once per seed (default: the config's)", seedList("--seeds"))
    .option("--jobs <n>", "implementations measured at once", positiveInt("--jobs"), 1)
    .option("--concurrency <n>", "adapters opened per implementation: each campaign's search runs n scenarios at once", positiveInt("--concurrency"), 1)
    .option("--out <dir>", "folder for matrix.md and matrix.json", "reports")
    .option("--spec-dir <dir>", "folder of spec documents")
    .option("--primitives <list>", "re-measure only these primitives (comma-separated) and keep the other cells of <out>/matrix.json (same runs and seeds)")
    .option("--implementations <list>", "measure only these rows (config ids, comma-separated) and keep the other rows of <out>/matrix.json (same runs and seeds)")
    .action(async (o: MatrixOpts) => {
      code = await matrix(o, out);
    });
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : 2;
    }
    if (e instanceof AdapterError) {
      err(`mpspec: adapter error: ${e.message}`);
      return 2;
    }
    if (e instanceof UsageError) {
      err(`mpspec: ${e.message}`);
      return 2;
    }
    if (e instanceof SpecError || e instanceof CelExprError) {
      err(`mpspec: spec error: ${e.message}`);
      return 2;
    }
    if (e instanceof CommandLineError) {
      err(`mpspec: --adapter: ${e.message}`);
      return 2;
    }
    // A bug: never the "not conformant" exit code 1, never a stack trace unless asked for.
    err(internalErrorText(e));
    return 2;
  }
}

/** `mpspec: internal error: <message>`, with the stack when MPSPEC_DEBUG=1. */
export function internalErrorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const line = `mpspec: internal error: ${message.split("\n")[0]}`;
  const stack = e instanceof Error ? e.stack : undefined;
  return process.env.MPSPEC_DEBUG === "1" && stack ? `${line}\n${stack}` : line;
}

const indent = (text: string, pad: string) => text.split("\n").map((l) => pad + l).join("\n");
