// ProcessPoolExecutor on child processes: CPython 3.11's outcomes (spec/primitives/ProcessPoolExecutor.yaml),
// the calls made from another thread than the owner, as an executor's actors make them.
import { afterEach, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { ProcessPoolExecutor } from "./process-pool-executor.js";
import { endProcesses } from "./process.js";
import { evalWorker, terminateEvalWorkers } from "../threads/tests/eval-worker.js";

afterEach(async () => {
  await terminateEvalWorkers();
  await endProcesses();
});

const MODULE = fileURLToPath(new URL("./process-pool-executor.ts", import.meta.url));

/** Run `body` in a worker thread with `ex` (the attached executor) and `step(what, f)` in scope. */
function inThread(ex: ProcessPoolExecutor, body: string): Promise<{ out: [string, unknown][] }> {
  const code = `const { ProcessPoolExecutor } = await import(${JSON.stringify(MODULE)});
  const ex = ProcessPoolExecutor.attach(workerData.handle);
  const out = [];
  const step = (what, f) => { try { out.push([what, f()]); } catch (e) { out.push([what, (e.pyType ?? e.name) + ": " + e.message]); } };
  ${body}
  parentPort.postMessage({ out });`;
  return evalWorker(code, { handle: ex.handle() }, 30_000);
}

describe("ProcessPoolExecutor (child_process)", () => {
  it("map: values in input order over chunks, an item's exception at its chunk ending the iteration, StopIteration, the refusals", async () => {
    const ex = new ProcessPoolExecutor({ max_workers: 2 });
    const r = await inThread(
      ex,
      `// Every next() until StopIteration (after an exception, the next one must be StopIteration).
      const all = (it) => { const v = []; for (;;) { try { v.push(it.__next__()); } catch (e) { v.push((e.pyType ?? e.name) + ": " + e.message); if (e.pyType === "StopIteration" || v.length > 20) return v; } } };
      step("chunks of 2", () => all(ex.map({ $callable: "square" }, [1, 2, 3, 4, 5], { chunksize: 2 })));
      step("out of order finish", () => all(ex.map({ $callable: "nap", unit: 0.05 }, [3, 0, 1])));
      step("raised", () => all(ex.map({ $callable: "raise_if", when: 2, type: "ValueError", message: "two" }, [1, 2, 3])));
      step("raised chunk", () => all(ex.map({ $callable: "raise_if", when: 2, type: "ValueError", message: "two" }, [1, 2, 3], { chunksize: 2 })));
      step("empty", () => all(ex.map({ $callable: "square" }, [])));
      step("chunksize 0", () => ex.map({ $callable: "square" }, [1], { chunksize: 0 }));
      step("timeout", () => all(ex.map({ $callable: "sleep", seconds: 0.5 }, [1], { timeout: 0.05 })));
      ex.shutdown(true);
      step("after shutdown", () => ex.map({ $callable: "square" }, [1]));
      step("empty after shutdown", () => all(ex.map({ $callable: "square" }, [])));`,
    );
    expect(Object.fromEntries(r.out)).toEqual({
      "chunks of 2": [1, 4, 9, 16, 25, "StopIteration: "],
      "out of order finish": [3, 0, 1, "StopIteration: "],
      raised: [1, "ValueError: two", "StopIteration: "],
      "raised chunk": ["ValueError: two", "StopIteration: "],
      empty: ["StopIteration: "],
      "chunksize 0": "ValueError: chunksize must be >= 1.",
      timeout: ["TimeoutError: ", "StopIteration: "],
      "after shutdown": "RuntimeError: cannot schedule new futures after shutdown",
      "empty after shutdown": ["StopIteration: "],
    });
  }, 60_000);

  it("submit's Future: the value, the exception raised again (SystemExit too), a timeout, cancel while pending only", async () => {
    const ex = new ProcessPoolExecutor({ max_workers: 1 });
    const r = await inThread(
      ex,
      `const a = ex.submit({ $callable: "square" }, 3);
      step("result", () => a.result(10));
      step("done", () => a.done());
      step("raised", () => ex.submit({ $callable: "raise", type: "ValueError", message: "boom" }, 1).result(10));
      step("sys_exit", () => ex.submit({ $callable: "sys_exit", arg: 3 }, 1).result(10));
      const slow = ex.submit({ $callable: "sleep", seconds: 0.5 }, 1);
      const queued = ex.submit({ $callable: "square" }, 2);
      step("timeout", () => slow.result(0.05));
      step("cancel running", () => slow.cancel());
      step("cancel queued", () => queued.cancel());
      step("cancelled", () => queued.cancelled());
      step("queued result", () => queued.result(1));
      step("slow result", () => slow.result(10));
      step("shutdown", () => ex.shutdown(true));
      step("after shutdown", () => ex.submit({ $callable: "square" }, 2));`,
    );
    expect(Object.fromEntries(r.out)).toEqual({
      result: 9,
      done: true,
      raised: "ValueError: boom",
      sys_exit: "SystemExit: 3",
      timeout: "TimeoutError: ",
      "cancel running": false,
      "cancel queued": true,
      cancelled: true,
      "queued result": "concurrent.futures._base.CancelledError: ",
      "slow result": null,
      shutdown: null,
      "after shutdown": "RuntimeError: cannot schedule new futures after shutdown",
    });
  }, 60_000);

  it("exception(): None after a return, the call's exception (SystemExit too) as a value, TimeoutError and CancelledError raised as result() raises them", async () => {
    const ex = new ProcessPoolExecutor({ max_workers: 1 });
    const asValue = `(e) => (e === null ? null : [e.pyType, e.pyArgs])`;
    const r = await inThread(
      ex,
      `const v = ${asValue};
      step("returned", () => v(ex.submit({ $callable: "square" }, 3).exception(10)));
      step("raised", () => v(ex.submit({ $callable: "raise", type: "ValueError", message: "boom" }, 1).exception(10)));
      step("sys_exit", () => v(ex.submit({ $callable: "sys_exit", arg: 3 }, 1).exception(10)));
      const slow = ex.submit({ $callable: "sleep", seconds: 0.5 }, 1);
      const queued = ex.submit({ $callable: "square" }, 2);
      step("timeout", () => v(slow.exception(0.05)));
      step("cancel queued", () => queued.cancel());
      step("cancelled", () => v(queued.exception(1)));
      step("slow", () => v(slow.exception(10)));
      step("dies", () => v(ex.submit({ $callable: "os_exit", code: 3 }, 1).exception(10)));`,
    );
    expect(Object.fromEntries(r.out)).toEqual({
      returned: null,
      raised: ["ValueError", ["boom"]],
      sys_exit: ["SystemExit", [3]],
      timeout: "TimeoutError: ",
      "cancel queued": true,
      cancelled: "concurrent.futures._base.CancelledError: ",
      slow: null,
      dies: ["concurrent.futures.process.BrokenProcessPool", ["A process in the process pool was terminated abruptly while the future was running or pending."]],
    });
  }, 60_000);

  it("a worker that dies breaks the executor: BrokenProcessPool for its future and later submits", async () => {
    const ex = new ProcessPoolExecutor({ max_workers: 2 });
    const r = await inThread(
      ex,
      `step("dies", () => ex.submit({ $callable: "os_exit", code: 3 }, 1).result(10));
      step("submit", () => ex.submit({ $callable: "square" }, 2));`,
    );
    expect(Object.fromEntries(r.out)).toEqual({
      dies: "concurrent.futures.process.BrokenProcessPool: A process in the process pool was terminated abruptly while the future was running or pending.",
      submit: "concurrent.futures.process.BrokenProcessPool: A child process terminated abruptly, the process pool is not usable anymore",
    });
  }, 60_000);

  it("max_tasks_per_child replaces a worker after its calls (a fresh pid) without breaking the executor", async () => {
    const ex = new ProcessPoolExecutor({ max_workers: 1, max_tasks_per_child: 1 });
    const r = await inThread(
      ex,
      `step("pid 1", () => ex.submit({ $callable: "getpid" }).result(20));
      step("pid 2", () => ex.submit({ $callable: "getpid" }).result(20));
      step("value", () => ex.submit({ $callable: "square" }, 4).result(20));
      step("shutdown", () => ex.shutdown(true));`,
    );
    const out = Object.fromEntries(r.out);
    expect(out.value).toBe(16);
    expect(out.shutdown).toBeNull();
    expect(typeof out["pid 1"]).toBe("number");
    expect(out["pid 2"]).not.toBe(out["pid 1"]);
  }, 60_000);

  it("add_done_callback: run once per callback after the future is done, by the owner; at once in the caller on a done future; by cancel() before it returns; shutdown(wait) waits for them", async () => {
    // The owner thread runs registered callbacks, whose calls on other objects attach them there.
    await import("../threads/module.js");
    const { Value } = await import("../threads/value.js");
    const { Event } = await import("../threads/event.js");
    const ex = new ProcessPoolExecutor({ max_workers: 1 });
    const counter = new Value("i", 0);
    const done = new Event({ profile: "multiprocessing" });
    const code = `await import(${JSON.stringify(fileURLToPath(new URL("../threads/module.ts", import.meta.url)))});
      const { ProcessPoolExecutor } = await import(${JSON.stringify(MODULE)});
      const { Value } = await import(${JSON.stringify(fileURLToPath(new URL("../threads/value.ts", import.meta.url)))});
      const { Event } = await import(${JSON.stringify(fileURLToPath(new URL("../threads/event.ts", import.meta.url)))});
      const ex = ProcessPoolExecutor.attach(workerData.ex);
      const counter = Value.attach(workerData.counter);
      const done = Event.attach(workerData.done);
      const add = { $callable: "add_to", value: { $object: workerData.counter }, n: 1, locked: true };
      const set = { $callable: "set_event", event: { $object: workerData.done } };
      const out = [];
      const f = ex.submit({ $callable: "square" }, 3);
      f.result(10);
      out.push(["inline returns", f.add_done_callback(add)]);
      out.push(["inline ran", counter.value]);
      // Behind a long call, two callbacks on a pending future, then cancel(): both ran when it returns.
      const slow = ex.submit({ $callable: "sleep", seconds: 0.3 }, 1);
      const q = [1, 2, 3, 4].map((x) => ex.submit({ $callable: "square" }, x));
      q[3].add_done_callback(add);
      q[3].add_done_callback(add);
      out.push(["cancel", q[3].cancel()]);
      out.push(["cancel ran both", counter.value]);
      out.push(["cancel again", q[3].cancel()]);
      out.push(["not again", counter.value]);
      // Registered before it finishes: run once it is done; shutdown(wait) returns after.
      q[2].add_done_callback(set);
      slow.add_done_callback(add);
      ex.shutdown(true);
      out.push(["after shutdown", [counter.value, done.is_set()]]);
      parentPort.postMessage({ out });`;
    const r = await evalWorker<{ out: [string, unknown][]; error?: unknown }>(code, { ex: ex.handle(), counter: counter.handle(), done: done.handle() }, 30_000);
    expect(r.error).toBeUndefined();
    expect(Object.fromEntries(r.out)).toEqual({
      "inline returns": null,
      "inline ran": 1,
      cancel: true,
      "cancel ran both": 3,
      "cancel again": true,
      "not again": 3,
      "after shutdown": [4, true],
    });
  }, 60_000);

  it("refuses max_workers of 0 or less, as CPython", () => {
    expect(() => new ProcessPoolExecutor({ max_workers: 0 })).toThrow(/max_workers must be greater than 0/);
  });
});
