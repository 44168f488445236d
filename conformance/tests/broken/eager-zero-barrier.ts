// A Barrier that releases once at least `parties` parties have arrived (`count >= parties`
// rather than CPython's `==`): the same for parties >= 1, but Barrier(0) and Barrier(-1) let
// every wait through at once with index 0, where CPython's waits wait for their timeout and
// break the barrier. (Built here as a barrier of 1 party that still reports its own parties.)
import * as reference from "../../../reference/threads/module.js";
import type { ImplementationModule, ObjectHandle, SharedPrimitive } from "../../../reference/implementation.js";
import { forward, forwardProperties } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

function wrap(inner: SharedPrimitive, parties: number): SharedPrimitive {
  const o = forward(inner, {});
  forwardProperties(o, inner, ["n_waiting", "broken", "parties"], { parties: () => parties });
  o.handle = (): ObjectHandle => ({ primitive: "Barrier", profile: inner.handle().profile, inner: inner.handle(), parties });
  return o;
}

const m: ImplementationModule = {
  primitives: reference.primitives,
  profiles: reference.profiles,
  // Keyword arguments pass through (a companion Value's lock=).
  create(primitive, profile, argv, kwargs) {
    if (primitive !== "Barrier" || typeof argv[0] !== "number" || argv[0] >= 1) return reference.create(primitive, profile, argv, kwargs);
    return wrap(reference.create(primitive, profile, [1, ...argv.slice(1)]), argv[0]);
  },
  attach(handle: ObjectHandle) {
    if (!("inner" in handle)) return reference.attach(handle);
    return wrap(reference.attach(handle.inner as ObjectHandle), handle.parties as number);
  },
  end: reference.end,
  enterScope: reference.enterScope,
};
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.wait\./ },
];
