// A ProcessPoolExecutor whose Future.add_done_callback on a future already done files the callback
// with the others, which only a change to done runs (a port that appends to the list under the
// lock and forgets the case where the change has come and gone): the docs call fn at once then.
import { brokenModule, forwardFutures } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "ProcessPoolExecutor",
  wrap: (inner) => forwardFutures(inner, (f) => ({ add_done_callback: (cb: unknown) => (f.done!() ? null : f.add_done_callback!(cb)) })),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

// The count of callbacks run (add_to's Value), or the Event set_event never sets, shows it; or the
// call itself, which returns before a callback the model makes it run.
export const caught: BrokenExpectation[] = [{ primitive: "ProcessPoolExecutor", profile: "multiprocessing", breaks: /^(Value\.value|Event\.is_set|ProcessPoolExecutor\.Future\.add_done_callback)/ }];
