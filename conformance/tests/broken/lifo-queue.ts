// A Queue whose get hands out the newest item: it drains what is there and puts back all but the last.
import { brokenModule, call, forward } from "./wrap.js";

const m = brokenModule({
  primitive: "Queue",
  wrap: (inner) => {
    const newest = (first: unknown) => {
      const items = [first];
      for (;;) {
        try {
          items.push(call(inner, "get_nowait"));
        } catch {
          break;
        }
      }
      const last = items.pop();
      for (const x of items) call(inner, "put_nowait", x);
      return last;
    };
    return forward(inner, {
      get: (...a: unknown[]) => newest(call(inner, "get", ...a)),
      get_nowait: () => newest(call(inner, "get_nowait")),
    });
  },
});
export const { primitives, profiles, create, attach } = m;
