/**
 * A conformance campaign for one primitive: fast-check generates scenarios from
 * the spec, the adapter runs each with real concurrency, the runner checks the
 * history's shape against its scenario, and the checker judges it at both levels.
 * A failure is shrunk by fast-check (re-running smaller scenarios) and kept with
 * its history and explanation; it replays by {seed, path}.
 *
 * Time: most scenarios run to an adaptive deadline (run/deadline.ts), which is
 * cheap for calls that block for good but says nothing about what a cut call
 * would have done later. So the first few cut scenarios are run again to a long
 * horizon: a late wrong answer, or a call that never returns although it could
 * (the checker's liveness rule), is caught there. Results state both.
 */
import fc from "fast-check";
import type { Level } from "../../spec/format.js";
import { AdapterCrash, AdapterError, ownProcesses, type Adapter } from "../adapter/types.js";
import { producesIn, protocolProblems } from "../adapter/protocol.js";
import { checkHistory, type CheckResult } from "../checker/linearize.js";
import { callTimeoutSeconds } from "../model/spec-model.js";
import { DEFAULT_SHAPE, scenarioArbitrary, type ScenarioShape } from "../generate/scenario-arbitrary.js";
import type { History } from "../history/types.js";
import type { Call, Scenario } from "../scenario/types.js";
import { companionSpecs, deviationRules, type LoadedSpec } from "../spec/load.js";
import { AdaptiveDeadline } from "./deadline.js";
import { CoverageCounter, type Coverage } from "./coverage.js";

export interface CampaignOptions {
  profile: string;
  runs: number;
  seed: number;
  /** fast-check path of a counterexample to replay. */
  path?: string;
  shape?: ScenarioShape;
  /**
   * Deadline for one scenario's execution. Default: a base plus three times the sum of the
   * scenario's call timeouts. The base adapts (run/deadline.ts): from `deadlineBaseMs` down to
   * a multiple of what scenarios that end by themselves take, never below `deadlineFloorMs`.
   */
  deadlineMs?: number;
  /** Largest (and first) base. Default: the adapter's `deadlineBaseMs`, else 500 ms. */
  deadlineBaseMs?: number;
  /** Smallest base. Default: the adapter's `deadlineFloorMs`, else 100 ms. */
  deadlineFloorMs?: number;
  /** Executions of each scenario (races may need several). */
  invocations?: number;
  maxStates?: number;
  /**
   * The level that decides `verdict`: `cpython` (default) needs both levels to pass,
   * `documented` the documented level only (known CPython deviations allowed).
   */
  level?: Level;
  /** How long a call may take to return once it can (ms): the checker's liveness bound. Default 500. */
  promptMs?: number;
  /** The horizon (ms): how long the long re-runs of cut scenarios watch calls (plus 3x their timeouts). Default 3000. */
  horizonMs?: number;
  /** How many cut scenarios are run again to the horizon (besides those of shrinking). Default 2. */
  longRuns?: number;
  /**
   * Time shrinking may take (ms) once a failure is found; then the smallest failing scenario
   * found so far is the counterexample (the result says so: `shrinkStopped`). Default: no limit.
   */
  shrinkBudgetMs?: number;
  /**
   * Once one level fails, leave the other unmeasured instead of running a campaign of its own for
   * it (`levels` then lacks it): for callers that only ask whether and why an implementation
   * fails (the broken-variant tests), not for reports.
   */
  firstFailureOnly?: boolean;
  /** The documents of the primitives the spec takes as companions (generate.companions); default: loaded beside it (companionSpecs). */
  companions?: readonly LoadedSpec[];
  /**
   * Further adapters of the same implementation (opened apart: their own workers or processes).
   * The search for a failure then runs that many more scenarios at once: most scenarios wait on
   * timeouts and deadlines, not on the CPU. fast-check draws the scenarios as it would one after
   * another (same seed, same order); the first that fails, in that order, is replayed by its path
   * on the main adapter (the history already seen stands for its first run) and shrunk there, so
   * verdicts, counterexamples and replay lines are those of a run without lanes. Coverage and
   * deviations count the scenarios up to that one, as without lanes. Not used for a spec whose
   * objects only threads of the creating process may call (`callers: threads`).
   */
  lanes?: readonly Adapter[];
}

