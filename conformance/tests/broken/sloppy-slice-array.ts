// An Array whose slice assignment does not check the list's length: `a[0:2] = [1]` stores 1 at
// a[0] and leaves a[1], `a[0:2] = [1, 2, 3]` stores 1, 2 and drops the 3, instead of raising
// ValueError: Can only assign sequence of same size. (A value that is no list is still refused.)
import { brokenModule, call, forward } from "./wrap.js";
import type { SharedPrimitive } from "../../../reference/implementation.js";
import type { BrokenExpectation } from "./expectation.js";

type Lock = { acquire(): unknown; release(): unknown };

/** The first index of a step-1 slice `[start:...]` over `length` items (Python's clamping); null for other slices. */
function sliceStart(key: unknown, length: number): number | null {
  if (typeof key !== "object" || key === null || !("$slice" in key)) return null;
  const [start, , step] = (key as { $slice: unknown[] }).$slice;
  if ((step !== undefined && step !== null && step !== 1) || (start !== null && !Number.isInteger(start))) return null;
  const i = (start as number | null) ?? 0;
  return i < 0 ? Math.max(i + length, 0) : Math.min(i, length);
}

const m = brokenModule({
  primitive: "Array",
  wrap: (inner) =>
    forward(inner, {
      setitem: (key: unknown, value: unknown) => {
        const start = sliceStart(key, (call(inner, "getitem", { $slice: [null, null] }) as unknown[]).length);
        if (start === null || !Array.isArray(value)) return call(inner, "setitem", key, value);
        const lock = call(inner, "get_lock") as Lock;
        lock.acquire();
        try {
          // Store what fits: as many of the list's elements as the slice has room for.
          const room = (call(inner, "getitem", key) as unknown[]).length;
          const fits = value.slice(0, room);
          return call(inner, "setitem", { $slice: [start, start + fits.length] }, fits);
        } finally {
          lock.release();
        }
      },
    }) as SharedPrimitive,
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Array", profile: "multiprocessing", breaks: /^Array\.setslice\.wrong-size(-docs)?$/ },
];
