/**
 * Spec-rule coverage in words: the rules a campaign never exercised (`run --coverage`), and the
 * table for the whole spec (`mpspec coverage`, reports/coverage.md). Counting is run/coverage.ts.
 *
 * A rule never exercised falls in one of four groups:
 *  - a gap: the generated scenarios did not reach it (the list to close);
 *  - marked rare: the spec says why generated scenarios cannot reach it (`reachable.rare`);
 *  - a deviation: a CPython race bug the docs forbid, expected to be rare and absent from
 *    implementations without the bug.
 */
import type { CampaignResult } from "../run/campaign.js";
import { exercised, kindText, specRules, type RuleInfo } from "../run/coverage.js";
import type { PrimitiveOutcome } from "../run/suite.js";
import type { LoadedSpec } from "../spec/load.js";

export interface CoverageSummary {
  primitive: string;
  verdict: CampaignResult["verdict"];
  /** Histories judged ok at the cpython level (counted). */
  histories: number;
  /** Each with its count (cpython level; documentedOnly: documented level) and its documented level's count. */
  rules: (RuleInfo & { count: number; documentedCount: number })[];
  /** Exercised at the documented level only (e.g. an earlier cpython rule explains the outcome at the cpython level). */
  documentedOnlyExercised: (RuleInfo & { count: number; documentedCount: number })[];
  exercised: number;
  total: number;
  /** Never exercised, neither marked rare nor a deviation. */
  gaps: RuleInfo[];
  /** Marked rare (exercised or not), with their counts. */
  rare: (RuleInfo & { count: number; documentedCount: number })[];
  /** Deviation rules never exercised (and not marked rare). */
  deviations: RuleInfo[];
}

export function coverageSummary(spec: LoadedSpec, r: CampaignResult): CoverageSummary {
  const counts = r.coverage?.rules ?? {};
  const rules = specRules(spec, r.profile).map((x) => ({ ...x, count: counts[x.id] ?? 0, documentedCount: r.coverage?.documented[x.id] ?? 0 }));
  const never = rules.filter((x) => !exercised(r.coverage, x.id));
  return {
    primitive: spec.primitive,
    verdict: r.verdict,
    histories: r.coverage?.histories ?? 0,
    rules,
    exercised: rules.length - never.length,
    total: rules.length,
    gaps: never.filter((x) => x.rare === undefined && x.level !== "deviation"),
    rare: rules.filter((x) => x.rare !== undefined),
    documentedOnlyExercised: rules.filter((x) => !x.documentedOnly && x.count === 0 && x.documentedCount > 0),
    deviations: never.filter((x) => x.rare === undefined && x.level === "deviation"),
  };
}

/** "cpython, raises after timeout" / "documented (documented level only), returns". */
export function levelText(r: RuleInfo): string {
  return r.documentedOnly ? `${r.level} (documented level only)` : r.level;
}

const ruleLine = (r: RuleInfo) => `${r.id} (${levelText(r)}, ${kindText(r)})`;

/** The lines `run --coverage` prints under a primitive's result line. */
export function coverageText(spec: LoadedSpec, r: CampaignResult): string {
  const s = coverageSummary(spec, r);
  const lines = [
    `  coverage: ${s.exercised}/${s.total} rules exercised over ${s.histories} histories judged ok${s.verdict === "pass" ? "" : " (up to the failure)"}; ` +
      (s.gaps.length ? `never exercised (${s.gaps.length}):` : "every rule not marked rare exercised"),
    ...s.gaps.map((x) => `    ${ruleLine(x)}`),
  ];
  const rareNever = s.rare.filter((x) => x.count === 0 && x.documentedCount === 0);
  if (rareNever.length) lines.push(`  never exercised, marked rare (${rareNever.length}):`, ...rareNever.map((x) => `    ${ruleLine(x)}: ${x.rare!.trim().replace(/\s*\n\s*/g, " ")}`));
  if (s.documentedOnlyExercised.length) lines.push(`  exercised at the documented level only (${s.documentedOnlyExercised.length}): ${s.documentedOnlyExercised.map((x) => x.id).join(", ")}`);
  if (s.deviations.length) lines.push(`  CPython deviations not seen (${s.deviations.length}): ${s.deviations.map((x) => x.id).join(", ")}`);
  return lines.join("\n");
}

export interface CoverageReportMeta {
  implementation: string;
  profile: string;
  runs: number;
  seed: number;
  command: string;
}

/** A rule's count; when only the documented level used it, that level's count. */
const countText = (x: { count: number; documentedCount: number }) => (x.count === 0 && x.documentedCount > 0 ? `0 (documented level: ${x.documentedCount})` : String(x.count));
const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.trim().replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");