export const DEFAULT_PROMPT_MS = 500;
export const DEFAULT_HORIZON_MS = 3000;
export const DEFAULT_LONG_RUNS = 2;
/**
 * Further long re-runs, only for cut scenarios whose pending calls could still complete
 * (ObjectVerdict.undecided): where a longer watch can tell a liveness failure from a slow return.
 */
export const NEEDED_LONG_RUNS = 4;
/** Long re-runs allowed while shrinking a failure that only a long run showed. */
const SHRINK_LONG_RUNS = 12;
/**
 * Long re-runs per campaign that confirm a failure of a cut run that is only calls never
 * returning: on a loaded machine a correct call can take longer than the promptness bound (a
 * pool's join() waiting for workers that are still starting), and a run watched to the horizon
 * tells that apart from a call that never returns. Shrinking confirms none (Trial.unconfirmed).
 */
export const CONFIRM_LONG_RUNS = 8;

export interface Counterexample {
  scenario: Scenario;
  history: History;
  check: CheckResult;
  seed: number;
  path: string;
  /** Level at which it was found. */
  level: Level;
  /** Run to the horizon (it was cut at the ordinary deadline). */
  long: boolean;
  /**
   * The scenario crashed its adapter's process, every time it ran (AdapterCrash): no history, and
   * `check` names no object; this says how it ended (exit code, signal, the adapter's stderr).
   */
  crash?: string;
}

export interface LevelResult {
  verdict: "pass" | "fail";
  counterexample?: Counterexample;
  /**
   * Documented level: histories explained only with the spec's known CPython deviations
   * (rules of level `deviation`): how many histories needed each rule. They do not fail the level.
   */
  deviations?: Record<string, number>;
  /**
   * A failure: when the campaign first saw it, before shrinking (the scenario's number in this
   * level's campaign, and the time since that campaign began). Shrinking takes the rest.
   */
  found?: { scenarios: number; ms: number };
  /** Shrinking stopped at its budget (CampaignOptions.shrinkBudgetMs): the counterexample may not be minimal. */
  shrinkStopped?: boolean;
}

export interface CampaignResult {
  primitive: string;
  profile: string;
  /**
   * At the campaign's level (both levels by default): pass, fail (a violation), or error (the
   * adapter failed before any violation was found).
   */
  verdict: "pass" | "fail" | "error";
  level: Level;
  /** Scenarios run (a cut one run again to the horizon counts once). */
  runs: number;
  levels: Partial<Record<Level, LevelResult>>;
  /** Scenarios whose check ran out of search budget (counted, not hidden). */
  inconclusive: number;
  /** Scenario runs that ended at their deadline with a call still pending. */
  cut: number;
  /** Cut scenarios run again to the horizon, and how many of those were cut there too. */
  long: { runs: number; cut: number; horizonMs: number };
  /**
   * Spec-rule coverage (run/coverage.ts): how often each rule and internal step of the spec in
   * this profile explained a step of an accepted linearization, over the histories judged ok
   * that the verdicts rest on (a level's campaign up to its first failure; not shrinking).
   */
  coverage?: Coverage;
  /** The adapter failed: before any violation (verdict error), or while shrinking one (verdict fail). */
  error?: string;
  /** The scenario the adapter failed on, to reproduce an adapter error by hand. */
  errorScenario?: Scenario;
  /** Whose error: the adapter's (default), or the suite's own (its spec or checker threw; run/suite.ts recordThrown). */
  errorOf?: "adapter" | "suite";
  ms: number;
}

/** What one execution of a scenario showed. */
interface Trial {
  history: History;
  checks: Record<Level, CheckResult>;
  long: boolean;
  /**
   * While shrinking a failure of another kind: its only fault is calls of a cut run that never
   * returned, which a loaded machine can show of a correct implementation, so the candidate does
   * not count as failing (nor is it confirmed on a long run, which would spend the shrink budget).
   */
  unconfirmed?: boolean;
  /** The run crashed the adapter's process (see Counterexample.crash): no history was answered. */
  crash?: string;
  /** Documented level: deviation rules that explained it (when only they did). */
  deviations: string[];
}

