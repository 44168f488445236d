// Pool on child processes: CPython 3.11's outcomes (spec/primitives/Pool.yaml), with the calls made
// from another thread than the owner, as an executor's actors make them; no worker outlives
// endProcesses().
import { afterEach, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { Pool } from "./pool.js";
import { Event } from "../threads/event.js";
import { Queue } from "../threads/queue.js";
import { endProcesses } from "./process.js";
import { evalWorker, terminateEvalWorkers } from "../threads/tests/eval-worker.js";
import { isGone, poolWorkerChildren } from "../../conformance/adapter/fixtures/processes.js";

afterEach(async () => {
  await terminateEvalWorkers();
  await endProcesses();
});

const POOL = fileURLToPath(new URL("./pool.ts", import.meta.url));

/**
 * Run `body` in a worker thread with `pool` (the attached Pool) and `out` (what to report) in
 * scope; each step of `out` is [what, value or "Type: message"].
 */
function inThread(pool: Pool, body: string): Promise<{ out: [string, unknown][]; error?: unknown }> {
  const code = `const { Pool } = await import(${JSON.stringify(POOL)});
  const pool = Pool.attach(workerData.handle);
  const out = [];
  const step = (what, f) => { try { out.push([what, f()]); } catch (e) { out.push([what, (e.pyType ?? e.name) + ": " + e.message]); } };
  ${body}
  parentPort.postMessage({ out });`;
  return evalWorker(code, { handle: pool.handle() }, 30_000);
}

describe("Pool (child_process)", () => {
  it("apply_async's AsyncResult: the task's value, its exception raised again, ready/successful/wait, and a get that times out", async () => {
    const pool = new Pool({ processes: 2 });
    const r = await inThread(
      pool,
      `const a = pool.apply_async({ $callable: "square" }, [-3]);
      step("get", () => a.get(10));
      step("successful", () => a.successful());
      const b = pool.apply_async({ $callable: "raise", type: "ValueError", message: "boom" }, []);
      step("get raised", () => b.get(10));
      step("successful raised", () => b.successful());
      const c = pool.apply_async({ $callable: "sleep", seconds: 1 }, []);
      step("ready early", () => c.ready());
      step("successful early", () => c.successful());
      const t0 = performance.now();
      step("get timeout", () => c.get(0.05));
      step("waited", () => performance.now() - t0 >= 45);
      step("wait", () => c.wait(10));
      step("ready", () => c.ready());
      step("apply", () => pool.apply({ $callable: "return", value: "done" }, []));
      step("map", () => pool.map({ $callable: "square" }, [1, 2, 3]));
      step("map empty", () => pool.map({ $callable: "square" }, []));
      step("map raised", () => pool.map({ $callable: "raise_if", when: 2, type: "ValueError", message: "two" }, [1, 2, 3]));`,
    );
    expect(r.error).toBeUndefined();
    const out = Object.fromEntries(r.out);
    expect(out).toMatchObject({
      get: 9,
      successful: true,
      "get raised": "ValueError: boom",
      "successful raised": false,
      "ready early": false,
      "get timeout": "multiprocessing.TimeoutError: ",
      waited: true,
      wait: null,
      ready: true,
      apply: "done",
      map: [1, 4, 9],
      "map empty": [],
      "map raised": "ValueError: two",
    });
    expect(out["successful early"]).toMatch(/^ValueError: <multiprocessing\.pool\.ApplyResult object at 0x[0-9a-f]+> not ready$/);
  }, 60_000);

  it("map_async's MapResult (values in input order, any chunksize; a failing item's exception once all ran) and starmap", async () => {
    const pool = new Pool({ processes: 2 });
    const r = await inThread(
      pool,
      `const m = pool.map_async({ $callable: "square" }, [1, 2, 3], 2);
      step("map_async", () => m.get(10));
      step("map_async successful", () => m.successful());
      const slow = pool.map_async({ $callable: "sleep", seconds: 1 }, [1, 2]);
      step("not ready", () => slow.successful());
      step("ready early", () => slow.ready());
      step("get timeout", () => slow.get(0.05));
      const bad = pool.map_async({ $callable: "raise_if", when: 2, type: "ValueError", message: "two" }, [1, 2, 3], 1);
      step("map_async raised", () => bad.get(10));
      step("map_async raised successful", () => bad.successful());
      step("map_async empty", () => pool.map_async({ $callable: "square" }, []).get(10));
      step("starmap", () => pool.starmap({ $callable: "add" }, [[1, 2], [3, 4]]));
      step("starmap empty", () => pool.starmap({ $callable: "add" }, [], 2));
      step("starmap raised", () => pool.starmap({ $callable: "raise", type: "ValueError", message: "boom" }, [[1, 2]]));
      step("map chunksize", () => pool.map({ $callable: "square" }, [1, 2, 3], 5));
      const xs = Array.from({ length: 1001 }, (_, i) => i);
      step("map default chunks", () => JSON.stringify(pool.map({ $callable: "square" }, xs)) === JSON.stringify(xs.map((x) => x * x)));
      step("map chunk raised", () => pool.map({ $callable: "raise_if", when: 500, type: "ValueError", message: "five hundred" }, xs));
      step("map chunksize 0", () => pool.map({ $callable: "square" }, [1, 2, 3], 0));
      const z = pool.map_async({ $callable: "square" }, [1, 2], -1);
      step("map chunksize -1 ready", () => [z.ready(), z.successful(), z.get(0)]);
      pool.close();
      step("map_async closed", () => pool.map_async({ $callable: "square" }, [1]));
      step("starmap closed", () => pool.starmap({ $callable: "add" }, [[1, 2]]));`,
    );
    expect(r.error).toBeUndefined();
    const out = Object.fromEntries(r.out);
    expect(out).toMatchObject({
      map_async: [1, 4, 9],
      "map_async successful": true,
      "ready early": false,
      "get timeout": "multiprocessing.TimeoutError: ",
      "map_async raised": "ValueError: two",
      "map_async raised successful": false,
      "map_async empty": [],
      starmap: [3, 7],
      "starmap empty": [],
      "starmap raised": "ValueError: boom",
      "map chunksize": [1, 4, 9],
      // Chunks of ceil(1001 / (2 workers * 4)) items, joined in input order; a failing item fails its chunk.
      "map default chunks": true,
      "map chunk raised": "ValueError: five hundred",
      // observed: map(f, xs, chunksize=0) (or negative) -> [None] * len(xs), ready at once
      "map chunksize 0": [null, null, null],
      "map chunksize -1 ready": [true, true, [null, null]],
      "map_async closed": "ValueError: Pool not running",
      "starmap closed": "ValueError: Pool not running",
    });
    expect(out["not ready"]).toMatch(/^ValueError: <multiprocessing\.pool\.MapResult object at 0x[0-9a-f]+> not ready$/);
  }, 60_000);

  it("callbacks: the value (a list for map_async) or the exception, once, before the result is ready, on the owner thread; none for map_async of no items", async () => {
    // The owner thread runs callbacks, whose calls on other objects attach them there.
    await import("../threads/module.js");
    const pool = new Pool({ processes: 2 });
    const queue = new Queue(0, { profile: "multiprocessing" });
    const events = [new Event({ profile: "multiprocessing" }), new Event({ profile: "multiprocessing" }), new Event({ profile: "multiprocessing" })];
    const code = `const { Pool } = await import(${JSON.stringify(POOL)});
      const { Event } = await import(${JSON.stringify(fileURLToPath(new URL("../threads/event.ts", import.meta.url)))});
      const pool = Pool.attach(workerData.pool);
      const [ok, failed, unused] = workerData.events.map((h) => Event.attach(h));
      const put = { $callable: "put_arg_to", queue: { $object: workerData.queue } };
      const set = (h) => ({ $callable: "set_event", event: { $object: h } });
      const out = [];
      const a = pool.apply_async({ $callable: "square" }, [3], {}, put, set(workerData.events[2]));
      a.wait(10);
      out.push(["apply value", a.get(0)]);
      const b = pool.apply_async({ $callable: "raise", type: "ValueError", message: "boom" }, [], {}, set(workerData.events[2]), set(workerData.events[1]));
      b.wait(10);
      out.push(["error callback before ready", failed.is_set()]);
      const c = pool.map_async({ $callable: "square" }, [1, 2, 3], null, put, null);
      c.wait(10);
      const d = pool.map_async({ $callable: "square" }, [], null, set(workerData.events[0]), null);
      out.push(["empty ready", d.ready()]);
      const e = pool.apply_async({ $callable: "return_unpicklable", token: "u1" }, [], {}, set(workerData.events[2]), set(workerData.events[1]));
      e.wait(10);
      out.push(["unused callbacks", [unused.is_set(), ok.is_set()]]);
      parentPort.postMessage({ out });`;
    const r = await evalWorker<{ out: [string, unknown][]; error?: unknown }>(code, { pool: pool.handle(), queue: queue.handle(), events: events.map((e) => e.handle()) }, 30_000);
    expect(r.error).toBeUndefined();
    expect(Object.fromEntries(r.out)).toEqual({ "apply value": 9, "error callback before ready": true, "empty ready": true, "unused callbacks": [false, false] });
    // Each callback once: the apply's value, then the map's list, and nothing more.
    expect([queue.get(true, 1), queue.get(true, 1)]).toEqual([9, [1, 4, 9]]);
    expect(() => queue.get(true, 0.3)).toThrow(expect.objectContaining({ pyType: "queue.Empty" }));
  }, 60_000);

  it("imap: values in input order, an item's exception at its place, StopIteration at the end; imap_unordered: each item once; next(timeout)", async () => {
    const pool = new Pool({ processes: 2 });
    const r = await inThread(
      pool,
      `const it = pool.imap({ $callable: "raise_if", when: 2, type: "ValueError", message: "two" }, [1, 2, 3]);
      step("1", () => it.next(10));
      step("2", () => it.next(10));
      step("3", () => it.next(10));
      step("end", () => it.next(10));
      const u = pool.imap_unordered({ $callable: "square" }, [1, 2, 3]);
      step("u", () => [u.next(10), u.next(10), u.next(10)].sort());
      step("u end", () => u.next(10));
      const slow = pool.imap({ $callable: "sleep", seconds: 1 }, [1]);
      step("timeout", () => slow.next(0.05));
      step("zero chunks", () => pool.imap({ $callable: "square" }, [1], 0));
      // Chunks of two: a generator over the chunks' items, ended by a failing chunk, without next(timeout).
      const g = pool.imap({ $callable: "raise_if", when: 3, type: "ValueError", message: "three" }, [1, 2, 3, 4, 5], 2);
      step("chunked", () => [g.__next__(), g.__next__()]);
      step("chunked raised", () => g.__next__());
      step("chunked over", () => g.__next__());
      step("chunked next(timeout)", () => g.next(1));
      const gu = pool.imap_unordered({ $callable: "nap", unit: 0.05 }, [4, 3, 0, 1], 2);
      step("chunked unordered", () => [gu.__next__(), gu.__next__(), gu.__next__(), gu.__next__()]);
      step("__next__ of chunks of one", () => pool.imap({ $callable: "square" }, [3]).__next__());
      pool.close();
      step("closed", () => pool.imap_unordered({ $callable: "square" }, [1]));`,
    );
    expect(r.error).toBeUndefined();
    // The chunks in the order they finish (a worker may still be busy with the slow item), each chunk's items together, in order.
    expect([[0, 1, 4, 3], [4, 3, 0, 1]]).toContainEqual(Object.fromEntries(r.out)["chunked unordered"]);
    expect(Object.fromEntries(r.out)).toMatchObject({
      1: 1,
      2: "ValueError: two",
      3: 3,
      end: "StopIteration: ",
      u: [1, 4, 9],
      "u end": "StopIteration: ",
      timeout: "multiprocessing.TimeoutError: ",
      "zero chunks": "ValueError: Chunksize must be 1+, not 0",
      chunked: [1, 2],
      "chunked raised": "ValueError: three",
      "chunked over": "StopIteration: ",
      "chunked next(timeout)": "AttributeError: 'generator' object has no attribute 'next'",
      "__next__ of chunks of one": 9,
      closed: "ValueError: Pool not running",
    });
  }, 60_000);

  it("maxtasksperchild replaces a worker after its tasks (a fresh pid), initializer runs first; bad arguments are refused as CPython refuses them", async () => {
    const refused = (options: ConstructorParameters<typeof Pool>[0]) => {
      try {
        new Pool(options).terminate();
        return "ok";
      } catch (e) {
        return `${(e as { pyType?: string }).pyType}: ${(e as Error).message}`;
      }
    };
    expect(refused({ processes: 1, maxtasksperchild: 0 })).toBe("ValueError: maxtasksperchild must be a positive int or None");
    expect(refused({ processes: 1, maxtasksperchild: 0.5 })).toBe("ValueError: maxtasksperchild must be a positive int or None");
    expect(refused({ processes: 1, initializer: "x" })).toBe("TypeError: initializer must be a callable");
    expect(refused({ processes: 0, maxtasksperchild: 0 })).toBe("ValueError: Number of processes must be at least 1");
    expect(refused({ processes: 1, maxtasksperchild: 0, initializer: "x" })).toBe("ValueError: maxtasksperchild must be a positive int or None");
    const pool = new Pool({ processes: 1, maxtasksperchild: 1, initializer: { $callable: "noop" }, initargs: [1] });
    const r = await inThread(
      pool,
      `step("pid 1", () => pool.apply({ $callable: "getpid" }, []));
      step("pid 2", () => pool.apply({ $callable: "getpid" }, []));
      step("value", () => pool.apply({ $callable: "square" }, [4]));`,
    );
    expect(r.error).toBeUndefined();
    const out = Object.fromEntries(r.out);
    expect(out.value).toBe(16);
    expect(typeof out["pid 1"]).toBe("number");
    expect(out["pid 2"]).not.toBe(out["pid 1"]);
  }, 60_000);

  it("close() refuses new tasks and join() waits for the submitted ones; terminate() drops what is not done", async () => {
    const pool = new Pool({ processes: 1 });
    const r = await inThread(
      pool,
      `step("join running", () => pool.join());
      const a = pool.apply_async({ $callable: "sleep", seconds: 0.2 }, []);
      step("close", () => pool.close());
      step("close again", () => pool.close());
      step("after close", () => pool.apply_async({ $callable: "square" }, [2]));
      step("map after close", () => pool.map({ $callable: "square" }, [2]));
      step("join", () => pool.join());
      step("done after join", () => a.ready());`,
    );
    expect(Object.fromEntries(r.out)).toEqual({
      "join running": "ValueError: Pool is still running",
      close: null,
      "close again": null,
      "after close": "ValueError: Pool not running",
      "map after close": "ValueError: Pool not running",
      join: null,
      "done after join": true,
    });
    const other = new Pool({ processes: 1 });
    const t = await inThread(
      other,
      `const a = pool.apply_async({ $callable: "sleep", seconds: 5 }, []);
      step("terminate", () => pool.terminate());
      step("get", () => a.get(0.1));
      step("ready", () => a.ready());
      step("apply_async", () => pool.apply_async({ $callable: "square" }, [2]));
      step("join", () => pool.join());
      step("close", () => pool.close());`,
    );
    expect(Object.fromEntries(t.out)).toEqual({
      terminate: null,
      get: "multiprocessing.TimeoutError: ",
      ready: false,
      apply_async: "ValueError: Pool not running",
      join: null,
      close: null,
    });
  }, 60_000);

  it("refuses fewer than one worker, as CPython", () => {
    expect(() => new Pool({ processes: 0 })).toThrow(/Number of processes must be at least 1/);
    expect(() => new Pool({ processes: -1 })).toThrow(/Number of processes must be at least 1/);
  });

  it("a worker that dies loses its task for good and is replaced: the pool goes on", async () => {
    const pool = new Pool({ processes: 1 });
    const r = await inThread(
      pool,
      `const lost = pool.apply_async({ $callable: "os_exit", code: 3 }, []);
      step("lost", () => lost.get(0.5));
      step("after", () => pool.apply_async({ $callable: "square" }, [5]).get(10));
      // SystemExit is not an Exception: CPython's worker loop lets it end the worker too.
      const exited = pool.apply_async({ $callable: "sys_exit", arg: 3 }, []);
      step("exited", () => exited.get(0.5));
      step("ready", () => exited.ready());
      step("again", () => pool.apply_async({ $callable: "square" }, [6]).get(10));`,
    );
    expect(Object.fromEntries(r.out)).toEqual({ lost: "multiprocessing.TimeoutError: ", after: 25, exited: "multiprocessing.TimeoutError: ", ready: false, again: 36 });
  }, 60_000);

  it("endProcesses() ends every worker", async () => {
    const pool = new Pool({ processes: 2 });
    const r = await inThread(pool, `step("pid", () => pool.apply_async({ $callable: "getpid" }, []).get(10));`);
    const pid = r.out[0]![1] as number;
    expect(pid).toBeGreaterThan(0);
    await endProcesses();
    expect(isGone(pid)).toBe(true);
  }, 60_000);

  it("the threading profile is ThreadPool: worker threads (no child process), values handed over unpickled, no maxtasksperchild", async () => {
    const pool = new Pool({ processes: 2, profile: "threading" });
    expect(() => new Pool({ processes: 1, maxtasksperchild: 2, profile: "threading" })).toThrow(/unexpected keyword argument 'maxtasksperchild'/);
    const r = await inThread(
      pool,
      `step("map", () => pool.map({ $callable: "square" }, [1, 2, 3]));
      step("unpicklable", () => pool.apply({ $callable: "return_unpicklable", token: "u1" }, []));
      step("raised", () => pool.apply({ $callable: "raise", type: "ValueError", message: "boom" }, []));
      const slow = pool.apply_async({ $callable: "sleep", seconds: 0.05 }, []);
      step("not ready", () => slow.ready());
      step("ready", () => (slow.wait(10), slow.ready()));
      pool.close();
      step("closed", () => pool.apply_async({ $callable: "square" }, [1]));
      step("join", () => pool.join());`,
    );
    expect(r.error).toBeUndefined();
    expect(Object.fromEntries(r.out)).toEqual({
      map: [1, 4, 9],
      unpicklable: { $unpicklable: "u1" },
      raised: "ValueError: boom",
      "not ready": false,
      ready: true,
      closed: "ValueError: Pool not running",
      join: null,
    });
    // Its workers are threads of this process.
    expect(poolWorkerChildren()).toEqual([]);
  }, 60_000);
});
