// A SimpleQueue whose get on an empty queue, after 1.5 s, returns an item nobody put: a wrong
// answer that comes later than the ordinary (adaptive) deadline, within the horizon.
import { brokenModule, call, forward } from "./wrap.js";

const LATE_MS = 1500;

const m = brokenModule({
  primitive: "SimpleQueue",
  wrap: (inner) =>
    forward(inner, {
      get: () => {
        if (!call(inner, "empty")) return call(inner, "get");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LATE_MS);
        return call(inner, "empty") ? "ghost" : call(inner, "get");
      },
    }),
});
export const { primitives, profiles, create, attach } = m;
