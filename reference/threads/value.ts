/**
 * A shared ctypes value (multiprocessing.Value(typecode, value), lock=True): one C number of
 * the typecode's type (see `Typecode`) in a SharedArrayBuffer, and the recursive lock that
 * get_lock() returns. As in CPython's synchronized wrapper (multiprocessing.sharedctypes), the
 * `value` property's getter and setter each hold that lock, so `v.value += 1` (a get, then a
 * set) is not atomic, while the same update under `get_lock()` is.
 */
import type { JsonValue } from "../../spec/format.js";
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { PythonError } from "../implementation.js";
import { PyBytes, decodeBytesValue, isPyBytes } from "../bytes.js";
import { Lock, RLock } from "./lock.js";
import { checkHandle, checkProfile, noAttribute, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";
import { lockArg, sharedCtypes } from "./shared-ctypes.js";

/**
 * The typecodes implemented (multiprocessing.sharedctypes.typecode_to_type): 'b' signed char,
 * 'B' unsigned char, 'h' short, 'H' unsigned short, 'i' int, 'I' unsigned int, 'l' long,
 * 'L' unsigned long, 'q' long long, 'Q' unsigned long long (64 bits, as on CPython's x86-64
 * Linux), 'f' float, 'd' double, 'c' char (a bytes object of length 1: `{"$bytes": "x"}`) and
 * 'u' wchar_t (a str of length 1; 4 bytes, as on Linux).
 */
export type Typecode = "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "f" | "d" | "c" | "u";

/** The cells of a 'c' value or array: bytes, read back as `{"$bytes": ...}`. */
export class CharCells extends Uint8Array {}
/** The cells of a 'u' value or array: code points (wchar_t is 4 bytes on Linux), read back as strings. */
export class WcharCells extends Uint32Array {}

/** A typed-array constructor over shared memory. */
interface View {
  new (buffer: SharedArrayBuffer): Cells;
  readonly BYTES_PER_ELEMENT: number;
}

/** The typed array of each typecode's C type (sizes as on CPython's x86-64 Linux: ctypes.sizeof). */
const VIEWS: Readonly<Record<Typecode, View>> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
  c: CharCells,
  u: WcharCells,
};

/** The shared cells of an integer typecode: every one works with Atomics. */
export type IntegerCells = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
/** The shared cells of a 64-bit integer typecode (Atomics too, with bigints). */
export type BigCells = BigInt64Array | BigUint64Array;
/** The shared cells of a value or an array. */
export type Cells = IntegerCells | BigCells | Float32Array | Float64Array;
/** What one cell reads as: a number, `{"$bytes": <one byte>}` for 'c', a one-character string for 'u'. */
export type Item = number | string | { $bytes: string };

/** Whether `v` is an implemented typecode (own keys only: not "constructor" and such). */
export function isTypecode(v: unknown): v is Typecode {
  return typeof v === "string" && Object.hasOwn(VIEWS, v);
}

/** ctypes.sizeof of the typecode's type, in bytes. */
export function itemsize(typecode: Typecode): number {
  return VIEWS[typecode].BYTES_PER_ELEMENT;
}

/** `n` zeroed cells of the typecode's type in a new SharedArrayBuffer. */
export function newCells(typecode: Typecode, n: number): Cells {
  return new VIEWS[typecode](new SharedArrayBuffer(n * itemsize(typecode)));
}

/**
 * The typecode and cells that a handle's `typecode` and `state` fields describe (the view that
 * `newCells` made, re-created over the same memory).
 */
export function cellsOf(handle: ObjectHandle): { typecode: Typecode; cells: Cells } {
  const buffer = sharedBuffer(handle, "state");
  const typecode = handle.typecode;
  if (!isTypecode(typecode)) throw new TypeError(`${handle.primitive} handle has an unknown typecode ${JSON.stringify(typecode)}`);
  return { typecode, cells: new VIEWS[typecode](buffer) };
}

const isFloat = (cells: Cells): cells is Float32Array | Float64Array => cells instanceof Float32Array || cells instanceof Float64Array;
const isBig = (cells: Cells): cells is BigCells => cells instanceof BigInt64Array || cells instanceof BigUint64Array;

/**
 * One read of a cell: an atomic load for the integer types, a plain read for 'f' and 'd'. A
 * 64-bit integer is reported as a number (exact within 2**53; beyond, as JSON would carry it);
 * 'c' as `{"$bytes": <the byte>}`, 'u' as a one-character string.
 */
