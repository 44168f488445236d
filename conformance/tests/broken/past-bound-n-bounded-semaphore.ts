// A threading BoundedSemaphore whose release(n) checks the bound as release() does (the counter
// below the initial value) rather than value + n against it, then adds all n: release(2) one
// below the bound takes the counter past it.
import type { SharedPrimitive } from "../../../reference/implementation.js";
import { wake } from "../../../reference/threads/futex.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const VALUE = 0; // reference/threads/semaphore.ts word layout
const WAITERS = 1;

const m = brokenModule({
  primitive: "BoundedSemaphore",
  wrap: (inner: SharedPrimitive) => {
    const h = inner.handle();
    const words = new Int32Array(h.state as SharedArrayBuffer);
    const bound = h.bound as number;
    return forward(inner, {
      release: (n?: number | null) => {
        if (typeof n !== "number" || n < 2) return call(inner, "release", n);
        if (Atomics.load(words, VALUE) >= bound) return call(inner, "release", n); // raises, as at the bound
        Atomics.add(words, VALUE, n);
        wake(words, WAITERS, VALUE, n);
      },
    });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "BoundedSemaphore", profile: "threading", breaks: /^BoundedSemaphore\.(release|exit)\./, deadlineMs: null },
];
