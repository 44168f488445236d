// A Process whose child never makes its target's calls on other objects (a port that runs the
// target with the objects it names copied rather than shared): a set_event target exits 0 and
// the parent's Event stays clear.
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";
import type { JsonValue } from "../../../spec/format.js";

const copied = (target: JsonValue | undefined): JsonValue | undefined =>
  target !== null && typeof target === "object" && !Array.isArray(target) && target.$callable === "set_event" ? { $callable: "noop" } : target;

const m = brokenModule({
  primitive: "Process",
  kwargs: (kw) => (kw.target === undefined ? kw : { ...kw, target: copied(kw.target)! }),
});
export const { primitives, profiles, create, attach, end } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Process", profile: "multiprocessing", breaks: /^(Event\.(is_set\.flag|wait\.[\w-]+)|Process\.(join\.\w+|exitcode\.read|is_alive\.state))$/ },
];
