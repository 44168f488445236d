// A Condition whose notify(n) wakes one waiter too many (an off-by-one in its count).
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) =>
    forward(inner, {
      notify: (n: number = 1) => call(inner, "notify", n + 1),
    }),
});
export const { primitives, profiles, create, attach } = m;
