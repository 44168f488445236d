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
 * gets BrokenProcessPool, and so does every later submit(). map() submits a future per chunk
 * of items (the worker runs the chunk's calls in turn) and returns a MapIterator.
 *
 * Done callbacks live with the owner, which makes every change of a future to done (cancel()
 * included: a request, as submit), so that a callback is either registered before the change
 * and run by the owner after it (CPython's manager thread; the canceller's cancel() returns only
 * once they ran), or told the future is done and run at once by the thread that adds it, as
 * CPython's add_done_callback. Callables travel to the owner on a BroadcastChannel, as a Pool's.
 *
 * Limits, as Pool's: at most TASKS futures per executor and HEAP bytes of JSON outcomes.
 */
import { cpus } from "node:os";
import { threadId } from "node:worker_threads";
import { checkCallable, isWorkerCallable, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { blockSync, deadlineOf, done, now, sleepOn, wake, type Blocking, type Step } from "../threads/futex.js";
import type { Factory } from "../threads/factory.js";
import { checkHandle, checkProfile, checkTimeout, type PrimitiveOptions, type Profile } from "../threads/profile.js";
import { scopeNow, servingUntilEnd } from "./process.js";
import {
  CALLBACKS,
  NEXT,
  SLEEPERS,
  STATE,
  STATUS,
  TASKS,
  UNDONE,
  attachTaskMemory,
  memoryFields,
  newTaskMemory,
  OwnerChannel,
  postToOwner,
  outcomeValue,
  request,
  requestPayload,
  runCallback,
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
const SHUTDOWN = 1;
const BROKEN = 2;
const SUBMIT = 1;
const SHUTDOWN_REQ = 2;
const SHUTDOWN_CANCEL_REQ = 3;
/** A done callback for a future (the callable on the channel): ADDED, or FUTURE_DONE (the caller runs it). */
const ADD_CALLBACK_REQ = 4;
/** Cancel a future: CANCELLED_NOW (its callbacks ran), CANCELLED_BEFORE, or TOO_LATE. */
const CANCEL_REQ = 5;
const ADDED = 0;
const FUTURE_DONE = 1;
const TOO_LATE = 0;
const CANCELLED_NOW = 1;
const CANCELLED_BEFORE = 2;
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

export interface ProcessPoolExecutorOptions extends PrimitiveOptions {
  /** Worker processes; null (the default): one per CPU. */
  max_workers?: number | null;
  /** A worker callable each worker calls with initargs before its first call; null for none. One that raises breaks the executor. */
  initializer?: unknown;
  initargs?: unknown;
  /** Checked as CPython checks it; the reference's workers are never replaced, so a valid one changes nothing else here. */
  max_tasks_per_child?: unknown;
}

let channels = 0;

/** What the threads of one executor share: its memory and the channel done callbacks travel on. */
interface Shared {
  memory: TaskMemory;
  channel: string;
}

export class ProcessPoolExecutor implements SharedPrimitive {
  readonly profile: Profile;
  readonly #s: TaskMemory;
  readonly #channel: string;

  /** @param shared internal: an existing executor's memory, owner and channel (see `attach`). */
  constructor(options: ProcessPoolExecutorOptions = {}, shared?: Shared) {
    this.profile = checkProfile(options.profile);
    if (this.profile !== "multiprocessing") throw new TypeError("ProcessPoolExecutor exists in the multiprocessing profile only");
    if (shared) {
      this.#s = shared.memory;
      this.#channel = shared.channel;
      return;
    }
    this.#channel = `mpspec-executor-${process.pid}-${threadId}-${++channels}`;
    const workers = options.max_workers ?? cpus().length;
    if (typeof workers !== "number" || !Number.isInteger(workers)) throw new PythonError("TypeError", `'${typeof workers}' object cannot be interpreted as an integer`);
    // observed (CPython 3.11): ProcessPoolExecutor(0) -> ValueError: max_workers must be greater than 0
    if (workers <= 0) throw new PythonError("ValueError", "max_workers must be greater than 0");
    // observed: ProcessPoolExecutor(1, initializer='x') -> TypeError: initializer must be a callable
    const initializer = options.initializer ?? null;
    if (initializer !== null && !isWorkerCallable(initializer)) throw new PythonError("TypeError", "initializer must be a callable");
    const initargs = options.initargs ?? [];
    if (!Array.isArray(initargs)) throw new PythonError("TypeError", "initargs must be a list");
    // observed: max_tasks_per_child='x' -> TypeError: max_tasks_per_child must be an integer; 0 -> ValueError: max_tasks_per_child must be >= 1
    const maxTasks = options.max_tasks_per_child ?? null;
    if (maxTasks !== null) {
      if (typeof maxTasks !== "number" || !Number.isInteger(maxTasks)) throw new PythonError("TypeError", "max_tasks_per_child must be an integer");
      if (maxTasks <= 0) throw new PythonError("ValueError", "max_tasks_per_child must be >= 1");
    }
    this.#s = newTaskMemory();
    new Owner(this.#s, workers, initializer === null ? null : { func: initializer, args: initargs }, maxTasks, this.#channel);
  }

  static attach(handle: ObjectHandle): ProcessPoolExecutor {
    return new ProcessPoolExecutor({ profile: checkHandle(handle, "ProcessPoolExecutor") }, { memory: attachTaskMemory(handle), channel: handle.callbacks as string });
  }

  handle(): ObjectHandle {
    return { primitive: "ProcessPoolExecutor", profile: this.profile, ...memoryFields(this.#s), callbacks: this.#channel };
  }

  get #shared(): Shared {
    return { memory: this.#s, channel: this.#channel };
  }

  #request(kind: number, payload?: unknown): number {
    return request(this.#s, "ProcessPoolExecutor", kind, payload);
  }

  /** fn(...args) in a worker; its Future. */
  submit(fn: unknown, ...args: unknown[]): Future {
    return new Future(this.#shared, this.#submit({ func: checkCallable(fn), args }));
  }

  #submit(task: { func: unknown; args?: unknown[]; chunk?: unknown[][] }): number {
    const id = this.#request(SUBMIT, task);
    // observed: after shutdown() -> RuntimeError: cannot schedule new futures after shutdown
    if (id === REFUSED_SHUTDOWN) throw new PythonError("RuntimeError", "cannot schedule new futures after shutdown");
    // observed: after a worker died -> BrokenProcessPool: A child process terminated abruptly, the process pool is not usable anymore
    if (id === REFUSED_BROKEN) throw new PythonError("concurrent.futures.process.BrokenProcessPool", "A child process terminated abruptly, the process pool is not usable anymore");
    if (id === FULL) throw new PythonError("RuntimeError", `the reference ProcessPoolExecutor takes at most ${TASKS} calls`);
    return id;
  }

  /**
   * fn applied to each item, a future per chunk of `chunksize` items submitted at once (as
   * CPython's list of submits: after shutdown the first raises, and an empty iterable submits
   * nothing); the values come from the returned MapIterator in input order. Keyword-only timeout
   * (seconds from this call) and chunksize come last, as the reference takes keyword arguments.
   */
  map(fn: unknown, iterable: unknown, keywords: { timeout?: number | null; chunksize?: number } = {}): MapIterator {
    const chunksize = keywords.chunksize ?? 1;
    if (typeof chunksize !== "number" || !Number.isInteger(chunksize)) throw new PythonError("TypeError", "chunksize must be an int");
    // observed: ex.map(f, xs, chunksize=0) -> ValueError: chunksize must be >= 1. (before anything else)
    if (chunksize < 1) throw new PythonError("ValueError", "chunksize must be >= 1.");
    if (!Array.isArray(iterable)) throw new PythonError("TypeError", "iterable must be a list");
    const deadline = deadlineOf(true, checkTimeout(keywords.timeout ?? null));
    const func = checkCallable(fn);
    const chunks: unknown[][][] = [];
    for (let i = 0; i < iterable.length; i += chunksize) chunks.push(iterable.slice(i, i + chunksize).map((x) => [x]));
    const ids = chunks.map((chunk) => this.#submit({ func, chunk }));
    return new MapIterator(this.#shared, ids, chunks.map((c) => c.length), deadline);
  }

  /**
   * No more submits; with wait, returns once every future not cancelled is done. Keyword-only
   * cancel_futures (the last argument, as the reference takes keyword arguments): the futures
   * still pending are cancelled.
   */
  shutdown(wait = true, keywords: { cancel_futures?: boolean } = {}): null {
    this.#request(keywords.cancel_futures === true ? SHUTDOWN_CANCEL_REQ : SHUTDOWN_REQ);
    if (wait) {
      const w = this.#s.words;
      // Every future done, and the callbacks of those the owner finished run.
      const attempt = (): Step<null> => {
        const undone = Atomics.load(w, UNDONE);
        if (undone !== 0) return sleepOn(UNDONE, undone);
        const running = Atomics.load(w, CALLBACKS);
        return running === 0 ? done(null) : sleepOn(CALLBACKS, running);
      };
      blockSync<null>({ words: w, waiters: SLEEPERS, attempt, timedOut: () => null }, Infinity);
    }
    return null;
  }
}

/** The result of submit(). Used by the thread that made it. */
export class Future {
  readonly #s: TaskMemory;
  readonly #channel: string;
  readonly #id: number;

  constructor(shared: Shared, id: number) {
    this.#s = shared.memory;
    this.#channel = shared.channel;
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

  /**
   * Cancel it while pending: True once its done callbacks have run (also when it was cancelled
   * already, without running them again); False once it runs or finished.
   */
  cancel(): boolean {
    return request(this.#s, "ProcessPoolExecutor", CANCEL_REQ, { id: this.#id }) !== TOO_LATE;
  }

  /**
   * fn(future) once the future is done, a worker callable (a call on another object of the
   * scenario is made in the thread that runs it): by the executor's owner thread after the change,
   * or at once in this thread when the future is done already.
   */
  add_done_callback(fn: unknown): null {
    const cb = checkCallable(fn);
    const send = () => postToOwner(this.#channel, cb);
    if (request(this.#s, "ProcessPoolExecutor", ADD_CALLBACK_REQ, { id: this.#id }, send) === FUTURE_DONE) runCallback(cb, this, "ProcessPoolExecutor");
    return null;
  }

  result(timeout: number | null = null): unknown {
    const e = this.#finished(timeout);
    if (e !== null) throw e;
    return outcomeValue(this.#s, this.#id);
  }

  /**
   * The call's exception as a value (a PythonError, which the executor reports as
   * `{"$exception": ...}`), null when it returned; waits as result() does, and raises what
   * result() raises when the future did not finish (TimeoutError, CancelledError).
   */
  exception(timeout: number | null = null): PythonError | null {
    const e = this.#finished(timeout);
    if (e !== null && e.pyType !== "concurrent.futures.process.BrokenProcessPool") throw e;
    if (e !== null) return e;
    try {
      outcomeValue(this.#s, this.#id);
      return null;
    } catch (raised) {
      if (raised instanceof PythonError) return raised;
      throw raised;
    }
  }

  /** Waits up to timeout for the future to be done: null once it finished with its call's outcome, else what result() raises instead. */
  #finished(timeout: number | null): PythonError | null {
    const w = this.#s.words;
    const at = STATUS + this.#id;
    const op: Blocking<boolean> = { words: w, waiters: SLEEPERS, attempt: (): Step<boolean> => (Atomics.load(w, at) > RUNNING ? done(true) : sleepOn(at, Atomics.load(w, at))), timedOut: () => false };
    // observed: a timeout passed -> TimeoutError (the builtin), str() ''
    if (!blockSync(op, deadlineOf(true, checkTimeout(timeout)))) return new PythonError("TimeoutError", "");
    const status = Atomics.load(w, at);
    if (status === CANCELLED) return new PythonError("concurrent.futures._base.CancelledError", "");
    if (status === BROKEN_FUTURE) return new PythonError("concurrent.futures.process.BrokenProcessPool", "A process in the process pool was terminated abruptly while the future was running or pending.");
    return null;
  }
}

/**
 * What map() returns (Python's generator): next() (`__next__`) gives the values in input order,
 * waiting for each chunk's future; an exception at a chunk (its call's, BrokenProcessPool,
 * CancelledError, TimeoutError) ends the iteration and cancels the futures still pending, as the
 * generator's finally does; StopIteration at the end. Used by the thread that made it.
 */
export class MapIterator {
  readonly #s: Shared;
  readonly #ids: number[];
  readonly #sizes: number[];
  readonly #deadline: number;
  #k = 0;
  #j = 0;
  #values: unknown[] | null = null;
  #over = false;

  constructor(shared: Shared, ids: number[], sizes: number[], deadline: number) {
    this.#s = shared;
    this.#ids = ids;
    this.#sizes = sizes;
    this.#deadline = deadline;
  }

  #end(e: unknown): never {
    this.#over = true;
    for (const id of this.#ids.slice(this.#k)) new Future(this.#s, id).cancel();
    throw e;
  }

  __next__(): unknown {
    // observed: next() at the end, or after an exception -> StopIteration, str() ''
    if (this.#over || this.#k >= this.#ids.length) throw new PythonError("StopIteration", "");
    if (this.#values === null) {
      // The chunk's future, waited for what is left of map()'s timeout (past it: TimeoutError, as Future.result raises).
      const left = this.#deadline === Infinity ? null : Math.max(0, (this.#deadline - now()) / 1000);
      try {
        this.#values = new Future(this.#s, this.#ids[this.#k]!).result(left) as unknown[];
      } catch (e) {
        this.#end(e);
      }
    }
    const value = this.#values[this.#j];
    if (++this.#j >= this.#sizes[this.#k]!) {
      this.#k++;
      this.#j = 0;
      this.#values = null;
    }
    return value;
  }
}

interface Worker {
  child: TaskWorker;
  task: number | null;
  stopping: boolean;
  /** Sent the initializer (before its first call). */
  initialized?: boolean;
  /** Calls it finished (at max_tasks_per_child it exits and a fresh worker replaces it). */
  completed: number;
}

/** The owner thread's side: the workers, the queue of pending futures, the requests. */
class Owner {
  readonly #s: TaskMemory;
  readonly #channelName: string;
  /** Where callers send done callbacks (Future.add_done_callback). */
  readonly #channel: OwnerChannel<CallableValue>;
  /** Future id -> its done callbacks not run yet, in the order added. */
  readonly #callbacks = new Map<number, CallableValue[]>();
  readonly #workers = new Set<Worker>();
  readonly #queue: { id: number; func: unknown; args?: unknown[]; chunk?: unknown[][] }[] = [];
  #stopped = false;
  /** The scope the executor was made in (enterScope): its workers belong to it. */
  readonly #scope = scopeNow();
  /** Sent to each worker before its first call (CPython starts its workers at the first submit). */
  #initializer: { func: unknown; args: unknown[] } | null;
  /** max_tasks_per_child: calls a worker runs before it exits and a fresh one replaces it. */
  readonly #maxTasks: number | null;

  constructor(shared: TaskMemory, workers: number, initializer: { func: unknown; args: unknown[] } | null, maxTasks: number | null, channel: string) {
    this.#s = shared;
    this.#initializer = initializer;
    this.#maxTasks = maxTasks;
    this.#channelName = channel;
    this.#channel = new OwnerChannel<CallableValue>(channel, "ProcessPoolExecutor");
    servingUntilEnd(() => {
      this.#stopped = true;
      this.#channel.close();
      wakeOwner(this.#s);
    }, this.#scope);
    for (let i = 0; i < workers; i++) this.#startWorker();
    void this.#serve();
  }

  #startWorker(): void {
    const worker: Worker = { child: undefined as unknown as TaskWorker, task: null, stopping: false, completed: 0 };
    worker.child = startTaskWorker(
      (id, outcome) => {
        worker.task = null;
        worker.completed++;
        // At its limit the worker exits (asked: not a death that breaks the executor) and a
        // fresh one takes its place, as CPython's manager thread starts one when a worker retires.
        if (this.#maxTasks !== null && worker.completed >= this.#maxTasks && !worker.stopping) {
          worker.stopping = true;
          if (worker.child.connected) worker.child.send({ stop: true });
          if (!this.#stopped && Atomics.load(this.#s.words, STATE) !== BROKEN) this.#startWorker();
        }
        this.#finish(id, outcome);
        this.#dispatch();
      },
      () => {
        this.#workers.delete(worker);
        // A worker that ends unasked breaks the executor (CPython: "terminated abruptly").
        if (!worker.stopping && !this.#stopped) this.#break();
      },
      [],
      this.#scope,
    );
    this.#workers.add(worker);
  }

  #break(): void {
    const w = this.#s.words;
    if (Atomics.load(w, STATE) === BROKEN) return;
    Atomics.store(w, STATE, BROKEN);
    this.#queue.length = 0;
    const next = Atomics.load(w, NEXT);
    const broken: number[] = [];
    this.#callbacksRunning(1);
    for (let id = 0; id < next; id++) {
      for (const from of [PENDING, RUNNING]) {
        if (Atomics.compareExchange(w, STATUS + id, from, BROKEN_FUTURE) === from) {
          Atomics.sub(w, UNDONE, 1);
          broken.push(id);
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
    for (const id of broken) this.#runCallbacks(id);
    this.#callbacksRunning(-1);
  }

  #finish(id: number, outcome: Outcome): void {
    if (Atomics.load(this.#s.words, STATUS + id) !== RUNNING) return; // broken meanwhile
    // As CPython's set_result: the future is done (waiters woken), then its callbacks run; a
    // shutdown(wait=True) waits for them too.
    this.#callbacksRunning(1);
    storeOutcome(this.#s, id, outcome, (o) => (o.kind === "ok" ? OK : RAISED), "ProcessPoolExecutor");
    this.#runCallbacks(id);
    this.#callbacksRunning(-1);
    this.#maybeStop();
  }

  #callbacksRunning(delta: number): void {
    const w = this.#s.words;
    if (Atomics.add(w, CALLBACKS, delta) + delta === 0) wake(w, SLEEPERS, CALLBACKS, Infinity);
  }

  /** A future that just became done: its callbacks, in the order added, on this thread. */
  #runCallbacks(id: number): void {
    const cbs = this.#callbacks.get(id);
    if (!cbs) return;
    this.#callbacks.delete(id);
    const future = new Future({ memory: this.#s, channel: this.#channelName }, id);
    for (const cb of cbs) runCallbackOnOwner(cb, future, "ProcessPoolExecutor");
  }

  /** PENDING -> CANCELLED (the dispatch's PENDING -> RUNNING is on this thread too); whether it changed. */
  #cancel(id: number): boolean {
    const w = this.#s.words;
    if (Atomics.compareExchange(w, STATUS + id, PENDING, CANCELLED) !== PENDING) return false;
    this.#callbacksRunning(1);
    Atomics.sub(w, UNDONE, 1);
    wake(w, SLEEPERS, UNDONE, Infinity);
    wake(w, SLEEPERS, STATUS + id, Infinity);
    this.#runCallbacks(id);
    this.#callbacksRunning(-1);
    return true;
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
      // The initializer first (a worker whose initializer raises exits: the executor breaks).
      if (this.#initializer && !worker.initialized) worker.child.send({ init: true, ...this.#initializer });
      worker.initialized = true;
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
    if (kind === ADD_CALLBACK_REQ) {
      const { id } = requestPayload<{ id: number }>(this.#s);
      const cb = this.#channel.next();
      if (Atomics.load(w, STATUS + id) > RUNNING) return FUTURE_DONE;
      const list = this.#callbacks.get(id) ?? [];
      list.push(cb);
      this.#callbacks.set(id, list);
      return ADDED;
    }
    if (kind === CANCEL_REQ) {
      const { id } = requestPayload<{ id: number }>(this.#s);
      if (this.#cancel(id)) return CANCELLED_NOW;
      return Atomics.load(w, STATUS + id) === CANCELLED ? CANCELLED_BEFORE : TOO_LATE;
    }
    if (kind === SUBMIT) {
      if (state === SHUTDOWN) return REFUSED_SHUTDOWN;
      if (state === BROKEN) return REFUSED_BROKEN;
      const id = Atomics.load(w, NEXT);
      if (id >= TASKS) return FULL;
      const task = requestPayload<{ func: unknown; args?: unknown[]; chunk?: unknown[][] }>(this.#s);
      Atomics.store(w, NEXT, id + 1);
      Atomics.add(w, UNDONE, 1);
      this.#queue.push({ id, ...task });
      this.#dispatch();
      return id;
    }
    if (state === RUN) Atomics.store(w, STATE, SHUTDOWN);
    if (kind === SHUTDOWN_CANCEL_REQ) {
      // As Future.cancel() on each queued future: only one still PENDING (the dispatch races it).
      for (const t of this.#queue.splice(0)) this.#cancel(t.id);
    }
    this.#maybeStop();
    return 0;
  }

  #serve(): Promise<void> {
    return serveRequests(this.#s, (kind) => this.#perform(kind), () => this.#stopped);
  }
}

export const factories: Factory[] = [
  {
    primitive: "ProcessPoolExecutor",
    arity: 1,
    keywords: ["initializer", "initargs", "max_tasks_per_child"],
    make: (argv, options, kw) =>
      new ProcessPoolExecutor({ ...options, max_workers: (argv[0] as number | null | undefined) ?? null, initializer: kw.initializer ?? null, initargs: kw.initargs ?? [], max_tasks_per_child: kw.max_tasks_per_child ?? null }),
    attach: (h) => ProcessPoolExecutor.attach(h),
  },
];
