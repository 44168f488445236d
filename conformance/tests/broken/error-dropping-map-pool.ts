// A Pool whose map() leaves out the items whose call raised and returns the others' values (a
// port that filters failed results): CPython's map raises the failing item's exception.
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      map: (func: never, iterable: unknown[], chunksize: never) => {
        const rs = iterable.map((x) => call(inner, "apply_async", func, [x]) as Record<string, unknown>);
        const out: unknown[] = [];
        for (const r of rs) {
          try {
            out.push(call(r as never, "get", null));
          } catch (e) {
            if (!(e instanceof PythonError)) throw e;
          }
        }
        void chunksize;
        return out;
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
// The same bug in a ThreadPool (the threading profile) is caught the same way.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.map\./, options: { shrinkBudgetMs: 20_000 } },
  { primitive: "Pool", profile: "threading", breaks: /^Pool\.map\./, options: { shrinkBudgetMs: 20_000 } },
];
