// A Process whose child skips Python's exit functions (a port that ends its children with a bare
// exit, as os._exit does): a queue the child put on is not joined, so the child ends while its
// item past the pipe's buffer is still unread. CPython's child waits for its feeder thread to
// flush (the docs' "joining processes that use queues"): join() returns only after the parent's get.
import { brokenModule } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";
import type { JsonValue } from "../../../spec/format.js";
import { Process } from "../../../reference/processes/process.js";
import * as reference from "../../../reference/threads/module.js";

const m = brokenModule({ primitive: "Process" });
export const { primitives, profiles, attach, end, enterScope } = m;
export function create(primitive: string, profile: string, argv: JsonValue[], kwargs: Record<string, JsonValue> = {}) {
  if (primitive !== "Process") return reference.create(primitive, profile, argv, kwargs);
  return new Process({ profile: profile as "multiprocessing", target: kwargs.target, args: (kwargs.args as JsonValue[] | undefined) ?? [], exitFunctions: false });
}

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  // A join that returned although the child could not have ended (or what it read after), or,
  // where that join is taken as right, a get that should then have read the child's item.
  { primitive: "Process", profile: "multiprocessing", breaks: /^(Process\.(join\.[\w-]+|exitcode\.read|is_alive\.state)|Queue\.get(_nowait)?\.[\w-]+)$/, deadlineMs: 3000 },
];
