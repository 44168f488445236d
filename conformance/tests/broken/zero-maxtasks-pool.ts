// A Pool that takes maxtasksperchild=0 for "no limit" (a port that tests the value for truth, as
// `if maxtasksperchild:` would): CPython refuses it, ValueError "maxtasksperchild must be a
// positive int or None".
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Pool",
  // maxtasksperchild comes by keyword (the spec passes it so: ThreadPool has no such parameter).
  kwargs: (kw) => (kw.maxtasksperchild === 0 ? { ...kw, maxtasksperchild: null } : kw),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

export const caught: BrokenExpectation[] = [{ primitive: "Pool", profile: "multiprocessing", breaks: /^Pool\.construct\.bad-maxtasksperchild/ }];
