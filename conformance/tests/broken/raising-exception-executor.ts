// A ProcessPoolExecutor whose Future.exception() raises the call's exception, as result() does,
// instead of returning it (a port that writes exception() as result() returning None): the docs
// say it returns the exception raised by the call.
import { brokenModule, forwardFutures } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  wrap: (inner) =>
    forwardFutures(inner, (f) => ({
      exception: (t: unknown) => {
        f.result!(t);
        return null;
      },
    })),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^ProcessPoolExecutor\.Future\.exception\./ }];
