// A Pipe whose send() takes a multiprocessing Lock without complaint (a port whose pickler lets
// synchronization objects through outside a process's start): the call returns None where
// CPython raises RuntimeError "Lock objects should only be shared between processes through
// inheritance". Nothing arrives at the other end either.
import { PythonError } from "../../../reference/implementation.js";
import { brokenPipe } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenPipe((conn): Record<string, (...a: never[]) => unknown> => ({
  send: (obj: unknown) => {
    try {
      return conn.send(obj);
    } catch (e) {
      if (e instanceof PythonError && e.pyType === "RuntimeError") return undefined;
      throw e;
    }
  },
}));
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [{ primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.send\.(inherited-only|unpicklable-docs)$/ }];
