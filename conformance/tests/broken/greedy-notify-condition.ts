// A Condition whose notify(n) wakes one waiter too many (an off-by-one in its count).
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) =>
    forward(inner, {
      notify: (n: number = 1) => call(inner, "notify", n + 1),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Two waiters and a notifier, each a sequence (acquire, wait or notify, release): 9 calls, and
// Condition scenarios keep three actors (generate.minActors), so shrinking, which re-runs them
// with real concurrency, often stops a few calls short of that (16 seen on a loaded machine): up to 18.
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // The extra waiter woken shows in a wait's outcome: it returns True where the spec has it time out
  // (timeout-threading), or, in a counterexample whose shrinking stopped early, where it leaves the list.
  { maxCalls: 18, primitive: "Condition", profile: "threading", breaks: /^Condition\.(wait|wait_for)\.(timeout-threading|leave)$/, deadlineMs: null },
];
