/**
 * ThreadsExecutor: runs scenarios on an implementation that lives in this Node
 * process (the reference backend, or a deliberately broken variant), with one
 * worker thread per actor, and records their histories.
 *
 * Pool: one worker dedicated to the actor "main" (init and post parts) and one
 * per parallel actor index (a0 always runs on actors[0], ...), grown on demand
 * and reused across scenarios. At the deadline a worker still in a call is
 * interrupted: the waits of the reference backend (reference/threads/futex.ts)
 * throw, the worker reports back and stays in the pool. Only a worker that does
 * not report back (a wait of another implementation, a busy loop) is terminated
 * and replaced, as is one that died (crash).
 *
 * One scenario:
 *  1. create the objects on this thread with `create(primitive, profile, argv)`, in order (a
 *     `{"$object": k}` argument is the handle of object k, built before; in a call's arguments,
 *     of any object of the scenario, passed to the actor worker with the call);
 *  2. take the origin (process.hrtime.bigint(): CLOCK_MONOTONIC, the same clock in
 *     every thread) and start the deadline timer;
 *  3. post the init job to the main worker and, at the same time, the parallel
 *     jobs to the actor workers, which attach the objects, report ready and
 *     Atomics.wait on a shared start flag;
 *  4. once init is done and every actor is ready, flip the flag and notify all:
 *     the actors start together and run their calls with no per-call messaging;
 *  5. once every actor is done, post the post job to the main worker.
 * Each worker posts every completed call's event at once on its own events port,
 * which this thread reads synchronously (receiveMessageOnPort) when the job is
 * done — or after interrupting or terminating the worker, since queued messages outlive it.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import type { LoadedSpec } from "../../conformance/spec/load.js";
import { resolveCalls, RunMessageError, type ResolvedCalls } from "../../conformance/adapter/protocol.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { MAIN_ACTOR, actorId } from "../../conformance/scenario/types.js";
import type { Construction, History, HistoryEvent } from "../../conformance/history/types.js";
import {
  AdapterError,
  type Adapter,
  type AdapterCapabilities,
  type ImplementationInfo,
} from "../../conformance/adapter/types.js";
import type { ImplementationModule, ObjectHandle } from "../../reference/implementation.js";
import { siblingUrl, spawnWorker } from "../../reference/spawn-worker.js";
import {
  SLOT_BYTES,
  SLOT_INDEX,
  SLOT_INTERRUPT,
  SLOT_INVOKE,
  START_ABORT,
  START_GO,
  describeThrown,
  raisedOutcome,
  resolveImplementation,
  type FromWorker,
  type JobMessage,
  type WireCall,
  type WireEvent,
  type WorkerInit,
} from "./protocol.js";

export { INTERNAL_ERROR_TYPE } from "./protocol.js";

export interface ThreadsExecutorOptions {
  /** URL of a module fitting ImplementationModule, imported on this thread and in each worker. */
  implementation: URL;
  info: ImplementationInfo;
  /**
   * The spec documents, for run(): a scenario is made executable from them as for any adapter,
   * by the run message's resolution (conformance/adapter/protocol.ts resolveCalls), so the
   * in-process executor and the JSON-lines adapters receive the same calls. Without them only
   * runCalls() (the run message's own calls: the JSON-lines entry point, jsonl.ts) is available.
   */
  specs?: readonly LoadedSpec[];
  /**
   * Python callable -> spec primitive, for `$new` values (a start message's primitives, read
   * the other way: `multiprocessing.get_context` -> Context); the specs' profiles add theirs.
   * A callable named in neither is its last name's primitive (`threading.RLock` -> RLock).
   */
  callables?: Readonly<Record<string, string>>;
  /** Bound on a worker's start-up (importing the implementation); default 60 s. Not part of any scenario's deadline. */
  bootTimeoutMs?: number;
  /**
   * How long a worker interrupted at the deadline has to report back before it is terminated;
   * 0: never interrupt, terminate and replace at once (the behaviour before interrupts, kept for
   * bench/campaign.ts). Default 150 ms.
   */
  interruptGraceMs?: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every deferred is awaited on the paths that need it; never an unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

