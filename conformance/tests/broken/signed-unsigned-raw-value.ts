// A RawValue whose unsigned 64-bit typecodes ('L', 'Q') are stored signed: a negative int is
// accepted as it is, so RawValue('L', -1).value reads -1 where CPython's c_ulong wraps it to
// 2**64 - 1. A port that maps C long and unsigned long to the same 64-bit integer type.
import * as reference from "../../../reference/threads/module.js";
import type { ImplementationModule } from "../../../reference/implementation.js";
import type { BrokenExpectation } from "./expectation.js";

const SIGNED: Record<string, string> = { L: "l", Q: "q" };

const m: ImplementationModule = {
  primitives: reference.primitives,
  profiles: reference.profiles,
  create: (primitive, profile, argv, kwargs) =>
    reference.create(primitive, profile, primitive === "RawValue" && typeof argv[0] === "string" && argv[0] in SIGNED ? [SIGNED[argv[0]]!, ...argv.slice(1)] : argv, kwargs),
  attach: reference.attach,
  end: reference.end,
  enterScope: reference.enterScope,
};
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "RawValue", profile: "multiprocessing", breaks: /^RawValue\.value\.read$/ },
];
