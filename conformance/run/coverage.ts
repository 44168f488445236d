/**
 * Spec-rule coverage: how often each rule (and internal step) of a spec explained a step of an
 * accepted linearization, over the histories a campaign judged ok.
 *
 * What counts: on a history the checker judged ok, the accepted linearization (the first one its
 * search found; ObjectVerdict.used) names, for each step, the rule or internal step that explains
 * it. Steps of calls that returned are counted, and every internal step; a call that never
 * returned showed no outcome, so whatever rule the search picked for it is not counted. Rules
 * active at the cpython level (documented, cpython and deviation rules) are counted from the
 * cpython-level check; `documentedOnly` rules, active at the documented level only, from the
 * documented-level check. The documented level's counts of every rule are kept too: a rule (or
 * internal step) that only documented-level linearizations use, e.g. one that an earlier
 * cpython rule shadows, or an internal step that only a documentedOnly rule enables, is
 * exercised there. Where two rules explain the same outcome, the search takes the earlier one
 * in the document, which gets the count.
 */
import type { RuleLevel } from "../../spec/format.js";
import type { CheckResult } from "../checker/linearize.js";
import type { LoadedSpec } from "../spec/load.js";

/** How a rule ends (or continues) a call: by its definition in the spec. */
export type RuleKind = "returns" | "raises" | "continues" | "internal" | "refuses";

/** A rule or internal step of a spec, as coverage reports list it. */
export interface RuleInfo {
  id: string;
  /** The operation (undefined for an internal step and a constructor's refusal). */
  operation?: string;
  level: RuleLevel;
  documentedOnly: boolean;
  kind: RuleKind;
  /** An outcome only once the call's timeout has elapsed. */
  afterTimeout: boolean;
  /** The spec's `reachable.rare`: why generated scenarios cannot (or rarely) reach it. */
  rare?: string;
}

/** What a campaign measured. */
export interface Coverage {
  /** Histories judged ok at the cpython level, whose linearizations were counted. */
  histories: number;
  /** Histories judged ok at the documented level (for the `documentedOnly` rules). */
  documentedHistories: number;
  /**
   * Every rule and internal step of the spec in the campaign's profile, in document order, with
   * its count (0: never exercised): at the cpython level, and for `documentedOnly` rules at the
   * documented level.
   */
  rules: Record<string, number>;
  /** The same at the documented level, for every rule and step (documented, documentedOnly, and deviations where they explained a history). */
  documented: Record<string, number>;
}

/** Exercised at either level. */
export const exercised = (c: Coverage | undefined, id: string): boolean => (c?.rules[id] ?? 0) > 0 || (c?.documented[id] ?? 0) > 0;

const inProfile = (profiles: string[] | undefined, profile: string) => !profiles || profiles.includes(profile);

/** The spec's rules and internal steps that exist in `profile`, in document order. */
export function specRules(spec: LoadedSpec, profile: string): RuleInfo[] {
  const out: RuleInfo[] = [];
  for (const op of spec.operations.values()) {
    if (!inProfile(op.op.profiles, profile)) continue;
    for (const { rule } of op.phases.flat()) {
      if (!inProfile(rule.profiles, profile)) continue;
      out.push({
        id: rule.id,
        operation: op.name,
        level: rule.level,
        documentedOnly: rule.documentedOnly ?? false,
        kind: rule.next !== undefined ? "continues" : rule.raises ? "raises" : "returns",
        afterTimeout: rule.afterTimeout ?? false,
        ...(rule.reachable ? { rare: rule.reachable.rare } : {}),
      });
    }
  }
  for (const { rule } of spec.construction) {
    if (!inProfile(rule.profiles, profile)) continue;
    out.push({ id: rule.id, level: rule.level, documentedOnly: rule.documentedOnly ?? false, kind: "refuses", afterTimeout: false, ...(rule.reachable ? { rare: rule.reachable.rare } : {}) });
  }
  for (const { step } of spec.internal) {
    if (!inProfile(step.profiles, profile)) continue;
    out.push({ id: step.id, level: step.level, documentedOnly: step.documentedOnly ?? false, kind: "internal", afterTimeout: false, ...(step.reachable ? { rare: step.reachable.rare } : {}) });
  }
  return out;
}

