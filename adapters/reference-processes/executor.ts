/**
 * ProcessesExecutor: the reference implementation with every parallel actor a Node child
 * process. Child processes share no memory, so the objects stay in this process (the
 * reference's SharedArrayBuffer objects) and each actor's calls go through it as a broker, the
 * design Python's Manager uses (docs/design/processes.md §4):
 *
 *  - actor a<i> is a child process (actor-child.ts, forked by reference/processes/fork.ts) that
 *    holds the actor's program and makes its calls in order, each an IPC request to this
 *    process; it sleeps each call's pause before sending it (wire.ts);
 *  - this process performs a<i>'s calls on a worker thread of its own (the proxy thread: the
 *    reference-threads actor worker, ../reference-threads/actor-worker.ts, given one call per
 *    job), as a Manager's server serves each connection on its own thread: a call may block
 *    (Lock.acquire, Queue.get, Event.wait, Barrier.wait) and the event loop, which serves every
 *    child, must not; the thread's identity is the actor's (RLock and Condition owners);
 *  - the actor "main" (init, post) runs on a worker thread of this process as in ThreadsExecutor.
 *
 * Timestamps: the proxy thread stamps invoke just before performing the call and response just
 * after it (process.hrtime.bigint(), CLOCK_MONOTONIC, from the scenario's origin), as
 * ThreadsExecutor's workers do. The call's effect happens on the objects, in this process,
 * between the two, so they bracket it; the child's own view (request sent .. reply received)
 * holds this interval plus two IPC hops: as true, only looser (more overlap, a weaker check).
 *
 * Pools: the children and threads are started once and reused across scenarios (a child's start
 * with tsx's loader takes ~0.4 s; per scenario it would dominate a campaign). A child holds no
 * object state, only the program it is given. At the deadline, a child still in its program is
 * killed (SIGKILL) and replaced; its call in progress, if the proxy thread had started it, is
 * reported pending, the thread being interrupted (reference/threads/futex.ts) and kept, or
 * terminated and replaced if it does not report back. Calls never started are left out. No
 * orphan: close() kills every child; so does this process's exit; and a child whose parent is
 * gone (its IPC channel closed: even after a SIGKILL) exits by itself.
 *
 * Objects whose spec says `callers: threads` (Process) cannot be called from another process:
 * those primitives are not offered, and a run message whose calls say `actors: "threads"` is
 * refused.
 */
import type { ChildProcess } from "node:child_process";
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import type { LoadedSpec } from "../../conformance/spec/load.js";
import { resolveCalls, RunMessageError, type ResolvedCalls } from "../../conformance/adapter/protocol.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { MAIN_ACTOR, actorId } from "../../conformance/scenario/types.js";
import type { Construction, History, HistoryEvent } from "../../conformance/history/types.js";
import { AdapterError, type Adapter, type AdapterCapabilities, type ImplementationInfo } from "../../conformance/adapter/types.js";
import type { ImplementationModule, ObjectHandle } from "../../reference/implementation.js";
import { siblingUrl, spawnWorker } from "../../reference/spawn-worker.js";
import { forkModule } from "../../reference/processes/fork.js";
import {
  SLOT_BYTES,
  SLOT_INDEX,
  SLOT_INTERRUPT,
  SLOT_INVOKE,
  describeThrown,
  raisedOutcome,
  resolveImplementation,
  type FromWorker,
  type JobMessage,
  type WireCall,
  type WireEvent,
  type WorkerInit,
} from "../reference-threads/protocol.js";
import type { FromChild, ToChild } from "./wire.js";
import { primitiveByCallable } from "../reference-threads/executor.js";

