/**
 * One campaign's result in words, shared by `run`, `matrix` and badges: how far
 * in time the verdict holds, the known CPython deviations a documented pass
 * admitted, and the command that replays a failure.
 */
import type { Level } from "../../spec/format.js";
import { shellQuote } from "../adapter/jsonl-adapter.js";
import type { CampaignResult } from "../run/campaign.js";
import { counterexampleBody, scenarioText } from "./explain.js";

/** Known CPython deviations a documented pass admitted: "Lock.release.double-free x3". */
export function deviationsText(r: { levels: { documented?: { deviations?: Record<string, number> } } }): string {
  return Object.entries(r.levels.documented?.deviations ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `${id} x${n}`)
    .join(", ");
}

/** How far the verdict holds in time: scenarios cut at the deadline, and those re-run to the horizon. */
export function horizonText(r: Pick<CampaignResult, "runs" | "cut" | "long">): string {
  if (r.runs === 0) return "nothing run";
  if (r.cut === 0) return "none cut";
  return `${r.cut} cut at the deadline, ${r.long.runs} re-run to a ${(r.long.horizonMs / 1000).toFixed(1)} s horizon${r.long.cut ? ` (${r.long.cut} cut there too)` : ""}`;
}

/** Every option that changes a run, so that a replay runs the same thing. */
export interface ReplayOptions {
  adapter: string;
  profile: string;
  specDir?: string;
  invocations?: number;
  deadline?: number;
  level?: Level;
  prompt?: number;
  horizon?: number;
  longRuns?: number;
}

/** The command that replays a result's counterexample, or undefined when there is none. */
export function replayCommand(o: ReplayOptions, primitive: string, r: CampaignResult | null | undefined): string | undefined {
  const cx = r?.levels.documented?.counterexample ?? r?.levels.cpython?.counterexample;
  if (!cx) return undefined;
  const flags: [string, string | number | undefined][] = [
    ["--adapter", o.adapter], ["--profile", o.profile], ["--primitives", primitive], ["--seed", cx.seed], ["--path", cx.path],
    ["--spec-dir", o.specDir], ["--invocations", o.invocations === 1 ? undefined : o.invocations], ["--deadline", o.deadline],
    ["--level", o.level === "cpython" ? undefined : o.level], ["--prompt", o.prompt], ["--horizon", o.horizon], ["--long-runs", o.longRuns],
  ];
  return `npx mpspec run ${flags.filter(([, v]) => v !== undefined).map(([f, v]) => `${f} ${shellQuote([String(v)])}`).join(" ")}`;
}

/** A failed campaign's counterexample (scenario, history, why), or its error: for test failure messages. */
export function counterexampleText(r: CampaignResult): string {
  const level = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython;
  const cx = level?.counterexample;
  if (!cx) return r.error ?? "";
  return `${scenarioText(cx.scenario)}\n${counterexampleBody(cx)}`;
}
