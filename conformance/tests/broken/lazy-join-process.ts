// A Process whose join() without a timeout gives up after 50 ms (a port that polls the child a
// few times instead of waiting for it), returning None while the process still runs.
import { PROCESS_PROPERTIES, brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Process",
  wrap: (inner) =>
    forwardProperties(forward(inner, { join: (timeout: number | null = null) => call(inner, "join", timeout === null ? 0.05 : timeout) }), inner, PROCESS_PROPERTIES),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/**
 * What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`.
 * Event.is_set.flag: a join that returned is the child's end, so a set_event target's Event must be
 * set by then; a clear one is how a lying join shows with an Event companion.
 */
export const caught: BrokenExpectation[] = [
  { primitive: "Process", profile: "multiprocessing", breaks: /^(Process\.(join\.(wait|woken|timeout)|exitcode\.read|is_alive\.state|close\.(running|release))|Event\.is_set\.flag)$/ },
];
