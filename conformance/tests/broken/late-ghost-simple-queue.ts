// A SimpleQueue whose get on an empty queue, after 1.5 s, returns an item nobody put: a wrong
// answer that comes later than the ordinary (adaptive) deadline, within the horizon.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const LATE_MS = 1500;

const m = brokenModule({
  primitive: "SimpleQueue",
  wrap: (inner) =>
    forward(inner, {
      get: () => {
        if (!call(inner, "empty")) return call(inner, "get");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LATE_MS);
        return call(inner, "empty") ? "ghost" : call(inner, "get");
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.get\./, deadlineMs: null, long: true },
];
