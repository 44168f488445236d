// A Pipe whose connections' recv_bytes_into(buf, offset) writes as much of a message too long
// for buf as fits from offset, and returns that count, instead of raising BufferTooShort (the
// rest of the message is lost). Other calls, and bad arguments, behave as the reference's.
import { isPyBytes } from "../../../reference/bytes.js";
import type { Connection } from "../../../reference/threads/pipe.js";
import { brokenPipe } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenPipe((conn: Connection) => ({
  recv_bytes_into: (buf: unknown, offset: unknown = 0) => {
    const valid = isPyBytes(buf) && buf.mutable && Number.isInteger(offset) && (offset as number) >= 0 && (offset as number) <= buf.length;
    if (!valid) return conn.recv_bytes_into(buf, offset);
    // recv_bytes() takes the next message whole, with the same checks and waits as recv_bytes_into.
    const data = conn.recv_bytes().data;
    const n = Math.min(data.length, buf.length - (offset as number));
    buf.data.set(data.subarray(0, n), offset as number);
    return n;
  },
}));
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.recv_bytes_into\./, deadlineMs: 100 },
];
