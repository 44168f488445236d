// A Condition whose wait_for returns bool(predicate()) rather than the predicate's last value.
import { brokenModule, call, forward } from "./wrap.js";
import { pyTruthy } from "../../../reference/threads/condition.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) =>
    forward(inner, {
      wait_for: (...a: unknown[]) => pyTruthy(call(inner, "wait_for", ...a)),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Condition", profile: "multiprocessing", breaks: /^Condition\.wait_for\./, deadlineMs: null },
];
