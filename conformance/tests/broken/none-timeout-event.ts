// An Event whose wait returns None when it times out (Python 2's Event.wait, which always returned None).
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Event",
  wrap: (inner) =>
    forward(inner, {
      wait: (...a: unknown[]) => (call(inner, "wait", ...a) === false ? null : true),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Event", profile: "threading", breaks: /^Event\.wait\.timeout$/ },
];