export async function runCampaign(spec: LoadedSpec, adapter: Adapter, opts: CampaignOptions): Promise<CampaignResult> {
  const t0 = performance.now();
  const level = opts.level ?? "cpython";
  const horizonMs = opts.horizonMs ?? DEFAULT_HORIZON_MS;
  const result: CampaignResult = {
    primitive: spec.primitive, profile: opts.profile, verdict: "pass", level, runs: 0, levels: {}, inconclusive: 0, cut: 0,
    long: { runs: 0, cut: 0, horizonMs }, ms: 0,
  };
  const maxBaseMs = opts.deadlineBaseMs ?? adapter.deadlineBaseMs ?? 500;
  const deadline = new AdaptiveDeadline({ maxBaseMs, floorMs: Math.min(maxBaseMs, opts.deadlineFloorMs ?? adapter.deadlineFloorMs ?? 100) });
  const runner = new ScenarioRunner(spec, adapter, opts, deadline, result);
  result.coverage = runner.coverage.coverage;
  // Both levels at once; if a failure cut the campaign short at one level only, the other is
  // measured by a campaign of its own (same seed), so no verdict is assumed from another.
  const both = await runLevels(runner, opts, ["cpython", "documented"]);
  const oneFailed = Object.values(both.levels).some((l) => l?.verdict === "fail");
  for (const lv of ["cpython", "documented"] as const) {
    if (both.levels[lv] === undefined && opts.firstFailureOnly && oneFailed) continue;
    // A level left unmeasured (the adapter failed first) has no key at all: nothing passed there.
    const measured = both.levels[lv] ?? (await runLevels(runner, opts, [lv])).levels[lv];
    if (measured) result.levels[lv] = measured;
  }
  const deviations = runner.deviations;
  if (Object.keys(deviations).length > 0 && result.levels.documented) result.levels.documented.deviations = deviations;
  const failed = (lv: Level) => result.levels[lv]?.verdict === "fail";
  const decisive: Level[] = level === "documented" ? ["documented"] : ["cpython", "documented"];
  if (decisive.some(failed)) result.verdict = "fail";
  else if (runner.error) result.verdict = "error";
  if (runner.error) {
    result.error = runner.error.message;
    result.errorScenario = runner.errorScenario;
  }
  result.cut = deadline.cut;
  result.ms = performance.now() - t0;
  return result;
}

/** Runs scenarios for the campaign: deadlines, long re-runs, shape checks, checks at both levels. */
class ScenarioRunner {
  error?: AdapterError;
  errorScenario?: Scenario;
  /** Long re-runs left: for the campaign, and for shrinking a failure a long run found. */
  longLeft = 0;
  /** Long re-runs for cut scenarios with undecided pending calls, once longLeft is spent. */
  neededLeft = 0;
  shrinkLongLeft = 0;
  confirmLeft = 0;
  readonly deviations: Record<string, number> = {};
  readonly coverage: CoverageCounter;
  /** The documents of the objects the spec's may use (generate.companions). */
  readonly companions: readonly LoadedSpec[];
  private readonly deviationRules: Set<string>;

  constructor(
    readonly spec: LoadedSpec,
    readonly adapter: Adapter,
    readonly opts: CampaignOptions,
    readonly deadline: AdaptiveDeadline,
    readonly acc: CampaignResult,
  ) {
    this.resetBudgets();
    this.companions = opts.companions ?? companionSpecs(spec);
    this.deviationRules = new Set(deviationRules(spec).map((d) => d.id));
    this.coverage = new CoverageCounter(spec, opts.profile);
  }

  /** Long re-runs for a new fast-check campaign (each level's campaign replays the same seed). */
  resetBudgets(): void {
    this.shrinkLongLeft = SHRINK_LONG_RUNS;
    // A replay runs one scenario: it gets a long run if it is cut, whatever the campaign's count.
    this.longLeft = this.opts.path ? Math.max(1, this.opts.longRuns ?? DEFAULT_LONG_RUNS) : (this.opts.longRuns ?? DEFAULT_LONG_RUNS);
    this.neededLeft = this.opts.longRuns === 0 ? 0 : NEEDED_LONG_RUNS;
    this.confirmLeft = this.opts.longRuns === 0 ? 0 : CONFIRM_LONG_RUNS;
  }

