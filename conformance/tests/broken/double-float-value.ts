// A Value whose 'f' typecode (C float) is stored as a C double: no rounding to single
// precision, so Value('f', 0.1).value reads 0.1 where CPython reads 0.10000000149011612 (and
// 2**52 + 1 stays exact). A port mapping every floating typecode to its language's double.
import * as reference from "../../../reference/threads/module.js";
import type { ImplementationModule } from "../../../reference/implementation.js";
import type { BrokenExpectation } from "./expectation.js";

const m: ImplementationModule = {
  primitives: reference.primitives,
  profiles: reference.profiles,
  create: (primitive, profile, argv, kwargs) =>
    reference.create(primitive, profile, primitive === "Value" && argv[0] === "f" ? ["d", ...argv.slice(1)] : argv, kwargs),
  attach: reference.attach,
  end: reference.end,
  enterScope: reference.enterScope,
};
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Value", profile: "multiprocessing", breaks: /^Value\.(value\.read|raw_value\.read)$/ },
];
