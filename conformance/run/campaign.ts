/**
 * A conformance campaign for one primitive: fast-check generates scenarios from
 * the spec, the adapter runs each with real concurrency, the checker judges the
 * history. A failure is shrunk by fast-check (re-running smaller scenarios) and
 * kept with its history and explanation; it replays by {seed, path}.
 */
import fc from "fast-check";
import type { Level } from "../../spec/format.js";
import { AdapterError, type Adapter } from "../adapter/types.js";
import { checkHistory, type CheckResult } from "../checker/linearize.js";
import { callTimeoutSeconds } from "../model/spec-model.js";
import { DEFAULT_SHAPE, scenarioArbitrary, type ScenarioShape } from "../generate/scenario-arbitrary.js";
import type { History } from "../history/types.js";
import type { Scenario } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { AdaptiveDeadline } from "./deadline.js";

export interface CampaignOptions {
  profile: string;
  runs: number;
  seed: number;
  /** fast-check path of a counterexample to replay. */
  path?: string;
  shape?: ScenarioShape;
  /**
   * Deadline for one scenario's execution. Default: a base plus three times the sum of the
   * scenario's call timeouts, so a call that blocks with no timeout (JoinableQueue.join)
   * costs a fraction of a second: it is recorded as never returned, which the checker allows.
   * The base adapts (run/deadline.ts): from `deadlineBaseMs` down to a multiple of what
   * scenarios that end by themselves take, never below `deadlineFloorMs`.
   */
  deadlineMs?: number;
  /** Largest (and first) base. Default: the adapter's `deadlineBaseMs`, else 500 ms. */
  deadlineBaseMs?: number;
  /** Smallest base. Default: the adapter's `deadlineFloorMs`, else 100 ms. */
  deadlineFloorMs?: number;
  /** Executions of each scenario (races may need several). */
  invocations?: number;
  maxStates?: number;
}

export interface Counterexample {
  scenario: Scenario;
  history: History;
  check: CheckResult;
  seed: number;
  path: string;
  /** Level at which it was found. */
  level: Level;
}

export interface LevelResult {
  verdict: "pass" | "fail";
  counterexample?: Counterexample;
}

export interface CampaignResult {
  primitive: string;
  profile: string;
  /** pass: conforms at every level; fail: a violation; error: the adapter failed. */
  verdict: "pass" | "fail" | "error";
  runs: number;
  levels: Partial<Record<Level, LevelResult>>;
  /** Scenarios whose check ran out of search budget (counted, not hidden). */
  inconclusive: number;
  /** Scenario runs that ended at their deadline with a call still pending. */
  cut: number;
  error?: string;
  /** The scenario the adapter failed on, to reproduce an adapter error by hand. */
  errorScenario?: Scenario;
  ms: number;
}

export async function runCampaign(spec: LoadedSpec, adapter: Adapter, opts: CampaignOptions): Promise<CampaignResult> {
  const t0 = performance.now();
  const result: CampaignResult = { primitive: spec.primitive, profile: opts.profile, verdict: "pass", runs: 0, levels: {}, inconclusive: 0, cut: 0, ms: 0 };
  const maxBaseMs = opts.deadlineBaseMs ?? adapter.deadlineBaseMs ?? 500;
  const deadline = new AdaptiveDeadline({ maxBaseMs, floorMs: Math.min(maxBaseMs, opts.deadlineFloorMs ?? adapter.deadlineFloorMs ?? 100) });
  try {
    // The full (cpython) level first; if it fails, find out whether the documented API alone holds.
    const cpython = await runLevel(spec, adapter, opts, "cpython", result, deadline);
    result.levels.cpython = cpython;
    result.levels.documented =
      cpython.verdict === "pass" ? { verdict: "pass" } : (documentedVerdictOf(spec, cpython.counterexample!, opts) ?? (await runLevel(spec, adapter, opts, "documented", result, deadline)));
    result.verdict = cpython.verdict === "pass" && result.levels.documented.verdict === "pass" ? "pass" : "fail";
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    result.verdict = "error";
    result.error = e.message;
    result.errorScenario = scenarioOf.get(e);
  }
  result.cut = deadline.cut;
  result.ms = performance.now() - t0;
  return result;
}

