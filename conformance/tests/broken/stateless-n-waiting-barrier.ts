// A Barrier whose n_waiting is the count of parties inside wait() whatever the state (a port
// that drops CPython's `if self._state == 0` check): while a released generation is still
// leaving, or after abort() while the waiters wake, it reads 1 or 2 where CPython reads 0.
// (The count is the reference's shared word COUNT, see reference/threads/barrier.ts.)
import { brokenModule, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const COUNT = 2;

const m = brokenModule({
  primitive: "Barrier",
  wrap: (inner) => {
    const words = new Int32Array(inner.handle().state as SharedArrayBuffer);
    const o = forward(inner, {});
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"], {
      n_waiting: () => Atomics.load(words, COUNT),
    });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Only reads and resets that overlap parties' waits show these (the sequences [wait, n_waiting], [n_waiting, reset]).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.n_waiting\./, options: { shrinkBudgetMs: 90_000 } }, // shrunk further, the failure shows at n_waiting itself
];
