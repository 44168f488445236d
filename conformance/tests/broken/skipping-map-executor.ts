// A ProcessPoolExecutor whose map() iterator raises an item's exception and then goes on with the
// next items (as Pool.imap does): CPython's map is a generator, over once it has raised.
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

type Future = { result(timeout: number | null): unknown };

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  wrap: (inner) =>
    forward(inner, {
      map: (fn: never, iterable: unknown[], keywords: { chunksize?: number } = {}) => {
        const chunksize = keywords.chunksize ?? 1;
        if (chunksize < 1) throw new PythonError("ValueError", "chunksize must be >= 1.");
        // A future per item: an item's exception is its own, and the next item's value follows it.
        const futures = iterable.map((x) => call(inner, "submit", fn, x) as Future);
        let k = 0;
        return {
          __next__: () => {
            if (k >= futures.length) throw new PythonError("StopIteration", "");
            return futures[k++]!.result(null);
          },
        };
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^ProcessPoolExecutor\.MapIterator\.next\./ }];