const scenarioOf = new WeakMap<AdapterError, Scenario>();

async function runLevel(spec: LoadedSpec, adapter: Adapter, opts: CampaignOptions, level: Level, acc: CampaignResult, deadline: AdaptiveDeadline): Promise<LevelResult> {
  const failures = new Map<string, { history: History; check: CheckResult }>();
  let adapterError: AdapterError | undefined;
  const specFor = (p: string) => {
    if (p !== spec.primitive) throw new Error(`scenario names primitive '${p}', campaign is for '${spec.primitive}'`);
    return spec;
  };
  const property = fc.asyncProperty(scenarioArbitrary(spec, opts.profile, opts.shape ?? DEFAULT_SHAPE), async (scenario) => {
    if (adapterError) return true; // stop judging once the adapter is broken
    for (let i = 0; i < (opts.invocations ?? 1); i++) {
      let history: History;
      const timeoutsMs = 1000 * timeoutSeconds(spec, scenario);
      const t = performance.now();
      try {
        history = await adapter.run(scenario, opts.deadlineMs ?? Math.ceil(deadline.baseMs() + 3 * timeoutsMs));
      } catch (e) {
        if (e instanceof AdapterError) {
          adapterError = e;
          scenarioOf.set(e, scenario);
          return true;
        }
        throw e;
      }
      acc.runs++;
      deadline.record(history, performance.now() - t, timeoutsMs);
      const check = checkHistory(specFor, scenario.objects, history, { profile: opts.profile, level, maxStates: opts.maxStates });
      if (check.verdict === "inconclusive") acc.inconclusive++;
      if (check.verdict === "violation") {
        failures.set(JSON.stringify(scenario), { history, check });
        return false;
      }
    }
    return true;
  });
  const details = await fc.check(property, {
    numRuns: opts.path ? 1 : opts.runs,
    seed: opts.seed,
    path: opts.path,
    endOnFailure: false,
  });
  if (adapterError) throw adapterError;
  if (!details.failed) return { verdict: "pass" };
  if (details.errorInstance && !details.counterexample) throw details.errorInstance;
  const scenario = details.counterexample![0] as Scenario;
  const found = failures.get(JSON.stringify(scenario));
  if (!found) {
    // The property threw rather than returned false: a bug in the spec or the checker, not a verdict.
    throw details.errorInstance ?? new Error("property failed without a recorded history");
  }
  return {
    verdict: "fail",
    counterexample: { scenario, ...found, seed: details.seed, path: details.counterexamplePath ?? "", level },
  };
}

/** The sum of the finite timeouts of the scenario's calls, in seconds. */
export function timeoutSeconds(spec: LoadedSpec, scenario: Scenario): number {
  let seconds = 0;
  const ctorArgs = new Map(scenario.objects.map((o) => [o.id, o.args]));
  for (const c of [...scenario.init, ...scenario.parallel.flat(), ...scenario.post]) {
    const t = callTimeoutSeconds(spec, ctorArgs.get(c.object) ?? {}, c.op, c.args, scenario.profile);
    if (t !== null && t > 0) seconds += t;
  }
  return seconds;
}

/**
 * A cpython-level counterexample that breaks the documented level too is that level's
 * counterexample as well (a new campaign might not hit the same race again).
 */
function documentedVerdictOf(spec: LoadedSpec, cx: Counterexample, opts: CampaignOptions): LevelResult | undefined {
  const check = checkHistory(() => spec, cx.scenario.objects, cx.history, { profile: opts.profile, level: "documented", maxStates: opts.maxStates });
  if (check.verdict !== "violation") return undefined;
  return { verdict: "fail", counterexample: { ...cx, check, level: "documented" } };
}
