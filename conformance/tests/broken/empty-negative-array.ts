// An Array whose constructor takes a negative length for an empty array instead of refusing it
// (a port that clamps lengths as slices do).
import { brokenModule, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Array",
  argv: ([typecode, size, ...rest]) => [typecode, typeof size === "number" && size < 0 ? 0 : size, ...rest],
  wrap: (inner) => forward(inner, {}),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Array", profile: "multiprocessing", breaks: /^Array\.construct\.negative-length(-docs)?$/ },
];
