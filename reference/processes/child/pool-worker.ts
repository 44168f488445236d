/**
 * A Pool's worker process (../pool.ts): runs the tasks its parent sends, one at a time, each a
 * worker callable of spec/callables.yaml, and answers each with what it returned or raised
 * ({id, outcome}, outcome as spec/callables.ts: ok(value) | raise(type, args)). A callable that
 * ends the process (os_exit, kill_self, sys_exit) never answers: the parent sees the worker die. It ends
 * when its parent tells it to ({stop: true}) or goes away (its IPC channel closes).
 */
import { isMainThread, parentPort } from "node:worker_threads";
import { checkCallable, resolveCallable } from "../../callables.js";
import { PythonError } from "../../implementation.js";

// A ThreadPool's worker is a thread of its owner's process (task-memory.ts ThreadWorker): its
// messages go through parentPort, and process.exit() ends the thread alone.
const port = isMainThread ? null : parentPort;
const onMessage = <M>(f: (m: M) => void): void => void (port ? port.on("message", f as (m: unknown) => void) : process.on("message", f as (m: unknown) => void));
const send = (msg: unknown, done: () => void): void => {
  if (port) {
    port.postMessage(msg);
    done();
  } else process.send!(msg, () => done());
};

interface Task {
  id: number;
  func: unknown;
  /** The call's arguments; or `chunk`, one argument list per call (a ProcessPoolExecutor.map chunk: the values' list, or the first exception). */
  args?: unknown[];
  chunk?: unknown[][];
}

let queue: Promise<void> = Promise.resolve();

/** A Pool's worker (multiprocessing.pool.worker), not a ProcessPoolExecutor's (_process_worker). */
const BASE_EXCEPTIONS_END_WORKER = process.argv.includes("--base-exceptions-end-worker");

/** A ThreadPool's worker hands values over as they are: nothing is pickled. */
const NO_PICKLING = process.argv.includes("--no-pickling");

/** Whether a value holds the protocol's unpicklable stand-in ({"$unpicklable": token}). */
function unpicklable(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(unpicklable);
  return typeof v === "object" && v !== null && ("$unpicklable" in v || Object.values(v).some(unpicklable));
}

/** Python's repr of what a task returned, as far as MaybeEncodingError quotes it. */
function repr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(repr).join(", ")}]`;
  if (typeof v === "object" && v !== null && "$unpicklable" in v) return `<mpspec unpicklable ${String((v as { $unpicklable: unknown }).$unpicklable)}>`;
  return JSON.stringify(v);
}

onMessage((m: Task | { stop: true } | { init: true; func: unknown; args: unknown[] }) => {
  if ("stop" in m) {
    queue = queue.then(() => process.exit(0));
    return;
  }
  if ("init" in m) {
    // The pool's initializer, before any task; one that raises ends the worker (CPython's prints
    // the traceback and the worker exits, and the pool starts another).
    queue = queue.then(async () => {
      try {
        await resolveCallable(checkCallable(m.func))(...m.args);
      } catch {
        process.exit(1);
      }
    });
    return;
  }
  // One task at a time, in the order sent, as a Python worker takes them from its queue.
  queue = queue.then(async () => {
    let outcome: unknown;
    try {
      const f = resolveCallable(checkCallable(m.func));
      let value: unknown;
      if (m.chunk) {
        const values: unknown[] = [];
        for (const args of m.chunk) values.push(await f(...args));
        value = values;
      } else value = await f(...(m.args ?? []));
      // A value that cannot be pickled cannot be sent back: CPython's worker sends a
      // MaybeEncodingError in its place (and goes on).
      outcome = !NO_PICKLING && unpicklable(value)
        ? { kind: "raise", type: "multiprocessing.pool.MaybeEncodingError", args: [`Error sending result: '${repr(value)}'. Reason: 'TypeError("cannot pickle '_thread.lock' object")'`] }
        : { kind: "ok", value };
    } catch (e) {
      // SystemExit (sys.exit) and KeyboardInterrupt are not Exceptions: a Pool's worker loop (CPython's
      // catches Exception) lets them end the worker, and its task is lost (the parent sees the worker
      // die); a ProcessPoolExecutor's catches BaseException and sends them back as the call's exception.
      if (BASE_EXCEPTIONS_END_WORKER && e instanceof PythonError && (e.pyType === "SystemExit" || e.pyType === "KeyboardInterrupt")) {
        const arg = e.pyArgs[0];
        process.exit(e.pyType === "KeyboardInterrupt" ? 1 : arg === undefined || arg === null ? 0 : typeof arg === "number" ? arg : 1);
      }
      outcome = e instanceof PythonError ? { kind: "raise", type: e.pyType, args: e.pyArgs } : { kind: "raise", type: "mpspec.InternalError", args: [String(e)] };
    }
    await new Promise<void>((done) => send({ id: m.id, outcome }, done));
  });
});
if (!port) process.on("disconnect", () => process.exit(0));
