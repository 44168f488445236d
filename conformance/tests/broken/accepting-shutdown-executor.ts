// A ProcessPoolExecutor whose submit() after shutdown() still runs the call (a port that checks
// the flag only when it starts new workers): CPython raises RuntimeError "cannot schedule new
// futures after shutdown". Here the call runs on a second executor, as if the first took it.
import { PythonError } from "../../../reference/implementation.js";
import { ProcessPoolExecutor } from "../../../reference/processes/process-pool-executor.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  extra: () => ({ spare: new ProcessPoolExecutor({ max_workers: 1 }).handle() }),
  wrap: (inner, extra) =>
    forward(inner, {
      submit: (fn: never, ...args: never[]) => {
        try {
          return call(inner, "submit", fn, ...args);
        } catch (e) {
          if (!(e instanceof PythonError) || e.pyType !== "RuntimeError") throw e;
          return ProcessPoolExecutor.attach(extra.spare as never).submit(fn, ...args);
        }
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The search may also explain the accepted submit as made before shutdown() and fail later: the
// call then ran on the spare executor, so the first stays unbroken and shut down, and a later
// submit or map refused as shut down contradicts the broken state the model reached (seen in CI
// after the executor's generation changed: map.broken).
export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^ProcessPoolExecutor\.(submit\.shut-down|submit\.broken|map\.broken)$/ }];