export function load(cells: Cells, i: number): Item {
  // (a 64-bit unsigned cell above 2**53 gives an object standing for its number: see bigItem)
  if (isFloat(cells)) return cells[i]!;
  if (isBig(cells)) return bigItem(Atomics.load(cells, i)) as Item;
  const raw = Atomics.load(cells, i);
  if (cells instanceof CharCells) return { $bytes: String.fromCharCode(raw) };
  if (cells instanceof WcharCells) return String.fromCodePoint(raw);
  return raw;
}

/**
 * A 64-bit cell's value as a number: exact within 2**53, which is all the integers generated
 * scenarios use, but for an unsigned cell holding a wrapped negative (observed:
 * mp.Value('Q', 0).value = -129 -> 18446744073709551487). That one is an object reported as the
 * number JSON would carry (its toJSON(), in the PyBytes shape the executor reports by toJSON())
 * and which, in the executor's `v.value += delta`, converts to its two's complement value
 * (-129): that plus delta stored back wraps modulo 2**64 exactly as CPython's does (to
 * 18446744073709551488), where the nearest double to 2**64 - 129 would not.
 */
function bigItem(v: bigint): number | object {
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  const signed = Number(BigInt.asIntN(64, v));
  if (signed < 0 && signed >= -Number.MAX_SAFE_INTEGER) {
    return { data: new Uint8Array(0), mutable: false, toJSON: (): number => Number(v), [Symbol.toPrimitive]: (): number => signed };
  }
  return Number(v);
}

/**
 * One write of a cell: an atomic store for the integer types, a plain write for 'f' and 'd'.
 * Either converts as a typed-array store does: an integer wraps modulo 2**bits into the type's
 * range (64 bits too), a Float32Array rounds to the nearest float32.
 */
export function store(cells: Cells, i: number, v: number): void {
  if (isFloat(cells)) cells[i] = v;
  else if (isBig(cells)) Atomics.store(cells, i, BigInt(v));
  else Atomics.store(cells, i, v);
}

/** The bytes of a bytes-like value (a call's PyBytes, or a constructor argument still in its protocol form), else undefined. */
function bytesOf(v: unknown): Uint8Array | undefined {
  if (isPyBytes(v)) return v.data;
  try {
    return decodeBytesValue(v)?.data;
  } catch {
    return undefined;
  }
}
const isBytes = (v: unknown): boolean => bytesOf(v) !== undefined;

/**
 * The `value` attribute of a 'c' or 'u' Value as the executor's `v.value += delta` must see it:
 * Python raises TypeError for bytes or str plus an int (observed: mp.Value('c', b'a').value += 1
 * -> TypeError: can't concat int to bytes; mp.Value('u', 'a').value += 1 -> TypeError: can only
 * concatenate str (not "int") to str), where JavaScript's `+` would concatenate. So the item is
 * an object whose conversion to a primitive raises that TypeError, and which is reported in its
 * protocol form: a PyBytes for 'c'; for 'u', an object of PyBytes's shape whose toJSON() is the
 * string (the executor reports any PyBytes-shaped result by its toJSON()).
 */
function pythonItem(item: Item): unknown {
  if (typeof item === "object" && "$bytes" in item) {
    const b = new PyBytes(decodeBytesValue(item)!.data, false);
    return Object.assign(b, {
      [Symbol.toPrimitive]: (): never => {
        throw new PythonError("TypeError", "can't concat int to bytes");
      },
    });
  }
  if (typeof item === "string") {
    return {
      data: new Uint8Array(0),
      mutable: false,
      toJSON: (): string => item,
      [Symbol.toPrimitive]: (): never => {
        throw new PythonError("TypeError", 'can only concatenate str (not "int") to str');
      },
    };
  }
  return item;
}

/** Python's type name of a JSON-ish value, for error messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (Array.isArray(v)) return "list";
  if (isBytes(v)) return "bytes";
  return "dict";
}

/**
 * The number a cell of the typecode's C type is given for `v` (the cell's typed array then
 * wraps or rounds it as C does), or the TypeError CPython raises.
 */
