// A Barrier whose last party reports index 0, as if 0 flagged the party that
// tripped the barrier (pthread's PTHREAD_BARRIER_SERIAL_THREAD style): with two or
// more parties, the first and the last party of a generation share index 0.
import { brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  wrap: (inner) => {
    const parties = (inner as unknown as { parties: number }).parties;
    const o = forward(inner, {
      wait: (...a: unknown[]) => {
        const i = call(inner, "wait", ...a) as number;
        return i === parties - 1 ? 0 : i;
      },
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Barrier", profile: "threading", breaks: /^Barrier\.wait\.(released|release)$/ },
];
