// A Semaphore whose constructor clamps a negative initial value to 0 instead of refusing it
// (a port onto a runtime whose semaphore takes an unsigned count).
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Semaphore",
  argv: ([value, ...rest]) => [typeof value === "number" ? Math.max(0, value) : value, ...rest],
  wrap: (inner) => forward(inner, {}),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Semaphore", profile: "multiprocessing", breaks: /^Semaphore\.construct\.negative-mp$/ },
  { primitive: "Semaphore", profile: "threading", breaks: /^Semaphore\.construct\.negative$/ },
];
