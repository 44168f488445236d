import { describe, expect, test } from "vitest";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkHistory } from "../checker/linearize.js";
import { loadSpecFile, PRIMITIVES_DIR, type LoadedSpec } from "../spec/load.js";
import type { HistoryEvent } from "../history/types.js";
import type { Level } from "../../spec/format.js";
import { ev, pending, raised, ret } from "../tests/history-builder.js";
import { countLinearizations, CoverageCounter, emptyCoverage, kindText, specRules } from "./coverage.js";
import { coverageMarkdown, coverageSummary, coverageText } from "../report/coverage.js";
import type { CampaignResult } from "./campaign.js";

// Lock as of 0.1 (fixtures/Lock.yaml): these tests need its exact rules, not the evolving spec.
const lock = loadSpecFile(join(dirname(fileURLToPath(import.meta.url)), "fixtures", "Lock.yaml"));
const check = (spec: LoadedSpec, events: HistoryEvent[], level: Level, profile = "multiprocessing") =>
  checkHistory(() => spec, [{ id: "o0", primitive: spec.primitive, args: {} }], { events }, { profile, level });

describe("the rules a coverage report counts", () => {
  test("every rule and internal step in the profile, in document order, with its kind", () => {
    const mp = specRules(lock, "multiprocessing");
    expect(mp.map((r) => r.id)).toEqual([
      "Lock.acquire.free", "Lock.acquire.nonblocking-held", "Lock.acquire.timeout",
      "Lock.release.check-mp", "Lock.release.unlocked-mp", "Lock.release.post-mp", "Lock.release.post-over-mp",
    ]);
    const kinds = Object.fromEntries(mp.map((r) => [r.id, kindText(r)]));
    expect(kinds["Lock.acquire.timeout"]).toBe("returns after timeout");
    expect(kinds["Lock.release.unlocked-mp"]).toBe("raises");
    expect(kinds["Lock.release.check-mp"]).toBe("continues the call");
    expect(mp.find((r) => r.id === "Lock.release.post-over-mp")!.level).toBe("deviation");
    const th = specRules(lock, "threading");
    expect(th.find((r) => r.id === "Lock.acquire.nonblocking-with-timeout-docs")!.documentedOnly).toBe(true);
    expect(th.some((r) => r.id === "Lock.release.check-mp")).toBe(false);
    const queue = loadSpecFile(join(PRIMITIVES_DIR, "Queue.yaml"));
    expect(specRules(queue, "multiprocessing").some((r) => r.kind === "internal")).toBe(true);
  });
});

describe("counting accepted linearizations", () => {
  test("each step of a returned call counts once, by the rule that explains it; so does each phase of a call", () => {
    const r = check(lock, [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.002 }, [0.5, 3], ret(false)),
      ev("a0", "release", {}, [10, 11], ret(null)),
      ev("main", "release", {}, [20, 21], raised("ValueError", "semaphore or lock released too many times")),
      ev("main", "acquire", { block: false, timeout: null }, [30, 31], ret(true)),
      ev("main", "acquire", { block: false, timeout: null }, [32, 33], ret(false)),
    ], "cpython");
    expect(r.verdict).toBe("ok");
    const counts = emptyCoverage(lock, "multiprocessing").rules;
    expect(countLinearizations(counts, r)).toBe(true);
    expect(counts).toEqual({
      "Lock.acquire.free": 2, "Lock.acquire.nonblocking-held": 1, "Lock.acquire.timeout": 1,
      "Lock.release.check-mp": 1, "Lock.release.unlocked-mp": 1, "Lock.release.post-mp": 1, "Lock.release.post-over-mp": 0,
    });
  });

  test("a call that never returned is not counted, even when the linearization needs its effect", () => {
    const r = check(lock, [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 1], ret(true)),
      ev("a0", "release", {}, [2, 3], ret(null)),
      ev("a1", "acquire", { block: true, timeout: 0.1 }, [4, null], pending),
      ev("main", "acquire", { block: false, timeout: null }, [5, 6], ret(false)),
    ], "cpython");
    expect(r.verdict).toBe("ok");
    // The pending acquire took the lock (Lock.acquire.free) to explain the acquire(False) that returned False.
    expect(r.objects[0]!.used!.filter((id) => id === "Lock.acquire.free")).toHaveLength(2);
    const counts: Record<string, number> = {};
    countLinearizations(counts, r);
    expect(counts).toEqual({ "Lock.acquire.free": 1, "Lock.release.check-mp": 1, "Lock.release.post-mp": 1, "Lock.acquire.nonblocking-held": 1 });
  });

  test("a history in violation counts nothing", () => {
    const r = check(lock, [
      ev("a0", "acquire", { block: true, timeout: 0.1 }, [0, 2], ret(true)),
      ev("a1", "acquire", { block: true, timeout: 0.1 }, [1, 3], ret(true)),
    ], "cpython");
    expect(r.verdict).toBe("violation");
    const counts: Record<string, number> = {};
    expect(countLinearizations(counts, r)).toBe(false);
    expect(counts).toEqual({});
  });

  test("internal steps count (the Queue's feeder)", () => {
    const queue = loadSpecFile(join(PRIMITIVES_DIR, "Queue.yaml"));
    const events = [
      ev("a0", "put", { item: "x", block: true, timeout: 0.01 }, [0, 1], ret(null)),
      ev("a1", "get", { block: true, timeout: 0.1 }, [2, 5], ret("x")),
    ];
    const r = checkHistory(() => queue, [{ id: "o0", primitive: "Queue", args: {} }], { events }, { profile: "multiprocessing", level: "cpython" });
    expect(r.verdict).toBe("ok");
    const counts: Record<string, number> = {};
    countLinearizations(counts, r);
    const internal = new Set(specRules(queue, "multiprocessing").filter((x) => x.kind === "internal").map((x) => x.id));
    expect(Object.keys(counts).some((id) => internal.has(id))).toBe(true);
  });

  test("documentedOnly rules are counted from the documented level's check, every other rule from the cpython level's", () => {
    // threading.Lock().acquire(False, 0.1) raises ValueError: the cpython rule explains it at the
    // cpython level, the any-exception documentedOnly rule at the documented level.
    const events = [ev("main", "acquire", { block: false, timeout: 0.1 }, [0, 1], { kind: "raised", type: "ValueError", message: "can't specify a timeout for a non-blocking call", mro: ["ValueError", "Exception", "BaseException"] })];
    const checks = { cpython: check(lock, events, "cpython", "threading"), documented: check(lock, events, "documented", "threading") };
    const counter = new CoverageCounter(lock, "threading");
    counter.record(checks, ["cpython", "documented"]);
    counter.record(checks, ["cpython", "documented"]);
    const c = counter.coverage;
    expect(c.histories).toBe(2);
    expect(c.documentedHistories).toBe(2);
    expect(c.rules["Lock.acquire.nonblocking-with-timeout"]).toBe(2);
    expect(c.rules["Lock.acquire.nonblocking-with-timeout-docs"]).toBe(2);
    // The documented level's counts of every rule are kept apart.
    expect(c.documented["Lock.acquire.nonblocking-with-timeout-docs"]).toBe(2);
    expect(c.documented["Lock.acquire.nonblocking-with-timeout"]).toBe(0);
    // A campaign of the cpython level alone recounts that level only.
    counter.reset(["cpython"]);
    counter.record(checks, ["cpython"]);
    expect(c.rules["Lock.acquire.nonblocking-with-timeout"]).toBe(1);
    expect(c.rules["Lock.acquire.nonblocking-with-timeout-docs"]).toBe(2);
    expect([c.histories, c.documentedHistories]).toEqual([1, 2]);
  });
});

