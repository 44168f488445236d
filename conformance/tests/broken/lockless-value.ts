// A Value whose get_lock() returns a lock that excludes nobody: `with v.get_lock(): v.value += 1`
// is then a plain read and write, and two such increments can lose one. Reads are slowed down
// (1 ms after taking the value) so that racing updates overlap often.
import { brokenModule } from "./wrap.js";
import type { SharedPrimitive } from "../../../reference/implementation.js";
import { RawValue } from "../../../reference/threads/value.js";
import type { BrokenExpectation } from "./expectation.js";

const nap = new Int32Array(new SharedArrayBuffer(4));

const m = brokenModule({
  primitive: "Value",
  wrap: (inner) => {
    // The bug is the synchronized wrapper's: a bare value (lock=False) is the reference's own.
    if (inner instanceof RawValue) return inner;
    const v = inner as unknown as { value: unknown };
    const o: Record<string, unknown> = { handle: () => inner.handle() };
    Object.defineProperty(o, "value", {
      get: () => {
        const x = v.value;
        Atomics.wait(nap, 0, 0, 1);
        return x;
      },
      set: (x: unknown) => {
        v.value = x;
      },
      enumerable: true,
    });
    o.get_lock = () => ({ acquire: () => true, release: () => undefined });
    o.get_obj = () => (inner as unknown as { get_obj(): unknown }).get_obj();
    return o as unknown as SharedPrimitive;
  },
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // A lost update needs two increments that overlap; shrinking keeps a smaller scenario only when
  // the race recurs on its re-run, so it may stop a few calls short of minimal.
  { maxCalls: 14, primitive: "Value", profile: "multiprocessing", breaks: /^Value\.(locked_increment\.(atomic|self-deadlock)|value\.read|raw_value\.read)$/ },
];
