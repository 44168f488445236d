// A multiprocessing SimpleQueue whose close() only stops put and empty: get goes on
// handing out the items already queued (the closed-check forgotten in one method).
import { PythonError } from "../../../reference/implementation.js";
import { checkPicklable } from "../../../reference/pickle.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "SimpleQueue",
  base: "Queue",
  wrap: (inner) => {
    let closed = false; // per attached instance, like the reference's close()
    const check = () => {
      if (closed) throw new PythonError("OSError", "handle is closed");
    };
    return forward(inner, {
      put: (item: unknown) => {
        checkPicklable(item); // as multiprocessing.SimpleQueue.put: pickled first, also on a closed queue
        check();
        return call(inner, "put", item);
      },
      get: () => call(inner, "get"),
      empty: () => {
        check();
        return call(inner, "empty");
      },
      close: () => {
        closed = true;
      },
    });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Calls that never return (a get on an empty queue, a wait for a lock never released) cost the
// whole deadline: these use a short one (SimpleQueue has no timeouts; its calls take microseconds)
// or the campaign's automatic one (0.5 s plus the calls' timeouts).
// A get on the closed queue that waits for an item instead of raising names the reader-lock step
// (it could go on to raise, yet never returned: a long re-run by need shows that).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.get\.(closed|after-close-docs|reader-lock)$/, deadlineMs: 100 },
];
