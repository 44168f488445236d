// A threading Lock whose acquire(True, -1) does not wait (-1 read as "no time left"), where
// threading's -1 means "wait forever".
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Lock",
  wrap: (inner) =>
    forward(inner, {
      acquire: (block: boolean = true, timeout: number | null = null) =>
        timeout === -1 ? call(inner, "acquire", false) : call(inner, "acquire", block, timeout),
    }),
});
export const { primitives, profiles, create, attach } = m;
