// A BoundedSemaphore whose __exit__ swallows the ValueError of a release past the bound
// (`try: self.release() except ValueError: pass`): a with block's extra release goes unreported.
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "BoundedSemaphore",
  wrap: (inner) =>
    forward(inner, {
      __exit__: (...a: unknown[]) => {
        try {
          return call(inner, "__exit__", ...a);
        } catch (e) {
          if (e instanceof PythonError && e.pyType === "ValueError") return null;
          throw e;
        }
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "BoundedSemaphore", profile: "threading", breaks: /^BoundedSemaphore\.exit\.too-many-threading$/, deadlineMs: null },
];
