// The liveness rule: a call that never returned, although it waited longer than a call may take
// once it can complete, must end every explanation blocked and without effect.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { checkHistory, type CheckOptions } from "./linearize.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import type { HistoryEvent } from "../history/types.js";
import { ev, pending, ret } from "../tests/history-builder.js";
import { violationText } from "../report/explain.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};
const MS = 1e6;

function check(primitive: string, events: HistoryEvent[], opts: Partial<CheckOptions> = {}) {
  return checkHistory(specFor, [{ id: "o0", primitive, args: {} }], { events }, { profile: "multiprocessing", level: "cpython", ...opts });
}

describe("liveness of calls that never returned", () => {
  const held = ev("main", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true));

  test("a blocking acquire of a held lock may wait for good", () => {
    const r = check("Lock", [held, ev("a0", "acquire", { block: true, timeout: null }, [2, null], pending)], { cutAt: 3000 * MS });
    expect(r.verdict).toBe("ok");
  });

  test("an acquire of a free lock that never returns is a violation once it had time", () => {
    const events = [ev("a0", "acquire", { block: true, timeout: null }, [2, null], pending)];
    const r = check("Lock", events, { cutAt: 3000 * MS });
    expect(r.verdict).toBe("violation");
    const o = r.objects[0]!;
    expect(o.contradicts).toContain("Lock.acquire.free");
    expect(o.stuck![0]!.neverReturned).toMatchObject({ tookEffect: false });
    expect(violationText(o)).toMatch(/never returned; waited at least 2998 ms/);
  });

  test("... but not when it was invoked just before the cut: then it is undecided (a longer watch could tell)", () => {
    const r = check("Lock", [ev("a0", "acquire", { block: true, timeout: null }, [2, null], pending)], { cutAt: 100 * MS });
    expect(r.verdict).toBe("ok");
    expect(r.objects[0]!.undecided).toBe(1);
    // One that is rightly blocked (the lock held) is not undecided.
    const blocked = check("Lock", [held, ev("a0", "acquire", { block: true, timeout: null }, [2, null], pending)], { cutAt: 100 * MS });
    expect(blocked.verdict).toBe("ok");
    expect(blocked.objects[0]!.undecided).toBeUndefined();
  });

  test("without a known cut, pending calls are unconstrained (as before)", () => {
    expect(check("Lock", [ev("a0", "acquire", { block: true, timeout: null }, [2, null], pending)]).verdict).toBe("ok");
  });

  test("a timed acquire of a held lock must time out: pending long past its timeout is a violation", () => {
    const events = [held, ev("a0", "acquire", { block: true, timeout: 0.005 }, [2, null], pending)];
    expect(check("Lock", events, { cutAt: 200 * MS }).verdict).toBe("ok");
    const r = check("Lock", events, { cutAt: 3000 * MS });
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.stuck![0]!.neverReturned!.timeoutElapsed).toBe(true);
  });

  test("a release that never returns is a violation, even where taking effect explains another call", () => {
    const events = [
      held,
      ev("a0", "release", {}, [2, null], pending),
      ev("a1", "acquire", { block: true, timeout: 1 }, [3, 5], ret(true)),
    ];
    expect(check("Lock", events, { cutAt: 50 * MS }).verdict).toBe("ok");
    const r = check("Lock", events, { cutAt: 3000 * MS });
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.stuck![0]!.neverReturned!.tookEffect).toBe(true);
  });

  test("a Queue get after a put must return once the feeder could flush (internal steps happen by themselves)", () => {
    const events = [
      ev("main", "put", { item: "i1", block: true, timeout: null }, [0, 1], ret(null)),
      ev("a0", "get", { block: true, timeout: null }, [2, null], pending),
    ];
    const r = check("Queue", events, { cutAt: 3000 * MS });
    expect(r.verdict).toBe("violation");
    expect(check("Queue", [events[1]!], { cutAt: 3000 * MS }).verdict).toBe("ok");
  });

  test("an internal step that is not prompt (within) releases a waiting call only past its bound: a Process's end", () => {
    const process = loadSpecFile(join(PRIMITIVES_DIR, "Process.yaml"));
    expect(process.internal.find((c) => c.step.id === "Process.finish")!.step.within).toBe(2.5);
    const events = [
      ev("main", "start", {}, [0, 1], ret(null)),
      ev("a0", "join", { timeout: null }, [2, null], pending),
    ];
    const run = (cutMs: number) =>
      checkHistory(() => process, [{ id: "o0", primitive: "Process", args: { target: { $callable: "noop" }, args: [] } }], { events }, { profile: "multiprocessing", level: "cpython", cutAt: cutMs * MS });
    // A child may take a while to start and end: a join pending for 1 s is fine...
    expect(run(1000).verdict).toBe("ok");
    // ... for 3 s (past 2.5 s) it never returned although the process could have ended.
    const late = run(3000);
    expect(late.verdict).toBe("violation");
    expect(late.objects[0]!.contradicts).toContain("Process.join.wait");
  });
});
