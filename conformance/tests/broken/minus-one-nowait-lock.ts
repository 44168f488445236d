// A threading Lock whose acquire(True, -1) does not wait (-1 read as "no time left"), where
// threading's -1 means "wait forever".
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) =>
    forward(inner, {
      acquire: (block: boolean = true, timeout: number | null = null) =>
        timeout === -1 ? call(inner, "acquire", false) : call(inner, "acquire", block, timeout),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Lock", profile: "threading", breaks: /^Lock\.acquire\./, deadlineMs: null },
];
