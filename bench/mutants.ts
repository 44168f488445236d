/**
 * `npm run bench:mutants [-- --runs 100 --seeds 1,2,3 --only name,... --root <checkout> --out reports/mutants.md]`:
 * what mpspec catches among single-bug variants of CPython's own multiprocessing
 * (adapters/python/fixtures/mutantmp.py: each mutant changes one method of one primitive).
 *
 * For every mutant and seed, `mpspec run --primitives <its primitive>` on the Python adapter
 * (fork) with MPSPEC_MUTANT set: caught = FAIL (exit 1); missed = pass (exit 0); an adapter
 * error is reported as such, never as caught. The unmutated module (MPSPEC_MUTANT=none) runs
 * first on every primitive involved, as the control: a mutant "caught" where the control fails
 * would mean nothing, so such a primitive's mutants are reported as "control failed".
 *
 * `--root` runs another checkout's mpspec (an older commit, for before/after) against this
 * checkout's mutants.
 */
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = resolve(HERE, "../adapters/python/fixtures");

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" },
    seeds: { type: "string", default: "1" },
    only: { type: "string" },
    root: { type: "string", default: resolve(HERE, "..") },
    out: { type: "string" },
    python: { type: "string", default: "python3" },
    "timeout-s": { type: "string", default: "300" },
  },
});

interface Mutant {
  primitive: string;
  breaks: string;
  /** The actors it runs with, when not the adapter's default processes (mutantmp.py ACTORS). */
  actors?: "threads";
}

const table = JSON.parse(execFileSync(values.python, [join(FIXTURES, "mutantmp.py")], { encoding: "utf8", timeout: 30_000 })) as Record<string, Mutant>;
const chosen = values.only ? values.only.split(",") : Object.keys(table);
for (const m of chosen) if (!table[m]) throw new Error(`--only: no mutant '${m}' (have: ${Object.keys(table).join(", ")})`);
const seeds = values.seeds.split(",").map(Number);
const root = resolve(values.root);
const timeoutMs = 1000 * Number(values["timeout-s"]);

interface Run {
  verdict: "caught" | "missed" | "error";
  seconds: number;
  scenarios: number;
  calls?: number;
  rules?: string[];
  detail?: string;
}

/** One `mpspec run --json` of one primitive with MPSPEC_MUTANT=mutant; bounded by --timeout-s. */
function run(mutant: string, primitive: string, seed: number, actors?: "threads"): Promise<Run> {
  const adapter = `${values.python} adapters/python/mpspec_adapter.py --module mutantmp${actors ? ` --actors ${actors}` : ""}`;
  // A primitive still in spec/drafts (Pool) is run from there.
  const drafts = existsSync(join(root, "spec/drafts", `${primitive}.yaml`)) ? ["--spec-dir", join(root, "spec/drafts")] : [];
  const args = [join(root, "bin/mpspec.js"), "run", "--adapter", adapter, "--primitives", primitive, "--runs", values.runs, "--seed", String(seed), "--json", ...drafts];
  const env = { ...process.env, MPSPEC_MUTANT: mutant, PYTHONPATH: FIXTURES };
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d));
    child.stderr.on("data", (d: Buffer) => (err += d));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      let report: { results?: { verdict: string; scenarios: number; error?: string; levels?: Record<string, { counterexample?: { scenario: { init: unknown[]; parallel: unknown[][]; post: unknown[] }; violations: { contradicts: string[] }[] } }> }[] };
      try {
        report = JSON.parse(out);
      } catch {
        return done({ verdict: "error", seconds, scenarios: 0, detail: `exit ${code}: ${(err || out).trim().split("\n").slice(-3).join(" / ")}` });
      }
      const r = report.results?.[0];
      if (!r) return done({ verdict: "error", seconds, scenarios: 0, detail: `exit ${code}: no result` });
      if (r.verdict === "pass" && code === 0) return done({ verdict: "missed", seconds, scenarios: r.scenarios });
      if (r.verdict === "fail" && code === 1) {
        const cx = r.levels?.documented?.counterexample ?? r.levels?.cpython?.counterexample;
        const calls = cx ? cx.scenario.init.length + cx.scenario.parallel.flat().length + cx.scenario.post.length : undefined;
        const rules = cx ? [...new Set(cx.violations.flatMap((v) => v.contradicts))] : [];
        return done({ verdict: "caught", seconds, scenarios: r.scenarios, calls, rules, detail: r.error });
      }
      done({ verdict: "error", seconds, scenarios: r.scenarios, detail: `exit ${code}, verdict ${r.verdict}: ${r.error ?? ""}` });
    });
  });
}

