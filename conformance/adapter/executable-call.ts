/**
 * One scenario call made executable: the spec operation's shape (form, Python
 * name, target, item key, via, lock, out arguments) applied to the call's named
 * arguments. The JSON-lines run message (`calls`, protocol.ts) and the
 * reference executor both build their calls here, so they cannot disagree.
 */
import type { JsonValue } from "../../spec/format.js";
import type { CallShape } from "../spec/load.js";

/** A call as spec/protocol/common.schema.json `resolvedCall` has it, less its object index. */
export interface ExecutableCall {
  /** Method to call, or attribute for the get/set/iadd forms; absent with `key` (item access, `obj[key]`). */
  method?: string;
  /** Positional arguments passed, in the spec's order, without the target and item arguments. */
  argv: JsonValue[];
  /**
   * Keyword-only arguments not at their default, by name (Python: `method(*argv, **kwargs)`).
   * With them, argv keeps its trailing defaults (an implementation without keywords, as the
   * Node reference, takes kwargs as one last argument after every positional one).
   */
  kwargs?: Record<string, JsonValue>;
  /** "get" / "set" / "iadd" (spec/format.ts OperationForm); absent: a method call. */
  form?: "get" | "set" | "iadd";
  /** Hold the lock `obj.<with_lock>()` returns around the call. */
  with_lock?: string;
  /** The call is on element `target` of the tuple the object is (Pipe's connections). */
  target?: number;
  /** The subscript key: the call is on `obj[key]` (the operation's `item` argument). */
  key?: JsonValue;
  /** The call is on `obj.<via>()` (e.g. get_obj). */
  via?: string;
  /** Indexes into argv of the arguments reported, after the call, with its result. */
  out_args?: number[];
  /** Seconds to sleep before stamping invoke and making the call (the scenario call's `pause`). */
  pause?: number;
}

export interface ExecutableCallOptions {
  /** "Lock.acquire()": names the call in errors. */
  what: string;
  /** Declared defaults: trailing arguments equal to theirs are left out, so the implementation's own default applies. */
  defaults?: Record<string, JsonValue>;
  /** The keyword-only arguments (spec `keyword: true`): in `kwargs` when not at their default, never in argv. */
  keywords?: readonly string[];
  /** Build the error thrown for a malformed call (RunMessageError, AdapterError, ...). */
  fail: (message: string) => Error;
}

const sameJson = (a: JsonValue | undefined, b: JsonValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

export function executableCall(shape: CallShape, argNames: readonly string[], args: Record<string, JsonValue>, o: ExecutableCallOptions): ExecutableCall {
  for (const k of Object.keys(args)) {
    if (!argNames.includes(k)) throw o.fail(`${o.what}: argument ${JSON.stringify(k)} is not among [${argNames.join(", ")}]`);
  }
  for (const n of argNames) {
    if (!(n in args)) throw o.fail(`${o.what}: argument ${JSON.stringify(n)} is missing (defaults must be filled in)`);
  }
  const call: ExecutableCall = { argv: [] };
  if (shape.target !== undefined) {
    const t = args[shape.target];
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0) throw o.fail(`${o.what}: target argument ${shape.target} must be a tuple index, got ${JSON.stringify(t)}`);
    call.target = t;
  }
  if (shape.item !== undefined) call.key = args[shape.item]!;
  else call.method = shape.name;
  const keywords = o.keywords ?? [];
  const names = argNames.filter((n) => n !== shape.target && n !== shape.item && !keywords.includes(n));
  call.argv = names.map((n) => args[n]!);
  const kwargs = keywords.filter((n) => !sameJson(o.defaults?.[n], args[n]));
  if (kwargs.length > 0) call.kwargs = Object.fromEntries(kwargs.map((n) => [n, args[n]!]));
  const out = (shape.outArgs ?? []).map((n) => names.indexOf(n));
  if (o.defaults && !call.kwargs) {
    // threading.Lock().acquire(True, None) raises TypeError where acquire(True) waits.
    while (call.argv.length > 0) {
      const k = call.argv.length - 1;
      const n = names[k]!;
      if (out.includes(k) || !(n in o.defaults) || !sameJson(o.defaults[n], call.argv[k])) break;
      call.argv.pop();
    }
  }
  if (shape.form !== "call") call.form = shape.form;
  if (shape.withLock !== undefined) call.with_lock = shape.withLock;
  if (shape.via !== undefined) call.via = shape.via;
  if (out.length > 0) call.out_args = out;
  return call;
}
