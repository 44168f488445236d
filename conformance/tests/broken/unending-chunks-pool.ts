// A Pool whose chunked imap goes on after a failing chunk (a port that reuses the chunksize-1
// iterator, which raises an item's exception at its place and continues): CPython's chunked
// result is a generator, over once a chunk has raised (the chunk's earlier items never given).
import { PythonError } from "../../../reference/implementation.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

type Iterator = { next(timeout: number | null): unknown };

const chunkedLike = (inner: Iterator) => ({
  next: () => {
    throw new PythonError("AttributeError", "'generator' object has no attribute 'next'");
  },
  __next__: () => inner.next(null),
});

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      imap: (func: never, iterable: never, chunksize: number | null = 1) =>
        chunksize !== null && chunksize > 1 ? chunkedLike(call(inner, "imap", func, iterable, 1) as Iterator) : call(inner, "imap", func, iterable, chunksize),
      imap_unordered: (func: never, iterable: never, chunksize: number | null = 1) =>
        chunksize !== null && chunksize > 1 ? chunkedLike(call(inner, "imap_unordered", func, iterable, 1) as Iterator) : call(inner, "imap_unordered", func, iterable, chunksize),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
export const caught: BrokenExpectation[] = [{ primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.IMapIterator\.iter_next\./, options: { shrinkBudgetMs: 20_000 } }];
