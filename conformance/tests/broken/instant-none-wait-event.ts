// An Event whose wait(None) returns at once (False when the flag is clear), as if None were 0.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Event",
  wrap: (inner) =>
    forward(inner, {
      wait: (timeout: number | null = null) => call(inner, "wait", timeout ?? 0),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Event", profile: "threading", breaks: /^Event\.wait\./, deadlineMs: null },
];
