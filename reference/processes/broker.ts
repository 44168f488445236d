/**
 * The broker: how a Process's child reaches the other objects of its scenario. A child process
 * shares no memory with the executor's threads, so, as Python's Manager does, it asks the owner of
 * its Process (the thread that forked it) to make the call: the child sends
 * `{call: {id, object, op, args}}` over the IPC channel (./child/broker-client.ts), the owner
 * attaches the object from its handle, performs the operation and replies `{reply: {id, value}}`
 * or `{reply: {id, error}}` (a Python exception, re-raised in the child). The child names objects
 * by an index into the handles its owner kept (`brokered`): handles hold SharedArrayBuffers,
 * which cannot cross a process boundary.
 *
 * Cost (bench/broker.ts, 200 Event.set() calls in one child, Node 20, 2 vCPUs): 0.15 to 0.3 ms
 * mean from the child's request to its reply (median ~0.1 to 0.2 ms), small beside a child's
 * start (~0.2 s); docs/design/processes.md §4.
 */
import type { ChildProcess } from "node:child_process";
import type { JsonValue } from "../../spec/format.js";
import { mapObjectParams, type CallableValue } from "../callables.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";

export interface BrokerCall {
  id: number;
  /** The index of the object in the handles its owner kept. */
  object: number;
  op: string;
  args: Record<string, JsonValue>;
}

export type BrokerReply = { id: number; value: unknown } | { id: number; error: { type: string; message: string; args: JsonValue[] } };

/**
 * The operations served, by primitive: their parameters in Python's order (the call's args are by
 * name). A blocking one (Event.wait, Queue.put on a full queue, a queue's `$exit`) must not block the owner's
 * thread, whose event loop serves every child and records their ends: it is also in BLOCKING,
 * with its async variant (Event.waitAsync, futex.ts blockAsync), awaited in `answer` while other
 * requests are served, and given up when the child exits mid-call.
 */
const OPERATIONS: Record<string, Record<string, readonly string[]>> = {
  Event: { set: [], clear: [], is_set: [], wait: ["timeout"] },
  // `$exit`: not a Python method; what the child's exit functions do with a queue it put on
  // (close it, join its feeder thread: multiprocessing/queues.py's finalizers), see ./child/broker-client.ts.
  Queue: { put: ["item", "block", "timeout"], $exit: [] },
  Lock: { acquire: ["block", "timeout"], release: [] },
};

/** Seconds a blocking call waits at a time, so that the owner gives it up once its child is gone. */
const SLICE = 0.5;

/**
 * The blocking operations, as the owner makes them: on its event loop (the async variant), in
 * slices of SLICE seconds until the call's own timeout, while its child lives. A slice that ends
 * without a wake-up is no outcome (the flag is still clear): the next slice goes on waiting, so
 * the child sees one wait.
 */
const BLOCKING: Record<string, Record<string, (o: SharedPrimitive, args: Record<string, JsonValue>, alive: () => boolean) => Promise<unknown>>> = {
  Queue: {
    put: async (o, args, alive) => {
      const q = o as unknown as { putAsync(item: unknown, block: boolean, timeout: number | null): Promise<void> };
      const block = args.block ?? true;
      const t = args.timeout ?? null;
      if (block === false) return q.putAsync(args.item, false, null);
      const end = typeof t === "number" ? performance.now() + Math.max(0, t) * 1000 : Infinity;
      for (;;) {
        const left = (end - performance.now()) / 1000;
        try {
          return await q.putAsync(args.item, true, Math.max(0, Math.min(SLICE, left)));
        } catch (e) {
          // A slice that ends with the queue still full is no outcome unless the call's own timeout has passed.
          if (!(e instanceof PythonError && e.pyType === "queue.Full") || left <= SLICE || !alive()) throw e;
        }
      }
    },
    $exit: async (o, _args, alive) => {
      const q = o as unknown as { close(): void; joinThreadAsync(timeout: number | null): Promise<boolean> };
      q.close();
      while (!(await q.joinThreadAsync(SLICE)) && alive());
      return null;
    },
  },
  Lock: {
    acquire: async (o, args, alive) => {
      const lock = o as unknown as { acquireAsync(block: boolean, timeout: number | null): Promise<boolean>; release(): void };
      const block = args.block ?? true;
      const t = args.timeout ?? null;
      if (block === false) return lock.acquireAsync(false, null);
      const end = typeof t === "number" ? performance.now() + Math.max(0, t) * 1000 : Infinity;
      for (;;) {
        const left = (end - performance.now()) / 1000;
        if (await lock.acquireAsync(true, Math.max(0, Math.min(SLICE, left)))) {
          // Taken for a child that died meanwhile: CPython's child, killed while it waited, never took it.
          if (!alive()) lock.release();
          return true;
        }
        if (left <= SLICE || !alive()) return false;
      }
    },
  },
  Event: {
    wait: async (o, args, alive) => {
      const ev = o as unknown as { waitAsync(t: number | null): Promise<boolean> };
      const t = args.timeout;
      const end = typeof t === "number" ? performance.now() + Math.max(0, t) * 1000 : Infinity;
      for (;;) {
        const left = (end - performance.now()) / 1000;
        if (await ev.waitAsync(Math.max(0, Math.min(SLICE, left)))) return true;
        if (left <= SLICE || !alive()) return false;
      }
    },
  },
};