/** The coverage table for the whole spec (reports/coverage.md). */
export function coverageMarkdown(meta: CoverageReportMeta, outcomes: PrimitiveOutcome[]): string {
  const measured = outcomes.filter((o) => o.result).map((o) => ({ o, s: coverageSummary(o.spec, o.result!) }));
  const sum = (f: (s: CoverageSummary) => number) => measured.reduce((k, { s }) => k + f(s), 0);
  const lines = [
    "# Spec-rule coverage",
    "",
    `${meta.implementation}, profile ${meta.profile}, ${meta.runs} runs per primitive, seed ${meta.seed}: \`${meta.command}\``,
    "",
    "How often each rule of the spec explained a step of the accepted linearization of a history judged ok " +
      "(cpython level; documented-only rules at the documented level; calls that never returned not counted). " +
      "See the README's section \"Coverage\" for how to read it.",
    "",
    `**${sum((s) => s.exercised)} / ${sum((s) => s.total)} rules exercised; ${sum((s) => s.gaps.length)} never exercised (gaps), ` +
      `${sum((s) => s.rare.filter((x) => x.count === 0 && x.documentedCount === 0).length)} never exercised and marked rare, ${sum((s) => s.deviations.length)} CPython deviations not seen.**`,
    "",
    "| primitive | verdict | histories counted | rules exercised | gaps | marked rare (not seen) | deviations not seen |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const o of outcomes) {
    if (!o.result) {
      lines.push(`| ${o.spec.primitive} | unsupported | | | | | |`);
      continue;
    }
    const s = coverageSummary(o.spec, o.result);
    const rareNever = s.rare.filter((x) => x.count === 0 && x.documentedCount === 0).length;
    lines.push(`| ${s.primitive} | ${s.verdict} | ${s.histories} | ${s.exercised} / ${s.total} | ${s.gaps.length} | ${rareNever} / ${s.rare.length} | ${s.deviations.length} |`);
  }
  const section = (title: string, intro: string, rows: string[]) => (rows.length ? ["", `## ${title}`, "", intro, "", ...rows] : []);
  const gapRows = measured.flatMap(({ s }) => s.gaps.map((x) => `| ${s.primitive} | ${code(x.id)} | ${levelText(x)} | ${kindText(x)} |`));
  lines.push(
    ...section(
      "Never exercised",
      "Rules no accepted linearization used: the generated scenarios did not reach them (or an earlier rule of the document explained the same outcome).",
      gapRows.length ? ["| primitive | rule | level | kind |", "|---|---|---|---|", ...gapRows] : [],
    ),
  );
  const rareRows = measured.flatMap(({ s }) => s.rare.map((x) => `| ${s.primitive} | ${code(x.id)} | ${levelText(x)} | ${countText(x)} | ${cell(x.rare!)} |`));
  lines.push(
    ...section(
      "Marked rare",
      "Rules whose spec says why generated scenarios cannot (or only rarely) reach them (`reachable.rare`).",
      rareRows.length ? ["| primitive | rule | level | exercised | why |", "|---|---|---|---:|---|", ...rareRows] : [],
    ),
  );
  const docRows = measured.flatMap(({ s }) => s.documentedOnlyExercised.map((x) => `| ${s.primitive} | ${code(x.id)} | ${levelText(x)} | ${kindText(x)} | ${x.documentedCount} |`));
  lines.push(
    ...section(
      "Exercised at the documented level only",
      "Counted as exercised: no cpython-level linearization used them (an earlier cpython rule explained the outcome there), documented-level ones did.",
      docRows.length ? ["| primitive | rule | level | kind | documented-level count |", "|---|---|---|---|---:|", ...docRows] : [],
    ),
  );
  const devRows = measured.flatMap(({ s }) => s.deviations.map((x) => `| ${s.primitive} | ${code(x.id)} | ${kindText(x)} |`));
  lines.push(
    ...section(
      "CPython deviations not seen",
      "Rules of level `deviation` (CPython behaviour the docs forbid, mostly race bugs): expected to be rare on CPython, and absent from an implementation without the bug.",
      devRows.length ? ["| primitive | rule | kind |", "|---|---|---|", ...devRows] : [],
    ),
  );
  const failed = measured.filter(({ s }) => s.verdict !== "pass");
  if (failed.length) {
    lines.push("", `Not conformant or errored (${failed.map(({ s }) => `${s.primitive} ${s.verdict}`).join(", ")}): their counts stop at the first failure.`);
  }
  return lines.join("\n") + "\n";
}
