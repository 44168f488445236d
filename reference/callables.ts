/**
 * Callables that cross the adapter protocol as JSON (spec/protocol/README.md,
 * "Values that stand for Python objects"): `{"$callable": "noop"}`,
 * `{"$callable": "return", "value": V}`, `{"$callable": "raise", "type": T, "message": M}`.
 *
 * An object that takes a callable (Barrier's action) keeps the JSON value in
 * its handle, so it crosses threads, and resolves it here in each thread.
 */
import type { JsonValue } from "../spec/format.js";
import { PythonError } from "./implementation.js";

export type CallableValue =
  | { $callable: "noop" }
  | { $callable: "return"; value: JsonValue }
  | { $callable: "raise"; type: string; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `v` is a `{"$callable": ...}` value (well-formed or not). */
export function isCallableValue(v: unknown): boolean {
  return isObject(v) && "$callable" in v;
}

/** Check a `$callable` value; a malformed or unknown one is a TypeError naming it. */
export function checkCallable(v: unknown): CallableValue {
  const bad = (why: string) => new TypeError(`${JSON.stringify(v)} is not a callable value: ${why}`);
  if (!isObject(v)) throw bad("expected an object with a $callable key");
  const keys = Object.keys(v).sort().join(",");
  switch (v.$callable) {
    case "noop":
      if (keys !== "$callable") throw bad("noop takes no other keys");
      return { $callable: "noop" };
    case "return":
      if (keys !== "$callable,value") throw bad('return takes exactly "value"');
      return { $callable: "return", value: v.value as JsonValue };
    case "raise":
      if (keys !== "$callable,message,type") throw bad('raise takes exactly "type" and "message"');
      if (typeof v.type !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.type)) throw bad("type must name a builtin exception");
      if (typeof v.message !== "string") throw bad("message must be a string");
      return { $callable: "raise", type: v.type, message: v.message };
    default:
      throw bad("known kinds are noop, return, raise");
  }
}

/** The JS function a callable value stands for; a "raise" one throws PythonError(type, message). */
export function resolveCallable(v: CallableValue): (...args: unknown[]) => unknown {
  switch (v.$callable) {
    case "noop":
      return () => null;
    case "return": {
      const value = v.value;
      return () => structuredClone(value);
    }
    case "raise": {
      const { type, message } = v;
      return () => {
        throw new PythonError(type, message);
      };
    }
  }
}
