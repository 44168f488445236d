// A Condition whose __exit__ does not release its lock: after a with block the caller still
// holds it (an RLock one level deeper than it should be).
import { brokenModule, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) => forward(inner, { __exit__: () => null }),
});
export const { primitives, profiles, create, attach } = m;
