// A ProcessPoolExecutor whose Future.cancel() says True for a future that is already running
// (a port that only flags it): CPython's returns False once the call runs or finished.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  wrap: (inner) =>
    forward(inner, {
      submit: (fn: never, ...args: never[]) => {
        const f = call(inner, "submit", fn, ...args) as Record<string, (...a: unknown[]) => unknown>;
        let flagged = false;
        // Every other method of the Future as it is (forward): only cancel() and cancelled() lie.
        return forward(f as never, {
          cancel: () => (f.cancel!() as boolean) || (flagged = true),
          cancelled: () => flagged || (f.cancelled!() as boolean),
        });
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^ProcessPoolExecutor\.Future\./ }];
