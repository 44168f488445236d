// The `$new` value convention (spec/protocol/README.md): a constructor argument that is a
// fresh primitive, resolved to the profile's callable in the run message.
import { describe, expect, test } from "vitest";
import { loadSpecDir } from "../spec/load.js";
import type { Scenario } from "../scenario/types.js";
import { resolveCalls, schemaProblems } from "./protocol.js";

const specs = loadSpecDir();
const scenario = (profile: string, lock: unknown, parallel: Scenario["parallel"] = [[{ object: "o0", op: "notify", args: { n: 1 } }]]): Scenario =>
  ({ profile, objects: [{ id: "o0", primitive: "Condition", args: { lock } }], init: [], parallel, post: [] }) as Scenario;

describe("$new in constructor arguments", () => {
  test("becomes the nested primitive's callable in the scenario's profile, with positional argv", () => {
    expect(resolveCalls(scenario("threading", { $new: "RLock" }), specs).objects[0]).toEqual({ callable: "threading.Condition", argv: [{ $new: "threading.RLock", argv: [] }] });
    expect(resolveCalls(scenario("multiprocessing", { $new: "Lock", args: {} }), specs).objects[0]).toEqual({
      callable: "multiprocessing.Condition",
      argv: [{ $new: "multiprocessing.Lock", argv: [] }],
    });
    // the default (None) is left out as before
    expect(resolveCalls(scenario("threading", null), specs).objects[0]).toEqual({ callable: "threading.Condition", argv: [] });
  });

  test("the run message with $new passes the protocol's schema", () => {
    const sc = scenario("threading", { $new: "Lock" });
    expect(schemaProblems("run", { cmd: "run", id: 1, scenario: sc, calls: resolveCalls(sc, specs), deadline_ms: 100 })).toEqual([]);
  });

  test("is refused when malformed, unknown, or in a call's arguments", () => {
    expect(() => resolveCalls(scenario("threading", { $new: "Nope" }), specs)).toThrow(/no spec document for primitive 'Nope'/);
    // a malformed one goes to the adapter unchanged, which refuses it
    expect(resolveCalls(scenario("threading", { $new: "Lock", argv: [] }), specs).objects[0]!.argv).toEqual([{ $new: "Lock", argv: [] }]);
    expect(() => resolveCalls(scenario("threading", { $new: "Lock", args: { x: 1 } }), specs)).toThrow(/argument "x" is not among/);
    const inCall = scenario("threading", null, [[{ object: "o0", op: "notify", args: { n: { $new: "Lock" } } }]]);
    expect(() => resolveCalls(inCall, specs)).toThrow(/constructor arguments only/);
  });
});
