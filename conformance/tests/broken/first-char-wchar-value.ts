// A Value whose 'u' typecode (wchar_t) takes the first character of any non-empty str, where
// CPython raises TypeError: one character unicode string expected for 'xy' (a port that
// converts a str to a character with `s[0]`).
import { brokenModule } from "./wrap.js";
import type { SharedPrimitive } from "../../../reference/implementation.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({
  primitive: "Value",
  wrap: (inner) => {
    const v = inner as unknown as { value: unknown; get_lock(): unknown; get_obj(): unknown };
    const wchar = inner.handle().typecode === "u";
    const o: Record<string, unknown> = { handle: () => inner.handle() };
    Object.defineProperty(o, "value", {
      get: () => v.value,
      set: (x: unknown) => {
        v.value = wchar && typeof x === "string" && x.length > 1 ? x[0] : x;
      },
      enumerable: true,
    });
    o.get_lock = () => v.get_lock();
    o.get_obj = () => v.get_obj();
    return o as unknown as SharedPrimitive;
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Value", profile: "multiprocessing", breaks: /^Value\.set_value\.(wchar-length|bad-type-docs)$/ },
];
