// Event.yaml, SimpleQueue.yaml and Condition.yaml judging hand-written histories:
// what CPython does that a simpler model would get wrong, and bugs they must catch.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { JsonValue } from "../../spec/format.js";
import type { HistoryEvent } from "../history/types.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import { ev, pending, raised, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};

function check(primitive: string, events: HistoryEvent[], profile: string, args: Record<string, JsonValue> = {}, level: "documented" | "cpython" = "cpython", deviations = false) {
  return checkHistory(specFor, [{ id: "o0", primitive, args }], { events }, { profile, level, deviations });
}
const contradicts = (r: ReturnType<typeof check>) => r.objects.flatMap((o) => o.contradicts ?? []);

describe("Event", () => {
  const wait = (actor: string, at: [number, number | null], v: JsonValue | "pending", timeout = 0.02) =>
    ev(actor, "wait", { timeout }, at, v === "pending" ? pending : ret(v));
  const set = (actor: string, at: number) => ev(actor, "set", {}, [at, at + 0.1], ret(null));
  const clear = (actor: string, at: number) => ev(actor, "clear", {}, [at, at + 0.1], ret(null));

  test("a set() then clear() while a wait sleeps: threading returns True, multiprocessing may return False early", () => {
    const woken = [wait("a0", [0, 3], true, 1), set("a1", 1), clear("a1", 2)];
    expect(check("Event", woken, "threading").verdict).toBe("ok");
    expect(check("Event", woken, "multiprocessing").verdict).toBe("ok");
    const rechecked = [wait("a0", [0, 3], false, 1), set("a1", 1), clear("a1", 2)];
    expect(check("Event", rechecked, "multiprocessing").verdict).toBe("ok");
    const r = check("Event", rechecked, "threading");
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("Event.wait.woken");
  });

  test("multiprocessing's early False after a set() is a known deviation from the docs", () => {
    const rechecked = [wait("a0", [0, 3], false, 1), set("a1", 1), clear("a1", 2)];
    expect(check("Event", rechecked, "multiprocessing", {}, "documented").verdict).toBe("violation");
    const known = check("Event", rechecked, "multiprocessing", {}, "documented", true);
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toContain("Event.wait.woken-cleared-mp");
    const woken = [wait("a0", [0, 3], true, 1), set("a1", 1), clear("a1", 2)];
    expect(check("Event", woken, "multiprocessing", {}, "documented").verdict).toBe("ok");
  });

  test("a wait that returns False before its timeout with no set() is a violation in both profiles", () => {
    for (const profile of ["threading", "multiprocessing"]) {
      const r = check("Event", [wait("a0", [0, 5], false)], profile);
      expect(r.verdict).toBe("violation");
      expect(r.objects[0]!.stuck!.some((s) => s.returnedBeforeTimeout)).toBe(true);
    }
  });

  test("a timed-out wait must return False, not None", () => {
    for (const profile of ["threading", "multiprocessing"]) {
      expect(check("Event", [wait("a0", [0, 25], false)], profile).verdict).toBe("ok");
      expect(check("Event", [wait("a0", [0, 25], null)], profile).verdict).toBe("violation");
    }
  });
});

