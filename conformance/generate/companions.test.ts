// generate.companions (spec/format.ts): a constructor argument that names another primitive
// (`{"$object": "Event"}` in a Process target) adds that object to the scenario, and the actors'
// programs get calls on it; with Process.yaml as the example.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { partitions } from "../checker/linearize.js";
import type { ObjectDecl } from "../scenario/types.js";
import { companionSpecs, loadSpecFile, loadSpecText, PRIMITIVES_DIR, SpecError } from "../spec/load.js";
import { scenarioArbitrary } from "./scenario-arbitrary.js";

const processSpec = loadSpecFile(join(PRIMITIVES_DIR, "Process.yaml"));

describe("generate.companions", () => {
  const scs = fc.sample(scenarioArbitrary(processSpec, "multiprocessing", undefined, companionSpecs(processSpec)), { numRuns: 300, seed: 21 });
  const withEvent = scs.filter((sc) => sc.objects.some((o) => o.primitive === "Event"));
  const withQueue = scs.filter((sc) => sc.objects.some((o) => o.primitive === "Queue"));
  const calls = (sc: (typeof scs)[number]) => [...sc.init, ...sc.parallel.flat(), ...sc.post];

  test("a target that names an Event or a Queue brings one, declared before the Process, and the placeholder becomes its id", () => {
    expect(withEvent.length).toBeGreaterThan(20);
    expect(withQueue.length).toBeGreaterThan(20);
    expect(withEvent.length + withQueue.length).toBeLessThan(scs.length);
    for (const sc of withEvent) {
      expect(sc.objects.map((o) => [o.id, o.primitive])).toEqual([["o1", "Event"], ["o0", "Process"]]);
      expect(sc.objects[1]!.args.target).toMatchObject({ $callable: expect.stringMatching(/^(set|wait)_event$/), event: { $object: "o1" } });
    }
    for (const sc of withQueue) {
      // A Lock too, exactly when a kept call on the Queue puts it (a companion's call naming another companion).
      const putsLock = calls(sc).some((c) => c.object === "o1" && JSON.stringify(c.args.item) === '{"$object":"o2"}');
      expect(sc.objects.map((o) => [o.id, o.primitive])).toEqual([["o1", "Queue"], ...(putsLock ? [["o2", "Lock"]] : []), ["o0", "Process"]]);
      expect(sc.objects.at(-1)!.args.target).toMatchObject({ $callable: "put_to", queue: { $object: "o1" } });
    }
    // A Lock put on the Queue, in a larger sample (a Queue target with a put of a Lock by the parent).
    const more = fc.sample(scenarioArbitrary(processSpec, "multiprocessing", undefined, companionSpecs(processSpec)), { numRuns: 2000, seed: 22 });
    expect(more.some((sc) => sc.objects.map((o) => o.primitive).join() === "Queue,Lock,Process")).toBe(true);
  });

  test("the actors call the companion too, with its own operations and domains, only those `ops` allows; without one, no call names one", () => {
    const onEvent = withEvent.flatMap(calls).filter((c) => c.object === "o1");
    expect(new Set(onEvent.map((c) => c.op))).toEqual(new Set(["is_set", "set", "clear", "wait"]));
    expect(onEvent.filter((c) => c.op === "wait").every((c) => "timeout" in c.args)).toBe(true);
    // Process.yaml: Queue { ops: [put, put_nowait, get_nowait, qsize, empty, full] }, and a get
    // only in its sequences, with their timeout (1 s): no close(), no get(None).
    const onQueue = withQueue.flatMap(calls).filter((c) => c.object === "o1");
    expect(new Set(onQueue.map((c) => c.op))).toEqual(new Set(["put", "put_nowait", "get", "get_nowait", "qsize", "empty", "full"]));
    expect(onQueue.filter((c) => c.op === "get").every((c) => c.args.timeout === 1)).toBe(true);
    expect(scs.filter((sc) => sc.objects.length === 1).flatMap(calls).every((c) => c.object === "o0")).toBe(true);
    // and none of the companion's placeholders is left
    expect(JSON.stringify(scs)).not.toMatch(/companion:|"\$object":"(Event|Queue|Lock)"/);
  });

  test("the Event and its Process are one partition for the checker; unrelated objects are apart", () => {
    const sc = withEvent[0]!;
    expect(partitions(sc.objects).map((p) => p.map((o) => o.id))).toEqual([["o1", "o0"]]);
    const apart: ObjectDecl[] = [{ id: "o1", primitive: "Event", args: {} }, { id: "o0", primitive: "Process", args: { target: { $callable: "noop" } } }];
    expect(partitions(apart).map((p) => p.map((o) => o.id))).toEqual([["o1"], ["o0"]]);
    expect(() => partitions([{ id: "o0", primitive: "Process", args: { target: { $callable: "set_event", event: { $object: "o7" } } } }])).toThrow(/o7.*does not declare/);
  });

  test("a callable passed to a call joins the objects it names to the caller's partition (a Pool callback's Queue); an object passed as a value does not", () => {
    const objects: ObjectDecl[] = [
      { id: "o1", primitive: "Queue", args: {} },
      { id: "o2", primitive: "Lock", args: {} },
      { id: "o0", primitive: "Pool", args: {} },
    ];
    const cb = { op: "apply_async", args: { func: { $callable: "square" }, callback: { $callable: "put_arg_to", queue: { $object: "o1" } } } };
    // The call on a handle belongs to its producer; a Lock given as an item stays apart.
    const events = [{ object: "o0", ...cb }, { object: "o1", op: "put", args: { item: { $object: "o2" } } }];
    expect(partitions(objects, events).map((p) => p.map((o) => o.id))).toEqual([["o1", "o0"], ["o2"]]);
    expect(partitions(objects, [{ object: "o0@a0.0", ...cb }]).map((p) => p.map((o) => o.id))).toEqual([["o1", "o0"], ["o2"]]);
    expect(partitions(objects).map((p) => p.map((o) => o.id))).toEqual([["o1"], ["o2"], ["o0"]]);
    expect(() => partitions(objects, [{ object: "o0", op: "apply_async", args: { callback: { $callable: "set_event", event: { $object: "o9" } } } }])).toThrow(/o9.*does not declare/);
  });

  test("a placeholder in a call's argument (a Lock given to Pipe.send) brings the companion too", () => {
    const pipe = loadSpecFile(join(PRIMITIVES_DIR, "Pipe.yaml"));
    const pipes = fc.sample(scenarioArbitrary(pipe, "multiprocessing", undefined, companionSpecs(pipe)), { numRuns: 200, seed: 22 });
    const withLock = pipes.filter((sc) => sc.objects.length > 1);
    expect(withLock.length).toBeGreaterThan(5);
    for (const sc of withLock) {
      expect(sc.objects.map((o) => [o.id, o.primitive])).toEqual([["o1", "Lock"], ["o0", "Pipe"]]);
      const sends = [...sc.init, ...sc.parallel.flat(), ...sc.post].filter((c) => c.op === "send" && JSON.stringify(c.args.obj).includes("$object"));
      expect(sends.length).toBeGreaterThan(0);
      for (const c of sends) expect(c.args.obj).toEqual({ $object: "o1" });
    }
    expect(JSON.stringify(pipes)).not.toMatch(/"\$object":"Lock"/);
  });

  test("companions are declared with a share between 0 and 1, and their documents found", () => {
    const doc = (share: string) => `primitive: T
format: 1
profiles: { p: { callable: m.T } }
generate: { companions: { Event: { share: ${share} } } }
state: { x: { init: "0" } }
operations:
  op: { rules: [{ id: T.op.ok, level: documented, source: { docs: "https://example.org" } }] }
`;
    expect(() => loadSpecText(doc("1.5"), "T.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(doc("1.5"), "T.yaml")).toThrow(/generate\.companions\.Event\.share: must be a fraction/);
    const ok = loadSpecText(doc("0.2"), join(PRIMITIVES_DIR, "T.yaml"));
    expect(companionSpecs(ok).map((s) => s.primitive)).toEqual(["Event"]);
    const missing = loadSpecText(doc("0.2").replace("Event:", "Nonesuch:"), "T.yaml");
    expect(() => companionSpecs(missing)).toThrow(/generate\.companions\.Nonesuch: no spec document Nonesuch\.yaml/);
    // `ops` names operations of the companion's document
    const ops = loadSpecText(doc("0.2").replace("{ share: 0.2 }", "{ share: 0.2, ops: [frob] }"), join(PRIMITIVES_DIR, "T.yaml"));
    expect(() => scenarioArbitrary(ops, "p", undefined, companionSpecs(ops))).toThrow(/companions\.Event\.ops names frob, not an operation of .*Event\.yaml/);
    // given other documents than its companions', the generator says what to pass
    expect(() => scenarioArbitrary(processSpec, "multiprocessing", undefined, [])).toThrow(/companionSpecs/);
  });
});
