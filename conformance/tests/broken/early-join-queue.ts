// A JoinableQueue whose join returns at once, without waiting for task_done.
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "JoinableQueue",
  wrap: (inner) => forward(inner, { join: () => null }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "JoinableQueue", profile: "multiprocessing", breaks: /^JoinableQueue\.join\./ },
];