export function converted(typecode: Typecode, v: unknown): number {
  if (typecode === "c") {
    // observed: mp.Value('c', b'a').value = b'x' -> b'x'; = 7 -> b'\x07'; = b'xy', b'', 'x', 300, -1, 2.5, None
    //   -> TypeError: one character bytes, bytearray or integer expected
    const b = bytesOf(v);
    if (b !== undefined && b.length === 1) return b[0]!;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 255) return v;
    throw new PythonError("TypeError", "one character bytes, bytearray or integer expected");
  }
  if (typecode === "u") {
    // observed: mp.Value('u', 'a').value = 'x' -> 'x'; = 'xy' or '' -> TypeError: one character unicode string expected;
    //   = 7 -> TypeError: unicode string expected instead of int instance (2.5 float, b'x' bytes, None NoneType)
    if (typeof v === "string") {
      const cps = [...v];
      if (cps.length !== 1) throw new PythonError("TypeError", "one character unicode string expected");
      return cps[0]!.codePointAt(0)!;
    }
    throw new PythonError("TypeError", `unicode string expected instead of ${pyTypeName(v)} instance`);
  }
  if (typecode !== "f" && typecode !== "d") {
    // observed: mp.Value(tc, 0).value = True -> 1, for tc in 'bBhHiI'
    if (typeof v === "boolean") return v ? 1 : 0;
    // observed: mp.Value(tc, 0).value = 1.5 (or 'x', None, b'x') -> TypeError: 'float' object cannot be interpreted as an integer, for tc in 'bBhHiIlLqQ'
    if (typeof v !== "number" || !Number.isInteger(v)) {
      throw new PythonError("TypeError", `'${pyTypeName(v)}' object cannot be interpreted as an integer`);
    }
    // No overflow checking: the value wraps modulo 2**bits into the type's range, as the typed-array store does.
    // observed: v.value = 300, -129, 70000, 2**31, 2**32+5, -1 then v.value ->
    //   'b': 44, 127, 112, 0, 5, -1; 'B': 44, 127, 112, 0, 5, 255; 'h': 300, -129, 4464, 0, 5, -1;
    //   'H': 300, 65407, 4464, 0, 5, 65535; 'i': 300, -129, 70000, -2147483648, 5, -1;
    //   'I': 300, 4294967167, 70000, 2147483648, 5, 4294967295 (and 2**64+3 -> 3, 2**70 -> 0 for every one);
    //   'L', 'Q': -1 -> 18446744073709551615, 2**64 + 5 -> 5; 'l', 'q': 2**63 -> -9223372036854775808
    return v;
  }
  // observed: mp.Value('d', 0).value = True -> 1.0 (also 'f')
  if (typeof v === "boolean") return v ? 1 : 0;
  // observed: mp.Value('d', 0.5).value = 'x' -> TypeError: must be real number, not str (also 'f'; None -> NoneType, b'x' -> bytes)
  if (typeof v !== "number") throw new PythonError("TypeError", `must be real number, not ${pyTypeName(v)}`);
  // 'f' rounds to float32 on the store: observed mp.Value('f', 0).value = 2**32+5 -> 4294967296.0,
  // mp.Value('f', 0.1).value -> 0.10000000149011612, 16777217 -> 16777216.0, 1e300 -> inf, 1e-50 -> 0.0
  return v;
}

/** The ctypes class CPython builds for a typecode (its name shows in AttributeError messages). */
export const CTYPES_NAME: Record<Typecode, string> = {
  b: "c_byte", B: "c_ubyte", h: "c_short", H: "c_ushort", i: "c_int", I: "c_uint",
  // observed on 64-bit Linux: c_longlong is c_long, so 'q' and 'Q' objects are c_long / c_ulong
  l: "c_long", L: "c_ulong", q: "c_long", Q: "c_ulong", f: "c_float", d: "c_double", c: "c_char", u: "c_wchar",
};

/** What a synchronized wrapper holds around each access: an RLock (the default) or a Lock passed as `lock=`. */
export type ValueLock = Lock | RLock;

const attachLock = (h: ObjectHandle): ValueLock => (h.primitive === "Lock" ? Lock.attach(h) : RLock.attach(h));

