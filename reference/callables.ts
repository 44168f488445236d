/**
 * The worker callables of spec/callables.yaml, in JavaScript: a `{"$callable": name, ...params}`
 * value (spec/protocol/README.md, "Values that stand for Python objects") and the function it
 * stands for. An object that takes a callable (Barrier's action) keeps the JSON value in its
 * handle, so it crosses threads and processes, and resolves it here where it runs.
 *
 * In a worker thread (reference/threads) `os_exit` ends the thread, which stands for the actor's
 * process; `kill_self` needs a process of its own (reference/processes).
 *
 * A parameter that takes another object of the scenario (`set_event`'s `event`) holds
 * `{"$object": X}`: the executor gives the object's handle as X, a Process's owner replaces it by
 * an index for its child, and the child reaches the object through the owner (the broker,
 * reference/processes/broker.ts) with the `ObjectCaller` given to resolveCallable.
 */
import type { JsonValue } from "../spec/format.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "./implementation.js";

export type CallableValue = { $callable: string } & { [param: string]: JsonValue };

/**
 * Makes a call on another object of the scenario: `ref` is the `$object` value of the parameter
 * that names it. Asynchronous: in a child process the call is a request to the owner, and the
 * callable's result is then a promise (its runner awaits it).
 */
export type ObjectCaller = (ref: unknown, op: string, args: Record<string, JsonValue>) => Promise<unknown>;

type Impl = (p: Record<string, JsonValue>, args: unknown[], objects: ObjectCaller) => unknown;

const nap = new Int32Array(new SharedArrayBuffer(4));
const raise = (p: Record<string, JsonValue>): never => {
  throw new PythonError(p.type as string, p.message as string);
};
const pyEquals = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const refOf = (v: JsonValue | undefined): unknown => (v as { $object: unknown }).$object;

