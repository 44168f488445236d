/**
 * What Pool and ProcessPoolExecutor share (./pool.ts, ./process-pool-executor.ts): the memory
 * through which any thread talks to the thread that owns the worker processes (requests in,
 * each task's outcome out), and the owner's worker processes themselves (child/pool-worker.ts).
 *
 * Layout: header words (the indices below), then per task its STATUS, OFFSET and LENGTH words;
 * a heap of JSON outcomes, appended by the owner; a request buffer of JSON. Status values are
 * each primitive's own, but 0 is always "not done yet".
 */
import { EventEmitter } from "node:events";
import { BroadcastChannel, receiveMessageOnPort, threadId, type Worker } from "node:worker_threads";
import type { JsonValue } from "../../spec/format.js";
import { inThreadObjects, resolveCallable, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle } from "../implementation.js";
import { siblingUrl } from "../spawn-worker.js";
import { lockMutex, sharedWords, unlockMutex, wake } from "../threads/futex.js";
import { sharedBuffer } from "../threads/profile.js";
import { forkModule, threadModule } from "./fork.js";
import { ownChild, postAndAwaitOwner, type OwnedChild } from "./process.js";

export const STATE = 0;
const LOCK = 1; // one request at a time
const REQ_SEQ = 2;
const ACK_SEQ = 3;
const REQ = 4; // the request's kind (each primitive's)
const REQ_LEN = 5; // bytes of its JSON
const REPLY = 6;
export const UNDONE = 7; // tasks not done yet
export const SLEEPERS = 8;
const HEAP_TOP = 9;
export const NEXT = 10; // tasks allocated so far
export const ENDED = 11;
/** A Pool's number of workers (map's default chunksize is computed by the calling thread). */
export const PROCESSES = 12;
/** A ProcessPoolExecutor's futures done whose callbacks are still running (its shutdown waits for them, as CPython's joins the thread that runs them). */
export const CALLBACKS = 13;
const HEADER = 16;
export const TASKS = 1 << 15;
export const STATUS = HEADER;
const OFFSET = HEADER + TASKS;
const LENGTH = HEADER + 2 * TASKS;
const WORDS = HEADER + 3 * TASKS;
const HEAP = 4 << 20;
const REQ_BYTES = 4 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A task's outcome as a worker reports it (spec/callables.ts: ok(value) | raise(type, args)). */
export interface Outcome {
  kind: "ok" | "raise";
  value?: unknown;
  type?: string;
  args?: JsonValue[];
}

export interface TaskMemory {
  words: Int32Array;
  heap: Uint8Array;
  req: Uint8Array;
  /** The thread whose event loop serves requests and owns the workers. */
  owner: number;
}

export function newTaskMemory(): TaskMemory {
  return { words: sharedWords(WORDS), heap: new Uint8Array(new SharedArrayBuffer(HEAP)), req: new Uint8Array(new SharedArrayBuffer(REQ_BYTES)), owner: threadId };
}

/** The structured-clonable part of a handle. */
export const memoryFields = (m: TaskMemory) => ({ words: m.words.buffer, heap: m.heap.buffer, req: m.req.buffer, owner: m.owner });

export function attachTaskMemory(handle: ObjectHandle): TaskMemory {
  return { words: new Int32Array(sharedBuffer(handle, "words")), heap: new Uint8Array(sharedBuffer(handle, "heap")), req: new Uint8Array(sharedBuffer(handle, "req")), owner: handle.owner as number };
}

/**
 * From any thread but the owner: post a request and wait until the owner has done it; its reply.
 * `whileLocked` runs first, holding the request lock.
 */
export function request(m: TaskMemory, what: string, kind: number, payload?: unknown, whileLocked?: () => void): number {
  const { words: w, req } = m;
  if (threadId === m.owner) throw new TypeError(`a ${what}'s methods block its owner thread's event loop, which runs its workers: call them from another thread`);
  const bytes = payload === undefined ? new Uint8Array(0) : encoder.encode(JSON.stringify(payload));
  if (bytes.length > req.length) throw new PythonError("RuntimeError", `call too large for the reference ${what} (${bytes.length} bytes of JSON; at most ${req.length})`);
  lockMutex(w, LOCK);
  try {
    // What goes with the request by another route (a Pool's callbacks, which hold handles that
    // JSON cannot carry), sent while no other request can come between.
    whileLocked?.();
    req.set(bytes);
    Atomics.store(w, REQ_LEN, bytes.length);
    Atomics.store(w, REQ, kind);
    postAndAwaitOwner(w, REQ_SEQ, ACK_SEQ);
    return Atomics.load(w, REPLY);
  } finally {
    unlockMutex(w, LOCK);
  }
}

