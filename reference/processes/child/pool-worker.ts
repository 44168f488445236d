/**
 * A Pool's worker process (../pool.ts): runs the tasks its parent sends, one at a time, each a
 * worker callable of spec/callables.yaml, and answers each with what it returned or raised
 * ({id, outcome}, outcome as spec/callables.ts: ok(value) | raise(type, args)). A callable that
 * ends the process (os_exit, kill_self) never answers: the parent sees the worker die. It ends
 * when its parent tells it to ({stop: true}) or goes away (its IPC channel closes).
 */
import { checkCallable, resolveCallable } from "../../callables.js";
import { PythonError } from "../../implementation.js";

interface Task {
  id: number;
  func: unknown;
  args: unknown[];
}

let queue: Promise<void> = Promise.resolve();

process.on("message", (m: Task | { stop: true } | { init: true; func: unknown; args: unknown[] }) => {
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
      outcome = { kind: "ok", value: await resolveCallable(checkCallable(m.func))(...m.args) };
    } catch (e) {
      outcome = e instanceof PythonError ? { kind: "raise", type: e.pyType, args: e.pyArgs } : { kind: "raise", type: "mpspec.InternalError", args: [String(e)] };
    }
    await new Promise<void>((done) => process.send!({ id: m.id, outcome }, () => done()));
  });
});
process.on("disconnect", () => process.exit(0));
