/**
 * CEL, through @bufbuild/cel: every spec expression is parsed and planned once
 * at load; evaluation errors name the expression and where it lives.
 */
import { celEnv, celFunc, celMap, celMethod, isCelError, listType, mapType, parse, plan, CelScalar } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { compileFast, sameResult, SLOW } from "./cel-fast.js";
import { fromCel, fromJson, toJson, type ModelValue } from "./values.js";
// A cycle (callables.ts compiles its outcomes here), used only when `call` is evaluated.
import { callableOutcome, checkCallableValue, defaultVocabulary } from "./callables.js";

/** cel-go's lists extension `slice(start, end)`, which the base library lacks. */
const slice = celMethod(
  "slice",
  listType(CelScalar.DYN),
  [CelScalar.INT, CelScalar.INT],
  listType(CelScalar.DYN),
  function (start, end) {
    const items = [...this];
    const a = Number(start);
    const b = Number(end);
    if (a < 0 || b < a || b > items.length) throw new RangeError(`slice(${a}, ${b}) out of range for a list of ${items.length}`);
    return items.slice(a, b);
  },
);

/** cel-go's lists extension `lists.range(n)`: [0, 1, ..., n-1]. */
const range = celFunc("lists.range", [CelScalar.INT], listType(CelScalar.INT), (n) => {
  if (n < 0n || n > 1_000_000n) throw new RangeError(`lists.range(${n}): n must be in 0..1000000`);
  return Array.from({ length: Number(n) }, (_, i) => BigInt(i));
});

/** cel-go's math extension `math.least(a, b)` and `math.greatest(a, b)`, for ints. */
const least = celFunc("math.least", [CelScalar.INT, CelScalar.INT], CelScalar.INT, (a, b) => (a < b ? a : b));
const greatest = celFunc("math.greatest", [CelScalar.INT, CelScalar.INT], CelScalar.INT, (a, b) => (a > b ? a : b));

/**
 * What a worker callable does (spec/callables.ts), as a map with `kind`: ok(value), raise(type, args),
 * exit(code), signal(n). Only the callables' `outcome` expressions have them.
 */
const OUTCOME = mapType(CelScalar.STRING, CelScalar.DYN);
const outcome = (kind: string, fields: [string, unknown][]) => celMap(new Map<string, unknown>([["kind", kind], ...fields]) as never);
const outcomeFuncs = [
  celFunc("ok", [CelScalar.DYN], OUTCOME, (v) => outcome("ok", [["value", v]])),
  celFunc("raise", [CelScalar.STRING, listType(CelScalar.DYN)], OUTCOME, (t, a) => outcome("raise", [["type", t], ["args", a]])),
  celFunc("exit", [CelScalar.INT], OUTCOME, (c) => outcome("exit", [["code", c]])),
  celFunc("signal", [CelScalar.INT], OUTCOME, (n) => outcome("signal", [["signal", n]])),
];
const outcomeEnv = celEnv({ funcs: [...strings, slice, range, least, greatest, ...outcomeFuncs] });

/** A CEL value as JSON (a callable value, call arguments). */
const celToJson = (v: unknown) => toJson(fromCel(v));

/**
 * `call(callable, args)`: what calling a worker callable value (spec/callables.yaml) with these
 * positional arguments does, as its outcome map ({'kind': 'ok', 'value': ...}, 'raise' with
 * 'type' and 'args', 'exit' with 'code', 'signal' with 'signal'; and 'calls', those it makes on
 * other scenario objects first, each {'object': {'$object': id}, 'op', 'args'}), e.g. a Process target's.
 */
const call = celFunc("call", [CelScalar.DYN, listType(CelScalar.DYN)], OUTCOME, (callable, args) => {
  const { outcome: o, calls } = callableOutcome(defaultVocabulary(), celToJson(callable), celToJson(args) as never);
  return celMap(new Map<string, unknown>([...Object.entries(o), ["calls", calls]].map(([k, v]) => [k as string, fromJson(v as never)])) as never);
});

/** `picklable(callable)`: whether a worker callable value survives pickling (spec/callables.yaml `picklable`). */
const picklable = celFunc("picklable", [CelScalar.DYN], CelScalar.BOOL, (callable) => {
  const { callable: c } = checkCallableValue(defaultVocabulary(), celToJson(callable));
  return c.spec.picklable !== false;
});

/** Spec expressions: the base library, cel-go's extensions above, `call` and `picklable`. */
const env = celEnv({ funcs: [...strings, slice, range, least, greatest, call, picklable] });