/** "raises after timeout", "internal step", ...: a rule's kind in words. */
export function kindText(r: RuleInfo): string {
  const kind = r.kind === "internal" ? "internal step" : r.kind === "continues" ? "continues the call" : r.kind === "refuses" ? "constructor raises" : r.kind;
  return r.afterTimeout ? `${kind} after timeout` : kind;
}

/** An empty count of every rule of the spec in the profile. */
export function emptyCoverage(spec: LoadedSpec, profile: string): Coverage {
  const zero = () => Object.fromEntries(specRules(spec, profile).map((r) => [r.id, 0]));
  return { histories: 0, documentedHistories: 0, rules: zero(), documented: zero() };
}

/**
 * Add one check's accepted linearizations to `counts`: nothing unless the check's verdict is
 * ok; the steps of calls that returned, and internal steps; only ids `count` admits.
 */
export function countLinearizations(counts: Record<string, number>, check: CheckResult, count: (id: string) => boolean = () => true, deadlocks: ReadonlySet<string> = new Set()): boolean {
  if (check.verdict !== "ok") return false;
  for (const o of check.objects) {
    const used = o.used ?? [];
    used.forEach((id, k) => {
      const ev = o.usedEvents?.[k] ?? -1;
      const e = ev >= 0 ? o.events[ev] : undefined;
      // A call that never returned is counted only for a step into a deadlock (a phase no rule
      // completes): never returning is that rule's outcome.
      if (e && (e.response === null || e.outcome.kind === "pending") && !deadlocks.has(id)) return;
      if (count(id)) counts[id] = (counts[id] ?? 0) + 1;
    });
  }
  return true;
}

/**
 * Counts a campaign's trials: the cpython-level check for every rule but the `documentedOnly`
 * ones, the documented-level check for those.
 */
export class CoverageCounter {
  readonly coverage: Coverage;
  private readonly documentedOnly: Set<string>;

  private readonly deadlocks: Set<string>;
  private readonly deviations: Set<string>;

  constructor(spec: LoadedSpec, profile: string) {
    this.coverage = emptyCoverage(spec, profile);
    this.documentedOnly = new Set(specRules(spec, profile).filter((r) => r.documentedOnly).map((r) => r.id));
    this.deviations = new Set(specRules(spec, profile).filter((r) => r.level === "deviation").map((r) => r.id));
    this.deadlocks = deadlockRules(spec);
  }

  /** Forget the counts at these levels (a new campaign measures them). */
  reset(levels: readonly ("cpython" | "documented")[]): void {
    for (const id of Object.keys(this.coverage.rules)) {
      if (levels.includes(this.documentedOnly.has(id) ? "documented" : "cpython")) this.coverage.rules[id] = 0;
    }
    if (levels.includes("cpython")) this.coverage.histories = 0;
    if (levels.includes("documented")) {
      this.coverage.documentedHistories = 0;
      for (const id of Object.keys(this.coverage.documented)) this.coverage.documented[id] = 0;
    }
  }

  /** Count one trial's checks at the levels being measured. */
  record(checks: { cpython: CheckResult; documented: CheckResult }, levels: readonly ("cpython" | "documented")[]): void {
    // A deviation counts as seen only where the history needed it: the search may take a
    // deviation rule first where the documented rules explain the history too (two releases of a
    // Lock that overlap), and that is no CPython race bug shown.
    // (The documented check passed with deviations admitted, when it needed them: its linearization names one.)
    const needed = checks.documented.verdict !== "ok" || checks.documented.objects.some((o) => (o.used ?? []).some((id) => this.deviations.has(id)));
    const counted = (id: string) => !this.documentedOnly.has(id) && (needed || !this.deviations.has(id));
    if (levels.includes("cpython") && countLinearizations(this.coverage.rules, checks.cpython, counted, this.deadlocks)) this.coverage.histories++;
    if (levels.includes("documented") && countLinearizations(this.coverage.documented, checks.documented, undefined, this.deadlocks)) {
      this.coverage.documentedHistories++;
      countLinearizations(this.coverage.rules, checks.documented, (id) => this.documentedOnly.has(id), this.deadlocks);
    }
  }
}

/** Rules that continue a call into a phase no rule completes (a self-deadlock). */
export function deadlockRules(spec: LoadedSpec): Set<string> {
  const out = new Set<string>();
  for (const op of spec.operations.values()) {
    for (const r of op.phases.flat()) if (r.next !== undefined && op.phases[r.next]!.length === 0) out.add(r.rule.id);
  }
  return out;
}
