/**
 * The commonest shapes of spec expressions (`s.value`, `args.value`, `s.value == args.expected`,
 * `s.count + 1`, `s.value + args.value` on strings, literals, `&&`, `||`, `!`, `?:`), evaluated
 * on the bindings directly. The checker evaluates a rule's expressions at every state it meets,
 * and going through the CEL planner (activation, conversions, the result back) cost most of a
 * step. Only what has one obvious meaning is done here: values that are null, bools, ints,
 * doubles or strings, operators on operands of one type, ints kept in int64. Anything else
 * (another operator, a list or map operand, mixed types, an overflow, an unbound name) gives
 * SLOW, and the caller evaluates the whole expression with CEL: the fast path either computes
 * what CEL would or declines. cel.ts can check both against each other (setCelCrossCheck).
 */
import type { parse } from "@bufbuild/cel";
import type { ModelValue } from "./values.js";

/** A parsed CEL expression (cel.expr.Expr). */
type Expr = NonNullable<ReturnType<typeof parse>["expr"]>;

export const SLOW: unique symbol = Symbol("evaluate with CEL");
export type FastValue = null | boolean | bigint | number | string;
export type FastEval = (b: Record<string, unknown>) => FastValue | typeof SLOW;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const scalar = (v: unknown): FastValue | typeof SLOW => {
  if (v === null || typeof v === "boolean" || typeof v === "bigint" || typeof v === "number" || typeof v === "string") return v;
  return SLOW;
};
const int64 = (v: bigint): bigint | typeof SLOW => (v < INT64_MIN || v > INT64_MAX ? SLOW : v);
const sameType = (a: FastValue, b: FastValue) => (a === null ? b === null : typeof a === typeof b);

/** The fast evaluator of `expr`, or undefined when its shape is not one of those above. */
export function compileFast(expr: Expr | undefined): FastEval | undefined {
  if (!expr) return undefined;
  const k = expr.exprKind;
  switch (k.case) {
    case "constExpr": {
      const c = k.value.constantKind;
      switch (c.case) {
        case "nullValue":
          return () => null;
        case "boolValue":
        case "int64Value":
        case "doubleValue":
        case "stringValue": {
          const v = c.value;
          return () => v;
        }
        default:
          return undefined;
      }
    }
    case "identExpr": {
      const name = k.value.name;
      return (b) => scalar(b[name]);
    }
    case "selectExpr": {
      const { operand, field, testOnly } = k.value;
      if (testOnly || operand?.exprKind.case !== "identExpr") return undefined;
      const name = operand.exprKind.value.name;
      return (b) => {
        const m = b[name];
        return m instanceof Map ? scalar(m.get(field)) : SLOW;
      };
    }
    case "callExpr": {
      const { function: fn, args, target } = k.value;
      if (target) return undefined;
      const parts = args.map((e) => compileFast(e));
      if (parts.some((p) => p === undefined)) return undefined;
      const [a, b, c] = parts as FastEval[];
      if (parts.length === 1 && fn === "!_") {
        return (x) => {
          const v = a!(x);
          return typeof v === "boolean" ? !v : SLOW;
        };
      }
      if (parts.length === 3 && fn === "_?_:_") {
        return (x) => {
          const cond = a!(x);
          return cond === true ? b!(x) : cond === false ? c!(x) : SLOW;
        };
      }
      if (parts.length !== 2) return undefined;
      switch (fn) {
        // CEL's && and || are commutative over errors: false && <anything> is false.
        case "_&&_":
          return (x) => {
            const l = a!(x);
            if (l === false) return false;
            const r = b!(x);
            if (r === false) return false;
            return l === true && r === true ? true : SLOW;
          };
        case "_||_":
          return (x) => {
            const l = a!(x);
            if (l === true) return true;
            const r = b!(x);
            if (r === true) return true;
            return l === false && r === false ? false : SLOW;
          };
        case "_==_":
        case "_!=_": {
          const eq = fn === "_==_";
          return (x) => {
            const l = a!(x);
            const r = b!(x);
            if (l === SLOW || r === SLOW || !sameType(l, r)) return SLOW;
            return (l === r) === eq;
          };
        }
        case "_<_":
        case "_<=_":
        case "_>_":
        case "_>=_":
          return (x) => {
            const l = a!(x);
            const r = b!(x);
            // Strings are left to CEL (code points, where JavaScript compares UTF-16 units).
            if (!((typeof l === "bigint" && typeof r === "bigint") || (typeof l === "number" && typeof r === "number"))) return SLOW;
            return fn === "_<_" ? l < r : fn === "_<=_" ? l <= r : fn === "_>_" ? l > r : l >= r;
          };
        case "_+_":
          return (x) => {
            const l = a!(x);
            const r = b!(x);
            if (typeof l === "string" && typeof r === "string") return l + r;
            if (typeof l === "bigint" && typeof r === "bigint") return int64(l + r);
            return SLOW;
          };
        case "_-_":
          return (x) => {
            const l = a!(x);
            const r = b!(x);
            return typeof l === "bigint" && typeof r === "bigint" ? int64(l - r) : SLOW;
          };
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** Whether two evaluations agree exactly (type and value; NaN agrees with NaN). */
export function sameResult(fast: FastValue, full: ModelValue): boolean {
  if (typeof fast === "number" && typeof full === "number" && Number.isNaN(fast)) return Number.isNaN(full);
  return fast === full;
}
