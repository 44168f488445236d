// Value's spec on hand-written histories: lost updates are legal for `v.value += 1`, not under get_lock().
import type { Outcome } from "../history/types.js";
import type { JsonValue } from "../../spec/format.js";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { HistoryEvent } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { ev, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Value.yaml"));
const check = (ctor: { typecode: string; value: JsonValue }, events: HistoryEvent[], level: "documented" | "cpython" = "cpython") =>
  checkHistory(() => spec, [{ id: "o0", primitive: "Value", args: ctor }], { events }, { profile: "multiprocessing", level });
const contradicts = (r: ReturnType<typeof check>) => r.objects.flatMap((o) => o.contradicts ?? []);
const inc = (actor: string, op: "increment" | "locked_increment", at: [number, number]) => ev(actor, op, { delta: 1 }, at, ret(null));
const read = (at: [number, number], value: JsonValue) => ev("main", "value", {}, at, ret(value));
const set = (at: [number, number], value: JsonValue, outcome: Outcome = ret(null)) => ev("main", "set_value", { value }, at, outcome);

describe("Value", () => {
  test("two overlapping unlocked increments may lose one, or not", () => {
    for (const seen of [1, 2]) {
      expect(check({ typecode: "i", value: 0 }, [inc("a0", "increment", [0, 10]), inc("a1", "increment", [1, 10]), read([20, 21], seen)]).verdict).toBe("ok");
    }
    expect(check({ typecode: "i", value: 0 }, [inc("a0", "increment", [0, 10]), inc("a1", "increment", [1, 10]), read([20, 21], 3)]).verdict).not.toBe("ok");
  });

  test("increments under get_lock() lose nothing", () => {
    const r = check({ typecode: "i", value: 0 }, [inc("a0", "locked_increment", [0, 10]), inc("a1", "locked_increment", [1, 10]), read([20, 21], 1)]);
    expect(r.verdict).not.toBe("ok");
    expect(contradicts(r)).toContain("Value.value.read");
    expect(check({ typecode: "i", value: 0 }, [inc("a0", "locked_increment", [0, 10]), inc("a1", "locked_increment", [1, 10]), read([20, 21], 2)]).verdict).toBe("ok");
  });

  test("a C int wraps; a double stays a double; wrong types raise", () => {
    expect(check({ typecode: "i", value: 2147483647 }, [inc("main", "locked_increment", [0, 1]), read([2, 3], -2147483648)]).verdict).toBe("ok");
    expect(check({ typecode: "d", value: 0.5 }, [inc("main", "increment", [0, 1]), read([2, 3], 1.5)]).verdict).toBe("ok");
    const events = [
      ev("main", "set_value", { value: 2147483648 }, [0, 1], ret(null)),
      read([2, 3], -2147483648),
      ev("main", "set_value", { value: 2.5 }, [4, 5], raised("TypeError", "'float' object cannot be interpreted as an integer")),
    ];
    expect(check({ typecode: "i", value: 0 }, events).verdict).toBe("ok");
    expect(check({ typecode: "d", value: 0.5 }, [ev("main", "set_value", { value: 3 }, [0, 1], ret(null)), read([2, 3], 3)]).verdict).toBe("ok");
    expect(check({ typecode: "d", value: 0.5 }, [ev("main", "set_value", { value: null }, [0, 1], raised("TypeError", "must be real number, not NoneType"))]).verdict).toBe("ok");
  });

  test("a value of the wrong type: the docs name no exception (documented: any, value unchanged); CPython's TypeError is level cpython", () => {
    const overflow: Outcome = { kind: "raised", type: "OverflowError", message: "no", mro: ["ArithmeticError", "Exception", "BaseException"] };
    const wrongType = (outcome: Outcome, seen: number) => [
      ev("main", "set_value", { value: 2.5 }, [0, 1], outcome),
      read([2, 3], seen),
    ];
    expect(check({ typecode: "i", value: 5 }, wrongType(overflow, 5), "documented").verdict).toBe("ok");
    expect(check({ typecode: "i", value: 5 }, wrongType(overflow, 5), "cpython").verdict).not.toBe("ok");
    expect(check({ typecode: "i", value: 5 }, wrongType(raised("TypeError", "'float' object cannot be interpreted as an integer"), 5), "cpython").verdict).toBe("ok");
    // Some exception, and the value unchanged, at the documented level too.
    expect(check({ typecode: "i", value: 5 }, wrongType(overflow, 2), "documented").verdict).not.toBe("ok");
    expect(check({ typecode: "i", value: 5 }, [ev("main", "set_value", { value: "x" }, [0, 1], ret(null))], "documented").verdict).not.toBe("ok");
  });

  test("64-bit typecodes: 'l' and 'q' keep a negative, 'L' and 'Q' wrap it modulo 2**64 (as JSON carries 2**64 - 1)", () => {
    for (const typecode of ["L", "Q"]) {
      expect(check({ typecode, value: 0 }, [set([0, 1], -1), read([2, 3], 18446744073709551615)]).verdict).toBe("ok");
      // A port that keeps the sign: caught.
      const r = check({ typecode, value: 0 }, [set([0, 1], -1), read([2, 3], -1)]);
      expect(r.verdict).not.toBe("ok");
      expect(contradicts(r)).toContain("Value.value.read");
      // 2**64 - 1 plus one wraps to 0.
      expect(check({ typecode, value: -1 }, [inc("main", "locked_increment", [0, 1]), read([2, 3], 0)]).verdict).toBe("ok");
    }
    for (const typecode of ["l", "q"]) {
      expect(check({ typecode, value: 0 }, [set([0, 1], -129), read([2, 3], -129), set([4, 5], 4503599627370497), read([6, 7], 4503599627370497)]).verdict).toBe("ok");
    }
  });

  test("a C float rounds to single precision; a double does not", () => {
    expect(check({ typecode: "f", value: 0.1 }, [read([0, 1], 0.10000000149011612)]).verdict).toBe("ok");
    expect(check({ typecode: "f", value: 0.1 }, [read([0, 1], 0.1)]).verdict).not.toBe("ok");
    expect(check({ typecode: "d", value: 0.1 }, [read([0, 1], 0.1)]).verdict).toBe("ok");
    expect(check({ typecode: "f", value: 0.5 }, [set([0, 1], 4503599627370497), read([2, 3], 4503599627370496)]).verdict).toBe("ok");
    expect(check({ typecode: "f", value: 0.1 }, [inc("main", "increment", [0, 1]), read([2, 3], 1.100000023841858)]).verdict).toBe("ok");
    expect(check({ typecode: "f", value: 0.1 }, [inc("main", "increment", [0, 1]), read([2, 3], 1.1)]).verdict).not.toBe("ok");
  });

  test("a C char holds one byte (bytes of one, or an int 0..255); a wchar_t one character", () => {
    const one = "one character bytes, bytearray or integer expected";
    expect(check({ typecode: "c", value: { $bytes: "a" } }, [read([0, 1], { $bytes: "a" }), set([2, 3], 7), read([4, 5], { $bytes: "\u0007" })]).verdict).toBe("ok");
    expect(check({ typecode: "c", value: { $bytes: "a" } }, [set([0, 1], "x", raised("TypeError", one)), set([2, 3], 300, raised("TypeError", one)), read([4, 5], { $bytes: "a" })]).verdict).toBe("ok");
    expect(check({ typecode: "c", value: { $bytes: "a" } }, [set([0, 1], 300), read([2, 3], { $bytes: "," })]).verdict).not.toBe("ok");
    expect(check({ typecode: "u", value: "a" }, [set([0, 1], "xy", raised("TypeError", "one character unicode string expected")), read([2, 3], "a")]).verdict).toBe("ok");
    // A port that keeps the first character: caught.
    const r = check({ typecode: "u", value: "a" }, [set([0, 1], "xy"), read([2, 3], "x")]);
    expect(r.verdict).not.toBe("ok");
    expect(contradicts(r)).toContain("Value.set_value.wchar-length");
    expect(check({ typecode: "u", value: "a" }, [set([0, 1], 7, raised("TypeError", "unicode string expected instead of int instance"))]).verdict).toBe("ok");
    // bytes or str plus an int: TypeError, nothing stored.
    expect(check({ typecode: "u", value: "a" }, [ev("main", "increment", { delta: 1 }, [0, 1], raised("TypeError", 'can only concatenate str (not "int") to str')), read([2, 3], "a")]).verdict).toBe("ok");
    expect(check({ typecode: "c", value: { $bytes: "a" } }, [ev("main", "locked_increment", { delta: 1 }, [0, 1], raised("TypeError", "can't concat int to bytes"))]).verdict).toBe("ok");
  });
});
