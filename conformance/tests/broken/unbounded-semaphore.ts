// A BoundedSemaphore that forgot its bound: a plain Semaphore underneath.
import { brokenModule, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "BoundedSemaphore",
  base: "Semaphore",
  wrap: (inner) => forward(inner, {}),
});
export const { primitives, profiles, create, attach } = m;
