// A Barrier whose last party returns what the action returned, rather than its index, when
// the action returns something (a port that writes `return action() ?? index`): with an
// action returning 7, the last arrival's wait returns 7. CPython drops the action's result.
import { brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { JsonValue } from "../../../spec/format.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  // The constructor's action is not in the handle the wrapper sees: the wrapper reads it from
  // the inner handle (the reference keeps it there).
  wrap: (inner) => {
    const action = (inner.handle() as { action?: JsonValue }).action as { $callable?: string; value?: JsonValue } | null;
    const parties = (inner as unknown as { parties: number }).parties;
    const o = forward(inner, {
      wait: (...a: unknown[]) => {
        const index = call(inner, "wait", ...a);
        return index === parties - 1 && action?.$callable === "return" ? action.value : index;
      },
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Barrier", profile: "threading", breaks: /^Barrier\.wait\.release$/ },
];
