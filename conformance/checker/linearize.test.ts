import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { checkHistory } from "./linearize.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import type { HistoryEvent, Outcome } from "../history/types.js";
import { ev, pending, raised, ret } from "../tests/history-builder.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};

function check(primitive: string, events: HistoryEvent[], opts: { profile?: string; level?: "documented" | "cpython"; args?: Record<string, never>; deviations?: boolean } = {}) {
  return checkHistory(specFor, [{ id: "o0", primitive, args: opts.args ?? {} }], { events }, {
    profile: opts.profile ?? "multiprocessing",
    level: opts.level ?? "cpython",
    deviations: opts.deviations ?? false,
  });
}

describe("a call without a timeout (None) never times out", () => {
  // Event.wait.timeout has no `args.timeout != null` guard: the checker itself must refuse a
  // timed-out outcome for a wait that had no timeout, however late it came.
  test("Event.wait(None) -> False with no set() is a violation; wait(0.01) -> False is not", () => {
    const waitFalse = (timeout: number | null) => check("Event", [ev("a0", "wait", { timeout }, [0, 50], ret(false))], { profile: "threading" });
    expect(waitFalse(0.01).verdict).toBe("ok");
    const r = waitFalse(null);
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.contradicts).toContain("Event.wait.timeout");
  });
});

describe("Lock", () => {
  test("a timed-out acquire while another actor holds the lock is legal", () => {
    const r = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.002 }, [0.5, 3], ret(false)),
      ev("a0", "release", {}, [10, 11], ret(null)),
    ]);
    expect(r.verdict).toBe("ok");
  });

  test("a timed-out acquire that returned before its timeout is a violation", () => {
    const r = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.02 }, [2, 3], ret(false)),
      ev("a0", "release", {}, [30, 31], ret(null)),
    ]);
    expect(r.verdict).toBe("violation");
    const o = r.objects[0]!;
    expect(o.stuck!.some((s) => s.returnedBeforeTimeout)).toBe(true);
  });

  test("a timed-out acquire while the lock was free the whole time is a violation", () => {
    const r = check("Lock", [ev("a1", "acquire", { block: true, timeout: 0.002 }, [0, 5], ret(false))]);
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.contradicts).toContain("Lock.acquire.free");
  });

  test("two overlapping successful acquires without a release are a violation", () => {
    const r = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 2], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.1 }, [1, 3], ret(true)),
    ]);
    expect(r.verdict).toBe("violation");
  });

  test("a blocked acquire completes after the release that unblocks it", () => {
    const r = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.1 }, [2, 20], ret(true)),
      ev("a0", "release", {}, [10, 11], ret(null)),
    ]);
    expect(r.verdict).toBe("ok");
  });

  test("a pending call may or may not have taken effect", () => {
    const taken = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, null], pending),
      ev("a1", "acquire", { block: false, timeout: null }, [5, 6], ret(false)),
    ]);
    expect(taken.verdict).toBe("ok");
    const notTaken = check("Lock", [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, null], pending),
      ev("a1", "acquire", { block: false, timeout: null }, [5, 6], ret(true)),
    ]);
    expect(notTaken.verdict).toBe("ok");
  });

  test("error type is judged at both levels, the message only at the cpython level", () => {
    const events = [ev("main", "release", {}, [0, 1], raised("ValueError", "some other text"))];
    expect(check("Lock", events, { level: "documented" }).verdict).toBe("ok");
    const strict = check("Lock", events, { level: "cpython" });
    expect(strict.verdict).toBe("violation");
    expect(strict.objects[0]!.contradicts).toEqual(["Lock.release.unlocked-mp"]);
    expect(check("Lock", [ev("main", "release", {}, [0, 1], raised("RuntimeError", "release unlocked lock"))]).verdict).toBe("violation");
  });

  test("profiles select their own rules", () => {
    const events = [ev("main", "release", {}, [0, 1], raised("RuntimeError", "release unlocked lock"))];
    expect(check("Lock", events, { profile: "threading" }).verdict).toBe("ok");
    expect(check("Lock", events, { profile: "multiprocessing" }).verdict).toBe("violation");
  });
});

