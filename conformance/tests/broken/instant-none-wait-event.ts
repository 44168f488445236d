// An Event whose wait(None) returns at once (False when the flag is clear), as if None were 0.
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Event",
  wrap: (inner) =>
    forward(inner, {
      wait: (timeout: number | null = null) => call(inner, "wait", timeout ?? 0),
    }),
});
export const { primitives, profiles, create, attach } = m;
