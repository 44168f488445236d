/**
 * Profiles: which Python API an object imitates, and so which exceptions it
 * raises. Every message here was checked against CPython 3.11 (see the
 * `observed` notes next to each one).
 */
import { PythonError, type ObjectHandle } from "../implementation.js";

export type Profile = "multiprocessing" | "threading";
export const PROFILES: readonly Profile[] = ["multiprocessing", "threading"];

export interface PrimitiveOptions {
  /**
   * Which Python API to imitate: "multiprocessing" (default; multiprocessing.Lock, ...,
   * multiprocessing.JoinableQueue) or "threading" (threading.Lock, ..., queue.Queue).
   */
  profile?: Profile;
}

export function checkProfile(profile: unknown): Profile {
  if (profile === undefined) return "multiprocessing";
  if (profile === "multiprocessing" || profile === "threading") return profile;
  throw new TypeError(`unknown profile ${JSON.stringify(profile)} (expected "multiprocessing" or "threading")`);
}

/** Largest value of a multiprocessing semaphore on Linux (SEM_VALUE_MAX), and of our Int32 words. */
export const SEM_VALUE_MAX = 2147483647;

/** `queue.Empty` and `queue.Full` are raised with an empty message. */
export const empty = (): PythonError => new PythonError("queue.Empty", "");
export const full = (): PythonError => new PythonError("queue.Full", "");

/** `'<Type>' object has no attribute '<name>'`: a method the profile's Python class lacks. */
export function noAttribute(type: string, name: string): PythonError {
  return new PythonError("AttributeError", `'${type}' object has no attribute '${name}'`);
}

/**
 * A timeout as passed by a caller: null/undefined = none; otherwise a number of
 * seconds (negative values keep their meaning per profile; NaN is refused).
 */
export function checkTimeout(timeout: unknown): number | null {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout !== "number" || Number.isNaN(timeout)) {
    throw new TypeError(`timeout must be a number of seconds or null, not ${String(timeout)}`);
  }
  return timeout;
}

/**
 * A C-int constructor argument of a multiprocessing object (Semaphore value,
 * Queue maxsize): CPython refuses floats and values outside a C int.
 */
export function checkCInt(value: unknown, what: string): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new TypeError(`${what} must be a number, not ${String(value)}`);
  }
  // observed: mp.Semaphore(1.5) -> TypeError: 'float' object cannot be interpreted as an integer
  if (!Number.isInteger(value)) {
    throw new PythonError("TypeError", "'float' object cannot be interpreted as an integer");
  }
  // observed: mp.Semaphore(2**31), mp.Semaphore(-2**31-1) -> OverflowError: Python int too large to convert to C int
  if (value > SEM_VALUE_MAX || value < -SEM_VALUE_MAX - 1) {
    throw new PythonError("OverflowError", "Python int too large to convert to C int");
  }
  return value;
}

/** The profile of a handle, refusing handles of another primitive. */
export function checkHandle(handle: ObjectHandle, primitive: string): Profile {
  if (handle.primitive !== primitive) {
    throw new TypeError(`cannot attach a ${String(handle.primitive)} handle as ${primitive}`);
  }
  return checkProfile(handle.profile);
}

/** A SharedArrayBuffer field of a handle (a plain ArrayBuffer would silently stop sharing). */
export function sharedBuffer(handle: ObjectHandle, field: string): SharedArrayBuffer {
  const buffer = handle[field];
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(`${handle.primitive} handle field ${field} is not a SharedArrayBuffer`);
  }
  return buffer;
}

/** A fresh id shown in reprs, in the shape of a CPython address. */
export function fakeAddress(): string {
  const hi = Math.floor(Math.random() * 0x10000);
  const lo = Math.floor(Math.random() * 0x100000000);
  return "0x7f" + hi.toString(16).padStart(4, "0") + lo.toString(16).padStart(8, "0");
}