describe("Lock levels", () => {
  // main holds the lock; a0 and a1 release it at once: both return None, and both then hold it.
  const doublyFree = [
    ev("main", "acquire", { block: true, timeout: null }, [0, 1], ret(true)),
    ev("a0", "release", {}, [2, 5], ret(null)),
    ev("a1", "release", {}, [2, 5], ret(null)),
    ev("a0", "acquire", { block: false, timeout: null }, [6, 7], ret(true)),
    ev("a1", "acquire", { block: false, timeout: null }, [8, 9], ret(true)),
  ];

  test("overlapping multiprocessing releases leaving the lock doubly free: a known deviation", () => {
    const cpython = check("Lock", doublyFree);
    expect(cpython.verdict).toBe("ok");
    expect(cpython.objects[0]!.used).toContain("Lock.release.post-over-mp");
    const documented = check("Lock", doublyFree, { level: "documented" });
    expect(documented.verdict).toBe("violation");
    const known = check("Lock", doublyFree, { level: "documented", deviations: true });
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toContain("Lock.release.post-over-mp");
  });

  test("overlapping releases where one raises ValueError conform at the documented level", () => {
    const events = [...doublyFree.slice(0, 2), ev("a1", "release", {}, [2, 5], raised("ValueError", "semaphore or lock released too many times"))];
    expect(check("Lock", events, { level: "documented" }).verdict).toBe("ok");
  });

  // threading: a1's acquire has taken the lock but not yet set its flag; a0 sees it held, then
  // cannot release it.
  const lag = [
    ev("main", "acquire", { block: true, timeout: null }, [0, 1], ret(true)),
    ev("a1", "acquire", { block: true, timeout: 0.05 }, [2, 20], ret(true)),
    ev("main", "release", {}, [3, 4], ret(null)),
    ev("main", "acquire", { block: false, timeout: null }, [5, 6], ret(false)),
    ev("main", "release", {}, [7, 8], raised("RuntimeError", "release unlocked lock")),
  ];

  test("threading: release() raising while another acquire holds the lock unflagged is a known deviation", () => {
    expect(check("Lock", lag, { profile: "threading" }).verdict).toBe("ok");
    expect(check("Lock", lag, { profile: "threading", level: "documented" }).verdict).toBe("violation");
    const known = check("Lock", lag, { profile: "threading", level: "documented", deviations: true });
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toContain("Lock.release.unlocked-lag-threading");
    // An atomic lock: the release succeeds, and a1's acquire holds the lock afterwards.
    const atomic = [...lag.slice(0, 4), ev("main", "release", {}, [7, 8], ret(null))];
    expect(check("Lock", atomic, { profile: "threading", level: "documented" }).verdict).toBe("ok");
  });

  test("threading acquire(False, timeout): CPython's ValueError at the cpython level, any exception at the documented level", () => {
    const call = (o: Outcome) => [ev("main", "acquire", { block: false, timeout: 0.005 }, [0, 1], o)];
    expect(check("Lock", call(raised("ValueError", "can't specify a timeout for a non-blocking call")), { profile: "threading" }).verdict).toBe("ok");
    const other = call({ kind: "raised", type: "TypeError", message: "no timeout here", mro: ["Exception", "BaseException"] });
    expect(check("Lock", other, { profile: "threading" }).verdict).toBe("violation");
    expect(check("Lock", other, { profile: "threading", level: "documented" }).verdict).toBe("ok");
  });
});

describe("BoundedSemaphore and Semaphore levels", () => {
  test("overlapping multiprocessing releases above the bound: a known deviation", () => {
    const events = [
      ev("main", "acquire", { block: true, timeout: null }, [0, 1], ret(true)),
      ev("a0", "release", {}, [2, 5], ret(null)),
      ev("a1", "release", {}, [2, 5], ret(null)),
      ev("main", "get_value", {}, [6, 7], ret(2)),
    ];
    const args = { value: 1 } as unknown as Record<string, never>;
    expect(check("BoundedSemaphore", events, { args }).verdict).toBe("ok");
    expect(check("BoundedSemaphore", events, { args, level: "documented" }).verdict).toBe("violation");
    const known = check("BoundedSemaphore", events, { args, level: "documented", deviations: true });
    expect(known.verdict).toBe("ok");
    expect(known.objects[0]!.used).toContain("BoundedSemaphore.release.post-over-mp");
  });

  test("threading acquire(False, timeout): ValueError at the cpython level; a non-blocking result or any exception at the documented level", () => {
    const args = { value: 1 } as unknown as Record<string, never>;
    for (const p of ["Semaphore", "BoundedSemaphore"]) {
      const call = (o: Outcome) => [ev("main", "acquire", { block: false, timeout: 0.005 }, [0, 1], o)];
      expect(check(p, call(raised("ValueError", "can't specify timeout for non-blocking acquire")), { profile: "threading", args }).verdict).toBe("ok");
      expect(check(p, call(ret(true)), { profile: "threading", args }).verdict).toBe("violation");
      expect(check(p, call(ret(true)), { profile: "threading", args, level: "documented" }).verdict).toBe("ok");
      expect(check(p, call(ret(false)), { profile: "threading", args, level: "documented" }).verdict).toBe("violation");
    }
  });
});

