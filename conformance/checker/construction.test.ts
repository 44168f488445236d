/**
 * Constructors that refuse their arguments (spec `construction`): the checker judges each
 * object's constructor before its calls, at each level, with CPython's known deviations apart.
 */
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { checkHistory } from "./linearize.js";
import { violationText } from "../report/explain.js";
import { loadSpecFile, loadSpecText, PRIMITIVES_DIR, SpecError, type LoadedSpec } from "../spec/load.js";
import type { History, Outcome } from "../history/types.js";
import type { JsonValue } from "../../spec/format.js";
import { ev, raised, ret } from "../tests/history-builder.js";

const specs = new Map<string, LoadedSpec>();
const specFor = (p: string) => {
  if (!specs.has(p)) specs.set(p, loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
  return specs.get(p)!;
};
const BUILT: Outcome = { kind: "returned", value: null };

function check(value: JsonValue, history: History, profile: string, level: "documented" | "cpython" = "cpython", deviations = false) {
  return checkHistory(specFor, [{ id: "o0", primitive: "Semaphore", args: { value } }], history, { profile, level, deviations });
}
const refused = (outcome: Outcome): History => ({ events: [], constructions: [{ object: "o0", outcome }] });

describe("Semaphore(-1)", () => {
  test("threading: ValueError with CPython's message is ok at both levels, and names the rule that explains it", () => {
    const h = refused(raised("ValueError", "semaphore initial value must be >= 0"));
    for (const level of ["cpython", "documented"] as const) {
      const r = check(-1, h, "threading", level);
      expect(r.verdict).toBe("ok");
      expect(r.objects[0]!.used).toEqual(["Semaphore.construct.negative"]);
    }
    // Another message: the type is documented, the text is CPython's.
    expect(check(-1, refused(raised("ValueError", "negative")), "threading", "documented").verdict).toBe("ok");
    expect(check(-1, refused(raised("ValueError", "negative")), "threading", "cpython").verdict).toBe("violation");
  });

  test("a constructor that builds the object from a value it must refuse is a violation naming the refusal", () => {
    const r = check(-1, { events: [ev("main", "get_value", {}, [0, 1], ret(0))] }, "threading");
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.contradicts).toEqual(["Semaphore.construct.negative"]);
    expect(violationText(r.objects[0]!)).toMatch(/the constructor built the object[\s\S]*Semaphore\.construct\.negative expects: raise ValueError\("semaphore initial value must be >= 0"\)/);
    // An explicit "built" entry says the same.
    expect(check(-1, { events: [], constructions: [{ object: "o0", outcome: BUILT }] }, "threading").verdict).toBe("violation");
  });

  test("a constructor that raises where the spec expects the object is a violation", () => {
    const r = check(1, refused(raised("ValueError", "semaphore initial value must be >= 0")), "threading");
    expect(r.verdict).toBe("violation");
    expect(r.objects[0]!.contradicts).toEqual([]);
    expect(violationText(r.objects[0]!)).toMatch(/raised ValueError[\s\S]*expects these arguments to build the object/);
  });

  test("multiprocessing: CPython's OSError passes the cpython level, and the documented level only as a known deviation", () => {
    const h = refused(raised("OSError", "[Errno 22] Invalid argument"));
    expect(check(-1, h, "multiprocessing", "cpython").verdict).toBe("ok");
    const doc = check(-1, h, "multiprocessing", "documented");
    expect(doc.verdict).toBe("violation");
    expect(doc.objects[0]!.contradicts).toEqual(["Semaphore.construct.negative-mp-docs"]);
    const admitted = check(-1, h, "multiprocessing", "documented", true);
    expect(admitted.verdict).toBe("ok");
    expect(admitted.objects[0]!.used).toEqual(["Semaphore.construct.negative-mp"]);
    // What the docs promise passes the documented level, not CPython's exact level.
    const docs = refused(raised("ValueError", "bad value"));
    expect(check(-1, docs, "multiprocessing", "documented").verdict).toBe("ok");
    expect(check(-1, docs, "multiprocessing", "cpython").verdict).toBe("violation");
  });

  test("an exception of a subclass matches (mro), another type does not", () => {
    const sub = refused({ kind: "raised", type: "mymod.SemValueError", message: "semaphore initial value must be >= 0", mro: ["ValueError", "Exception"] });
    expect(check(-1, sub, "threading").verdict).toBe("ok");
    expect(check(-1, refused(raised("TypeError", "semaphore initial value must be >= 0")), "threading").verdict).toBe("violation");
  });
});

describe("construction rules in a spec document", () => {
  const doc = (rule: string) => `primitive: Gauge
format: 1
profiles: { threading: { callable: mod.Gauge } }
params: { size: { domain: { oneOf: [1, -1] } } }
construction:
  rules:
${rule}
state: { v: { init: "ctor.size" } }
operations: { get: { rules: [ { id: Gauge.get.v, level: documented, source: { docs: "https://x" }, returns: "s.v" } ] } }
`;
  test("ids start with <Primitive>.construct., guards read only ctor and profile", () => {
    const ok = loadSpecText(doc(`    - { id: Gauge.construct.negative, level: documented, source: { docs: "https://x" }, when: "ctor.size < 0", raises: { type: ValueError } }`), "g.yaml");
    expect(ok.construction.map((c) => c.rule.id)).toEqual(["Gauge.construct.negative"]);
    expect(() => loadSpecText(doc(`    - { id: Gauge.negative, level: documented, source: { docs: "https://x" }, when: "ctor.size < 0", raises: { type: ValueError } }`), "g.yaml")).toThrow(
      /construction\.rules\[0\]\.id: 'Gauge\.negative' must start with 'Gauge\.construct\.'/,
    );
    expect(() => loadSpecText(doc(`    - { id: Gauge.construct.x, level: documented, source: { docs: "https://x" }, when: "s.v < 0", raises: { type: ValueError } }`), "g.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(doc(`    - { id: Gauge.construct.x, level: deviation, source: { docs: "https://x" }, when: "ctor.size < 0", raises: { type: ValueError } }`), "g.yaml")).toThrow(
      /needs source\.docs .* and source\.observed/,
    );
  });
});
