// A one-way Pipe(duplex=False) whose read end (conn1) can send: the direction check is
// forgotten in conn1.send, so the message lands in the pipe as if the pipe were duplex.
import type { Pipe } from "../../../reference/threads/pipe.js";
import { brokenModule } from "./wrap.js";

const m = brokenModule({
  primitive: "Pipe",
  wrap: (inner) => {
    const pipe = inner as Pipe;
    const conn1 = pipe[0];
    const broken = {
      send: (obj: unknown) => (pipe.duplex || conn1.closed ? conn1.send(obj) : pipe.queue(1).put(obj)),
      recv: () => conn1.recv(),
      poll: (timeout?: unknown) => conn1.poll(timeout),
      close: () => conn1.close(),
    };
    return { handle: () => inner.handle(), 0: broken, 1: pipe[1] } as unknown as typeof inner;
  },
});
export const { primitives, profiles, create, attach } = m;
