// A Barrier that hands out arrival indices in reverse (the first to arrive gets parties - 1):
// the docs promise only distinct indices in range(parties), so this conforms at the documented
// level; CPython's arrival order is the cpython level's.
import { call, forward, forwardProperties, brokenModule } from "../broken/wrap.js";

const m = brokenModule({
  primitive: "Barrier",
  wrap: (inner) => {
    const parties = (inner as unknown as { parties: number }).parties;
    const o = forward(inner, {
      wait: (...a: unknown[]) => parties - 1 - (call(inner, "wait", ...a) as number),
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach } = m;
