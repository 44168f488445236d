/**
 * Deliberately broken implementations, for tests that the suite catches real
 * bugs: the reference module with one primitive replaced by a faulty wrapper.
 * A wrapper's handle carries the inner handle, so workers re-wrap on attach.
 */
import type { JsonValue } from "../../../spec/format.js";
import type { ImplementationModule, ObjectHandle, SharedPrimitive } from "../../../reference/implementation.js";
import * as reference from "../../../reference/threads/module.js";
import type { Connection, Pipe } from "../../../reference/threads/pipe.js";

type Wrapper = (inner: SharedPrimitive, extra: Record<string, unknown>) => SharedPrimitive;

export interface Fault {
  /** The primitive whose object is replaced. */
  primitive: string;
  /** Which reference primitive to build underneath (default: the same). */
  base?: string;
  /** Shared state the wrapper needs besides the inner object (made once, on the creating thread). */
  extra?: () => Record<string, unknown>;
  /** The constructor arguments as the faulty constructor reads them (a constructor's bug). */
  argv?: (argv: JsonValue[]) => JsonValue[];
  /** The keyword-only constructor arguments as it reads them (Value's `lock`). */
  kwargs?: (kwargs: Record<string, JsonValue>) => Record<string, JsonValue>;
  /** The faulty object around the reference's; none: the reference's own object (a constructor's bug only). */
  wrap?: Wrapper;
}

export function brokenModule(fault: Fault): ImplementationModule {
  const wrapHandle = (inner: SharedPrimitive, extra: Record<string, unknown>): SharedPrimitive => {
    const obj = fault.wrap ? fault.wrap(inner, extra) : inner;
    // Left as it is (no wrapper, or one that spares this object): the reference's own handle.
    if (obj === inner) return inner;
    obj.handle = (): ObjectHandle => ({ primitive: fault.primitive, profile: inner.handle().profile, inner: inner.handle(), extra });
    return obj;
  };
  return {
    primitives: reference.primitives,
    profiles: reference.profiles,
    create(primitive: string, profile: string, argv: JsonValue[], kwargs: Record<string, JsonValue> = {}) {
      if (primitive !== fault.primitive) return reference.create(primitive, profile, argv, kwargs);
      return wrapHandle(reference.create(fault.base ?? primitive, profile, fault.argv?.(argv) ?? argv, fault.kwargs?.(kwargs) ?? kwargs), fault.extra?.() ?? {});
    },
    attach(handle: ObjectHandle) {
      if (!("inner" in handle)) return reference.attach(handle);
      return wrapHandle(reference.attach(handle.inner as ObjectHandle), handle.extra as Record<string, unknown>);
    },
    // The reference's children (a Process's, a Pool's workers) end with each scenario, broken or
    // not: they belong to the scope the executor enters around create(), so both are forwarded.
    end: reference.end,
    enterScope: reference.enterScope,
  };
}

/** Call a Python-named method of the inner object. */
export const call = (o: SharedPrimitive, name: string, ...args: unknown[]): unknown =>
  (o as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args);

/**
 * A plain object forwarding every method of `inner` (own and inherited) but the overrides: a
 * broken variant differs in exactly what it overrides, so an operation added to the spec later
 * reaches the reference's method rather than failing for a reason the variant is not about.
 */
export function forward(inner: SharedPrimitive, overrides: Record<string, (...a: never[]) => unknown>): SharedPrimitive {
  const o: Record<string, unknown> = { handle: () => inner.handle() };
  for (let p: object | null = inner; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) {
      if (n === "constructor" || n in o) continue;
      const d = Object.getOwnPropertyDescriptor(p, n)!;
      if (typeof d.value === "function") o[n] = (...a: unknown[]) => call(inner, n, ...a);
    }
  }
  Object.assign(o, overrides);
  return o as unknown as SharedPrimitive;
}

/** A reference Future's methods by name (a broken executor's Future overrides some). */
export type FutureMethods = Record<string, (...a: unknown[]) => unknown>;

/**
 * A broken ProcessPoolExecutor whose submit() returns Futures that forward every method but
 * the overrides `future` gives for each (it gets the reference's Future).
 */
export function forwardFutures(inner: SharedPrimitive, future: (f: FutureMethods) => Record<string, (...a: never[]) => unknown>): SharedPrimitive {
  return forward(inner, {
    submit: (fn: never, ...args: never[]) => {
      const f = call(inner, "submit", fn, ...args) as FutureMethods;
      return forward(f as unknown as SharedPrimitive, future(f));
    },
  });
}

/** Define read-only properties on `obj` that read `inner`'s (for operations with form: get). */
/** The properties (attribute forms) of the reference Process, which a broken Process forwards. */
export const PROCESS_PROPERTIES = ["exitcode", "pid", "sentinel", "daemon"];

export function forwardProperties(
  obj: SharedPrimitive,
  inner: SharedPrimitive,
  names: string[],
  overrides: Record<string, () => unknown> = {},
  setters: Record<string, (v: unknown) => void> = {},
): SharedPrimitive {
  for (const n of names) {
    const get = overrides[n] ?? (() => (inner as unknown as Record<string, unknown>)[n]);
    // Writes reach the inner object's setter (a read-only property still refuses them).
    const set =
      setters[n] ??
      ((v: unknown) => {
        (inner as unknown as Record<string, unknown>)[n] = v;
      });
    Object.defineProperty(obj, n, { get, set, enumerable: true });
  }
  return obj;
}

/**
 * A broken Pipe: each of its two connections forwards every method (as `forward`) but the
 * overrides `ends` gives for it (by its index in the pair).
 */
export function brokenPipe(ends: (conn: Connection, index: 0 | 1, pipe: Pipe) => Record<string, (...a: never[]) => unknown>): ImplementationModule {
  return brokenModule({
    primitive: "Pipe",
    wrap: (inner) => {
      const pipe = inner as unknown as Pipe;
      const end = (i: 0 | 1) => forward(pipe[i] as unknown as SharedPrimitive, ends(pipe[i], i, pipe));
      return { handle: () => inner.handle(), duplex: pipe.duplex, 0: end(0), 1: end(1) } as unknown as SharedPrimitive;
    },
  });
}
