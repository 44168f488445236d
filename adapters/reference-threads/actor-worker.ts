/**
 * One actor thread of the ThreadsExecutor. It imports the implementation module
 * once, then runs jobs (a list of calls on attached objects) one at a time:
 *
 *  - attach the scenario's objects from their handles (reused across the jobs of
 *    one scenario, so "main" attaches once for init and post);
 *  - if the job has a start flag: report ready, Atomics.wait until the main
 *    thread flips it (GO: run; ABORT: skip every call);
 *  - for each call: stamp invoke, publish (index, invoke) in the shared slot,
 *    call, stamp response, post the event on the events port at once, so that
 *    completed calls survive a terminate();
 *  - report done.
 */
import { parentPort, workerData, threadId } from "node:worker_threads";
import type { ImplementationModule, SharedPrimitive } from "../../reference/implementation.js";
import { decodeBytesValue, isPyBytes } from "../../reference/bytes.js";
import { isInterrupted, setInterruptWord } from "../../reference/threads/futex.js";
import type { JsonValue } from "../../spec/format.js";
import {
  SLOT_INDEX,
  SLOT_INTERRUPT,
  SLOT_INVOKE,
  START_GO,
  START_WAIT,
  describeThrown,
  raisedOutcome,
  resolveImplementation,
  returnedOutcome,
  type FromWorker,
  type JobMessage,
  type WireEvent,
  type WorkerInit,
} from "./protocol.js";

const init = workerData as WorkerInit;
const port = parentPort!;
const slotIndex = new Int32Array(init.slot);
const slotInvoke = new Float64Array(init.slot);
// The reference backend's waits throw Interrupted once the executor sets this word (a deadline).
setInterruptWord(slotIndex, SLOT_INTERRUPT);
const events = init.events;
const send = (m: FromWorker): void => port.postMessage(m);

let impl: ImplementationModule;
try {
  impl = resolveImplementation(await import(init.implementation), init.implementation);
} catch (e) {
  send({ t: "boot-failed", error: describeThrown(e) });
  // Let the message go out, then end; the executor also terminates us.
  port.close();
  process.exit(1);
}

let attachedFor = -1;
let objects: SharedPrimitive[] = [];
/** The handles this actor's calls produced in the current scenario (an AsyncResult), by id. */
let produced = new Map<string, unknown>();

type Method = (...argv: unknown[]) => unknown;

/** `{"$bytes": ...}` and `{"$bytearray": ...}` arguments as PyBytes (reference/bytes.ts), also inside lists; others as they are. */
function decodeArg(v: JsonValue): unknown {
  if (Array.isArray(v)) return v.map(decodeArg);
  return decodeBytesValue(v) ?? v;
}

/** A returned PyBytes (bytes or bytearray) as its protocol form `{"$bytes": ...}`, also inside lists. */
function encodeResult(v: unknown): unknown {
  if (isPyBytes(v)) return v.toJSON();
  // An exception returned as a value (Future.exception()): its class and args. Duck-typed, as a
  // raised one is (raisedOutcome): an implementation may bring its own PythonError class.
  if (v instanceof Error && typeof (v as { pyType?: unknown }).pyType === "string") {
    const { pyType, pyArgs } = v as Error & { pyType: string; pyArgs?: unknown };
    return { $exception: { type: pyType, args: Array.isArray(pyArgs) ? pyArgs.map(encodeResult) : [v.message] } };
  }
  if (Array.isArray(v)) return v.map(encodeResult);
  return v;
}

