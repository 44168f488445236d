// A Pipe whose poll(None) does not wait: it treats a timeout of None as 0 (a port that maps
// "no timeout" to "no wait", as poll() without an argument does), so poll(None) on an empty
// pipe returns False at once instead of waiting for a message or end of file.
import type { Connection } from "../../../reference/threads/pipe.js";
import { brokenPipe } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenPipe((conn: Connection) => ({
  poll: (timeout: unknown = 0) => conn.poll(timeout === null ? 0 : timeout),
}));

export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.poll\.(ready|timeout)$/, deadlineMs: null },
];
