import { afterEach, describe, expect, it } from "vitest";
import { Pipe } from "./pipe.js";
import { expectPyError } from "./tests/expect-py.js";
import { runTask, terminateAll, type CallResult } from "./tests/harness.js";

afterEach(terminateAll);

const send = (p: Pipe, end: 0 | 1, obj: unknown) => runTask<CallResult>("call", { handle: p.handle(), element: end, method: "send", args: [obj] });
const recv = (p: Pipe, end: 0 | 1) => runTask<CallResult>("call", { handle: p.handle(), element: end, method: "recv" });

describe("Pipe", () => {
  it("duplex: each direction is a FIFO of whole messages, across threads", async () => {
    const p = new Pipe();
    await send(p, 0, "x");
    await send(p, 0, { y: [1, 2] });
    await send(p, 1, "z");
    expect(p[1].poll(0.01)).toBe(true);
    expect(p[1].recv()).toBe("x");
    expect((await recv(p, 1)).value).toEqual({ y: [1, 2] });
    expect((await recv(p, 0)).value).toBe("z");
    expect(p[0].poll(0.01)).toBe(false);
    expect(p[0].poll()).toBe(false);
  });

  it("wakes a recv waiting in another thread; poll waits up to its timeout", async () => {
    const p = new Pipe();
    const waiting = recv(p, 1);
    await new Promise((r) => setTimeout(r, 50));
    p[0].send("late");
    expect((await waiting).value).toBe("late");
    const t0 = performance.now();
    expect(p[1].poll(0.05)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    const polling = runTask<CallResult>("call", { handle: p.handle(), element: 1, method: "poll", args: [5] });
    await new Promise((r) => setTimeout(r, 30));
    p[0].send("y");
    const r = await polling;
    expect(r.value).toBe(true);
    expect(r.elapsedMs).toBeLessThan(4000);
    expect(p[1].recv()).toBe("y");
  });

  it("duplex=False: conn1 only receives, conn2 only sends", async () => {
    const p = new Pipe(false);
    expectPyError(() => p[0].send(1), "OSError", "connection is read-only");
    expectPyError(() => p[1].recv(), "OSError", "connection is write-only");
    expectPyError(() => p[1].poll(0), "OSError", "connection is write-only");
    expect(p[0].poll(0)).toBe(false);
    await send(p, 1, "x");
    expect(p[0].poll(0)).toBe(true);
    expect(p[0].recv()).toBe("x");
    expect((await send(p, 0, 1)).error).toMatchObject({ pyType: "OSError", message: "connection is read-only" });
  });

  it("close: messages sent before it are delivered, then EOFError; the closed end raises; close twice is fine", async () => {
    const p = new Pipe();
    p[0].send("m");
    p[0].close();
    p[0].close();
    expect(p[1].poll(0)).toBe(true);
    expect((await recv(p, 1)).value).toBe("m");
    expect(p[1].poll(0)).toBe(true);
    expectPyError(() => p[1].recv(), "EOFError", "");
    expectPyError(() => p[1].send("q"), "BrokenPipeError", "[Errno 32] Broken pipe");
    expectPyError(() => p[0].send(1), "OSError", "handle is closed");
    expectPyError(() => p[0].recv(), "OSError", "handle is closed");
    expectPyError(() => p[0].poll(0), "OSError", "handle is closed");
    // A recv waiting in another thread sees a later close of the other end.
    const q = new Pipe();
    const waiting = recv(q, 1);
    await new Promise((r) => setTimeout(r, 30));
    q[0].close();
    expect((await waiting).error).toMatchObject({ pyType: "EOFError", message: "" });
  });
});