interface Job {
  id: number;
  actor: string;
  calls: Call[];
  barrier: boolean;
  ready: Deferred<void>;
  done: Deferred<void>;
  /** Resolved, rejected, or given up on (deadline). */
  settled: boolean;
  /** Reported ready (waiting on the start flag). */
  isReady: boolean;
  events: WireEvent[];
}

class PoolWorker {
  readonly worker: Worker;
  readonly events: MessagePort;
  readonly slotIndex: Int32Array;
  readonly slotInvoke: Float64Array;
  readonly booted = deferred<void>();
  readonly exited = deferred<number>();
  threadId = -1;
  alive = true;
  /** Terminated on purpose (deadline, close): its exit is not a crash. */
  retiring = false;
  job: Job | null = null;
  /** An interrupt in progress: resolves true when the worker reports back for that job. */
  private ack: { id: number; reported: Deferred<boolean> } | null = null;
  private lastError: unknown = null;

  constructor(
    readonly role: string,
    implementation: URL,
    private readonly onGone: (pw: PoolWorker) => void,
    private readonly isClosed: () => boolean,
  ) {
    const slot = new SharedArrayBuffer(SLOT_BYTES);
    this.slotIndex = new Int32Array(slot);
    this.slotInvoke = new Float64Array(slot);
    const { port1, port2 } = new MessageChannel();
    this.events = port1;
    const data: WorkerInit = { implementation: implementation.href, slot, events: port2 };
    this.worker = spawnWorker(siblingUrl(import.meta.url, "./actor-worker"), {
      workerData: data,
      transferList: [port2],
      name: `mpspec-actor-${role}`,
    });
    // An idle pool must not keep the process alive; a running scenario holds its deadline timer.
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.onMessage(m));
    this.worker.on("error", (e) => {
      this.lastError = e;
    });
    this.worker.on("messageerror", (e) => {
      this.lastError = e;
    });
    this.worker.on("exit", (code) => this.onExit(code));
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "booted":
        this.threadId = m.threadId;
        this.booted.resolve();
        return;
      case "boot-failed":
        this.lastError = `could not load the implementation: ${m.error}`;
        this.booted.reject(new AdapterError(`actor worker ${this.role}: could not load the implementation: ${m.error}`));
        return;
    }
    if ((m.t === "interrupted" || m.t === "done") && this.ack !== null && this.ack.id === m.id) {
      // Back from an interrupt (or it had just finished): usable for the next scenario.
      if (this.job?.id === m.id) this.job = null;
      this.ack.reported.resolve(true);
      return;
    }
    const job = this.job;
    if (job === null || job.id !== m.id || job.settled) return; // stale (an aborted barrier job)
    switch (m.t) {
      case "ready":
        job.isReady = true;
        job.ready.resolve();
        return;
      case "done":
        this.drain(job);
        job.settled = true;
        this.job = null;
        if (!m.aborted && job.events.length !== job.calls.length) {
          job.done.reject(
            new AdapterError(`actor ${job.actor}: worker reported ${job.events.length} events for ${job.calls.length} calls`),
          );
        } else job.done.resolve();
        return;
      case "failed": {
        job.settled = true;
        this.job = null;
        const err = new AdapterError(`actor ${job.actor}: ${m.error}`);
        job.ready.reject(err);
        job.done.reject(err);
        return;
      }
    }
  }

  private onExit(code: number): void {
    this.alive = false;
    const why = this.retiring
      ? this.isClosed()
        ? "the executor was closed"
        : "it was terminated"
      : `it exited with code ${code}${this.lastError === null ? "" : `: ${describeThrown(this.lastError)}`}`;
    const err = new AdapterError(`actor worker ${this.role} (thread ${this.threadId}) is gone: ${why}`);
    this.booted.reject(err);
    const job = this.job;
    if (job !== null && !job.settled) {
      // A retired worker's job is given up on by whoever retired it; every other exit is a crash.
      job.settled = true;
      this.job = null;
      job.ready.reject(err);
      job.done.reject(err);
    }
    this.exited.resolve(code);
    this.onGone(this);
  }

  /** Move the events posted so far into the job (synchronously). */
  drain(job: Job): void {
    for (;;) {
      const r = receiveMessageOnPort(this.events);
      if (r === undefined) return;
      job.events.push(r.message as WireEvent);
    }
  }

  post(job: Job, msg: JobMessage): void {
    if (!this.alive) throw new AdapterError(`actor worker ${this.role} is gone`);
    // Nothing started yet: a stale index from the previous job must not look like a call in progress.
    Atomics.store(this.slotIndex, SLOT_INDEX, -1);
    Atomics.store(this.slotIndex, SLOT_INTERRUPT, 0);
    this.job = job;
    this.worker.postMessage(msg);
  }

  /**
   * Ask the worker to give up on `job`: its waits throw (reference/threads/futex.ts) and it
   * reports "interrupted". Resolves false if it does not report within `graceMs` (a wait that
   * is not interruptible, a busy loop): the caller then terminates it.
   */
  interrupt(job: Job, graceMs: number): Promise<boolean> {
    if (!this.alive) return Promise.resolve(false);
    const reported = deferred<boolean>();
    this.ack = { id: job.id, reported };
    Atomics.store(this.slotIndex, SLOT_INTERRUPT, 1);
    // Wakes a worker sleeping through a call's pause.
    Atomics.notify(this.slotIndex, SLOT_INTERRUPT);
    const timer = setTimeout(() => reported.resolve(false), graceMs);
    void this.exited.promise.then(() => reported.resolve(false));
    return reported.promise.finally(() => {
      clearTimeout(timer);
      this.ack = null;
    });
  }

  async terminate(): Promise<void> {
    this.retiring = true;
    if (this.alive) await this.worker.terminate();
    await this.exited.promise;
  }
}

