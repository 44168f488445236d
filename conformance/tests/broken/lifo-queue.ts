// A Queue whose get hands out the newest item: it drains what is there and puts back all but the last.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

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
export const { primitives, profiles, create, attach, end, enterScope } = m;

// Its get drains the queue and puts back all but the newest: not atomic either, so an empty(),
// qsize() or full() racing it may see the gap (under load the shrunk counterexample can be that).
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Queue", profile: "threading", breaks: /^Queue\.(get|empty|qsize|full)/ },
];
