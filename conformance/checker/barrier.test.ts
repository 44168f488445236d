// The Barrier spec (spec/primitives/Barrier.yaml) judging hand-written histories:
// generations as two-phase waits, timeouts (the argument's or the constructor's),
// the action, abort/reset, and the two-read n_waiting.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { JsonValue } from "../../spec/format.js";
import type { HistoryEvent } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { ev, pending, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Barrier.yaml"));
const BROKEN = "threading.BrokenBarrierError";
const RAISE = { $callable: "raise", type: "ValueError", message: "action failed" };

function check(ctor: Record<string, JsonValue>, events: HistoryEvent[], level: "documented" | "cpython" = "cpython", profile = "multiprocessing") {
  return checkHistory(() => spec, [{ id: "o0", primitive: "Barrier", args: { action: null, timeout: 0.05, ...ctor } }], { events }, { profile, level });
}
const wait = (actor: string, at: [number, number | null], outcome: ReturnType<typeof ret>, timeout: number | null = 1) => ev(actor, "wait", { timeout }, at, outcome);
const read = (actor: string, op: "n_waiting" | "broken" | "parties", at: [number, number], value: JsonValue) => ev(actor, op, {}, at, ret(value));
const contradicts = (r: ReturnType<typeof check>) => r.objects.flatMap((o) => o.contradicts ?? []);

describe("Barrier generations", () => {
  test("the waits of one generation return together with distinct indices", () => {
    const events = [wait("a0", [0, 10], ret(0)), wait("a1", [1, 10], ret(2)), wait("a2", [2, 10], ret(1))];
    expect(check({ parties: 3 }, events).verdict).toBe("ok");
    expect(check({ parties: 3 }, events, "documented").verdict).toBe("ok");
  });

  test("two parties with one index are caught at both levels", () => {
    const events = [wait("a0", [0, 10], ret(0)), wait("a1", [1, 10], ret(0))];
    for (const level of ["cpython", "documented"] as const) {
      const r = check({ parties: 2 }, events, level);
      expect(r.verdict).toBe("violation");
      expect(contradicts(r).some((id) => /^Barrier\.wait\.(released|release)$/.test(id)), contradicts(r).join()).toBe(true);
    }
  });

  test("no wait returns before the generation's last party arrived", () => {
    const r = check({ parties: 2 }, [wait("a0", [0, 2], ret(0)), wait("a1", [5, 6], ret(1))]);
    expect(r.verdict).toBe("violation");
  });

  test("indices follow arrival order in CPython; the docs only promise distinct ones", () => {
    // a2 sees a0 waiting before a1 starts, so a0 arrived first and takes index 0.
    const events = [wait("a0", [0, 10], ret(1)), read("a2", "n_waiting", [2, 3], 1), wait("a1", [5, 10], ret(0))];
    expect(check({ parties: 2 }, events, "cpython").verdict).toBe("violation");
    expect(check({ parties: 2 }, events, "documented").verdict).toBe("ok");
  });

  test("the barrier is reusable", () => {
    const events = [
      wait("a0", [0, 10], ret(0)), wait("a1", [1, 10], ret(1)),
      wait("a0", [20, 30], ret(1)), wait("a1", [15, 30], ret(0)),
    ];
    expect(check({ parties: 2 }, events).verdict).toBe("ok");
  });
});

describe("Barrier timeouts", () => {
  test("a lone wait breaks the barrier once its timeout has run out, not before", () => {
    expect(check({ parties: 2 }, [wait("a0", [0, 21], raised(BROKEN), 0.02)]).verdict).toBe("ok");
    const early = check({ parties: 2 }, [wait("a0", [0, 5], raised(BROKEN), 0.02)]);
    expect(early.verdict).toBe("violation");
    expect(early.objects[0]!.stuck!.some((s) => s.returnedBeforeTimeout)).toBe(true);
  });

  test("wait(None) takes the constructor's timeout", () => {
    expect(check({ parties: 2, timeout: 0.05 }, [wait("a0", [0, 51], raised(BROKEN), null)]).verdict).toBe("ok");
    expect(check({ parties: 2, timeout: 0.05 }, [wait("a0", [0, 30], raised(BROKEN), null)]).verdict).toBe("violation");
  });

  test("the other waiters of a timed-out generation get BrokenBarrierError, and the barrier stays broken", () => {
    const events = [
      wait("a0", [0, 30], raised(BROKEN), 1),
      wait("a1", [1, 25], raised(BROKEN), 0.02),
      read("a0", "broken", [40, 41], true),
      wait("a0", [42, 43], raised(BROKEN), 1),
    ];
    expect(check({ parties: 3 }, events).verdict).toBe("ok");
  });
});

describe("Barrier action, abort, reset", () => {
  test("an action that raises: the last party gets its exception, the others BrokenBarrierError", () => {
    const events = [wait("a0", [0, 10], raised(BROKEN)), wait("a1", [1, 10], raised("ValueError", "action failed"))];
    expect(check({ parties: 2, action: RAISE }, events).verdict).toBe("ok");
    const twice = [wait("a0", [0, 10], raised("ValueError", "action failed")), wait("a1", [1, 10], raised("ValueError", "action failed"))];
    expect(check({ parties: 2, action: RAISE }, twice).verdict).toBe("violation");
    // without a raising action, the generation returns indices
    expect(check({ parties: 2, action: { $callable: "noop" } }, events).verdict).toBe("violation");
  });

  test("a raising action at the documented level: any one party may raise any exception, the others BrokenBarrierError", () => {
    const other = { kind: "raised" as const, type: "RuntimeError", message: "action did not complete", mro: ["Exception", "BaseException"] };
    // another type from the last party: the docs do not say the action's exception propagates
    const otherType = [wait("a0", [0, 10], raised(BROKEN)), wait("a1", [1, 10], other)];
    expect(check({ parties: 2, action: RAISE }, otherType).verdict).toBe("violation");
    expect(check({ parties: 2, action: RAISE }, otherType, "documented").verdict).toBe("ok");
    // the first arrival ran the action ("one of the threads"): it raises, the last gets BrokenBarrierError
    const actionFailed = { kind: "raised" as const, type: "ValueError", message: "action failed", mro: ["Exception", "BaseException"] };
    const firstRan = [wait("a0", [0, 10], actionFailed), read("a2", "n_waiting", [2, 3], 1), wait("a1", [5, 10], raised(BROKEN))];
    expect(check({ parties: 2, action: RAISE }, firstRan).verdict).toBe("violation");
    expect(check({ parties: 2, action: RAISE }, firstRan, "documented").verdict).toBe("ok");
    // but only one party ran it
    const twice = [wait("a0", [0, 10], actionFailed), wait("a1", [1, 10], actionFailed)];
    expect(check({ parties: 2, action: RAISE }, twice, "documented").verdict).toBe("violation");
  });

  test("abort breaks waiting parties; reset wakes them and leaves the barrier usable", () => {
    const aborted = [wait("a0", [0, 10], raised(BROKEN)), ev("a1", "abort", {}, [5, 6], ret(null)), read("a1", "broken", [7, 8], true)];
    expect(check({ parties: 2 }, aborted).verdict).toBe("ok");
    const reset = [
      wait("a0", [0, 10], raised(BROKEN)),
      ev("a1", "reset", {}, [5, 6], ret(null)),
      read("a1", "broken", [7, 8], false),
      wait("a0", [20, 30], ret(0)),
      wait("a1", [21, 30], ret(1)),
    ];
    expect(check({ parties: 2 }, reset).verdict).toBe("ok");
    // a reset with nobody waiting breaks nothing
    const idle = [ev("a1", "reset", {}, [0, 1], ret(null)), wait("a0", [2, 5], raised(BROKEN), 1)];
    expect(check({ parties: 2 }, idle).verdict).toBe("violation");
  });
});

describe("Barrier attributes", () => {
  test("n_waiting, broken and parties are exact when nothing is in flight", () => {
    const events = [
      wait("a0", [0, null], pending, 1),
      read("a1", "n_waiting", [5, 6], 1),
      read("a1", "broken", [7, 8], false),
      read("a1", "parties", [9, 10], 3),
    ];
    expect(check({ parties: 3 }, events).verdict).toBe("ok");
    for (const [op, value] of [["n_waiting", 2], ["broken", true], ["parties", 2]] as const) {
      const wrong = [wait("a0", [0, null], pending, 1), read("a1", op, [5, 6], value)];
      expect(check({ parties: 3 }, wrong).verdict, `${op} = ${value}`).toBe("violation");
    }
    // once a0 is seen waiting, it stays counted until it leaves (its timeout is 1 s)
    const leftEarly = [wait("a0", [0, null], pending, 1), read("a1", "n_waiting", [5, 6], 1), read("a1", "n_waiting", [7, 8], 0)];
    expect(check({ parties: 3 }, leftEarly).verdict).toBe("violation");
  });

  test("n_waiting may see every party while the last one runs the action, and no more", () => {
    const during = (n: number) => [wait("a0", [0, 10], ret(0)), wait("a1", [5, 10], ret(1)), read("a2", "n_waiting", [6, 7], n)];
    expect(check({ parties: 2, action: { $callable: "noop" } }, during(2)).verdict).toBe("ok");
    expect(check({ parties: 2 }, during(3)).verdict).toBe("violation");
  });

  test("the attribute reads are carried as form 'get'", () => {
    expect(spec.operations.get("n_waiting")!.form).toBe("get");
    expect(spec.operations.get("wait")!.form).toBe("call");
  });
});

describe("Barrier(0) and Barrier(-1)", () => {
  test("every wait waits for its timeout, then breaks the barrier; none passes at once", () => {
    for (const parties of [0, -1]) {
      const events = [wait("a0", [0, 52], raised(BROKEN), 0.05), wait("a1", [1, 30], raised(BROKEN), null), read("main", "broken", [60, 61], true), read("main", "parties", [62, 63], parties)];
      expect(check({ parties, timeout: 0.02 }, events).verdict).toBe("ok");
      expect(check({ parties, timeout: 0.02 }, events, "documented").verdict).toBe("ok");
      // A port that lets them through (count >= parties): caught.
      const r = check({ parties, timeout: 0.02 }, [wait("a0", [0, 1], ret(0), 0.05)]);
      expect(r.verdict).toBe("violation");
      expect(contradicts(r).some((id) => id.startsWith("Barrier.wait.")), contradicts(r).join()).toBe(true);
    }
  });

  test("n_waiting counts the waiting parties", () => {
    const events = [wait("a0", [0, 300], raised(BROKEN), 0.25), read("a1", "n_waiting", [1, 2], 1), wait("a1", [3, 300], raised(BROKEN), 0.25)];
    expect(check({ parties: 0 }, events).verdict).toBe("ok");
  });
});

describe("Barrier action results", () => {
  test("an action's return value is dropped: the last party returns its index", () => {
    const seven = { $callable: "return", value: 7 };
    expect(check({ parties: 2, action: seven }, [wait("a0", [0, 10], ret(0)), wait("a1", [1, 10], ret(1))]).verdict).toBe("ok");
    const r = check({ parties: 2, action: seven }, [wait("a0", [0, 10], ret(0)), wait("a1", [1, 10], ret(7))]);
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("Barrier.wait.release");
  });
});

