// A Pool whose map_async() result is ready once its first item is (a port whose MapResult sets its
// event on the first chunk it receives): get() then gives None for the items still running, and
// ready()/successful() answer early. CPython's MapResult is ready when every chunk is in.
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

type Result = { ready(): boolean; successful(): boolean; wait(t: number | null): null; get(t: number | null): unknown };

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      map_async: (func: never, iterable: unknown[], chunksize: never, callback: unknown = null, errorCallback: unknown = null) => {
        // With callbacks, the reference's own (the bug is in the result's readiness alone).
        if (callback !== null || errorCallback !== null) return call(inner, "map_async", func, iterable, chunksize ?? null, callback, errorCallback);
        const rs = iterable.map((x) => call(inner, "apply_async", func, [x]) as Result);
        const ready = () => rs.length === 0 || rs[0]!.ready();
        const notReady = () => new PythonError("ValueError", "<multiprocessing.pool.MapResult object at 0x7f0000000000> not ready");
        return {
          ready,
          successful: () => {
            if (!ready()) throw notReady();
            return rs.every((r) => !r.ready() || r.successful());
          },
          wait: (timeout: number | null = null) => (rs.length ? rs[0]!.wait(timeout) : null),
          get: (timeout: number | null = null) => {
            if (rs.length) rs[0]!.get(timeout);
            return rs.map((r) => (r.ready() ? r.get(0) : null));
          },
        };
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
export const caught: BrokenExpectation[] = [{ primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.(AsyncResult\.|map_async\.)/, options: { shrinkBudgetMs: 20_000 } }];
