// A default context whose set_start_method() sets the method again without force=True (a port
// that forgot the "at most once" check): the second setting is not refused.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "DefaultContext",
  wrap: (inner) =>
    forward(inner, {
      set_start_method: (method: unknown) => call(inner, "set_start_method", method, true),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "DefaultContext", profile: "multiprocessing", breaks: /^DefaultContext\.set_start_method\./ },
];
