// A one-way Pipe(duplex=False) whose read end (conn1) can send: the direction check is
// forgotten in conn1.send and conn1.send_bytes, which accept the message (and lose it: in a
// one-way pipe nobody reads what conn1 would send).
import type { Pipe } from "../../../reference/threads/pipe.js";
import { brokenModule } from "./wrap.js";

const m = brokenModule({
  primitive: "Pipe",
  wrap: (inner) => {
    const pipe = inner as Pipe;
    const conn1 = pipe[0];
    const broken = {
      send: (obj: unknown) => (pipe.duplex || conn1.closed ? conn1.send(obj) : undefined),
      send_bytes: (...a: unknown[]) => (pipe.duplex || conn1.closed ? conn1.send_bytes(...(a as [unknown])) : undefined),
      recv: () => conn1.recv(),
      recv_bytes: (...a: unknown[]) => conn1.recv_bytes(...(a as [])),
      recv_bytes_into: (...a: unknown[]) => conn1.recv_bytes_into(...(a as [unknown])),
      poll: (timeout?: unknown) => conn1.poll(timeout),
      close: () => conn1.close(),
    };
    return { handle: () => inner.handle(), 0: broken, 1: pipe[1] } as unknown as typeof inner;
  },
});
export const { primitives, profiles, create, attach } = m;
