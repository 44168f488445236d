/**
 * A conformance badge for one implementation (an SVG made by badge-maker, the
 * shields.io renderer), from the outcomes of a run or of a matrix row:
 *  - every primitive measured conforms: "15/15 conformant", green;
 *  - only cpython-level differences: "13/15 · documented 15/15", yellow-green;
 *  - a documented-level failure or an adapter error: "11/15 · documented 12/15", red.
 * Primitives the implementation does not have (unsupported) are not counted.
 */
import { makeBadge } from "badge-maker";
import type { PrimitiveOutcome } from "../run/suite.js";

export interface BadgeFormat {
  label: string;
  message: string;
  color: string;
}

export function badgeFormat(outcomes: readonly PrimitiveOutcome[], profile: string): BadgeFormat {
  const measured = outcomes.filter((o) => o.result !== null).map((o) => o.result!);
  const label = `mpspec ${profile}`;
  if (measured.length === 0) return { label, message: "nothing measured", color: "lightgrey" };
  const n = measured.length;
  const conformant = measured.filter((r) => r.verdict === "pass").length;
  const documented = measured.filter((r) => !r.error && r.levels.documented?.verdict === "pass").length;
  if (conformant === n) return { label, message: `${n}/${n} conformant`, color: "brightgreen" };
  return { label, message: `${conformant}/${n} · documented ${documented}/${n}`, color: documented === n ? "yellowgreen" : "red" };
}

export function badgeSvg(outcomes: readonly PrimitiveOutcome[], profile: string): string {
  return makeBadge(badgeFormat(outcomes, profile));
}
