/**
 * Pipe shared across worker threads: multiprocessing.Pipe(duplex), a pair of
 * connections (`pipe[0]` is conn1, `pipe[1]` is conn2, as Python's tuple).
 *
 * Each direction is a reference Queue (queue.ts: its SharedArrayBuffer ring
 * and futex words): `queues[e]` holds the messages readable at end e, oldest
 * first, whole. With duplex=false conn1 only receives and conn2 only sends.
 *
 * Messages are objects (send/recv) or bytes (send_bytes/recv_bytes/
 * recv_bytes_into), in one FIFO per direction: each queue item is a `Message`
 * tagged with its kind. CPython sends a pickle in both cases, so the mixes are
 * defined there: recv_bytes of an object message returns its pickle (here: the
 * UTF-8 of its JSON, see `bytesOfMessage`), recv of a bytes message unpickles
 * it (here: only CPython's errors for an empty message and for a first byte
 * that is no pickle opcode; see `unpickled`).
 *
 * close() is shared by every attached instance, as the connections of one
 * process shared by threads: afterwards calls on that end raise
 * `OSError: handle is closed`, and the other end sees end of file: recv
 * raises EOFError once the messages sent before the close are taken, poll
 * returns True, send raises BrokenPipeError. So is the loss of readability
 * after a recv_bytes(maxlength) of a longer message (`OSError: bad message
 * length`).
 *
 * Only multiprocessing: the threading module has no Pipe.
 */
import * as v8 from "node:v8";
import { bytesRepr, isPyBytes, PyBytes } from "../bytes.js";
import { checkPicklable, checkUnpicklable, inheritanceOnlyError, sharedObjectIn } from "../pickle.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { Queue } from "./queue.js";
import { type Factory } from "./factory.js";

// observed (CPython 3.11): a, b = multiprocessing.Pipe(); a.close(); a.send(1) / a.recv() / a.poll(0) -> OSError: handle is closed
const handleClosed = () => new PythonError("OSError", "handle is closed");
// observed: a, b = multiprocessing.Pipe(False); a.send(1) -> OSError: connection is read-only; b.recv() / b.poll(0) -> OSError: connection is write-only
const readOnly = () => new PythonError("OSError", "connection is read-only");
const writeOnly = () => new PythonError("OSError", "connection is write-only");
// observed: a, b = multiprocessing.Pipe(); b.close(); a.send(1) -> BrokenPipeError: [Errno 32] Broken pipe; a.recv() -> EOFError (empty message)
const brokenPipe = () => new PythonError("BrokenPipeError", "[Errno 32] Broken pipe");
const eof = () => new PythonError("EOFError", "");

