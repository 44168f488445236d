// A Semaphore whose __exit__ forgets to release: a with block's unit is never given back.
import { brokenModule, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Semaphore",
  wrap: (inner) => forward(inner, { __exit__: () => null }),
});
export const { primitives, profiles, create, attach } = m;
