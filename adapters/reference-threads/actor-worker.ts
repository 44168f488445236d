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
import {
  SLOT_INDEX,
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

type Method = (...argv: unknown[]) => unknown;

function runJob(job: JobMessage): void {
  if (job.scenario !== attachedFor) {
    objects = [];
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
    const [o, op, argv, form, withLock, part] = calls[i];
    // part: the call is on that element of a tuple object (the spec operation's `target`, e.g. pipe[1]).
    const target = (part === undefined ? objects[o] : (objects[o] as unknown as Record<number, unknown>)[part]) as unknown as Record<string, Method>;
    const invoke = Number(process.hrtime.bigint() - origin);
    slotInvoke[SLOT_INVOKE] = invoke;
    Atomics.store(slotIndex, SLOT_INDEX, i);
    let response: number;
    let event: WireEvent;
    try {
      const perform = (): unknown => {
        if (form === "get" || form === "set" || form === "iadd") {
          // Attribute forms (spec/format.ts OperationForm): a property or getter/setter of the object.
          if (!(op in target)) throw new TypeError(`the ${job.handles[o].primitive} object has no property ${JSON.stringify(op)}`);
          const props = target as unknown as Record<string, unknown>;
          if (form === "get") return props[op];
          // iadd: read, then write (not atomic), as Python's `obj.op += argv[0]`.
          props[op] = form === "set" ? argv[0] : (props[op] as number) + (argv[0] as number);
          return null;
        }
        const method = target[op];
        if (typeof method !== "function") throw new TypeError(`the ${job.handles[o].primitive} object has no method ${JSON.stringify(op)}`);
        return method.apply(target, argv);
      };
      let value: unknown;
      if (withLock !== undefined) {
        // `with obj.<withLock>(): ...`
        const get = target[withLock];
        if (typeof get !== "function") throw new TypeError(`the ${job.handles[o].primitive} object has no method ${JSON.stringify(withLock)}`);
        const lock = get.apply(target, []) as unknown as { acquire(): unknown; release(): unknown };
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
      event = [i, invoke, response, returnedOutcome(value)];
    } catch (e) {
      response = Number(process.hrtime.bigint() - origin);
      event = [i, invoke, response, raisedOutcome(e)];
    }
    events.postMessage(event);
  }
  send({ t: "done", id: job.id, aborted: false });
}

port.on("message", (m: JobMessage) => runJob(m));
send({ t: "booted", threadId });
