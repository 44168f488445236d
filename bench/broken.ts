/**
 * `npm run bench:broken [-- --seeds 42,1,2 --only module,... --out reports/broken.md]`: how soon
 * the suite catches each of the reference's broken variants (conformance/tests/broken/, each declaring what it breaks),
 * measured: the scenario at which the campaign first saw the failure and the time to it (what
 * "caught within 100 runs and 30 s" means), then the whole campaign with shrinking, the
 * counterexample's size and the rules it contradicts. broken-shard-*.test.ts assert that each is caught;
 * this reports how fast, without timed assertions in the tests.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ThreadsExecutor } from "../adapters/reference-threads/executor.js";
import { runCampaign } from "../conformance/run/campaign.js";
import { DRAFTS_DIR, loadSpecDir } from "../conformance/spec/load.js";
import { discoverBroken } from "../conformance/tests/broken/expectation.js";


const USAGE = "usage: npm run bench:broken [-- --seeds 42,1,2] [--only <variant>,...] [--out reports/broken.md]";
/** A bad flag: its message and the usage, exit code 2 (as mpspec's CLI). */
function usage(message: string): never {
  process.stderr.write(`bench:broken: ${message}\n${USAGE}\n`);
  process.exit(2);
}
let values: { seeds: string; only?: string; out?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      seeds: { type: "string", default: "42" },
      only: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const CASES = await discoverBroken();
const seeds = values.seeds.split(",").map(Number);
if (seeds.some((s) => !Number.isInteger(s))) usage(`--seeds ${values.seeds}: give integers separated by commas, e.g. 42,1,2`);
const only = values.only?.split(",");
for (const m of only ?? []) if (!CASES.some((c) => c.module === m)) usage(`--only: no broken variant '${m}' (have: ${CASES.map((c) => c.module).join(", ")})`);
const chosen = CASES.filter((c) => !only || only.includes(c.module));

interface Row {
  caught: boolean;
  found?: { scenarios: number; ms: number };
  totalMs: number;
  calls?: number;
  rules: string[];
  detail?: string;
}

// Drafts too (spec/drafts): a primitive's broken variants come with its reference, before its campaigns.
const specs = [...loadSpecDir(), ...loadSpecDir(DRAFTS_DIR)];
const rows: { c: (typeof CASES)[number]; runs: Row[] }[] = [];
for (const c of chosen) {
  const spec = specs.find((s) => s.primitive === c.primitive)!;
  const runs: Row[] = [];
  for (const seed of seeds) {
    const ex = await ThreadsExecutor.start({
      implementation: pathToFileURL(c.file),
      info: { name: c.module, version: "0", language: "TypeScript" },
      specs: specs,
    });
    try {
      const r = await runCampaign(spec, ex, { profile: c.profile, runs: c.runs ?? 100, seed, deadlineMs: c.deadlineMs ?? undefined, ...c.options });
      const lv = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython;
      const cx = lv?.counterexample;
      const rules = cx ? [...new Set(cx.check.objects.flatMap((o) => o.contradicts ?? []))] : [];
      runs.push({
        caught: r.verdict === "fail" && rules.some((id) => c.breaks.test(id)),
        found: lv?.found,
        totalMs: r.ms,
        calls: cx ? cx.scenario.init.length + cx.scenario.parallel.flat().length + cx.scenario.post.length : undefined,
        rules,
        detail: r.verdict !== "fail" ? `${r.verdict}${r.error ? `: ${r.error}` : ""}` : rules.some((id) => c.breaks.test(id)) ? undefined : "failed on other rules",
      });
    } finally {
      await ex.close();
    }
    const x = runs[runs.length - 1]!;
    console.log(`${c.module.padEnd(32)} ${c.profile.padEnd(15)} seed ${String(seed).padEnd(4)} ${x.caught ? "caught" : "MISSED"}${x.found ? ` at scenario ${x.found.scenarios} after ${(x.found.ms / 1000).toFixed(1)} s` : ""}, ${x.calls ?? "-"} calls, ${(x.totalMs / 1000).toFixed(1)} s with shrinking${x.detail ? ` (${x.detail})` : ""}`);
  }
  rows.push({ c, runs });
}

const within = (x: Row) => x.caught && x.found !== undefined && x.found.scenarios <= 100 && x.found.ms <= 30_000;
const all = rows.filter((r) => r.runs.every(within)).length;
const summary = `${all} of ${rows.length} broken variants caught within 100 scenarios and 30 s on every seed (${seeds.join(", ")})`;
console.log(summary);
if (values.out) {
  const commit = (() => {
    try {
      return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  })();
  const cell = (x: Row) =>
    x.caught ? `scenario ${x.found!.scenarios}, ${(x.found!.ms / 1000).toFixed(1)} s; ${x.calls} calls (${(x.totalMs / 1000).toFixed(1)} s with shrinking)` : `**missed** (${x.detail ?? ""})`;
  const md = [
    "# The reference's broken variants: how soon they are caught",
    "",
    `mpspec ${commit}, Node ${process.version}, ${seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(", ")}`}: \`npm run bench:broken -- --seeds ${values.seeds}${values.out ? ` --out ${values.out}` : ""}\``,
    "",
    "Each variant (conformance/tests/broken/) is the reference with one plausible bug, run with its primitive and profile, 100 scenarios. A cell gives the scenario at which the campaign first saw the failure and the time to it, then the shrunk counterexample's size in calls and the whole campaign's time (shrinking re-runs smaller scenarios with real concurrency, so it takes most of it). Caught = a FAIL whose counterexample contradicts a rule the variant breaks.",
    "",
    `**${summary}.**`,
    "",
    "| variant | primitive | profile | " + seeds.map((s) => `seed ${s}`).join(" | ") + " | rules contradicted |",
    "|---|---|---|" + seeds.map(() => "---").join("|") + "|---|",
    ...rows.map((r) => `| \`${r.c.module}\` | ${r.c.primitive} | ${r.c.profile} | ${r.runs.map(cell).join(" | ")} | ${[...new Set(r.runs.flatMap((x) => x.rules))].map((x) => `\`${x}\``).join(", ")} |`),
    "",
  ].join("\n");
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, md);
  console.log(`wrote ${values.out}`);
}
