// Start-method contexts: CPython 3.11's outcomes (spec/drafts/Context.yaml, DefaultContext.yaml).
import { describe, expect, it } from "vitest";
import { create } from "./module.js";
import { Context, DefaultContext } from "./context.js";

const outcome = (f: () => unknown) => {
  try {
    return f();
  } catch (e) {
    return `${(e as { pyType?: string }).pyType ?? (e as Error).name}: ${(e as Error).message}`;
  }
};

describe("Context (concrete)", () => {
  it("has its method for good; an unknown method is refused as CPython refuses it", () => {
    const c = new Context("forkserver");
    expect([c.get_start_method(), c.get_start_method(true)]).toEqual(["forkserver", "forkserver"]);
    expect(outcome(() => c.set_start_method("spawn", true))).toBe("ValueError: cannot set start method of concrete context");
    expect(outcome(() => new Context("bogus"))).toBe("ValueError: cannot find context for 'bogus'");
    expect(new Context(null).get_start_method()).toBe("spawn");
    expect(Context.attach(c.handle()).get_start_method()).toBe("forkserver");
  });
});

describe("DefaultContext", () => {
  it("is unset until asked or set; set once unless forced; None with force unsets it", () => {
    const d = create("DefaultContext", "multiprocessing", [{ $new: "Context", argv: ["fork"] }]) as DefaultContext;
    const steps = [
      () => d.get_start_method(true),
      () => d.set_start_method("spawn"),
      () => d.set_start_method("fork"),
      () => d.get_start_method(),
      () => d.set_start_method("fork", true),
      () => d.get_start_method(),
      () => d.set_start_method(null, true),
      () => d.get_start_method(true),
      () => d.set_start_method("bogus"),
      () => d.get_start_method(true),
      () => d.set_start_method(null),
      () => DefaultContext.attach(d.handle()).get_start_method(),
    ];
    // The outcomes of DefaultContext.yaml's snippet on CPython 3.11.
    expect(steps.map(outcome)).toEqual([
      null, null, "RuntimeError: context has already been set", "spawn", null, "fork", null, null,
      "ValueError: cannot find context for 'bogus'", null, null, "fork",
    ]);
    const e = create("DefaultContext", "multiprocessing", [{ $new: "Context", argv: ["spawn"] }]) as DefaultContext;
    expect(e.get_start_method()).toBe("spawn");
    expect(outcome(() => e.set_start_method("fork"))).toBe("RuntimeError: context has already been set");
  });
});
