// A Pipe whose recv_bytes(maxlength) returns the first maxlength bytes of a longer message
// (the rest is lost) instead of raising OSError("bad message length") and making the end
// unreadable: the read is clipped to the buffer it was given.
import { PyBytes } from "../../../reference/bytes.js";
import type { Connection, Pipe } from "../../../reference/threads/pipe.js";
import { brokenModule } from "./wrap.js";

function clipping(conn: Connection) {
  return {
    send: (obj: unknown) => conn.send(obj),
    send_bytes: (...a: unknown[]) => conn.send_bytes(...(a as [unknown])),
    recv: () => conn.recv(),
    recv_bytes: (maxlength: unknown = null) => {
      if (typeof maxlength !== "number" || maxlength < 0) return conn.recv_bytes(maxlength);
      const data = conn.recv_bytes().data;
      return new PyBytes(data.slice(0, maxlength), false);
    },
    recv_bytes_into: (...a: unknown[]) => conn.recv_bytes_into(...(a as [unknown])),
    poll: (timeout?: unknown) => conn.poll(timeout),
    close: () => conn.close(),
  };
}

const m = brokenModule({
  primitive: "Pipe",
  wrap: (inner) => {
    const pipe = inner as Pipe;
    return { handle: () => inner.handle(), duplex: pipe.duplex, 0: clipping(pipe[0]), 1: clipping(pipe[1]) } as unknown as typeof inner;
  },
});
export const { primitives, profiles, create, attach } = m;
