// A Lock whose blocking acquire ignores its timeout: acquire(True, 0.005) on a held lock waits
// until the lock is free, for good if it never is.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) =>
    forward(inner, {
      acquire: (block: unknown = true) => call(inner, "acquire", block, null),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// With timeouts of 0.1 s and more, an ordinary run may show it too (an acquire cut long after its timeout).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.acquire\./, deadlineMs: null, options: { horizonMs: 1000 } },
];