/**
 * What goes with a request that JSON cannot carry (a Pool's callbacks, an executor's done
 * callback: callables holding handles), posted on the owner's channel by `request`'s whileLocked,
 * so that no other request comes between.
 */
export function postToOwner(channel: string, value: unknown): void {
  const bc = new BroadcastChannel(channel);
  try {
    bc.postMessage(value); // delivered to the owner's channel at once
  } finally {
    bc.close();
  }
}

/** The owner's end of that channel: the value sent with the request being served. */
export class OwnerChannel<T> {
  readonly #channel: BroadcastChannel;
  /** Values the event loop already took off the channel, oldest first. */
  readonly #arrived: T[] = [];
  readonly #what: string;

  constructor(name: string, what: string) {
    this.#what = what;
    this.#channel = new BroadcastChannel(name);
    // A message the event loop dispatches before its request is served waits here (without a
    // listener it would be dropped); one still on the channel is read synchronously.
    this.#channel.onmessage = (e: unknown) => void this.#arrived.push((e as { data: T }).data);
    this.#channel.unref();
  }

  /** The value sent with the request being served: sent before it, so the oldest not yet taken. */
  next(): T {
    const v = this.#arrived.shift() ?? (receiveMessageOnPort(this.#channel as never)?.message as T | undefined);
    if (v === undefined) throw new Error(`the reference ${this.#what}'s owner found nothing sent with a request that has something`);
    return v;
  }

  close(): void {
    this.#channel.close();
  }
}

/**
 * A callback's call on this thread, given `arg` (a Pool's callback, an executor's done callback).
 * A Python exception it raises is dropped (CPython's executor logs it and goes on; the spec draws
 * no raising Pool callback). Any other error is the reference's own fault: thrown when the call
 * fails at once; reported on stderr when its promise rejects later (nobody is left to throw it
 * to, and an unhandled rejection would end the process).
 */
export function runCallback(cb: CallableValue, arg: unknown, what: string): void {
  try {
    // Calls on other objects are made at once on this thread (inThreadObjects); the promise is settled.
    void Promise.resolve(resolveCallable(cb, inThreadObjects)(arg)).catch((e: unknown) => {
      if (!(e instanceof PythonError)) reportCallbackFault(what, e);
    });
  } catch (e) {
    if (!(e instanceof PythonError)) throw e;
  }
}

/** `runCallback` on the owner thread, whose loop must go on: a fault is reported, not hidden. */
export function runCallbackOnOwner(cb: CallableValue, arg: unknown, what: string): void {
  try {
    runCallback(cb, arg, what);
  } catch (e) {
    reportCallbackFault(what, e);
  }
}

function reportCallbackFault(what: string, e: unknown): void {
  process.stderr.write(`mpspec reference ${what}: a callback failed: ${e instanceof Error ? e.stack : String(e)}\n`);
}

/** The request being served: its kind and its JSON payload. */
export const requestPayload = <T>(m: TaskMemory): T => JSON.parse(decoder.decode(m.req.slice(0, Atomics.load(m.words, REQ_LEN)))) as T;

/**
 * The owner's loop: perform each request (its reply stored for the requester; `after` awaited
 * before the requester is released: terminate() returns once the workers are gone), until stopped.
 */
