// A multiprocessing SimpleQueue whose get keeps the reader lock when the item it read cannot be
// unpickled (a port that releases the lock after unpickling, on the success path only): the get
// raises as it should, and every later get, of any actor, waits for good.
import { PythonError, type ObjectHandle } from "../../../reference/implementation.js";
import { Lock } from "../../../reference/threads/lock.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "SimpleQueue",
  wrap: (inner) => {
    const h = inner.handle() as ObjectHandle & { rlock?: ObjectHandle | null };
    const rlock = h.rlock ? Lock.attach(h.rlock) : null;
    return forward(inner, {
      get: () => {
        try {
          return call(inner, "get");
        } catch (e) {
          // The reference released the reader lock before raising; this port never does.
          if (rlock && e instanceof PythonError && e.pyType === "ValueError") rlock.acquire(false, null);
          throw e;
        }
      },
    });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // A get that never returns although an item is there: only a run watched past the liveness
  // bound (500 ms) shows it, which the campaign gives the scenarios whose pending calls could complete.
  { primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.get\.[\w-]+$/ },
];
