/**
 * Hand-written histories that a spec document must judge as stated: `spec/primitives/<P>.histories.yaml`
 * beside `<P>.yaml`, run by one generic test (conformance/checker/spec-histories.test.ts). They
 * pin down what the document means on cases a reader can check by hand: each names its
 * constructor arguments, its events (times in milliseconds) and the verdict expected at each level.
 * The JSON Schema spec/histories.schema.json is generated from this file (`npm run schema`).
 */
import type { JsonValue } from "./format.js";

/** One call as the adapter reported it. Exactly one of `returns`, `raises`, `pending`. */
export interface HistoryCaseEvent {
  /** "main", "a0", "a1", ... */
  actor: string;
  /** Object id; default "o0". */
  object?: string;
  op: string;
  /** Arguments by name, every one the operation has (defaults filled in). */
  args?: { [name: string]: JsonValue };
  /** [invoke, response] in ms; response null for a call still running at the cut. */
  at: [number, number | null];
  /** It returned this value. */
  returns?: JsonValue;
  /** It raised this exception type (qualified unless builtin, e.g. "threading.BrokenBarrierError"). */
  raises?: string;
  /** str() of the raised exception; default "". */
  message?: string;
  /** The raised type's bases, when the case needs them (e.g. ["Exception", "BaseException"]). */
  mro?: string[];
  /** Still running at the cut. */
  pending?: true;
}

/** The verdict expected at one level: "ok", "violation", or a violation that contradicts a rule matching `contradicts` (a regular expression over rule ids). */
export type ExpectedVerdict = "ok" | "violation" | { violation: { contradicts: string } };

export interface HistoryCase {
  /** What the case shows, as a sentence: the test's name. */
  name: string;
  /** Default: the file's `profile`, else "multiprocessing". */
  profile?: string;
  /** Constructor arguments, merged over the file's `ctor`. */
  ctor?: { [name: string]: JsonValue };
  /**
   * Objects of other primitives the case's object uses, declared (and built) before it: a
   * Process's Event, named in `ctor` as `{"$object": <id>}`; events name them by `object`.
   */
  companions?: { id: string; primitive: string; args?: { [name: string]: JsonValue } }[];
  events: HistoryCaseEvent[];
  /**
   * When the scenario was cut (ms). With it, pending calls are held to the liveness rule, as in a
   * campaign: one that had waited longer than the prompt allowance (500 ms) must end blocked, with
   * no rule able to complete it. Without it, a pending call may also have taken effect, or none.
   */
  cut?: number;
  /**
   * What the actors were: threads of the objects' process, or processes (CEL `actorKind`; a
   * Pipe end a thread closed is closed for all). Default: unknown, both allowed.
   */
  actorKind?: "threads" | "processes";
  /** The adapter's start method, 'fork', 'spawn' or 'forkserver' (CEL `startMethod`). Default: unknown. */
  startMethod?: "fork" | "spawn" | "forkserver";
  /** Expected verdict per level; a level left out is not checked. */
  expect: { cpython?: ExpectedVerdict; documented?: ExpectedVerdict };
}

export interface HistoriesDocument {
  /** The primitive of the spec document beside this file. */
  primitive: string;
  description?: string;
  /** Default profile of the cases. */
  profile?: string;
  /** Constructor arguments every case starts from. */
  ctor?: { [name: string]: JsonValue };
  cases: HistoryCase[];
}
