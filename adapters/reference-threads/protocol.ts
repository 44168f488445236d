/**
 * What the executor (JS main thread) and its actor workers say to each other,
 * and the few helpers both sides share. Nothing here touches threads.
 */
import type { MessagePort } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import type { Outcome } from "../../conformance/history/types.js";
import type { ExecutableCall } from "../../conformance/adapter/executable-call.js";
import type { ImplementationModule, ObjectHandle } from "../../reference/implementation.js";

/**
 * Raised-outcome type recorded when the implementation throws something that is
 * not a PythonError (a JS TypeError, a non-JSON return value, ...): an
 * implementation bug, reported on the call that hit it.
 */
export const INTERNAL_ERROR_TYPE = "mpspec.InternalError";

/**
 * Per-worker progress slot, in a SharedArrayBuffer of SLOT_BYTES bytes:
 * Int32 [0] = index of the call most recently started in the current job (-1: none yet);
 * Int32 [1] = interrupt: the executor sets it to give up on the job; the worker's waits (those
 * of reference/threads/futex.ts) then throw, and it reports "interrupted" and stays usable;
 * Float64 [1] (byte offset 8) = its invoke stamp (ns since the scenario origin).
 * The worker writes the stamp, then Atomics.stores the index, then makes the call.
 */
export const SLOT_BYTES = 16;
export const SLOT_INDEX = 0; // in the Int32Array view
export const SLOT_INTERRUPT = 1; // in the Int32Array view
export const SLOT_INVOKE = 1; // in the Float64Array view

/** Start flag values (Int32 [0] of the per-scenario start buffer). */
export const START_WAIT = 0;
export const START_GO = 1;
export const START_ABORT = 2;

export interface WorkerInit {
  /** URL (href) of the implementation module. */
  implementation: string;
  slot: SharedArrayBuffer;
  /** Where the worker posts each completed call's event, as soon as it completes. */
  events: MessagePort;
}

/**
 * One call, ready to make: the job's object index and the call as the run message of the
 * JSON-lines protocol has it (conformance/adapter/executable-call.ts): method or item key,
 * positional argv, form, lock held, tuple target, via, out arguments.
 */
export interface WireCall extends ExecutableCall {
  object: number;
  /** The call returns a handle, kept under this id (the run message's `produces`). */
  produces?: string;
  /** The call is on the handle with this id (the run message's `handle`). */
  handle?: string;
}

export interface JobMessage {
  t: "job";
  id: number;
  /** Scenario sequence number: a worker reuses the objects it attached for the same scenario. */
  scenario: number;
  /** process.hrtime.bigint() taken by the main thread before the scenario. */
  origin: bigint;
  handles: ObjectHandle[];
  calls: WireCall[];
  /** Start flag: report ready, then wait until it leaves START_WAIT. Null: run at once. */
  start: SharedArrayBuffer | null;
}

export type FromWorker =
  | { t: "booted"; threadId: number }
  | { t: "boot-failed"; error: string }
  | { t: "ready"; id: number }
  | { t: "done"; id: number; aborted: boolean }
  /** The job stopped at its interrupt (its call in progress, if any, did not complete). */
  | { t: "interrupted"; id: number }
  | { t: "failed"; id: number; error: string };

/** A completed call as the worker posts it on its events port. */
/** outcome null: the call was not made (on a handle its producer did not return), left out of the history. */
export type WireEvent = [index: number, invoke: number, response: number, outcome: Outcome | null];

/** Accept a module namespace that is an ImplementationModule, or default-exports / exports one. */
export function resolveImplementation(ns: Record<string, unknown>, href: string): ImplementationModule {
  const fits = (m: unknown): m is ImplementationModule =>
    typeof m === "object" &&
    m !== null &&
    typeof (m as ImplementationModule).create === "function" &&
    typeof (m as ImplementationModule).attach === "function" &&
    Array.isArray((m as ImplementationModule).primitives) &&
    Array.isArray((m as ImplementationModule).profiles);
  if (fits(ns)) return ns;
  if (fits(ns.default)) return ns.default;
  const named = Object.values(ns).filter(fits);
  if (named.length === 1) return named[0];
  throw new Error(
    `${href} is not an ImplementationModule: export primitives, profiles, create and attach ` +
      `(as the module itself, its default export, or one named export)`,
  );
}

