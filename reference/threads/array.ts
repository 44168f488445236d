/**
 * Shared ctypes arrays: multiprocessing.RawArray(typecode, size_or_initializer), an array of
 * the typecode's C type ('b', 'B', 'h', 'H', 'i', 'I', 'f' or 'd'; see value.ts `Typecode`) in a
 * SharedArrayBuffer, and multiprocessing.Array(...) (lock=True),
 * the same array behind CPython's synchronized wrapper (multiprocessing.sharedctypes
 * .SynchronizedArray): every item or slice read and write holds the wrapper's recursive lock,
 * which get_lock() returns. So `a[i] += 1` (a read, then a write) is not atomic, while the same
 * update under `get_lock()` is.
 *
 * Item access is through `getitem(key)` and `setitem(key, value)` (Python's `a[key]` and
 * `a[key] = value`): a key is an int, or a slice value `{"$slice": [start, stop]}` /
 * `{"$slice": [start, stop, step]}` whose parts are ints or null.
 */
import type { JsonValue } from "../../spec/format.js";
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { PythonError } from "../implementation.js";
import { Lock, RLock } from "./lock.js";
import { checkHandle, checkProfile, noAttribute, type PrimitiveOptions, type Profile } from "./profile.js";
// Item conversions, cells and typecodes are Value's: the same ctypes types (observed: mp.Array(tc, [x])[:]
// and a[0] = x store and raise as Value's setter does, for tc in 'bBhHiIfd' and x in 300, -129, 2**32+5, -1,
// True, 1.5, 'x', None, [1]).
import { CTYPES_NAME, CharCells, WcharCells, cellsOf, converted, isTypecode, itemsize, load, newCells, pyTypeName, store, type Cells, type Item, type Typecode, type ValueLock } from "./value.js";
import { type Factory } from "./factory.js";
import { lockArg, sharedCtypes } from "./shared-ctypes.js";

// A Py_ssize_t holds [-2**63, 2**63); every JS number outside it is also outside exactly.
const SSIZE_LIMIT = 2 ** 63;
const outsideSsize = (n: number) => n >= SSIZE_LIMIT || n < -SSIZE_LIMIT;

/** A Python int (bools are ints), as a number; null if `v` is no int. */
function pyInt(v: unknown): number | null {
  if (typeof v === "boolean") return v ? 1 : 0;
  return typeof v === "number" && Number.isInteger(v) ? v : null;
}

/**
 * The items of a Python sequence or iterable given as JSON: a list, a str (its characters) or a
 * dict (its keys); null for anything without a len().
 */
function itemsOf(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (typeof v === "string") return [...v];
  if (typeof v === "object" && v !== null) return Object.keys(v);
  return null;
}

/**
 * The cells of a new array, following CPython's RawArray step by step:
 * `type_ = typecode_to_type.get(typecode, typecode)`, then `type_ * n` (n the size, or the
 * initializer's len()), then `ctypes.sizeof(type_)`, then `__init__(*initializer)`.
 */
