// An Array whose get_lock() returns a fresh lock on each call: `with a.get_lock(): a[i] += 1`
// then excludes no other such update, and two locked increments can lose one. Item reads are
// slowed down (1 ms after taking the items) so that racing updates overlap often.
import { brokenModule, call, forward } from "./wrap.js";
import { RawArray, type SynchronizedArray } from "../../../reference/threads/array.js";
import { RLock } from "../../../reference/threads/lock.js";
import type { BrokenExpectation } from "./expectation.js";

const nap = new Int32Array(new SharedArrayBuffer(4));

const m = brokenModule({
  primitive: "Array",
  // The bug is the synchronized wrapper's: a bare array (lock=False) is the reference's own.
  wrap: (inner) =>
    inner instanceof RawArray ? inner : forward(inner, {
      getitem: (key: unknown) => {
        const x = call(inner, "getitem", key);
        Atomics.wait(nap, 0, 0, 1);
        return x;
      },
      get_lock: () => new RLock({ profile: (inner as SynchronizedArray).profile }),
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// A lost update needs two locked increments of one item to interleave: a race, which Array's bursts of locked
// increments of item 0 in two actors or more, then a read (generate.sequences), make likely (seeds 42, 1, 2, 3).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // A lost update needs two increments that overlap; shrinking keeps a smaller scenario only when
  // the race recurs on its re-run, so it may stop a few calls short of minimal.
  { maxCalls: 14, primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(locked_increment\.(atomic|self-deadlock)|getitem\.read|getslice\.read|raw_item\.read)$/ },
];