export type Bindings = Record<string, unknown>;

export interface CompiledExpr {
  readonly source: string;
  /** Where it lives: "spec/primitives/Lock.yaml: operations.acquire.rules[0].when". */
  readonly where: string;
  /** Every identifier it mentions (variables, and names bound inside it: a superset of what it reads). */
  readonly names: ReadonlySet<string>;
  eval(bindings: Bindings): ModelValue;
}

/** A spec expression that failed to compile or to evaluate. */
export class CelExprError extends Error {
  override name = "CelExprError";
  constructor(
    readonly where: string,
    readonly source: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail}\n  in CEL expression: ${source}`);
  }
}

/** A parsed CEL expression (cel.expr.Expr). */
type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;

/** A map variable whose keys are known at load (`s`, `ctor`, `args`): a field it lacks is an error. */
export interface KnownKeys {
  keys: readonly string[];
  /** How to call a missing key: "unknown state variable". */
  unknown: string;
  /** How to list the keys there are: "state", "args of get". */
  list: string;
}

/**
 * The names an expression may use, checked at load: each variable bound where it is evaluated
 * (`true`, or the keys of a map with known keys), and the declared profiles (to check
 * `profile == '<name>'`).
 */
export interface CelNames {
  vars: Record<string, true | KnownKeys>;
  profiles?: readonly string[];
}

/** Type names CEL resolves as identifiers (`type(x) == int`). */
const TYPE_IDENTS = new Set(["int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type", "dyn"]);

/** The first name in `expr` that `names` does not declare, as a message; undefined when all are. */
export function celNameProblem(expr: Expr, names: CelNames): string | undefined {
  const available = () => Object.keys(names.vars).join(", ") || "none";
  const keyProblem = (v: string, key: string, bound: ReadonlySet<string>): string | undefined => {
    if (bound.has(v)) return undefined;
    const k = names.vars[v];
    if (k === undefined || k === true || k.keys.includes(key)) return undefined;
    return `${k.unknown} '${v}.${key}' (${k.list}: ${k.keys.join(", ") || "none"})`;
  };
  const identOf = (e: Expr | undefined, bound: ReadonlySet<string>): string | undefined =>
    e?.exprKind.case === "identExpr" && !bound.has(e.exprKind.value.name) ? e.exprKind.value.name : undefined;
  const stringOf = (e: Expr | undefined): string | undefined =>
    e?.exprKind.case === "constExpr" && e.exprKind.value.constantKind.case === "stringValue" ? e.exprKind.value.constantKind.value : undefined;
  const profileProblem = (value: string | undefined): string | undefined =>
    value !== undefined && names.profiles && !names.profiles.includes(value) ? `unknown profile '${value}' (profiles: ${names.profiles.join(", ")})` : undefined;

  const walk = (e: Expr | undefined, bound: ReadonlySet<string>): string | undefined => {
    if (!e) return undefined;
    const k = e.exprKind;
    switch (k.case) {
      case "identExpr": {
        const name = k.value.name;
        if (bound.has(name) || name in names.vars || TYPE_IDENTS.has(name)) return undefined;
        return `unknown name '${name}' (available here: ${available()})`;
      }
      case "selectExpr": {
        const v = identOf(k.value.operand, bound);
        if (v !== undefined && v in names.vars) return keyProblem(v, k.value.field, bound);
        return walk(k.value.operand, bound);
      }
      case "callExpr": {
        const { target, args } = k.value;
        const fn = k.value.function;
        // A namespaced function (lists.range, math.least): its namespace is not a variable.
        const ns = identOf(target, bound);
        const qualified = ns !== undefined && !(ns in names.vars) && env.funcs.find(`${ns}.${fn}`) !== undefined;
        if (fn === "_[_]" && args.length === 2) {
          const v = identOf(args[0], bound);
          const key = stringOf(args[1]);
          if (v !== undefined && key !== undefined) {
            const p = keyProblem(v, key, bound);
            if (p) return p;
          }
        }
        if ((fn === "_==_" || fn === "_!=_") && args.length === 2) {
          for (const [a, b] of [[args[0], args[1]], [args[1], args[0]]] as const) {
            if (identOf(a, bound) === "profile") {
              const p = profileProblem(stringOf(b));
              if (p) return p;
            }
          }
        }
        if (fn === "@in" && args.length === 2 && identOf(args[0], bound) === "profile" && args[1]!.exprKind.case === "listExpr") {
          for (const el of args[1]!.exprKind.value.elements) {
            const p = profileProblem(stringOf(el));
            if (p) return p;
          }
        }
        if (!qualified) {
          const p = walk(target, bound);
          if (p) return p;
        }
        for (const a of args) {
          const p = walk(a, bound);
          if (p) return p;
        }
        return undefined;
      }
      case "listExpr":
        for (const el of k.value.elements) {
          const p = walk(el, bound);
          if (p) return p;
        }
        return undefined;
      case "structExpr":
        for (const en of k.value.entries) {
          const p = (en.keyKind.case === "mapKey" ? walk(en.keyKind.value, bound) : undefined) ?? walk(en.value, bound);
          if (p) return p;
        }
        return undefined;
      case "comprehensionExpr": {
        const c = k.value;
        const outer = walk(c.iterRange, bound) ?? walk(c.accuInit, bound);
        if (outer) return outer;
        const inner = new Set(bound);
        for (const n of [c.iterVar, c.iterVar2, c.accuVar]) if (n) inner.add(n);
        return walk(c.loopCondition, inner) ?? walk(c.loopStep, inner) ?? walk(c.result, inner);
      }
      default:
        return undefined;
    }
  };
  return walk(expr, new Set());
}

/**
 * Compile a spec expression. With `names`, every variable it reads must be available there, and
 * every field it selects on `s`, `ctor` or `args` declared: the problem is a CelExprError.
 */
export function compileCel(source: string, where: string, names?: CelNames, opts: { outcomes?: boolean } = {}): CompiledExpr {
  let run: (ctx: Bindings) => unknown;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(source);
    run = plan(opts.outcomes ? outcomeEnv : env, parsed) as (ctx: Bindings) => unknown;
  } catch (e) {
    throw new CelExprError(where, source, `does not compile: ${(e as Error).message}`);
  }
  if (names && parsed.expr) {
    const problem = celNameProblem(parsed.expr, names);
    if (problem) throw new CelExprError(where, source, problem);
  }
  const full = (bindings: Bindings): ModelValue => {
    const r = run(bindings);
    if (isCelError(r)) throw new CelExprError(where, source, `evaluation failed: ${r.message}`);
    return fromCel(r);
  };
  const mentions = identifiers(parsed.expr);
  const fast = compileFast(parsed.expr);
  if (!fast) return { source, where, names: mentions, eval: full };
  return {
    source,
    where,
    names: mentions,
    eval(bindings) {
      const v = fast(bindings);
      if (v === SLOW) return full(bindings);
      if (crossCheck) {
        let expected: ModelValue | Error;
        try {
          expected = full(bindings);
        } catch (e) {
          expected = e as Error;
        }
        if (expected instanceof Error || !sameResult(v, expected)) {
          throw new Error(`${where}: ${source}: the fast path gave ${String(v)}, CEL ${expected instanceof Error ? `raised ${expected.message}` : String(expected)}`);
        }
      }
      return v;
    },
  };
}

/** The identifiers an expression mentions, anywhere in it. */
function identifiers(expr: Expr | undefined, out = new Set<string>()): Set<string> {
  if (!expr) return out;
  const k = expr.exprKind;
  switch (k.case) {
    case "identExpr":
      out.add(k.value.name);
      break;
    case "selectExpr":
      identifiers(k.value.operand, out);
      break;
    case "callExpr":
      identifiers(k.value.target, out);
      for (const a of k.value.args) identifiers(a, out);
      break;
    case "listExpr":
      for (const e of k.value.elements) identifiers(e, out);
      break;
    case "structExpr":
      for (const en of k.value.entries) {
        if (en.keyKind.case === "mapKey") identifiers(en.keyKind.value, out);
        identifiers(en.value, out);
      }
      break;
    case "comprehensionExpr": {
      const c = k.value;
      for (const e of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) identifiers(e, out);
      break;
    }
  }
  return out;
}

let crossCheck = false;
/** Evaluate every expression the fast path takes with CEL too, and throw where they differ (tests). */
export function setCelCrossCheck(on: boolean): void {
  crossCheck = on;
}

/** Evaluate a guard: it must produce a bool. */
export function evalBool(e: CompiledExpr, bindings: Bindings): boolean {
  const v = e.eval(bindings);
  if (typeof v !== "boolean") throw new CelExprError(e.where, e.source, `must be a bool, got ${typeof v}`);
  return v;
}
