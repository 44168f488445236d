// A Pool that calls a result's callback twice (a port that runs it both where the result arrives
// and where get() or wait() first sees it ready): the docs apply it once, to the result.
import { inThreadObjects, resolveCallable, type CallableValue } from "../../../reference/callables.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

type Result = Record<string, (...a: unknown[]) => unknown>;

/** The inner result, whose first get() or wait() to see it ready and successful runs the callback again. */
function again(r: Result, callback: CallableValue | null): Result {
  let pending = callback !== null;
  const after = <T>(v: T): T => {
    if (pending && r.ready!() && r.successful!()) {
      pending = false;
      let value: unknown;
      try {
        value = r.get!(0);
      } catch {
        return v;
      }
      void Promise.resolve(resolveCallable(callback!, inThreadObjects)(value)).catch(() => undefined);
    }
    return v;
  };
  return {
    ready: () => r.ready!(),
    successful: () => r.successful!(),
    wait: (t: unknown) => after(r.wait!(t)),
    get: (t: unknown) => after(r.get!(t)),
  };
}

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      apply_async: (func: never, args: never, kwds: never, callback: CallableValue | null, error_callback: never) =>
        again(call(inner, "apply_async", func, args, kwds, callback ?? null, error_callback ?? null) as Result, callback ?? null),
      map_async: (func: never, iterable: never, chunksize: never, callback: CallableValue | null, error_callback: never) =>
        again(call(inner, "map_async", func, iterable, chunksize ?? null, callback ?? null, error_callback ?? null) as Result, callback ?? null),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The Queue a put_arg_to callback puts on then holds a second copy.
// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
// The same bug in a ThreadPool (the threading profile) is caught the same way.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^Queue\.get/, options: { shrinkBudgetMs: 20_000 } },
  { primitive: "Pool", profile: "threading", breaks: /^Queue\.get/, options: { shrinkBudgetMs: 20_000 } },
];