export interface ProcessesExecutorOptions {
  /** URL of a module fitting ImplementationModule, imported on this thread and in each worker thread. */
  implementation: URL;
  info: ImplementationInfo;
  /** The spec documents: scenarios are made executable from them (resolveCalls), and say who may call what (`callers`). */
  specs: readonly LoadedSpec[];
  /** Bound on a child's or a worker thread's start-up; default 60 s. Not part of any scenario's deadline. */
  bootTimeoutMs?: number;
  /** How long a proxy thread interrupted at the deadline has to report back before it is terminated; default 150 ms. */
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

const withTimeout = <T>(p: Promise<T>, ms: number, what: () => string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AdapterError(what())), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

/** How a job on a worker thread ended: done (every call made) or interrupted (a deadline). */
interface JobEnd {
  interrupted: boolean;
}

interface ThreadJob {
  id: number;
  /** Calls in the job; `events` holds those completed, by index in the job. */
  size: number;
  events: WireEvent[];
  end: Deferred<JobEnd>;
  /** Done: every call made. Otherwise the thread's slot tells the call in progress when it stopped. */
  state: "running" | "done" | "interrupted" | "failed";
}

/**
 * A worker thread of this process running ../reference-threads/actor-worker.ts: it attaches the
 * scenario's objects from their handles and runs jobs (lists of calls), posting each completed
 * call's event on its events port at once.
 */
class ActorThread {
  readonly worker: Worker;
  readonly events: MessagePort;
  readonly slotIndex: Int32Array;
  readonly slotInvoke: Float64Array;
  readonly booted = deferred<void>();
  readonly exited = deferred<void>();
  threadId = -1;
  alive = true;
  /** Terminated on purpose (deadline, close): its exit is not a crash. */
  retiring = false;
  job: ThreadJob | null = null;
  private lastError: unknown = null;

  constructor(
    readonly role: string,
    implementation: URL,
    private readonly onGone: (t: ActorThread) => void,
    private readonly isClosed: () => boolean,
  ) {
    const slot = new SharedArrayBuffer(SLOT_BYTES);
    this.slotIndex = new Int32Array(slot);
    this.slotInvoke = new Float64Array(slot);
    const { port1, port2 } = new MessageChannel();
    this.events = port1;
    const data: WorkerInit = { implementation: implementation.href, slot, events: port2 };
    this.worker = spawnWorker(siblingUrl(import.meta.url, "../reference-threads/actor-worker"), {
      workerData: data,
      transferList: [port2],
      name: `mpspec-proxy-${role}`,
    });
    // An idle pool must not keep the process alive; a running scenario holds its deadline timer.
    this.worker.unref();
    this.worker.on("message", (m: FromWorker) => this.onMessage(m));
    this.worker.on("error", (e) => (this.lastError = e));
    this.worker.on("messageerror", (e) => (this.lastError = e));
    this.worker.on("exit", (code) => this.onExit(code));
  }

  private onMessage(m: FromWorker): void {
    if (m.t === "booted") {
      this.threadId = m.threadId;
      this.booted.resolve();
      return;
    }
    if (m.t === "boot-failed") {
      this.lastError = `could not load the implementation: ${m.error}`;
      this.booted.reject(new AdapterError(`worker thread ${this.role}: could not load the implementation: ${m.error}`));
      return;
    }
    const job = this.job;
    if (job === null || job.id !== m.id) return;
    if (m.t === "ready") return; // jobs here have no start flag
    this.drain(job);
    this.job = null;
    if (m.t === "failed") {
      job.state = "failed";
      job.end.reject(new AdapterError(`worker thread ${this.role}: ${m.error}`));
    } else if (m.t === "done" && job.events.length !== job.size) {
      job.state = "failed";
      job.end.reject(new AdapterError(`worker thread ${this.role} reported ${job.events.length} events for ${job.size} calls`));
    } else {
      job.state = m.t === "done" ? "done" : "interrupted";
      job.end.resolve({ interrupted: m.t === "interrupted" });
    }
  }

  private onExit(code: number): void {
    this.alive = false;
    const why = this.retiring
      ? this.isClosed()
        ? "the executor was closed"
        : "it was terminated"
      : `it exited with code ${code}${this.lastError === null ? "" : `: ${describeThrown(this.lastError)}`}`;
    const err = new AdapterError(`worker thread ${this.role} (thread ${this.threadId}) is gone: ${why}`);
    this.booted.reject(err);
    const job = this.job;
    if (job !== null) {
      this.drain(job); // queued events outlive the thread
      this.job = null;
      job.state = "failed";
      job.end.reject(err);
    }
    this.exited.resolve();
    this.onGone(this);
  }

  /** Move the events posted so far into the job (synchronously). */
  drain(job: ThreadJob): void {
    for (;;) {
      const r = receiveMessageOnPort(this.events);
      if (r === undefined) return;
      job.events.push(r.message as WireEvent);
    }
  }

