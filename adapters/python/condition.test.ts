/**
 * Condition through the protocol: a `$new` lock constructed by the Python adapter, and
 * wait_for's predicate as a `$callable` value, on the real CPython with actors in forked
 * and spawned processes and in threads. (Campaigns: `mpspec run --primitives Condition`.)
 */
import { describe, expect, test } from "vitest";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { hasPython, PY } from "./test-support.js";
import { checkHistory } from "../../conformance/checker/linearize.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import type { JsonValue } from "../../spec/format.js";



const specs = loadSpecDir();
const condition = specs.find((s) => s.primitive === "Condition")!;
const op = (name: string, args: Record<string, JsonValue> = {}): Call => ({ object: "o0", op: name, args });
const pred = (value: boolean) => ({ $callable: "return", value });

/** main alone: the lock's type shows in the error of a release too many. */
const scenario = (profile: string, lock: JsonValue): Scenario => ({
  profile,
  objects: [{ id: "o0", primitive: "Condition", args: { lock } }],
  init: [
    op("acquire", { block: true, timeout: 1 }),
    op("wait", { timeout: 0.02 }),
    op("wait_for", { predicate: pred(false), timeout: 0.02 }),
    op("notify", { n: 1 }),
    op("release"),
  ],
  parallel: [[op("wait_for", { predicate: pred(true), timeout: 0.02 })]],
  post: [op("release")],
});

const outcome = (e: { outcome: { kind: string; value?: unknown; type?: string; message?: string } }) =>
  e.outcome.kind === "returned" ? e.outcome.value : `${e.outcome.type}: ${e.outcome.message}`;

describe.skipIf(!hasPython)(`Condition on the Python adapter (${PY})`, () => {
  test.each([
    ["processes, fork", "multiprocessing", [], { $new: "RLock" }, "AssertionError: attempt to release recursive lock not owned by thread"],
    ["processes, spawn (pooled)", "multiprocessing", ["--start-method", "spawn", "--warm", "2"], null, "AssertionError: attempt to release recursive lock not owned by thread"],
    ["threads, threading.Condition(Lock)", "threading", ["--actors", "threads"], { $new: "Lock" }, "RuntimeError: release unlocked lock"],
    ["threads, threading.Condition(RLock)", "threading", ["--actors", "threads"], { $new: "RLock" }, "RuntimeError: cannot release un-acquired lock"],
  ] as [string, string, string[], JsonValue, string][])("%s: the $new lock and $callable predicates", async (_, profile, flags, lock, tooMany) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", ...flags], specs });
    try {
      const sc = scenario(profile, lock);
      const h = await a.run(sc, 5_000);
      const main = h.events.filter((e) => e.actor === "main").map(outcome);
      expect(main).toEqual([true, false, false, null, null, tooMany]);
      expect(h.events.filter((e) => e.actor === "a0").map(outcome)).toEqual([true]);
      expect(checkHistory(() => condition, sc.objects, h, { profile, level: "cpython" }).verdict).toBe("ok");
    } finally {
      await a.close();
    }
  });
});
