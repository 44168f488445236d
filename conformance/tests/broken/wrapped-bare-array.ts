// An Array that ignores lock=False and returns a synchronized wrapper anyway (a port with no bare
// ctypes arrays): get_obj() and get_lock() work where CPython's bare array has neither.
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Array",
  kwargs: (kw) => (kw.lock === false ? { ...kw, lock: true } : kw),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(raw_item|locked_increment)\.bare$/ },
];
