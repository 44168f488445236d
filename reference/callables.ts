/**
 * The worker callables of spec/callables.yaml, in JavaScript: a `{"$callable": name, ...params}`
 * value (spec/protocol/README.md, "Values that stand for Python objects") and the function it
 * stands for. An object that takes a callable (Barrier's action) keeps the JSON value in its
 * handle, so it crosses threads and processes, and resolves it here where it runs.
 *
 * In a worker thread (reference/threads) `os_exit` ends the thread, which stands for the actor's
 * process; `kill_self` needs a process of its own (reference/processes).
 */
import type { JsonValue } from "../spec/format.js";
import { PythonError } from "./implementation.js";

export type CallableValue = { $callable: string } & { [param: string]: JsonValue };

type Impl = (p: Record<string, JsonValue>, args: unknown[]) => unknown;

const nap = new Int32Array(new SharedArrayBuffer(4));
const raise = (p: Record<string, JsonValue>): never => {
  throw new PythonError(p.type as string, p.message as string);
};
const pyEquals = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// name -> [its parameters, what a call does]; mirrors adapters/python/mpspec_py/callables.py.
const IMPLEMENTATIONS: Record<string, [readonly string[], Impl]> = {
  noop: [[], () => null],
  return: [["value"], (p) => structuredClone(p.value)],
  raise: [["type", "message"], (p) => raise(p)],
  identity: [[], (_, a) => a[0]],
  square: [[], (_, a) => (typeof a[0] === "bigint" ? a[0] * a[0] : (a[0] as number) * (a[0] as number))],
  raise_if: [["when", "type", "message"], (p, a) => (pyEquals(a[0], p.when) ? raise(p) : a[0])],
  sleep: [
    ["seconds"],
    (p) => {
      Atomics.wait(nap, 0, 0, (p.seconds as number) * 1000);
      return null;
    },
  ],
  sys_exit: [
    ["arg"],
    (p) => {
      // sys.exit(None) raises SystemExit() with no args: str() is "".
      throw p.arg === null ? new PythonError("SystemExit", "", []) : new PythonError("SystemExit", typeof p.arg === "boolean" ? (p.arg ? "True" : "False") : String(p.arg), [p.arg!]);
    },
  ],
  os_exit: [["code"], (p) => process.exit(p.code as number)],
  kill_self: [
    ["signal"],
    (p) => {
      process.kill(process.pid, p.signal as number);
      Atomics.wait(nap, 0, 0, 5000); // the signal ends the process before this returns
      return null;
    },
  ],
  getpid: [[], () => process.pid],
  return_unpicklable: [["token"], (p) => ({ $unpicklable: p.token })],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `v` is a `{"$callable": ...}` value (well-formed or not). */
export function isCallableValue(v: unknown): boolean {
  return isObject(v) && "$callable" in v;
}

/** Check a `$callable` value; a malformed or unknown one is a TypeError naming it. */
export function checkCallable(v: unknown): CallableValue {
  const bad = (why: string) => new TypeError(`${JSON.stringify(v)} is not a callable value: ${why}`);
  if (!isObject(v) || typeof v.$callable !== "string") throw bad('expected {"$callable": <name>, <param>: <value>, ...}');
  const impl = IMPLEMENTATIONS[v.$callable];
  if (!impl) throw bad(`known callables are ${Object.keys(IMPLEMENTATIONS).join(", ")}`);
  const keys = Object.keys(v).filter((k) => k !== "$callable").sort();
  if (keys.join(",") !== [...impl[0]].sort().join(",")) throw bad(`${v.$callable} takes the parameters ${impl[0].join(", ") || "none"}`);
  if ((v.$callable === "raise" || v.$callable === "raise_if") && (typeof v.type !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.type) || typeof v.message !== "string")) {
    throw bad("type must name a builtin exception and message be a string");
  }
  return v as CallableValue;
}

/** The JS function a callable value stands for; a Python exception is thrown as PythonError. */
export function resolveCallable(v: CallableValue): (...args: unknown[]) => unknown {
  const [, impl] = IMPLEMENTATIONS[v.$callable]!;
  const { $callable: _, ...params } = v;
  return (...args: unknown[]) => impl(params, args);
}
