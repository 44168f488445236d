// An Event whose wait returns None when it times out (Python 2's Event.wait, which always returned None).
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Event",
  wrap: (inner) =>
    forward(inner, {
      wait: (...a: unknown[]) => (call(inner, "wait", ...a) === false ? null : true),
    }),
});
export const { primitives, profiles, create, attach } = m;
