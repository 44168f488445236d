// The queues' and Pipe's verdicts at the cpython and documented levels on hand-written histories
// are data: spec/primitives/{Queue,JoinableQueue,SimpleQueue,Pipe}.histories.yaml (run by
// spec-histories.test.ts). What stays here needs options that format does not carry: the documented
// level with CPython's known deviations admitted (`deviations: true`), where a deviation passes,
// and a cut (`cutAt`) for a get that waits for good.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { HistoryEvent, Outcome } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import { ev, pending, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};
/** The verdict at the documented level with CPython's known deviations admitted. */
const admitted = (primitive: string, events: HistoryEvent[]) =>
  checkHistory(specFor, [{ id: "o0", primitive, args: {} }], { events }, { profile: "multiprocessing", level: "documented", deviations: true }).verdict;
const exception = (type: string, mro: string[], message = ""): Outcome => ({ kind: "raised", type, message, mro });

describe("Queue and JoinableQueue: CPython's deviations admitted", () => {
  for (const primitive of ["Queue", "JoinableQueue"]) {
    test(`${primitive}: a get racing another thread's close() that raises TypeError or OSError passes; so does ValueError, as the docs say`, () => {
      for (const err of [raised("TypeError", "'NoneType' object cannot be interpreted as an integer"), raised("OSError", "handle is closed")]) {
        const events = [
          ev("main", "put", { item: "i1", block: true, timeout: 0.02 }, [0, 1], ret(null)),
          ev("a0", "get", { block: false, timeout: null }, [10, 20], err),
          ev("a1", "close", {}, [11, 12], ret(null)),
        ];
        expect(admitted(primitive, events)).toBe("ok");
      }
      const valueError = [
        ev("a1", "close", {}, [0, 1], ret(null)),
        ev("a0", "get", { block: false, timeout: null }, [10, 20], raised("ValueError", `Queue <multiprocessing.queues.${primitive} object at 0x7f00> is closed`)),
      ];
      expect(admitted(primitive, valueError)).toBe("ok");
    });
  }

  test("a get_nowait raising queue.Empty while another get holds the reader lock passes", () => {
    const events = [
      ev("a0", "get", { block: true, timeout: 0.02 }, [0, 30], raised("queue.Empty")),
      ev("a1", "get_nowait", {}, [5, 6], raised("queue.Empty")),
    ];
    expect(admitted("Queue", events)).toBe("ok");
  });
});

describe("SimpleQueue", () => {
  const empty = (actor: string, at: [number, number], outcome: Outcome) => ev(actor, "empty", {}, at, outcome);
  test("with deviations admitted, empty() racing another thread's close() may return False, True or raise OSError", () => {
    const events = [ev("main", "put", { item: "i1" }, [0, 1], ret(null)), ev("main", "get", {}, [2, 3], ret("i1")), ev("a0", "close", {}, [10, 12], ret(null))];
    for (const outcome of [ret(false), ret(true), raised("OSError", "handle is closed")]) {
      expect(admitted("SimpleQueue", [...events, empty("a1", [10.5, 11], outcome)])).toBe("ok");
    }
  });

  test("a get may wait for good after another actor's close (actors in processes), or end (threads)", () => {
    const events = [
      ev("a0", "get", {}, [0, null], pending),
      ev("a1", "close", {}, [1, 2], ret(null)),
      ev("a1", "put", { item: "i2" }, [3, 4], exception("OSError", ["Exception", "BaseException"], "handle is closed")),
    ];
    for (const level of ["documented", "cpython"] as const) {
      const r = checkHistory(specFor, [{ id: "o0", primitive: "SimpleQueue", args: {} }], { events }, { profile: "multiprocessing", level, cutAt: 2000e6 });
      expect(r.verdict).toBe("ok");
    }
    const ended = [ev("a0", "get", {}, [0, 3], exception("EOFError", ["Exception", "BaseException"])), ...events.slice(1)];
    expect(admitted("SimpleQueue", ended)).toBe("ok");
  });

  test("with deviations admitted, a put racing a close may raise CPython's TypeError or another implementation's error", () => {
    const racing = (outcome: Outcome) => [ev("a0", "close", {}, [10, 12], ret(null)), ev("a1", "put", { item: "i1" }, [10.5, 11], outcome)];
    expect(admitted("SimpleQueue", racing(exception("TypeError", ["Exception", "BaseException"], "'NoneType' object cannot be interpreted as an integer")))).toBe("ok");
    expect(admitted("SimpleQueue", racing(exception("RuntimeError", ["Exception", "BaseException"])))).toBe("ok");
  });
});

describe("Pipe", () => {
  test("with deviations admitted, a closed end raises some exception: OSError or another passes, a send that returns does not", () => {
    const closed = (outcome: Outcome) => [ev("main", "close", { end: 0 }, [0, 1], ret(null)), ev("main", "send", { end: 0, obj: "m1" }, [2, 3], outcome)];
    expect(admitted("Pipe", closed(exception("OSError", ["Exception", "BaseException"], "handle is closed")))).toBe("ok");
    expect(admitted("Pipe", closed(exception("ValueError", ["Exception", "BaseException"])))).toBe("ok");
    expect(admitted("Pipe", closed(ret(null)))).toBe("violation");
  });
});
