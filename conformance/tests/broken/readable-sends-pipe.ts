// A one-way Pipe(duplex=False) whose read end (conn1) can send: the direction check is
// forgotten in conn1.send and conn1.send_bytes, which accept the message (and lose it: in a
// one-way pipe nobody reads what conn1 would send).
import { brokenPipe } from "./wrap.js";
import type { BrokenExpectation } from "./expectation.js";

const m = brokenPipe((conn1, i, pipe): Record<string, (...a: never[]) => unknown> =>
  i === 0
    ? {
        send: (obj: unknown) => (pipe.duplex || conn1.closed ? conn1.send(obj) : undefined),
        send_bytes: (...a: unknown[]) => (pipe.duplex || conn1.closed ? conn1.send_bytes(...(a as [unknown])) : undefined),
      }
    : {},
);
export const { primitives, profiles, create, attach, end, enterScope } = m;

/** What the suite must catch it by: broken-shard-*.test.ts run it and requires a FAIL that contradicts one of `breaks`. */
export const caught: BrokenExpectation[] = [
  { primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.send(_bytes)?\.(read-only|unusable-docs)$/, deadlineMs: 100 },
];
