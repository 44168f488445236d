// A threading Semaphore whose release(n) adds one unit whatever n (n checked, then ignored):
// the n parameter accepted but the counter raised as release() does.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Semaphore",
  wrap: (inner) =>
    forward(inner, {
      release: (n?: number | null) => (typeof n === "number" && n >= 1 ? call(inner, "release") : call(inner, "release", n)),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Only counting acquires shows it (threading has no get_value); shrinking meets acquires that
// wait for good, so a 1 s horizon keeps it within its budget.
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Semaphore", profile: "threading", breaks: /^Semaphore\.(release\.increment-n|acquire\.(available|nonblocking-zero|timeout))$/, deadlineMs: null, options: { horizonMs: 1000 } },
];
