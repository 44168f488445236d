import { afterEach, describe, expect, it } from "vitest";
import { RLock } from "./lock.js";
import { RawValue, Value } from "./value.js";
import { create } from "./module.js";
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
});

describe("RawValue", () => {
  it("shares one cell across workers, without get_lock(); stores as Value does", async () => {
    const v = new RawValue("i", 0);
    expect("get_lock" in v).toBe(false);
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
});