export class Value implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #cell: Cells;
  readonly #lock: ValueLock;

  /**
   * @param lock the `lock=` argument's object (a Lock or RLock); by default a new RLock. With a
   *   Lock, `with v.get_lock(): v.value += 1` deadlocks, as in CPython: the getter takes it again.
   * @param shared internal: the cell and lock of an existing value (see `Value.attach`).
   */
  constructor(typecode: unknown, value: unknown = 0, options: PrimitiveOptions & { lock?: ValueLock } = {}, shared?: { cell: Cells; lock: ValueLock }) {
    this.profile = checkProfile(options.profile);
    // observed: mp.Value('x', 1) -> TypeError: this type has no size
    if (!isTypecode(typecode)) throw new PythonError("TypeError", "this type has no size");
    this.typecode = typecode;
    if (shared) {
      this.#cell = shared.cell;
      this.#lock = shared.lock;
    } else {
      // The initial value goes through the same conversion as a store (observed: mp.Value('b', 300).value -> 44).
      const v = converted(typecode, value);
      this.#cell = newCells(typecode, 1);
      store(this.#cell, 0, v);
      this.#lock = options.lock ?? new RLock({ profile: this.profile });
    }
  }

  /** Rebuild a value from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): Value {
    const profile = checkHandle(handle, "Value");
    const { typecode, cells } = cellsOf(handle);
    return new Value(typecode, undefined, { profile }, { cell: cells, lock: attachLock(handle.lock as ObjectHandle) });
  }

  handle(): ObjectHandle {
    return { primitive: "Value", profile: this.profile, typecode: this.typecode, state: this.#cell.buffer, lock: this.#lock.handle() };
  }

  /** The wrapper's lock (CPython: a multiprocessing.RLock by default, or the `lock=` argument). */
  get_lock(): ValueLock {
    return this.#lock;
  }

  /** The wrapped ctypes object: a RawValue over the same shared cell, with no lock. */
  get_obj(): RawValue {
    return new RawValue(this.typecode, undefined, { profile: this.profile }, this.#cell);
  }

  /** Read under the lock (CPython's synchronized property getter). */
  get value(): unknown {
    this.#lock.acquire();
    try {
      return pythonItem(load(this.#cell, 0));
    } finally {
      this.#lock.release();
    }
  }

  /** Store under the lock (CPython's synchronized property setter); an integer wraps around, a 'f' rounds to float32. */
  set value(v: unknown) {
    this.#lock.acquire();
    try {
      store(this.#cell, 0, converted(this.typecode, v));
    } finally {
      this.#lock.release();
    }
  }
}

/**
 * multiprocessing.RawValue(typecode, value): the bare shared ctypes object, with no lock and no
 * get_lock(). Each read and each write of `value` is one access to the shared cell (atomic for
 * the integer types).
 */
export class RawValue implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #cell: Cells;

  /** @param shared internal: the cell of an existing value (see `RawValue.attach`). */
  constructor(typecode: unknown, value: unknown = 0, options: PrimitiveOptions = {}, shared?: Cells) {
    this.profile = checkProfile(options.profile);
    // observed: mp.RawValue('x', 1) -> TypeError: this type has no size
    if (!isTypecode(typecode)) throw new PythonError("TypeError", "this type has no size");
    this.typecode = typecode;
    if (shared) {
      this.#cell = shared;
    } else {
      const v = converted(typecode, value);
      this.#cell = newCells(typecode, 1);
      store(this.#cell, 0, v);
    }
  }

  static attach(handle: ObjectHandle): RawValue {
    const profile = checkHandle(handle, "RawValue");
    const { typecode, cells } = cellsOf(handle);
    return new RawValue(typecode, undefined, { profile }, cells);
  }

  handle(): ObjectHandle {
    return { primitive: "RawValue", profile: this.profile, typecode: this.typecode, state: this.#cell.buffer };
  }

  get value(): unknown {
    return pythonItem(load(this.#cell, 0));
  }

  set value(v: unknown) {
    store(this.#cell, 0, converted(this.typecode, v));
  }

  // A bare ctypes object has neither (multiprocessing.Value(..., lock=False) returns one).
  // observed: multiprocessing.Value('i', 0, lock=False).get_lock() -> AttributeError: 'c_int' object has no attribute 'get_lock'
  get_lock(): never {
    throw noAttribute(CTYPES_NAME[this.typecode], "get_lock");
  }

  get_obj(): never {
    throw noAttribute(CTYPES_NAME[this.typecode], "get_obj");
  }
}

/**
 * sharedctypes.Value: the raw object first, then by `lock` the bare object or a wrapper
 * (shared-ctypes.ts).
 */
function valueOf(a: JsonValue[], o: PrimitiveOptions, kw: Record<string, unknown>): SharedPrimitive {
  const value = a.length > 1 ? a[1] : 0;
  return sharedCtypes(lockArg(kw), () => new RawValue(a[0], value, o), (lock) => new Value(a[0], value, lock ? { ...o, lock } : o));
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  // Value(typecode, value, *, lock): lock=False returns the bare ctypes object (a RawValue); True
  // or None a wrapper with a new RLock; a Lock or RLock (built by `$new`) is the wrapper's lock.
  { primitive: "Value", arity: 2, keywords: ["lock"], make: (a, o, kw) => valueOf(a, o, kw), attach: Value.attach },
  { primitive: "RawValue", arity: 2, make: (a, o) => new RawValue(a[0], a.length > 1 ? a[1] : 0, o), attach: RawValue.attach },
];