  /**
   * Run a scenario once (and again to the horizon if it was cut and long runs are left).
   * `shrinking`: a candidate while shrinking a failure, and whether that failure was only calls
   * that never returned.
   */
  async trial(scenario: Scenario, shrinkingLong: boolean, adapter: Adapter = this.adapter, shrinking?: { livenessOnly: boolean }): Promise<Trial> {
    const timeoutsMs = 1000 * timeoutSeconds(this.spec, scenario);
    const shortMs = this.opts.deadlineMs ?? Math.ceil(this.deadline.baseMs() + 3 * timeoutsMs);
    // The horizon is how long calls are watched: the adapter keeps part of a deadline for itself.
    const watchMs = Math.max(this.acc.long.horizonMs, this.opts.deadlineMs ?? 0) + 3 * timeoutsMs;
    const longMs = Math.ceil(adapter.deadlineFor?.(watchMs) ?? watchMs);
    const runLong = async () => {
      const h = await this.execute(scenario, longMs, adapter);
      this.acc.long.runs++;
      if (isCut(h)) this.acc.long.cut++;
      return this.judge(scenario, h, true);
    };
    // Shrinking a failure that only a long run showed: smaller scenarios go straight to the horizon.
    if (shrinkingLong && longMs > shortMs && this.shrinkLongLeft > 0) {
      this.shrinkLongLeft--;
      this.acc.runs++;
      return runLong();
    }
    const t = performance.now();
    const history = await this.execute(scenario, shortMs, adapter);
    this.acc.runs++;
    this.deadline.record(history, performance.now() - t, timeoutsMs);
    if (!isCut(history) || longMs <= shortMs || shrinkingLong) return this.judge(scenario, history, false);
    // Cut: the first few go to the horizon; after them, those whose pending calls could still
    // complete (a call the run left too soon to hold to the liveness rule) have a budget of their own.
    if (this.longLeft > 0) {
      this.longLeft--;
      return runLong();
    }
    const short = this.judge(scenario, history, false);
    if (shrinking) return !shrinking.livenessOnly && livenessOnly(short) ? { ...short, unconfirmed: true } : short;
    if (this.confirmLeft > 0 && livenessOnly(short)) {
      this.confirmLeft--;
      return runLong();
    }
    if (this.neededLeft > 0 && short.checks.cpython.objects.some((o) => (o.undecided ?? 0) > 0)) {
      this.neededLeft--;
      return runLong();
    }
    return short;
  }

  private async execute(scenario: Scenario, deadlineMs: number, adapter: Adapter): Promise<History> {
    const history = await adapter.run(scenario, deadlineMs);
    // The runner owns shape and time: a history that does not fit its scenario is the adapter's fault.
    const problems = protocolProblems(scenario, history, producesIn(scenario, (p) => [this.spec, ...this.companions].find((x) => x.primitive === p)));
    if (hasPending(history) && !isCut(history)) problems.push("calls are reported pending but the run has no cut time (Adapter.run must set History.cutAt)");
    if (problems.length) {
      throw new AdapterError(
        `${adapter.info.name} answered with a history that does not fit its scenario:\n    - ${problems.slice(0, 10).join("\n    - ")}${problems.length > 10 ? `\n    - ... ${problems.length - 10} more` : ""}`,
      );
    }
    return history;
  }

