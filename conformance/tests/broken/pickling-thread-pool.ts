// A ThreadPool built on the process pool's code path (a port that shares one Pool class and
// pickles every result, threads or not): a task's value that cannot be pickled comes back as
// MaybeEncodingError, where CPython's ThreadPool hands the object over as it is.
import type { JsonValue } from "../../../spec/format.js";
import * as reference from "../../../reference/threads/module.js";
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenModule({ primitive: "Pool" });
export const { primitives, profiles, attach, end, enterScope } = m;

/** A Pool in either profile is the multiprocessing profile's (worker processes, pickled values). */
export function create(primitive: string, profile: string, argv: JsonValue[], kwargs: Record<string, JsonValue> = {}) {
  return reference.create(primitive, primitive === "Pool" ? "multiprocessing" : profile, argv, kwargs);
}

// Pool scenarios are slow to re-run (a pool starts its workers): shrinking gets 20 s under CI load.
export const caught: BrokenExpectation[] = [{ primitive: "Pool", profile: "threading", breaks: /^Pool\.(apply|apply_async|AsyncResult)\./, options: { shrinkBudgetMs: 20_000 } }];
