/**
 * The worker callables' vocabulary (spec/callables.yaml, types in spec/callables.ts): loaded,
 * validated against spec/callables.schema.json (ajv), each `outcome` compiled once; a callable
 * value checked against it; and what a call does, computed from the spec rather than trusted.
 */
import { join } from "node:path";
import type { CallablesDocument, CallableSpec } from "../../spec/callables.js";
import type { JsonValue } from "../../spec/format.js";
import { compileCel, type CompiledExpr } from "./cel.js";
import { fileURLToPath } from "node:url";
// load.ts imports cel.ts, which imports this module: its bindings are used at call time only.
import { loadYamlData, SpecError } from "./load.js";
import { fromJson, toJson, type ModelValue } from "./values.js";

const SPEC_ROOT = fileURLToPath(new URL("../../spec/", import.meta.url));
export const CALLABLES_FILE = join(SPEC_ROOT, "callables.yaml");

/** What one call of a callable does. */
export type CallableOutcome =
  | { kind: "ok"; value: JsonValue }
  | { kind: "raise"; type: string; args: JsonValue[] }
  | { kind: "exit"; code: number }
  | { kind: "signal"; signal: number };

export interface LoadedCallable {
  name: string;
  spec: CallableSpec;
  outcome: CompiledExpr;
  calls?: CompiledExpr;
  sleeps?: CompiledExpr;
}

export interface Vocabulary {
  file: string;
  doc: CallablesDocument;
  callables: Map<string, LoadedCallable>;
}

const JSON_TYPE = (v: JsonValue): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

/** A value's fields against a callable's params: the problem, or undefined. */
function paramsProblem(c: CallableSpec, params: Record<string, JsonValue>): string | undefined {
  const declared = c.params.map((p) => p.name);
  const unknown = Object.keys(params).filter((k) => !declared.includes(k));
  if (unknown.length) return `unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (it takes: ${declared.join(", ") || "none"})`;
  for (const p of c.params) {
    if (!(p.name in params)) return `missing parameter '${p.name}' (${p.description})`;
    if (p.primitive !== undefined) {
      const v = params[p.name];
      const ok = typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).join() === "$object" && typeof v.$object === "string";
      if (!ok) return `parameter '${p.name}' takes another object of the scenario, {"$object": "<id>"} (a ${p.primitive}), got ${JSON.stringify(v)}`;
      continue;
    }
    const t = JSON_TYPE(params[p.name]!);
    // An integer is also a number.
    if (!p.type.includes(t as never) && !(t === "integer" && p.type.includes("number"))) return `parameter '${p.name}' takes ${p.type.join(" or ")}, got ${t}`;
  }
  return undefined;
}

export function loadVocabulary(path: string = CALLABLES_FILE): Vocabulary {
  const { file, doc } = loadYamlData<CallablesDocument>(path, "callables.schema.json", "spec/callables.ts");
  const callables = new Map<string, LoadedCallable>();
  for (const [name, spec] of Object.entries(doc.callables)) {
    const at = `callables.${name}`;
    const names = {
      vars: {
        params: { keys: spec.params.map((p) => p.name), unknown: "unknown parameter", list: `parameters of ${name}` },
        args: true as const,
        pid: true as const,
      },
    };
    const outcome = compileCel(spec.outcome, `${file}: ${at}.outcome`, names, { outcomes: true });
    const sleeps = spec.sleeps === undefined ? undefined : compileCel(spec.sleeps, `${file}: ${at}.sleeps`, names);
    const calls = spec.calls === undefined ? undefined : compileCel(spec.calls, `${file}: ${at}.calls`, names);
    spec.params.forEach((p, i) => {
      if (p.primitive !== undefined && p.type.join() !== "object") throw new SpecError(file, `${at}.params[${i}].type`, `a parameter that takes a ${p.primitive} ({"$object": <id>}) has type [object]`);
    });
    if (calls && !spec.params.some((p) => p.primitive !== undefined)) throw new SpecError(file, `${at}.calls`, "calls are made on objects a parameter names: give a parameter a primitive");
    if (spec.examples.length === 0) throw new SpecError(file, `${at}.examples`, "give at least one example (the vocabulary's test runs each on every implementation)");
    spec.examples.forEach((ex, i) => {
      const problem = paramsProblem(spec, ex.params ?? {});
      if (problem) throw new SpecError(file, `${at}.examples[${i}].params`, problem);
      if (spec.arity !== "any" && (ex.args ?? []).length !== spec.arity) throw new SpecError(file, `${at}.examples[${i}].args`, `${name} takes ${spec.arity} argument(s)`);
    });
    callables.set(name, { name, spec, outcome, ...(sleeps ? { sleeps } : {}), ...(calls ? { calls } : {}) });
  }
  return { file, doc, callables };
}