  private judge(scenario: Scenario, history: History, long: boolean): Trial {
    const specFor = (p: string) => {
      if (p === this.spec.primitive) return this.spec;
      const c = this.companions.find((x) => x.primitive === p);
      if (!c) throw new Error(`scenario names primitive '${p}', campaign is for '${this.spec.primitive}' (companions: ${this.companions.map((x) => x.primitive).join(", ") || "none"})`);
      return c;
    };
    // Threads when a spec of the scenario asks for them (the run message's calls.actors), else the adapter's kind.
    const threadsOnly = scenario.objects.some((o) => specFor(o.primitive).doc.callers === "threads");
    const actorKind = threadsOnly ? ("threads" as const) : this.adapter.actorKind;
    const base = { profile: this.opts.profile, maxStates: this.opts.maxStates, cutAt: history.cutAt, promptMs: this.opts.promptMs ?? DEFAULT_PROMPT_MS, ...(actorKind ? { actorKind } : {}), ...(this.adapter.startMethod ? { startMethod: this.adapter.startMethod } : {}) };
    const cpython = checkHistory(specFor, scenario.objects, history, { ...base, level: "cpython" });
    let documented = checkHistory(specFor, scenario.objects, history, { ...base, level: "documented" });
    let deviations: string[] = [];
    if (documented.verdict === "violation" && this.deviationRules.size > 0) {
      // Explained once CPython's known deviations are admitted: reported as such, not failed.
      const withDeviations = checkHistory(specFor, scenario.objects, history, { ...base, level: "documented", deviations: true });
      // Reported either way: explained with the deviations, or a violation even with them admitted,
      // whose explanation then names what no rule allows rather than a deviation the search met first.
      documented = withDeviations;
      if (withDeviations.verdict !== "violation") {
        deviations = [...new Set(withDeviations.objects.flatMap((o) => o.used ?? []).filter((id) => this.deviationRules.has(id)))];
      }
    }
    if (cpython.verdict === "inconclusive" || documented.verdict === "inconclusive") this.acc.inconclusive++;
    return { history, checks: { cpython, documented }, long, deviations };
  }

  recordDeviations(t: Trial): void {
    for (const id of t.deviations) this.deviations[id] = (this.deviations[id] ?? 0) + 1;
  }
}

/**
 * A violation only because calls of a cut run never returned although they could (the liveness
 * rule): at every level that fails, every failing object's unexplained calls are such calls.
 */
export function livenessOnly(t: Pick<Trial, "checks">): boolean {
  const failing = Object.values(t.checks).filter((c) => c.verdict === "violation");
  return failing.length > 0 && failing.every((c) => c.objects.filter((o) => o.verdict === "violation").every((o) => (o.stuck ?? []).length > 0 && o.stuck!.every((x) => x.neverReturned !== undefined)));
}

/**
 * A scenario that crashed the adapter's process (AdapterCrash), as a failing trial once the crash
 * recurs: run again on a fresh adapter, except while shrinking a crash (a candidate's crash counts
 * at once: confirming each would double the restarts). Undefined when the re-run did not crash, or
 * when the scenario's objects with no call fail too: that crash is then the adapter's error, not
 * the scenario's failure. The trial has no history; both levels fail with no object named, and
 * `crash` says how the process ended.
 */
async function confirmedCrash(runner: ScenarioRunner, scenario: Scenario, first: AdapterCrash, shrinking: boolean, adapter: Adapter = runner.adapter): Promise<Trial | undefined> {
  let e: AdapterCrash = first;
  if (!shrinking) {
    try {
      await runner.trial(scenario, false, adapter);
      return undefined;
    } catch (again) {
      if (!(again instanceof AdapterCrash)) return undefined;
      e = again;
    }
    // The same objects and no call: an adapter that crashes on that too crashes whatever the
    // calls do, its error rather than this scenario's failure.
    try {
      await runner.trial({ ...scenario, init: [], parallel: [], post: [] }, false, adapter);
    } catch {
      return undefined;
    }
  }
  const check: CheckResult = { verdict: "violation", objects: [] };
  return {
    history: { events: [] },
    checks: { cpython: check, documented: check },
    long: false,
    deviations: [],
    crash: `the adapter's process ended during the scenario, every time it ran (the process its actors are threads of: the implementation may have ended it, as billiard's Pool does when one of its threads crashes): ${e.message}`,
  };
}

/** Cut at its deadline: the adapter's side says so (a call pending, or calls never started). */
const isCut = (h: History) => h.cutAt !== undefined;
const hasPending = (h: History) => h.events.some((e) => e.outcome.kind === "pending" || e.response === null);

/**
 * One fast-check campaign whose property fails when the history violates any of `levels`.
 * Returns a verdict for each level the campaign measured: every level passes when no run
 * failed; on a failure, the levels its (shrunk) counterexample violates.
 */
