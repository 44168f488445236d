// A multiprocessing Queue whose put() pickles in the caller, as Pipe.send does (a port without a
// feeder thread): a Lock of the scenario makes put raise RuntimeError "Lock objects should only be
// shared between processes through inheritance", where CPython's put returns None and its feeder
// thread drops the item, releasing its slot.
import { inheritanceOnlyError, sharedObjectIn } from "../../../reference/pickle.js";
import { brokenModule, call, forward } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const pickleFirst = (item: unknown) => {
  const h = sharedObjectIn(item);
  if (h !== undefined) throw inheritanceOnlyError(h);
};

const m = brokenModule({
  primitive: "Queue",
  wrap: (inner) =>
    forward(inner, {
      put: (item: unknown, ...rest: unknown[]) => {
        pickleFirst(item);
        return call(inner, "put", item, ...rest);
      },
      put_nowait: (item: unknown) => {
        pickleFirst(item);
        return call(inner, "put_nowait", item);
      },
    }),
});
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Queue", profile: "multiprocessing", breaks: /^Queue\.put(_nowait)?\.[\w-]+$/ }];