// Byte messages (Lib/multiprocessing/connection.py, _ConnectionBase.send_bytes, recv_bytes, recv_bytes_into).
// observed: a.send_bytes('abc') -> TypeError: memoryview: a bytes-like object is required, not 'str' (also 'int',
//   'NoneType', 'list'; a.recv_bytes_into(5) the same), raised after the closed and direction checks, before the offset checks
const notBytesLike = (v: unknown) => new PythonError("TypeError", `memoryview: a bytes-like object is required, not '${pyTypeName(v)}'`);
// observed: a.send_bytes(b'abc', 1.5), a.send_bytes(b'abc', 0, 1.5) -> TypeError: slice indices must be integers or None or
//   have an __index__ method (after the value checks; nothing sent); b.recv_bytes_into(bytearray(3), 1.5) the same, after
//   the message is taken (b.poll() -> False)
const sliceIndices = () => new PythonError("TypeError", "slice indices must be integers or None or have an __index__ method");
// observed: a.recv_bytes(0) of a 2-byte message (duplex) -> OSError: bad message length; then a.readable False,
//   a.recv_bytes() / a.recv() / a.poll() / a.recv_bytes_into(...) -> OSError: connection is write-only, a.send_bytes works;
//   r, w = Pipe(False); r.recv_bytes(3) of b'abcd' -> OSError: bad message length, then r.closed True and every call on r
//   -> OSError: handle is closed, w.send_bytes(b'y') / w.send(1) -> BrokenPipeError: [Errno 32] Broken pipe.
//   CPython reads the 4-byte length header only: os.read(b.fileno(), 100) afterwards -> b'abcd' (the body is left unread).
const badMessageLength = () => new PythonError("OSError", "bad message length");
// observed: b.recv_bytes_into(bytearray(b'........'), 0) of b'it\'s "q"\n\x00\xff\\' -> BufferTooShort, str(e) ==
//   repr(message) == b'it\'s "q"\n\x00\xff\\', e.args == (message,); the buffer is untouched and the message taken (b.poll() -> False).
//   type(e) is multiprocessing.context.BufferTooShort (re-exported as multiprocessing.BufferTooShort), a ProcessError.
function bufferTooShort(message: Uint8Array): PythonError {
  const e = new PythonError("multiprocessing.BufferTooShort", bytesRepr(message));
  (e as PythonError & { mro: string[] }).mro = ["multiprocessing.ProcessError", "Exception", "BaseException"];
  return e;
}
// observed: b.recv_bytes_into(b'xxxx', 1) of b'ab' (and of b'', also into b'') -> TypeError: readinto() argument must be
//   read-write bytes-like object, not memoryview; the message is taken (b.poll() -> False); a message too long for it
//   raises BufferTooShort first.
const readOnlyBuffer = () => new PythonError("TypeError", "readinto() argument must be read-write bytes-like object, not memoryview");

function unpicklingError(message: string): PythonError {
  const e = new PythonError("pickle.UnpicklingError", message);
  (e as PythonError & { mro: string[] }).mro = ["pickle.PickleError", "Exception", "BaseException"];
  return e;
}

/** Python's type name of an argument, for error messages. */
function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "string") return "str";
  if (isPyBytes(v)) return v.mutable ? "bytearray" : "bytes";
  if (Array.isArray(v)) return "list";
  return "dict";
}

/**
 * An offset, size or maxlength as Python compares it with 0 (bool is an int); anything else
 * fails that first comparison.
 */
function comparable(v: unknown): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  // observed: a.send_bytes(b'abc', 'x') / (b'abc', 0, 'x') / (b'abc', None), b.recv_bytes('x'), b.recv_bytes_into(ba, None)
  //   -> TypeError: '<' not supported between instances of 'str' and 'int' ('NoneType' for None), before any wait
  if (typeof v !== "number") throw new PythonError("TypeError", `'<' not supported between instances of '${pyTypeName(v)}' and 'int'`);
  return v;
}

/** The first bytes of a pickle that the unpickler accepts as an opcode (pickletools.opcodes). */
const PICKLE_OPCODES = new Set([..."().012BCFGIJKLMNPQRSTUVX]abcdeghijlopqrstu}"].map((c) => c.charCodeAt(0)));
for (let c = 0x80; c <= 0x98; c++) PICKLE_OPCODES.add(c);

/** How long a waiting recv sleeps between looks at a concurrent close of the other end, in seconds. */
const EOF_CHECK_S = 0.02;

/** A path from a sent object to a PyBytes inside it (array indices, object keys). */
type Path = (string | number)[];

/**
 * One message, as a queue of the pipe holds it: an object sent with send (its PyBytes, which a
 * structured clone would turn into plain objects, replaced by their bytes and listed in `bytesAt`),
 * or the bytes sent with send_bytes.
 */
type Message =
  | { kind: "object"; value: unknown; bytesAt: { path: Path; mutable: boolean }[] }
  | { kind: "bytes"; data: Uint8Array };

