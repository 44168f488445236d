// Condition, Event and SimpleQueue verdicts on hand-written histories are data:
// spec/primitives/{Condition,Event,SimpleQueue}.histories.yaml (run by spec-histories.test.ts).
// What stays here is what a verdict does not show (why a history fails, which rules explain it)
// and the documented level with CPython's known deviations admitted (`deviations: true`), an
// option that format does not carry.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { JsonValue } from "../../spec/format.js";
import type { HistoryEvent } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import { ev, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};

function check(primitive: string, events: HistoryEvent[], profile: string, args: Record<string, JsonValue> = {}, level: "documented" | "cpython" = "cpython", deviations = false) {
  return checkHistory(specFor, [{ id: "o0", primitive, args }], { events }, { profile, level, deviations });
}

describe("Event", () => {
  test("multiprocessing's early False after a set() passes the documented level when deviations are admitted, explained by the deviation", () => {
    const rechecked = [
      ev("a0", "wait", { timeout: 1 }, [0, 3], ret(false)),
      ev("a1", "set", {}, [1, 1.1], ret(null)),
      ev("a1", "clear", {}, [2, 2.1], ret(null)),
    ];
    const known = check("Event", rechecked, "multiprocessing", {}, "documented", true);
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toContain("Event.wait.woken-cleared-mp");
  });

  test("a wait that returns False before its timeout with no set() is explained as returning early, in both profiles", () => {
    for (const profile of ["threading", "multiprocessing"]) {
      const r = check("Event", [ev("a0", "wait", { timeout: 0.02 }, [0, 5], ret(false))], profile);
      expect(r.verdict).toBe("violation");
      expect(r.objects[0]!.stuck!.some((s) => s.returnedBeforeTimeout)).toBe(true);
    }
  });
});

describe("Condition", () => {
  const RLOCK = { lock: null };

  test("multiprocessing's AssertionError for wait and notify without the lock passes the documented level when deviations are admitted, explained by the deviations", () => {
    const asserted = [ev("main", "wait", { timeout: 0.05 }, [0, 1], raised("AssertionError", "must acquire() condition before using wait()")), ev("main", "notify", { n: 1 }, [2, 3], raised("AssertionError", "lock is not owned"))];
    const known = check("Condition", asserted, "multiprocessing", RLOCK, "documented", true);
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toEqual(expect.arrayContaining(["Condition.wait.not-owned-mp", "Condition.notify.not-owned-mp"]));
  });

  test("threading, Lock: the ownership test's visible acquire of a free Lock passes the documented level when deviations are admitted", () => {
    const LOCK = { lock: { $new: "Lock" } };
    // a0's wait probes the free Lock; meanwhile a1's acquire(False) finds it held.
    const events = [
      ev("a0", "wait", { timeout: 0.05 }, [0, 5], raised("RuntimeError", "cannot wait on un-acquired lock")),
      ev("a1", "acquire", { block: false, timeout: null }, [1, 2], ret(false)),
    ];
    expect(check("Condition", events, "threading", LOCK, "documented", true).verdict).toBe("ok");
  });
});