/**
 * A callable value as its child receives it: each `{"$object": <handle>}` replaced by
 * `{"$object": i}`, `objects[i]` being that handle. Anything else in a `$object` value is not an
 * object of the scenario (an executor gives handles), and is refused naming it.
 */
export function brokered(target: CallableValue): { wire: CallableValue; objects: ObjectHandle[] } {
  const objects: ObjectHandle[] = [];
  const wire = mapObjectParams(target, (ref) => {
    const h = ref as ObjectHandle | null;
    if (typeof h !== "object" || h === null || typeof h.primitive !== "string") {
      throw new TypeError(`${JSON.stringify(target)}: {"$object": ${JSON.stringify(ref)}} is not an object's handle (an executor resolves a run message's {"$object": <index>} to the handle of that object)`);
    }
    return objects.push(h) - 1;
  });
  return { wire, objects };
}

const isCall = (m: unknown): m is { call: BrokerCall } => typeof m === "object" && m !== null && "call" in m;

let moduleAttach: Promise<(h: ObjectHandle) => SharedPrimitive> | undefined;
// Imported when first needed: module.ts imports this folder's files while it loads (a static
// import would be a cycle through its top-level await).
const attachOf = () => (moduleAttach ??= import("../threads/module.js").then((m) => m.attach));

/** Serve `child`'s calls on `objects` (from brokered), on this thread, until it exits. */
export function serveBroker(child: ChildProcess, objects: readonly ObjectHandle[]): void {
  const attached = new Map<number, Promise<SharedPrimitive>>();
  const objectAt = (i: number): Promise<SharedPrimitive> => {
    const h = objects[i];
    if (h === undefined) return Promise.reject(new TypeError(`the broker has no object ${i} (it has ${objects.length})`));
    let o = attached.get(i);
    if (!o) attached.set(i, (o = attachOf().then((attach) => attach(h))));
    return o;
  };
  const answer = async (c: BrokerCall): Promise<BrokerReply> => {
    try {
      const o = await objectAt(c.object);
      const primitive = o.handle().primitive;
      const params = OPERATIONS[primitive]?.[c.op];
      if (!params) throw new TypeError(`the broker does not serve ${primitive}.${c.op}() (it serves ${Object.entries(OPERATIONS).flatMap(([p, ops]) => Object.keys(ops).map((op) => `${p}.${op}`)).join(", ")})`);
      const blocking = BLOCKING[primitive]?.[c.op];
      if (blocking) return { id: c.id, value: (await blocking(o, c.args, () => child.connected)) ?? null };
      const method = (o as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op]!;
      return { id: c.id, value: (await method.apply(o, params.map((n) => c.args[n]))) ?? null };
    } catch (e) {
      // A Python exception is the call's outcome; anything else is the broker's failure, raised as such in the child.
      const py = e instanceof PythonError ? e : new PythonError("mpspec.InternalError", `broker: ${e instanceof Error ? e.message : String(e)}`);
      return { id: c.id, error: { type: py.pyType, message: py.message, args: py.pyArgs } };
    }
  };
  child.on("message", (m: unknown) => {
    if (!isCall(m)) return;
    void answer(m.call).then((reply) => {
      // A child that exited meanwhile gets no reply (its call may still have taken effect, as with a Manager).
      if (child.connected) child.send({ reply }, () => undefined);
    });
  });
}
