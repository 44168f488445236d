import { afterEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../spec/format.js";
import type { ImplementationModule } from "../implementation.js";
import * as reference from "../index.js";
import * as threads from "./module.js";
import { DRAFTS_DIR, loadSpecDir } from "../../conformance/spec/load.js";
import { runTask, terminateAll, type CallResult } from "./tests/harness.js";

afterEach(terminateAll);

// Compile-time check that the module's named exports fit the contract.
const implementation: ImplementationModule = threads;

// Any object of the module, called by Python method name.
type Any = any;

describe("threads module", () => {
  it("implements every primitive of the spec, in both profiles", () => {
    // The spec's documents are the list: a new primitive's YAML without its reference class fails here.
    // The reference may be ahead of the spec by drafts (spec/drafts) only.
    const drafts = loadSpecDir(DRAFTS_DIR).map((s) => s.primitive);
    expect([...implementation.primitives].filter((p) => !drafts.includes(p)).sort()).toEqual(loadSpecDir().map((s) => s.primitive).sort());
    expect(implementation.profiles).toEqual(["multiprocessing", "threading"]);
  });

  it("creates every primitive in every profile, with handles that attach in another thread", async () => {
    const cases: [string, JsonValue[], string, unknown[]][] = [
      ["Lock", [], "acquire", [false]],
      ["RLock", [], "acquire", [false]],
      ["Semaphore", [2], "acquire", [false]],
      ["BoundedSemaphore", [1], "acquire", [false]],
      ["Queue", [3], "put", ["item"]],
      ["JoinableQueue", [], "put", ["item"]],
      ["Condition", [{ $new: "Lock", argv: [] }], "acquire", [false]],
      ["Event", [], "set", []],
      ["SimpleQueue", [], "put", ["item"]],
    ];
    // One worker per case, all at once.
    const checks = implementation.profiles.flatMap((profile) =>
      cases.map(async ([primitive, argv, method, args]) => {
        const obj: Any = implementation.create(primitive, profile, argv);
        const handle = obj.handle();
        expect(handle).toMatchObject({ primitive, profile });
        expect(structuredClone(handle)).toMatchObject({ primitive, profile });
        const r = await runTask<CallResult>("call", { handle, method, args });
        expect(r.error, `${profile} ${primitive}.${method}`).toBeUndefined();
        // the worker's call changed the shared state this thread sees
        if (method === "put") expect(obj.empty()).toBe(false);
        else if (method === "set") expect(obj.is_set()).toBe(true);
        else expect(obj.acquire(false)).toBe(primitive === "Semaphore");
        const again: Any = implementation.attach(handle);
        expect(again.constructor).toBe(obj.constructor);
      }),
    );
    await Promise.all(checks);
  });

  it("passes constructor arguments positionally and applies defaults", () => {
    const sem: Any = threads.create("BoundedSemaphore", "multiprocessing", [2]);
    expect(sem.get_value()).toBe(2);
    expect((threads.create("Semaphore", "multiprocessing", []) as Any).get_value()).toBe(1);
    expect((threads.create("Queue", "threading", [2]) as Any).maxsize).toBe(2);
    expect(() => threads.create("Lock", "multiprocessing", [1])).toThrow(TypeError);
    expect(() => threads.create("Manager", "multiprocessing", [])).toThrow(/unknown primitive/);
    expect(() => threads.create("Lock", "asyncio", [])).toThrow(/unknown profile/);
    expect(() => threads.attach({ ...sem.handle(), primitive: "Semaphore" }).handle()).not.toThrow();
    expect(() => reference.Lock.attach(sem.handle())).toThrow(/cannot attach a BoundedSemaphore handle as Lock/);
  });

  it("is re-exported from reference/index.ts", () => {
    expect(reference.threads.create).toBe(threads.create);
    expect(new reference.Queue(0, { profile: "threading" }).profile).toBe("threading");
    expect(new reference.PythonError("ValueError", "x").pyType).toBe("ValueError");
  });
});

describe("Value and Array's lock=", () => {
  // observed on CPython 3.11: lock=False -> the bare ctypes object; a non-lock -> AttributeError,
  // after the raw object's own errors (multiprocessing.Value('z', 0, lock='x') -> TypeError: this type has no size)
  it.each([["Value", ["i", 0]], ["Array", ["i", 3]]] as const)("%s: False is bare, a Lock is the wrapper's, anything else AttributeError", (primitive, args) => {
    const bare = threads.create(primitive, "multiprocessing", [...args], { lock: false });
    expect(bare.handle().primitive).toBe(primitive === "Value" ? "RawValue" : "RawArray");
    const locked = threads.create(primitive, "multiprocessing", [...args], { lock: { $new: "Lock", argv: [] } }) as unknown as { get_lock(): { handle(): { primitive: string } } };
    expect(locked.get_lock().handle().primitive).toBe("Lock");
    expect(() => threads.create(primitive, "multiprocessing", [...args], { lock: "x" })).toThrow(/"x" has no method 'acquire'/);
    expect(() => threads.create(primitive, "multiprocessing", ["z", args[1]], { lock: "x" })).toThrow(/this type has no size/);
    // keyword-only: not positional, and no other keyword
    expect(() => threads.create(primitive, "multiprocessing", [...args, false])).toThrow(/at most 2 positional/);
    expect(() => threads.create(primitive, "multiprocessing", [...args], { lok: false })).toThrow(/unexpected keyword argument 'lok'/);
  });
});
