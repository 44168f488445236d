// A Pool whose apply_async after close() (or terminate()) takes the task and returns an
// AsyncResult that never becomes ready (a port that checks the state only in its worker loop):
// CPython raises ValueError "Pool not running".
import { PythonError } from "../../../reference/implementation.js";
import { deadlineOf, waitWord } from "../../../reference/threads/futex.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const never = new Int32Array(new SharedArrayBuffer(4));
/** Sleep `timeout` seconds (None: for ever), interruptible by the executor. */
function sleep(timeout: number | null): void {
  const deadline = deadlineOf(true, timeout);
  for (let left = deadline - performance.now(); left > 0; left = deadline - performance.now()) waitWord(never, 0, 0, Math.min(left, 1000));
}

const neverReady = {
  ready: () => false,
  successful: () => {
    throw new PythonError("ValueError", "<multiprocessing.pool.ApplyResult object at 0x7f0000000000> not ready");
  },
  wait: (timeout: number | null = null) => (sleep(timeout), null),
  get: (timeout: number | null = null) => {
    sleep(timeout);
    throw new PythonError("multiprocessing.TimeoutError", "");
  },
};

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      // Every argument forwarded (callbacks too): the bug is the refusal that never comes, nothing else.
      apply_async: (...a: never[]) => {
        try {
          return call(inner, "apply_async", ...a);
        } catch (e) {
          if (e instanceof PythonError && e.message === "Pool not running") return neverReady;
          throw e;
        }
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The same bug in a ThreadPool (the threading profile) is caught the same way.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.apply_async\.not-running(-docs)?$/ },
  { primitive: "Pool", profile: "threading", breaks: /^Pool\.apply_async\.not-running(-docs)?$/ },
];
