// The matrix command end to end, on a few scenarios per cell: every implementation of
// reports/matrix.config.json that is installed here is opened and judged, and the
// report names each cell. (The committed reports/matrix.md comes from `npx mpspec matrix`.)
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpecDir } from "../spec/load.js";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import type { CampaignResult } from "../run/campaign.js";
import { loadMatrixConfig, matrixBadges, MatrixConfigError, matrixJson, matrixMarkdown, mergeMatrix, MatrixMergeError, mergeSeeds, runMatrix, type MatrixReport, type MatrixRow } from "./matrix.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const config = loadMatrixConfig(join(root, "reports/matrix.config.json"));
const specs = loadSpecDir().filter((s) => ["Lock", "Queue"].includes(s.primitive));

const installed = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
};
const available: Record<string, boolean> = {
  billiard: installed("/usr/bin/python3", ["-c", "import billiard"]),
  multiprocess: installed("/usr/bin/python3", ["-c", "import multiprocess"]),
  pypy3: installed("pypy3", ["-c", "import multiprocessing"]),
};

describe("the conformance matrix", () => {
  test("a malformed config is refused, naming the field", () => {
    expect(() => loadMatrixConfig(join(root, "package.json"))).toThrow(MatrixConfigError);
    expect(() => loadMatrixConfig(join(root, "package.json"))).toThrow(/'runs' must be a whole number/);
    const dir = mkdtempSync(join(tmpdir(), "matrix-"));
    const write = (o: unknown) => {
      writeFileSync(join(dir, "m.json"), JSON.stringify(o));
      return join(dir, "m.json");
    };
    try {
      const impl = { id: "x", name: "x", adapter: "reference-threads", profile: "multiprocessing" };
      expect(() => loadMatrixConfig(write({ runs: 5, seeds: [], implementations: [impl] }))).toThrow(/'seeds' must be a non-empty list of whole numbers/);
      expect(() => loadMatrixConfig(write({ runs: 5, seeds: [1, "2"], implementations: [impl] }))).toThrow(/'seeds' must be/);
      // One seed may be given alone.
      expect(loadMatrixConfig(write({ runs: 5, seed: 4, implementations: [impl] })).seeds).toEqual([4]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("with --jobs, implementations are measured at once and the rows keep the config's order", async () => {
    const impls = ["slow", "quick", "none"].map((id) => ({ id, name: id, adapter: id === "none" ? "no-such-adapter" : "reference-threads", profile: "multiprocessing" }));
    const started: string[] = [];
    const partial: string[][] = [];
    const rows = await runMatrix({ ...config, seeds: [1], implementations: impls }, specs.filter((s) => s.primitive === "Lock"), (line) => started.push(line), 3, 2, (done) =>
      partial.push(done.map((r) => r.implementation.id)),
    );
    expect(rows.map((r) => r.implementation.id)).toEqual(["slow", "quick", "none"]);
    // After each row, the rows so far (in the config's order): the last call has them all.
    expect(partial).toHaveLength(3);
    expect(partial.map((p) => p.length)).toEqual([1, 2, 3]);
    expect(partial[2]).toEqual(["slow", "quick", "none"]);
    expect(rows[2]!.unavailable).toMatch(/unknown adapter 'no-such-adapter'/);
    expect(rows.slice(0, 2).map((r) => r.outcomes[0]?.result?.verdict)).toEqual(["pass", "pass"]);
  }, 60_000);

  test("--primitives: the adapters get every document (a Process's Event companion), only the chosen primitives run", async () => {
    const all = loadSpecDir();
    const processSpec = all.filter((s) => s.primitive === "Process");
    const impl = [{ id: "ref", name: "ref", adapter: "reference-jsonl", profile: "multiprocessing" }];
    const rows = await runMatrix({ ...config, seeds: [1], implementations: impl }, all, () => {}, 10, 1, undefined, processSpec);
    expect(rows[0]!.unavailable).toBeUndefined();
    expect(rows[0]!.outcomes.map((o) => [o.spec.primitive, o.result?.verdict])).toEqual([["Process", "pass"]]);
    // Given only Process's document, a JSON-lines adapter cannot be sent a scenario with an Event.
    const alone = await runMatrix({ ...config, seeds: [1], implementations: impl }, processSpec, () => {}, 10);
    expect(alone[0]!.outcomes[0]!.result?.verdict).toBe("error");
  }, 120_000);

  test("a cell fails when any seed fails, and says on which", () => {
    const spec = specs[0]!;
    const result = (verdict: "pass" | "fail") =>
      ({ verdict, levels: verdict === "fail" ? { documented: { verdict: "fail" } } : {}, runs: 1, cut: 0, inconclusive: 0, long: { runs: 0, cut: 0, horizonMs: 3000 } }) as unknown as CampaignResult;
    const cellOf = (verdicts: ("pass" | "fail")[]) => {
      const o = mergeSeeds(verdicts.map((v, i) => ({ seed: i + 1, outcome: { spec, result: result(v) } })));
      const rows: MatrixRow[] = [{ implementation: config.implementations[0]!, outcomes: [o], seconds: 0 }];
      const md = matrixMarkdown(matrixJson({ ...config, seeds: verdicts.map((_, i) => i + 1) }, rows, 1), [spec]);
      return { o, line: md.split("\n").find((l) => l.startsWith(`| ${config.implementations[0]!.name}`))! };
    };
    const mixed = cellOf(["pass", "fail", "pass"]);
    expect(mixed.o.result!.verdict).toBe("fail");
    expect(mixed.o.seeds).toEqual([{ seed: 1, verdict: "pass" }, { seed: 2, verdict: "fail" }, { seed: 3, verdict: "pass" }]);
    expect(mixed.line).toContain("**FAIL** (documented, seed 2 only)");
    expect(cellOf(["fail", "fail"]).line).toContain("**FAIL** (documented) |");
    expect(cellOf(["pass", "pass"]).line).toMatch(/\| pass \|$/);
  });

  test("--primitives: re-measured cells replace theirs, the others are kept; a different runs or seeds, or a new implementation, is refused", () => {
    const result = (verdict: "pass" | "fail") =>
      ({ verdict, levels: verdict === "fail" ? { documented: { verdict: "fail" } } : {}, runs: 1, cut: 0, inconclusive: 0, long: { runs: 0, cut: 0, horizonMs: 3000 }, ms: 1 }) as unknown as CampaignResult;
    const [lock, queue] = specs;
    const impl = config.implementations[0]!;
    const row = (outcomes: [typeof lock, "pass" | "fail"][]): MatrixRow => ({
      implementation: impl,
      outcomes: outcomes.map(([spec, v]) => mergeSeeds([{ seed: 1, outcome: { spec: spec!, result: result(v) } }])),
      seconds: 10,
    });
    const one = { ...config, seeds: [1], implementations: [impl] };
    const previous = matrixJson(one, [row([[lock, "pass"], [queue, "pass"]])], 5, new Date("2026-12-01T00:00:00Z"));
    const fresh = matrixJson(one, [row([[queue, "fail"]])], 5, new Date("2026-12-06T00:00:00Z"));
    const { report, kept } = mergeMatrix(previous, fresh, ["Lock", "Queue"]);
    expect(kept).toEqual([]);
    expect(report.implementations[0]!.results.map((c) => [c.primitive, c.verdict, c.measured.slice(0, 10)])).toEqual([
      ["Lock", "pass", "2026-12-01"],
      ["Queue", "fail", "2026-12-06"],
    ]);
    expect(report.implementations[0]!.seconds).toBe(20);
    const md = matrixMarkdown(report, specs);
    expect(md).toContain("cells measured from 2026-12-01 to 2026-12-06");
    expect(md).toMatch(/\| pass \| \*\*FAIL\*\* \(documented\) \|$/m);
    // The round trip through matrix.json loses nothing the report shows.
    expect(matrixMarkdown(JSON.parse(JSON.stringify(report)) as MatrixReport, specs)).toBe(md);
    // An implementation that cannot be opened now keeps its cells.
    const gone = { ...fresh, implementations: [{ ...fresh.implementations[0]!, unavailable: "not installed", results: [] }] };
    expect(mergeMatrix(previous, gone, ["Lock", "Queue"])).toEqual({ report: { ...gone, implementations: previous.implementations }, kept: [impl.id] });
    expect(() => mergeMatrix(previous, { ...fresh, seeds: [1, 2] }, ["Lock", "Queue"])).toThrow(MatrixMergeError);
    expect(() => mergeMatrix(previous, { ...fresh, runs: 6 }, ["Lock", "Queue"])).toThrow(/measured with 5 runs and seeds 1, this run with 6 runs/);
    expect(() => mergeMatrix(previous, { ...fresh, implementations: [{ ...fresh.implementations[0]!, id: "new" }] }, ["Lock", "Queue"])).toThrow(/no row for 'new'/);
  });

  test("--implementations: the rows measured replace theirs whole, the others are kept in the config's order, a new one is added", () => {
    const result = (verdict: "pass" | "fail") =>
      ({ verdict, levels: verdict === "fail" ? { documented: { verdict: "fail" } } : {}, runs: 1, cut: 0, inconclusive: 0, long: { runs: 0, cut: 0, horizonMs: 3000 }, ms: 1 }) as unknown as CampaignResult;
    const [lock] = specs;
    const [a, b] = config.implementations;
    const c = { ...a!, id: "added" };
    const row = (impl: typeof a, v: "pass" | "fail"): MatrixRow => ({ implementation: impl!, outcomes: [mergeSeeds([{ seed: 1, outcome: { spec: lock!, result: result(v) } }])], seconds: 3 });
    const one = { ...config, seeds: [1], implementations: [a!, b!] };
    const previous = matrixJson(one, [row(a, "pass"), row(b, "pass")], 5, new Date("2026-12-01T00:00:00Z"));
    const fresh = matrixJson({ ...one, implementations: [c, a!] }, [row(c, "fail"), row(a, "fail")], 5, new Date("2026-12-06T00:00:00Z"));
    const { report } = mergeMatrix(previous, fresh, ["Lock"], [a!.id, c.id, b!.id], false);
    expect(report.implementations.map((r) => [r.id, r.results[0]!.verdict, r.seconds])).toEqual([
      [a!.id, "fail", 3],
      ["added", "fail", 3],
      [b!.id, "pass", 3],
    ]);
    expect(() => mergeMatrix(previous, { ...fresh, runs: 6 }, ["Lock"], [a!.id], false)).toThrow(MatrixMergeError);
  });

  test("a row whose measuring throws (a bug, not a verdict) is reported as not measured; the other rows go on", async () => {
    const log: string[] = [];
    const throwing = { ...config.implementations[0]!, id: "throws", adapter: "reference-threads" };
    const fine = { ...config.implementations[0]!, id: "fine", adapter: "no-such-adapter" };
    // The adapters open with the real documents; the primitive measured lacks what the suite reads,
    // so the row's run throws (outside any campaign, which would record it as a suite error).
    const broken = [{ ...specs[0]!, doc: undefined }] as unknown as typeof specs;
    const rows = await runMatrix({ ...config, seeds: [1], implementations: [throwing, fine] }, specs, (s) => log.push(s), 1, 1, undefined, broken);
    expect(rows.map((r) => r.implementation.id)).toEqual(["throws", "fine"]);
    expect(rows[0]!.unavailable).toMatch(/^internal error \(not a verdict\): /);
    expect(rows[1]!.unavailable).toMatch(/unknown adapter/);
    expect(log.join("\n")).toMatch(/throws: internal error, row not measured: /);
  });

  test("every installed implementation runs Lock and Queue; CPython and the reference conform", async () => {
    const wanted = config.implementations.filter((i) => available[i.id] !== false);
    // One seed here (the committed matrix takes the config's seeds; the merge is tested above).
    // One at a time: several Python adapters at once beside the other test files overload 2 cores.
    const rows = await runMatrix({ ...config, seeds: [config.seeds[0]!], implementations: wanted }, specs, () => {}, 8);
    for (const r of rows) {
      expect(r.unavailable, `${r.implementation.id}: ${r.unavailable}`).toBeUndefined();
      expect(r.outcomes.map((o) => o.spec.primitive)).toEqual(["Lock", "Queue"]);
      for (const o of r.outcomes) expect(o.result?.verdict, `${r.implementation.id} ${o.spec.primitive}: ${o.result?.error}`).not.toBe("error");
      if (r.implementation.id.startsWith("cpython") || r.implementation.id === "reference-threads") {
        for (const o of r.outcomes) expect(o.result?.verdict, `${r.implementation.id} ${o.spec.primitive}`).toBe("pass");
      }
    }
    const report = matrixJson({ ...config, seeds: [config.seeds[0]!] }, rows, 8);
    const md = matrixMarkdown(report, specs);
    expect(md).toMatch(/\| implementation \| profile \| Lock \| Queue \|/);
    for (const r of rows) expect(md).toContain(r.implementation.name);
    // One badge per measured implementation, linked from the report.
    const badges = matrixBadges(report);
    expect([...badges.keys()].sort()).toEqual(rows.filter((r) => !r.unavailable).map((r) => `badges/${r.implementation.id}.svg`).sort());
    for (const [path, svg] of badges) {
      expect(md).toContain(`](${path})`);
      expect(svg).toMatch(/^<svg[^>]*aria-label="mpspec /);
    }
  }, 180_000);
});
