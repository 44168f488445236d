// A Barrier whose n_waiting is always 0 (a port that left the property a stub): right whenever
// a read may come before the waiters' arrivals, so only a read made well after a party arrived
// (past the checker's promptness bound) tells it from a slow arrival.
import { brokenModule, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  wrap: (inner) => forwardProperties(forward(inner, {}), inner, ["n_waiting", "broken", "parties"], { n_waiting: () => 0 }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.n_waiting\./ }];
