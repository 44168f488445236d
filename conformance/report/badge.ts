/**
 * A conformance badge for one implementation (an SVG made by badge-maker, the
 * shields.io renderer), from the outcomes of a run or of a matrix row. At the
 * cpython level (the default):
 *  - every primitive measured conforms: "15/15 conformant", green;
 *  - only cpython-level differences: "13/15 · documented 15/15", yellow-green;
 *  - a documented-level failure or an adapter error: "11/15 · documented 12/15", red.
 * At the documented level (`--level documented`): "documented 15/15", green, or red.
 * Each message ends with the horizon the verdict holds to ("· 2 s horizon"): the
 * longest time a call was watched. Unsupported primitives are not counted.
 */
import { makeBadge } from "badge-maker";
import type { Level } from "../../spec/format.js";

export interface BadgeFormat {
  label: string;
  message: string;
  color: string;
}

/** What a badge reads of a measured primitive (a campaign result, or a matrix cell read back from matrix.json). */
export interface BadgeResult {
  verdict: string;
  levels: { documented?: { verdict: string } };
  long: { horizonMs: number };
}

export function badgeFormat(outcomes: readonly { result: BadgeResult | null }[], profile: string, level: Level = "cpython"): BadgeFormat {
  const measured = outcomes.filter((o) => o.result !== null).map((o) => o.result!);
  const label = `mpspec ${profile}`;
  if (measured.length === 0) return { label, message: "nothing measured", color: "lightgrey" };
  const n = measured.length;
  const documented = measured.filter((r) => r.levels.documented?.verdict === "pass").length;
  const horizon = ` · ${Math.max(...measured.map((r) => r.long.horizonMs)) / 1000} s horizon`;
  if (level === "documented") return { label, message: `documented ${documented}/${n}${horizon}`, color: documented === n ? "brightgreen" : "red" };
  const conformant = measured.filter((r) => r.verdict === "pass").length;
  if (conformant === n) return { label, message: `${n}/${n} conformant${horizon}`, color: "brightgreen" };
  const errors = measured.some((r) => r.verdict === "error");
  return { label, message: `${conformant}/${n} · documented ${documented}/${n}${horizon}`, color: documented === n && !errors ? "yellowgreen" : "red" };
}

export function badgeSvg(outcomes: readonly { result: BadgeResult | null }[], profile: string, level: Level = "cpython"): string {
  return makeBadge(badgeFormat(outcomes, profile, level));
}