async function main() {
  // The control runs in every configuration a mutant runs in: its primitive, with its actors.
  const configOf = (m: Mutant) => (m.actors ? `${m.primitive} (actors ${m.actors})` : m.primitive);
  const configs = new Map(chosen.map((n) => [configOf(table[n]!), table[n]!] as const));
  const control = new Map<string, Run[]>();
  for (const [p, m] of configs) {
    const runs: Run[] = [];
    for (const seed of seeds) runs.push(await run("none", m.primitive, seed, m.actors));
    control.set(p, runs);
    console.log(`control ${p.padEnd(17)} ${runs.map((r) => (r.verdict === "missed" ? "pass" : r.verdict === "caught" ? "FAIL" : "ERROR")).join(" ")}  ${runs.map((r) => r.seconds.toFixed(1)).join(" ")} s`);
  }
  const rows: { mutant: string; m: Mutant; runs: Run[]; controlOk: boolean }[] = [];
  for (const name of chosen) {
    const m = table[name]!;
    const controlOk = control.get(configOf(m))!.every((r) => r.verdict === "missed");
    const runs: Run[] = [];
    for (const seed of seeds) runs.push(await run(name, m.primitive, seed, m.actors));
    rows.push({ mutant: name, m, runs, controlOk });
    const caught = runs.filter((r) => r.verdict === "caught").length;
    console.log(`${name.padEnd(36)} ${m.primitive.padEnd(17)} caught ${caught}/${runs.length}${controlOk ? "" : " (control failed)"}  ${runs.map((r) => `${r.verdict}${r.calls ? `(${r.calls} calls)` : ""} ${r.seconds.toFixed(1)}s`).join(", ")}${runs.some((r) => r.verdict === "error") ? `  ${runs.find((r) => r.verdict === "error")!.detail}` : ""}`);
  }
  const caughtAll = rows.filter((r) => r.controlOk && r.runs.every((x) => x.verdict === "caught")).length;
  const caughtAny = rows.filter((r) => r.controlOk && r.runs.some((x) => x.verdict === "caught")).length;
  const summary = `${caughtAll} of ${rows.length} mutants caught on every seed (${seeds.join(", ")}), ${caughtAny} on at least one; ${values.runs} runs per seed`;
  console.log(summary);
  if (values.out) {
    const commit = (() => {
      try {
        return execFileSync("git", ["-C", root, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
      } catch {
        return "?";
      }
    })();
    const cell = (r: Run) => (r.verdict === "caught" ? `caught, ${r.calls} calls, ${r.scenarios} scenarios, ${r.seconds.toFixed(1)} s` : r.verdict === "missed" ? `**missed** (${r.scenarios} scenarios, ${r.seconds.toFixed(1)} s)` : `error: ${r.detail ?? ""}`);
    const md = [
      "# Single-bug variants of CPython's multiprocessing",
      "",
      `mpspec ${commit}, CPython ${execFileSync(values.python, ["-c", "import platform; print(platform.python_version())"], { encoding: "utf8" }).trim()}, fork, ${values.runs} runs per seed: \`npm run bench:mutants -- --runs ${values.runs} --seeds ${values.seeds} --out ${values.out}\``,
      "",
      "Each mutant (adapters/python/fixtures/mutantmp.py) is multiprocessing with one method of one primitive changed, run with `--primitives` of that primitive. Caught = the campaign FAILs with a counterexample (its size in calls, after shrinking); the unmodified module is the control and must pass on every seed.",
      "",
      `**${summary}.**`,
      "",
      "| control | " + seeds.map((s) => `seed ${s}`).join(" | ") + " |",
      "|---|" + seeds.map(() => "---").join("|") + "|",
      ...[...control].map(([p, runs]) => `| ${p} | ${runs.map((r) => (r.verdict === "missed" ? `pass (${r.seconds.toFixed(1)} s)` : r.verdict === "caught" ? "**FAIL**" : `error: ${r.detail}`)).join(" | ")} |`),
      "",
      "| mutant | primitive | the bug | " + seeds.map((s) => `seed ${s}`).join(" | ") + " | rules it was caught by |",
      "|---|---|---|" + seeds.map(() => "---").join("|") + "|---|",
      ...rows.map((r) => `| \`${r.mutant}\` | ${r.m.primitive} | ${r.m.breaks} | ${r.runs.map(cell).join(" | ")} | ${[...new Set(r.runs.flatMap((x) => x.rules ?? []))].map((x) => `\`${x}\``).join(", ")} |`),
      "",
    ].join("\n");
    mkdirSync(dirname(resolve(values.out)), { recursive: true });
    writeFileSync(values.out, md);
    console.log(`wrote ${values.out}`);
  }
}

await main();
