// A Value that ignores a Lock given as lock= and synchronizes with its own recursive lock (a port
// whose wrapper always makes an RLock): `with v.get_lock(): v.value += 1` returns where CPython's
// deadlocks.
import type { JsonValue } from "../../../spec/format.js";
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const isNewLock = (v: JsonValue | undefined) => typeof v === "object" && v !== null && !Array.isArray(v) && v.$new === "Lock";

const m = brokenModule({
  primitive: "Value",
  kwargs: (kw) => (isNewLock(kw.lock) ? { ...kw, lock: { $new: "RLock", argv: [] } } : kw),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Value", profile: "multiprocessing", breaks: /^Value\.locked_increment\.self-deadlock$/ },
];