describe("coverage reports", () => {
  const result = (spec: LoadedSpec, rules: Record<string, number>): CampaignResult => ({
    primitive: spec.primitive, profile: "multiprocessing", verdict: "pass", level: "cpython", runs: 10, levels: {}, inconclusive: 0, cut: 0,
    long: { runs: 0, cut: 0, horizonMs: 3000 }, ms: 1, coverage: { ...emptyCoverage(spec, "multiprocessing"), histories: 10, documentedHistories: 10, rules: { ...emptyCoverage(spec, "multiprocessing").rules, ...rules } },
  });

  test("gaps, rules marked rare and deviations not seen are told apart", () => {
    const marked = { ...lock, doc: lock.doc } as LoadedSpec;
    // A copy of Lock whose timeout rule says it is rare.
    const ops = new Map(lock.operations);
    const acquire = ops.get("acquire")!;
    ops.set("acquire", {
      ...acquire,
      phases: acquire.phases.map((ph) => ph.map((r) => (r.rule.id === "Lock.acquire.timeout" ? { ...r, rule: { ...r.rule, reachable: { rare: "needs a timeout shorter than the holder's hold" } } } : r))),
    });
    marked.operations = ops;
    const r = result(marked, { "Lock.acquire.free": 4, "Lock.release.check-mp": 2, "Lock.release.post-mp": 2 });
    const withDocumented = { ...r, coverage: { ...r.coverage!, documented: { ...r.coverage!.documented, "Lock.acquire.nonblocking-held": 3 } } };
    const d = coverageSummary(marked, withDocumented);
    expect(d.exercised).toBe(4);
    expect(d.documentedOnlyExercised.map((x) => x.id)).toEqual(["Lock.acquire.nonblocking-held"]);
    expect(coverageText(marked, withDocumented)).toMatch(/exercised at the documented level only \(1\): Lock\.acquire\.nonblocking-held/);
    const s = coverageSummary(marked, r);
    expect([s.exercised, s.total]).toEqual([3, 7]);
    expect(s.gaps.map((x) => x.id)).toEqual(["Lock.acquire.nonblocking-held", "Lock.release.unlocked-mp"]);
    expect(s.rare.map((x) => [x.id, x.count])).toEqual([["Lock.acquire.timeout", 0]]);
    expect(s.deviations.map((x) => x.id)).toEqual(["Lock.release.post-over-mp"]);
    const text = coverageText(marked, r);
    expect(text).toMatch(/coverage: 3\/7 rules exercised over 10 histories judged ok; never exercised \(2\):\n {4}Lock\.acquire\.nonblocking-held \(documented, returns\)\n {4}Lock\.release\.unlocked-mp \(documented, raises\)/);
    expect(text).toMatch(/marked rare \(1\):\n {4}Lock\.acquire\.timeout \(documented, returns after timeout\): needs a timeout shorter/);
    expect(text).toMatch(/CPython deviations not seen \(1\): Lock\.release\.post-over-mp/);
    const md = coverageMarkdown({ implementation: "x 1", profile: "multiprocessing", runs: 10, seed: 1, command: "npx mpspec coverage" }, [{ spec: marked, result: r }]);
    expect(md).toMatch(/\| Lock \| pass \| 10 \| 3 \/ 7 \| 2 \| 1 \/ 1 \| 1 \|/);
    expect(md).toMatch(/## Marked rare[\s\S]*\| Lock \| `Lock\.acquire\.timeout` \| documented \| 0 \| needs a timeout/);
  });
});
