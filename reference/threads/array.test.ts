import { afterEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../spec/format.js";
import { PythonError } from "../implementation.js";
import { RawArray, SynchronizedArray } from "./array.js";
import { RLock } from "./lock.js";
import { attach, create } from "./module.js";
import { evalWorker, terminateEvalWorkers } from "./tests/eval-worker.js";
import { expectPyError } from "./tests/expect-py.js";
import { COUNTER, INSIDE, MAX, flags, runTask, startExclusion, startTask, sum, terminateAll, waitUntil, type CallResult } from "./tests/harness.js";

// A slice value, Python's a[start:stop:step].
const s = (start: number | null, stop: number | null, step?: number | null): JsonValue => ({ $slice: step === undefined ? [start, stop] : [start, stop, step] });
const arr = (typecode: string, init: JsonValue) => create("Array", "multiprocessing", [typecode, init]) as SynchronizedArray;
const raw = (typecode: string, init: JsonValue) => create("RawArray", "multiprocessing", [typecode, init]) as RawArray;
const all = (a: { getitem(k: unknown): unknown }) => a.getitem(s(null, null));

/**
 * Read-modify-write updates in worker threads, which ./tests/worker.ts has no task for: each of
 * `parties` workers (started together) does `iterations` times, for every index in `indexes`,
 * `a[i] = a[i] + 1` (mode "item") or `a[:] = [x + 1 for x in a[:]]` (mode "slice"), under
 * `with a.get_lock():` when `locked`, on `a.get_obj()` when `viaObj`.
 */
const UPDATES = `
  const { attach } = await import(workerData.module);
  const { handle, ready, parties, iterations, indexes, mode, locked, viaObj } = workerData;
  const a = attach(handle);
  const on = viaObj ? a.get_obj() : a;
  const w = new Int32Array(ready);
  Atomics.add(w, 0, 1);
  while (Atomics.load(w, 0) < parties) Atomics.wait(w, 0, Atomics.load(w, 0), 20);
  Atomics.notify(w, 0);
  const step = () => {
    if (mode === "slice") on.setitem({ $slice: [null, null] }, on.getitem({ $slice: [null, null] }).map((x) => x + 1));
    else for (const i of indexes) on.setitem(i, on.getitem(i) + 1);
  };
  for (let n = 0; n < iterations; n++) {
    if (!locked) { step(); continue; }
    const lock = a.get_lock();
    lock.acquire();
    try { step(); } finally { lock.release(); }
  }
  parentPort.postMessage({ ok: true });
`;
const moduleUrl = new URL("./module.ts", import.meta.url).href;

function updates(a: SynchronizedArray | RawArray, opts: { parties: number; iterations: number; indexes?: number[]; mode?: "item" | "slice"; locked: boolean; viaObj?: boolean }) {
  const ready = new SharedArrayBuffer(4);
  return Promise.all(
    Array.from({ length: opts.parties }, async () => {
      const workerData = { module: moduleUrl, handle: a.handle(), ready, indexes: [0], mode: "item", viaObj: false, ...opts };
      const m = await evalWorker<{ ok?: boolean; error?: { stack: string } }>(UPDATES, workerData, 30_000);
      if (!m.ok) throw new Error(`updates failed: ${m.error?.stack}`);
    }),
  );
}

afterEach(async () => {
  await Promise.all([terminateAll(), terminateEvalWorkers()]);
});

/** What each typecode stores for 300, -129, 70000, 2**31, 2**32+5, -1, True, 2**70 (observed, CPython 3.11; 'f' rounds to float32). */
const STORES: [string, number[]][] = [
  ["b", [44, 127, 112, 0, 5, -1, 1, 0]],
  ["B", [44, 127, 112, 0, 5, 255, 1, 0]],
  ["h", [300, -129, 4464, 0, 5, -1, 1, 0]],
  ["H", [300, 65407, 4464, 0, 5, 65535, 1, 0]],
  ["I", [300, 4294967167, 70000, 2147483648, 5, 4294967295, 1, 0]],
  ["f", [300, -129, 70000, 2 ** 31, 2 ** 32, -1, 1, 2 ** 70]],
];

describe("Array construction", () => {
  it.each(["Array", "RawArray"])("%s(typecode, size) makes zeros; (typecode, initializer) converts each item", (primitive) => {
    const make = (tc: string, init: JsonValue) => create(primitive, "multiprocessing", [tc, init]) as RawArray;
    expect(all(make("i", 3))).toEqual([0, 0, 0]);
    expect(all(make("d", 2))).toEqual([0, 0]);
    expect(all(make("i", 0))).toEqual([]);
    expect(all(make("i", true))).toEqual([0]); // observed: mp.Array('i', True)[:] -> [0] (True is the int 1)
    expect(all(make("i", false))).toEqual([]);
    expect(all(make("i", [1, 2, 3]))).toEqual([1, 2, 3]);
    expect(all(make("i", [true, false]))).toEqual([1, 0]);
    expect(all(make("i", [2 ** 31, -(2 ** 31) - 1]))).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect(all(make("d", [1, 2.5, true]))).toEqual([1, 2.5, 1]);
    expect(all(make("i", []))).toEqual([]);
    expect(all(make("i", ""))).toEqual([]); // observed: mp.Array('i', '')[:] -> []
    expect(all(make("i", {}))).toEqual([]); // observed: mp.Array('i', {})[:] -> [] (a dict's items are its keys)
    expect(make("d", [0.5]).typecode).toBe("d");
  });

  it.each(["Array", "RawArray"])("%s converts the initializer's items as each typecode's C type stores them", (primitive) => {
    const make = (tc: string, init: JsonValue) => create(primitive, "multiprocessing", [tc, init]) as RawArray;
    // observed: mp.Array(tc, [300, -129, 70000, 2**31, 2**32+5, -1, True, 2**70])[:] (and mp.RawArray alike)
    const init = [300, -129, 70000, 2 ** 31, 2 ** 32 + 5, -1, true, 2 ** 70];
    for (const [tc, items] of STORES) {
      const a = make(tc, init);
      expect(a.typecode).toBe(tc);
      expect(all(a), tc).toEqual(items);
      expect(all(make(tc, 3)), tc).toEqual([0, 0, 0]); // observed: mp.Array(tc, 3)[:] -> [0, 0, 0] ('f': [0.0, 0.0, 0.0])
      expect(all(make(tc, "")), tc).toEqual([]);
    }
    expect(all(make("B", [256, -1]))).toEqual([0, 255]); // observed: mp.Array('B', [256, -1])[:] -> [0, 255]
    // observed: mp.RawArray('f', [0.1, 1/3, 2**32+5])[:] -> [0.10000000149011612, 0.3333333432674408, 4294967296.0]
    expect(all(make("f", [0.1, 1 / 3, 2 ** 32 + 5]))).toEqual([0.10000000149011612, 0.3333333432674408, 4294967296]);
    expect(all(make("f", [1e300, 16777217, 1.5]))).toEqual([Infinity, 16777216, 1.5]); // observed: [inf, 16777216.0, 1.5]
    // The buffer holds n items of ctypes.sizeof(type): 1, 1, 2, 2, 4, 4, 4, 8 bytes.
    const sizes = ["b", "B", "h", "H", "i", "I", "f", "d"].map((tc) => (make(tc, 3).handle().state as SharedArrayBuffer).byteLength);
    expect(sizes).toEqual([3, 3, 6, 6, 12, 12, 12, 24]);
  });

  it.each(["Array", "RawArray"])("%s refuses what CPython refuses, with its messages", (primitive) => {
    const cases: [JsonValue, JsonValue, string, string][] = [
      ["i", -1, "ValueError", "Array length must be >= 0, not -1"],
      ["d", -1, "ValueError", "Array length must be >= 0, not -1"],
      ["i", -(2 ** 63), "ValueError", "Array length must be >= 0, not -9223372036854775808"],
      ["i", 2 ** 63, "OverflowError", "cannot fit 'int' into an index-sized integer"],
      ["i", 2 ** 61, "OverflowError", "array too large"],
      ["d", 2 ** 60, "OverflowError", "array too large"],
      // observed: mp.Array('h', 2**62), mp.Array('H', 2**62), mp.Array('I', 2**61), mp.Array('f', 2**61) -> OverflowError: array too large
      ["h", 2 ** 62, "OverflowError", "array too large"],
      ["H", 2 ** 62, "OverflowError", "array too large"],
      ["I", 2 ** 61, "OverflowError", "array too large"],
      ["f", 2 ** 61, "OverflowError", "array too large"],
      ["b", -1, "ValueError", "Array length must be >= 0, not -1"],
      ["B", 2 ** 63, "OverflowError", "cannot fit 'int' into an index-sized integer"],
      // observed: mp.Array(tc, [1.5]) -> TypeError: 'float' object cannot be interpreted as an integer, for tc in 'bBhHI'
      ["b", [1.5], "TypeError", "'float' object cannot be interpreted as an integer"],
      ["B", [null], "TypeError", "'NoneType' object cannot be interpreted as an integer"],
      ["h", "ab", "TypeError", "'str' object cannot be interpreted as an integer"],
      ["H", [[1]], "TypeError", "'list' object cannot be interpreted as an integer"],
      ["I", [1, "x"], "TypeError", "'str' object cannot be interpreted as an integer"],
      // observed: mp.Array('f', ['x']) -> TypeError: must be real number, not str
      ["f", ["x"], "TypeError", "must be real number, not str"],
      ["f", [null], "TypeError", "must be real number, not NoneType"],
      ["f", "ab", "TypeError", "must be real number, not str"],
      ["i", [1.5], "TypeError", "'float' object cannot be interpreted as an integer"],
      ["i", [1, "x", 1.5], "TypeError", "'str' object cannot be interpreted as an integer"],
      ["i", [null], "TypeError", "'NoneType' object cannot be interpreted as an integer"],
      ["i", [[1]], "TypeError", "'list' object cannot be interpreted as an integer"],
      ["i", [{}], "TypeError", "'dict' object cannot be interpreted as an integer"],
      ["i", "ab", "TypeError", "'str' object cannot be interpreted as an integer"],
      ["i", { a: 1 }, "TypeError", "'str' object cannot be interpreted as an integer"],
      ["d", ["x"], "TypeError", "must be real number, not str"],
      ["d", [null], "TypeError", "must be real number, not NoneType"],
      ["d", [[1]], "TypeError", "must be real number, not list"],
      ["d", "ab", "TypeError", "must be real number, not str"],
      ["i", 1.5, "TypeError", "object of type 'float' has no len()"],
      ["i", null, "TypeError", "object of type 'NoneType' has no len()"],
      ["x", 3, "TypeError", "this type has no size"],
      ["x", -1, "TypeError", "this type has no size"],
      ["x", [1.5], "TypeError", "this type has no size"],
      ["x", 1.5, "TypeError", "object of type 'float' has no len()"], // len() comes before the typecode
      ["x", 2 ** 63, "OverflowError", "cannot fit 'int' into an index-sized integer"],
      // Typecodes not implemented are refused as an unknown one (observed: mp.Array('B ', 3), mp.Array('', 3): this type has no size).
      ["", 3, "TypeError", "this type has no size"],
      ["B ", 3, "TypeError", "this type has no size"],
      ["constructor", 3, "TypeError", "this type has no size"],
      [1, 3, "TypeError", "this type has no size"],
      [1, 2 ** 63, "TypeError", "this type has no size"],
      [1.5, [1], "TypeError", "this type has no size"],
      [null, 3, "TypeError", "unsupported operand type(s) for *: 'NoneType' and 'int'"],
      [null, null, "TypeError", "object of type 'NoneType' has no len()"],
      [["i"], 3, "TypeError", "unhashable type: 'list'"],
      [{}, null, "TypeError", "unhashable type: 'dict'"],
    ];
    for (const [typecode, init, type, message] of cases) {
      expectPyError(() => create(primitive, "multiprocessing", [typecode, init]), type, message);
    }
    // Call-shape errors are plain JS TypeErrors, as for the other primitives.
    expect(() => create(primitive, "multiprocessing", ["i"])).toThrow(/missing 1 required positional argument: 'size_or_initializer'/);
    expect(() => create(primitive, "multiprocessing", [])).toThrow(/missing 2 required positional arguments/);
    expect(() => create(primitive, "multiprocessing", ["i", 3, true, 4])).toThrow(/at most 2 positional constructor argument/);
    // A 1-byte typecode is never "too large" (observed: ctypes.sizeof(ctypes.c_byte * (2**63-1)) -> 9223372036854775807):
    // a size no SharedArrayBuffer can hold fails with the JS RangeError (CPython fails allocating it).
    expect(() => create(primitive, "multiprocessing", ["b", 2 ** 62])).toThrow(RangeError);
  });
});

describe.each([
  ["Array", arr],
  ["RawArray", raw],
  ["Array.get_obj()", (tc: string, init: JsonValue) => arr(tc, init).get_obj()],
] as const)("%s item access", (_, make) => {
  it("reads items by int and negative index; out of range is IndexError", () => {
    const a = make("i", [10, 20, 30, 40, 50]);
    expect([a.getitem(0), a.getitem(4), a.getitem(-1), a.getitem(-5)]).toEqual([10, 50, 50, 10]);
    expect([a.getitem(true), a.getitem(false)]).toEqual([20, 10]); // observed: a[True] -> 20
    // observed: a[5], a[-6] (and a[5] = 7, a[-6] = 7) -> IndexError: invalid index
    for (const k of [5, -6, 2 ** 63 - 1024, -(2 ** 63)]) {
      expectPyError(() => a.getitem(k), "IndexError", "invalid index");
      expectPyError(() => a.setitem(k, 7), "IndexError", "invalid index");
    }
    // observed: a[2**63], a[-2**63-1] -> IndexError: cannot fit 'int' into an index-sized integer
    for (const k of [2 ** 63, -(2 ** 64)]) {
      expectPyError(() => a.getitem(k), "IndexError", "cannot fit 'int' into an index-sized integer");
      expectPyError(() => a.setitem(k, 7), "IndexError", "cannot fit 'int' into an index-sized integer");
    }
    expectPyError(() => make("i", 0).getitem(0), "IndexError", "invalid index");
    a.setitem(-1, 7);
    a.setitem(true, 8);
    expect(all(a)).toEqual([10, 8, 30, 40, 7]);
  });

  it("refuses keys that are not ints or slices: 'integers' when reading, 'integer' when assigning", () => {
    const a = make("i", [10, 20, 30]);
    // observed: a[1.5], a[None], a['a'], a[[1]], a[{}] -> TypeError: indices must be integers; a[1.5] = 7 -> ...: indices must be integer
    for (const k of [1.5, null, "a", [1], {}]) {
      expectPyError(() => a.getitem(k), "TypeError", "indices must be integers");
      expectPyError(() => a.setitem(k, 7), "TypeError", "indices must be integer");
    }
    // The key is checked before the value (observed: a[5] = 'x' -> IndexError; a[1.5] = 'x' -> TypeError: indices must be integer).
    expectPyError(() => a.setitem(5, "x"), "IndexError", "invalid index");
    expectPyError(() => a.setitem(1.5, "x"), "TypeError", "indices must be integer");
    // A malformed slice value is a protocol error, not a Python one.
    for (const k of [{ $slice: [1] }, { $slice: [1, 2, 3, 4] }, { $slice: 1 }, { $slice: [0, 1], x: 1 }]) {
      expect(() => a.getitem(k)).toThrow(TypeError);
      expect(() => a.getitem(k)).not.toThrow(PythonError);
    }
    expect(all(a)).toEqual([10, 20, 30]);
  });

  it("reads slices with Python's clamping, negative bounds and steps", () => {
    const a = make("i", [10, 20, 30, 40, 50]);
    const cases: [JsonValue, number[]][] = [
      [s(null, null), [10, 20, 30, 40, 50]],
      [s(1, 3), [20, 30]],
      [s(-2, null), [40, 50]],
      [s(null, -2), [10, 20, 30]],
      [s(-100, 100), [10, 20, 30, 40, 50]],
      [s(3, 1), []],
      [s(10, 20), []],
      [s(null, null, 2), [10, 30, 50]],
      [s(null, null, null), [10, 20, 30, 40, 50]],
      [s(null, null, -1), [50, 40, 30, 20, 10]],
      [s(4, 0, -2), [50, 30]],
      [s(null, null, -2), [50, 30, 10]],
      [s(-1, -100, -1), [50, 40, 30, 20, 10]],
      [s(2 ** 70, null), []],
      [s(null, 2 ** 63), [10, 20, 30, 40, 50]],
      [s(null, null, 2 ** 70), [10]],
      [s(null, null, -(2 ** 70)), [50]],
      [{ $slice: [true, null] }, [20, 30, 40, 50]],
      [{ $slice: [false, true] }, [10]],
    ];
    for (const [key, want] of cases) expect(a.getitem(key), JSON.stringify(key)).toEqual(want);
    expect(make("i", 0).getitem(s(null, null, -1))).toEqual([]);
    // observed: a[::0] -> ValueError: slice step cannot be zero; the step is checked first (a[1.5::0] too)
    expectPyError(() => a.getitem(s(null, null, 0)), "ValueError", "slice step cannot be zero");
    expectPyError(() => a.getitem(s(1.5, null, 0)), "ValueError", "slice step cannot be zero");
    for (const key of [s(1.5, null), { $slice: [null, "x"] }, s(null, null, 1.5), { $slice: [[1], null] }]) {
      expectPyError(() => a.getitem(key), "TypeError", "slice indices must be integers or None or have an __index__ method");
      expectPyError(() => a.setitem(key, [1]), "TypeError", "slice indices must be integers or None or have an __index__ method");
    }
  });

  it("assigns a slice from a sequence of the same length, and refuses any other", () => {
    const a = make("i", [10, 20, 30]);
    a.setitem(s(0, 2), [1, 2]);
    expect(all(a)).toEqual([1, 2, 30]);
    a.setitem(s(null, null, -1), [1, 2, 3]);
    expect(all(a)).toEqual([3, 2, 1]);
    a.setitem(s(null, null, 2), [7, 8]);
    expect(all(a)).toEqual([7, 2, 8]);
    a.setitem(s(5, 9), []);
    a.setitem(s(0, 0), "");
    a.setitem(s(0, 2), [2 ** 31, true]);
    expect(all(a)).toEqual([-(2 ** 31), 1, 8]);
    // observed: a[0:2] = [1], [1, 2, 3], 5, None, 'abc', {'a': 1, 'b': 2}; a[0:0] = 5, None
    //   -> ValueError: Can only assign sequence of same size (nothing stored)
    const wrong: [JsonValue, JsonValue][] = [
      [s(0, 2), [1]],
      [s(0, 2), [1, 2, 3]],
      [s(0, 2), 5],
      [s(0, 2), null],
      [s(0, 2), true],
      [s(0, 2), "abc"],
      [s(0, 2), { a: 1, b: 2 }],
      [s(0, 0), 5],
      [s(0, 0), null],
      [s(0, 0), {}],
    ];
    for (const [key, value] of wrong) {
      expectPyError(() => a.setitem(key, value), "ValueError", "Can only assign sequence of same size");
    }
    // observed: a[::0] = 5 -> ValueError: slice step cannot be zero (before the length)
    expectPyError(() => a.setitem(s(null, null, 0), 5), "ValueError", "slice step cannot be zero");
    expect(all(a)).toEqual([-(2 ** 31), 1, 8]);
  });

  it("stores a slice item by item: the items before a bad one stay stored", () => {
    const i = make("i", 3);
    // observed: a = mp.Array('i', 3); a[0:2] = [1, 'x'] -> TypeError: 'str' object cannot be interpreted as an integer; a[0] == 1
    expectPyError(() => i.setitem(s(0, 2), [1, "x"]), "TypeError", "'str' object cannot be interpreted as an integer");
    expect(all(i)).toEqual([1, 0, 0]);
    // observed: a = mp.Array('i', [10, 20, 30]); a[0:3] = [1, 2.5, 3] -> TypeError ...; a[:] == [1, 20, 30]
    i.setitem(s(null, null), [10, 20, 30]);
    expectPyError(() => i.setitem(s(0, 3), [1, 2.5, 3]), "TypeError", "'float' object cannot be interpreted as an integer");
    expect(all(i)).toEqual([1, 20, 30]);
    // observed: a = mp.Array('i', [1, 20, 30]); a[2::-1] = [5, 6, None] -> TypeError ...; a[:] == [1, 6, 5]
    expectPyError(() => i.setitem(s(2, null, -1), [5, 6, null]), "TypeError", "'NoneType' object cannot be interpreted as an integer");
    expect(all(i)).toEqual([1, 6, 5]);
    // observed: a[0:2] = 'ab' -> TypeError: 'str' object cannot be interpreted as an integer (a str is a sequence)
    expectPyError(() => i.setitem(s(0, 2), "ab"), "TypeError", "'str' object cannot be interpreted as an integer");
    expect(all(i)).toEqual([1, 6, 5]);
    const d = make("d", [10, 20, 30]);
    // observed: mp.Array('d', [10, 20, 30]); a[0:2] = [1, 'x'] -> TypeError: must be real number, not str; a[:] == [1.0, 20.0, 30.0]
    expectPyError(() => d.setitem(s(0, 2), [1, "x"]), "TypeError", "must be real number, not str");
    expect(all(d)).toEqual([1, 20, 30]);
    expectPyError(() => d.setitem(s(0, 2), "ab"), "TypeError", "must be real number, not str");
  });

  it("stores items as a C int (wrapping) or a C double does, refusing other types", () => {
    const i = make("i", [10, 20, 30]);
    const stores: [JsonValue, number][] = [
      [2 ** 31, -(2 ** 31)], // observed: a[0] = 2**31 -> -2147483648
      [-(2 ** 31) - 1, 2 ** 31 - 1],
      [2 ** 64, 0], // observed: a[0] = 2**64 -> 0
      [true, 1],
      [-7, -7],
    ];
    for (const [v, want] of stores) {
      i.setitem(0, v);
      expect(i.getitem(0)).toBe(want);
    }
    expectPyError(() => i.setitem(0, 1.5), "TypeError", "'float' object cannot be interpreted as an integer");
    expectPyError(() => i.setitem(0, "x"), "TypeError", "'str' object cannot be interpreted as an integer");
    expectPyError(() => i.setitem(0, null), "TypeError", "'NoneType' object cannot be interpreted as an integer");
    expectPyError(() => i.setitem(0, [1]), "TypeError", "'list' object cannot be interpreted as an integer");
    expect(i.getitem(0)).toBe(-7);
    const d = make("d", [0.5, 1.5]);
    d.setitem(0, 3); // observed: a[0] = 3 -> 3.0
    d.setitem(1, true);
    expect(all(d)).toEqual([3, 1]);
    d.setitem(-1, -2.25);
    expect(d.getitem(1)).toBe(-2.25);
    expectPyError(() => d.setitem(0, "x"), "TypeError", "must be real number, not str");
    expectPyError(() => d.setitem(0, null), "TypeError", "must be real number, not NoneType");
    expectPyError(() => d.setitem(0, [1]), "TypeError", "must be real number, not list");
    expect(all(d)).toEqual([3, -2.25]);
  });

  // observed: a = mp.Array(tc, 2); a[0] = x; a[0], for x in 300, -129, 70000, 2**31, 2**32+5, -1, True, 2**70
  it.each(STORES)("stores items of typecode '%s' as its C type does", (tc, want) => {
    const a = make(tc, 2);
    const xs = [300, -129, 70000, 2 ** 31, 2 ** 32 + 5, -1, true, 2 ** 70];
    expect(xs.map((x) => (a.setitem(-2, x), a.getitem(0)))).toEqual(want);
    expect(a.getitem(1)).toBe(0);
    // Slices convert item by item: observed a = mp.Array(tc, 3); a[0:3] = [300, -1, 2**16+1]; a[::-1]
    a.setitem(s(null, null), [7, 8]);
    a.setitem(s(null, null, -1), [300, -1]);
    expect(all(a)).toEqual([want[5], want[0]]);
    const three = make(tc, 3);
    three.setitem(s(0, 3), [300, -1, 2 ** 16 + 1]);
    const slice: Record<string, number[]> = { b: [1, -1, 44], B: [1, 255, 44], h: [1, -1, 300], H: [1, 65535, 300], I: [65537, 4294967295, 300], f: [65537, -1, 300] };
    expect(three.getitem(s(null, null, -1))).toEqual(slice[tc]);
    // The items before a bad one stay stored: observed a = mp.Array(tc, [10, 20, 30]); a[0:3] = [300, 'x', 3] -> TypeError; a[:] -> [want(300), 20, 30]
    const bad = make(tc, [10, 20, 30]);
    const message = tc === "f" ? "must be real number, not str" : "'str' object cannot be interpreted as an integer";
    expectPyError(() => bad.setitem(s(0, 3), [300, "x", 3]), "TypeError", message);
    expect(all(bad)).toEqual([want[0], 20, 30]);
    const refused: [JsonValue, string][] =
      tc === "f"
        ? [["x", "must be real number, not str"], [null, "must be real number, not NoneType"], [[1], "must be real number, not list"]]
        : [[1.5, "'float' object cannot be interpreted as an integer"], [null, "'NoneType' object cannot be interpreted as an integer"], [[1], "'list' object cannot be interpreted as an integer"]];
    for (const [x, msg] of refused) expectPyError(() => bad.setitem(1, x), "TypeError", msg);
    expect(all(bad)).toEqual([want[0], 20, 30]);
  });
});

describe("Array (synchronized)", () => {
  it("get_lock() is one RLock that every item access takes; acquire/release are the lock's", () => {
    const a = arr("i", [1, 2, 3]);
    const lock = a.get_lock();
    expect(lock).toBeInstanceOf(RLock);
    expect(a.get_lock()).toBe(lock);
    expect(lock.acquire()).toBe(true);
    expect(a.acquire(false)).toBe(true); // the same lock, re-entered (CPython: self.acquire = self._lock.acquire)
    a.setitem(0, (a.getitem(0) as number) + 1); // item access re-enters it too
    a.setitem(s(1, 3), [5, 6]);
    expect(all(a)).toEqual([2, 5, 6]);
    a.release();
    lock.release();
    expectPyError(() => a.release(), "AssertionError", "attempt to release recursive lock not owned by thread");
    // A failing access releases the lock.
    expectPyError(() => a.getitem(9), "IndexError", "invalid index");
    expectPyError(() => a.setitem(s(0, 2), [1, "x"]), "TypeError", "'str' object cannot be interpreted as an integer");
    expectPyError(() => lock.release(), "AssertionError", "attempt to release recursive lock not owned by thread");
  });

  it("get_obj() is the raw array inside: the same memory, no lock", () => {
    const a = arr("d", [0.5, 1.5]);
    const obj = a.get_obj();
    expect(obj).toBeInstanceOf(RawArray);
    expect(a.get_obj()).toBe(obj); // observed: a.get_obj() is a.get_obj() -> True
    obj.setitem(0, 2.5);
    expect(a.getitem(0)).toBe(2.5);
    a.setitem(s(null, null), [7.5, 8.5]);
    expect(all(obj)).toEqual([7.5, 8.5]);
    // A bare ctypes array: observed: mp.Array('d', 2).get_obj().get_lock() -> AttributeError: 'c_double_Array_2' object has no attribute 'get_lock'
    expectPyError(() => obj.get_lock(), "AttributeError", "'c_double_Array_2' object has no attribute 'get_lock'");
    expectPyError(() => obj.get_obj(), "AttributeError", "'c_double_Array_2' object has no attribute 'get_obj'");
    expect(obj.handle()).toMatchObject({ primitive: "RawArray", typecode: "d" });
    expect(all(RawArray.attach(obj.handle()))).toEqual([7.5, 8.5]);
  });

  it("handles attach on another thread to the same items and lock", async () => {
    const a = arr("i", [10, 20, 30]);
    const handle = a.handle();
    expect(handle).toMatchObject({ primitive: "Array", profile: "multiprocessing", typecode: "i" });
    expect(structuredClone(handle)).toMatchObject({ primitive: "Array", typecode: "i" });
    const got = await runTask<CallResult>("call", { handle, method: "getitem", args: [s(null, null, -1)] });
    expect(got.value).toEqual([30, 20, 10]);
    const steps = [
      { method: "setitem", args: [1, 2 ** 31] },
      { method: "setitem", args: [s(0, 1), [5]] },
      { method: "getitem", args: [-1] },
      { method: "setitem", args: [0, 1.5] },
    ];
    const r = await runTask<CallResult[]>("script", { handle, steps });
    expect(r.map((x) => x.error ?? x.value)).toEqual([null, null, 30, { name: "TypeError", pyType: "TypeError", message: "'float' object cannot be interpreted as an integer" }]);
    expect(all(a)).toEqual([5, -(2 ** 31), 30]);
    const again = attach(handle) as SynchronizedArray;
    expect(again).toBeInstanceOf(SynchronizedArray);
    again.get_lock().acquire();
    expect(a.get_lock().acquire(false)).toBe(true); // same owner thread: re-entrant, so the very same lock
    a.get_lock().release();
    again.get_lock().release();
    expect(all(SynchronizedArray.attach(handle).get_obj())).toEqual([5, -(2 ** 31), 30]);
    expect(() => SynchronizedArray.attach(a.get_obj().handle())).toThrow(/cannot attach a RawArray handle as Array/);
  });

  it("attaches a new typecode on another thread to a view of the same type ('H', 'f')", async () => {
    const a = arr("H", [1, 2, 3]);
    const handle = a.handle();
    expect(handle).toMatchObject({ primitive: "Array", typecode: "H" });
    const steps = [
      { method: "setitem", args: [0, -1] },
      { method: "setitem", args: [s(1, 3), [65536 + 5, 70000]] },
      { method: "getitem", args: [s(null, null)] },
      { method: "setitem", args: [0, 1.5] },
    ];
    const r = await runTask<CallResult[]>("script", { handle, steps });
    // observed: a = mp.Array('H', [1, 2, 3]); a[0] = -1; a[1:3] = [65536+5, 70000]; a[:] -> [65535, 5, 4464]
    expect(r.map((x) => x.error ?? x.value)).toEqual([null, null, [65535, 5, 4464], { name: "TypeError", pyType: "TypeError", message: "'float' object cannot be interpreted as an integer" }]);
    expect(all(a)).toEqual([65535, 5, 4464]);
    const f = arr("f", 2);
    const got = await runTask<CallResult[]>("script", { handle: f.get_obj().handle(), steps: [{ method: "setitem", args: [s(null, null), [0.1, 2 ** 32 + 5]] }, { method: "getitem", args: [0] }] });
    expect(got[1].value).toBe(0.10000000149011612); // observed: mp.RawArray('f', [0.1])[:] -> [0.10000000149011612]
    expect(all(f)).toEqual([0.10000000149011612, 2 ** 32]);
    expect(all(SynchronizedArray.attach(f.handle()))).toEqual([0.10000000149011612, 2 ** 32]);
  });

  it("a worker's item access waits while another thread holds get_lock(); get_obj() access does not", async () => {
    const a = arr("i", [1, 2]);
    const lock = a.get_lock();
    lock.acquire();
    const started = flags(1);
    const blocked = startTask<CallResult>("call", { handle: a.handle(), method: "setitem", args: [0, 9], started: started.buffer });
    await waitUntil(() => Atomics.load(started, 0) === 1);
    const rawRead = await runTask<CallResult>("call", { handle: a.get_obj().handle(), method: "getitem", args: [0] });
    expect(rawRead.value).toBe(1); // no lock: it reads at once, before the blocked store
    await new Promise((r) => setTimeout(r, 150));
    expect(a.get_obj().getitem(0)).toBe(1);
    lock.release();
    const r = await blocked.result;
    expect(r.error).toBeUndefined();
    expect(r.elapsedMs).toBeGreaterThan(100);
    expect(a.getitem(0)).toBe(9);
  });

  it("acquire/release of the wrapper exclude across worker threads", async () => {
    const a = arr("i", 1);
    const { words, contended } = startExclusion(a.handle(), 4, 300);
    const c = await contended;
    expect(Atomics.load(words, MAX)).toBe(1);
    expect(Atomics.load(words, INSIDE)).toBe(0);
    expect(Atomics.load(words, COUNTER)).toBe(1200);
    expect(sum(c)).toBeGreaterThan(0);
  });

  it("loses no update made under get_lock() across worker threads (items, slices, get_obj())", async () => {
    const a = arr("i", 3);
    await updates(a, { parties: 4, iterations: 2000, indexes: [0, -1], locked: true });
    expect(all(a)).toEqual([8000, 0, 8000]);
    await updates(a, { parties: 3, iterations: 1000, mode: "slice", locked: true });
    expect(all(a)).toEqual([11000, 3000, 11000]);
    // CPython's idiom for the raw object: `with a.get_lock(): a.get_obj()[i] += 1`
    await updates(a, { parties: 3, iterations: 1000, indexes: [1], locked: true, viaObj: true });
    expect(all(a)).toEqual([11000, 6000, 11000]);
    const d = arr("d", [0.5]);
    await updates(d, { parties: 2, iterations: 1000, locked: true });
    expect(d.getitem(0)).toBe(2000.5);
    // A signed char wraps: 400 increments from 0 leave 400 - 512 (observed: 400 locked `a[0] += 1` on mp.Array('b', 1) -> -112).
    const b = arr("b", [0, 0]);
    await updates(b, { parties: 2, iterations: 200, indexes: [0, 1], locked: true });
    expect(all(b)).toEqual([-112, -112]);
  });

  it("may lose unlocked read-then-write updates (each access alone is locked), never gains any", async () => {
    const a = arr("i", 1);
    await updates(a, { parties: 4, iterations: 5000, locked: false });
    expect(a.getitem(0)).toBeGreaterThan(0);
    expect(a.getitem(0)).toBeLessThanOrEqual(20000);
  });
});

describe("RawArray", () => {
  it("has no lock, no get_lock(), no get_obj(); shares its items across threads", async () => {
    const a = raw("i", [1, 2, 3]);
    for (const name of ["acquire", "release"]) expect(name in a).toBe(false);
    // observed: mp.RawArray('i', [1, 2, 3]).get_lock() -> AttributeError: 'c_int_Array_3' object has no attribute 'get_lock' (and get_obj)
    expect(() => a.get_lock()).toThrow(/'c_int_Array_3' object has no attribute 'get_lock'/);
    expect(() => a.get_obj()).toThrow(/'c_int_Array_3' object has no attribute 'get_obj'/);
    const handle = a.handle();
    expect(handle).toMatchObject({ primitive: "RawArray", profile: "multiprocessing", typecode: "i" });
    expect("lock" in handle).toBe(false);
    const r = await runTask<CallResult[]>("script", {
      handle,
      steps: [
        { method: "setitem", args: [s(null, null, -1), [7, 8, 9]] },
        { method: "getitem", args: [s(0, 2)] },
      ],
    });
    expect(r.map((x) => x.value)).toEqual([null, [9, 8]]);
    expect(all(a)).toEqual([9, 8, 7]);
    expect(attach(handle)).toBeInstanceOf(RawArray);
    a.setitem(0, 2 ** 31);
    expect(RawArray.attach(handle).getitem(0)).toBe(-(2 ** 31));
    await updates(a, { parties: 2, iterations: 2000, locked: false });
    expect(a.getitem(0)).toBeGreaterThan(-(2 ** 31));
    expect(a.getitem(0)).toBeLessThanOrEqual(-(2 ** 31) + 4000);
    expect(() => RawArray.attach({ ...handle, typecode: "z" })).toThrow(/unknown typecode/);
  });

  it("shares a 'B' array across threads, each item access atomic, stores wrapping", async () => {
    const a = raw("B", 2);
    const handle = a.handle();
    expect(handle).toMatchObject({ primitive: "RawArray", typecode: "B" });
    expect(attach(handle)).toBeInstanceOf(RawArray);
    await updates(a, { parties: 2, iterations: 300, indexes: [1], locked: false });
    // Unlocked read-then-write may lose updates: at most 600, i.e. a wrapped value in [0, 256).
    expect(a.getitem(1)).toBeGreaterThanOrEqual(0);
    expect(a.getitem(1)).toBeLessThan(256);
    const r = await runTask<CallResult>("call", { handle, method: "setitem", args: [0, -1] });
    expect(r.error).toBeUndefined();
    expect(a.getitem(0)).toBe(255); // observed: mp.RawArray('B', 1); a[0] = -1; a[0] -> 255
  });
});
