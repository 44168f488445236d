// A BoundedSemaphore that forgot its bound: a plain Semaphore underneath.
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "BoundedSemaphore",
  base: "Semaphore",
  wrap: (inner) => forward(inner, {}),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// an extra release, or a with block's exit
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "BoundedSemaphore", profile: "multiprocessing", breaks: /^BoundedSemaphore\.(release|exit)\./ },
];
