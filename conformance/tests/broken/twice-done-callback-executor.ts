// A ProcessPoolExecutor whose Future.add_done_callback registers the callback twice (a port that
// appends it to the list and to a second one, both run when the future is done): the docs call it
// once.
import { brokenModule, forwardFutures } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  wrap: (inner) =>
    forwardFutures(inner, (f) => ({
      add_done_callback: (cb: unknown) => {
        f.add_done_callback!(cb);
        return f.add_done_callback!(cb);
      },
    })),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// add_to's Value then counts two callbacks run for one added.
export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^Value\.value/ }];