const isPlainObject = (v: object): v is Record<string, unknown> => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** The message of send(obj): PyBytes in arrays and plain objects come back as PyBytes (bytes or bytearray, as sent). */
function objectMessage(obj: unknown): Message {
  const bytesAt: { path: Path; mutable: boolean }[] = [];
  const seen = new Set<object>();
  const strip = (v: unknown, path: Path): unknown => {
    if (isPyBytes(v)) {
      bytesAt.push({ path, mutable: v.mutable });
      return v.data.slice();
    }
    if (typeof v !== "object" || v === null || seen.has(v)) return v;
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        const out = v.map((x, i) => strip(x, [...path, i]));
        return out.some((x, i) => x !== v[i]) ? out : v;
      }
      if (!isPlainObject(v)) return v;
      const entries = Object.entries(v).map(([k, x]) => [k, strip(x, [...path, k])] as const);
      return entries.some(([k, x]) => x !== v[k]) ? Object.fromEntries(entries) : v;
    } finally {
      seen.delete(v);
    }
  };
  return { kind: "object", value: strip(obj, []), bytesAt };
}

/** The object of an object message, its PyBytes restored. */
function objectOf(m: Extract<Message, { kind: "object" }>): unknown {
  let value = m.value;
  for (const { path, mutable } of m.bytesAt) {
    if (path.length === 0) {
      value = new PyBytes(value as Uint8Array, mutable);
      continue;
    }
    let parent = value as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    parent[last] = new PyBytes(parent[last] as Uint8Array, mutable);
  }
  return value;
}

/**
 * The bytes a recv_bytes/recv_bytes_into reads. For an object message CPython reads its pickle
 * (observed: a.send([1, 'x']); b.recv_bytes() -> b'\x80\x04\x95\x0b\x00...]\x94(K\x01\x8c\x01x\x94e.');
 * here the UTF-8 of its JSON (a PyBytes as its `{"$bytes": ...}` form), or its v8 serialization
 * when it has no JSON text.
 */
function bytesOfMessage(m: Message): Uint8Array {
  if (m.kind === "bytes") return m.data;
  const value = objectOf(m);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined; // a BigInt, a cycle
  }
  if (json !== undefined) return new TextEncoder().encode(json);
  const raw = v8.serialize(m.value);
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
}

/**
 * What recv returns: the object of an object message. A bytes message is unpickled in CPython;
 * this implementation has no unpickler and raises instead: CPython's errors where they depend on
 * the first byte only, and for a message starting with a pickle opcode (which CPython may load,
 * e.g. b'N.' -> None, or reject in many ways) an UnpicklingError of its own.
 */
function unpickled(m: Message): unknown {
  if (m.kind === "object") {
    // observed: a.send(obj_whose_unpickling_raises); a.send('y'); b.recv() raises it, the message taken; b.recv()  # 'y'
    checkUnpicklable(m.value);
    return objectOf(m);
  }
  const data = m.data;
  // observed: a.send_bytes(b''); b.recv() -> EOFError: Ran out of input
  if (data.length === 0) throw new PythonError("EOFError", "Ran out of input");
  const c = data[0]!;
  if (!PICKLE_OPCODES.has(c)) {
    // observed: a.send_bytes(b'xyz0'); b.recv() -> _pickle.UnpicklingError: invalid load key, 'x'. (the adapter names it
    //   pickle.UnpicklingError, bases pickle.PickleError); b' ' -> ' ', b'~' -> '~', b'"' -> '"', b"'" -> '\x27',
    //   b'\\' -> '\x5c', b'\n' -> '\x0a', b'\x00' -> '\x00', b'\x7f' -> '\x7f', b'\xff' -> '\xff'; the same for each of
    //   the 188 bytes that are no opcode, whatever follows it. The message is taken (b.poll() -> False).
    const shown = c >= 0x20 && c <= 0x7e && c !== 0x27 && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
    throw unpicklingError(`invalid load key, '${shown}'.`);
  }
  throw unpicklingError(`the reference Pipe does not unpickle bytes sent with send_bytes (${bytesRepr(data.subarray(0, 16))}${data.length > 16 ? "..." : ""} starts with a pickle opcode)`);
}