describe("two-phase calls", () => {
  const rendezvous = loadSpecFile(join(import.meta.dirname, "fixtures/Rendezvous.yaml"));
  const run = (events: HistoryEvent[]) =>
    checkHistory(() => rendezvous, [{ id: "o0", primitive: "Rendezvous", args: {} }], { events }, { profile: "test", level: "cpython" });

  test("two overlapping waits both return", () => {
    expect(run([ev("a0", "wait", {}, [0, 10], ret(true)), ev("a1", "wait", {}, [5, 6], ret(true))]).verdict).toBe("ok");
  });

  test("a wait cannot return before its partner arrives", () => {
    const r = run([ev("a0", "wait", {}, [0, 2], ret(true)), ev("a1", "wait", {}, [5, 6], ret(true))]);
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.stuck!.map((s) => s.predictions.map((p) => p.ruleId))).toContainEqual(["Rendezvous.wait.depart"]);
  });

  test("a lone wait that never returned is fine; one that returned is not", () => {
    expect(run([ev("a0", "wait", {}, [0, null], pending)]).verdict).toBe("ok");
    expect(run([ev("a0", "wait", {}, [0, 3], ret(true))]).verdict).toBe("violation");
  });

  test("generations are reusable", () => {
    const r = run([
      ev("a0", "wait", {}, [0, 10], ret(true)),
      ev("a1", "wait", {}, [5, 11], ret(true)),
      ev("a0", "wait", {}, [20, 30], ret(true)),
      ev("a1", "wait", {}, [25, 31], ret(true)),
    ]);
    expect(r.verdict).toBe("ok");
  });
});

describe("Queue (multiprocessing): per-producer FIFO, cross-producer interleaving", () => {
  const put = (actor: string, item: string, at: number) => ev(actor, "put", { item, block: true, timeout: 0.02 }, [at, at + 1], ret(null));
  const get = (item: string, at: number) => ev("main", "get", { block: true, timeout: 0.02 }, [at, at + 1], ret(item));

  test("items from different producers may interleave in any order", () => {
    const r = check("Queue", [put("a0", "i1", 0), put("a0", "i2", 2), put("a1", "i3", 0.5), get("i3", 10), get("i1", 12), get("i2", 14)]);
    expect(r.verdict).toBe("ok");
  });

  test("items from one producer come out in put order", () => {
    const r = check("Queue", [put("a0", "i1", 0), put("a0", "i2", 2), get("i2", 10), get("i1", 12)]);
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.contradicts!.some((id) => /^Queue\.get\./.test(id))).toBe(true);
  });

  test("the threading queue.Queue is linearizable: a put that returned before another began comes out first", () => {
    const events = [put("a0", "i1", 0), put("a1", "i2", 2), get("i2", 10), get("i1", 12)];
    expect(check("Queue", events, { profile: "threading" }).verdict).toBe("violation");
    // ...while in multiprocessing the feeder threads of two producers may flush in either order.
    expect(check("Queue", events, { profile: "multiprocessing" }).verdict).toBe("ok");
  });

  test("get_nowait right after a put may see an empty queue (multiprocessing only)", () => {
    const events = [
      ev("main", "put", { item: "i1", block: true, timeout: 0.02 }, [0, 1], ret(null)),
      ev("main", "get_nowait", {}, [2, 3], raised("queue.Empty")),
    ];
    expect(check("Queue", events, { profile: "multiprocessing" }).verdict).toBe("ok");
    expect(check("Queue", events, { profile: "threading" }).verdict).toBe("violation");
  });
});

describe("RLock", () => {
  test("only the owner may release", () => {
    const acquire = ev("main", "acquire", { block: true, timeout: 0.02 }, [0, 1], ret(true));
    const legal = check("RLock", [acquire, ev("a0", "release", {}, [5, 6], raised("AssertionError", "attempt to release recursive lock not owned by thread"))]);
    expect(legal.verdict).toBe("ok");
    const illegal = check("RLock", [acquire, ev("a0", "release", {}, [5, 6], ret(null))]);
    expect(illegal.verdict).toBe("violation");
    expect(illegal.objects[0]!.contradicts).toContain("RLock.release.not-owner-mp");
  });

  test("the owner re-enters", () => {
    const r = check("RLock", [
      ev("a0", "acquire", { block: true, timeout: 0.02 }, [0, 1], ret(true)),
      ev("a0", "acquire", { block: false, timeout: 0.02 }, [2, 3], ret(true)),
      ev("a1", "acquire", { block: false, timeout: 0.02 }, [4, 5], ret(false)),
      ev("a0", "release", {}, [6, 7], ret(null)),
      ev("a1", "acquire", { block: false, timeout: 0.02 }, [8, 9], ret(false)),
      ev("a0", "release", {}, [10, 11], ret(null)),
      ev("a1", "acquire", { block: false, timeout: 0.02 }, [12, 13], ret(true)),
    ]);
    expect(r.verdict).toBe("ok");
  });
});
