/**
 * Process (multiprocessing.Process) on node:child_process: the target, a worker callable of
 * spec/callables.yaml, runs in a child Node process (run-target.ts) that exits with Python's
 * exit code; exitcode is `code ?? -signal` (pythonExitcode), terminate() sends SIGTERM, kill()
 * SIGKILL.
 *
 * The thread that constructs a Process owns its child (Node threads cannot share a ChildProcess):
 * its event loop serves start/terminate/kill requests that other threads post through shared
 * words, and records the child's end there, so that join() in any thread is an Atomics.wait
 * and exitcode a load (docs/design/processes.md). The owner must keep its event loop running
 * (the executor's main thread does); on the owner thread itself use joinAsync().
 *
 * A target that calls other objects of the scenario (set_event) names them `{"$object": <handle>}`
 * (the executor resolves the run message's index to the handle): the Process keeps that JSON, so
 * handle()/attach() carry it across threads, and its owner serves the child's calls on them as a
 * broker (./broker.ts).
 *
 * Every child still running when its owner calls `endChildren()`, or exits, is killed: no orphan.
 */
import type { ChildProcess } from "node:child_process";
import { threadId } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import { checkCallable, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { siblingUrl } from "../spawn-worker.js";
import { blockAsync, blockSync, deadlineOf, done, lockMutex, sharedWords, sleepOn, unlockMutex, waitWord, type Blocking, type Step } from "../threads/futex.js";
import type { Factory } from "../threads/factory.js";
import { checkHandle, checkProfile, sharedBuffer, type PrimitiveOptions, type Profile } from "../threads/profile.js";
import { forkModule, pythonExitcode } from "./fork.js";
import { brokered, serveBroker } from "./broker.js";

const STATE = 0; // INITIAL, STARTED, EXITED, CLOSED
const PID = 1;
const CODE = 2; // the exit code, once EXITED
const LOCK = 3; // serializes the calls that change the state (futex mutex)
const REQ = 4; // what the owner is asked: START, or a signal number
const REQ_SEQ = 5; // bumped by a requester
const ACK_SEQ = 6; // set to REQ_SEQ by the owner once done
const SLEEPERS = 7;
const DAEMON = 8; // the daemon flag, 0 or 1
const WORDS = 9;

const INITIAL = 0;
const STARTED = 1;
const EXITED = 2;
const CLOSED = 3;
const START = -1;

const closedError = () => new PythonError("ValueError", "process object is closed");
const atomics = Atomics as typeof Atomics & {
  waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: false; value: string } | { async: true; value: Promise<string> };
};

/** Children started by this thread's processes and not yet ended, with the scope of the object that started each. */
/** A child process, or what stands for one (a ThreadPool's worker thread, ./task-memory.ts). */
export interface OwnedChild {
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): boolean;
  once(event: "exit", listener: () => void): unknown;
}

const children = new Map<OwnedChild, object | undefined>();
/** This thread's processes whose requests it still serves: each stops serving when told (by scope). */
const serving = new Map<() => void, object | undefined>();
let exitHook = false;
let currentScope: object | undefined;

/** Objects made on this thread from now on belong to `scope` (an executor's scenario): endProcesses(scope) ends what they start. */
export function enterScope(scope: object | undefined): void {
  currentScope = scope;
}

/**
 * A requester's side of an owner's request loop: bump the request word at `reqSeq` and wait until
 * the owner has set `ackSeq` to it. The owner sleeps in a waitAsync without timeout, so the request
 * is notified again each slice: a lost notify must not leave it asleep (futex.ts UNBOUNDED_SLICE_MS).
 */
export function postAndAwaitOwner(w: Int32Array, reqSeq: number, ackSeq: number): void {
  const seq = Atomics.add(w, reqSeq, 1) + 1;
  Atomics.notify(w, reqSeq);
  while (Atomics.load(w, ackSeq) < seq) {
    waitWord(w, ackSeq, Atomics.load(w, ackSeq), 1000);
    if (Atomics.load(w, ackSeq) < seq) Atomics.notify(w, reqSeq);
  }
}

/** The scope an object made now belongs to (it keeps it: its children start later). */
export function scopeNow(): object | undefined {
  return currentScope;
}

/** A child this thread started for a primitive (a Process, a Pool's worker) of `scope`: endProcesses() ends it, and so does this process's exit. */
export function ownChild(child: OwnedChild, scope: object | undefined): void {
  children.set(child, scope);
  child.once("exit", () => children.delete(child));
  if (!exitHook) {
    exitHook = true;
    // No orphan if the owner's process ends without endProcesses().
    process.once("exit", () => children.forEach((_, c) => c.kill("SIGKILL")));
  }
}

/** Register how to stop serving the requests of an object of `scope` (endProcesses() calls it); returns the unregistering function. */
export function servingUntilEnd(stop: () => void, scope: object | undefined): () => void {
  serving.set(stop, scope);
  return () => serving.delete(stop);
}

