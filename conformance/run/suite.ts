/**
 * A suite: one campaign per primitive on one adapter in one profile, with
 * primitives the profile or the adapter lacks reported as unsupported.
 */
import { ownProcesses, type Adapter } from "../adapter/types.js";
import { operationsIn } from "../generate/scenario-arbitrary.js";
import type { LoadedSpec } from "../spec/load.js";
import { runCampaign, type CampaignOptions, type CampaignResult } from "./campaign.js";

export interface PrimitiveOutcome {
  spec: LoadedSpec;
  /** null: unsupported, for `reason`. */
  result: CampaignResult | null;
  reason?: string;
}

export function unsupportedReason(spec: LoadedSpec, adapter: Adapter, profile: string): string | undefined {
  if (!(profile in spec.doc.profiles)) return `${spec.primitive} does not exist in profile ${profile}`;
  if (!adapter.capabilities.primitives.includes(spec.primitive) || !adapter.capabilities.profiles.includes(profile)) {
    return `the adapter does not support ${spec.primitive} in profile ${profile}`;
  }
  if (operationsIn(spec, profile).length === 0) return "no operations in this profile";
  if (spec.doc.callers === "threads" && !adapter.capabilities.actorKinds.includes("threads")) {
    return `${spec.primitive} is called from threads of the process that created it only, and the adapter runs no thread actors`;
  }
  return undefined;
}

export interface SuiteOptions extends CampaignOptions {
  /** Stop at the first primitive that fails or errors (the rest are not run, nor reported). */
  bail?: boolean;
  /**
   * A campaign that throws (a spec error met mid-run, e.g. a CEL expression that cannot be
   * evaluated on a value only this implementation returns) becomes that primitive's error and
   * the suite goes on: a matrix loses one cell, not hours of others. Default: the error propagates.
   */
  recordThrown?: boolean;
}

export async function runSuite(
  adapter: Adapter,
  specs: LoadedSpec[],
  opts: SuiteOptions,
  onOutcome: (o: PrimitiveOutcome) => void = () => {},
): Promise<PrimitiveOutcome[]> {
  const groups = laneGroups([adapter, ...(opts.lanes ?? [])], opts);
  if (groups) return concurrentSuite(adapter, groups, specs, opts, onOutcome);
  const outcomes: PrimitiveOutcome[] = [];
  for (const spec of specs) {
    const reason = unsupportedReason(spec, adapter, opts.profile);
    const o: PrimitiveOutcome = reason ? { spec, result: null, reason } : { spec, result: await campaignOrThrown(spec, adapter, opts) };
    outcomes.push(o);
    onOutcome(o);
    if (opts.bail && (o.result?.verdict === "fail" || o.result?.verdict === "error")) break;
  }
  return outcomes;
}

/** Adapters per campaign when a suite runs several campaigns at once (see laneGroups). */
export const SUITE_GROUP_LANES = 4;

/**
 * The adapters split into groups of SUITE_GROUP_LANES, one campaign per group at a time, when
 * there are enough for two groups and every adapter is a process of its own; else null (one
 * campaign at a time on all of them). A campaign ends with a tail (its last scenarios, a re-run
 * to the 3 s horizon) that leaves most lanes idle: with 16 lanes, the CPython fork suite's 20
 * campaigns spent most of their time there. Campaigns of an in-process adapter share its
 * thread (see Adapter.ownProcess), and --bail must stop at the first failing primitive: those
 * stay one at a time.
 */
export function laneGroups(all: readonly Adapter[], opts: Pick<SuiteOptions, "bail" | "path">): Adapter[][] | null {
  if (opts.bail || opts.path !== undefined || all.length < 2 * SUITE_GROUP_LANES || !ownProcesses(all)) return null;
  const groups: Adapter[][] = [];
  for (let k = 0; k + SUITE_GROUP_LANES <= all.length; k += SUITE_GROUP_LANES) groups.push(all.slice(k, k + SUITE_GROUP_LANES));
  // Adapters left over join the last group.
  groups[groups.length - 1]!.push(...all.slice(groups.length * SUITE_GROUP_LANES));
  return groups;
}

/** The campaigns of `specs`, each on one group's adapters, several at once; outcomes reported in `specs` order. */
async function concurrentSuite(
  adapter: Adapter,
  groups: Adapter[][],
  specs: LoadedSpec[],
  opts: SuiteOptions,
  onOutcome: (o: PrimitiveOutcome) => void,
): Promise<PrimitiveOutcome[]> {
  const outcomes: (PrimitiveOutcome | undefined)[] = new Array(specs.length);
  let next = 0;
  let reported = 0;
  let thrown: { error: unknown } | undefined;
  await Promise.all(
    groups.map(async ([first, ...rest]) => {
      while (next < specs.length && !thrown) {
        const k = next++;
        const spec = specs[k]!;
        const reason = unsupportedReason(spec, adapter, opts.profile);
        try {
          outcomes[k] = reason ? { spec, result: null, reason } : { spec, result: await campaignOrThrown(spec, first!, { ...opts, lanes: rest }) };
        } catch (e) {
          // Stop taking campaigns; those under way end, then the error propagates.
          thrown ??= { error: e };
          return;
        }
        while (reported < specs.length && outcomes[reported] !== undefined) onOutcome(outcomes[reported++]!);
      }
    }),
  );
  if (thrown) throw thrown.error;
  return outcomes as PrimitiveOutcome[];
}

async function campaignOrThrown(spec: LoadedSpec, adapter: Adapter, opts: SuiteOptions): Promise<CampaignResult> {
  const t0 = performance.now();
  try {
    return await runCampaign(spec, adapter, opts);
  } catch (e) {
    if (!opts.recordThrown) throw e;
    const err = e as Error;
    return {
      primitive: spec.primitive, profile: opts.profile, verdict: "error", level: opts.level ?? "cpython", runs: 0, levels: {}, inconclusive: 0, cut: 0,
      long: { runs: 0, cut: 0, horizonMs: 0 }, ms: performance.now() - t0, errorOf: "suite",
      error: `the campaign stopped on ${err.name ?? "an error"}, not on the implementation: ${err.message}`,
    };
  }
}

/** Exit code of a suite: 2 when the adapter failed, 1 when something does not conform, else 0. */
export function suiteExitCode(outcomes: PrimitiveOutcome[]): number {
  if (outcomes.some((o) => o.result?.verdict === "error")) return 2;
  return outcomes.some((o) => o.result?.verdict === "fail") ? 1 : 0;
}
