/**
 * Pool (multiprocessing.Pool) on node:child_process: worker processes (child/pool-worker.ts) run
 * tasks, worker callables of spec/callables.yaml; apply_async returns an AsyncResult. In the
 * threading profile it is multiprocessing.pool.ThreadPool: the same pool with worker threads of
 * this process instead (the same worker module), no maxtasksperchild, and values handed over as
 * they are (nothing is pickled, so an unpicklable value is no MaybeEncodingError).
 *
 * As for Process, the thread that constructs a Pool owns its workers (Node threads cannot share
 * a ChildProcess): its event loop serves the requests other threads post through shared words
 * (submit, close, terminate) and writes each task's outcome into shared memory, so that
 * AsyncResult.get() in any thread is an Atomics.wait and a decode. The owner must keep its event
 * loop running (the executor's main thread does): a blocking call there would stop it, so the
 * owner thread uses joinAsync().
 *
 * Callbacks (apply_async's and map_async's callback, error_callback) run on the owner thread, CPython's
 * result-handler thread, before the result is marked ready. A callback may name other objects of
 * the scenario by their handles, which JSON cannot carry: the caller sends it on the pool's
 * BroadcastChannel while it holds the request lock, and the owner reads it synchronously
 * (receiveMessageOnPort) when it serves the request.
 *
 * Limits of this reference (./task-memory.ts): at most TASKS tasks per pool and 4 MiB of JSON outcomes (a task
 * past them raises RuntimeError naming the limit); chunksize is accepted and each item is its own
 * task; a worker that dies loses its task for good and is replaced (CPython's Pool does the same;
 * its get() then waits for ever), while the pool goes on.
 */
