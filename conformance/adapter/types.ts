/**
 * What the runner needs from an implementation under test. The in-process
 * reference backend and out-of-process adapters (JSON lines) both provide it.
 */
import type { Scenario } from "../scenario/types.js";
import type { History } from "../history/types.js";

export interface ImplementationInfo {
  name: string;
  version: string;
  language: string;
  runtime?: string;
  homepage?: string;
}

export interface AdapterCapabilities {
  primitives: string[];
  profiles: string[];
  actorKinds: ("threads" | "processes")[];
}

export interface Adapter {
  readonly info: ImplementationInfo;
  readonly capabilities: AdapterCapabilities;
  /**
   * Fixed part of a scenario's default deadline (the runner adds three times its timeouts):
   * what the adapter needs to start actors and to abandon a call that blocks for good.
   */
  readonly deadlineBaseMs?: number;
  /** The smallest base an adaptive deadline may come down to (conformance/run/deadline.ts). */
  readonly deadlineFloorMs?: number;
  /**
   * What its actors are when the run message does not ask for threads (a spec's `callers`):
   * undefined when it does not say, and the checker then allows what either kind may do.
   */
  readonly actorKind?: "threads" | "processes";
  /**
   * The start method its processes are made with ('fork', 'spawn', 'forkserver'; CEL
   * `startMethod`): what decides, e.g., whether a Process target must pickle. Undefined when it
   * does not say (the Node reference, whose children get callables as data).
   */
  readonly startMethod?: string;
  /**
   * The `deadlineMs` to give `run` so that calls are watched for at least `watchMs` (the adapter
   * keeps part of a deadline for transport and for stopping actors). Default: `watchMs` itself.
   */
  deadlineFor?(watchMs: number): number;
  /**
   * Whether each opened adapter is a process of its own (an adapter behind the JSON-lines
   * protocol): side-by-side copies (`--concurrency` lanes) then share no thread with each other
   * or with the runner, so they may also run scenarios of objects only threads of the creating
   * process may call (a spec's `callers: threads`: Process, Pool, ProcessPoolExecutor). The
   * in-process reference serves those from one executor thread: not there.
   */
  readonly ownProcess?: boolean;
  /** Run one scenario with real concurrency and return its history. Must settle within `deadlineMs`. */
  run(scenario: Scenario, deadlineMs: number): Promise<History>;
  /** End every thread or process the adapter started. */
  close(): Promise<void>;
}

/** Whether every one of these adapters is a process of its own (Adapter.ownProcess). */
export const ownProcesses = (adapters: readonly Adapter[]): boolean => adapters.every((a) => a.ownProcess === true);

/** The adapter itself failed (crash, hang, malformed reply): not a spec violation. */
export class AdapterError extends Error {
  override name = "AdapterError";
}

/**
 * The adapter's process ended by itself while it ran a scenario (it exited or a signal not the
 * runner's killed it), before answering. Where the scenario's actors are threads of that process
 * (Pool, ProcessPoolExecutor, Process: `callers: threads`), the implementation under test may
 * have ended it: billiard's Pool calls os._exit(1) when one of its threads crashes. The campaign
 * runs the scenario again on a fresh adapter: a crash that recurs is a failure of that scenario
 * (its actors' process died during their calls, which no spec rule allows), shrunk like any
 * other; one that does not is an adapter error.
 */
export class AdapterCrash extends AdapterError {
  override name = "AdapterCrash";
}
