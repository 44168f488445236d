// A JoinableQueue whose join returns at once, without waiting for task_done.
import { brokenModule, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "JoinableQueue",
  wrap: (inner) => forward(inner, { join: () => null }),
});
export const { primitives, profiles, create, attach } = m;
