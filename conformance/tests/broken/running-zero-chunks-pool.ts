// A Pool whose map, starmap and map_async take chunksize 0 (or below) for the default and run the
// items (a port that reads "no chunksize" into any non-positive one): CPython runs nothing and
// gives [None] * n at once. The docs are silent on it, so only the cpython level catches it.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const positive = (c: unknown) => (typeof c === "number" && c < 1 ? null : (c ?? null));

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      map: (func: never, iterable: never, chunksize: never) => call(inner, "map", func, iterable, positive(chunksize)),
      starmap: (func: never, iterable: never, chunksize: never) => call(inner, "starmap", func, iterable, positive(chunksize)),
      map_async: (func: never, iterable: never, chunksize: never, callback: never, error_callback: never) =>
        call(inner, "map_async", func, iterable, positive(chunksize), callback ?? null, error_callback ?? null),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
// A map_async whose chunks ran may show itself on a Queue its callback put the values on (CPython
// calls no callback for chunksize 0), where a get finds what should not be there.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^(Pool\.(map|starmap|map_async|AsyncResult)\.|Queue\.get\.)/, options: { shrinkBudgetMs: 20_000 } },
];
