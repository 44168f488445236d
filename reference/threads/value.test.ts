import { afterEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../spec/format.js";
import { RLock } from "./lock.js";
import { RawValue, Value } from "./value.js";
import { attach, create } from "./module.js";
import { expectPyError } from "./tests/expect-py.js";
import { flags, runTask, terminateAll } from "./tests/harness.js";

afterEach(terminateAll);

const increments = (v: Value, locked: boolean, parties: number, iterations: number) => {
  const shared = flags(4).buffer;
  return Promise.all(Array.from({ length: parties }, () => runTask<number>("increments", { handle: v.handle(), shared, iterations, locked, parties })));
};

describe("Value", () => {
  it("loses no increment made under get_lock() across worker threads", async () => {
    const v = new Value("i", 0);
    await increments(v, true, 4, 5000);
    expect(v.value).toBe(20000);
  });

  it("may lose increments made without get_lock() (a read, then a write), never gains any", async () => {
    const v = new Value("i", 0);
    await increments(v, false, 4, 5000);
    expect(v.value).toBeGreaterThan(0);
    expect(v.value).toBeLessThanOrEqual(20000);
  });

  it("shares doubles across workers", async () => {
    const v = new Value("d", 0.5);
    await increments(v, true, 2, 1000);
    expect(v.value).toBe(2000.5);
  });

  it("get_lock() is one recursive lock (an RLock), shared by every attached copy", () => {
    const v = new Value("i", 1);
    const lock = v.get_lock();
    expect(lock).toBeInstanceOf(RLock);
    expect(lock.acquire()).toBe(true);
    expect(lock.acquire()).toBe(true); // re-entrant, as CPython's default lock=True RLock
    v.value = 2; // the setter takes the same lock again
    expect(v.value).toBe(2);
    lock.release();
    lock.release();
    expectPyError(() => lock.release(), "AssertionError", "attempt to release recursive lock not owned by thread");
    const copy = Value.attach(v.handle());
    copy.value = 9;
    expect(v.value).toBe(9);
  });

  it("stores as a C int or a C double does, and refuses other types as CPython does", () => {
    const i = create("Value", "multiprocessing", ["i", 2147483647]) as Value;
    i.value = 2147483648; // observed: wraps to -2147483648
    expect(i.value).toBe(-2147483648);
    i.value = -2147483649;
    expect(i.value).toBe(2147483647);
    expectPyError(() => (i.value = 1.5), "TypeError", "'float' object cannot be interpreted as an integer");
    expectPyError(() => (i.value = "x"), "TypeError", "'str' object cannot be interpreted as an integer");
    expectPyError(() => (i.value = null), "TypeError", "'NoneType' object cannot be interpreted as an integer");
    expect(i.value).toBe(2147483647);
    const d = create("Value", "multiprocessing", ["d", 0.5]) as Value;
    d.value = 3;
    expect(d.value).toBe(3);
    expectPyError(() => (d.value = "x"), "TypeError", "must be real number, not str");
    expectPyError(() => (d.value = null), "TypeError", "must be real number, not NoneType");
    expect((create("Value", "multiprocessing", ["i"]) as Value).value).toBe(0);
    expectPyError(() => create("Value", "multiprocessing", ["x", 1]), "TypeError", "this type has no size");
    expectPyError(() => create("Value", "multiprocessing", ["i", 1.5]), "TypeError", "'float' object cannot be interpreted as an integer");
  });

  // observed (CPython 3.11): v = mp.Value(tc, 0); v.value = x; v.value, for x in the columns below
  const STORES = [300, -129, 70000, 2 ** 31, 2 ** 32 + 5, -1, true, false, 2 ** 64 + 4096, 2 ** 70, 0];
  const WRAPPED: [string, number[]][] = [
    ["b", [44, 127, 112, 0, 5, -1, 1, 0, 0, 0, 0]],
    ["B", [44, 127, 112, 0, 5, 255, 1, 0, 0, 0, 0]],
    ["h", [300, -129, 4464, 0, 5, -1, 1, 0, 4096, 0, 0]],
    ["H", [300, 65407, 4464, 0, 5, 65535, 1, 0, 4096, 0, 0]],
    ["i", [300, -129, 70000, -2147483648, 5, -1, 1, 0, 4096, 0, 0]],
    ["I", [300, 4294967167, 70000, 2147483648, 5, 4294967295, 1, 0, 4096, 0, 0]],
    // 'f' rounds to float32: observed 2**32+5 -> 4294967296.0, 2**64+4096 -> 1.8446744073709552e+19
    ["f", [300, -129, 70000, 2 ** 31, 2 ** 32, -1, 1, 0, 2 ** 64, 2 ** 70, 0]],
  ];

  it.each(WRAPPED)("typecode '%s' stores as its C type does, in the setter and the initial value", (tc, want) => {
    for (const primitive of ["Value", "RawValue"]) {
      const v = create(primitive, "multiprocessing", [tc, 0]) as Value | RawValue;
      expect(v.typecode).toBe(tc);
      expect(STORES.map((x) => ((v.value = x), v.value))).toEqual(want);
      // The constructor converts its initial value the same way (observed: mp.Value('b', 300).value -> 44).
      expect(STORES.map((x) => (create(primitive, "multiprocessing", [tc, x]) as Value | RawValue).value)).toEqual(want);
      expect((create(primitive, "multiprocessing", [tc]) as Value | RawValue).value).toBe(0);
    }
  });

  it.each(["b", "B", "h", "H", "I"])("typecode '%s' refuses non-ints as 'i' does", (tc) => {
    for (const primitive of ["Value", "RawValue"]) {
      const v = create(primitive, "multiprocessing", [tc, 5]) as Value | RawValue;
      // observed: mp.Value(tc, 0).value = 1.5 -> TypeError: 'float' object cannot be interpreted as an integer ('str', 'NoneType', 'list' alike)
      for (const [x, name] of [[1.5, "float"], ["x", "str"], [null, "NoneType"], [[1], "list"]] as [JsonValue, string][]) {
        expectPyError(() => (v.value = x), "TypeError", `'${name}' object cannot be interpreted as an integer`);
        expectPyError(() => create(primitive, "multiprocessing", [tc, x]), "TypeError", `'${name}' object cannot be interpreted as an integer`);
      }
      expect(v.value).toBe(5);
    }
  });

  // What a call reports (the executor sends an item's protocol form: PyBytes and its shape by toJSON()).
  const reported = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

  it("typecodes 'l', 'q' (signed) and 'L', 'Q' (unsigned) are 64 bits: a negative wraps modulo 2**64 in the unsigned ones", () => {
    for (const primitive of ["Value", "RawValue"]) {
      for (const tc of ["l", "q"]) {
        const v = create(primitive, "multiprocessing", [tc, -1]) as Value | RawValue;
        expect(reported(v.value)).toBe(-1);
        v.value = 4503599627370497; // 2**52 + 1: exact in 64 bits
        expect(reported(v.value)).toBe(4503599627370497);
        v.value = 2 ** 32 + 5; // no 32-bit wrap
        expect(reported(v.value)).toBe(2 ** 32 + 5);
      }
      for (const tc of ["L", "Q"]) {
        // observed: mp.Value(tc, -1).value -> 18446744073709551615 (JSON carries it as the double 2**64)
        const v = create(primitive, "multiprocessing", [tc, -1]) as Value | RawValue;
        expect(reported(v.value)).toBe(18446744073709551615);
        // observed: v.value += 1 -> 0; v.value = -129; v.value += 1 -> 18446744073709551488
        (v as { value: unknown }).value = (v.value as number) + 1;
        expect(reported(v.value)).toBe(0);
        v.value = -129;
        (v as { value: unknown }).value = (v.value as number) + 1;
        const copy = (primitive === "Value" ? Value : RawValue).attach(v.handle());
        expect(reported(copy.value)).toBe(18446744073709551488);
        expectPyError(() => (v.value = 1.5), "TypeError", "'float' object cannot be interpreted as an integer");
      }
    }
  });

  it("typecode 'c' holds one byte (bytes of one, or an int 0..255), 'u' one character; adding an int to either raises", () => {
    for (const primitive of ["Value", "RawValue"]) {
      const c = create(primitive, "multiprocessing", ["c", { $bytes: "a" }]) as Value | RawValue;
      expect(reported(c.value)).toEqual({ $bytes: "a" });
      c.value = 7; // observed: b'\x07'
      expect(reported(c.value)).toEqual({ $bytes: "\u0007" });
      // observed: TypeError: one character bytes, bytearray or integer expected
      for (const x of [300, -1, "x", 2.5, null, { $bytes: "xy" }]) {
        expectPyError(() => (c.value = x), "TypeError", "one character bytes, bytearray or integer expected");
      }
      expectPyError(() => (c as { value: unknown }).value = (c.value as number) + 1, "TypeError", "can't concat int to bytes");
      const u = create(primitive, "multiprocessing", ["u", "a"]) as Value | RawValue;
      u.value = "\u00e9";
      expect(reported(u.value)).toBe("\u00e9");
      expectPyError(() => (u.value = "xy"), "TypeError", "one character unicode string expected");
      expectPyError(() => (u.value = ""), "TypeError", "one character unicode string expected");
      expectPyError(() => (u.value = 7), "TypeError", "unicode string expected instead of int instance");
      expectPyError(() => (u.value = { $bytes: "x" }), "TypeError", "unicode string expected instead of bytes instance");
      expectPyError(() => (u as { value: unknown }).value = (u.value as number) + 1, "TypeError", 'can only concatenate str (not "int") to str');
      expect(reported(u.value)).toBe("\u00e9");
    }
  });

  it("typecode 'f' is a C float: doubles round to float32, non-numbers are refused as for 'd'", () => {
    for (const primitive of ["Value", "RawValue"]) {
      const f = create(primitive, "multiprocessing", ["f", 0.1]) as Value | RawValue;
      expect(f.value).toBe(0.10000000149011612); // observed: mp.Value('f', 0.1).value
      expect(f.value).toBe(Math.fround(0.1));
      const stores: [number, number][] = [
        [1.5, 1.5],
        [1 / 3, 0.3333333432674408], // observed
        [16777217, 16777216], // observed: 16777217 -> 16777216.0 (ties to even)
        [3.4028234663852886e38, 3.4028234663852886e38], // the largest float32 (observed)
        [1e300, Infinity], // observed: inf
        [-1e300, -Infinity], // observed: -inf
        [1e-50, 0], // observed: 0.0
      ];
      for (const [x, want] of stores) {
        f.value = x;
        expect(f.value, String(x)).toBe(want);
      }
      f.value = -0.5;
      // observed: mp.Value('f', 0).value = 'x' -> TypeError: must be real number, not str (NoneType, list alike)
      for (const [x, name] of [["x", "str"], [null, "NoneType"], [[1], "list"]] as [JsonValue, string][]) {
        expectPyError(() => (f.value = x), "TypeError", `must be real number, not ${name}`);
        expectPyError(() => create(primitive, "multiprocessing", ["f", x]), "TypeError", `must be real number, not ${name}`);
      }
      expect(f.value).toBe(-0.5);
    }
  });

  it("refuses an unknown typecode; get_obj() and handles keep the typecode", () => {
    // observed: mp.Value('x', 1), mp.Value('', 1), mp.Value('B ', 1) -> TypeError: this type has no size
    for (const tc of ["x", "", "B ", "constructor", "F", 1, null]) {
      expectPyError(() => create("Value", "multiprocessing", [tc, 1]), "TypeError", "this type has no size");
      expectPyError(() => create("RawValue", "multiprocessing", [tc, 1]), "TypeError", "this type has no size");
    }
    const v = new Value("H", -1);
    const obj = v.get_obj();
    expect(obj).toBeInstanceOf(RawValue);
    expect(obj.typecode).toBe("H"); // observed: type(mp.Value('B', 1).get_obj()) is ctypes.c_ubyte
    expect(obj.value).toBe(65535);
    obj.value = 65536 + 7;
    expect(v.value).toBe(7);
    const handle = v.handle();
    expect(handle).toMatchObject({ primitive: "Value", typecode: "H" });
    expect((handle.state as SharedArrayBuffer).byteLength).toBe(2); // ctypes.sizeof(c_ushort)
    expect(Value.attach(structuredClone(handle)).value).toBe(7);
    expect(() => Value.attach({ ...handle, typecode: "z" })).toThrow(/unknown typecode/);
    expect(() => RawValue.attach({ ...obj.handle(), typecode: "x" })).toThrow(/unknown typecode/);
  });

  it("shares the new typecodes across workers: 'B' wraps, 'f' rounds every store to float32", async () => {
    const b = new Value("B", 0);
    await increments(b, true, 2, 300);
    expect(b.value).toBe(600 % 256); // 88: each locked `v.value += 1` past 255 wraps to 0
    const f = new Value("f", 16777216);
    await increments(f, true, 2, 100);
    expect(f.value).toBe(16777216); // 16777216 + 1 rounds back to 16777216 in float32 (observed: mp.Value('f', 16777217).value)
    const h = new Value("h", 32767);
    const attached = attach(structuredClone(h.handle())) as Value;
    expect(attached).toBeInstanceOf(Value);
    attached.value = 32768;
    expect(h.value).toBe(-32768);
  });
});

describe("RawValue", () => {
  it("shares one cell across workers, without get_lock(); stores as Value does", async () => {
    const v = new RawValue("i", 0);
    // observed: mp.RawValue('i', 0).get_lock() -> AttributeError: 'c_int' object has no attribute 'get_lock'
    expect(() => v.get_lock()).toThrow(/'c_int' object has no attribute 'get_lock'/);
    const shared = flags(4).buffer;
    await Promise.all(Array.from({ length: 2 }, () => runTask<number>("increments", { handle: v.handle(), shared, iterations: 1000, locked: false, parties: 2 })));
    expect(v.value).toBeGreaterThan(0);
    expect(v.value).toBeLessThanOrEqual(2000);
    v.value = 2147483648;
    expect(RawValue.attach(v.handle()).value).toBe(-2147483648);
    expectPyError(() => (v.value = 1.5), "TypeError", "'float' object cannot be interpreted as an integer");
    const d = create("RawValue", "multiprocessing", ["d", 0.5]) as RawValue;
    expectPyError(() => (d.value = "x"), "TypeError", "must be real number, not str");
  });

  it("shares a 'b' cell across workers, wrapping as the Value does", async () => {
    const v = new RawValue("b", 127);
    const handle = v.handle();
    expect(handle).toMatchObject({ primitive: "RawValue", typecode: "b" });
    expect((handle.state as SharedArrayBuffer).byteLength).toBe(1);
    // observed: v = mp.RawValue('b', 127); v.value += 1; v.value -> -128
    const shared = flags(4).buffer;
    await runTask<number>("increments", { handle, shared, iterations: 1, locked: false, parties: 1 });
    expect(v.value).toBe(-128);
    v.value = 300;
    expect(RawValue.attach(handle).value).toBe(44);
  });
});
