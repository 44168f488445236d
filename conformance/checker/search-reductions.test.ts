// The search's shortcuts must not change a verdict: reads taken as soon as they match, reads that
// never returned left out, and the typed-array memo. Random histories of a compare-and-set
// register (reads, writes, cas, overlapping, some never returned) are judged by the memoized,
// reduced search and by plain Wing & Gong search (no memo, no reduction) and must agree.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { SPEC_FILES } from "../../bench/porcupine/data.js";
import type { HistoryEvent } from "../history/types.js";
import { SpecModel } from "../model/spec-model.js";
import { loadSpecDir, loadSpecFile } from "../spec/load.js";
import { ev, pending, ret } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";
import { MemoTable } from "./memo-table.js";

const register = loadSpecFile(SPEC_FILES.etcd);
const value = fc.integer({ min: 0, max: 2 });
const call = fc.record({
  actor: fc.integer({ min: 0, max: 3 }),
  start: fc.integer({ min: 0, max: 40 }),
  length: fc.integer({ min: 1, max: 30 }),
  never: fc.integer({ min: 0, max: 5 }).map((k) => k === 0), // about 1 in 6 never returns
  op: fc.oneof(
    fc.record({ op: fc.constant("read"), args: fc.constant({}), out: fc.option(value, { nil: null }) }),
    fc.record({ op: fc.constant("write"), args: fc.record({ value }), out: fc.constant(null) }),
    fc.record({ op: fc.constant("cas"), args: fc.record({ expected: value, new: value }), out: fc.boolean() }),
  ),
});
// One call at a time per actor: an actor's calls follow each other.
const history = fc.array(call, { minLength: 1, maxLength: 9 }).map((calls) => {
  const free = new Map<number, number>();
  const events: HistoryEvent[] = [];
  for (const c of calls) {
    if (free.get(c.actor) === Infinity) continue; // after a call that never returned the actor is gone
    const start = Math.max(c.start, free.get(c.actor) ?? 0);
    const end = c.never ? null : start + c.length;
    free.set(c.actor, end === null ? Infinity : end + 1);
    events.push(ev(`a${c.actor}`, c.op.op, c.op.args, [start, end], end === null ? pending : ret(c.op.out)));
  }
  return events;
});

const verdict = (events: HistoryEvent[], memo: boolean) =>
  checkHistory(() => register, [{ id: "o0", primitive: "CasRegister", args: {} }], { events }, { profile: "bench", level: "documented", memo }).verdict;

describe("search reductions", () => {
  test("agree with plain Wing & Gong search on random register histories", () => {
    let violations = 0;
    fc.assert(
      fc.property(history, (events) => {
        const v = verdict(events, true);
        if (v === "violation") violations++;
        expect(v).toBe(verdict(events, false));
      }),
      { numRuns: 1500, seed: 7 },
    );
    // Both verdicts occur, or the property would say little.
    expect(violations).toBeGreaterThan(100);
    expect(violations).toBeLessThan(1400);
  });

  test("a read must still wait for the write it saw, and a read that never returned cannot excuse anything", () => {
    // write(1) [0,10]; read -> 1 [2,4]: the read overlaps the write, fine.
    expect(verdict([ev("a0", "write", { value: 1 }, [0, 10], ret()), ev("a1", "read", {}, [2, 4], ret(1))], true)).toBe("ok");
    // read -> 1 [0,4] before write(1) [5,10] began: no order explains it, however early reads are taken.
    expect(verdict([ev("a1", "read", {}, [0, 4], ret(1)), ev("a0", "write", { value: 1 }, [5, 10], ret())], true)).toBe("violation");
    // A pending read left out changes nothing: cas(0, 1) -> True on the unwritten register stays a violation.
    expect(verdict([ev("a1", "read", {}, [0, null], pending), ev("a0", "cas", { expected: 0, new: 1 }, [1, 3], ret(true))], true)).toBe("violation");
  });
});

describe("MemoTable", () => {
  test("adds each tuple once, across growth, like a set of strings", () => {
    const t = new MemoTable(2);
    const ref = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.nat(40), fc.nat(3)), { maxLength: 400 }), (tuples) => {
        for (const [a, b, c, d] of tuples) {
          const k = `${a}:${b}:${c}:${d}`;
          expect(t.add(a, b, c, d)).toBe(!ref.has(k));
          ref.add(k);
        }
        expect(t.size).toBe(ref.size);
      }),
      { numRuns: 50, seed: 3 },
    );
  });

  test("words are compared whole: 32-bit values that differ only in high bits are different tuples", () => {
    const t = new MemoTable(2);
    expect(t.add(0x80000000, 1, 2, 3)).toBe(true);
    expect(t.add(0, 1, 2, 3)).toBe(true);
    expect(t.add(0x80000000, 1, 2, 3)).toBe(false);
    expect(t.add(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toBe(true);
    expect(t.add(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toBe(false);
  });
});

describe("twin keys", () => {
  const model = (primitive: string, profile = "multiprocessing") => {
    const spec = loadSpecDir().find((s) => s.primitive === primitive)!;
    return new SpecModel(spec, profile, "cpython", {});
  };
  test("calls whose rules read the actor have none (an RLock's owner is who acquired it)", () => {
    const m = model("RLock");
    expect(m.twinKey(m.prepare("a0", "acquire", { block: true, timeout: null }))).toBeUndefined();
    expect(m.twinKey(m.prepare("a0", "release", {}))).toBeUndefined();
  });
  test("the same operation and arguments share one; other arguments do not", () => {
    const m = new SpecModel(register, "bench", "documented", {});
    const w = (actor: string, value: number) => m.twinKey(m.prepare(actor, "write", { value }));
    expect(w("a0", 3)).toBeDefined();
    expect(w("a0", 3)).toBe(w("a1", 3));
    expect(w("a0", 3)).not.toBe(w("a0", 4));
  });
});