function allocate(typecode: unknown, sizeOrInitializer: unknown): { typecode: Typecode; cells: Cells } {
  // observed: mp.Array([1], 3) -> TypeError: unhashable type: 'list' (mp.Array({}, 3): 'dict')
  if (typeof typecode === "object" && typecode !== null) {
    throw new PythonError("TypeError", `unhashable type: '${pyTypeName(typecode)}'`);
  }
  let n = pyInt(sizeOrInitializer);
  let items: unknown[] | null = null;
  if (n === null) {
    items = itemsOf(sizeOrInitializer);
    // observed: mp.Array('i', 1.5) -> TypeError: object of type 'float' has no len() (also before a bad typecode: mp.Array('x', None))
    if (items === null) throw new PythonError("TypeError", `object of type '${pyTypeName(sizeOrInitializer)}' has no len()`);
    n = items.length;
  }
  if (!isTypecode(typecode)) {
    // observed: mp.Array(None, 3) -> TypeError: unsupported operand type(s) for *: 'NoneType' and 'int'
    if (typecode === null || typecode === undefined) {
      throw new PythonError("TypeError", "unsupported operand type(s) for *: 'NoneType' and 'int'");
    }
    // A str typecode is repeated n times: observed mp.Array('x', 2**63) -> OverflowError: cannot fit 'int' into an index-sized integer
    if (typeof typecode === "string" && outsideSsize(n)) {
      throw new PythonError("OverflowError", "cannot fit 'int' into an index-sized integer");
    }
    // observed: mp.Array('x', 3), mp.Array('x', -1), mp.Array(1, 3), mp.Array(1.5, [1]) -> TypeError: this type has no size
    // (CPython's 'c', 'u', 'l', 'L', 'q', 'Q' are not implemented: they are refused the same way, as Value does.)
    throw new PythonError("TypeError", "this type has no size");
  }
  // observed: mp.Array('i', 2**63), mp.Array('i', -2**63-1) -> OverflowError: cannot fit 'int' into an index-sized integer
  if (outsideSsize(n)) throw new PythonError("OverflowError", "cannot fit 'int' into an index-sized integer");
  // observed: mp.Array('i', -1) -> ValueError: Array length must be >= 0, not -1 (BigInt prints -2**63 exactly)
  if (n < 0) throw new PythonError("ValueError", `Array length must be >= 0, not ${BigInt(n)}`);
  // observed: mp.Array('i', 2**61), mp.Array('d', 2**60), mp.Array('h', 2**62), mp.Array('f', 2**61)
  //   -> OverflowError: array too large (n * itemsize > 2**63-1; never for the 1-byte 'b' and 'B':
  //   observed ctypes.sizeof(ctypes.c_byte * (2**63-1)) -> 9223372036854775807)
  if (n >= SSIZE_LIMIT / itemsize(typecode)) throw new PythonError("OverflowError", "array too large");
  // Smaller sizes that a SharedArrayBuffer cannot hold fail with the JS RangeError (CPython: MemoryError or such).
  const cells = newCells(typecode, n);
  if (items) {
    // observed: mp.Array('i', [1, 'x', 1.5]) -> TypeError: 'str' object cannot be interpreted as an integer (the first bad item)
    // observed: mp.Array('i', 'ab') -> the same (a str is a sequence of 1-char strs); mp.Array('i', '')[:] -> []
    // observed: mp.Array('i', {})[:] -> [] (a dict's items are its keys)
    // observed: mp.Array('B', [256, -1])[:] -> [0, 255]; mp.RawArray('f', [0.1])[:] -> [0.10000000149011612]
    items.forEach((v, i) => store(cells, i, converted(typecode, v)));
  }
  return { typecode, cells };
}

/** The positions a slice selects: start, start + step, ... (`length` of them). */
interface Slice {
  start: number;
  step: number;
  length: number;
}

/** A slice part: an int (bools are ints) or null. */
function sliceIndex(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = pyInt(v);
  // observed: a[1.5:], a[:'x'], a[::1.5] -> TypeError: slice indices must be integers or None or have an __index__ method
  if (n === null) throw new PythonError("TypeError", "slice indices must be integers or None or have an __index__ method");
  return n;
}

/** CPython's PySlice_Unpack + PySlice_AdjustIndices over an array of `length` items. */
function unpackSlice(parts: unknown[], length: number): Slice {
  // The step first: observed a[1.5::0] -> ValueError: slice step cannot be zero
  const step = sliceIndex(parts[2]) ?? 1;
  // observed: a[::0] -> ValueError: slice step cannot be zero
  if (step === 0) throw new PythonError("ValueError", "slice step cannot be zero");
  // Out-of-range bounds clamp (observed: a[-100:100] is all of a, a[2**70:] is []).
  const adjust = (i: number | null, missing: number): number => {
    if (i === null) i = missing;
    if (i < 0) {
      i += length;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= length) {
      i = step < 0 ? length - 1 : length;
    }
    return i;
  };
  const start = adjust(sliceIndex(parts[0]), step < 0 ? Infinity : 0);
  const stop = adjust(sliceIndex(parts[1]), step < 0 ? -Infinity : Infinity);
  let count = 0;
  if (step < 0 && stop < start) count = Math.floor((start - stop - 1) / -step) + 1;
  else if (step > 0 && start < stop) count = Math.floor((stop - start - 1) / step) + 1;
  return { start, step, length: count };
}