interface Prepared {
  handles: ObjectHandle[];
  init: WireCall[];
  parallel: WireCall[][];
  post: WireCall[];
}

/** How long an interrupted worker has to report back before it is terminated, by default. */
const INTERRUPT_GRACE_MS = 150;

const withTimeout = <T>(p: Promise<T>, ms: number, what: () => string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AdapterError(what())), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

export class ThreadsExecutor implements Adapter {
  readonly info: ImplementationInfo;
  readonly capabilities: AdapterCapabilities;
  readonly actorKind = "threads" as const;
  private readonly implementationUrl: URL;
  private readonly specs?: readonly LoadedSpec[];
  private readonly primitiveOf: (callable: string) => string;
  private readonly bootTimeoutMs: number;
  private readonly interruptGraceMs: number;

  private mainWorker: PoolWorker | null = null;
  private actorWorkers: (PoolWorker | null)[] = [];
  /** Every worker started and not yet exited (pool members and ones being terminated). */
  private readonly live = new Set<PoolWorker>();
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private scenarioSeq = 0;
  private jobSeq = 0;

  /** Import the implementation module, read its capabilities and start the main actor's worker. */
  static async start(options: ThreadsExecutorOptions): Promise<ThreadsExecutor> {
    let impl: ImplementationModule;
    try {
      impl = resolveImplementation(await import(options.implementation.href), options.implementation.href);
    } catch (e) {
      throw new AdapterError(`could not load the implementation ${options.implementation.href}: ${describeThrown(e)}`);
    }
    const ex = new ThreadsExecutor(options, impl);
    try {
      await ex.ensurePool(0);
    } catch (e) {
      await ex.close();
      throw e;
    }
    return ex;
  }

