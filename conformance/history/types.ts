/**
 * A history: what each call did and when, on one monotonic clock shared by all
 * actors (nanoseconds, relative to an origin taken before the scenario began).
 */
import type { JsonValue } from "../../spec/format.js";

export type Outcome =
  | { kind: "returned"; value: JsonValue }
  /** `type` is the qualified Python type name ("ValueError", "queue.Empty"); `mro` its bases' names, when known. */
  | { kind: "raised"; type: string; message: string; mro?: string[] }
  /** Never returned before the scenario's deadline: it may or may not have taken effect. */
  | { kind: "pending" };

export interface HistoryEvent {
  actor: string;
  object: string;
  op: string;
  args: Record<string, JsonValue>;
  /** Stamped just before the call. */
  invoke: number;
  /** Stamped just after it returned or raised; null when pending. */
  response: number | null;
  outcome: Outcome;
}

/** What one object's constructor did: built it (`returned`, value null), or raised. */
export interface Construction {
  object: string;
  outcome: Outcome;
}

export interface History {
  /** Actor order is meaningful only per actor; events are listed per actor in program order. */
  events: HistoryEvent[];
  /**
   * The constructors' outcomes, in the scenario's declaration order, up to and including the
   * first that raised (then no call was made: `events` is empty). Absent: every object was built.
   */
  constructions?: Construction[];
  /**
   * Set by the runner's side of an adapter, never sent by one: on the events' clock, a time
   * until which the adapter certainly kept waiting for the calls it reports pending (the
   * scenario's cut). The checker's liveness rule measures how long they waited from it.
   */
  cutAt?: number;
}
