// A Condition whose __exit__ does not release its lock: after a with block the caller still
// holds it (an RLock one level deeper than it should be).
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) => forward(inner, { __exit__: () => null }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The lock still held shows in whatever the actor does next with it (exit, release, wait, notify) or another's acquire.
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { maxCalls: 12, primitive: "Condition", profile: "threading", breaks: /^Condition\.(exit|release|acquire|enter|wait|wait_for|notify|notify_all)\./, deadlineMs: null },
];