  /** Post a job; `end` settles when the thread reports it done or interrupted, or is gone. */
  run(msg: JobMessage): ThreadJob {
    if (!this.alive) throw new AdapterError(`worker thread ${this.role} is gone`);
    if (this.job !== null) throw new AdapterError(`worker thread ${this.role} is busy with job ${this.job.id}`);
    // Nothing started yet: a stale index from the previous job must not look like a call in progress.
    Atomics.store(this.slotIndex, SLOT_INDEX, -1);
    Atomics.store(this.slotIndex, SLOT_INTERRUPT, 0);
    const job: ThreadJob = { id: msg.id, size: msg.calls.length, events: [], end: deferred<JobEnd>(), state: "running" };
    this.job = job;
    this.worker.postMessage(msg);
    return job;
  }

  /**
   * Ask the thread to give up on its job: the reference's waits throw and it reports back.
   * Resolves false if it does not within `graceMs` (then the caller terminates it).
   */
  interrupt(graceMs: number): Promise<boolean> {
    const job = this.job;
    if (job === null) return Promise.resolve(this.alive);
    Atomics.store(this.slotIndex, SLOT_INTERRUPT, 1);
    Atomics.notify(this.slotIndex, SLOT_INTERRUPT);
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      job.end.promise.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]).finally(() => clearTimeout(timer));
  }

  async terminate(): Promise<void> {
    this.retiring = true;
    if (this.alive) await this.worker.terminate();
    await this.exited.promise;
  }
}

/** Every actor child of every executor in this process, killed if the process exits (no orphan). */
const liveChildren = new Set<ChildProcess>();
let exitHook = false;

/** How long a killed child has to be reported gone (SIGKILL cannot be ignored: milliseconds). */
const KILL_WAIT_MS = 5_000;

/** A pooled actor child process (actor-child.ts). */
class ActorChild {
  readonly proc: ChildProcess;
  readonly booted = deferred<void>();
  readonly exited = deferred<void>();
  /** The pid the child reported itself (checked against the handle's). */
  pid = -1;
  alive = true;
  retiring = false;
  /** The running scenario's listener, if this child is in one. */
  listener: { onMessage: (m: FromChild) => void; onExit: (err: AdapterError) => void } | null = null;

  constructor(
    readonly role: string,
    private readonly onGone: (c: ActorChild) => void,
    private readonly isClosed: () => boolean,
  ) {
    // stdio ignored: the child writes nothing; everything it says goes over the IPC channel.
    this.proc = forkModule(siblingUrl(import.meta.url, "./actor-child"), [], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
    liveChildren.add(this.proc);
    if (!exitHook) {
      exitHook = true;
      process.once("exit", () => liveChildren.forEach((c) => c.kill("SIGKILL")));
    }
    // An idle pool must not keep the process alive (neither the process handle nor its channel).
    this.proc.unref();
    (this.proc.channel as { unref?: () => void } | null | undefined)?.unref?.();
    this.proc.on("message", (m: FromChild) => this.onMessage(m));
    this.proc.on("error", (e) => {
      this.booted.reject(new AdapterError(`actor child ${role}: ${e.message}`));
      // Never started: there may be no exit event to wait for.
      if (this.proc.pid === undefined) this.onExit(null, null);
    });
    this.proc.once("exit", (code, signal) => this.onExit(code, signal));
  }

  private onMessage(m: FromChild): void {
    if (m.t === "booted") {
      this.pid = m.pid;
      if (m.pid !== this.proc.pid) this.booted.reject(new AdapterError(`actor child ${this.role} says it is pid ${m.pid}, its handle says ${this.proc.pid}`));
      else this.booted.resolve();
      return;
    }
    this.listener?.onMessage(m);
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.alive) return;
    this.alive = false;
    liveChildren.delete(this.proc);
    const why = this.retiring ? (this.isClosed() ? "the executor was closed" : "it was killed") : `it exited (${signal ?? `code ${code}`})`;
    const err = new AdapterError(`actor child ${this.role} (pid ${this.proc.pid}) is gone: ${why}`);
    this.booted.reject(err);
    const l = this.listener;
    this.listener = null;
    l?.onExit(err);
    this.exited.resolve();
    this.onGone(this);
  }

  send(m: ToChild): void {
    if (!this.alive || !this.proc.connected) throw new AdapterError(`actor child ${this.role} (pid ${this.proc.pid}) is gone`);
    // A failed send shows as the child's exit (or, on the next scenario, as a gone child).
    this.proc.send(m, undefined, undefined, () => undefined);
  }

  /** SIGKILL, and wait (bounded) until it is reported gone. */
  async kill(): Promise<void> {
    this.retiring = true;
    if (this.alive) this.proc.kill("SIGKILL");
    await withTimeout(this.exited.promise, KILL_WAIT_MS, () => `actor child ${this.role} (pid ${this.proc.pid}) not gone ${KILL_WAIT_MS} ms after SIGKILL`);
  }
}

