// A Pool that never calls error_callback (a port that wires only the success callback): the docs
// say error_callback is applied when the call failed.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      apply_async: (func: never, args: never, kwds: never, callback: never) => call(inner, "apply_async", func, args, kwds, callback ?? null, null),
      map_async: (func: never, iterable: never, chunksize: never, callback: never) => call(inner, "map_async", func, iterable, chunksize ?? null, callback ?? null, null),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// At the cpython level is_set() after the result is ready; at both levels a wait without a
// timeout still pending at the cut, which the liveness rule holds to the callback's promptness.
// Shrinking re-runs scenarios whose wait is cut at the deadline (seconds each): 30 s of it is enough
// to name the rule, the counterexample a few calls longer than fully shrunk.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^(Event\.(is_set|wait)|Pool\.callback-call)/, maxCalls: 16, options: { shrinkBudgetMs: 30_000 } },
];
