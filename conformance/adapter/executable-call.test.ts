import { describe, expect, test } from "vitest";
import { executableCall } from "./executable-call.js";
import type { CallShape } from "../spec/load.js";

const fail = (m: string) => new Error(m);
const call = (shape: CallShape, names: string[], args: Record<string, unknown>, defaults?: Record<string, unknown>) =>
  executableCall(shape, names, args as never, { what: "X.op()", fail, defaults: defaults as never });

describe("executableCall", () => {
  test("a plain call: argv in the spec's order, trailing defaults left out only when asked", () => {
    const shape: CallShape = { form: "call", name: "acquire" };
    expect(call(shape, ["block", "timeout"], { timeout: null, block: true })).toEqual({ method: "acquire", argv: [true, null] });
    expect(call(shape, ["block", "timeout"], { timeout: null, block: true }, { block: true, timeout: null })).toEqual({ method: "acquire", argv: [] });
    // Only trailing ones: a default before a non-default value stays.
    expect(call(shape, ["block", "timeout"], { block: true, timeout: 0.5 }, { block: true, timeout: null })).toEqual({ method: "acquire", argv: [true, 0.5] });
  });

  test("keyword-only arguments travel by name, only when not at their default; argv then keeps its trailing defaults", () => {
    const shape: CallShape = { form: "call", name: "shutdown" };
    const shutdown = (args: Record<string, unknown>) =>
      executableCall(shape, ["wait", "cancel_futures"], args as never, { what: "X.op()", fail, defaults: { wait: true, cancel_futures: false }, keywords: ["cancel_futures"] });
    expect(shutdown({ wait: true, cancel_futures: false })).toEqual({ method: "shutdown", argv: [] });
    expect(shutdown({ wait: false, cancel_futures: false })).toEqual({ method: "shutdown", argv: [false] });
    expect(shutdown({ wait: true, cancel_futures: true })).toEqual({ method: "shutdown", argv: [true], kwargs: { cancel_futures: true } });
  });

  test("target and item arguments leave argv; out arguments are indexes into what is left, never dropped as defaults", () => {
    const recvInto: CallShape = { form: "call", name: "recv_bytes_into", target: "end", outArgs: ["buf"] };
    expect(call(recvInto, ["end", "buf", "offset"], { end: 1, buf: { $bytearray: ".." }, offset: 0 }, { offset: 0 })).toEqual({
      method: "recv_bytes_into",
      argv: [{ $bytearray: ".." }],
      target: 1,
      out_args: [0],
    });
    const locked: CallShape = { form: "iadd", name: "locked_increment", item: "index", withLock: "get_lock", via: "get_obj" };
    expect(call(locked, ["index", "delta"], { index: { $slice: [0, 2] }, delta: 1 })).toEqual({
      argv: [1],
      key: { $slice: [0, 2] },
      form: "iadd",
      with_lock: "get_lock",
      via: "get_obj",
    });
  });

  test("bad calls are refused by name", () => {
    const shape: CallShape = { form: "call", name: "send", target: "end" };
    expect(() => call(shape, ["end", "obj"], { end: 0 })).toThrow(/X\.op\(\): argument "obj" is missing/);
    expect(() => call(shape, ["end", "obj"], { end: 0, obj: 1, extra: 2 })).toThrow(/argument "extra" is not among \[end, obj\]/);
    expect(() => call(shape, ["end", "obj"], { end: -1, obj: 1 })).toThrow(/target argument end must be a tuple index, got -1/);
  });
});
