// A Condition whose wait_for returns bool(predicate()) rather than the predicate's last value.
import { brokenModule, call, forward } from "./wrap.js";
import { pyTruthy } from "../../../reference/threads/condition.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) =>
    forward(inner, {
      wait_for: (...a: unknown[]) => pyTruthy(call(inner, "wait_for", ...a)),
    }),
});
export const { primitives, profiles, create, attach } = m;
