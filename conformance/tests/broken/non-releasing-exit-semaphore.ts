// A Semaphore whose __exit__ forgets to release: a with block's unit is never given back.
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Semaphore",
  wrap: (inner) => forward(inner, { __exit__: () => null }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Semaphore", profile: "multiprocessing", breaks: /^Semaphore\.(exit\.increment|(acquire|enter)\.(available|nonblocking-zero|timeout)|get_value\.counter)$/, deadlineMs: null },
];