/** The `{"$slice": [...]}` parts of a slice key, or null if `key` is no slice value. */
function sliceParts(key: unknown): unknown[] | null {
  if (typeof key !== "object" || key === null || !Object.hasOwn(key, "$slice")) return null;
  const parts = (key as { $slice: unknown }).$slice;
  if (!Array.isArray(parts) || (parts.length !== 2 && parts.length !== 3) || Object.keys(key).length !== 1) {
    throw new TypeError(`${JSON.stringify(key)} is not a slice value: expected {"$slice": [start, stop]} or {"$slice": [start, stop, step]}`);
  }
  return parts;
}

/** The item index or the slice that `key` denotes in an array of `length` items. */
function subscript(key: unknown, length: number, assigning: boolean): number | Slice {
  const parts = sliceParts(key);
  if (parts) return unpackSlice(parts, length);
  let i = pyInt(key);
  if (i === null) {
    // observed: a[1.5], a[None], a['a'], a[[1]] -> TypeError: indices must be integers
    // observed: a[1.5] = 7 (also a[None], a['a']) -> TypeError: indices must be integer  (sic: no 's' when assigning)
    throw new PythonError("TypeError", assigning ? "indices must be integer" : "indices must be integers");
  }
  // observed: a[2**63] (and a[2**63] = 1) -> IndexError: cannot fit 'int' into an index-sized integer
  if (outsideSsize(i)) throw new PythonError("IndexError", "cannot fit 'int' into an index-sized integer");
  // observed: a = mp.Array('i', [10, 20, 30, 40, 50]); a[-1] -> 50; a[5], a[-6] (and a[5] = 7) -> IndexError: invalid index
  if (i < 0) i += length;
  if (i < 0 || i >= length) throw new PythonError("IndexError", "invalid index");
  return i;
}

function getitem(cells: Cells, key: unknown): Item | Item[] {
  const at = subscript(key, cells.length, false);
  if (typeof at === "number") return load(cells, at);
  // observed: a[::-1] -> [50, 40, 30, 20, 10]; a[4:0:-2] -> [50, 30]; a[3:1] -> []
  const items = Array.from({ length: at.length }, (_, k) => load(cells, at.start + k * at.step));
  // observed: mp.Array('c', b'abc')[0:2] -> b'ab'; mp.Array('u', 'abc')[0:2] -> 'ab' (a bytes, a str: not lists)
  if (cells instanceof CharCells) return { $bytes: items.map((x) => (x as { $bytes: string }).$bytes).join("") };
  if (cells instanceof WcharCells) return items.join("");
  return items;
}

function setitem(typecode: Typecode, cells: Cells, key: unknown, value: unknown): void {
  // The key is checked before the value: observed a[5] = 'x' -> IndexError: invalid index
  const at = subscript(key, cells.length, true);
  if (typeof at === "number") {
    store(cells, at, converted(typecode, value));
    return;
  }
  // ctypes takes len(value), and any failure of it counts as a wrong size:
  // observed: a[0:2] = [1], a[0:2] = 5, a[0:2] = None, a[0:2] = {'a': 1, 'b': 2}, a[0:0] = 5
  //   -> ValueError: Can only assign sequence of same size
  // A dict is no sequence here (unlike the initializer, whose items are the dict's keys).
  const items = typeof value === "object" && value !== null && !Array.isArray(value) ? null : itemsOf(value);
  if (items === null || items.length !== at.length) throw new PythonError("ValueError", "Can only assign sequence of same size");
  // Item by item: observed a = mp.Array('i', 3); a[0:2] = [1, 'x'] -> TypeError: 'str' object cannot be
  // interpreted as an integer, and a[0] == 1 (the items before the bad one are stored).
  // observed: a[0:2] = 'ab' -> TypeError: 'str' object cannot be interpreted as an integer (a str is a sequence)
  items.forEach((v, k) => store(cells, at.start + k * at.step, converted(typecode, v)));
}