let loaded: Vocabulary | undefined;
/** spec/callables.yaml, loaded once (the spec documents' `call(...)` reads it). */
export function defaultVocabulary(): Vocabulary {
  return (loaded ??= loadVocabulary());
}

/** A `{"$callable": name, ...params}` value checked against the vocabulary: its callable and params, or an Error naming the fix. */
export function checkCallableValue(vocabulary: Vocabulary, v: unknown): { callable: LoadedCallable; params: Record<string, JsonValue> } {
  const known = () => [...vocabulary.callables.keys()].join(", ");
  if (typeof v !== "object" || v === null || Array.isArray(v) || typeof (v as { $callable?: unknown }).$callable !== "string") {
    throw new Error(`${JSON.stringify(v)} is not a callable value: expected {"$callable": <name>, <param>: <value>, ...} with a name of ${vocabulary.file} (${known()})`);
  }
  const { $callable: name, ...params } = v as { $callable: string } & Record<string, JsonValue>;
  const callable = vocabulary.callables.get(name);
  if (!callable) throw new Error(`${JSON.stringify(v)}: no callable '${name}' in ${vocabulary.file} (${known()})`);
  const problem = paramsProblem(callable.spec, params);
  if (problem) throw new Error(`${JSON.stringify(v)}: ${problem}`);
  return { callable, params };
}

const num = (v: ModelValue | undefined, what: string): number => {
  if (typeof v === "bigint" || typeof v === "number") return Number(v);
  throw new TypeError(`${what} must be a number, got ${JSON.stringify(v === undefined ? null : toJson(v))}`);
};

/** A call a callable makes on another scenario object (its `calls`), as JSON: the object is its `{"$object": id}` value. */
export interface CallableCall {
  object: JsonValue;
  op: string;
  args: Record<string, JsonValue>;
}

/**
 * What calling `value(*args)` does, in a process with id `pid`: the spec's outcome, the seconds it
 * sleeps first, and the calls it makes on other scenario objects before that (in order).
 */
export function callableOutcome(vocabulary: Vocabulary, value: unknown, args: JsonValue[], pid = 0): { outcome: CallableOutcome; sleeps: number; calls: CallableCall[] } {
  const { callable, params } = checkCallableValue(vocabulary, value);
  if (callable.spec.arity !== "any" && args.length !== callable.spec.arity) {
    throw new Error(`${callable.name} takes ${callable.spec.arity} argument(s), given ${args.length}`);
  }
  const bindings = { params: fromJson(params), args: fromJson(args), pid: BigInt(pid) };
  const r = callable.outcome.eval(bindings);
  const m = r instanceof Map ? r : undefined;
  const where = `${callable.outcome.where}: ${callable.outcome.source}`;
  const sleeps = callable.sleeps ? num(callable.sleeps.eval(bindings), `${callable.sleeps.where}`) : 0;
  const calls = callable.calls ? callsOf(callable.calls, bindings) : [];
  switch (m?.get("kind")) {
    case "ok":
      return { outcome: { kind: "ok", value: toJson(m.get("value")!) }, sleeps, calls };
    case "raise": {
      const a = m.get("args");
      return { outcome: { kind: "raise", type: String(m.get("type")), args: Array.isArray(a) ? a.map(toJson) : [] }, sleeps, calls };
    }
    case "exit":
      return { outcome: { kind: "exit", code: num(m.get("code"), where) }, sleeps, calls };
    case "signal":
      return { outcome: { kind: "signal", signal: num(m.get("signal"), where) }, sleeps, calls };
    default:
      throw new TypeError(`${where}: must give ok(...), raise(...), exit(...) or signal(...)`);
  }
}

/** A callable's `calls` evaluated: each a map with object, op and args; anything else names the expression. */
function callsOf(expr: CompiledExpr, bindings: Record<string, unknown>): CallableCall[] {
  const v = expr.eval(bindings);
  const bad = (why: string) => new TypeError(`${expr.where}: ${expr.source}: ${why}`);
  if (!Array.isArray(v)) throw bad("must give a list of {'object': ..., 'op': ..., 'args': {...}}");
  return v.map((c) => {
    if (!(c instanceof Map) || typeof c.get("op") !== "string" || !(c.get("args") instanceof Map) || !c.has("object")) throw bad("each call is {'object': <a $object parameter>, 'op': <name>, 'args': {...}}");
    return { object: toJson(c.get("object")!), op: c.get("op") as string, args: toJson(c.get("args")!) as Record<string, JsonValue> };
  });
}