// name -> [its parameters, what a call does, the parameters that name scenario objects: their
// primitive]; mirrors adapters/python/mpspec_py/callables.py.
const IMPLEMENTATIONS: Record<string, [readonly string[], Impl, Readonly<Record<string, string>>?]> = {
  noop: [[], () => null],
  return: [["value"], (p) => structuredClone(p.value)],
  raise: [["type", "message"], (p) => raise(p)],
  identity: [[], (_, a) => a[0]],
  square: [[], (_, a) => (typeof a[0] === "bigint" ? a[0] * a[0] : (a[0] as number) * (a[0] as number))],
  add: [[], (_, a) => (typeof a[0] === "bigint" || typeof a[1] === "bigint" ? BigInt(a[0] as number) + BigInt(a[1] as number) : (a[0] as number) + (a[1] as number))],
  raise_if: [["when", "type", "message"], (p, a) => (pyEquals(a[0], p.when) ? raise(p) : a[0])],
  sleep: [
    ["seconds"],
    (p) => {
      Atomics.wait(nap, 0, 0, (p.seconds as number) * 1000);
      return null;
    },
  ],
  nap: [
    ["unit"],
    (p, a) => {
      Atomics.wait(nap, 0, 0, Number(a[0]) * (p.unit as number) * 1000);
      return a[0];
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
  // Not picklable in Python; the reference passes callables as data, so it runs anywhere.
  lambda_noop: [[], () => null],
  return_unpicklable: [["token"], (p) => ({ $unpicklable: p.token })],
  set_event: [["event"], (p, _, objects) => objects(refOf(p.event), "set", {}).then(() => null), { event: "Event" }],
  // Returns None, not the wait's result (spec/callables.yaml).
  wait_event: [["event", "timeout"], (p, _, objects) => objects(refOf(p.event), "wait", { timeout: p.timeout ?? null }).then(() => null), { event: "Event" }],
  put_to: [["queue", "item", "block"], (p, _, objects) => objects(refOf(p.queue), "put", { item: p.item ?? null, block: p.block ?? true }).then(() => null), { queue: "Queue" }],
  put_arg_to: [["queue"], (p, a, objects) => objects(refOf(p.queue), "put", { item: (a[0] ?? null) as JsonValue, block: true }).then(() => null), { queue: "Queue" }],
  add_to: [
    ["value", "n", "locked"],
    (p, _, objects) => objects(refOf(p.value), p.locked ? "locked_increment" : "increment", { delta: p.n ?? 1 }).then(() => null),
    { value: "Value" },
  ],
  with_lock: [
    ["lock", "seconds"],
    async (p, _, objects) => {
      await objects(refOf(p.lock), "acquire", { block: true, timeout: null });
      await new Promise((r) => setTimeout(r, (p.seconds as number) * 1000));
      await objects(refOf(p.lock), "release", {});
      return null;
    },
    { lock: "Lock" },
  ],
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `v` is a `{"$callable": ...}` value (well-formed or not). */
export function isCallableValue(v: unknown): boolean {
  return isObject(v) && "$callable" in v;
}

/** Whether a value is a well-formed worker callable of the vocabulary (what checkCallable accepts): Python's callable(). */
export function isWorkerCallable(v: unknown): boolean {
  try {
    checkCallable(v);
    return true;
  } catch {
    return false;
  }
}

/** Check a `$callable` value; a malformed or unknown one is a TypeError naming it. */
export function checkCallable(v: unknown): CallableValue {
  const bad = (why: string) => new TypeError(`${JSON.stringify(v)} is not a callable value: ${why}`);
  if (!isObject(v) || typeof v.$callable !== "string") throw bad('expected {"$callable": <name>, <param>: <value>, ...}');
  const impl = IMPLEMENTATIONS[v.$callable];
  if (!impl) throw bad(`known callables are ${Object.keys(IMPLEMENTATIONS).join(", ")}`);
  const keys = Object.keys(v).filter((k) => k !== "$callable").sort();
  if (keys.join(",") !== [...impl[0]].sort().join(",")) throw bad(`${v.$callable} takes the parameters ${impl[0].join(", ") || "none"}`);
  for (const [name, primitive] of Object.entries(impl[2] ?? {})) {
    const problem = objectRefProblem(v[name], primitive);
    if (problem) throw bad(`${name} takes another object of the scenario (${primitive}): ${problem}`);
  }
  if ((v.$callable === "raise" || v.$callable === "raise_if") && (typeof v.type !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.type) || typeof v.message !== "string")) {
    throw bad("type must name a builtin exception and message be a string");
  }
  return v as CallableValue;
}

/**
 * `{"$object": X}`, X being what names the object where the value is: a string (a scenario id;
 * in a vocabulary example, the primitive of a fresh object), an integer (a run message's index; in
 * a Process's child, the broker's), or the object's handle (of that primitive).
 */
function objectRefProblem(v: unknown, primitive: string): string | null {
  if (!isObject(v) || Object.keys(v).join() !== "$object") return `expected {"$object": <id, index or handle>}, got ${JSON.stringify(v)}`;
  const x = v.$object;
  if (typeof x === "string" || (typeof x === "number" && Number.isInteger(x) && x >= 0)) return null;
  // Value(lock=False) is the bare ctypes object: the reference builds a RawValue for it.
  if (isObject(x) && typeof x.primitive === "string") return x.primitive === primitive || (primitive === "Value" && x.primitive === "RawValue") ? null : `got the handle of a ${x.primitive}`;
  return `{"$object": ...} holds an id, an index or a handle, got ${JSON.stringify(x)}`;
}

/** `v` with each object parameter's `$object` value replaced by `f(value, its primitive)`. */
export function mapObjectParams(v: CallableValue, f: (ref: unknown, primitive: string) => unknown): CallableValue {
  const named = IMPLEMENTATIONS[v.$callable]?.[2] ?? {};
  const out: Record<string, unknown> = { ...v };
  for (const [name, primitive] of Object.entries(named)) out[name] = { $object: f(refOf(v[name]), primitive) };
  return out as CallableValue;
}

const noObjects: ObjectCaller = (ref, op) => {
  throw new TypeError(`a call ${op}() on another object (${JSON.stringify(ref)}) needs a broker: such a callable runs as a Process's target (reference/processes/broker.ts)`);
};

/**
 * Calls on other objects made from the calling thread itself (a Barrier's action runs in the last
 * party's actor thread, which can attach any object of the scenario): at once and synchronously,
 * so a Python exception is thrown before the callable returns, and a wait blocks the thread as
 * Python's would (interruptible by the executor). The operations are the spec's, as the broker
 * serves them to a Process's child (reference/processes/broker.ts).
 */
type Attach = (h: ObjectHandle) => SharedPrimitive;
let attachInThread: Attach | undefined;
/** Set by the threads backend's module (module.ts) once its factories are loaded. */
export function setInThreadAttach(f: Attach): void {
  attachInThread = f;
}
type ValueObject = { value: unknown; get_lock(): { acquire(): unknown; release(): unknown } };
// `x + delta` as Python's: a 'c' or 'u' item converts to a number by raising CPython's TypeError (value.ts pythonItem).
const IN_THREAD: Record<string, (o: never, args: Record<string, JsonValue>) => unknown> = {
  increment: (o: ValueObject, a) => {
    o.value = (o.value as number) + (a.delta as number);
  },
  locked_increment: (o: ValueObject, a) => {
    const lock = o.get_lock(); // a RawValue (lock=False) raises AttributeError here, as CPython's
    lock.acquire();
    try {
      o.value = (o.value as number) + (a.delta as number);
    } finally {
      lock.release();
    }
  },
  set: (o: { set(): unknown }) => o.set(),
  // An unbounded queue's put never waits (a Pool callback's put_arg_to, on the pool's owner thread).
  put: (o: { put(item: unknown, block: boolean, timeout: null): unknown }, a) => o.put(a.item, a.block !== false, null),
};
export const inThreadObjects: ObjectCaller = (ref, op, args) => {
  const h = ref as ObjectHandle | null;
  if (!attachInThread || typeof h !== "object" || h === null || typeof h.primitive !== "string") {
    throw new TypeError(`a call ${op}() on another object (${JSON.stringify(ref)}) in this thread needs its handle and the threads backend's module (reference/threads/module.ts)`);
  }
  const f = IN_THREAD[op];
  if (!f) throw new TypeError(`a call ${op}() on a ${h.primitive} is not made in an actor's thread (it makes ${Object.keys(IN_THREAD).join(", ")})`);
  return Promise.resolve(f(attachInThread(h) as never, args));
};

/**
 * The JS function a callable value stands for; a Python exception is thrown as PythonError.
 * `objects` makes the calls on other scenario objects (a child's broker client); a callable that
 * makes some returns a promise.
 */
export function resolveCallable(v: CallableValue, objects: ObjectCaller = noObjects): (...args: unknown[]) => unknown {
  const [, impl] = IMPLEMENTATIONS[v.$callable]!;
  const { $callable: _, ...params } = v;
  return (...args: unknown[]) => impl(params, args, objects);
}
