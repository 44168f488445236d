/**
 * Model values: what the checker stores in abstract states and hands to CEL.
 * JSON integers become bigint (CEL int), other numbers stay number (CEL double),
 * objects become Map (CEL map). Each value has one canonical key for memoization.
 */
import { isCelList, isCelMap, isCelUint } from "@bufbuild/cel";
import type { JsonValue } from "../../spec/format.js";

export type ModelValue = null | boolean | bigint | number | string | ModelValue[] | Map<string, ModelValue>;

export function fromJson(v: JsonValue): ModelValue {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(fromJson);
  const m = new Map<string, ModelValue>();
  for (const [k, x] of Object.entries(v)) m.set(k, fromJson(x));
  return m;
}

export function toJson(v: ModelValue): JsonValue {
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map(toJson);
  const o: { [k: string]: JsonValue } = {};
  for (const [k, x] of v) o[k] = toJson(x);
  return o;
}

/** Convert what CEL returned (CelList, CelMap, CelUint, ...) into a plain model value. */
export function fromCel(v: unknown): ModelValue {
  if (v === null || typeof v === "boolean" || typeof v === "string" || typeof v === "bigint" || typeof v === "number") return v;
  if (isCelUint(v)) return (v as { value: bigint }).value;
  if (isCelList(v)) return Array.from(v, fromCel);
  if (isCelMap(v)) {
    const m = new Map<string, ModelValue>();
    for (const [k, x] of v) m.set(String(k), fromCel(x));
    return m;
  }
  if (Array.isArray(v)) return v.map(fromCel);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [String(k), fromCel(x)]));
  throw new TypeError(`unsupported CEL value ${describe(v)}`);
}

function describe(v: unknown): string {
  return `${typeof v}${v && typeof v === "object" ? ` (${v.constructor?.name})` : ""}`;
}

/** Canonical text of a value: equal values, equal keys (ints and doubles kept apart). */
export function keyOf(v: ModelValue): string {
  if (v === null) return "N";
  switch (typeof v) {
    case "boolean":
      return v ? "T" : "F";
    case "bigint":
      return `i${v}`;
    case "number":
      return `d${v}`;
    case "string":
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) return `[${v.map(keyOf).join(",")}]`;
  const keys = [...v.keys()].sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${keyOf(v.get(k)!)}`).join(",")}}`;
}

/** Equality as Python would see it for the values that cross the protocol: 1 == 1.0, True != 1. */
export function valuesEqual(a: ModelValue, b: ModelValue): boolean {
  if (a === b) return true;
  if ((typeof a === "bigint" || typeof a === "number") && (typeof b === "bigint" || typeof b === "number")) {
    return Number(a) === Number(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]!));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, x] of a) if (!b.has(k) || !valuesEqual(x, b.get(k)!)) return false;
    return true;
  }
  return false;
}

/** Python-ish rendering for explanations: None, True, 'x', [1, 2], {'k': 1}. */
export function pyRepr(v: ModelValue | undefined): string {
  if (v === undefined || v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(", ")}]`;
  return `{${[...v].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(", ")}}`;
}
