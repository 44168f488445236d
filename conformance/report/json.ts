/** The machine-readable form of a campaign result (`mpspec run --json`, reports/). */
import type { CampaignResult, Counterexample } from "../run/campaign.js";
import type { LoadedSpec } from "../spec/load.js";
import { toJson } from "../spec/values.js";
import { pythonCalls, violationText } from "./explain.js";

function counterexampleJson(spec: LoadedSpec, cx: Counterexample | undefined) {
  if (!cx) return undefined;
  const render = pythonCalls(cx.scenario, [spec]);
  return {
    level: cx.level,
    long: cx.long,
    seed: cx.seed,
    path: cx.path,
    scenario: cx.scenario,
    history: cx.history,
    ...(cx.crash !== undefined ? { crash: cx.crash } : {}),
    violations: cx.check.objects
      .filter((o) => o.verdict === "violation")
      .map((o) => ({
        object: o.object,
        primitive: o.primitive,
        contradicts: o.contradicts ?? [],
        frontierState: o.frontierState ? toJson(o.frontierState) : null,
        longest: (o.longest ?? []).map((s) => ({ event: s.event, rule: s.ruleId, stateAfter: toJson(s.stateAfter) })),
        stuck: o.stuck ?? [],
        explanation: violationText(o, render),
      })),
  };
}

export function campaignJson(spec: LoadedSpec, r: CampaignResult | null, unsupported: string | undefined, replay: string | undefined) {
  if (!r) return { primitive: spec.primitive, verdict: "unsupported", reason: unsupported };
  return {
    primitive: spec.primitive,
    profile: r.profile,
    verdict: r.verdict,
    level: r.level,
    scenarios: r.runs,
    inconclusive: r.inconclusive,
    cut: r.cut,
    long: r.long,
    seconds: Math.round(r.ms) / 1000,
    error: r.error,
    errorOf: r.error ? (r.errorOf ?? "adapter") : undefined,
    errorScenario: r.errorScenario,
    levels: Object.fromEntries(
      Object.entries(r.levels)
        .filter(([, x]) => x !== undefined)
        .map(([lv, x]) => [lv, { verdict: x!.verdict, deviations: x!.deviations, found: x!.found, shrinkStopped: x!.shrinkStopped, counterexample: counterexampleJson(spec, x!.counterexample) }]),
    ),
    replay,
    coverage: r.coverage,
  };
}
