// Value's spec on hand-written histories: lost updates are legal for `v.value += 1`, not under get_lock().
import type { Outcome } from "../history/types.js";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { HistoryEvent } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { ev, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Value.yaml"));
const check = (ctor: { typecode: string; value: number }, events: HistoryEvent[], level: "documented" | "cpython" = "cpython") =>
  checkHistory(() => spec, [{ id: "o0", primitive: "Value", args: ctor }], { events }, { profile: "multiprocessing", level });
const contradicts = (r: ReturnType<typeof check>) => r.objects.flatMap((o) => o.contradicts ?? []);
const inc = (actor: string, op: "increment" | "locked_increment", at: [number, number]) => ev(actor, op, { delta: 1 }, at, ret(null));
const read = (at: [number, number], value: number) => ev("main", "value", {}, at, ret(value));

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
});
