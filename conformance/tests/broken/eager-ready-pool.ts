// A Pool whose AsyncResult.ready() is True once the task is handed to a worker, before it has run
// (a port that marks a task ready when dispatched): CPython's is True only once the result is in.
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Pool",
  wrap: (inner) =>
    forward(inner, {
      apply_async: (...a: never[]) => {
        const r = call(inner, "apply_async", ...a) as Record<string, unknown>;
        return { ready: () => true, successful: () => call(r as never, "successful"), wait: (t: unknown) => call(r as never, "wait", t), get: (t: unknown) => call(r as never, "get", t) };
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The same bug in a ThreadPool (the threading profile) is caught the same way.
export const caught: BrokenExpectation[] = [
  { primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.AsyncResult\./ },
  { primitive: "Pool", profile: "threading", breaks: /^Pool\.AsyncResult\./ },
];
