/**
 * A document's invariants are checked on every state the model builds (initial, after a rule,
 * after an internal step): one that does not hold is a spec error, not a verdict.
 */
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { checkHistory } from "../checker/linearize.js";
import { loadSpecFile, loadSpecText, SpecError, type LoadedSpec } from "../spec/load.js";
import { ev, ret } from "../tests/history-builder.js";
import type { HistoryEvent } from "../history/types.js";
import { SpecModel } from "./spec-model.js";
import { readFileSync } from "node:fs";

const FIXTURES = join(import.meta.dirname, "../spec/fixtures");
const gauge = loadSpecFile(join(FIXTURES, "Gauge.yaml"));
const leaky = loadSpecFile(join(FIXTURES, "LeakyGauge.yaml"));

function check(spec: LoadedSpec, events: HistoryEvent[], args: Record<string, number> = {}) {
  return checkHistory(() => spec, [{ id: "o0", primitive: spec.primitive, args }], { events }, { profile: "multiprocessing", level: "cpython" });
}

function specError(f: () => unknown): SpecError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return e as SpecError;
  }
  throw new Error("expected a SpecError");
}

describe("invariants", () => {
  test("are compiled at load, by name", () => {
    expect(gauge.invariants.map((i) => [i.name, i.expr.source])).toEqual([["in-range", "s.n >= 0 && s.n <= ctor.max"]]);
    expect(gauge.invariants[0]!.expr.where).toMatch(/Gauge\.yaml: invariants\.in-range$/);
  });

  test("an invariant that holds: the checker gives its verdicts, over rules and internal steps", () => {
    const ok = check(gauge, [
      ev("a0", "up", {}, [0, 1], ret(true)),
      ev("a1", "up", {}, [0, 1], ret(true)),
      ev("a0", "up", {}, [2, 3], ret(true)), // after the internal drain
      ev("a1", "down", {}, [4, 5], ret(true)),
    ]);
    expect(ok.verdict).toBe("ok");
    const bad = check(gauge, [ev("a0", "down", {}, [0, 1], ret(true))]);
    expect(bad.verdict).toBe("violation");
  });

  test("a rule that breaks one: the checker throws a spec error naming file, invariant, rule and state", () => {
    const e = specError(() => check(leaky, [ev("a0", "down", {}, [0, 1], ret(true))]));
    expect(e.file).toMatch(/LeakyGauge\.yaml$/);
    expect(e.place).toBe("invariants.in-range");
    expect(e.message).toMatch(/LeakyGauge\.yaml: invariants\.in-range: does not hold after rule LeakyGauge\.down\.any \(profile multiprocessing, ctor max=2\): state \{'n': -1\}/);
    expect(e.message).toContain("invariant: s.n >= 0 && s.n <= ctor.max");
  });

  test("the initial state and internal steps are checked too", () => {
    const text = readFileSync(join(FIXTURES, "Gauge.yaml"), "utf8");
    const badInit = loadSpecText(text.replace(`n: { init: "0" }`, `n: { init: "-1" }`), "g.yaml");
    expect(specError(() => new SpecModel(badInit, "multiprocessing", "cpython", {}).initial()).message).toMatch(
      /^g\.yaml: invariants\.in-range: does not hold after the initial state \(profile multiprocessing, ctor max=2\): state \{'n': -1\}/,
    );
    const badInternal = loadSpecText(text.replace(`effect: { n: "s.n - 1" }\ninvariants`, `effect: { n: "s.n + 1" }\ninvariants`), "g.yaml");
    const model = new SpecModel(badInternal, "multiprocessing", "cpython", { max: 1 });
    const [up] = model.step(model.initial(), model.prepare("a0", "up", {}), { kind: "returned", value: true }, false);
    expect(specError(() => model.internalSteps(up!.state)).message).toMatch(/does not hold after internal step Gauge\.drain \(profile multiprocessing, ctor max=1\): state \{'n': 2\}/);
  });

  test("the shipped documents' invariants hold in their initial states for every profile", () => {
    const dir = join(import.meta.dirname, "../../spec/primitives");
    for (const f of ["Barrier", "BoundedSemaphore", "Condition", "JoinableQueue", "Queue", "RLock", "Semaphore"]) {
      const spec = loadSpecFile(join(dir, `${f}.yaml`));
      expect(spec.invariants.length, f).toBeGreaterThan(0);
      const ctor = Object.fromEntries(Object.entries(spec.doc.params ?? {}).map(([k, p]) => [k, p.default ?? p.domain.oneOf?.[0] ?? p.domain.intRange?.min ?? null]));
      for (const profile of Object.keys(spec.doc.profiles)) expect(() => new SpecModel(spec, profile, "cpython", ctor).initial()).not.toThrow();
    }
  });
});
