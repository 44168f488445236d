// A Lock whose every acquire and release blocks for good (a deadlock in the implementation):
// its calls never return, so only the liveness rule, on a run long enough, can catch it.
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const never = (): never => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error("unreachable");
};

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) => forward(inner, { acquire: never, release: never }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Calls that never return, or answer after the ordinary deadline: only the liveness rule, on
// runs to the horizon, sees them (default options but a shorter horizon where 1 s suffices).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.(acquire|release)\./, deadlineMs: null, long: true, options: { horizonMs: 1000 } },
];
