// A Process whose daemon flag may be set after start() without complaint (a port that checks
// nothing and keeps the flag of the running child): CPython asserts "process has already started".
import { PROCESS_PROPERTIES, brokenModule, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Process",
  wrap: (inner) =>
    forwardProperties(forward(inner, {}), inner, PROCESS_PROPERTIES, {}, {
      daemon: (v) => {
        try {
          (inner as unknown as { daemon: unknown }).daemon = v;
        } catch {
          // the check that CPython makes is left out: the call returns None
        }
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Process", profile: "multiprocessing", breaks: /^Process\.set_daemon\.started(-docs)?$/ }];