/**
 * End what this thread's Process objects started: stop serving their requests, kill every child
 * still running and wait until they are gone. An executor calls it after each scenario.
 */
export async function endProcesses(scope?: object): Promise<void> {
  const mine = (s: object | undefined) => scope === undefined || s === scope;
  for (const [stop, s] of [...serving]) if (mine(s)) stop();
  const live = [...children].filter(([, s]) => mine(s)).map(([c]) => c);
  await Promise.all(
    live.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once("exit", () => resolve());
          c.kill("SIGKILL");
        }),
    ),
  );
}

export interface ProcessOptions extends PrimitiveOptions {
  /** The worker callable run in the child: `{"$callable": ...}`. */
  target?: JsonValue;
  /** Its positional arguments. */
  args?: JsonValue[];
  /**
   * Whether the child runs Python's exit functions after its target (a queue it put on has its
   * feeder joined, so the child ends only once its items are in the pipe). Default true; false
   * only for a broken variant (conformance/tests/broken/unflushed-exit-process.ts).
   */
  exitFunctions?: boolean;
}

export class Process implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;
  readonly #target: JsonValue;
  readonly #args: JsonValue[];
  readonly #owner: number;
  readonly #exitFunctions: boolean;

  /** @param shared internal: an existing process's words and owner (see `Process.attach`). */
  constructor(options: ProcessOptions = {}, shared?: { words: Int32Array; owner: number }) {
    this.profile = checkProfile(options.profile);
    if (this.profile !== "multiprocessing") throw new TypeError("Process exists in the multiprocessing profile only");
    this.#target = options.target === undefined || options.target === null ? { $callable: "noop" } : checkCallable(options.target);
    brokered(this.#target as CallableValue); // its `$object` values are handles, or it is refused now rather than at start()
    this.#args = options.args ?? [];
    if (!Array.isArray(this.#args)) throw new PythonError("TypeError", "args must be a list");
    this.#words = shared?.words ?? sharedWords(WORDS);
    this.#owner = shared?.owner ?? threadId;
    this.#exitFunctions = options.exitFunctions ?? true;
    if (!shared) void this.#serve();
  }

  static attach(handle: ObjectHandle): Process {
    const profile = checkHandle(handle, "Process");
    return new Process({ profile, target: handle.target as JsonValue, args: handle.args as JsonValue[] }, { words: new Int32Array(sharedBuffer(handle, "state")), owner: handle.owner as number });
  }

  handle(): ObjectHandle {
    return { primitive: "Process", profile: this.profile, state: this.#words.buffer, target: this.#target, args: this.#args, owner: this.#owner };
  }

  get #onOwner(): boolean {
    return threadId === this.#owner;
  }

  /**
   * The owner's side: serve requests until the process has ended or is closed (no request comes
   * then: start() and the signals look at the state first), or endProcesses() stops it.
   */
  async #serve(): Promise<void> {
    const w = this.#words;
    let acked = 0;
    let stopped = false;
    const stop = () => {
      stopped = true;
      Atomics.notify(w, REQ_SEQ);
    };
    serving.set(stop, this.#scope);
    try {
      for (;;) {
        const seq = Atomics.load(w, REQ_SEQ);
        if (seq !== acked) {
          this.#perform(Atomics.load(w, REQ));
          acked = seq;
          Atomics.store(w, ACK_SEQ, seq);
          Atomics.notify(w, ACK_SEQ);
          continue;
        }
        const s = Atomics.load(w, STATE);
        if (stopped || s === EXITED || s === CLOSED) return;
        const r = atomics.waitAsync(w, REQ_SEQ, acked);
        if (r.async) await r.value;
      }
    } finally {
      serving.delete(stop);
    }
  }

  #child: ChildProcess | undefined;
  /** The scope this object was made in (enterScope): its child belongs to it. */
  readonly #scope = scopeNow();

  /** On the owner thread: start the child, or signal it. */
  #perform(req: number): void {
    const w = this.#words;
    if (req === START) {
      const child = forkModule(siblingUrl(import.meta.url, "./child/run-target"), [], { stdio: ["ignore", "ignore", "ignore", "ipc"] });
      this.#child = child;
      const { wire, objects } = brokered(this.#target as CallableValue);
      if (objects.length > 0) serveBroker(child, objects);
      ownChild(child, this.#scope);
      child.once("exit", (code, signal) => {
        Atomics.store(w, CODE, pythonExitcode(code, signal));
        Atomics.store(w, STATE, EXITED);
        Atomics.notify(w, STATE);
        Atomics.notify(w, REQ_SEQ); // the owner stops serving
      });
      child.once("error", () => undefined); // an exit follows
      child.send({ target: wire, args: this.#args, exitFunctions: this.#exitFunctions });
      Atomics.store(w, PID, child.pid ?? 0);
      Atomics.store(w, STATE, STARTED);
    } else if (Atomics.load(w, STATE) === STARTED) {
      this.#child?.kill(req);
    }
  }

  /** Ask the owner to do `req` and wait until it has (on the owner thread: do it now). */
  #request(req: number): void {
    if (this.#onOwner) {
      this.#perform(req);
      return;
    }
    const w = this.#words;
    Atomics.store(w, REQ, req);
    postAndAwaitOwner(w, REQ_SEQ, ACK_SEQ);
  }

  #locked<T>(f: () => T): T {
    lockMutex(this.#words, LOCK);
    try {
      return f();
    } finally {
      unlockMutex(this.#words, LOCK);
    }
  }

  #state(): number {
    const s = Atomics.load(this.#words, STATE);
    if (s === CLOSED) throw closedError();
    return s;
  }

  start(): void {
    this.#locked(() => {
      // observed (CPython 3.11): start() after close: ValueError first; a second start: AssertionError
      if (this.#state() !== INITIAL) throw new PythonError("AssertionError", "cannot start a process twice");
      this.#request(START);
    });
  }

  #signal(sig: number, name: string): void {
    this.#locked(() => {
      // observed: terminate()/kill() before start(): AttributeError (its _popen is None)
      if (this.#state() === INITIAL) throw new PythonError("AttributeError", `'NoneType' object has no attribute '${name}'`);
      if (Atomics.load(this.#words, STATE) === STARTED) this.#request(sig);
    });
  }

  terminate(): void {
    this.#signal(15, "terminate");
  }

  kill(): void {
    this.#signal(9, "kill");
  }

  is_alive(): boolean {
    return this.#state() === STARTED;
  }

  get exitcode(): number | null {
    return this.#state() === EXITED ? Atomics.load(this.#words, CODE) : null;
  }

  get pid(): number | null {
    return this.#state() === INITIAL ? null : Atomics.load(this.#words, PID);
  }

  /**
   * A number that stands for the child while it runs (its pid: Node gives no descriptor that
   * becomes ready when a child ends; join() is the way to wait here).
   */
  get sentinel(): number {
    // observed: Process(target=f).sentinel -> ValueError: process not started
    if (this.#state() === INITIAL) throw new PythonError("ValueError", "process not started");
    return Atomics.load(this.#words, PID);
  }

  /** The daemon flag. Readable after close(), as CPython's. */
  get daemon(): boolean {
    return Atomics.load(this.#words, DAEMON) === 1;
  }

  /**
   * Set before start() (the child is ended with its owner either way: no orphan). As CPython's
   * (`assert self._popen is None`), a closed process takes it again.
   */
  set daemon(value: boolean) {
    this.#locked(() => {
      const s = Atomics.load(this.#words, STATE);
      // observed: p.start(); p.daemon = True -> AssertionError: process has already started
      if (s === STARTED || s === EXITED) throw new PythonError("AssertionError", "process has already started");
      Atomics.store(this.#words, DAEMON, value ? 1 : 0);
    });
  }

  #joinOp(): Blocking<null> {
    const w = this.#words;
    return {
      words: w,
      waiters: SLEEPERS,
      attempt: (): Step<null> => (Atomics.load(w, STATE) !== STARTED ? done(null) : sleepOn(STATE, STARTED)),
      timedOut: () => null,
    };
  }

  #checkJoin(timeout: number | null): number {
    // observed: join() before start(): AssertionError: can only join a started process
    if (this.#state() === INITIAL) throw new PythonError("AssertionError", "can only join a started process");
    if (timeout !== null && typeof timeout !== "number") throw new PythonError("TypeError", "timeout must be a number or None");
    return deadlineOf(true, timeout === null ? null : Math.max(0, timeout));
  }

  /** Wait until the process ends, at most `timeout` seconds; returns None either way. Not on the owner thread (its event loop records the end): use joinAsync there. */
  join(timeout: number | null = null): null {
    const deadline = this.#checkJoin(timeout);
    if (this.#onOwner && Atomics.load(this.#words, STATE) === STARTED) {
      throw new TypeError("join() on the thread that owns the process would block the event loop that records its end: use joinAsync()");
    }
    return blockSync(this.#joinOp(), deadline);
  }

  /** join() without blocking the thread (for the owner thread). */
  async joinAsync(timeout: number | null = null): Promise<null> {
    return blockAsync(this.#joinOp(), this.#checkJoin(timeout));
  }

  close(): void {
    this.#locked(() => {
      const s = Atomics.load(this.#words, STATE);
      if (s === STARTED) throw new PythonError("ValueError", "Cannot close a process while it is still running. You should first call join() or terminate().");
      Atomics.store(this.#words, STATE, CLOSED);
      Atomics.notify(this.#words, REQ_SEQ); // the owner stops serving
    });
  }
}

export const factories: Factory[] = [
  {
    primitive: "Process",
    arity: 0,
    keywords: ["target", "args"],
    make: (_argv, options, kwargs) => new Process({ ...options, target: kwargs.target as JsonValue, args: (kwargs.args as JsonValue[] | undefined) ?? [] }),
    attach: (h) => Process.attach(h),
  },
];
