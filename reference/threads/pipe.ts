/**
 * Pipe shared across worker threads: multiprocessing.Pipe(duplex), a pair of
 * connections (`pipe[0]` is conn1, `pipe[1]` is conn2, as Python's tuple).
 *
 * Each direction is a reference Queue (queue.ts: its SharedArrayBuffer ring
 * and futex words): `queues[e]` holds the messages readable at end e, oldest
 * first, whole. With duplex=false conn1 only receives and conn2 only sends.
 *
 * close() is shared by every attached instance, as the connections of one
 * process shared by threads: afterwards calls on that end raise
 * `OSError: handle is closed`, and the other end sees end of file: recv
 * raises EOFError once the messages sent before the close are taken, poll
 * returns True, send raises BrokenPipeError.
 *
 * Only multiprocessing: the threading module has no Pipe.
 */
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { Queue } from "./queue.js";

// observed (CPython 3.11): a, b = multiprocessing.Pipe(); a.close(); a.send(1) / a.recv() / a.poll(0) -> OSError: handle is closed
const handleClosed = () => new PythonError("OSError", "handle is closed");
// observed: a, b = multiprocessing.Pipe(False); a.send(1) -> OSError: connection is read-only; b.recv() / b.poll(0) -> OSError: connection is write-only
const readOnly = () => new PythonError("OSError", "connection is read-only");
const writeOnly = () => new PythonError("OSError", "connection is write-only");
// observed: a, b = multiprocessing.Pipe(); b.close(); a.send(1) -> BrokenPipeError: [Errno 32] Broken pipe; a.recv() -> EOFError (empty message)
const brokenPipe = () => new PythonError("BrokenPipeError", "[Errno 32] Broken pipe");
const eof = () => new PythonError("EOFError", "");

/** How long a waiting recv sleeps between looks at a concurrent close of the other end, in seconds. */
const EOF_CHECK_S = 0.02;

/** One end of a Pipe. */
export class Connection {
  constructor(
    private readonly pipe: Pipe,
    private readonly end: 0 | 1,
  ) {}

  get closed(): boolean {
    return this.pipe.isClosed(this.end);
  }

  get readable(): boolean {
    return this.pipe.duplex || this.end === 0;
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

  send(obj: unknown): void {
    this.#checkWritable();
    if (this.pipe.isClosed(1 - this.end)) throw brokenPipe();
    this.pipe.queue(1 - this.end).put(obj);
  }

  /** Wait for a message (for ever), or end of file once the other end is closed. */
  recv(): unknown {
    this.#checkReadable();
    const q = this.pipe.queue(this.end);
    for (;;) {
      if (q.qsize() > 0) {
        try {
          return q.get(false);
        } catch (e) {
          if (!(e instanceof PythonError && e.pyType === "queue.Empty")) throw e;
          continue; // another reader took it
        }
      }
      if (this.pipe.isClosed(1 - this.end)) throw eof();
      q.waitNotEmpty(EOF_CHECK_S);
    }
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

const CLOSED_WORDS = 2;

export class Pipe implements SharedPrimitive {
  readonly profile: Profile;
  readonly duplex: boolean;
  readonly #queues: [Queue, Queue];
  readonly #closed: Int32Array;
  readonly 0: Connection;
  readonly 1: Connection;

  /** @param shared internal: the memory of an existing pipe (see `Pipe.attach`). */
  constructor(duplex: unknown = true, options: PrimitiveOptions = {}, shared?: { queues: [Queue, Queue]; closed: Int32Array }) {
    this.profile = checkProfile(options.profile);
    // observed: threading has no Pipe (AttributeError: module 'threading' has no attribute 'Pipe')
    if (this.profile !== "multiprocessing") throw new PythonError("AttributeError", "module 'threading' has no attribute 'Pipe'");
    this.duplex = Boolean(duplex);
    this.#queues = shared?.queues ?? [new Queue(0, { profile: this.profile }), new Queue(0, { profile: this.profile })];
    this.#closed = shared?.closed ?? new Int32Array(new SharedArrayBuffer(CLOSED_WORDS * 4));
    this[0] = new Connection(this, 0);
    this[1] = new Connection(this, 1);
  }

  static attach(handle: ObjectHandle): Pipe {
    const profile = checkHandle(handle, "Pipe");
    const [h0, h1] = handle.queues as [ObjectHandle, ObjectHandle];
    return new Pipe(handle.duplex, { profile }, { queues: [Queue.attach(h0), Queue.attach(h1)], closed: new Int32Array(sharedBuffer(handle, "closed")) });
  }

  handle(): ObjectHandle {
    return {
      primitive: "Pipe",
      profile: this.profile,
      duplex: this.duplex,
      queues: [this.#queues[0].handle(), this.#queues[1].handle()],
      closed: this.#closed.buffer as SharedArrayBuffer,
    };
  }

  /** The messages readable at end `e`. */
  queue(e: number): Queue {
    return this.#queues[e]!;
  }

  isClosed(e: number): boolean {
    return Atomics.load(this.#closed, e) !== 0;
  }

  close(e: 0 | 1): void {
    Atomics.store(this.#closed, e, 1);
  }
}