/** One end of a Pipe. */
export class Connection {
  constructor(
    private readonly pipe: Pipe,
    private readonly end: 0 | 1,
  ) {}

  get closed(): boolean {
    return this.pipe.isClosed(this.end);
  }

  /** False for the send-only end of a one-way pipe, and once a recv_bytes(maxlength) met a longer message on a duplex end. */
  get readable(): boolean {
    return (this.pipe.duplex || this.end === 0) && !this.pipe.lostReadable(this.end);
  }

  get writable(): boolean {
    return this.pipe.duplex || this.end === 1;
  }

  // CPython checks closed first, then the direction (Connection._check_closed, _check_readable/_check_writable).
  #checkReadable(): void {
    if (this.closed) throw handleClosed();
    if (!this.readable) throw writeOnly();
  }

  #checkWritable(): void {
    if (this.closed) throw handleClosed();
    if (!this.writable) throw readOnly();
  }

  #put(m: Message): void {
    if (this.pipe.isClosed(1 - this.end)) throw brokenPipe();
    this.pipe.queue(1 - this.end).put(m);
  }

  /** Take the oldest message, waiting for it (for ever), or raise EOFError once the other end is closed and none is left. */
  #take(): Message {
    const q = this.pipe.queue(this.end);
    for (;;) {
      if (q.qsize() > 0) {
        try {
          const item = q.get(false);
          // Every message is an object but a scalar sent by send(), which goes as itself.
          return typeof item === "object" && item !== null ? (item as Message) : { kind: "object", value: item, bytesAt: [] };
        } catch (e) {
          if (!(e instanceof PythonError && e.pyType === "queue.Empty")) throw e;
          continue; // another reader took it
        }
      }
      if (this.pipe.isClosed(1 - this.end)) throw eof();
      q.waitNotEmpty(EOF_CHECK_S);
    }
  }

  send(obj: unknown): void {
    this.#checkWritable();
    // A scalar goes as itself (the queue's short form): no walk for unpicklable parts or bytes.
    if (obj === null || typeof obj === "number" || typeof obj === "string" || typeof obj === "boolean") {
      if (this.pipe.isClosed(1 - this.end)) throw brokenPipe();
      this.pipe.queue(1 - this.end).put(obj);
      return;
    }
    // observed: a.send(obj_holding_a_lock) -> TypeError: cannot pickle '_thread.lock' object, before the peer's
    //   BrokenPipeError (Connection.send pickles first); nothing sent, the connection goes on
    checkPicklable(obj);
    // Another object of the scenario ({"$object": <handle>}, see sharedObjectIn): pickling it refuses.
    const other = sharedObjectIn(obj);
    if (other !== undefined) throw inheritanceOnlyError(other);
    this.#put(objectMessage(obj));
  }

  /** Wait for a message (for ever), or end of file once the other end is closed. */
  recv(): unknown {
    this.#checkReadable();
    return unpickled(this.#take());
  }

  /**
   * Send `buf[offset:offset + size]` (size null: to the end) as one message. `buf` is a bytes or
   * bytearray (PyBytes); its bytes are copied at once.
   */
  send_bytes(buf: unknown, offset: unknown = 0, size: unknown = null): void {
    this.#checkWritable();
    if (!isPyBytes(buf)) throw notBytesLike(buf);
    const n = buf.length;
    // observed (CPython's order): a.send_bytes(b'abc', -1, -1) -> ValueError: offset is negative;
    //   (b'abc', 4) and (b'abc', 4, -1) -> ValueError: buffer length < offset; (b'abc', 3, -1) -> ValueError: size is negative;
    //   (b'abc', 1, 3) -> ValueError: buffer length < offset + size; (b'abc', 3, 0) sends b''; (b'abc', 1) sends b'bc';
    //   (bytearray(b'abc'), 1, 1) sends b'b'. With the other end closed these are raised before BrokenPipeError.
    const start = comparable(offset);
    if (start < 0) throw new PythonError("ValueError", "offset is negative");
    if (n < start) throw new PythonError("ValueError", "buffer length < offset");
    let count: number;
    if (size === null || size === undefined) count = n - start;
    else {
      count = comparable(size);
      if (count < 0) throw new PythonError("ValueError", "size is negative");
      if (start + count > n) throw new PythonError("ValueError", "buffer length < offset + size");
    }
    if (!Number.isInteger(start) || !Number.isInteger(count)) throw sliceIndices();
    // observed: b.close(); a.send_bytes(b'x') (and b'') -> BrokenPipeError: [Errno 32] Broken pipe
    this.#put({ kind: "bytes", data: buf.data.slice(start, start + count) });
  }

  /**
   * Wait for a message (as recv) and return its bytes (an immutable PyBytes). A message longer
   * than `maxlength` raises `OSError: bad message length` and this end reads no more: a duplex
   * end becomes write-only, the read end of a one-way pipe is closed. (CPython leaves that
   * message's body unread in the pipe; here it is taken, which nothing can tell apart as the end
   * cannot read any more.)
   */
  recv_bytes(maxlength: unknown = null): PyBytes {
    this.#checkReadable();
    // observed: b.recv_bytes(-1) -> ValueError: negative maxlength, at once (nothing to read, the other end open), after
    //   the closed and direction checks; b.recv_bytes(2.5) of b'abc' -> bad message length, b.recv_bytes(3.0) -> b'abc'
    const limit = maxlength === null || maxlength === undefined ? null : comparable(maxlength);
    if (limit !== null && limit < 0) throw new PythonError("ValueError", "negative maxlength");
    // observed: a.send_bytes(b'm'); a.close(); b.recv_bytes() -> b'm', then EOFError (empty message)
    const data = bytesOfMessage(this.#take());
    if (limit !== null && data.length > limit) {
      // Connection._bad_message_length: `if self._writable: self._readable = False` else `self.close()`.
      if (this.writable) this.pipe.loseReadable(this.end);
      else this.close();
      throw badMessageLength();
    }
    return new PyBytes(data, false);
  }

  /**
   * Wait for a message (as recv), copy its bytes into the bytearray `buf` from `offset` on and
   * return their number. A message that does not fit raises BufferTooShort (str(): the repr of
   * the whole message) and is taken all the same.
   */
  recv_bytes_into(buf: unknown, offset: unknown = 0): number {
    this.#checkReadable();
    if (!isPyBytes(buf)) throw notBytesLike(buf);
    // observed: b.recv_bytes_into(bytearray(3), -1) -> ValueError: negative offset; (bytearray(3), 4) -> ValueError: offset
    //   too large; both at once (nothing to read), after the closed and direction checks and the memoryview TypeError,
    //   and before the EOFError of a closed other end (b.recv_bytes_into(bytearray(3), 4) after a.close() -> offset too large)
    const start = comparable(offset);
    if (start < 0) throw new PythonError("ValueError", "negative offset");
    if (start > buf.length) throw new PythonError("ValueError", "offset too large");
    const data = bytesOfMessage(this.#take());
    if (buf.length < start + data.length) throw bufferTooShort(data);
    if (!Number.isInteger(start)) throw sliceIndices();
    if (!buf.mutable) throw readOnlyBuffer();
    // observed: ba = bytearray(b'........'); b.recv_bytes_into(ba, 2) of b'abc' -> 3, ba == bytearray(b'..abc...');
    //   then b.recv_bytes_into(ba, 5) of b'xyz' -> 3 (an exact fit), ba == bytearray(b'..abcxyz');
    //   b.recv_bytes_into(ba, 8) of b'' -> 0
    buf.data.set(data, start);
    return data.length;
  }

  /** Whether a message or end of file can be read, waiting up to `timeout` seconds (default 0; null: for ever). */
  poll(timeout: unknown = 0): boolean {
    this.#checkReadable();
    const t = checkTimeout(timeout);
    const q = this.pipe.queue(this.end);
    if (this.pipe.isClosed(1 - this.end) || q.qsize() > 0) return true;
    const deadline = t === null ? Infinity : performance.now() + Math.max(0, t) * 1000;
    for (;;) {
      const left = deadline - performance.now();
      const slice = Math.min(EOF_CHECK_S, Math.max(0, left / 1000));
      if (q.waitNotEmpty(slice) || this.pipe.isClosed(1 - this.end)) return true;
      if (left <= slice * 1000) return false;
    }
  }

  /** Idempotent: a second close does nothing. */
  close(): void {
    this.pipe.close(this.end);
  }
}

// Words of the shared state: per end, whether it is closed and whether it lost readability (bad message length).
const CLOSED = 0;
const UNREADABLE = 2;
const STATE_WORDS = 4;

export class Pipe implements SharedPrimitive {
  readonly profile: Profile;
  readonly duplex: boolean;
  readonly #queues: [Queue, Queue];
  readonly #state: Int32Array;
  readonly 0: Connection;
  readonly 1: Connection;

  /** @param shared internal: the memory of an existing pipe (see `Pipe.attach`). */
  constructor(duplex: unknown = true, options: PrimitiveOptions = {}, shared?: { queues: [Queue, Queue]; state: Int32Array }) {
    this.profile = checkProfile(options.profile);
    // observed: threading has no Pipe (AttributeError: module 'threading' has no attribute 'Pipe')
    if (this.profile !== "multiprocessing") throw new PythonError("AttributeError", "module 'threading' has no attribute 'Pipe'");
    this.duplex = Boolean(duplex);
    this.#queues = shared?.queues ?? [new Queue(0, { profile: this.profile, pickles: false }), new Queue(0, { profile: this.profile, pickles: false })];
    this.#state = shared?.state ?? new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
    this[0] = new Connection(this, 0);
    this[1] = new Connection(this, 1);
  }

  static attach(handle: ObjectHandle): Pipe {
    const profile = checkHandle(handle, "Pipe");
    const [h0, h1] = handle.queues as [ObjectHandle, ObjectHandle];
    return new Pipe(handle.duplex, { profile }, { queues: [Queue.attach(h0), Queue.attach(h1)], state: new Int32Array(sharedBuffer(handle, "state")) });
  }

  handle(): ObjectHandle {
    return {
      primitive: "Pipe",
      profile: this.profile,
      duplex: this.duplex,
      queues: [this.#queues[0].handle(), this.#queues[1].handle()],
      state: this.#state.buffer as SharedArrayBuffer,
    };
  }

  /** The messages readable at end `e` (each a tagged message: put only through a Connection). */
  queue(e: number): Queue {
    return this.#queues[e]!;
  }

  isClosed(e: number): boolean {
    return Atomics.load(this.#state, CLOSED + e) !== 0;
  }

  close(e: 0 | 1): void {
    Atomics.store(this.#state, CLOSED + e, 1);
  }

  /** Whether end `e` stopped being readable after a bad message length. */
  lostReadable(e: number): boolean {
    return Atomics.load(this.#state, UNREADABLE + e) !== 0;
  }

  loseReadable(e: 0 | 1): void {
    Atomics.store(this.#state, UNREADABLE + e, 1);
  }
}

/** This file's primitives for the threads module, which finds them here (module.ts). */
export const factories: Factory[] = [
  // Pipe(duplex): a pair of connections, pipe[0] and pipe[1] (spec profile `returns`, operation `target`).
  { primitive: "Pipe", arity: 1, make: (a, o) => new Pipe(a[0] ?? true, o), attach: Pipe.attach },
];
