// A Lock whose every acquire and release blocks for good (a deadlock in the implementation):
// its calls never return, so only the liveness rule, on a run long enough, can catch it.
import { brokenModule, forward } from "./wrap.js";

const never = (): never => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  throw new Error("unreachable");
};

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) => forward(inner, { acquire: never, release: never }),
});
export const { primitives, profiles, create, attach } = m;
