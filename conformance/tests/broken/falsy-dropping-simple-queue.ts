// A SimpleQueue whose put ignores falsy items (None, 0, ''): a port that guards the write with
// `if (item)` (meant to skip "no item"), so they never reach a getter.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "SimpleQueue",
  wrap: (inner) =>
    forward(inner, {
      // empty() first: the closed check (OSError on a closed queue) still applies to a dropped item.
      put: (item: unknown, ...rest: unknown[]) => (item ? call(inner, "put", item, ...rest) : (call(inner, "empty"), null)),
      put_nowait: (item: unknown) => (item ? call(inner, "put_nowait", item) : null),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.(get\.fifo|get\.unpickling-fails|empty\.exact)$/, deadlineMs: 100 },
];