export async function serveRequests(m: TaskMemory, perform: (kind: number) => number, stopped: () => boolean, after?: (kind: number) => Promise<void>): Promise<void> {
  const w = m.words;
  let acked = 0;
  while (!stopped()) {
    const seq = Atomics.load(w, REQ_SEQ);
    if (seq !== acked) {
      const kind = Atomics.load(w, REQ);
      Atomics.store(w, REPLY, perform(kind));
      if (after) await after(kind);
      acked = seq;
      Atomics.store(w, ACK_SEQ, seq);
      Atomics.notify(w, ACK_SEQ);
      continue;
    }
    const r = (Atomics as typeof Atomics & { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync(w, REQ_SEQ, acked);
    if (r.async) await r.value;
  }
}

/** Wake the owner's loop (to see that it was stopped). */
export const wakeOwner = (m: TaskMemory): void => void Atomics.notify(m.words, REQ_SEQ);

/**
 * Store a task's outcome where every thread reads it, with its new status, and wake its waiters
 * and those of UNDONE. An outcome past the heap is stored as a RuntimeError naming the limit.
 */
export function storeOutcome(m: TaskMemory, id: number, outcome: Outcome, status: (o: Outcome) => number, what: string): void {
  const w = m.words;
  let bytes = encoder.encode(JSON.stringify(outcome));
  const top = Atomics.load(w, HEAP_TOP);
  if (top + bytes.length > m.heap.length) {
    outcome = { kind: "raise", type: "RuntimeError", args: [`the reference ${what} keeps at most ${m.heap.length} bytes of results`] };
    bytes = encoder.encode(JSON.stringify(outcome));
  }
  const at = Math.min(top, m.heap.length - bytes.length);
  m.heap.set(bytes, at);
  Atomics.store(w, HEAP_TOP, at + bytes.length);
  Atomics.store(w, OFFSET + id, at);
  Atomics.store(w, LENGTH + id, bytes.length);
  Atomics.store(w, STATUS + id, status(outcome));
  Atomics.sub(w, UNDONE, 1);
  wake(w, SLEEPERS, STATUS + id, Infinity);
  wake(w, SLEEPERS, UNDONE, Infinity);
}

/** A stored outcome, as the call that reads it gives it: the value, or the task's exception raised again. */
export function outcomeValue(m: TaskMemory, id: number): unknown {
  const w = m.words;
  const at = Atomics.load(w, OFFSET + id);
  const o = JSON.parse(decoder.decode(m.heap.slice(at, at + Atomics.load(w, LENGTH + id)))) as Outcome;
  if (o.kind === "ok") return o.value;
  const args = o.args ?? [];
  // str() of an exception: its one argument, '' for none.
  throw new PythonError(o.type ?? "Exception", args.length === 1 ? String(args[0]) : args.length === 0 ? "" : JSON.stringify(args), args);
}

/** A pool's worker as its owner drives it: a child process, or a worker thread that looks like one (ThreadWorker). */
export interface TaskWorker extends OwnedChild {
  send(message: unknown): boolean;
  readonly connected: boolean;
}

/**
 * A worker thread (a ThreadPool's, multiprocessing.pool.ThreadPool) with the part of
 * ChildProcess's interface a pool uses: send, kill (terminate the thread), the exit event.
 */
class ThreadWorker extends EventEmitter implements TaskWorker {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly #thread: Worker;

  constructor(thread: Worker) {
    super();
    this.#thread = thread;
    thread.on("message", (m: unknown) => this.emit("message", m));
    thread.on("error", () => undefined); // an exit follows
    thread.once("exit", (code) => {
      this.exitCode = code;
      this.emit("exit", code, null);
    });
  }

  get connected(): boolean {
    return this.exitCode === null;
  }

  send(message: unknown): boolean {
    if (this.exitCode !== null) return false;
    this.#thread.postMessage(message);
    return true;
  }

  kill(): boolean {
    if (this.exitCode !== null) return false;
    void this.#thread.terminate();
    return true;
  }
}

/**
 * A worker (child/pool-worker.ts) owned by this thread: a child process, or with `thread` a
 * worker thread of this process; endProcesses() and the process's exit end it.
 */
export function startTaskWorker(onOutcome: (id: number, outcome: Outcome) => void, onExit: () => void, args: readonly string[], scope: object | undefined, thread = false): TaskWorker {
  const url = siblingUrl(import.meta.url, "./child/pool-worker");
  const child: TaskWorker & EventEmitter = thread ? new ThreadWorker(threadModule(url, [...args])) : forkModule(url, [...args], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  ownChild(child, scope);
  child.on("message", (msg: { id: number; outcome: Outcome }) => onOutcome(msg.id, msg.outcome));
  child.once("error", () => undefined); // an exit follows
  child.once("exit", onExit);
  return child;
}

/** Resolves once the worker has exited. */
export const exited = (c: OwnedChild): Promise<void> => new Promise((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : void c.once("exit", () => resolve())));
