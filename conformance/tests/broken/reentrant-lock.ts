// A Lock that lets the thread holding it acquire it again (as if it were an RLock without a count).
import { threadId } from "node:worker_threads";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Lock",
  extra: () => ({ owner: new SharedArrayBuffer(4) }),
  wrap: (inner, extra) => {
    const owner = new Int32Array(extra.owner as SharedArrayBuffer);
    const me = threadId + 1;
    return forward(inner, {
      acquire: (...a: unknown[]) => {
        if (Atomics.load(owner, 0) === me) return true;
        const got = call(inner, "acquire", ...a);
        if (got) Atomics.store(owner, 0, me);
        return got;
      },
      release: () => {
        Atomics.store(owner, 0, 0);
        return call(inner, "release");
      },
    });
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.acquire\./ },
];
