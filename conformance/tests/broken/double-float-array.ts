// An Array whose 'f' typecode (C float) is stored as C doubles: no rounding to single precision,
// so Array('f', [0.1, 2.5, 2**52 + 1]) reads [0.1, 2.5, 4503599627370497.0] where CPython reads
// [0.10000000149011612, 2.5, 4503599627370496.0]. A port with one floating-point item type.
import * as reference from "../../../reference/threads/module.js";
import type { ImplementationModule } from "../../../reference/implementation.js";
import type { BrokenExpectation } from "./expectation.js";

const m: ImplementationModule = {
  primitives: reference.primitives,
  profiles: reference.profiles,
  create: (primitive, profile, argv, kwargs) =>
    reference.create(primitive, profile, primitive === "Array" && argv[0] === "f" ? ["d", ...argv.slice(1)] : argv, kwargs),
  attach: reference.attach,
  end: reference.end,
  enterScope: reference.enterScope,
};
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(getitem|getslice|raw_item)\.read$/ },
];
