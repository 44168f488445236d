// A Barrier whose every party runs the action on leaving (a port that reads "one of the threads
// will have called it" as each thread calling it): an add_to action adds `parties` per generation
// where CPython's adds 1, which a read of its Value after a wait shows.
import { checkCallable, inThreadObjects, resolveCallable } from "../../../reference/callables.js";
import { brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { JsonValue } from "../../../spec/format.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  // The constructor's action, from the inner handle (the reference keeps it there).
  wrap: (inner) => {
    const value = (inner.handle() as { action?: JsonValue }).action ?? null;
    const action = value === null ? null : resolveCallable(checkCallable(value), inThreadObjects);
    const parties = (inner as unknown as { parties: number }).parties;
    const o = forward(inner, {
      wait: (...a: unknown[]) => {
        const index = call(inner, "wait", ...a);
        if (index !== parties - 1) action?.();
        return index;
      },
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Barrier", profile: "multiprocessing", breaks: /^(Value\.[\w-]+\.[\w-]+|Barrier\.wait\.[\w-]+)$/ }];
