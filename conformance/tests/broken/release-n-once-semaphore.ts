// A threading Semaphore whose release(n) adds one unit whatever n (n checked, then ignored):
// the n parameter accepted but the counter raised as release() does.
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Semaphore",
  wrap: (inner) =>
    forward(inner, {
      release: (n?: number | null) => (typeof n === "number" && n >= 1 ? call(inner, "release") : call(inner, "release", n)),
    }),
});
export const { primitives, profiles, create, attach } = m;
