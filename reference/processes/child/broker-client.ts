/**
 * The child's side of the broker (../broker.ts): a call on another scenario object is a request
 * to the parent over the IPC channel, answered with its result or a Python exception. Calls are
 * made one at a time (a callable awaits each), so the ids only guard against a stray reply.
 *
 * Not bounded by a timer: a blocking call may rightly wait for ever (Event.wait()), as in Python.
 * The child never outlives the wait's reason: if the parent goes, the channel closes and every
 * pending call raises EOFError (a Manager's proxy raises it too when its server is gone); the
 * parent kills its children when it ends a scenario.
 */
import type { JsonValue } from "../../../spec/format.js";
import type { ObjectCaller } from "../../callables.js";
import { PythonError } from "../../implementation.js";
import type { BrokerCall, BrokerReply } from "../broker.js";

const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let seq = 0;
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.on("message", (m: { reply?: BrokerReply }) => {
    const r = m?.reply;
    const p = r && pending.get(r.id);
    if (!r || !p) return;
    pending.delete(r.id);
    if ("error" in r) p.reject(new PythonError(r.error.type, r.error.message, r.error.args));
    else p.resolve(r.value);
  });
  process.once("disconnect", () => {
    for (const p of pending.values()) p.reject(new PythonError("EOFError", "the broker (the parent process) is gone"));
    pending.clear();
  });
}

/** Objects this process put on (Queues): its exit functions join their feeder threads. */
const putOn = new Set<number>();

/**
 * What Python's exit functions do for the objects this process used, before a normal exit (a
 * return, an exception, sys.exit; not os._exit or a signal): close each queue it put on and join
 * its feeder thread (multiprocessing/queues.py's finalizers), so the process cannot end before
 * its items are in the pipe (an item past the pipe's buffer: until a reader takes it).
 */
export async function runExitFunctions(): Promise<void> {
  for (const ref of putOn) {
    try {
      await brokerCall(ref, "$exit", {});
    } catch {
      // A parent that is gone has no queue to flush to.
    }
  }
}

/** Ask the parent to make `op(args)` on its object number `ref`; resolves with the result. */
export const brokerCall: ObjectCaller = (ref: unknown, op: string, args: Record<string, JsonValue>) => {
  listen();
  if (op === "put" && typeof ref === "number") putOn.add(ref);
  if (typeof ref !== "number" || !process.send || !process.connected) {
    return Promise.reject(new PythonError("EOFError", `no broker to reach object ${JSON.stringify(ref)}: the parent process is gone`));
  }
  const call: BrokerCall = { id: ++seq, object: ref, op, args };
  return new Promise((resolve, reject) => {
    pending.set(call.id, { resolve, reject });
    process.send!({ call }, (err: Error | null) => {
      if (err && pending.delete(call.id)) reject(new PythonError("EOFError", `the broker (the parent process) is gone: ${err.message}`));
    });
  });
};
