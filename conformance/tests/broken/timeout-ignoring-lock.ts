// A Lock whose blocking acquire ignores its timeout: acquire(True, 0.005) on a held lock waits
// until the lock is free, for good if it never is.
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) =>
    forward(inner, {
      acquire: (block: unknown = true) => call(inner, "acquire", block, null),
    }),
});
export const { primitives, profiles, create, attach } = m;
