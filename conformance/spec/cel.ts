/**
 * CEL, through @bufbuild/cel: every spec expression is parsed and planned once
 * at load; evaluation errors name the expression and where it lives.
 */
import { celEnv, celFunc, celMethod, isCelError, listType, parse, plan, CelScalar } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { fromCel, type ModelValue } from "./values.js";

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

const env = celEnv({ funcs: [...strings, slice, range, least, greatest] });

export type Bindings = Record<string, unknown>;

export interface CompiledExpr {
  readonly source: string;
  /** Where it lives: "spec/primitives/Lock.yaml: operations.acquire.rules[0].when". */
  readonly where: string;
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

export function compileCel(source: string, where: string): CompiledExpr {
  let run: (ctx: Bindings) => unknown;
  try {
    run = plan(env, parse(source)) as (ctx: Bindings) => unknown;
  } catch (e) {
    throw new CelExprError(where, source, `does not compile: ${(e as Error).message}`);
  }
  return {
    source,
    where,
    eval(bindings) {
      const r = run(bindings);
      if (isCelError(r)) throw new CelExprError(where, source, `evaluation failed: ${r.message}`);
      return fromCel(r);
    },
  };
}

/** Evaluate a guard: it must produce a bool. */
export function evalBool(e: CompiledExpr, bindings: Bindings): boolean {
  const v = e.eval(bindings);
  if (typeof v !== "boolean") throw new CelExprError(e.where, e.source, `must be a bool, got ${typeof v}`);
  return v;
}