interface Prepared {
  handles: ObjectHandle[];
  init: WireCall[];
  parallel: WireCall[][];
  post: WireCall[];
}

/** A part of main's program (init or post) as one job on the main thread. */
interface MainPart {
  calls: Call[];
  thread: ActorThread;
  job: ThreadJob;
}

/** One parallel actor in one scenario. */
interface ActorRun {
  actor: string;
  calls: Call[];
  wire: WireCall[];
  child: ActorChild;
  thread: ActorThread;
  /** Completed calls, in program order (index = call index). */
  events: WireEvent[];
  /** The job performing the child's current request, if any. */
  inCall: ThreadJob | null;
  ready: Deferred<void>;
  done: Deferred<void>;
}

interface ScenarioRun {
  id: number;
  origin: bigint;
  handles: ObjectHandle[];
  /** The deadline passed or the scenario failed: later messages and job ends are ignored. */
  over: boolean;
  /** The actors were sent "go". */
  released: boolean;
  main: MainPart[];
  actors: ActorRun[];
  /** The pid of the child process that made each actor's calls. */
  pids: Record<string, number>;
}

const INTERRUPT_GRACE_MS = 150;

export class ProcessesExecutor implements Adapter {
  readonly info: ImplementationInfo;
  readonly capabilities: AdapterCapabilities;
  readonly actorKind = "processes" as const;
  private readonly implementationUrl: URL;
  private readonly specs: readonly LoadedSpec[];
  private readonly primitiveOf: (callable: string) => string;
  private readonly bootTimeoutMs: number;
  private readonly interruptGraceMs: number;

  private mainThread: ActorThread | null = null;
  private proxyThreads: (ActorThread | null)[] = [];
  private children: (ActorChild | null)[] = [];
  private readonly liveThreads = new Set<ActorThread>();
  private readonly liveChildren = new Set<ActorChild>();
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private scenarioSeq = 0;
  private jobSeq = 0;
  private lastPids: Record<string, number> = {};

  /** Import the implementation module, then start the main actor's worker thread. */
  static async start(options: ProcessesExecutorOptions): Promise<ProcessesExecutor> {
    let impl: ImplementationModule;
    try {
      impl = resolveImplementation(await import(options.implementation.href), options.implementation.href);
    } catch (e) {
      throw new AdapterError(`could not load the implementation ${options.implementation.href}: ${describeThrown(e)}`);
    }
    const ex = new ProcessesExecutor(options, impl);
    try {
      await ex.ensurePool(0);
    } catch (e) {
      await ex.close();
      throw e;
    }
    return ex;
  }

  constructor(
    options: ProcessesExecutorOptions,
    private readonly impl: ImplementationModule,
  ) {
    this.info = options.info;
    this.implementationUrl = options.implementation;
    this.specs = options.specs;
    this.primitiveOf = primitiveByCallable(options.specs);
    this.bootTimeoutMs = options.bootTimeoutMs ?? 60_000;
    this.interruptGraceMs = options.interruptGraceMs ?? INTERRUPT_GRACE_MS;
    // Objects that only threads of their creating process may call (Process) cannot be offered.
    const threadsOnly = new Set(options.specs.filter((s) => s.doc.callers === "threads").map((s) => s.primitive));
    this.capabilities = {
      primitives: impl.primitives.filter((p) => !threadsOnly.has(p)),
      profiles: [...impl.profiles],
      actorKinds: ["processes"],
    };
  }

  /** Child processes and worker threads started and not yet exited. */
  get live(): { children: number; threads: number } {
    return { children: this.liveChildren.size, threads: this.liveThreads.size };
  }

  /** Pids of the pooled actor children (null: none at that index; -1: booting). */
  get childPids(): (number | null)[] {
    return this.children.map((c) => (c === null ? null : c.pid));
  }

  /** For the last scenario run: the pid of the child process whose requests made each parallel actor's calls. */
  get actorPids(): Record<string, number> {
    return { ...this.lastPids };
  }

  /** Start children and threads ahead of time for scenarios with up to `actors` parallel actors. */
  async warm(actors: number): Promise<void> {
    if (this.closed) throw new AdapterError("ProcessesExecutor is closed");
    await this.ensurePool(actors);
  }