describe("SimpleQueue", () => {
  const put = (actor: string, item: string, at: number) => ev(actor, "put", { item }, [at, at + 1], ret(null));
  const get = (actor: string, at: [number, number | null], outcome: ReturnType<typeof ret>) => ev(actor, "get", {}, at, outcome);

  test("multiprocessing: a put is visible as soon as it returns (no feeder thread)", () => {
    const events = [put("a0", "i1", 0), ev("a1", "empty", {}, [2, 3], ret(true))];
    const r = check("SimpleQueue", events, "multiprocessing");
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("SimpleQueue.empty.exact");
  });

  test("FIFO across actors; a get on an empty queue never returns", () => {
    expect(check("SimpleQueue", [put("a0", "i1", 0), put("a0", "i2", 2), get("a1", [4, 5], ret("i1")), get("a1", [6, null], pending)], "threading").verdict).toBe("ok");
    const r = check("SimpleQueue", [put("a0", "i1", 0), put("a0", "i2", 2), get("a1", [4, 5], ret("i2"))], "threading");
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("SimpleQueue.get.fifo");
  });

  test("after its own close(), a get raises OSError even with items queued", () => {
    const closed = [put("main", "i1", 0), ev("main", "close", {}, [2, 3], ret(null))];
    expect(check("SimpleQueue", [...closed, get("main", [4, 5], raised("OSError", "handle is closed"))], "multiprocessing").verdict).toBe("ok");
    const r = check("SimpleQueue", [...closed, get("main", [4, 5], ret("i1"))], "multiprocessing");
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("SimpleQueue.get.closed");
    // Another actor's close: its get may go on (processes) or fail (threads).
    const other = [put("main", "i1", 0), ev("a0", "close", {}, [2, 3], ret(null))];
    expect(check("SimpleQueue", [...other, get("a1", [4, 5], ret("i1"))], "multiprocessing").verdict).toBe("ok");
    expect(check("SimpleQueue", [...other, get("a1", [4, 5], raised("OSError", "handle is closed"))], "multiprocessing").verdict).toBe("ok");
  });
});

