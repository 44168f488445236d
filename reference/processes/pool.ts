/**
 * Pool (multiprocessing.Pool) on node:child_process: worker processes (child/pool-worker.ts) run
 * tasks, worker callables of spec/callables.yaml; apply_async returns an AsyncResult.
 *
 * As for Process, the thread that constructs a Pool owns its workers (Node threads cannot share
 * a ChildProcess): its event loop serves the requests other threads post through shared words
 * (submit, close, terminate) and writes each task's outcome into shared memory, so that
 * AsyncResult.get() in any thread is an Atomics.wait and a decode. The owner must keep its event
 * loop running (the executor's main thread does): a blocking call there would stop it, so the
 * owner thread uses getAsync()/joinAsync().
 *
 * Limits of this reference: at most TASKS tasks per pool and HEAP bytes of JSON outcomes (a task
 * past them raises RuntimeError naming the limit); chunksize is accepted and each item is its own
 * task; a worker that dies loses its task for good and is replaced (CPython's Pool does the same;
 * its get() then waits for ever), while the pool goes on.
 */
import type { ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { threadId } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import { checkCallable } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { siblingUrl } from "../spawn-worker.js";
import { blockAsync, blockSync, deadlineOf, done, lockMutex, sharedWords, sleepOn, unlockMutex, waitWord, wake, type Blocking, type Step } from "../threads/futex.js";
import type { Factory } from "../threads/factory.js";
import { checkHandle, checkProfile, checkTimeout, fakeAddress, sharedBuffer, type PrimitiveOptions, type Profile } from "../threads/profile.js";
import { forkModule } from "./fork.js";
import { ownChild, servingUntilEnd } from "./process.js";

// Header words.
const STATE = 0; // RUN, CLOSE, TERMINATE
const LOCK = 1; // one request at a time
const REQ_SEQ = 2;
const ACK_SEQ = 3;
const REQ = 4; // SUBMIT, CLOSE_REQ, TERMINATE_REQ
const REQ_LEN = 5; // bytes of the request's JSON
const REPLY = 6; // a submitted task's id, or NOT_RUNNING / FULL
const UNDONE = 7; // submitted tasks not yet done
const ENDED = 8; // 1 once the workers are gone for good (closed and drained, or terminated)
const SLEEPERS = 9;
const HEAP_TOP = 10;
const NEXT_TASK = 11;
const HEADER = 16;
// Per task k: STATUS + k, OFFSET + k, LENGTH + k.
const TASKS = 4096;
const STATUS = HEADER;
const OFFSET = HEADER + TASKS;
const LENGTH = HEADER + 2 * TASKS;
const WORDS = HEADER + 3 * TASKS;
const HEAP = 4 << 20;
const REQ_BYTES = 256 << 10;

const RUN = 0;
const CLOSE = 1;
const TERMINATE = 2;
const SUBMIT = 1;
const CLOSE_REQ = 2;
const TERMINATE_REQ = 3;
const NOT_RUNNING = -1;
const FULL = -2;
// Task status: PENDING until a worker finished it (for ever if its worker died).
const PENDING = 0;
const OK = 1;
const RAISED = 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const notRunning = () => new PythonError("ValueError", "Pool not running");

interface Outcome {
  kind: "ok" | "raise";
  value?: unknown;
  type?: string;
  args?: JsonValue[];
}

export interface PoolOptions extends PrimitiveOptions {
  /** Worker processes; null (the default): one per CPU, as os.cpu_count(). */
  processes?: number | null;
}

interface Shared {
  words: Int32Array;
  heap: Uint8Array;
  req: Uint8Array;
  owner: number;
}

export class Pool implements SharedPrimitive {
  readonly profile: Profile;
  readonly #s: Shared;

  /** @param shared internal: an existing pool's memory and owner (see `Pool.attach`). */
  constructor(options: PoolOptions = {}, shared?: Shared) {
    this.profile = checkProfile(options.profile);
    if (this.profile !== "multiprocessing") throw new TypeError("Pool exists in the multiprocessing profile only");
    if (shared) {
      this.#s = shared;
      return;
    }
    const processes = options.processes ?? cpus().length;
    if (typeof processes !== "number" || !Number.isInteger(processes)) throw new PythonError("TypeError", `'${typeof processes}' object cannot be interpreted as an integer`);
    // observed (CPython 3.11): Pool(0) -> ValueError: Number of processes must be at least 1
    if (processes < 1) throw new PythonError("ValueError", "Number of processes must be at least 1");
    this.#s = {
      words: sharedWords(WORDS),
      heap: new Uint8Array(new SharedArrayBuffer(HEAP)),
      req: new Uint8Array(new SharedArrayBuffer(REQ_BYTES)),
      owner: threadId,
    };
    new Owner(this.#s, processes);
  }

  static attach(handle: ObjectHandle): Pool {
    const profile = checkHandle(handle, "Pool");
    return new Pool({ profile }, {
      words: new Int32Array(sharedBuffer(handle, "words")),
      heap: new Uint8Array(sharedBuffer(handle, "heap")),
      req: new Uint8Array(sharedBuffer(handle, "req")),
      owner: handle.owner as number,
    });
  }

  handle(): ObjectHandle {
    return { primitive: "Pool", profile: this.profile, words: this.#s.words.buffer, heap: this.#s.heap.buffer, req: this.#s.req.buffer, owner: this.#s.owner };
  }

  /** Post a request to the owner and wait until it has done it; its reply. */
  #request(kind: number, payload?: unknown): number {
    const { words: w, req } = this.#s;
    if (threadId === this.#s.owner) throw new TypeError("a Pool's methods block its owner thread's event loop, which runs its workers: call them from another thread");
    const bytes = payload === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(payload));
    if (bytes.length > req.length) throw new PythonError("RuntimeError", `task too large for the reference Pool (${bytes.length} bytes of JSON; at most ${req.length})`);
    lockMutex(w, LOCK);
    try {
      req.set(bytes);
      Atomics.store(w, REQ_LEN, bytes.length);
      Atomics.store(w, REQ, kind);
      const seq = Atomics.add(w, REQ_SEQ, 1) + 1;
      Atomics.notify(w, REQ_SEQ);
      while (Atomics.load(w, ACK_SEQ) < seq) waitWord(w, ACK_SEQ, Atomics.load(w, ACK_SEQ), 1000);
      return Atomics.load(w, REPLY);
    } finally {
      unlockMutex(w, LOCK);
    }
  }

  #submit(func: unknown, args: unknown): number {
    const f = checkCallable(func);
    if (!Array.isArray(args)) throw new PythonError("TypeError", "args must be a list");
    const id = this.#request(SUBMIT, { func: f, args });
    if (id === NOT_RUNNING) throw notRunning();
    if (id === FULL) throw new PythonError("RuntimeError", `the reference Pool takes at most ${TASKS} tasks`);
    return id;
  }

  apply_async(func: unknown, args: unknown = []): AsyncResult {
    return new AsyncResult(this.#s, this.#submit(func, args));
  }

  apply(func: unknown, args: unknown = []): unknown {
    return this.apply_async(func, args).get(null);
  }

  /** func applied to each item, in input order; the first failing item's exception raised again. */
  map(func: unknown, iterable: unknown, _chunksize: number | null = null): unknown[] {
    if (!Array.isArray(iterable)) throw new PythonError("TypeError", "iterable must be a list");
    // observed: after close(), map raises before submitting anything
    if (Atomics.load(this.#s.words, STATE) !== RUN) throw notRunning();
    const results = iterable.map((x) => new AsyncResult(this.#s, this.#submit(func, [x])));
    for (const r of results) r.wait(null);
    return results.map((r) => r.get(null));
  }

  close(): null {
    this.#request(CLOSE_REQ);
    return null;
  }

  terminate(): null {
    this.#request(TERMINATE_REQ);
    return null;
  }

  #joinOp(): Blocking<null> {
    const w = this.#s.words;
    return { words: w, waiters: SLEEPERS, attempt: (): Step<null> => (Atomics.load(w, ENDED) === 1 ? done(null) : sleepOn(ENDED, 0)), timedOut: () => null };
  }

  #checkJoin(): void {
    // observed: Pool(1).join() -> ValueError: Pool is still running
    if (Atomics.load(this.#s.words, STATE) === RUN) throw new PythonError("ValueError", "Pool is still running");
  }

  /** Wait for the workers to exit (close() or terminate() first). Not on the owner thread: joinAsync there. */
  join(): null {
    this.#checkJoin();
    if (threadId === this.#s.owner) throw new TypeError("join() on the Pool's owner thread would block the event loop that runs its workers: use joinAsync()");
    return blockSync(this.#joinOp(), Infinity);
  }

  async joinAsync(): Promise<null> {
    this.#checkJoin();
    return blockAsync(this.#joinOp(), Infinity);
  }
}

/** The result of apply_async: ready once a worker has run its task. Used by the thread that made it. */
export class AsyncResult {
  readonly #s: Shared;
  readonly #id: number;
  readonly #address = fakeAddress();

  constructor(shared: Shared, id: number) {
    this.#s = shared;
    this.#id = id;
  }

  #status(): number {
    return Atomics.load(this.#s.words, STATUS + this.#id);
  }

  #readyOp(): Blocking<boolean> {
    const w = this.#s.words;
    const at = STATUS + this.#id;
    return { words: w, waiters: SLEEPERS, attempt: (): Step<boolean> => (Atomics.load(w, at) !== PENDING ? done(true) : sleepOn(at, PENDING)), timedOut: () => false };
  }

  ready(): boolean {
    return this.#status() !== PENDING;
  }

  successful(): boolean {
    // observed: successful() before ready -> ValueError: <multiprocessing.pool.ApplyResult object at 0x7f...> not ready
    if (!this.ready()) throw new PythonError("ValueError", `<multiprocessing.pool.ApplyResult object at ${this.#address}> not ready`);
    return this.#status() === OK;
  }

  wait(timeout: number | null = null): null {
    blockSync(this.#readyOp(), deadlineOf(true, checkTimeout(timeout)));
    return null;
  }

  get(timeout: number | null = null): unknown {
    // observed: a timeout passed -> multiprocessing.TimeoutError, str() ''
    if (!blockSync(this.#readyOp(), deadlineOf(true, checkTimeout(timeout)))) throw new PythonError("multiprocessing.TimeoutError", "");
    const { words: w, heap } = this.#s;
    const o = JSON.parse(decoder.decode(heap.slice(Atomics.load(w, OFFSET + this.#id), Atomics.load(w, OFFSET + this.#id) + Atomics.load(w, LENGTH + this.#id)))) as Outcome;
    if (o.kind === "ok") return o.value;
    const args = o.args ?? [];
    throw new PythonError(o.type ?? "Exception", args.length === 1 ? String(args[0]) : args.length === 0 ? "" : JSON.stringify(args), args);
  }
}

interface Worker {
  child: ChildProcess;
  /** The task it runs, or null when idle. */
  task: number | null;
}

/** The owner thread's side: the workers, the task queue, and the requests of other threads. */
class Owner {
  readonly #s: Shared;
  readonly #processes: number;
  readonly #workers = new Set<Worker>();
  readonly #queue: { id: number; func: unknown; args: unknown[] }[] = [];
  #stopped = false;
  readonly #unregister: () => void;

  constructor(shared: Shared, processes: number) {
    this.#s = shared;
    this.#processes = processes;
    this.#unregister = servingUntilEnd(() => this.#stop());
    for (let i = 0; i < processes; i++) this.#startWorker();
    void this.#serve();
  }

  #stop(): void {
    this.#stopped = true;
    Atomics.notify(this.#s.words, REQ_SEQ);
  }

  #startWorker(): void {
    const child = forkModule(siblingUrl(import.meta.url, "./child/pool-worker"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    ownChild(child);
    const worker: Worker = { child, task: null };
    this.#workers.add(worker);
    child.on("message", (m: { id: number; outcome: Outcome }) => {
      worker.task = null;
      this.#finish(m.id, m.outcome);
      this.#dispatch();
    });
    child.once("error", () => undefined); // an exit follows
    child.once("exit", () => {
      this.#workers.delete(worker);
      const state = Atomics.load(this.#s.words, STATE);
      // A worker that died while the pool has work is replaced; its task is lost (never done).
      if (!this.#stopped && (state === RUN || (state === CLOSE && Atomics.load(this.#s.words, UNDONE) > 0))) this.#startWorker();
      this.#dispatch();
      this.#maybeEnd();
    });
  }

  /** Store a task's outcome where every thread reads it, then wake its waiters. */
  #finish(id: number, outcome: Outcome): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATE) === TERMINATE) return; // terminated: outstanding work is never done
    let bytes = encoder.encode(JSON.stringify(outcome));
    const top = Atomics.load(w, HEAP_TOP);
    if (top + bytes.length > this.#s.heap.length) {
      outcome = { kind: "raise", type: "RuntimeError", args: [`the reference Pool keeps at most ${this.#s.heap.length} bytes of results`] };
      bytes = encoder.encode(JSON.stringify(outcome));
    }
    const at = Math.min(top, this.#s.heap.length - bytes.length);
    this.#s.heap.set(bytes, at);
    Atomics.store(w, HEAP_TOP, at + bytes.length);
    Atomics.store(w, OFFSET + id, at);
    Atomics.store(w, LENGTH + id, bytes.length);
    Atomics.store(w, STATUS + id, outcome.kind === "ok" ? OK : RAISED);
    Atomics.sub(w, UNDONE, 1);
    wake(w, SLEEPERS, STATUS + id, Infinity);
    this.#maybeEnd();
  }

  #dispatch(): void {
    if (Atomics.load(this.#s.words, STATE) === TERMINATE) return;
    for (const worker of this.#workers) {
      if (this.#queue.length === 0) return;
      if (worker.task !== null) continue;
      const t = this.#queue.shift()!;
      worker.task = t.id;
      worker.child.send(t);
    }
  }

  /** Closed with every task done, or terminated: the workers go, and join() returns once they have. */
  #maybeEnd(): void {
    const w = this.#s.words;
    const state = Atomics.load(w, STATE);
    if (state === RUN || (state === CLOSE && Atomics.load(w, UNDONE) > 0)) return;
    if (state === CLOSE) for (const worker of this.#workers) if (worker.child.connected) worker.child.send({ stop: true });
    if (this.#workers.size === 0 && Atomics.load(w, ENDED) === 0) {
      Atomics.store(w, ENDED, 1);
      wake(w, SLEEPERS, ENDED, Infinity);
      this.#unregister();
    }
  }

  #perform(kind: number): number {
    const w = this.#s.words;
    const state = Atomics.load(w, STATE);
    if (kind === SUBMIT) {
      if (state !== RUN) return NOT_RUNNING;
      const id = Atomics.load(w, NEXT_TASK);
      if (id >= TASKS) return FULL;
      const { func, args } = JSON.parse(decoder.decode(this.#s.req.slice(0, Atomics.load(w, REQ_LEN)))) as { func: unknown; args: unknown[] };
      Atomics.store(w, NEXT_TASK, id + 1);
      Atomics.add(w, UNDONE, 1);
      this.#queue.push({ id, func, args });
      this.#dispatch();
      return id;
    }
    if (kind === CLOSE_REQ) {
      if (state === RUN) Atomics.store(w, STATE, CLOSE);
      this.#maybeEnd();
      return 0;
    }
    // TERMINATE_REQ: the workers are killed; the caller returns once they are gone.
    Atomics.store(w, STATE, TERMINATE);
    this.#queue.length = 0;
    for (const worker of this.#workers) worker.child.kill("SIGTERM");
    this.#maybeEnd();
    return 0;
  }

  async #serve(): Promise<void> {
    const w = this.#s.words;
    let acked = 0;
    while (!this.#stopped) {
      const seq = Atomics.load(w, REQ_SEQ);
      if (seq !== acked) {
        const kind = Atomics.load(w, REQ);
        Atomics.store(w, REPLY, this.#perform(kind));
        // terminate() returns once the workers are gone (CPython's joins them).
        if (kind === TERMINATE_REQ) await this.#ended();
        acked = seq;
        Atomics.store(w, ACK_SEQ, seq);
        Atomics.notify(w, ACK_SEQ);
        continue;
      }
      const r = (Atomics as typeof Atomics & { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync(w, REQ_SEQ, acked);
      if (r.async) await r.value;
    }
  }

  async #ended(): Promise<void> {
    await Promise.all([...this.#workers].map((wk) => new Promise<void>((resolve) => (wk.child.exitCode !== null || wk.child.signalCode !== null ? resolve() : wk.child.once("exit", () => resolve())))));
  }
}

export const factories: Factory[] = [
  {
    primitive: "Pool",
    arity: 1,
    make: (argv, options) => new Pool({ ...options, processes: (argv[0] as number | null | undefined) ?? null }),
    attach: (h) => Pool.attach(h),
  },
];
