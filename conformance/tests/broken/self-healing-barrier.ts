// A Barrier that does not stay broken after a timeout: the party whose wait
// timed out raises BrokenBarrierError, but then resets the barrier, so later
// waits pass as if nothing happened. (Any wait that raises BrokenBarrierError
// resets it, unless abort() broke it: that one still lasts.)
import { brokenModule, call, forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Barrier",
  extra: () => ({ aborted: new SharedArrayBuffer(4) }),
  wrap: (inner, extra) => {
    const aborted = new Int32Array(extra.aborted as SharedArrayBuffer);
    const o = forward(inner, {
      wait: (...a: unknown[]) => {
        try {
          return call(inner, "wait", ...a);
        } catch (e) {
          const brokenByTimeout = (e as { pyType?: string }).pyType === "threading.BrokenBarrierError" && Atomics.load(aborted, 0) === 0;
          if (brokenByTimeout) call(inner, "reset");
          throw e;
        }
      },
      abort: () => {
        Atomics.store(aborted, 0, 1);
        return call(inner, "abort");
      },
      reset: () => {
        Atomics.store(aborted, 0, 0);
        return call(inner, "reset");
      },
    });
    return forwardProperties(o, inner, ["n_waiting", "broken", "parties"]);
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// the healed state shows in any of these
/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.(broken\.read|wait\.|n_waiting\.)/ },
];