/**
 * Both constructor arguments are required (JSON has no undefined: it means one was left out).
 * A call-shape error, so a plain JS TypeError, as module.ts raises for too many arguments.
 */
function checkArity(name: string, typecode: unknown, sizeOrInitializer: unknown): void {
  // observed: mp.Array() -> TypeError: BaseContext.Array() missing 2 required positional arguments: 'typecode_or_type' and 'size_or_initializer'
  if (typecode === undefined) {
    throw new TypeError(`${name}() missing 2 required positional arguments: 'typecode_or_type' and 'size_or_initializer'`);
  }
  // observed: mp.Array('i') -> TypeError: BaseContext.Array() missing 1 required positional argument: 'size_or_initializer'
  if (sizeOrInitializer === undefined) throw new TypeError(`${name}() missing 1 required positional argument: 'size_or_initializer'`);
}

/**
 * multiprocessing.RawArray(typecode, size_or_initializer): the bare shared ctypes array, with
 * no lock and no get_lock()/get_obj(). Each item read or write is one access to shared memory;
 * a slice is read or written item by item.
 */
export class RawArray implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #cells: Cells;

  /**
   * @param sizeOrInitializer an int n (n zeros), or a list (a str, a dict) of initial items.
   * @param shared internal: the cells of an existing array (see `RawArray.attach`).
   */
  constructor(typecode: unknown, sizeOrInitializer: unknown, options: PrimitiveOptions = {}, shared?: { typecode: Typecode; cells: Cells }) {
    this.profile = checkProfile(options.profile);
    if (!shared) checkArity("RawArray", typecode, sizeOrInitializer);
    const { typecode: t, cells } = shared ?? allocate(typecode, sizeOrInitializer);
    this.typecode = t;
    this.#cells = cells;
  }

  /** Rebuild an array from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): RawArray {
    const profile = checkHandle(handle, "RawArray");
    return new RawArray(undefined, undefined, { profile }, cellsOf(handle));
  }

  handle(): ObjectHandle {
    return { primitive: "RawArray", profile: this.profile, typecode: this.typecode, state: this.#cells.buffer };
  }

  /** `a[key]`: an item (a number), or a list of them for a slice. */
  getitem(key: unknown): Item | Item[] {
    return getitem(this.#cells, key);
  }

  /** `a[key] = value`; for a slice, `value` is a list of the slice's length. */
  setitem(key: unknown, value: unknown): void {
    setitem(this.typecode, this.#cells, key, value);
  }

  // A bare ctypes array has neither (multiprocessing.Array(..., lock=False) returns one).
  // observed: multiprocessing.Array('i', 3, lock=False).get_lock() -> AttributeError: 'c_int_Array_3' object has no attribute 'get_lock'
  get_lock(): never {
    throw noAttribute(`${CTYPES_NAME[this.typecode]}_Array_${this.#cells.length}`, "get_lock");
  }

  get_obj(): never {
    throw noAttribute(`${CTYPES_NAME[this.typecode]}_Array_${this.#cells.length}`, "get_obj");
  }
}

/**
 * multiprocessing.Array(typecode, size_or_initializer) with lock=True (the default): CPython's
 * SynchronizedArray (observed: type(mp.Array('i', 3)) is multiprocessing.sharedctypes.SynchronizedArray).
 * getitem and setitem hold the wrapper's RLock (CPython: `with self: return self._obj[i]`);
 * get_obj() is the RawArray inside, sharing its memory and taking no lock.
 */
export class SynchronizedArray implements SharedPrimitive {
  readonly profile: Profile;
  readonly typecode: Typecode;
  readonly #obj: RawArray;
  readonly #lock: ValueLock;

  /**
   * @param sizeOrInitializer an int n (n zeros), or a list (a str, a dict) of initial items.
   * @param options.lock the `lock=` argument's object (a Lock or RLock); by default a new RLock.
   *   With a Lock, `with a.get_lock(): a[i] += 1` deadlocks, as in CPython.
   * @param shared internal: the array and lock of an existing one (see `SynchronizedArray.attach`).
   */
  constructor(typecode: unknown, sizeOrInitializer: unknown, options: PrimitiveOptions & { lock?: ValueLock } = {}, shared?: { obj: RawArray; lock: ValueLock }) {
    this.profile = checkProfile(options.profile);
    if (!shared) checkArity("Array", typecode, sizeOrInitializer);
    this.#obj = shared?.obj ?? new RawArray(typecode, sizeOrInitializer, { profile: this.profile });
    this.#lock = shared?.lock ?? options.lock ?? new RLock({ profile: this.profile });
    this.typecode = this.#obj.typecode;
  }

  /** Rebuild an array from `handle()`, typically in another thread. */
  static attach(handle: ObjectHandle): SynchronizedArray {
    const profile = checkHandle(handle, "Array");
    const obj = new RawArray(undefined, undefined, { profile }, cellsOf(handle));
    const lockHandle = handle.lock as ObjectHandle;
    return new SynchronizedArray(undefined, undefined, { profile }, { obj, lock: lockHandle.primitive === "Lock" ? Lock.attach(lockHandle) : RLock.attach(lockHandle) });
  }

  handle(): ObjectHandle {
    const { typecode, state } = this.#obj.handle();
    return { primitive: "Array", profile: this.profile, typecode, state, lock: this.#lock.handle() };
  }

  /** The wrapper's lock (CPython: a multiprocessing.RLock by default, or the `lock=` argument). */
  get_lock(): ValueLock {
    return this.#lock;
  }

  /** The raw array inside: the same memory, no lock (observed: a.get_obj() is a.get_obj() -> True). */
  get_obj(): RawArray {
    return this.#obj;
  }

  /** The lock's acquire (CPython's SynchronizedBase sets `self.acquire = self._lock.acquire`). */
  acquire(block: boolean = true, timeout: number | null = null): boolean {
    return this.#lock.acquire(block, timeout);
  }

  /** The lock's release (`self.release = self._lock.release`). */
  release(): void {
    this.#lock.release();
  }

  /** `a[key]` under the lock. */
  getitem(key: unknown): Item | Item[] {
    this.#lock.acquire();
    try {
      return this.#obj.getitem(key);
    } finally {
      this.#lock.release();
    }
  }

  /** `a[key] = value` under the lock; a slice is stored item by item, all under the lock. */
  setitem(key: unknown, value: unknown): void {
    this.#lock.acquire();
    try {
      this.#obj.setitem(key, value);
    } finally {
      this.#lock.release();
    }
  }
}

/** sharedctypes.Array: as Value (shared-ctypes.ts). */
function arrayOf(a: JsonValue[], o: PrimitiveOptions, kw: Record<string, unknown>): SharedPrimitive {
  return sharedCtypes(lockArg(kw), () => new RawArray(a[0], a[1], o), (lock) => new SynchronizedArray(a[0], a[1], lock ? { ...o, lock } : o));
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  // Array(typecode, size_or_initializer, *, lock): the first two required (a missing one is a
  // TypeError); lock as for Value.
  { primitive: "Array", arity: 2, keywords: ["lock"], make: (a, o, kw) => arrayOf(a, o, kw), attach: SynchronizedArray.attach },
  { primitive: "RawArray", arity: 2, make: (a, o) => new RawArray(a[0], a[1], o), attach: RawArray.attach },
];
