// `$new` values name a Python callable; the executors build the primitive whose profile names it.
import { describe, expect, test } from "vitest";
import { loadSpecDir, loadSpecFile } from "../../conformance/spec/load.js";
import { join } from "node:path";
import { primitiveByCallable } from "./executor.js";

describe("primitiveByCallable", () => {
  test("reads the specs' profiles (get_context -> Context), then a start message's table, else the last name", () => {
    const drafts = loadSpecFile(join(import.meta.dirname, "../../spec/primitives/Context.yaml"));
    const of = primitiveByCallable([...loadSpecDir(), drafts]);
    expect(of("multiprocessing.get_context")).toBe("Context");
    expect(of("threading.RLock")).toBe("RLock");
    expect(of("multiprocessing.RLock")).toBe("RLock");
    const fromStart = primitiveByCallable([], { "multiprocessing.get_context": "Context" });
    expect(fromStart("multiprocessing.get_context")).toBe("Context");
    expect(primitiveByCallable([])("multiprocessing.get_context")).toBe("get_context");
  });
});