/** Describe a thrown value with everything it carries (stack included). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error || (typeof e === "object" && e !== null && "message" in e)) {
    const err = e as Error;
    const head = `${err.name ?? "Error"}: ${err.message}`;
    return typeof err.stack === "string" && err.stack.length > 0 ? err.stack : head;
  }
  return `non-Error value thrown: ${safeString(e)}`;
}

function safeString(v: unknown): string {
  try {
    return typeof v === "bigint" ? `${v}n` : typeof v === "symbol" ? v.toString() : String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** Whether a returned value can be recorded as a JSON value (plain data only). */
export function isJsonValue(v: unknown, depth = 0): v is JsonValue {
  if (depth > 64) return false;
  if (v === null || typeof v === "boolean" || typeof v === "string") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJsonValue(x, depth + 1));
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return false;
    return Object.values(v as object).every((x) => isJsonValue(x, depth + 1));
  }
  return false;
}

/**
 * Bases of the Python exceptions an implementation raises without naming its own `mro`, as
 * CPython's `type.__mro__` has them (less the type itself and object), so that a spec rule may
 * name a base (`raises: { type: Exception }`).
 */
const KNOWN_MRO: Record<string, readonly string[]> = {
  Exception: ["BaseException"],
  AssertionError: ["Exception", "BaseException"],
  AttributeError: ["Exception", "BaseException"],
  SystemExit: ["BaseException"],
  EOFError: ["Exception", "BaseException"],
  IndexError: ["LookupError", "Exception", "BaseException"],
  KeyError: ["LookupError", "Exception", "BaseException"],
  OSError: ["Exception", "BaseException"],
  BrokenPipeError: ["ConnectionError", "OSError", "Exception", "BaseException"],
  OverflowError: ["ArithmeticError", "Exception", "BaseException"],
  RuntimeError: ["Exception", "BaseException"],
  TypeError: ["Exception", "BaseException"],
  ValueError: ["Exception", "BaseException"],
  "queue.Empty": ["Exception", "BaseException"],
  "queue.Full": ["Exception", "BaseException"],
  "threading.BrokenBarrierError": ["RuntimeError", "Exception", "BaseException"],
};

/** The outcome of a call that returned `value`. */
export function returnedOutcome(value: unknown): Outcome {
  if (value === undefined) return { kind: "returned", value: null };
  if (isJsonValue(value)) return { kind: "returned", value };
  return {
    kind: "raised",
    type: INTERNAL_ERROR_TYPE,
    message: `the implementation returned a value that is not JSON: ${safeString(value)}`,
  };
}

/**
 * The outcome of a call that threw `e`. A PythonError is recognised by its fields
 * (pyType and message), not instanceof: the implementation may load its own copy
 * of reference/implementation.ts.
 */
export function raisedOutcome(e: unknown): Outcome {
  if (typeof e === "object" && e !== null) {
    const { pyType, message, mro } = e as { pyType?: unknown; message?: unknown; mro?: unknown };
    if (typeof pyType === "string" && pyType.length > 0) {
      const outcome: Outcome = { kind: "raised", type: pyType, message: typeof message === "string" ? message : safeString(message) };
      if (Array.isArray(mro) && mro.every((x) => typeof x === "string")) outcome.mro = [...mro];
      else if (Object.hasOwn(KNOWN_MRO, pyType)) outcome.mro = [...KNOWN_MRO[pyType]!];
      return outcome;
    }
  }
  return { kind: "raised", type: INTERNAL_ERROR_TYPE, message: describeThrown(e) };
}
