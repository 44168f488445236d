// Array's spec on hand-written histories: typecode ranges, slices, partial slice stores, and a
// rule active at the documented level only (documentedOnly).
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { Level } from "../../spec/format.js";
import type { HistoryEvent, Outcome } from "../history/types.js";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR, SpecError } from "../spec/load.js";
import { ev, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Array.yaml"));
const check = (ctor: { typecode: string; size_or_initializer: unknown }, events: HistoryEvent[], level: Level = "cpython") =>
  checkHistory(() => spec, [{ id: "o0", primitive: "Array", args: ctor as never }], { events }, { profile: "multiprocessing", level });
const all = (at: [number, number], items: number[]) => ev("main", "getslice", { index: { $slice: [null, null] } }, at, ret(items));
const setslice = (value: unknown, at: [number, number], outcome = ret(null)) => ev("main", "setslice", { index: { $slice: [0, 2] }, value: value as never }, at, outcome);

describe("Array", () => {
  test("stores wrap into each integer typecode's range", () => {
    const set = (v: number, at: [number, number]) => ev("main", "setitem", { index: 0, value: v }, at, ret(null));
    expect(check({ typecode: "b", size_or_initializer: [1, 300, -1] }, [all([0, 1], [1, 44, -1])]).verdict).toBe("ok");
    expect(check({ typecode: "B", size_or_initializer: 2 }, [set(-129, [0, 1]), all([2, 3], [127, 0])]).verdict).toBe("ok");
    expect(check({ typecode: "H", size_or_initializer: 2 }, [set(-129, [0, 1]), all([2, 3], [65407, 0])]).verdict).toBe("ok");
    expect(check({ typecode: "h", size_or_initializer: 2 }, [set(-129, [0, 1]), all([2, 3], [65407, 0])]).verdict).not.toBe("ok");
  });

  test("a slice store with a bad element keeps the elements before it", () => {
    const err = raised("TypeError", "'str' object cannot be interpreted as an integer");
    expect(check({ typecode: "i", size_or_initializer: 3 }, [setslice([7, "x"], [0, 1], err), all([2, 3], [7, 0, 0])]).verdict).toBe("ok");
    expect(check({ typecode: "i", size_or_initializer: 3 }, [setslice([7, "x"], [0, 1], err), all([2, 3], [0, 0, 0])]).verdict).not.toBe("ok");
  });

  test("a non-sequence: any exception at the documented level, CPython's ValueError at the cpython level", () => {
    const typeError: Outcome = { kind: "raised", type: "TypeError", message: "'int' has no length", mro: ["Exception", "BaseException"] };
    const pypy = [setslice(5, [0, 1], typeError), all([2, 3], [0, 0])];
    expect(check({ typecode: "i", size_or_initializer: 2 }, pypy, "documented").verdict).toBe("ok");
    const strict = check({ typecode: "i", size_or_initializer: 2 }, pypy, "cpython");
    expect(strict.verdict).toBe("violation");
    expect(strict.objects.flatMap((o) => o.contradicts ?? [])).toContain("Array.setslice.not-a-sequence");
    const cpython = [setslice(5, [0, 1], raised("ValueError", "Can only assign sequence of same size"))];
    expect(check({ typecode: "i", size_or_initializer: 2 }, cpython, "cpython").verdict).toBe("ok");
    // A wrong-length list: any exception at the documented level (the docs name none), ValueError at the cpython level.
    const wrongLength = [setslice([1], [0, 1], typeError), all([2, 3], [0, 0])];
    expect(check({ typecode: "i", size_or_initializer: 2 }, wrongLength, "documented").verdict).toBe("ok");
    expect(check({ typecode: "i", size_or_initializer: 2 }, wrongLength, "cpython").verdict).toBe("violation");
    // ... but an exception, with nothing stored.
    expect(check({ typecode: "i", size_or_initializer: 2 }, [setslice([1], [0, 1]), all([2, 3], [1, 0])], "documented").verdict).toBe("violation");
  });

  test("a bad element in a slice store: at the documented level any exception, with the elements before it stored or nothing stored", () => {
    const overflow: Outcome = { kind: "raised", type: "OverflowError", message: "no", mro: ["ArithmeticError", "Exception", "BaseException"] };
    for (const seen of [[7, 0, 0], [0, 0, 0]]) {
      expect(check({ typecode: "i", size_or_initializer: 3 }, [setslice([7, "x"], [0, 1], overflow), all([2, 3], seen)], "documented").verdict).toBe("ok");
      expect(check({ typecode: "i", size_or_initializer: 3 }, [setslice([7, "x"], [0, 1], overflow), all([2, 3], seen)], "cpython").verdict).toBe("violation");
    }
    expect(check({ typecode: "i", size_or_initializer: 3 }, [setslice([7, "x"], [0, 1], overflow), all([2, 3], [7, 7, 0])], "documented").verdict).toBe("violation");
  });

  test("keys and values of the wrong type: any exception at the documented level; IndexError out of range at both", () => {
    const lookup: Outcome = { kind: "raised", type: "KeyError", message: "'x'", mro: ["LookupError", "Exception", "BaseException"] };
    const badKey = [ev("main", "getitem", { index: "x" }, [0, 1], lookup)];
    expect(check({ typecode: "i", size_or_initializer: 3 }, badKey, "documented").verdict).toBe("ok");
    expect(check({ typecode: "i", size_or_initializer: 3 }, badKey, "cpython").verdict).toBe("violation");
    // Out of range with a bad value: CPython checks the index first; the docs do not say which.
    const both = [ev("main", "setitem", { index: 3, value: "x" }, [0, 1], lookup)];
    expect(check({ typecode: "i", size_or_initializer: 3 }, both, "documented").verdict).toBe("ok");
    expect(check({ typecode: "i", size_or_initializer: 3 }, both, "cpython").verdict).toBe("violation");
    const outOfRange = [ev("main", "getitem", { index: 3 }, [0, 1], lookup)];
    expect(check({ typecode: "i", size_or_initializer: 3 }, outOfRange, "documented").verdict).toBe("violation");
  });

  test("documentedOnly needs a documented-level rule", () => {
    const doc = `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op:
    rules:
      - { id: T.op.r, level: cpython, documentedOnly: true, source: { says: t } }
`;
    expect(() => loadSpecText(doc, "t.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(doc, "t.yaml")).toThrow(/rules\[0\]\.documentedOnly: only a documented-level rule/);
  });
});
