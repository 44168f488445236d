// A Pipe whose recv_bytes(maxlength) returns the first maxlength bytes of a longer message
// (the rest is lost) instead of raising OSError("bad message length") and making the end
// unreadable: the read is clipped to the buffer it was given.
import { PyBytes } from "../../../reference/bytes.js";
import type { Connection } from "../../../reference/threads/pipe.js";
import { brokenPipe } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenPipe((conn: Connection) => ({
  recv_bytes: (maxlength: unknown = null) => {
    if (typeof maxlength !== "number" || maxlength < 0) return conn.recv_bytes(maxlength);
    const data = conn.recv_bytes().data;
    return new PyBytes(data.slice(0, maxlength), false);
  },
}));

export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.recv_bytes\.(too-long|fifo)$/, deadlineMs: 100 },
];