function runJob(job: JobMessage): void {
  if (job.scenario !== attachedFor) {
    objects = [];
    produced = new Map();
    attachedFor = -1;
    try {
      objects = job.handles.map((h) => impl.attach(h));
    } catch (e) {
      send({ t: "failed", id: job.id, error: `attach() threw: ${describeThrown(e)}` });
      return;
    }
    attachedFor = job.scenario;
  }
  if (job.start !== null) {
    const flag = new Int32Array(job.start);
    send({ t: "ready", id: job.id });
    // No timeout: the main thread always flips the flag (GO or ABORT) or terminates us.
    Atomics.wait(flag, 0, START_WAIT);
    if (Atomics.load(flag, 0) !== START_GO) {
      send({ t: "done", id: job.id, aborted: true });
      return;
    }
  }
  const origin = job.origin;
  const calls = job.calls;
  for (let i = 0; i < calls.length; i++) {
    // Given up on (deadline): start no further call.
    if (Atomics.load(slotIndex, SLOT_INTERRUPT) !== 0) {
      send({ t: "interrupted", id: job.id });
      return;
    }
    const call = calls[i];
    // The call's pause: sleep before the invoke stamp, woken early only by the interrupt.
    if (call.pause && Atomics.wait(slotIndex, SLOT_INTERRUPT, 0, call.pause * 1000) !== "timed-out") {
      send({ t: "interrupted", id: job.id });
      return;
    }
    const o = call.object;
    const primitive = job.handles[o].primitive;
    // A call on a handle whose producing call raised is not made (left out of the history).
    if (call.handle !== undefined && !produced.has(call.handle)) {
      events.postMessage([i, 0, 0, null] satisfies WireEvent);
      continue;
    }
    const invoke = Number(process.hrtime.bigint() - origin);
    slotInvoke[SLOT_INVOKE] = invoke;
    Atomics.store(slotIndex, SLOT_INDEX, i);
    let response: number;
    let event: WireEvent;
    try {
      const argv = call.argv.map(decodeArg);
      let value: unknown;
      const holder = (call.handle !== undefined ? produced.get(call.handle) : objects[o]) as Record<string | number, unknown>;
      // target: the call is on that element of a tuple object (the spec operation's `target`, e.g. pipe[1]).
      const self = (call.target === undefined ? holder : holder[call.target]) as Record<string, Method>;
      const method = (on: Record<string, Method>, name: string): Method => {
        const m = on[name];
        if (typeof m !== "function") throw new TypeError(`the ${primitive} object has no method ${JSON.stringify(name)}`);
        return m;
      };
      // via: the call is on what `self.<via>()` returns (get_obj).
      const on = call.via === undefined ? self : (method(self, call.via).apply(self, []) as Record<string, Method>);
      const perform = (): unknown => {
        if (call.key !== undefined) {
          // Item forms: `on[key]`, `on[key] = argv[0]`, `on[key] += argv[0]` through getitem/setitem.
          const key = call.key;
          if (call.form === "get") return method(on, "getitem").call(on, key);
          if (call.form === "set") return method(on, "setitem").call(on, key, argv[0]), null;
          if (call.form === "iadd") return method(on, "setitem").call(on, key, (method(on, "getitem").call(on, key) as number) + (argv[0] as number)), null;
          throw new TypeError(`item access needs form get, set or iadd, not ${JSON.stringify(call.form ?? "call")}`);
        }
        const op = call.method!;
        if (call.form === "get" || call.form === "set" || call.form === "iadd") {
          // Attribute forms (spec/format.ts OperationForm): a property or getter/setter of the object.
          if (!(op in on)) throw new TypeError(`the ${primitive} object has no property ${JSON.stringify(op)}`);
          const props = on as unknown as Record<string, unknown>;
          if (call.form === "get") return props[op];
          // iadd: read, then write (not atomic), as Python's `obj.op += argv[0]`.
          props[op] = call.form === "set" ? argv[0] : (props[op] as number) + (argv[0] as number);
          return null;
        }
        // Keyword-only arguments (kwargs): one more argument after every positional one (argv
        // then keeps its trailing defaults), the reference's way of taking them.
        const r = method(on, op).apply(on, call.kwargs === undefined ? argv : [...argv, Object.fromEntries(Object.entries(call.kwargs).map(([n, v]) => [n, decodeArg(v)]))]);
        // out_args: report the arguments the method wrote into, with its result.
        return call.out_args === undefined ? r : [r, ...call.out_args.map((k) => argv[k])];
      };
      if (call.with_lock !== undefined) {
        // `with obj.<with_lock>(): ...`
        const lock = method(on, call.with_lock).apply(on, []) as unknown as { acquire(): unknown; release(): unknown };
        lock.acquire();
        try {
          value = perform();
        } finally {
          lock.release();
        }
      } else {
        value = perform();
      }
      response = Number(process.hrtime.bigint() - origin);
      if (call.produces !== undefined) {
        // A produced handle stays in this actor; the history shows its id.
        produced.set(call.produces, value);
        value = { $handle: call.produces };
      }
      event = [i, invoke, response, returnedOutcome(encodeResult(value))];
    } catch (e) {
      if (isInterrupted(e)) {
        // The call did not complete: the executor records it as pending, and reuses this worker.
        send({ t: "interrupted", id: job.id });
        return;
      }
      response = Number(process.hrtime.bigint() - origin);
      event = [i, invoke, response, raisedOutcome(e)];
    }
    events.postMessage(event);
  }
  send({ t: "done", id: job.id, aborted: false });
}

port.on("message", (m: JobMessage) => runJob(m));
send({ t: "booted", threadId });