import { cpus } from "node:os";
import { threadId } from "node:worker_threads";
import { checkCallable, isWorkerCallable, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { blockAsync, blockSync, deadlineOf, done, sleepOn, wake, type Blocking, type Step } from "../threads/futex.js";
import type { Factory } from "../threads/factory.js";
import { checkHandle, checkProfile, checkTimeout, fakeAddress, type PrimitiveOptions, type Profile } from "../threads/profile.js";
import { scopeNow, servingUntilEnd } from "./process.js";
import {
  ENDED,
  NEXT,
  PROCESSES,
  SLEEPERS,
  STATE,
  STATUS,
  TASKS,
  UNDONE,
  attachTaskMemory,
  exited,
  memoryFields,
  newTaskMemory,
  OwnerChannel,
  postToOwner,
  outcomeValue,
  request,
  requestPayload,
  runCallbackOnOwner,
  serveRequests,
  startTaskWorker,
  storeOutcome,
  wakeOwner,
  type Outcome,
  type TaskMemory,
  type TaskWorker,
} from "./task-memory.js";

const RUN = 0;
const CLOSE = 1;
const TERMINATE = 2;
const SUBMIT = 1;
const CLOSE_REQ = 2;
const TERMINATE_REQ = 3;
/** Submit a result's tasks at once (apply_async: one, map_async: one per item), with its callbacks. */
const SUBMIT_RESULT = 4;
const NOT_RUNNING = -1;
const FULL = -2;
// Task status: PENDING until a worker finished it (for ever if its worker died).
const PENDING = 0;
const OK = 1;
const RAISED = 2;

const notRunning = () => new PythonError("ValueError", "Pool not running");

export interface PoolOptions extends PrimitiveOptions {
  /** Worker processes; null (the default): one per CPU, as os.cpu_count(). */
  processes?: number | null;
  /** A worker callable each worker calls with initargs when it starts; null for none. */
  initializer?: unknown;
  initargs?: unknown;
  /** Tasks a worker completes before it exits and a fresh one replaces it; null: no limit. */
  maxtasksperchild?: number | null;
}

/** A task's arguments: one call's, or a chunk of calls' (one argument list each). */
type TaskArgs = { args: unknown[] } | { chunk: unknown[][] };

/** A result's callbacks, as the caller sends them to the owner. */
interface Callbacks {
  callback: CallableValue | null;
  error_callback: CallableValue | null;
}

let channels = 0;

export class Pool implements SharedPrimitive {
  readonly profile: Profile;
  readonly #s: TaskMemory;
  /** The BroadcastChannel name callbacks travel on to the owner. */
  readonly #channel: string;

  /** @param shared internal: an existing pool's memory and owner (see `Pool.attach`). */
  constructor(options: PoolOptions = {}, shared?: { memory: TaskMemory; channel: string }) {
    this.profile = checkProfile(options.profile);
    if (shared) {
      this.#s = shared.memory;
      this.#channel = shared.channel;
      return;
    }
    this.#channel = `mpspec-pool-${process.pid}-${threadId}-${++channels}`;
    const processes = options.processes ?? cpus().length;
    if (typeof processes !== "number" || !Number.isInteger(processes)) throw new PythonError("TypeError", `'${typeof processes}' object cannot be interpreted as an integer`);
    // observed (CPython 3.11): Pool(0) -> ValueError: Number of processes must be at least 1
    if (processes < 1) throw new PythonError("ValueError", "Number of processes must be at least 1");
    // observed: maxtasksperchild 0, 0.5 or -1 -> ValueError (checked after processes, before initializer)
    // observed: ThreadPool(1, maxtasksperchild=2) -> TypeError: ThreadPool.__init__() got an unexpected keyword argument 'maxtasksperchild'
    if (this.profile === "threading" && options.maxtasksperchild !== undefined && options.maxtasksperchild !== null) throw new PythonError("TypeError", "ThreadPool.__init__() got an unexpected keyword argument 'maxtasksperchild'");
    const maxtasks = options.maxtasksperchild ?? null;
    if (maxtasks !== null && (typeof maxtasks !== "number" || !Number.isInteger(maxtasks) || maxtasks <= 0)) throw new PythonError("ValueError", "maxtasksperchild must be a positive int or None");
    const initializer = options.initializer ?? null;
    if (initializer !== null && !isWorkerCallable(initializer)) throw new PythonError("TypeError", "initializer must be a callable");
    const initargs = options.initargs ?? [];
    if (!Array.isArray(initargs)) throw new PythonError("TypeError", "initargs must be a list");
    this.#s = newTaskMemory();
    Atomics.store(this.#s.words, PROCESSES, processes);
    new Owner(this.#s, processes, initializer === null ? null : { func: initializer, args: initargs }, maxtasks, this.#channel, this.profile === "threading");
  }

  static attach(handle: ObjectHandle): Pool {
    return new Pool({ profile: checkHandle(handle, "Pool") }, { memory: attachTaskMemory(handle), channel: handle.callbacks as string });
  }

  handle(): ObjectHandle {
    return { primitive: "Pool", profile: this.profile, ...memoryFields(this.#s), callbacks: this.#channel };
  }

  #request(kind: number, payload?: unknown, whileLocked?: () => void): number {
    return request(this.#s, "Pool", kind, payload, whileLocked);
  }

  /**
   * A result's tasks, submitted at once with its callbacks: apply_async's one call of func, or
   * map's chunks (func applied to each argument list of a chunk in turn: its values' list, or the
   * first exception).
   */
  #submitResult(func: unknown, tasks: TaskArgs[], list: boolean, callback: unknown, errorCallback: unknown): number[] {
    const f = checkCallable(func);
    const cbs: Callbacks = { callback: callback === null ? null : checkCallable(callback), error_callback: errorCallback === null ? null : checkCallable(errorCallback) };
    const withCallbacks = cbs.callback !== null || cbs.error_callback !== null;
    const send = () => postToOwner(this.#channel, cbs);
    const first = this.#request(SUBMIT_RESULT, { func: f, tasks, list, withCallbacks }, withCallbacks ? send : undefined);
    if (first === NOT_RUNNING) throw notRunning();
    if (first === FULL) throw new PythonError("RuntimeError", `the reference Pool takes at most ${TASKS} tasks`);
    return tasks.map((_, k) => first + k);
  }

  /** A task: func(*args), or with `chunk` func applied to each argument list in turn (its values' list, or the first exception). */
  #submit(func: unknown, args: unknown, chunk?: unknown[][]): number {
    const f = checkCallable(func);
    if (!chunk && !Array.isArray(args)) throw new PythonError("TypeError", "args must be a list");
    const id = this.#request(SUBMIT, chunk ? { func: f, chunk } : { func: f, args });
    if (id === NOT_RUNNING) throw notRunning();
    if (id === FULL) throw new PythonError("RuntimeError", `the reference Pool takes at most ${TASKS} tasks`);
    return id;
  }

  /** func(*args) as a task; its AsyncResult. callback gets the value, error_callback the exception, before the result is ready. */
  apply_async(func: unknown, args: unknown = [], kwds: unknown = {}, callback: unknown = null, error_callback: unknown = null): AsyncResult {
    if (!Array.isArray(args)) throw new PythonError("TypeError", "args must be a list");
    if (typeof kwds !== "object" || kwds === null || Array.isArray(kwds) || Object.keys(kwds).length > 0) throw new TypeError("the reference Pool's callables take no keyword arguments: kwds must be {}");
    return new AsyncResult(this.#s, this.#submitResult(func, [{ args }], false, callback, error_callback), "ApplyResult");
  }

  apply(func: unknown, args: unknown = []): unknown {
    return this.apply_async(func, args).get(null);
  }

  /** func applied to each item, in input order; the first failing item's exception raised again. */
  map(func: unknown, iterable: unknown, chunksize: number | null = null): unknown[] {
    return this.map_async(func, iterable, chunksize).get(null) as unknown[];
  }

  /** map() without waiting: a MapResult, ready once every chunk of items has run. */
  map_async(func: unknown, iterable: unknown, chunksize: number | null = null, callback: unknown = null, error_callback: unknown = null): AsyncResult {
    return this.#mapTasks(func, iterable, chunksize, (x) => [x], callback, error_callback);
  }

  /** A lazier map(): an iterator over the values in input order (each item its own task). */
  imap(func: unknown, iterable: unknown, chunksize: number | null = 1): IMapIterator | ChunkedIterator {
    return this.#imap(func, iterable, chunksize, true);
  }

  /** As imap(), the values in the order the items finish. */
  imap_unordered(func: unknown, iterable: unknown, chunksize: number | null = 1): IMapIterator | ChunkedIterator {
    return this.#imap(func, iterable, chunksize, false);
  }

  #imap(func: unknown, iterable: unknown, chunksize: number | null, ordered: boolean): IMapIterator | ChunkedIterator {
    if (!Array.isArray(iterable)) throw new PythonError("TypeError", "iterable must be a list");
    // observed: after close(), imap raises before it looks at chunksize
    if (Atomics.load(this.#s.words, STATE) !== RUN) throw notRunning();
    // observed: imap(f, xs, chunksize=0) -> ValueError: Chunksize must be 1+, not 0
    if (chunksize !== null && (typeof chunksize !== "number" || chunksize < 1)) throw new PythonError("ValueError", `Chunksize must be 1+, not ${String(chunksize)}`);
    if (chunksize === null || chunksize === 1) return new IMapIterator(this.#s, iterable.map((x) => this.#submit(func, [x])), ordered);
    // observed: with chunksize 2, imap returns a generator over the chunks' items
    const ids: number[] = [];
    for (let i = 0; i < iterable.length; i += chunksize) ids.push(this.#submit(func, null, iterable.slice(i, i + chunksize).map((x) => [x])));
    return new ChunkedIterator(this.#s, ids, ordered);
  }

  /** Like map(), each item a list of arguments. */
  starmap(func: unknown, iterable: unknown, chunksize: number | null = null): unknown[] {
    return this.#mapTasks(func, iterable, chunksize, (x) => x).get(null) as unknown[];
  }

  #mapTasks(func: unknown, iterable: unknown, chunksize: number | null, argsOf: (item: unknown) => unknown, callback: unknown = null, errorCallback: unknown = null): AsyncResult {
    if (!Array.isArray(iterable)) throw new PythonError("TypeError", "iterable must be a list");
    if (chunksize !== null && (typeof chunksize !== "number" || !Number.isInteger(chunksize))) throw new PythonError("TypeError", "chunksize must be an int or None");
    // observed: after close(), map raises before submitting anything
    if (Atomics.load(this.#s.words, STATE) !== RUN) throw notRunning();
    const argLists = iterable.map((x) => {
      const a = argsOf(x);
      if (!Array.isArray(a)) throw new PythonError("TypeError", "each item of starmap's iterable must be a list");
      return a;
    });
    // CPython's default: about four chunks per worker (Pool._map_async: divmod(len, processes * 4), rounded up).
    const n = argLists.length;
    const size = chunksize ?? Math.ceil(n / (4 * Atomics.load(this.#s.words, PROCESSES)));
    // observed: map_async(f, [], callback=cb) is ready at once and never calls cb (MapResult with
    // chunksize 0); so is map(f, xs, chunksize=0) (or negative: islice takes no item), whose value
    // is [None] * len(xs), successful.
    if (size <= 0) {
      checkCallable(func);
      return new AsyncResult(this.#s, [], "MapResult", n);
    }
    const tasks: TaskArgs[] = [];
    for (let i = 0; i < n; i += size) tasks.push({ chunk: argLists.slice(i, i + size) });
    return new AsyncResult(this.#s, this.#submitResult(func, tasks, true, callback, errorCallback), "MapResult");
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

/**
 * The result of apply_async (an ApplyResult: one task, its value) or of map_async (a MapResult: a
 * task per item, the list of values, ready once all ran). Used by the thread that made it.
 */
export class AsyncResult {
  readonly #s: TaskMemory;
  readonly #ids: readonly number[];
  readonly #cls: "ApplyResult" | "MapResult";
  readonly #address = fakeAddress();
  /** A MapResult of no task (chunksize 0): its value, this many Nones. */
  readonly #nones: number;

  constructor(shared: TaskMemory, ids: readonly number[], cls: "ApplyResult" | "MapResult", nones = 0) {
    this.#s = shared;
    this.#ids = ids;
    this.#cls = cls;
    this.#nones = nones;
  }

  #status(id: number): number {
    return Atomics.load(this.#s.words, STATUS + id);
  }

  #readyOp(id: number): Blocking<boolean> {
    const w = this.#s.words;
    const at = STATUS + id;
    return { words: w, waiters: SLEEPERS, attempt: (): Step<boolean> => (Atomics.load(w, at) !== PENDING ? done(true) : sleepOn(at, PENDING)), timedOut: () => false };
  }

  /** Waits for every task until the one deadline; whether all are done. */
  #await(timeout: number | null): boolean {
    const deadline = deadlineOf(true, checkTimeout(timeout));
    return this.#ids.every((id) => blockSync(this.#readyOp(id), deadline));
  }

  ready(): boolean {
    return this.#ids.every((id) => this.#status(id) !== PENDING);
  }

  successful(): boolean {
    // observed: successful() before ready -> ValueError: <multiprocessing.pool.ApplyResult object at 0x7f...> not ready (MapResult for map_async's)
    if (!this.ready()) throw new PythonError("ValueError", `<multiprocessing.pool.${this.#cls} object at ${this.#address}> not ready`);
    return this.#ids.every((id) => this.#status(id) === OK);
  }

  wait(timeout: number | null = null): null {
    this.#await(timeout);
    return null;
  }

  get(timeout: number | null = null): unknown {
    // observed: a timeout passed -> multiprocessing.TimeoutError, str() ''
    if (!this.#await(timeout)) throw new PythonError("multiprocessing.TimeoutError", "");
    if (this.#cls === "ApplyResult") return outcomeValue(this.#s, this.#ids[0]!);
    if (this.#ids.length === 0) return new Array<null>(this.#nones).fill(null);
    // Every chunk has run: a failing one's exception (the first in input order), else the values.
    for (const id of this.#ids) if (this.#status(id) !== OK) outcomeValue(this.#s, id);
    return this.#ids.flatMap((id) => outcomeValue(this.#s, id) as unknown[]);
  }
}

/**
 * What imap (ordered) and imap_unordered return: next(timeout) gives the next value (an item's
 * exception raised at its place, the iteration going on), StopIteration at the end.
 */
export class IMapIterator {
  readonly #s: TaskMemory;
  readonly #ids: number[];
  readonly #ordered: boolean;

  constructor(shared: TaskMemory, ids: number[], ordered: boolean) {
    this.#s = shared;
    this.#ids = ids;
    this.#ordered = ordered;
  }

  next(timeout: number | null = null): unknown {
    // observed: it.next() at the end -> StopIteration, str() ''
    if (this.#ids.length === 0) throw new PythonError("StopIteration", "");
    const k = blockSync(nextTaskOp(this.#s, this.#ids, this.#ordered), deadlineOf(true, checkTimeout(timeout)));
    // observed: a timeout passed -> multiprocessing.TimeoutError, str() ''
    if (k === null) throw new PythonError("multiprocessing.TimeoutError", "");
    const [id] = this.#ids.splice(k, 1);
    return outcomeValue(this.#s, id!);
  }

  /** Python's next(it). */
  __next__(): unknown {
    return this.next(null);
  }
}

/** Waits for the next task of `ids` to finish: the first (ordered), or any; its index in `ids`. */
function nextTaskOp(s: TaskMemory, ids: readonly number[], ordered: boolean): Blocking<number | null> {
  const w = s.words;
  return {
    words: w,
    waiters: SLEEPERS,
    attempt: (): Step<number | null> => {
      if (ordered) {
        const at = STATUS + ids[0]!;
        return Atomics.load(w, at) !== PENDING ? done(0) : sleepOn(at, PENDING);
      }
      // Any finished task; else sleep until the next task anywhere finishes (UNDONE changes).
      const undone = Atomics.load(w, UNDONE);
      const k = ids.findIndex((id) => Atomics.load(w, STATUS + id) !== PENDING);
      return k >= 0 ? done(k) : sleepOn(UNDONE, undone);
    },
    timedOut: () => null,
  };
}

/**
 * What imap and imap_unordered return with chunksize above 1 (CPython's generator over the
 * chunks' items): next(it) gives a chunk's items in turn, the chunks in input order (imap) or as
 * they finish (imap_unordered); a failing chunk raises its first failing item's exception and
 * ends the iteration. A generator has no next(timeout).
 */
export class ChunkedIterator {
  readonly #s: TaskMemory;
  readonly #ids: number[];
  readonly #ordered: boolean;
  #rest: unknown[] = [];
  #over = false;

  constructor(shared: TaskMemory, ids: number[], ordered: boolean) {
    this.#s = shared;
    this.#ids = ids;
    this.#ordered = ordered;
  }

  next(): never {
    // observed: pool.imap(f, xs, chunksize=2).next(1) -> AttributeError: 'generator' object has no attribute 'next'
    throw new PythonError("AttributeError", "'generator' object has no attribute 'next'");
  }

  __next__(): unknown {
    if (this.#rest.length > 0) return this.#rest.shift();
    // observed: at the end, or after a failing chunk -> StopIteration
    if (this.#over || this.#ids.length === 0) throw new PythonError("StopIteration", "");
    const k = blockSync(nextTaskOp(this.#s, this.#ids, this.#ordered), Infinity)!;
    const [id] = this.#ids.splice(k, 1);
    let values: unknown[];
    try {
      values = outcomeValue(this.#s, id!) as unknown[];
    } catch (e) {
      this.#over = true;
      throw e;
    }
    this.#rest = values.slice(1);
    return values[0];
  }
}

interface Worker {
  child: TaskWorker;
  /** The task it runs, or null when idle. */
  task: number | null;
  /** Tasks it completed; at maxtasksperchild it is told to exit (and takes no more). */
  completed: number;
}

/** The owner thread's side: the workers, the task queue, and the requests of other threads. */
class Owner {
  readonly #s: TaskMemory;
  readonly #processes: number;
  readonly #initializer: { func: unknown; args: unknown[] } | null;
  readonly #maxtasks: number | null;
  readonly #workers = new Set<Worker>();
  readonly #queue: { id: number; func: unknown; args?: unknown[]; chunk?: unknown[][] }[] = [];
  #stopped = false;
  readonly #unregister: () => void;
  /** The scope the pool was made in (enterScope): its workers belong to it. */
  readonly #scope = scopeNow();
  /** Where callers send a result's callbacks (Pool.#submitResult). */
  readonly #channel: OwnerChannel<Callbacks>;
  /** Task id -> the result it belongs to, for results with callbacks. */
  readonly #results = new Map<number, { ids: number[]; outcomes: (Outcome | undefined)[]; left: number; list: boolean; callbacks: Callbacks }>();

  /** Worker threads (ThreadPool) rather than processes. */
  readonly #threads: boolean;

  constructor(shared: TaskMemory, processes: number, initializer: { func: unknown; args: unknown[] } | null, maxtasks: number | null, channel: string, threads: boolean) {
    this.#s = shared;
    this.#threads = threads;
    this.#channel = new OwnerChannel<Callbacks>(channel, "Pool");
    this.#processes = processes;
    this.#initializer = initializer;
    this.#maxtasks = maxtasks;
    this.#unregister = servingUntilEnd(() => this.#stop(), this.#scope);
    this.#replenish();
    void this.#serve();
  }

  #stop(): void {
    this.#stopped = true;
    this.#channel.close();
    wakeOwner(this.#s);
  }

  #startWorker(): void {
    const worker: Worker = { child: undefined as unknown as TaskWorker, task: null, completed: 0 };
    worker.child = startTaskWorker(
      (id, outcome) => {
        worker.task = null;
        worker.completed++;
        // At its limit the worker exits, and a fresh one starts at once (not at its exit: a
        // Node child takes a while to start, and tasks queue behind it).
        if (this.#retired(worker) && worker.child.connected) worker.child.send({ stop: true });
        this.#finish(id, outcome);
        this.#replenish();
        this.#dispatch();
      },
      () => {
        this.#workers.delete(worker);
        // A worker that died while the pool has work is replaced; its task is lost (never done).
        this.#replenish();
        this.#dispatch();
        this.#maybeEnd();
      },
      this.#threads ? ["--base-exceptions-end-worker", "--no-pickling"] : ["--base-exceptions-end-worker"],
      this.#scope,
      this.#threads,
    );
    if (this.#initializer) worker.child.send({ init: true, ...this.#initializer });
    this.#workers.add(worker);
  }

  /**
   * Workers that take tasks (not retired), back to `processes` while the pool has work to come;
   * with maxtasksperchild, as many again as idle spares, started ahead: a Node child with tsx
   * takes ~0.85 s to start (seconds on a loaded machine), and a task should not wait for one
   * each time a worker retires.
   */
  #replenish(): void {
    const state = Atomics.load(this.#s.words, STATE);
    if (this.#stopped || !(state === RUN || (state === CLOSE && Atomics.load(this.#s.words, UNDONE) > 0))) return;
    let active = 0;
    for (const w of this.#workers) if (!this.#retired(w)) active++;
    const target = this.#maxtasks === null ? this.#processes : 2 * this.#processes;
    for (; active < target; active++) this.#startWorker();
  }

  #retired(worker: Worker): boolean {
    return this.#maxtasks !== null && worker.completed >= this.#maxtasks;
  }

  /**
   * Store a task's outcome where every thread reads it (not once terminated: outstanding work is
   * never done). The last task of a result with callbacks first runs its callback (every task
   * succeeded: given the value, a list for a MapResult) or error callback (given the first failing
   * item's exception), as CPython's result handler does before it marks the result ready.
   */
  #finish(id: number, outcome: Outcome): void {
    if (Atomics.load(this.#s.words, STATE) === TERMINATE) return;
    const r = this.#results.get(id);
    if (r) {
      r.outcomes[r.ids.indexOf(id)] = outcome;
      if (--r.left === 0) {
        for (const i of r.ids) this.#results.delete(i);
        this.#runCallback(r.outcomes as Outcome[], r.callbacks, r.list);
      }
    }
    storeOutcome(this.#s, id, outcome, (o) => (o.kind === "ok" ? OK : RAISED), "Pool");
    this.#maybeEnd();
  }

  #runCallback(outcomes: Outcome[], { callback, error_callback }: Callbacks, list: boolean): void {
    const failed = outcomes.find((o) => o.kind !== "ok");
    const [cb, arg] = failed
      ? [error_callback, new PythonError(failed.type ?? "Exception", String(failed.args?.[0] ?? ""), failed.args ?? [])]
      : [callback, list ? outcomes.flatMap((o) => o.value as unknown[]) : outcomes[0]!.value];
    if (cb === null) return;
    runCallbackOnOwner(cb, arg, "Pool");
  }

  #dispatch(): void {
    if (Atomics.load(this.#s.words, STATE) === TERMINATE) return;
    // At most `processes` tasks at once (a maxtasksperchild pool also keeps idle spares).
    let busy = 0;
    for (const worker of this.#workers) if (worker.task !== null) busy++;
    for (const worker of this.#workers) {
      if (this.#queue.length === 0 || busy >= this.#processes) return;
      if (worker.task !== null || this.#retired(worker)) continue;
      busy++;
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
    // Closed with every task done: the workers have nothing left to run, so they are ended at once
    // rather than told to stop, which a worker still starting (a Node child takes 0.1 s, seconds
    // on a loaded machine) reads only once started, and join() would wait for that.
    if (state === CLOSE) for (const worker of this.#workers) worker.child.kill("SIGTERM");
    if (this.#workers.size === 0 && Atomics.load(w, ENDED) === 0) {
      Atomics.store(w, ENDED, 1);
      wake(w, SLEEPERS, ENDED, Infinity);
      this.#unregister();
    }
  }

  #perform(kind: number): number {
    const w = this.#s.words;
    const state = Atomics.load(w, STATE);
    if (kind === SUBMIT_RESULT) {
      const { func, tasks, list, withCallbacks } = requestPayload<{ func: unknown; tasks: TaskArgs[]; list: boolean; withCallbacks: boolean }>(this.#s);
      // The callbacks were sent before the request, under its lock: the next message.
      const callbacks = withCallbacks ? this.#channel.next() : null;
      if (state !== RUN) return NOT_RUNNING;
      const first = Atomics.load(w, NEXT);
      if (first + tasks.length > TASKS) return FULL;
      Atomics.store(w, NEXT, first + tasks.length);
      Atomics.add(w, UNDONE, tasks.length);
      const ids = tasks.map((_, k) => first + k);
      if (callbacks) {
        const r = { ids, outcomes: ids.map(() => undefined), left: ids.length, list, callbacks };
        for (const id of ids) this.#results.set(id, r);
      }
      for (const [k, t] of tasks.entries()) this.#queue.push({ id: first + k, func, ...t });
      this.#dispatch();
      return first;
    }
    if (kind === SUBMIT) {
      if (state !== RUN) return NOT_RUNNING;
      const id = Atomics.load(w, NEXT);
      if (id >= TASKS) return FULL;
      const task = requestPayload<{ func: unknown; args?: unknown[]; chunk?: unknown[][] }>(this.#s);
      Atomics.store(w, NEXT, id + 1);
      Atomics.add(w, UNDONE, 1);
      this.#queue.push({ id, ...task });
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

  #serve(): Promise<void> {
    // terminate() returns once the workers are gone (CPython's joins them).
    return serveRequests(this.#s, (kind) => this.#perform(kind), () => this.#stopped, (kind) => (kind === TERMINATE_REQ ? Promise.all([...this.#workers].map((wk) => exited(wk.child))).then(() => undefined) : Promise.resolve()));
  }
}

export const factories: Factory[] = [
  {
    primitive: "Pool",
    arity: 3,
    // Keyword (the spec's): ThreadPool has no such parameter, and the scenario passes it only when not None.
    keywords: ["maxtasksperchild"],
    make: (argv, options, kw) =>
      new Pool({
        ...options,
        processes: (argv[0] as number | null | undefined) ?? null,
        initializer: argv[1] ?? null,
        initargs: argv[2] ?? [],
        ...(kw.maxtasksperchild !== undefined ? { maxtasksperchild: kw.maxtasksperchild as number | null } : {}),
      }),
    attach: (h) => Pool.attach(h),
  },
];
