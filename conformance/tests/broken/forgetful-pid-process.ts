// A Process whose pid is None again once the child has ended (a port that reads the pid from
// the live child handle, dropped when the child is reaped); CPython keeps it until close().
import { PROCESS_PROPERTIES, brokenModule, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Process",
  wrap: (inner) => {
    const p = inner as unknown as { pid: number | null; exitcode: number | null };
    return forwardProperties(forward(inner, {}), inner, PROCESS_PROPERTIES, { pid: () => (p.exitcode !== null ? null : p.pid) });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
// The failure needs a pid read after the child's end; a re-run of a smaller candidate often reads
// it before (no failure), so shrinking may stop a few calls short of the minimal 3 (seen: 5, 11).
// A deadline that outlasts a child's start on a loaded machine (as lost-call-process's).
export const caught: BrokenExpectation[] = [{ maxCalls: 14, primitive: "Process", profile: "multiprocessing", breaks: /^Process\.pid\.(started|before-start)$/, deadlineMs: 4000 }];
