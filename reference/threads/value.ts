/**
 * A shared ctypes value (multiprocessing.Value(typecode, value), lock=True): one
 * C int ('i') or C double ('d') in a SharedArrayBuffer, and the recursive lock
 * that get_lock() returns. As in CPython's synchronized wrapper
 * (multiprocessing.sharedctypes), the `value` property's getter and setter each
 * hold that lock, so `v.value += 1` (a get, then a set) is not atomic, while
 * the same update under `get_lock()` is.
 */
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { PythonError } from "../implementation.js";
import { RLock } from "./lock.js";
import { checkHandle, checkProfile, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";

/** The typecodes implemented: C int and C double. */
export type Typecode = "i" | "d";

/** Python's type name of a JSON-ish value, for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  return "dict";
}

/** The number a C int or C double stores for `v`, or the TypeError CPython raises. */
export function converted(typecode: Typecode, v: unknown): number {
  if (typecode === "i") {
    // observed: mp.Value('i', 0).value = True -> 1
    if (typeof v === "boolean") return v ? 1 : 0;
    // observed: mp.Value('i', 0).value = 1.5 (or 'x', None) -> TypeError: 'float' object cannot be interpreted as an integer
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new PythonError("TypeError", `'${pyTypeName(v)}' object cannot be interpreted as an integer`);
    }
    // observed: mp.Value('i', 0).value = 2**31 -> -2147483648 (no overflow checking); the Int32Array store wraps the same way
    return v;
  }
  if (typeof v === "boolean") return v ? 1 : 0;
  // observed: mp.Value('d', 0.5).value = 'x' -> TypeError: must be real number, not str
  if (typeof v !== "number") throw new PythonError("TypeError", `must be real number, not ${pyTypeName(v)}`);
  return v;
}

export class Value implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #cell: Int32Array | Float64Array;
  readonly #lock: RLock;

  /**
   * @param shared internal: the cell and lock of an existing value (see `Value.attach`).
   */
  constructor(typecode: unknown, value: unknown = 0, options: PrimitiveOptions = {}, shared?: { cell: Int32Array | Float64Array; lock: RLock }) {
    this.profile = checkProfile(options.profile);
    // observed: mp.Value('x', 1) -> TypeError: this type has no size
    if (typecode !== "i" && typecode !== "d") throw new PythonError("TypeError", "this type has no size");
    this.typecode = typecode;
    if (shared) {
      this.#cell = shared.cell;
      this.#lock = shared.lock;
    } else {
      // The initial value goes through the same conversion as a store.
      const v = converted(typecode, value);
      this.#cell = typecode === "i" ? new Int32Array(new SharedArrayBuffer(4)) : new Float64Array(new SharedArrayBuffer(8));
      this.#cell[0] = v;
      this.#lock = new RLock({ profile: this.profile });
    }
  }

  /** Rebuild a value from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Value {
    const profile = checkHandle(handle, "Value");
    const typecode = handle.typecode as Typecode;
    const buffer = sharedBuffer(handle, "state");
    const cell = typecode === "i" ? new Int32Array(buffer) : new Float64Array(buffer);
    return new Value(typecode, undefined, { profile }, { cell, lock: RLock.attach(handle.lock as ObjectHandle) });
  }

  handle(): ObjectHandle {
    return { primitive: "Value", profile: this.profile, typecode: this.typecode, state: this.#cell.buffer, lock: this.#lock.handle() };
  }

  /** The wrapper's recursive lock (CPython: a multiprocessing.RLock by default). */
  get_lock(): RLock {
    return this.#lock;
  }

  /** The wrapped ctypes object: a RawValue over the same shared cell, with no lock. */
  get_obj(): RawValue {
    return new RawValue(this.typecode, undefined, { profile: this.profile }, this.#cell);
  }

  /** Read under the lock (CPython's synchronized property getter). */
  get value(): number {
    this.#lock.acquire();
    try {
      return this.#cell[0];
    } finally {
      this.#lock.release();
    }
  }

  /** Store under the lock (CPython's synchronized property setter); a C int wraps around. */
  set value(v: unknown) {
    this.#lock.acquire();
    try {
      this.#cell[0] = converted(this.typecode, v);
    } finally {
      this.#lock.release();
    }
  }
}

/**
 * multiprocessing.RawValue(typecode, value): the bare shared ctypes object, with no lock and no
 * get_lock(). Each read and each write of `value` is one access to the shared cell.
 */
export class RawValue implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #cell: Int32Array | Float64Array;

  /** @param shared internal: the cell of an existing value (see `RawValue.attach`). */
  constructor(typecode: unknown, value: unknown = 0, options: PrimitiveOptions = {}, shared?: Int32Array | Float64Array) {
    this.profile = checkProfile(options.profile);
    // observed: mp.RawValue('x', 1) -> TypeError: this type has no size
    if (typecode !== "i" && typecode !== "d") throw new PythonError("TypeError", "this type has no size");
    this.typecode = typecode;
    if (shared) {
      this.#cell = shared;
    } else {
      const v = converted(typecode, value);
      this.#cell = typecode === "i" ? new Int32Array(new SharedArrayBuffer(4)) : new Float64Array(new SharedArrayBuffer(8));
      this.#cell[0] = v;
    }
  }

  static attach(handle: ObjectHandle): RawValue {
    const profile = checkHandle(handle, "RawValue");
    const typecode = handle.typecode as Typecode;
    const buffer = sharedBuffer(handle, "state");
    return new RawValue(typecode, undefined, { profile }, typecode === "i" ? new Int32Array(buffer) : new Float64Array(buffer));
  }

  handle(): ObjectHandle {
    return { primitive: "RawValue", profile: this.profile, typecode: this.typecode, state: this.#cell.buffer };
  }

  get value(): number {
    return this.typecode === "i" ? Atomics.load(this.#cell as Int32Array, 0) : this.#cell[0];
  }

  set value(v: unknown) {
    const x = converted(this.typecode, v);
    if (this.typecode === "i") Atomics.store(this.#cell as Int32Array, 0, x);
    else this.#cell[0] = x;
  }
}