  /** Prefer ThreadsExecutor.start(), which loads `implementation` from options.implementation. */
  constructor(
    options: ThreadsExecutorOptions,
    private readonly impl: ImplementationModule,
  ) {
    this.info = options.info;
    this.implementationUrl = options.implementation;
    this.specs = options.specs;
    this.primitiveOf = primitiveByCallable(options.specs ?? [], options.callables);
    this.bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
    this.interruptGraceMs = options.interruptGraceMs ?? INTERRUPT_GRACE_MS;
    this.capabilities = {
      primitives: [...impl.primitives],
      profiles: [...impl.profiles],
      actorKinds: ["threads"],
    };
  }

  /** Number of worker threads started and not yet exited. */
  get liveWorkers(): number {
    return this.live.size;
  }

  /** Thread ids of the pool's current workers (-1 while one is booting). */
  get threadIds(): { main: number | null; actors: (number | null)[] } {
    return {
      main: this.mainWorker?.threadId ?? null,
      actors: this.actorWorkers.map((w) => w?.threadId ?? null),
    };
  }

  /** Start workers ahead of time for scenarios with up to `actors` parallel actors. */
  async warm(actors: number): Promise<void> {
    if (this.closed) throw new AdapterError("ThreadsExecutor is closed");
    await this.ensurePool(actors);
  }

  /** Run a scenario, made executable from the spec documents (options.specs) as the run message is. */
  run(scenario: Scenario, deadlineMs: number): Promise<History> {
    if (!this.specs) return Promise.reject(new AdapterError("ThreadsExecutor.run needs options.specs; runCalls takes a run message's calls"));
    let calls: ResolvedCalls;
    try {
      this.checkSupported(scenario);
      calls = resolveCalls(scenario, this.specs);
    } catch (e) {
      return Promise.reject(e instanceof RunMessageError ? new AdapterError(e.message) : e);
    }
    return this.runCalls(scenario, calls, deadlineMs);
  }