describe("Condition", () => {
  const acquire = (actor: string, at: [number, number | null], v: boolean | "pending" = true) =>
    ev(actor, "acquire", { block: true, timeout: 0.05 }, at, v === "pending" ? pending : ret(v));
  const release = (actor: string, at: number) => ev(actor, "release", {}, [at, at + 0.1], ret(null));
  const wait = (actor: string, at: [number, number | null], v: boolean | "pending", timeout = 0.05) =>
    ev(actor, "wait", { timeout }, at, v === "pending" ? pending : ret(v));
  const notify = (actor: string, at: number, n = 1) => ev(actor, "notify", { n }, [at, at + 0.1], ret(null));
  const RLOCK = { lock: null };

  test("a notify wakes a waiter, which returns True once it holds the lock again", () => {
    for (const profile of ["threading", "multiprocessing"]) {
      const events = [acquire("a0", [0, 1]), wait("a0", [2, 10], true), release("a0", 11), acquire("a1", [1, 4]), notify("a1", 5), release("a1", 6)];
      expect(check("Condition", events, profile, RLOCK).verdict, profile).toBe("ok");
    }
  });

  test("notify(n) wakes at most n: a second waiter returning True early is a violation", () => {
    for (const profile of ["threading", "multiprocessing"]) {
      const events = [
        acquire("a0", [0, 1]), wait("a0", [1.1, 10], true), release("a0", 11),
        acquire("a1", [0, 2]), wait("a1", [2.1, 12], true), release("a1", 13),
        acquire("a2", [0, 3]), notify("a2", 4, 1), release("a2", 5),
      ];
      const r = check("Condition", events, profile, RLOCK);
      expect(r.verdict, profile).toBe("violation");
      expect(contradicts(r).some((id) => /^Condition\.wait\.timeout-/.test(id)), contradicts(r).join()).toBe(true);
      // notify(2) wakes both
      const two = events.map((e) => (e.op === "notify" ? { ...e, args: { n: 2 } } : e));
      expect(check("Condition", two, profile, RLOCK).verdict, profile).toBe("ok");
    }
  });

  test("threading wakes waiters in the order they started waiting; multiprocessing any of them", () => {
    // a0 waits first, a1 second; notify(1) wakes a1 while a0 times out.
    const events = [
      acquire("a0", [0, 1]), wait("a0", [1.1, 60], false),
      acquire("a1", [0, 2]), wait("a1", [2.1, 10], true),
      acquire("a2", [0, 3]), notify("a2", 4, 1), release("a2", 5),
      release("a1", 11), release("a0", 61),
    ];
    expect(check("Condition", events, "multiprocessing", RLOCK).verdict).toBe("ok");
    expect(check("Condition", events, "threading", RLOCK).verdict).toBe("violation");
  });

  test("the documented level: notify wakes any waiter, at least one, possibly more than n", () => {
    const fifo = [
      acquire("a0", [0, 1]), wait("a0", [1.1, 60], false),
      acquire("a1", [0, 2]), wait("a1", [2.1, 10], true),
      acquire("a2", [0, 3]), notify("a2", 4, 1), release("a2", 5),
      release("a1", 11), release("a0", 61),
    ];
    // not the first waiter: CPython's FIFO is the cpython level only
    expect(check("Condition", fifo, "threading", RLOCK).verdict).toBe("violation");
    expect(check("Condition", fifo, "threading", RLOCK, "documented").verdict).toBe("ok");
    // more than n
    const both = [
      acquire("a0", [0, 1]), wait("a0", [1.1, 10], true), release("a0", 11),
      acquire("a1", [0, 2]), wait("a1", [2.1, 12], true), release("a1", 13),
      acquire("a2", [0, 3]), notify("a2", 4, 1), release("a2", 5),
    ];
    for (const profile of ["threading", "multiprocessing"]) {
      expect(check("Condition", both, profile, RLOCK).verdict, profile).toBe("violation");
      expect(check("Condition", both, profile, RLOCK, "documented").verdict, profile).toBe("ok");
    }
    // none: both waits time out long after the notify, which had sleeping waiters to wake
    const none = [
      acquire("a0", [0, 1]), wait("a0", [1.1, 1001], false, 1), release("a0", 1002),
      acquire("a1", [0, 2]), wait("a1", [2.1, 1003], false, 1), release("a1", 1004),
      acquire("a2", [0, 3]), notify("a2", 4, 1), release("a2", 5),
    ];
    for (const profile of ["threading", "multiprocessing"]) {
      for (const level of ["cpython", "documented"] as const) {
        expect(check("Condition", none, profile, RLOCK, level).verdict, `${profile} ${level}`).toBe("violation");
      }
    }
  });

  test("multiprocessing's AssertionError for wait and notify without the lock is a known deviation (the docs say RuntimeError)", () => {
    const asserted = [ev("main", "wait", { timeout: 0.05 }, [0, 1], raised("AssertionError", "must acquire() condition before using wait()")), ev("main", "notify", { n: 1 }, [2, 3], raised("AssertionError", "lock is not owned"))];
    expect(check("Condition", asserted, "multiprocessing", RLOCK).verdict).toBe("ok");
    expect(check("Condition", asserted, "multiprocessing", RLOCK, "documented").verdict).toBe("violation");
    const known = check("Condition", asserted, "multiprocessing", RLOCK, "documented", true);
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toEqual(expect.arrayContaining(["Condition.wait.not-owned-mp", "Condition.notify.not-owned-mp"]));
    const runtime = [ev("main", "wait", { timeout: 0.05 }, [0, 1], raised("RuntimeError", "not held"))];
    expect(check("Condition", runtime, "multiprocessing", RLOCK, "documented").verdict).toBe("ok");
    expect(check("Condition", runtime, "multiprocessing", RLOCK).verdict).toBe("violation");
  });

  test("threading, Lock: the ownership test's visible acquire of a free Lock is a known deviation", () => {
    const LOCK = { lock: { $new: "Lock" } };
    // a0's wait probes the free Lock; meanwhile a1's acquire(False) finds it held.
    const events = [
      ev("a0", "wait", { timeout: 0.05 }, [0, 5], raised("RuntimeError", "cannot wait on un-acquired lock")),
      ev("a1", "acquire", { block: false, timeout: null }, [1, 2], ret(false)),
    ];
    expect(check("Condition", events, "threading", LOCK).verdict).toBe("ok");
    expect(check("Condition", events, "threading", LOCK, "documented").verdict).toBe("violation");
    expect(check("Condition", events, "threading", LOCK, "documented", true).verdict).toBe("ok");
    const atomic = [events[0]!, ev("a1", "acquire", { block: false, timeout: null }, [1, 2], ret(true))];
    expect(check("Condition", atomic, "threading", LOCK, "documented").verdict).toBe("ok");
  });

  test("wait_for with a true predicate and the lock not held: CPython's True, or any exception at the documented level", () => {
    const t = { $callable: "return", value: true };
    const other = { kind: "raised" as const, type: "RuntimeError", message: "cannot wait on un-acquired lock", mro: ["Exception", "BaseException"] };
    const events = [ev("a0", "wait_for", { predicate: t, timeout: 0.05 }, [0, 1], other)];
    expect(check("Condition", events, "threading", RLOCK).verdict).toBe("violation");
    expect(check("Condition", events, "threading", RLOCK, "documented").verdict).toBe("ok");
    const held = [acquire("a0", [0, 1]), ev("a0", "wait_for", { predicate: t, timeout: 0.05 }, [2, 3], other)];
    expect(check("Condition", held, "threading", RLOCK, "documented").verdict).toBe("violation");
  });

  test("wait releases an RLock held twice all the way, and holds it again at depth 2", () => {
    const twice = [acquire("a0", [0, 1]), acquire("a0", [1, 2])];
    const events = [...twice, wait("a0", [3, 10], true), acquire("a1", [4, 5]), notify("a1", 6), release("a1", 7), release("a0", 11), release("a0", 12)];
    expect(check("Condition", events, "threading", RLOCK).verdict).toBe("ok");
    const third = ev("a0", "release", {}, [13, 14], ret(null));
    const r = check("Condition", [...events, third], "threading", RLOCK);
    expect(r.verdict).toBe("violation");
    expect(contradicts(r)).toContain("Condition.release.not-owner-threading");
  });

  test("wait and notify without the lock raise each profile's error", () => {
    expect(check("Condition", [ev("main", "wait", { timeout: 0.05 }, [0, 1], raised("AssertionError", "must acquire() condition before using wait()"))], "multiprocessing", RLOCK).verdict).toBe("ok");
    expect(check("Condition", [ev("main", "notify", { n: 1 }, [0, 1], raised("RuntimeError", "cannot notify on un-acquired lock"))], "threading", RLOCK).verdict).toBe("ok");
    expect(check("Condition", [ev("main", "notify", { n: 1 }, [0, 1], ret(null))], "threading", RLOCK).verdict).toBe("violation");
  });

  test("threading, Lock: a wait while another actor holds the Lock proceeds, and takes the Lock", () => {
    const LOCK = { lock: { $new: "Lock" } };
    // a0's wait releases the Lock main holds, takes it back after its timeout; a0 releases it, so main's release fails.
    const events = [acquire("main", [0, 1]), wait("a0", [2, 60], false), release("a0", 61), ev("main", "release", {}, [70, 71], raised("RuntimeError", "release unlocked lock"))];
    expect(check("Condition", events, "threading", LOCK).verdict).toBe("ok");
    // ...while with an RLock it raises
    const r = check("Condition", events, "threading", RLOCK);
    expect(r.verdict).toBe("violation");
  });

  test("wait_for: a true predicate returns at once without the lock; a false one only after its timeout", () => {
    const t = { $callable: "return", value: true };
    const f = { $callable: "return", value: false };
    expect(check("Condition", [ev("a0", "wait_for", { predicate: t, timeout: 0.05 }, [0, 1], ret(true))], "threading", RLOCK).verdict).toBe("ok");
    const held = [acquire("a0", [0, 1])];
    expect(check("Condition", [...held, ev("a0", "wait_for", { predicate: f, timeout: 0.05 }, [2, 60], ret(false))], "multiprocessing", RLOCK).verdict).toBe("ok");
    expect(check("Condition", [...held, ev("a0", "wait_for", { predicate: f, timeout: 0.05 }, [2, 10], ret(false))], "multiprocessing", RLOCK).verdict).toBe("violation");
  });
});