  /** Run a scenario, made executable from the spec documents as the run message is. */
  run(scenario: Scenario, deadlineMs: number): Promise<History> {
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
    // Scoped to this executor: others in this thread (a campaign's lanes) keep their children.
    const result = this.queue.then(() => this.runNow(scenario, calls, deadlineMs).finally(() => this.impl.end?.(this)));
    this.queue = result.catch(() => {});
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...[...this.liveChildren].map((c) => c.kill()), ...[...this.liveThreads].map((t) => t.terminate())]);
    await this.impl.end?.(this);
    this.mainThread = null;
    this.proxyThreads = [];
    this.children = [];
  }

  // --- pools ------------------------------------------------------------------

  private spawnThread(role: string): ActorThread {
    const t = new ActorThread(role, this.implementationUrl, (gone) => this.threadGone(gone), () => this.closed);
    this.liveThreads.add(t);
    return t;
  }

  private spawnChild(role: string): ActorChild {
    const c = new ActorChild(role, (gone) => this.childGone(gone), () => this.closed);
    this.liveChildren.add(c);
    return c;
  }

  private threadGone(t: ActorThread): void {
    this.liveThreads.delete(t);
    if (this.mainThread === t) this.mainThread = null;
    const i = this.proxyThreads.indexOf(t);
    if (i >= 0) this.proxyThreads[i] = null;
  }

  private childGone(c: ActorChild): void {
    this.liveChildren.delete(c);
    const i = this.children.indexOf(c);
    if (i >= 0) this.children[i] = null;
  }

  /** Take a thread out of the pool and terminate it; with `replace`, its replacement starts booting at once. */
  private retireThread(t: ActorThread, replace: boolean): Promise<void> {
    const fresh = (role: string) => (replace && !this.closed ? this.spawnThread(role) : null);
    if (this.mainThread === t) this.mainThread = fresh(MAIN_ACTOR);
    const i = this.proxyThreads.indexOf(t);
    if (i >= 0) this.proxyThreads[i] = fresh(actorId(i));
    return t.terminate();
  }

  /** Take a child out of the pool and kill it; with `replace`, its replacement starts at once. */
  private retireChild(c: ActorChild, replace: boolean): Promise<void> {
    const i = this.children.indexOf(c);
    if (i >= 0) this.children[i] = replace && !this.closed ? this.spawnChild(actorId(i)) : null;
    return c.kill();
  }

  private async ensurePool(actors: number): Promise<{ main: ActorThread; threads: ActorThread[]; children: ActorChild[] }> {
    if (this.mainThread === null || !this.mainThread.alive) this.mainThread = this.spawnThread(MAIN_ACTOR);
    for (let i = 0; i < actors; i++) {
      const t = this.proxyThreads[i];
      if (t === undefined || t === null || !t.alive) this.proxyThreads[i] = this.spawnThread(actorId(i));
      const c = this.children[i];
      if (c === undefined || c === null || !c.alive) this.children[i] = this.spawnChild(actorId(i));
    }
    const main = this.mainThread;
    const threads = this.proxyThreads.slice(0, actors) as ActorThread[];
    const children = this.children.slice(0, actors) as ActorChild[];
    try {
      await withTimeout(
        Promise.all([main, ...threads, ...children].map((x) => x.booted.promise)),
        this.bootTimeoutMs,
        () => `actor threads and child processes did not start within ${this.bootTimeoutMs} ms`,
      );
    } catch (e) {
      // One that cannot boot is useless: end it; the next attempt starts afresh.
      await Promise.all([
        ...[main, ...threads].filter((t) => t.threadId < 0 || !t.alive).map((t) => this.retireThread(t, false)),
        ...children.filter((c) => c.pid < 0 || !c.alive).map((c) => this.retireChild(c, false)),
      ]);
      throw e instanceof AdapterError ? e : new AdapterError(describeThrown(e));
    }
    return { main, threads, children };
  }

  // --- one scenario (object creation as in ThreadsExecutor) -------------------

  /** A run message's `{"$new": "<callable>", "argv": [...]}` as create() takes it: `{"$new": "<primitive>", ...}`. */
  private constructed(v: JsonValue): JsonValue {
    if (Array.isArray(v)) return v.map((x) => this.constructed(x));
    if (v === null || typeof v !== "object" || !("$new" in v)) return v;
    const { $new: callable, argv, ...rest } = v as { $new: unknown; argv?: unknown };
    if (typeof callable !== "string" || !Array.isArray(argv) || Object.keys(rest).length > 0) {
      throw new AdapterError(`${JSON.stringify(v)} is not a $new value of the run message: expected {"$new": "<callable>", "argv": [...]}`);
    }
    const primitive = this.primitiveOf(callable);
    if (!this.capabilities.primitives.includes(primitive)) throw new AdapterError(`${JSON.stringify(v)}: primitive ${primitive} is not offered`);
    return { $new: primitive, argv: (argv as JsonValue[]).map((x) => this.constructed(x)) };
  }

  /** A run message's `{"$object": k}` as create() takes it: `{"$object": <handle of object k>}` (k before `owner`). */
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
   * A call with each `{"$object": k}` in its arguments (a Lock given to a Pipe connection's
   * send()) replaced by `{"$object": <handle of object k>}`, any object of the scenario. Done in
   * this process, where the objects are, just before the call is performed: a child's program
   * keeps the run message's indexes (a handle's SharedArrayBuffers cannot cross to a process).
   */
  private referencedCall(c: WireCall, handles: readonly ObjectHandle[], owner: string): WireCall {
    return { ...c, argv: c.argv.map((v) => this.referenced(v, handles, owner, "an object")) };
  }

  /** What this adapter cannot run is said before anything else (the spec's view comes after). */
  private checkSupported(scenario: Scenario): void {
    if (!this.capabilities.profiles.includes(scenario.profile)) {
      throw new AdapterError(`profile ${JSON.stringify(scenario.profile)} is not implemented (${this.capabilities.profiles.join(", ")})`);
    }
    for (const decl of scenario.objects) {
      if (!this.capabilities.primitives.includes(decl.primitive)) {
        throw new AdapterError(
          this.impl.primitives.includes(decl.primitive)
            ? `primitive ${decl.primitive} is not offered: only threads of the process that created it may call it (callers: threads), and this adapter's actors are child processes`
            : `primitive ${decl.primitive} is not implemented`,
        );
      }
    }
  }

  private prepare(scenario: Scenario, calls: ResolvedCalls): Prepared | { refused: History } {
    this.checkSupported(scenario);
    if (calls.actors === "threads") throw new AdapterError(`the run's calls say actors: "threads"; this adapter's actors are child processes`);
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
    const owner = (part: readonly Call[], i: number) => (part[i] ? `${part[i]!.object}.${part[i]!.op}()` : `call ${i}`);
    // Every `{"$object": k}` of a call is checked now, before any call is made; main's are
    // resolved here, the actors' when the child asks for the call (onChildMessage).
    calls.parallel.forEach((part, a) => part.forEach((c, i) => this.referencedCall(c, handles, owner(scenario.parallel[a]!, i))));
    return {
      handles,
      init: calls.init.map((c, i) => this.referencedCall(c, handles, owner(scenario.init, i))),
      parallel: calls.parallel,
      post: calls.post.map((c, i) => this.referencedCall(c, handles, owner(scenario.post, i))),
    };
  }

  private job(run: ScenarioRun, thread: ActorThread, calls: WireCall[]): ThreadJob {
    return thread.run({ t: "job", id: ++this.jobSeq, scenario: run.id, origin: run.origin, handles: run.handles, calls, start: null });
  }

  /** A main part (init, post) as one job; resolves once every call is made. */
  private mainPart(run: ScenarioRun, thread: ActorThread, calls: Call[], wire: WireCall[]): Promise<void> {
    const part: MainPart = { calls, thread, job: this.job(run, thread, wire) };
    run.main.push(part);
    return part.job.end.promise.then((end) => {
      if (end.interrupted && !run.over) throw new AdapterError(`worker thread ${MAIN_ACTOR} was interrupted outside a deadline`);
    });
  }

  /** A child's message during the scenario: its readiness, or the request for its next call. */
  private onChildMessage(run: ScenarioRun, a: ActorRun, m: FromChild): void {
    if (run.over || !("scenario" in m) || m.scenario !== run.id) return; // late (the scenario was given up on)
    const fail = (why: string) => {
      const err = new AdapterError(`actor ${a.actor} (pid ${a.child.pid}): ${why}`);
      a.ready.reject(err);
      a.done.reject(err);
    };
    if (m.t === "ready") return a.ready.resolve();
    if (m.t === "failed") return fail(m.error);
    if (m.t !== "call") return;
    const i = m.i;
    if (!run.released || a.inCall !== null || i !== a.events.length || i >= a.calls.length) {
      return fail(`request for call ${i} out of turn (${a.events.length} of ${a.calls.length} done${a.inCall ? ", one in progress" : ""})`);
    }
    // The call the child asks for is the one performed, as a Manager serves its proxy's request.
    const { pause: _pause, ...call } = m.call;
    let job: ThreadJob;
    try {
      job = this.job(run, a.thread, [this.referencedCall(call, run.handles, `${a.calls[i]!.object}.${a.calls[i]!.op}()`)]);
    } catch (e) {
      return fail(describeThrown(e));
    }
    a.inCall = job;
    job.end.promise.then(
      (end) => {
        if (run.over) return; // the deadline's abandon() reads the job itself
        a.inCall = null;
        const ev = job.events[0];
        if (end.interrupted || ev === undefined) return fail(`call ${i} was interrupted outside a deadline`);
        if (ev[3] === null) return fail(`call ${i}: a call on a handle is made in the actor's own process, not relayed`);
        a.events.push([i, ev[1], ev[2], ev[3]]);
        try {
          a.child.send({ t: "reply", scenario: run.id, i, outcome: ev[3] });
        } catch (e) {
          return fail(describeThrown(e));
        }
        if (a.events.length === a.calls.length) a.done.resolve();
      },
      (e) => {
        if (!run.over) fail(e instanceof Error ? e.message : String(e));
      },
    );
  }

  private async runNow(scenario: Scenario, calls: ResolvedCalls, deadlineMs: number): Promise<History> {
    if (this.closed) throw new AdapterError("ProcessesExecutor is closed");
    if (!(deadlineMs > 0)) throw new AdapterError(`deadline must be positive, got ${deadlineMs}`);
    const prepared = this.prepare(scenario, calls);
    if ("refused" in prepared) return prepared.refused;
    const pool = await this.ensurePool(scenario.parallel.length);
    if (this.closed) throw new AdapterError("ProcessesExecutor is closed");

    // The origin of every timestamp: taken before anything of the scenario is sent.
    const run: ScenarioRun = { id: ++this.scenarioSeq, origin: process.hrtime.bigint(), handles: prepared.handles, over: false, released: false, main: [], actors: [], pids: {} };
    this.lastPids = run.pids;

    // Keep a little of the deadline for interrupting and killing, so that run() settles within it.
    const margin = Math.min(25, deadlineMs / 10);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), Math.min(deadlineMs - margin, 2 ** 31 - 1));
    });
    const phase = (ps: Promise<unknown>[]): Promise<"ok" | "deadline"> => Promise.race([Promise.all(ps).then(() => "ok" as const), deadline]);

    try {
      // 1. init (main thread) while each actor's child receives its program and reports ready.
      const init = scenario.init.length > 0 ? this.mainPart(run, pool.main, scenario.init, prepared.init) : Promise.resolve();
      scenario.parallel.forEach((programCalls, i) => {
        if (programCalls.length === 0) return;
        const a: ActorRun = {
          actor: actorId(i),
          calls: programCalls,
          wire: prepared.parallel[i]!,
          child: pool.children[i]!,
          thread: pool.threads[i]!,
          events: [],
          inCall: null,
          ready: deferred<void>(),
          done: deferred<void>(),
        };
        run.actors.push(a);
        run.pids[a.actor] = a.child.proc.pid!;
        a.child.listener = {
          onMessage: (m) => this.onChildMessage(run, a, m),
          onExit: (err) => {
            if (run.over) return;
            a.ready.reject(err);
            a.done.reject(err);
          },
        };
        a.child.send({ t: "program", scenario: run.id, calls: a.wire });
      });
      let r = await phase([init, ...run.actors.map((a) => a.ready.promise)]);
      if (r === "deadline") return await this.abandon(run, scenario);

      // 2. parallel part: release every child; each makes its calls through this process.
      run.released = true;
      for (const a of run.actors) a.child.send({ t: "go", scenario: run.id });
      r = await phase(run.actors.map((a) => a.done.promise));
      if (r === "deadline") return await this.abandon(run, scenario);

      // 3. post (main thread, objects still attached from init).
      if (scenario.post.length > 0) {
        r = await phase([this.mainPart(run, pool.main, scenario.post, prepared.post)]);
        if (r === "deadline") return await this.abandon(run, scenario);
      }
      run.over = true;
      return { events: this.assemble(run, scenario, null) };
    } catch (e) {
      // A child or a thread crashed or misbehaved: end everyone still busy, then report.
      run.over = true;
      await this.stopUnfinished(run, false);
      throw e instanceof AdapterError ? e : new AdapterError(describeThrown(e));
    } finally {
      clearTimeout(timer);
      for (const a of run.actors) a.child.listener = null;
    }
  }

  /**
   * End what is unfinished: an actor not yet released is told to drop its program (its child is
   * kept); a released one still in its program has its child killed and replaced. A thread still
   * in a job is interrupted (kept if it reports back within the grace; `interrupt` false:
   * terminated at once) or terminated and replaced.
   */
  private async stopUnfinished(run: ScenarioRun, interrupt: boolean): Promise<void> {
    const kills: Promise<void>[] = [];
    for (const a of run.actors) {
      if (a.events.length === a.calls.length) continue;
      a.child.listener = null;
      if (!run.released && a.child.alive) {
        try {
          a.child.send({ t: "abort", scenario: run.id });
          continue;
        } catch {
          // gone: replaced below
        }
      }
      kills.push(this.retireChild(a.child, true));
    }
    const busy = [...run.main.map((p) => [p.thread, p.job] as const), ...run.actors.map((a) => [a.thread, a.inCall] as const)]
      .filter(([t, job]) => job !== null && t.job === job)
      .map(([t]) => t);
    const back = await Promise.all(busy.map((t) => (interrupt && this.interruptGraceMs > 0 ? t.interrupt(this.interruptGraceMs) : Promise.resolve(false))));
    await Promise.all([...kills, ...busy.filter((_, k) => !back[k]).map((t) => this.retireThread(t, true))]);
  }

  /**
   * The deadline passed: stop what is unfinished (stopUnfinished), then report the calls that
   * were in progress on a thread as pending; calls never started are left out.
   */
  private async abandon(run: ScenarioRun, scenario: Scenario): Promise<History> {
    // Calls still running now waited at least until here (the liveness rule's cut).
    const cutAt = Number(process.hrtime.bigint() - run.origin);
    run.over = true;
    await this.stopUnfinished(run, true);
    const pending = new Map<string, number>();
    const settle = (job: ThreadJob, thread: ActorThread, actor: string): void => {
      thread.drain(job);
      // A job not done is its thread's last: the thread is back from its interrupt or gone, so its
      // slot is final and tells the call it had started, if it did not report it.
      if (job.state === "done") return;
      const started = Atomics.load(thread.slotIndex, SLOT_INDEX);
      if (started > job.events.length) throw new AdapterError(`actor ${actor}: call ${started} was started but ${started - job.events.length} earlier events are missing`);
      if (started === job.events.length && started < job.size) pending.set(actor, thread.slotInvoke[SLOT_INVOKE]);
    };
    for (const p of run.main) settle(p.job, p.thread, MAIN_ACTOR);
    for (const a of run.actors) {
      const job = a.inCall;
      if (job === null) continue;
      settle(job, a.thread, a.actor);
      // Completed between the deadline and the interrupt: its effect and result are known (the child never saw the reply).
      const ev = job.events[0];
      if (ev !== undefined) a.events.push([a.events.length, ev[1], ev[2], ev[3]]);
    }
    return { events: this.assemble(run, scenario, pending), cutAt };
  }

  /** Events grouped per actor ("main" first, then a0, a1, ...), each in program order, pending calls last. */
  private assemble(run: ScenarioRun, scenario: Scenario, pending: Map<string, number> | null): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    const push = (actor: string, call: Call, invoke: number, response: number | null, outcome: HistoryEvent["outcome"]) =>
      out.push({ actor, object: call.object, op: call.op, args: call.args, invoke, response, outcome });
    let done = 0;
    for (const p of run.main) {
      // An event with no outcome is a call not made (on a handle never produced).
      for (const [i, invoke, response, outcome] of p.job.events) if (outcome !== null) push(MAIN_ACTOR, p.calls[i]!, invoke, response, outcome);
      done += p.job.events.length;
    }
    const mainCalls = [...scenario.init, ...scenario.post];
    const mainAt = pending?.get(MAIN_ACTOR);
    // Main's calls so far are init's, then post's: the pending one is the next in that order.
    if (mainAt !== undefined) push(MAIN_ACTOR, mainCalls[done]!, mainAt, null, { kind: "pending" });
    for (const a of run.actors) {
      for (const [i, invoke, response, outcome] of a.events) if (outcome !== null) push(a.actor, a.calls[i]!, invoke, response, outcome);
      const at = pending?.get(a.actor);
      if (at !== undefined) push(a.actor, a.calls[a.events.length]!, at, null, { kind: "pending" });
    }
    return out;
  }
}
