// Calls in failure reports are written as the Python they stand for (the operation's shape in the spec).
import { describe, expect, test } from "vitest";
import { loadSpecDir } from "../spec/load.js";
import { callText, historyTable, pythonCalls, scenarioText } from "./explain.js";
import type { Scenario } from "../scenario/types.js";

const specs = loadSpecDir();
const scenario = (primitive: string, args: Record<string, unknown> = {}): Scenario =>
  ({ profile: "multiprocessing", objects: [{ id: "o0", primitive, args }], init: [], parallel: [], post: [] }) as unknown as Scenario;
const text = (primitive: string, op: string, args: Record<string, unknown> = {}) =>
  pythonCalls(scenario(primitive), specs)({ object: "o0", op, args: args as never });

describe("pythonCalls", () => {
  test.each([
    ["Process", "pid", {}, "o0.pid"],
    ["Process", "set_daemon", { value: true }, "o0.daemon = True"],
    ["Process", "join", { timeout: null }, "o0.join(timeout=None)"],
    ["Value", "set_value", { value: 7 }, "o0.value = 7"],
    ["Value", "locked_increment", { delta: 1 }, "with o0.get_lock(): o0.value += 1"],
    ["Array", "setitem", { index: 2, value: 5 }, "o0[2] = 5"],
    ["Array", "locked_increment", { index: 0, delta: 1 }, "with o0.get_lock(): o0[0] += 1"],
    ["Array", "raw_item", { index: 1 }, "o0.get_obj()[1]"],
    ["Pipe", "send", { end: 1, obj: "x" }, "o0[1].send(obj='x')"],
    ["Barrier", "n_waiting", {}, "o0.n_waiting"],
  ])("%s.%s", (primitive, op, args, expected) => {
    expect(text(primitive, op, args)).toBe(expected);
  });

  test("an unknown operation or primitive is written by name, as callText writes it", () => {
    expect(text("Lock", "frobnicate", { x: 1 })).toBe("o0.frobnicate(x=1)");
    expect(pythonCalls(scenario("NoSuchPrimitive"), specs)({ object: "o0", op: "pid", args: {} })).toBe(callText({ object: "o0", op: "pid", args: {} }));
  });

  test("scenario and history tables take the renderer", () => {
    const sc = { ...scenario("Process"), init: [{ object: "o0", op: "set_daemon", args: { value: false } }] } as Scenario;
    const render = pythonCalls(sc, specs);
    expect(scenarioText(sc, render)).toContain("init (main): o0.daemon = False");
    const h = historyTable(sc, [{ actor: "main", object: "o0", op: "set_daemon", args: { value: false }, invoke: 0, response: 1e6, outcome: { kind: "returned", value: null } }], render);
    expect(h).toContain("o0.daemon = False -> None [0.000, 1.000]");
  });
});
