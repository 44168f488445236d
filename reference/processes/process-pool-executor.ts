/**
 * ProcessPoolExecutor (concurrent.futures) on node:child_process: the workers of ./pool.ts
 * (child/pool-worker.ts) run submitted calls; submit() returns a Future.
 *
 * As for Pool, the constructing thread owns the workers and serves the other threads' requests
 * (submit, shutdown) posted through shared words; each future's status and outcome live in shared
 * memory, so Future.result() in any thread is an Atomics.wait and a decode. A future is PENDING
 * until the owner hands it to a worker (RUNNING, as CPython marks it when it queues it), then
 * FINISHED; cancel() moves a PENDING one to CANCELLED with a compare-and-swap that races the
 * owner's own. A worker that dies breaks the executor, as CPython's: every future not finished
 * gets BrokenProcessPool, and so does every later submit().
 *
 * Limits, as Pool's: at most FUTURES futures per executor and HEAP bytes of JSON outcomes.
 */
import type { ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { threadId } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import { checkCallable } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { siblingUrl } from "../spawn-worker.js";
import { blockSync, deadlineOf, done, lockMutex, sharedWords, sleepOn, unlockMutex, waitWord, wake, type Blocking, type Step } from "../threads/futex.js";
import type { Factory } from "../threads/factory.js";
import { checkHandle, checkProfile, checkTimeout, sharedBuffer, type PrimitiveOptions, type Profile } from "../threads/profile.js";
import { forkModule } from "./fork.js";
import { ownChild, servingUntilEnd } from "./process.js";

const STATE = 0; // RUN, SHUTDOWN, BROKEN
const LOCK = 1;
const REQ_SEQ = 2;
const ACK_SEQ = 3;
const REQ = 4; // SUBMIT, SHUTDOWN_REQ
const REQ_LEN = 5;
const REPLY = 6;
const UNDONE = 7; // futures neither finished nor cancelled
const SLEEPERS = 8;
const HEAP_TOP = 9;
const NEXT = 10;
const HEADER = 16;
const FUTURES = 4096;
const STATUS = HEADER;
const OFFSET = HEADER + FUTURES;
const LENGTH = HEADER + 2 * FUTURES;
const WORDS = HEADER + 3 * FUTURES;
const HEAP = 4 << 20;
const REQ_BYTES = 256 << 10;

const RUN = 0;
const SHUTDOWN = 1;
const BROKEN = 2;
const SUBMIT = 1;
const SHUTDOWN_REQ = 2;
const REFUSED_SHUTDOWN = -1;
const REFUSED_BROKEN = -2;
const FULL = -3;
// Future status.
const PENDING = 0;
const RUNNING = 1;
const OK = 2;
const RAISED = 3;
const CANCELLED = 4;
const BROKEN_FUTURE = 5;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Outcome {
  kind: "ok" | "raise";
  value?: unknown;
  type?: string;
  args?: JsonValue[];
}

interface Shared {
  words: Int32Array;
  heap: Uint8Array;
  req: Uint8Array;
  owner: number;
}

export interface ProcessPoolExecutorOptions extends PrimitiveOptions {
  /** Worker processes; null (the default): one per CPU. */
  max_workers?: number | null;
}

export class ProcessPoolExecutor implements SharedPrimitive {
  readonly profile: Profile;
  readonly #s: Shared;

  /** @param shared internal: an existing executor's memory and owner (see `attach`). */
  constructor(options: ProcessPoolExecutorOptions = {}, shared?: Shared) {
    this.profile = checkProfile(options.profile);
    if (this.profile !== "multiprocessing") throw new TypeError("ProcessPoolExecutor exists in the multiprocessing profile only");
    if (shared) {
      this.#s = shared;
      return;
    }
    const workers = options.max_workers ?? cpus().length;
    if (typeof workers !== "number" || !Number.isInteger(workers)) throw new PythonError("TypeError", `'${typeof workers}' object cannot be interpreted as an integer`);
    // observed (CPython 3.11): ProcessPoolExecutor(0) -> ValueError: max_workers must be greater than 0
    if (workers <= 0) throw new PythonError("ValueError", "max_workers must be greater than 0");
    this.#s = { words: sharedWords(WORDS), heap: new Uint8Array(new SharedArrayBuffer(HEAP)), req: new Uint8Array(new SharedArrayBuffer(REQ_BYTES)), owner: threadId };
    new Owner(this.#s, workers);
  }

  static attach(handle: ObjectHandle): ProcessPoolExecutor {
    const profile = checkHandle(handle, "ProcessPoolExecutor");
    return new ProcessPoolExecutor(
      { profile },
      { words: new Int32Array(sharedBuffer(handle, "words")), heap: new Uint8Array(sharedBuffer(handle, "heap")), req: new Uint8Array(sharedBuffer(handle, "req")), owner: handle.owner as number },
    );
  }

  handle(): ObjectHandle {
    return { primitive: "ProcessPoolExecutor", profile: this.profile, words: this.#s.words.buffer, heap: this.#s.heap.buffer, req: this.#s.req.buffer, owner: this.#s.owner };
  }

  #request(kind: number, payload?: unknown): number {
    const { words: w, req } = this.#s;
    if (threadId === this.#s.owner) throw new TypeError("a ProcessPoolExecutor's methods block its owner thread's event loop, which runs its workers: call them from another thread");
    const bytes = payload === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(payload));
    if (bytes.length > req.length) throw new PythonError("RuntimeError", `call too large for the reference ProcessPoolExecutor (${bytes.length} bytes of JSON)`);
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

  /** fn(...args) in a worker; its Future. */
  submit(fn: unknown, ...args: unknown[]): Future {
    const id = this.#request(SUBMIT, { func: checkCallable(fn), args });
    // observed: after shutdown() -> RuntimeError: cannot schedule new futures after shutdown
    if (id === REFUSED_SHUTDOWN) throw new PythonError("RuntimeError", "cannot schedule new futures after shutdown");
    // observed: after a worker died -> BrokenProcessPool: A child process terminated abruptly, the process pool is not usable anymore
    if (id === REFUSED_BROKEN) throw new PythonError("concurrent.futures.process.BrokenProcessPool", "A child process terminated abruptly, the process pool is not usable anymore");
    if (id === FULL) throw new PythonError("RuntimeError", `the reference ProcessPoolExecutor takes at most ${FUTURES} calls`);
    return new Future(this.#s, id);
  }

  /** No more submits; with wait, returns once every future not cancelled is done. */
  shutdown(wait = true): null {
    this.#request(SHUTDOWN_REQ);
    if (wait) {
      const w = this.#s.words;
      blockSync<null>({ words: w, waiters: SLEEPERS, attempt: () => (Atomics.load(w, UNDONE) === 0 ? done(null) : sleepOn(UNDONE, Atomics.load(w, UNDONE))), timedOut: () => null }, Infinity);
    }
    return null;
  }
}

/** The result of submit(). Used by the thread that made it. */
export class Future {
  readonly #s: Shared;
  readonly #id: number;

  constructor(shared: Shared, id: number) {
    this.#s = shared;
    this.#id = id;
  }

  #status(): number {
    return Atomics.load(this.#s.words, STATUS + this.#id);
  }

  done(): boolean {
    return this.#status() > RUNNING;
  }

  running(): boolean {
    return this.#status() === RUNNING;
  }

  cancelled(): boolean {
    return this.#status() === CANCELLED;
  }

  /** Cancel it while pending: True (also when already cancelled); False once it runs or finished. */
  cancel(): boolean {
    const w = this.#s.words;
    const was = Atomics.compareExchange(w, STATUS + this.#id, PENDING, CANCELLED);
    if (was === PENDING) {
      Atomics.sub(w, UNDONE, 1);
      wake(w, SLEEPERS, UNDONE, Infinity);
      wake(w, SLEEPERS, STATUS + this.#id, Infinity);
      return true;
    }
    return was === CANCELLED;
  }

  result(timeout: number | null = null): unknown {
    const w = this.#s.words;
    const at = STATUS + this.#id;
    const op: Blocking<boolean> = { words: w, waiters: SLEEPERS, attempt: (): Step<boolean> => (Atomics.load(w, at) > RUNNING ? done(true) : sleepOn(at, Atomics.load(w, at))), timedOut: () => false };
    // observed: a timeout passed -> TimeoutError (the builtin), str() ''
    if (!blockSync(op, deadlineOf(true, checkTimeout(timeout)))) throw new PythonError("TimeoutError", "");
    const status = Atomics.load(w, at);
    if (status === CANCELLED) throw new PythonError("concurrent.futures._base.CancelledError", "");
    if (status === BROKEN_FUTURE) throw new PythonError("concurrent.futures.process.BrokenProcessPool", "A process in the process pool was terminated abruptly while the future was running or pending.");
    const o = JSON.parse(decoder.decode(this.#s.heap.slice(Atomics.load(w, OFFSET + this.#id), Atomics.load(w, OFFSET + this.#id) + Atomics.load(w, LENGTH + this.#id)))) as Outcome;
    if (o.kind === "ok") return o.value;
    const args = o.args ?? [];
    throw new PythonError(o.type ?? "Exception", args.length === 1 ? String(args[0]) : args.length === 0 ? "" : JSON.stringify(args), args);
  }
}

interface Worker {
  child: ChildProcess;
  task: number | null;
  stopping: boolean;
}

/** The owner thread's side: the workers, the queue of pending futures, the requests. */
class Owner {
  readonly #s: Shared;
  readonly #workers = new Set<Worker>();
  readonly #queue: { id: number; func: unknown; args: unknown[] }[] = [];
  #stopped = false;

  constructor(shared: Shared, workers: number) {
    this.#s = shared;
    servingUntilEnd(() => {
      this.#stopped = true;
      Atomics.notify(this.#s.words, REQ_SEQ);
    });
    for (let i = 0; i < workers; i++) this.#startWorker();
    void this.#serve();
  }

  #startWorker(): void {
    const child = forkModule(siblingUrl(import.meta.url, "./child/pool-worker"), [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    ownChild(child);
    const worker: Worker = { child, task: null, stopping: false };
    this.#workers.add(worker);
    child.on("message", (m: { id: number; outcome: Outcome }) => {
      worker.task = null;
      this.#finish(m.id, m.outcome);
      this.#dispatch();
    });
    child.once("error", () => undefined);
    child.once("exit", () => {
      this.#workers.delete(worker);
      // A worker that ends unasked breaks the executor (CPython: "terminated abruptly").
      if (!worker.stopping && !this.#stopped) this.#break();
    });
  }

  #break(): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATE) === BROKEN) return;
    Atomics.store(w, STATE, BROKEN);
    this.#queue.length = 0;
    const next = Atomics.load(w, NEXT);
    for (let id = 0; id < next; id++) {
      for (const from of [PENDING, RUNNING]) {
        if (Atomics.compareExchange(w, STATUS + id, from, BROKEN_FUTURE) === from) {
          Atomics.sub(w, UNDONE, 1);
          break;
        }
      }
    }
    for (const worker of this.#workers) {
      worker.stopping = true;
      worker.child.kill("SIGTERM");
    }
    wake(w, SLEEPERS, UNDONE, Infinity);
    for (let id = 0; id < next; id++) wake(w, SLEEPERS, STATUS + id, Infinity);
  }

  #finish(id: number, outcome: Outcome): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATUS + id) !== RUNNING) return; // broken meanwhile
    let bytes = encoder.encode(JSON.stringify(outcome));
    const top = Atomics.load(w, HEAP_TOP);
    if (top + bytes.length > this.#s.heap.length) {
      bytes = encoder.encode(JSON.stringify({ kind: "raise", type: "RuntimeError", args: [`the reference ProcessPoolExecutor keeps at most ${this.#s.heap.length} bytes of results`] }));
      outcome = { kind: "raise" };
    }
    const at = Math.min(top, this.#s.heap.length - bytes.length);
    this.#s.heap.set(bytes, at);
    Atomics.store(w, HEAP_TOP, at + bytes.length);
    Atomics.store(w, OFFSET + id, at);
    Atomics.store(w, LENGTH + id, bytes.length);
    Atomics.store(w, STATUS + id, outcome.kind === "ok" ? OK : RAISED);
    Atomics.sub(w, UNDONE, 1);
    wake(w, SLEEPERS, STATUS + id, Infinity);
    wake(w, SLEEPERS, UNDONE, Infinity);
    this.#maybeStop();
  }

  #dispatch(): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATE) === BROKEN) return;
    for (const worker of this.#workers) {
      if (worker.task !== null || worker.stopping) continue;
      let t = this.#queue.shift();
      // A future cancelled while pending is skipped; the owner's PENDING -> RUNNING races cancel()'s.
      while (t && Atomics.compareExchange(w, STATUS + t.id, PENDING, RUNNING) !== PENDING) t = this.#queue.shift();
      if (!t) return;
      wake(w, SLEEPERS, STATUS + t.id, Infinity);
      worker.task = t.id;
      worker.child.send(t);
    }
  }

  /** Shut down with nothing left: the workers go. */
  #maybeStop(): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATE) !== SHUTDOWN || Atomics.load(w, UNDONE) > 0) return;
    for (const worker of this.#workers) {
      if (worker.stopping || !worker.child.connected) continue;
      worker.stopping = true;
      worker.child.send({ stop: true });
    }
  }

  #perform(kind: number): number {
    const w = this.#s.words;
    const state = Atomics.load(w, STATE);
    if (kind === SUBMIT) {
      if (state === SHUTDOWN) return REFUSED_SHUTDOWN;
      if (state === BROKEN) return REFUSED_BROKEN;
      const id = Atomics.load(w, NEXT);
      if (id >= FUTURES) return FULL;
      const { func, args } = JSON.parse(decoder.decode(this.#s.req.slice(0, Atomics.load(w, REQ_LEN)))) as { func: unknown; args: unknown[] };
      Atomics.store(w, NEXT, id + 1);
      Atomics.add(w, UNDONE, 1);
      this.#queue.push({ id, func, args });
      this.#dispatch();
      return id;
    }
    if (state === RUN) Atomics.store(w, STATE, SHUTDOWN);
    this.#maybeStop();
    return 0;
  }

  async #serve(): Promise<void> {
    const w = this.#s.words;
    let acked = 0;
    while (!this.#stopped) {
      const seq = Atomics.load(w, REQ_SEQ);
      if (seq !== acked) {
        Atomics.store(w, REPLY, this.#perform(Atomics.load(w, REQ)));
        acked = seq;
        Atomics.store(w, ACK_SEQ, seq);
        Atomics.notify(w, ACK_SEQ);
        continue;
      }
      const r = (Atomics as typeof Atomics & { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync(w, REQ_SEQ, acked);
      if (r.async) await r.value;
    }
  }
}

export const factories: Factory[] = [
  {
    primitive: "ProcessPoolExecutor",
    arity: 1,
    make: (argv, options) => new ProcessPoolExecutor({ ...options, max_workers: (argv[0] as number | null | undefined) ?? null }),
    attach: (h) => ProcessPoolExecutor.attach(h),
  },
];
