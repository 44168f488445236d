// A Condition whose __exit__ releases its RLock all the way (as wait does before it sleeps)
// rather than one level: a with block nested in an acquire leaves the lock free.
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Condition",
  wrap: (inner) =>
    forward(inner, {
      __exit__: (...a: unknown[]) => {
        call(inner, "__exit__", ...a); // raises when not owned
        for (;;) {
          try {
            call(inner, "release");
          } catch {
            return null;
          }
        }
      },
    }),
});
export const { primitives, profiles, create, attach } = m;
