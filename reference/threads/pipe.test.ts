import { afterEach, describe, expect, it } from "vitest";
import { bytesOfText, PyBytes, textOfBytes } from "../bytes.js";
import { PythonError } from "../implementation.js";
import { Pipe } from "./pipe.js";
import { evalWorker, terminateEvalWorkers } from "./tests/eval-worker.js";
import { expectPyError } from "./tests/expect-py.js";
import { flags, runTask, startTask, terminateAll, waitUntil, type CallResult } from "./tests/harness.js";

afterEach(async () => {
  await Promise.all([terminateAll(), terminateEvalWorkers()]);
});

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

  it('send of another object of the scenario ({"$object": <handle>}, also nested) raises RuntimeError named as CPython does; nothing is sent', () => {
    const p = new Pipe();
    const h = (primitive: string) => ({ $object: { primitive, profile: "multiprocessing" } });
    const names: [string, string][] = [
      ["Lock", "Lock"], ["RLock", "RLock"], ["Semaphore", "Semaphore"], ["BoundedSemaphore", "BoundedSemaphore"], ["Queue", "Queue"],
      ["Event", "Condition"], ["Condition", "Condition"], ["Barrier", "Condition"], ["Value", "Synchronized"], ["SimpleQueue", "SimpleQueue"],
    ];
    for (const [primitive, name] of names) {
      for (const obj of [h(primitive), [1, h(primitive)], { k: [h(primitive)] }]) {
        expectPyError(() => p[0].send(obj), "RuntimeError", `${name} objects should only be shared between processes through inheritance`);
      }
    }
    expect(p[1].poll(0)).toBe(false);
    p[0].send("x");
    expect(p[1].recv()).toBe("x");
    // An unresolved index is the executor's mistake, not Python's.
    expect(() => p[0].send({ $object: 0 })).toThrow(/a pickled \{"\$object": \.\.\.\} holds the object's handle/);
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

// Bytes arguments do not survive a structured clone (a PyBytes arrives as a plain object), so the
// worker tasks of ./tests/worker.ts cannot pass one: these workers build theirs.
const PIPE_URL = new URL("./pipe.ts", import.meta.url).href;
const BYTES_URL = new URL("../bytes.ts", import.meta.url).href;

/**
 * Run `body` (JavaScript: an async function body with `conn`, end `end` of the pipe attached in
 * the worker, and `PyBytes`, `bytesOfText`, `textOfBytes`, `data` in scope) in a new worker thread;
 * resolves with what it returns, or with `{ error: { pyType, message } }` if it throws.
 */
function inWorker(p: Pipe, end: 0 | 1, body: string, data: unknown = null): Promise<unknown> {
  const code = `const { Pipe } = await import(${JSON.stringify(PIPE_URL)});
  const { PyBytes, bytesOfText, textOfBytes } = await import(${JSON.stringify(BYTES_URL)});
  const conn = Pipe.attach(workerData.handle)[workerData.end];
  const data = workerData.data;
  parentPort.postMessage(await (async () => { ${body} })());`;
  return evalWorker(code, { handle: p.handle(), end, data }, 15_000);
}

const b = (text: string) => new PyBytes(bytesOfText(text), false);
const ba = (text: string) => new PyBytes(bytesOfText(text), true);
/** The text of a PyBytes (also of one that crossed a thread as a plain object). */
const text = (v: unknown) => textOfBytes((v as PyBytes).data);

/** The PythonError `f` throws. */
function thrown(f: () => unknown): PythonError & { mro?: string[] } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(PythonError);
    return e as PythonError & { mro?: string[] };
  }
  throw new Error("expected a PythonError");
}

describe("Pipe bytes messages", () => {
  it("send_bytes sends buf[offset:offset+size] as one message; recv_bytes returns it as bytes", () => {
    const p = new Pipe();
    p[0].send_bytes(b("abc"));
    p[0].send_bytes(b("abc"), 1);
    p[0].send_bytes(ba("abc"), 1, 1);
    p[0].send_bytes(b("abc"), 3, 0);
    p[0].send_bytes(b("abc"), 0, 3);
    p[0].send_bytes(b("\x00\xff\n"), true, null); // a bool offset is an int
    const got = [p[1].recv_bytes(), p[1].recv_bytes(), p[1].recv_bytes(), p[1].recv_bytes(), p[1].recv_bytes(), p[1].recv_bytes()];
    expect(got.map(text)).toEqual(["abc", "bc", "b", "", "abc", "\xff\n"]);
    for (const g of got) expect(g).toBeInstanceOf(PyBytes);
    expect(got[0]!.mutable).toBe(false);
    expect(JSON.parse(JSON.stringify(got[1]))).toEqual({ $bytes: "bc" });
    expect(p[1].poll(0)).toBe(false);
    // The bytes are taken at send time: a later change of the bytearray does not reach the message.
    const buf = ba("xyz");
    p[1].send_bytes(buf);
    buf.data[0] = 0x41;
    expect(text(p[0].recv_bytes())).toBe("xyz");
  });

  it("send_bytes checks in CPython's order", () => {
    const p = new Pipe();
    // closed, then direction, then the buffer type, then offset and size
    const q = new Pipe();
    q[0].close();
    expectPyError(() => q[0].send_bytes("abc", -1, -1), "OSError", "handle is closed");
    const r = new Pipe(false);
    expectPyError(() => r[0].send_bytes("abc", -1, -1), "OSError", "connection is read-only");
    expectPyError(() => p[0].send_bytes("abc", -1, -1), "TypeError", "memoryview: a bytes-like object is required, not 'str'");
    expectPyError(() => p[0].send_bytes(5), "TypeError", "memoryview: a bytes-like object is required, not 'int'");
    expectPyError(() => p[0].send_bytes(null), "TypeError", "memoryview: a bytes-like object is required, not 'NoneType'");
    expectPyError(() => p[0].send_bytes([1]), "TypeError", "memoryview: a bytes-like object is required, not 'list'");
    expectPyError(() => p[0].send_bytes(b("abc"), -1, -1), "ValueError", "offset is negative");
    expectPyError(() => p[0].send_bytes(b("abc"), 4, -1), "ValueError", "buffer length < offset");
    expectPyError(() => p[0].send_bytes(b("abc"), 4), "ValueError", "buffer length < offset");
    expectPyError(() => p[0].send_bytes(b("abc"), 3, -1), "ValueError", "size is negative");
    expectPyError(() => p[0].send_bytes(b("abc"), 1, 3), "ValueError", "buffer length < offset + size");
    expectPyError(() => p[0].send_bytes(b("abc"), "x"), "TypeError", "'<' not supported between instances of 'str' and 'int'");
    expectPyError(() => p[0].send_bytes(b("abc"), null), "TypeError", "'<' not supported between instances of 'NoneType' and 'int'");
    expectPyError(() => p[0].send_bytes(b("abc"), 0, "x"), "TypeError", "'<' not supported between instances of 'str' and 'int'");
    expectPyError(() => p[0].send_bytes(b("abc"), 1.5), "TypeError", "slice indices must be integers or None or have an __index__ method");
    expectPyError(() => p[0].send_bytes(b("abc"), 0, 1.5), "TypeError", "slice indices must be integers or None or have an __index__ method");
    expect(p[1].poll(0)).toBe(false); // none of these sent anything
    // The other end closed: the argument errors come first, then BrokenPipeError (even for b'').
    p[1].close();
    expectPyError(() => p[0].send_bytes(b("abc"), -1), "ValueError", "offset is negative");
    expectPyError(() => p[0].send_bytes(b("abc"), 1.5), "TypeError", "slice indices must be integers or None or have an __index__ method");
    expectPyError(() => p[0].send_bytes(b("")), "BrokenPipeError", "[Errno 32] Broken pipe");
    expectPyError(() => p[0].send_bytes(b("x")), "BrokenPipeError", "[Errno 32] Broken pipe");
  });

  it("recv_bytes: closed, direction, negative maxlength (at once), then the message or EOFError", () => {
    const p = new Pipe();
    expectPyError(() => p[1].recv_bytes(-1), "ValueError", "negative maxlength"); // nothing sent: no wait
    expectPyError(() => p[1].recv_bytes("x"), "TypeError", "'<' not supported between instances of 'str' and 'int'");
    const r = new Pipe(false);
    expectPyError(() => r[1].recv_bytes(-1), "OSError", "connection is write-only");
    r[1].close();
    expectPyError(() => r[1].recv_bytes(-1), "OSError", "handle is closed");
    p[0].send_bytes(b("abcd"));
    p[0].send_bytes(b(""));
    p[0].send_bytes(b("abc"));
    expect(text(p[1].recv_bytes(4))).toBe("abcd"); // a message of exactly maxlength
    expect(text(p[1].recv_bytes(0))).toBe("");
    expect(text(p[1].recv_bytes(3.0))).toBe("abc");
    p[0].send_bytes(b("m"));
    p[0].close();
    expect(text(p[1].recv_bytes())).toBe("m");
    expectPyError(() => p[1].recv_bytes(), "EOFError", "");
    expectPyError(() => p[1].recv_bytes(-1), "ValueError", "negative maxlength");
  });

  it("bad message length on a duplex end: it becomes write-only, sends still work", () => {
    const p = new Pipe();
    p[0].send_bytes(b("ef"));
    p[0].send_bytes(b("gh"));
    expectPyError(() => p[1].recv_bytes(0), "OSError", "bad message length");
    expect([p[1].readable, p[1].writable, p[1].closed]).toEqual([false, true, false]);
    expectPyError(() => p[1].recv_bytes(), "OSError", "connection is write-only");
    expectPyError(() => p[1].recv_bytes(-1), "OSError", "connection is write-only");
    expectPyError(() => p[1].recv(), "OSError", "connection is write-only");
    expectPyError(() => p[1].poll(), "OSError", "connection is write-only");
    expectPyError(() => p[1].recv_bytes_into(ba("xxx")), "OSError", "connection is write-only");
    p[1].send_bytes(b("back"));
    expect(text(p[0].recv_bytes())).toBe("back");
    expect(p[0].poll()).toBe(false);
    p[0].send_bytes(b("more"));
    // A float maxlength compares as in Python: 2.5 < 3.
    const q = new Pipe();
    q[0].send_bytes(b("abc"));
    expectPyError(() => q[1].recv_bytes(2.5), "OSError", "bad message length");
    expect(q[1].readable).toBe(false);
  });

  it("bad message length on the read end of a one-way pipe: it is closed", async () => {
    const p = new Pipe(false);
    p[1].send_bytes(b("abcd"));
    p[1].send_bytes(b("x"));
    expectPyError(() => p[0].recv_bytes(3), "OSError", "bad message length");
    expect([p[0].readable, p[0].writable, p[0].closed]).toEqual([true, false, true]);
    expectPyError(() => p[0].recv_bytes(), "OSError", "handle is closed");
    expectPyError(() => p[0].recv_bytes(-1), "OSError", "handle is closed");
    expectPyError(() => p[0].poll(), "OSError", "handle is closed");
    expectPyError(() => p[0].send_bytes(b("x")), "OSError", "handle is closed");
    expectPyError(() => p[1].send_bytes(b("y")), "BrokenPipeError", "[Errno 32] Broken pipe");
    expectPyError(() => p[1].send(1), "BrokenPipeError", "[Errno 32] Broken pipe");
    // Shared by every attached instance: another thread's connection is closed too.
    expect((await recv(p, 0)).error).toMatchObject({ pyType: "OSError", message: "handle is closed" });
  });

  it("recv_bytes_into copies the message into a bytearray at offset and returns its length", () => {
    const p = new Pipe();
    const buf = ba("........");
    p[0].send_bytes(b("abc"));
    expect(p[1].recv_bytes_into(buf, 2)).toBe(3);
    expect(text(buf)).toBe("..abc...");
    p[0].send_bytes(b("xyz"));
    expect(p[1].recv_bytes_into(buf, 5)).toBe(3); // an exact fit
    expect(text(buf)).toBe("..abcxyz");
    p[0].send_bytes(b(""));
    expect(p[1].recv_bytes_into(buf, 8)).toBe(0);
    p[0].send_bytes(b("Q"));
    expect(p[1].recv_bytes_into(buf)).toBe(1);
    expect(text(buf)).toBe("Q.abcxyz");
    p[0].send_bytes(b(""));
    expect(p[1].recv_bytes_into(ba(""), 0)).toBe(0);
  });

  it("recv_bytes_into checks in CPython's order, the offset before any wait", () => {
    const p = new Pipe();
    const q = new Pipe();
    q[0].close();
    expectPyError(() => q[0].recv_bytes_into("x", -1), "OSError", "handle is closed");
    const r = new Pipe(false);
    expectPyError(() => r[1].recv_bytes_into("x", -1), "OSError", "connection is write-only");
    expectPyError(() => p[1].recv_bytes_into("abc", -1), "TypeError", "memoryview: a bytes-like object is required, not 'str'");
    expectPyError(() => p[1].recv_bytes_into(5), "TypeError", "memoryview: a bytes-like object is required, not 'int'");
    expectPyError(() => p[1].recv_bytes_into(null), "TypeError", "memoryview: a bytes-like object is required, not 'NoneType'");
    expectPyError(() => p[1].recv_bytes_into(b("abc"), -1), "ValueError", "negative offset");
    expectPyError(() => p[1].recv_bytes_into(ba("abc"), -1), "ValueError", "negative offset");
    expectPyError(() => p[1].recv_bytes_into(ba("abc"), 4), "ValueError", "offset too large");
    expectPyError(() => p[1].recv_bytes_into(ba("abc"), null), "TypeError", "'<' not supported between instances of 'NoneType' and 'int'");
    // The other end closed and nothing left: the offset errors still come before EOFError.
    const s = new Pipe();
    s[0].close();
    expectPyError(() => s[1].recv_bytes_into(ba("abc"), 4), "ValueError", "offset too large");
    expectPyError(() => s[1].recv_bytes_into(ba("abc")), "EOFError", "");
  });

  it("recv_bytes_into: BufferTooShort holds the whole message, which is taken; the buffer is untouched", () => {
    const p = new Pipe();
    const buf = ba("........");
    p[0].send_bytes(b("it's \"q\"\n\x00\xff\\"));
    p[0].send_bytes(b("abcdef"));
    p[0].send_bytes(b("next"));
    const e = thrown(() => p[1].recv_bytes_into(buf, 0));
    expect(e.pyType).toBe("multiprocessing.BufferTooShort");
    expect(e.message).toBe(`b'it\\'s "q"\\n\\x00\\xff\\\\'`);
    expect(e.mro).toEqual(["multiprocessing.ProcessError", "Exception", "BaseException"]);
    const f = thrown(() => p[1].recv_bytes_into(buf, 3)); // 3 + 6 > 8
    expect([f.pyType, f.message]).toEqual(["multiprocessing.BufferTooShort", "b'abcdef'"]);
    expect(text(buf)).toBe("........");
    expect(text(p[1].recv_bytes())).toBe("next");
    expect(p[1].poll(0)).toBe(false);
  });

  it("recv_bytes_into an immutable bytes or at a float offset: TypeError once the message is taken", () => {
    const p = new Pipe();
    const readinto = "readinto() argument must be read-write bytes-like object, not memoryview";
    p[0].send_bytes(b("ab"));
    p[0].send_bytes(b(""));
    p[0].send_bytes(b(""));
    p[0].send_bytes(b("abcde"));
    p[0].send_bytes(b("a"));
    p[0].send_bytes(b("last"));
    const bytesBuf = b("xxxx");
    expectPyError(() => p[1].recv_bytes_into(bytesBuf, 1), "TypeError", readinto);
    expectPyError(() => p[1].recv_bytes_into(bytesBuf, 1), "TypeError", readinto); // even an empty message
    expectPyError(() => p[1].recv_bytes_into(b(""), 0), "TypeError", readinto);
    expect(thrown(() => p[1].recv_bytes_into(bytesBuf, 1)).pyType).toBe("multiprocessing.BufferTooShort"); // too long: that first
    expectPyError(() => p[1].recv_bytes_into(ba("xxx"), 1.5), "TypeError", "slice indices must be integers or None or have an __index__ method");
    expect(text(bytesBuf)).toBe("xxxx");
    expect(text(p[1].recv_bytes())).toBe("last");
    expect(p[1].poll(0)).toBe(false);
  });

  it("send and send_bytes share one FIFO; recv_bytes of an object gives bytes, recv of bytes unpickles (and fails)", () => {
    const p = new Pipe();
    p[0].send({ y: [1, "x"] });
    p[0].send_bytes(b(""));
    p[0].send("s");
    p[0].send_bytes(b("xyz0"));
    p[0].send([1]);
    const first = p[1].recv_bytes();
    expect(first).toBeInstanceOf(PyBytes);
    expect(new TextDecoder().decode(first.data)).toBe('{"y":[1,"x"]}');
    expectPyError(() => p[1].recv(), "EOFError", "Ran out of input");
    expect(p[1].recv()).toBe("s");
    const e = thrown(() => p[1].recv());
    expect([e.pyType, e.message, e.mro]).toEqual(["pickle.UnpicklingError", "invalid load key, 'x'.", ["pickle.PickleError", "Exception", "BaseException"]]);
    const buf = ba("..........");
    expect(p[1].recv_bytes_into(buf, 1)).toBe(3);
    expect(text(buf)).toBe(".[1]......");
    expect(p[1].poll(0)).toBe(false);
    // recv_bytes(maxlength) measures an object message by the bytes it reads.
    p[0].send("long");
    expectPyError(() => p[1].recv_bytes(5), "OSError", "bad message length");
  });

  it("recv of bytes: CPython's invalid load key text for every first byte that is no pickle opcode", () => {
    const p = new Pipe();
    const cases: [string, string][] = [
      [" ", " "], ["~", "~"], ['"', '"'], ["Z", "Z"], ["z", "z"], ["{", "{"],
      ["'", "\\x27"], ["\\", "\\x5c"], ["\n", "\\x0a"], ["\x00", "\\x00"], ["\x7f", "\\x7f"], ["\xff", "\\xff"],
    ];
    for (const [first] of cases) p[0].send_bytes(b(first + "rest"));
    for (const [, shown] of cases) expectPyError(() => p[1].recv(), "pickle.UnpicklingError", `invalid load key, '${shown}'.`);
    // Starting with an opcode (CPython may even load it: b'N.' -> None): an UnpicklingError of the reference's own.
    p[0].send_bytes(b("N."));
    expect(thrown(() => p[1].recv()).pyType).toBe("pickle.UnpicklingError");
    expect(p[1].poll(0)).toBe(false); // each was taken
  });

  it("send(obj) brings bytes and bytearray objects back as such, also inside lists and dicts", () => {
    const p = new Pipe();
    p[0].send(b("abc"));
    p[0].send({ k: [1, ba("\xff")], s: "t" });
    const one = p[1].recv() as PyBytes;
    expect(one).toBeInstanceOf(PyBytes);
    expect([text(one), one.mutable]).toEqual(["abc", false]);
    const two = p[1].recv() as { k: [number, PyBytes]; s: string };
    expect(two.k[1]).toBeInstanceOf(PyBytes);
    expect([text(two.k[1]), two.k[1].mutable, two.s]).toEqual(["\xff", true, "t"]);
    p[0].send({ k: b("q") });
    expect(text(p[1].recv_bytes())).toBe('{"k":{"$bytes":"q"}}');
  });

  it("across threads: a waiting recv_bytes gets bytes sent later; bytes cross both ways", async () => {
    const p = new Pipe();
    // The worker flags when its recv_bytes starts; with nothing sent yet it can only wait.
    const started = flags(1);
    const waiting = startTask<CallResult>("call", { handle: p.handle(), element: 1, method: "recv_bytes", started: started.buffer });
    await waitUntil(() => Atomics.load(started, 0) === 1);
    p[0].send_bytes(b("late\x00"));
    expect(text((await waiting.result).value)).toBe("late\x00");
    // A worker sends bytes, then waits to fill its own bytearray.
    const worker = inWorker(
      p,
      1,
      `conn.send_bytes(new PyBytes(bytesOfText("from worker"), false), 5);
      const buf = new PyBytes(bytesOfText("----"), true);
      const n = conn.recv_bytes_into(buf, 1);
      return [n, textOfBytes(buf.data)];`,
    );
    expect(text(p[0].recv_bytes())).toBe("worker");
    p[0].send_bytes(b("ab"));
    expect(await worker).toEqual([2, "-ab-"]);
    // recv of a bytes message in another thread fails there as here; its message is taken.
    p[0].send_bytes(b("xyz0"));
    expect((await recv(p, 1)).error).toMatchObject({ pyType: "pickle.UnpicklingError", message: "invalid load key, 'x'." });
    expect(p[1].poll(0)).toBe(false);
  });

  it("concurrent send_bytes from several threads: every message arrives whole, each sender's in order", async () => {
    const p = new Pipe();
    const senders = 4;
    const count = 200;
    const started = new Int32Array(new SharedArrayBuffer(4));
    const workers = Array.from({ length: senders }, (_, s) =>
      inWorker(
        p,
        0,
        `const started = new Int32Array(data.started);
        Atomics.add(started, 0, 1);
        while (Atomics.load(started, 0) < data.senders) Atomics.wait(started, 0, Atomics.load(started, 0), 5);
        for (let i = 0; i < data.count; i++) {
          const body = String.fromCharCode(65 + data.s).repeat(1 + ((i * 7) % 300));
          conn.send_bytes(new PyBytes(bytesOfText(data.s + ":" + i + ":" + body), false));
        }
        return null;`,
        { s, senders, count, started: started.buffer },
      ),
    );
    const next = new Array<number>(senders).fill(0);
    for (let k = 0; k < senders * count; k++) {
      const [s, i, body] = text(p[1].recv_bytes()).split(":") as [string, string, string];
      expect(Number(i)).toBe(next[Number(s)]);
      next[Number(s)]!++;
      expect(body).toBe(String.fromCharCode(65 + Number(s)).repeat(1 + ((Number(i) * 7) % 300)));
    }
    expect(await Promise.all(workers)).toEqual(new Array(senders).fill(null));
    expect(next).toEqual(new Array(senders).fill(count));
    expect(p[1].poll(0)).toBe(false);
  });

  it("a bad message length in one thread makes the end write-only in every thread", async () => {
    const p = new Pipe();
    p[0].send_bytes(b("toolong"));
    expect(await inWorker(p, 1, "return conn.recv_bytes(3);")).toMatchObject({ error: { pyType: "OSError", message: "bad message length" } });
    expect(p[1].readable).toBe(false);
    expectPyError(() => p[1].recv_bytes(), "OSError", "connection is write-only");
    p[1].send_bytes(b("still"));
    expect(text(p[0].recv_bytes())).toBe("still");
  });

  it("send raises for an unpicklable object before the closed peer's BrokenPipeError; recv raises for one whose unpickling fails (issue 9)", () => {
    const p = new Pipe();
    expectPyError(() => p[0].send({ $unpicklable: "u1" }), "TypeError", "cannot pickle '_thread.lock' object");
    expect(p[1].poll(0)).toBe(false);
    p[0].send({ "$unpickling-fails": "u2" });
    p[0].send("y");
    expectPyError(() => p[1].recv(), "ValueError", "unpickling u2 fails");
    expect(p[1].recv()).toBe("y");
    for (const obj of [null, 0, "", [], [1, ["m9", {}]], { k: ["m10", null] }]) {
      p[0].send(obj);
      expect(p[1].recv()).toEqual(obj);
    }
    p[0].send({ "$unpickling-fails": "u4" });
    expect(p[1].recv_bytes().length).toBeGreaterThan(0); // its pickle, whatever unpickling would do
    p[1].close();
    expectPyError(() => p[0].send({ $unpicklable: "u3" }), "TypeError", "cannot pickle '_thread.lock' object");
    expectPyError(() => p[0].send(1), "BrokenPipeError", "[Errno 32] Broken pipe");
    expect(p[0].poll(null)).toBe(true); // end of file
    expect(p[0].poll(-1)).toBe(true);
  });
});
