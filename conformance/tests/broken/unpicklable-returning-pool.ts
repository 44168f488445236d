// A Pool whose apply() hands back a result its worker could not pickle (a port whose workers
// share memory with the caller and never encode results): CPython raises MaybeEncodingError
// "Error sending result: ..." and the worker goes on.
import { PythonError } from "../../../reference/implementation.js";
import { checkCallable, resolveCallable } from "../../../reference/callables.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      apply: (func: never, args: never[] = []) => {
        try {
          return call(inner, "apply", func, args);
        } catch (e) {
          if (!(e instanceof PythonError) || !e.pyType.endsWith("MaybeEncodingError")) throw e;
          // The value as the task made it, unencoded.
          return resolveCallable(checkCallable(func))(...args);
        }
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
export const caught: BrokenExpectation[] = [{ primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.apply\.(value|raised)$/, options: { shrinkBudgetMs: 20_000 } }];