async function runLevels(runner: ScenarioRunner, opts: CampaignOptions, levels: Level[]): Promise<{ levels: Partial<Record<Level, LevelResult>> }> {
  runner.resetBudgets();
  // Deviations are counted by the campaign that measures the documented level (the last to).
  if (levels.includes("documented")) for (const id of Object.keys(runner.deviations)) delete runner.deviations[id];
  // So is coverage, per level: each level's counts come from the campaign that measured it.
  runner.coverage.reset(levels);
  const failures = new Map<string, Trial>();
  let failedOnce: Trial | undefined;
  const t0 = performance.now();
  let scenarios = 0;
  let firstSeen: LevelResult["found"];
  let shrinkStopped = false;
  const arbitrary = scenarioArbitrary(runner.spec, opts.profile, opts.shape ?? DEFAULT_SHAPE, runner.companions);
  const violates = (t: Trial) => levels.some((lv) => t.checks[lv].verdict === "violation");
  // With lanes: the search runs ahead on all adapters; a failure is then replayed by its path.
  let replay: { path: string; scenario: string; trial: Trial } | undefined;
  // Not for objects only threads of the creating process may call (Process, Pool,
  // ProcessPoolExecutor) on an in-process adapter: the reference serves those from its
  // executor's own thread, which lanes in one process share with each other and with the
  // checker, so a call waits behind other lanes' work and would be judged as never returning.
  // Adapters that are processes of their own (Adapter.ownProcess) run them side by side too.
  const threadsOnly = [runner.spec, ...runner.companions].some((s) => s.doc.callers === "threads");
  const sharedThread = threadsOnly && !ownProcesses([runner.adapter, ...(opts.lanes ?? [])]);
  if (opts.lanes?.length && opts.path === undefined && !sharedThread) {
    const drawn = fc.sample(arbitrary, { numRuns: opts.runs, seed: opts.seed });
    const trials: (Trial | undefined)[] = new Array(drawn.length);
    let next = 0;
    let firstFailure = Infinity;
    let drawnIndexOfError = Infinity;
    const lane = async (adapter: Adapter) => {
      while (next < drawn.length && !runner.error) {
        const k = next++;
        if (k > firstFailure) return;
        for (let i = 0; i < (opts.invocations ?? 1); i++) {
          let trial: Trial;
          try {
            trial = await runner.trial(drawn[k]!, false, adapter);
          } catch (e) {
            // A crash that recurs is this scenario's failure, as without lanes.
            const crash = e instanceof AdapterCrash ? await confirmedCrash(runner, drawn[k]!, e, false, adapter) : undefined;
            if (crash) trial = crash;
            else if (e instanceof AdapterError) {
              // The first error in scenario order is the one reported.
              if (!runner.error || k < drawnIndexOfError) {
                runner.error = e;
                runner.errorScenario = drawn[k];
                drawnIndexOfError = k;
              }
              return;
            } else throw e;
          }
          trials[k] = trial;
          if (violates(trial)) {
            firstFailure = Math.min(firstFailure, k);
            if (k === firstFailure) firstSeen = { scenarios: k + 1, ms: Math.round(performance.now() - t0) };
            break;
          }
        }
      }
    };
    await Promise.all([runner.adapter, ...opts.lanes].map(lane));
    // What a run without lanes would have counted: the scenarios up to the first failure.
    const upTo = Math.min(firstFailure, drawn.length - 1, drawnIndexOfError);
    for (let k = 0; k <= upTo; k++) {
      const t = trials[k];
      if (!t) continue;
      runner.recordDeviations(t);
      runner.coverage.record(t.checks, levels);
    }
    if (runner.error && drawnIndexOfError < firstFailure) return { levels: {} };
    if (firstFailure === Infinity) return { levels: runner.error ? {} : Object.fromEntries(levels.map((lv) => [lv, { verdict: "pass" }])) };
    runner.error = undefined; // an error past the failure: a run without lanes would not have met it
    runner.errorScenario = undefined;
    replay = { path: String(firstFailure), scenario: JSON.stringify(drawn[firstFailure]), trial: trials[firstFailure]! };
    scenarios = firstFailure + 1;
  }
  const property = fc.asyncProperty(arbitrary, async (scenario) => {
    if (runner.error) return true; // stop judging once the adapter is broken: keep what was found
    // The failure the lanes found stands for its scenario's first run (it may not recur).
    if (replay && !failedOnce && JSON.stringify(scenario) === replay.scenario) {
      failures.set(replay.scenario, replay.trial);
      failedOnce = replay.trial;
      return false;
    }
    if (!failedOnce) scenarios++;
    // Past the shrink budget every candidate is let through untried: fast-check ends with the
    // smallest failing scenario it has.
    if (failedOnce && opts.shrinkBudgetMs !== undefined && performance.now() - t0 - firstSeen!.ms > opts.shrinkBudgetMs) {
      shrinkStopped = true;
      return true;
    }
    for (let i = 0; i < (opts.invocations ?? 1); i++) {
      let trial: Trial;
      try {
        trial = await runner.trial(scenario, failedOnce?.long ?? false, undefined, failedOnce ? { livenessOnly: livenessOnly(failedOnce) } : undefined);
      } catch (e) {
        // While shrinking another kind of failure a crash is the adapter's error, as before.
        const crash = e instanceof AdapterCrash && (!failedOnce || failedOnce.crash) ? await confirmedCrash(runner, scenario, e, failedOnce !== undefined) : undefined;
        if (crash) {
          trial = crash;
        } else if (e instanceof AdapterError) {
          runner.error = e;
          runner.errorScenario = scenario;
          return true;
        } else {
          throw e;
        }
      }
      if (!failedOnce) {
        runner.recordDeviations(trial);
        runner.coverage.record(trial.checks, levels);
      }
      if (levels.some((lv) => trial.checks[lv].verdict === "violation") && !trial.unconfirmed) {
        failures.set(JSON.stringify(scenario), trial);
        if (!failedOnce) firstSeen = { scenarios, ms: Math.round(performance.now() - t0) };
        failedOnce ??= trial;
        return false;
      }
    }
    return true;
  });
  const path = replay?.path ?? opts.path;
  const details = await fc.check(property, { numRuns: path ? 1 : opts.runs, seed: opts.seed, path, endOnFailure: false });
  if (!details.failed) {
    // A pass is only what was measured: an adapter error before any failure leaves the levels unknown.
    return { levels: runner.error ? {} : Object.fromEntries(levels.map((lv) => [lv, { verdict: "pass" }])) };
  }
  if (details.errorInstance && !details.counterexample) throw details.errorInstance;
  const scenario = details.counterexample![0] as Scenario;
  const found = failures.get(JSON.stringify(scenario));
  if (!found) {
    // The property threw rather than returned false: a bug in the spec or the checker, not a verdict.
    throw details.errorInstance ?? new Error("property failed without a recorded history");
  }
  const out: Partial<Record<Level, LevelResult>> = {};
  for (const lv of levels) {
    if (found.checks[lv].verdict !== "violation") continue;
    out[lv] = {
      verdict: "fail",
      found: firstSeen,
      ...(shrinkStopped ? { shrinkStopped } : {}),
      counterexample: { scenario, history: found.history, check: found.checks[lv], seed: details.seed, path: details.counterexamplePath ?? "", level: lv, long: found.long, ...(found.crash ? { crash: found.crash } : {}) },
    };
  }
  return { levels: out };
}

/**
 * How long a run may spend waiting by design, in seconds: the finite timeouts and the pauses
 * along the scenario's longest path, init, then the parallel actor whose calls add up to the
 * most, then post. Actors run side by side, so their waits overlap; a call without a timeout
 * may wait for other actors' calls: at most all of them, which 3x the longest path (the deadline's
 * factor, with at most 3 actors) covers.
 */
export function timeoutSeconds(spec: LoadedSpec, scenario: Scenario): number {
  const ctorArgs = new Map(scenario.objects.map((o) => [o.id, o.args]));
  const chain = (calls: Call[]) =>
    calls.reduce((sum, c) => {
      const t = callTimeoutSeconds(spec, ctorArgs.get(c.object) ?? {}, c.op, c.args, scenario.profile);
      return sum + (t !== null && t > 0 ? t : 0) + (c.pause ?? 0);
    }, 0);
  return chain(scenario.init) + Math.max(0, ...scenario.parallel.map(chain)) + chain(scenario.post);
}
