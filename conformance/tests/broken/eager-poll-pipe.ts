// A Pipe whose poll(None) does not wait: it treats a timeout of None as 0 (a port that maps
// "no timeout" to "no wait", as poll() without an argument does), so poll(None) on an empty
// pipe returns False at once instead of waiting for a message or end of file.
import type { Connection, Pipe } from "../../../reference/threads/pipe.js";
import { brokenModule } from "./wrap.js";

function eager(conn: Connection) {
  return {
    send: (obj: unknown) => conn.send(obj),
    send_bytes: (...a: unknown[]) => conn.send_bytes(...(a as [unknown])),
    recv: () => conn.recv(),
    recv_bytes: (...a: unknown[]) => conn.recv_bytes(...(a as [])),
    recv_bytes_into: (...a: unknown[]) => conn.recv_bytes_into(...(a as [unknown])),
    poll: (timeout: unknown = 0) => conn.poll(timeout === null ? 0 : timeout),
    close: () => conn.close(),
  };
}

const m = brokenModule({
  primitive: "Pipe",
  wrap: (inner) => {
    const pipe = inner as Pipe;
    return { handle: () => inner.handle(), duplex: pipe.duplex, 0: eager(pipe[0]), 1: eager(pipe[1]) } as unknown as typeof inner;
  },
});
export const { primitives, profiles, create, attach } = m;