  /** Run a scenario as a run message has it: the scenario, and its calls made executable (resolveCalls). */
  runCalls(scenario: Scenario, calls: ResolvedCalls, deadlineMs: number): Promise<History> {
    // What the scenario's objects started outside this process's threads (child processes) ends
    // with it, before the next scenario (ImplementationModule.end).
    // Scoped to this executor: others in this thread (a campaign's lanes) keep their children.
    const result = this.queue.then(() => this.runNow(scenario, calls, deadlineMs).finally(() => this.impl.end?.(this)));
    this.queue = result.catch(() => {});
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.live].map((pw) => pw.terminate()));
    await this.impl.end?.(this);
    this.mainWorker = null;
    this.actorWorkers = [];
  }

  // --- pool -------------------------------------------------------------------

  private spawn(role: string): PoolWorker {
    const pw = new PoolWorker(role, this.implementationUrl, (gone) => this.onGone(gone), () => this.closed);
    this.live.add(pw);
    return pw;
  }

  /** A worker exited (crash, or terminated): free its place; ensurePool() starts a new one when needed. */
  private onGone(pw: PoolWorker): void {
    this.live.delete(pw);
    if (this.mainWorker === pw) this.mainWorker = null;
    const i = this.actorWorkers.indexOf(pw);
    if (i >= 0) this.actorWorkers[i] = null;
  }

  /**
   * Take a worker out of the pool and terminate it. With `replace`, its
   * replacement starts booting at once, so the next scenario finds it ready.
   */
  private retire(pw: PoolWorker, replace: boolean): Promise<void> {
    const fresh = (role: string) => (replace && !this.closed ? this.spawn(role) : null);
    if (this.mainWorker === pw) this.mainWorker = fresh(MAIN_ACTOR);
    const i = this.actorWorkers.indexOf(pw);
    if (i >= 0) this.actorWorkers[i] = fresh(actorId(i));
    return pw.terminate();
  }

  private async ensurePool(actors: number): Promise<{ main: PoolWorker; actors: PoolWorker[] }> {
    if (this.mainWorker === null || !this.mainWorker.alive) this.mainWorker = this.spawn(MAIN_ACTOR);
    for (let i = 0; i < actors; i++) {
      const w = this.actorWorkers[i];
      if (w === undefined || w === null || !w.alive) this.actorWorkers[i] = this.spawn(actorId(i));
    }
    const main = this.mainWorker;
    const team = this.actorWorkers.slice(0, actors) as PoolWorker[];
    const all = [main, ...team];
    try {
      await withTimeout(
        Promise.all(all.map((w) => w.booted.promise)),
        this.bootTimeoutMs,
        () => `actor workers did not start within ${this.bootTimeoutMs} ms`,
      );
    } catch (e) {
      // A worker that cannot boot is useless: terminate it; the next attempt starts afresh.
      await Promise.all(all.filter((w) => w.threadId < 0 || !w.alive).map((w) => this.retire(w, false)));
      throw e instanceof AdapterError ? e : new AdapterError(describeThrown(e));
    }
    return { main, actors: team };
  }

  // --- one scenario -----------------------------------------------------------

  /**
   * A `$new` value of the run message, `{"$new": "<callable>", "argv": [...]}`, as the
   * implementation's create() takes it: `{"$new": "<primitive>", "argv": [...]}`, the primitive
   * whose profile names that callable (options.callables, specs), else its last name.
   */
  private constructed(v: JsonValue): JsonValue {
    if (Array.isArray(v)) return v.map((x) => this.constructed(x));
    if (v === null || typeof v !== "object" || !("$new" in v)) return v;
    const { $new: callable, argv, ...rest } = v as { $new: unknown; argv?: unknown };
    if (typeof callable !== "string" || !Array.isArray(argv) || Object.keys(rest).length > 0) {
      throw new AdapterError(`${JSON.stringify(v)} is not a $new value of the run message: expected {"$new": "<callable>", "argv": [...]}`);
    }
    const primitive = this.primitiveOf(callable);
    if (!this.capabilities.primitives.includes(primitive)) throw new AdapterError(`${JSON.stringify(v)}: primitive ${primitive} is not implemented`);
    return { $new: primitive, argv: (argv as JsonValue[]).map((x) => this.constructed(x)) };
  }

  /**
   * A run message's `{"$object": k}` (anywhere in constructor arguments, a callable's parameter
   * included) as the implementation's create() takes it: `{"$object": <handle of object k>}`, the
   * object built for `calls.objects[k]`, which must come before `owner`. A Process keeps the
   * handle in its target's JSON, so it crosses threads, and reaches the object through its owner.
   */
  private referenced(v: JsonValue, handles: readonly ObjectHandle[], owner: string, which = "an earlier object"): JsonValue {
    if (Array.isArray(v)) return v.map((x) => this.referenced(x, handles, owner, which));
    if (v === null || typeof v !== "object") return v;
    if (!("$object" in v)) return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, this.referenced(x, handles, owner, which)]));
    const k = v.$object;
    if (Object.keys(v).length !== 1 || typeof k !== "number" || !Number.isInteger(k) || k < 0 || k >= handles.length) {
      throw new AdapterError(
        `${owner}: ${JSON.stringify(v)} is not a $object value of the run message: expected {"$object": <index of ${which} in calls.objects: ${handles.length > 0 ? `0..${handles.length - 1}` : "none comes before it"}>}`,
      );
    }
    return { $object: handles[k] as unknown as JsonValue };
  }

  /**
   * A part's calls with each `{"$object": k}` in their arguments (a Lock given to a Pipe
   * connection's send()) replaced by `{"$object": <handle of object k>}`, any object of the
   * scenario (all are built by now). The handle crosses to the actor worker in the job message
   * (structured clone: its SharedArrayBuffers are shared, not copied), and the worker passes it
   * to the method as it is (the implementation decides what to make of it: reference/threads/pipe.ts).
   */
  private referencedCalls(wire: readonly WireCall[], calls: readonly Call[], handles: readonly ObjectHandle[]): WireCall[] {
    return wire.map((c, i) => {
      const owner = calls[i] ? `${calls[i]!.object}.${calls[i]!.op}()` : `call ${i}`;
      const kwargs = c.kwargs ? { kwargs: Object.fromEntries(Object.entries(c.kwargs).map(([n, v]) => [n, this.referenced(v, handles, owner, "an object")])) } : {};
      return { ...c, argv: c.argv.map((v) => this.referenced(v, handles, owner, "an object")), ...kwargs };
    });
  }

  /** What this implementation cannot run is said before anything else (the spec's view comes after). */
  private checkSupported(scenario: Scenario): void {
    if (!this.capabilities.profiles.includes(scenario.profile)) {
      throw new AdapterError(`profile ${JSON.stringify(scenario.profile)} is not implemented (${this.capabilities.profiles.join(", ")})`);
    }
    for (const decl of scenario.objects) {
      if (!this.capabilities.primitives.includes(decl.primitive)) throw new AdapterError(`primitive ${decl.primitive} is not implemented`);
    }
  }

  private prepare(scenario: Scenario, calls: ResolvedCalls): Prepared | { refused: History } {
    this.checkSupported(scenario);
    // Index for index with the scenario (spec/protocol/README.md), or the history would misname calls.
    const sizes = (x: { objects: unknown[]; init: unknown[]; parallel: unknown[][]; post: unknown[] }) => JSON.stringify([x.objects.length, x.init.length, x.parallel.map((a) => a.length), x.post.length]);
    if (sizes(calls) !== sizes(scenario)) throw new AdapterError(`calls do not match the scenario index for index: [objects, init, parallel, post] sizes ${sizes(calls)} vs ${sizes(scenario)}`);
    const handles: ObjectHandle[] = [];
    const constructions: Construction[] = [];
    for (const [k, decl] of scenario.objects.entries()) {
      const resolved = calls.objects[k]!;
      const argv = resolved.argv.map((v) => this.constructed(this.referenced(v, handles, decl.id)));
      const kwargs = Object.fromEntries(Object.entries(resolved.kwargs ?? {}).map(([n, v]) => [n, this.constructed(this.referenced(v, handles, decl.id))]));
      let handle: ObjectHandle;
      try {
        this.impl.enterScope?.(this);
        try {
          handle = this.impl.create(decl.primitive, scenario.profile, argv, kwargs).handle();
        } finally {
          this.impl.enterScope?.(undefined);
        }
      } catch (e) {
        // A Python error is the constructor refusing its arguments: the scenario stops there.
        const py = e as { pyType?: unknown };
        if (typeof py?.pyType !== "string") throw new AdapterError(`creating ${decl.id} = ${decl.primitive}(${JSON.stringify(argv).slice(1, -1)}) failed: ${describeThrown(e)}`);
        constructions.push({ object: decl.id, outcome: raisedOutcome(e) });
        return { refused: { events: [], constructions } };
      }
      constructions.push({ object: decl.id, outcome: { kind: "returned", value: null } });
      handles.push(handle);
    }
    return {
      handles,
      init: this.referencedCalls(calls.init, scenario.init, handles),
      parallel: calls.parallel.map((part, i) => this.referencedCalls(part, scenario.parallel[i]!, handles)),
      post: this.referencedCalls(calls.post, scenario.post, handles),
    };
  }

  private async runNow(scenario: Scenario, calls: ResolvedCalls, deadlineMs: number): Promise<History> {
    if (this.closed) throw new AdapterError("ThreadsExecutor is closed");
    if (!(deadlineMs > 0)) throw new AdapterError(`deadline must be positive, got ${deadlineMs}`);
    const prepared = this.prepare(scenario, calls);
    if ("refused" in prepared) return prepared.refused;
    const pool = await this.ensurePool(scenario.parallel.length);
    if (this.closed) throw new AdapterError("ThreadsExecutor is closed");

    const scenarioId = ++this.scenarioSeq;
    // The origin of every timestamp: taken before the first call is posted.
    const origin = process.hrtime.bigint();
    const jobs: { pw: PoolWorker; job: Job }[] = [];
    const newJob = (pw: PoolWorker, actor: string, calls: Call[], wireCalls: WireCall[], start: SharedArrayBuffer | null): Job => {
      const job: Job = {
        id: ++this.jobSeq,
        actor,
        calls,
        barrier: start !== null,
        ready: deferred<void>(),
        done: deferred<void>(),
        settled: false,
        isReady: false,
        events: [],
      };
      jobs.push({ pw, job });
      pw.post(job, { t: "job", id: job.id, scenario: scenarioId, origin, handles: prepared.handles, calls: wireCalls, start });
      return job;
    };

    // Keep a little of the deadline for terminating stuck workers, so that run() settles within it.
    const margin = Math.min(25, deadlineMs / 10);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), Math.min(deadlineMs - margin, 2 ** 31 - 1));
    });
    const phase = (ps: Promise<unknown>[]): Promise<"ok" | "deadline"> =>
      Promise.race([Promise.all(ps).then(() => "ok" as const), deadline]);

    const startBuf = new SharedArrayBuffer(4);
    const startFlag = new Int32Array(startBuf);
    const actors = scenario.parallel
      .map((calls, i) => ({ i, calls }))
      .filter(({ calls }) => calls.length > 0);

    try {
      // 1. init (main worker) while the actors attach and gather at the start flag.
      const initJob =
        scenario.init.length > 0 ? newJob(pool.main, MAIN_ACTOR, scenario.init, prepared.init, null) : null;
      const actorJobs = actors.map(({ i, calls }) =>
        newJob(pool.actors[i], actorId(i), calls, prepared.parallel[i], startBuf),
      );
      let r = await phase([...(initJob ? [initJob.done.promise] : []), ...actorJobs.map((j) => j.ready.promise)]);
      if (r === "deadline") return await this.abandon(jobs, startFlag, scenario, origin);

      // 2. parallel part: release every actor at once.
      Atomics.store(startFlag, 0, START_GO);
      Atomics.notify(startFlag, 0);
      r = await phase(actorJobs.map((j) => j.done.promise));
      if (r === "deadline") return await this.abandon(jobs, startFlag, scenario, origin);

      // 3. post (main worker, objects still attached from init).
      if (scenario.post.length > 0) {
        const postJob = newJob(pool.main, MAIN_ACTOR, scenario.post, prepared.post, null);
        r = await phase([postJob.done.promise]);
        if (r === "deadline") return await this.abandon(jobs, startFlag, scenario, origin);
      }
      return { events: this.assemble(jobs.map((j) => j.job), null, scenario) };
    } catch (e) {
      // A worker crashed or misbehaved: send away or terminate everyone still busy, then report.
      await Promise.all(this.stopUnfinished(jobs, startFlag).map(({ pw }) => this.retire(pw, true)));
      throw e instanceof AdapterError ? e : new AdapterError(describeThrown(e));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The deadline passed. Actors still waiting at the start flag are sent away
   * (ABORT) and kept; every other unfinished job's worker is terminated and
   * replaced. The call each terminated worker had in progress is recorded as
   * pending; calls never started are left out.
   */
  private async abandon(
    jobs: { pw: PoolWorker; job: Job }[],
    startFlag: Int32Array,
    scenario: Scenario,
    origin: bigint,
  ): Promise<History> {
    // Calls still running now waited at least until here (the liveness rule's cut).
    const cutAt = Number(process.hrtime.bigint() - origin);
    const stuck = this.stopUnfinished(jobs, startFlag);
    // Drain before and after: queued events outlive a terminated worker, but take no chances.
    for (const { pw, job } of stuck) pw.drain(job);
    // Interrupt first: a worker blocked in an interruptible wait reports back and stays in the
    // pool; only the others are terminated and replaced (a new worker costs a module load).
    const back = this.interruptGraceMs > 0 ? await Promise.all(stuck.map(({ pw, job }) => pw.interrupt(job, this.interruptGraceMs))) : stuck.map(() => false);
    await Promise.all(stuck.filter((_, k) => !back[k]).map(({ pw }) => this.retire(pw, true)));
    const pending = new Map<Job, number>();
    for (const { pw, job } of stuck) {
      pw.drain(job);
      // The worker is gone or back from its interrupt, so the slot is final: the call it had started, if it did not report it.
      const started = Atomics.load(pw.slotIndex, SLOT_INDEX);
      if (started > job.events.length) {
        throw new AdapterError(`actor ${job.actor}: call ${started} was started but ${started - job.events.length} earlier events are missing`);
      }
      if (started === job.events.length && started < job.calls.length) {
        pending.set(job, pw.slotInvoke[SLOT_INVOKE]);
      }
    }
    return { events: this.assemble(jobs.map((j) => j.job), pending, scenario), cutAt };
  }

  /**
   * Give up on every unfinished job. If the actors were not released yet, flip
   * the start flag to ABORT: those already waiting at it wake up, skip their
   * calls and stay in the pool (their late "done" is ignored as stale). Returns
   * the jobs whose workers must be terminated.
   */
  private stopUnfinished(jobs: { pw: PoolWorker; job: Job }[], startFlag: Int32Array): { pw: PoolWorker; job: Job }[] {
    const released = Atomics.load(startFlag, 0) === START_GO;
    if (!released) {
      Atomics.store(startFlag, 0, START_ABORT);
      Atomics.notify(startFlag, 0);
    }
    const stuck: { pw: PoolWorker; job: Job }[] = [];
    for (const entry of jobs) {
      const { pw, job } = entry;
      if (job.settled) continue;
      job.settled = true;
      if (!released && job.barrier && job.isReady) {
        if (pw.job === job) pw.job = null;
        continue;
      }
      stuck.push(entry);
    }
    return stuck;
  }

  /** Events grouped per actor ("main" first, then a0, a1, ...), each in program order. */
  private assemble(jobs: Job[], pending: Map<Job, number> | null, scenario: Scenario): HistoryEvent[] {
    const byActor = new Map<string, HistoryEvent[]>();
    const order = [MAIN_ACTOR, ...scenario.parallel.map((_, i) => actorId(i))];
    for (const a of order) byActor.set(a, []);
    for (const job of jobs) {
      const out = byActor.get(job.actor)!;
      for (const [i, invoke, response, outcome] of job.events) {
        if (outcome === null) continue; // not made: on a handle never produced
        const call = job.calls[i];
        out.push({ actor: job.actor, object: call.object, op: call.op, args: call.args, invoke, response, outcome });
      }
      const at = pending?.get(job);
      if (at !== undefined) {
        const call = job.calls[job.events.length];
        out.push({ actor: job.actor, object: call.object, op: call.op, args: call.args, invoke: at, response: null, outcome: { kind: "pending" } });
      }
    }
    return order.flatMap((a) => byActor.get(a)!);
  }
}

/** Python callable -> spec primitive: the specs' profiles and a start message's table; else the callable's last name. */
export function primitiveByCallable(specs: readonly LoadedSpec[], callables: Readonly<Record<string, string>> = {}): (callable: string) => string {
  const table = new Map<string, string>(Object.entries(callables));
  for (const s of specs) for (const p of Object.values(s.doc.profiles)) if (typeof p.callable === "string") table.set(p.callable, s.primitive);
  return (callable) => table.get(callable) ?? callable.slice(callable.lastIndexOf(".") + 1);
}
