// A Process whose exitcode reports a death by signal n as 128 + n, as a shell's $? does, rather
// than Python's -n (a port that takes the shell's convention for the OS's).
import { PROCESS_PROPERTIES, brokenModule, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Process",
  wrap: (inner) =>
    forwardProperties(forward(inner, {}), inner, PROCESS_PROPERTIES, {
      exitcode: () => {
        const code = (inner as unknown as { exitcode: number | null }).exitcode;
        return code !== null && code < 0 ? 128 - code : code;
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Process", profile: "multiprocessing", breaks: /^Process\.exitcode\.read$/ }];
