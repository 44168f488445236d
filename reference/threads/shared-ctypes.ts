/**
 * sharedctypes.Value and sharedctypes.Array: the raw object first, then by `lock`
 * (`if lock is False: return obj; if lock in (True, None): lock = ctx.RLock()`) the bare object,
 * or a wrapper with a new RLock or with the Lock or RLock given.
 */
import { PythonError, type SharedPrimitive } from "../implementation.js";
import { Lock, RLock } from "./lock.js";

export function sharedCtypes(lock: unknown, bare: () => SharedPrimitive, wrapped: (lock?: Lock | RLock) => SharedPrimitive): SharedPrimitive {
  if (lock === false) return bare();
  if (lock === true || lock === null) return wrapped();
  if (lock instanceof Lock || lock instanceof RLock) return wrapped(lock);
  bare(); // its own errors come first, as CPython builds the raw object before looking at lock
  // observed: multiprocessing.Value('i', 0, lock='x') -> AttributeError: 'x' has no method 'acquire'
  throw new PythonError("AttributeError", `${JSON.stringify(lock)} has no method 'acquire'`);
}

/** The keyword-only `lock` (default True). */
export const lockArg = (kw: Record<string, unknown>): unknown => ("lock" in kw ? kw.lock : true);
