// A Barrier whose reset() does nothing while parties wait: they are not woken with
// BrokenBarrierError and stay in their generation (a later arrival completes it with them),
// or time out and break the barrier. A port that resets only an empty barrier, because
// waking the waiters needs a state it lacks.
import { brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  wrap: (inner) => {
    const o = forward(inner, {
      reset: () => {
        if ((inner as unknown as { n_waiting: number }).n_waiting > 0) return null;
        return call(inner, "reset");
      },
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // Reached by Barrier.yaml's reset-behind-waiter pattern (a reset 0.7 s after a party began waiting).
  { primitive: "Barrier", profile: "threading", breaks: /^Barrier\.(reset|wait|n_waiting|broken)\./ },
];
