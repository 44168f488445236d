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
import { CTYPES_NAME } from "../threads/value.js";

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
  // The spec's operations `increment` (`v.value += delta`) and `locked_increment` (the same under
  // get_lock()); Value(lock=False) is a RawValue here.
  Value: { increment: ["delta"], locked_increment: ["delta"] },
  RawValue: { increment: ["delta"], locked_increment: ["delta"] },
};

/** Seconds a blocking call waits at a time, so that the owner gives it up once its child is gone. */
const SLICE = 0.5;

/**
 * Wait in slices of SLICE seconds, until `timeout` (seconds; null: for ever) while the child
 * lives: `attempt(seconds)` resolves to the outcome, or to undefined when its slice ended without
 * one (no outcome: the next slice goes on waiting, so the child sees one wait). Undefined once
 * the call's own timeout has passed, or the child is gone.
 */
async function sliced<T>(timeout: number | null, alive: () => boolean, attempt: (seconds: number) => Promise<T | undefined>): Promise<T | undefined> {
  const end = timeout === null ? Infinity : performance.now() + Math.max(0, timeout) * 1000;
  for (;;) {
    const left = (end - performance.now()) / 1000;
    const r = await attempt(Math.max(0, Math.min(SLICE, left)));
    if (r !== undefined) return r;
    if (left <= SLICE || !alive()) return undefined;
  }
}

type AsyncLock = { acquireAsync(block: boolean, timeout: number | null): Promise<boolean>; release(): void; handle(): ObjectHandle };
const acquired = (lock: AsyncLock, alive: () => boolean) => sliced(null, alive, async (t) => ((await lock.acquireAsync(true, t)) ? true : undefined));
const timeoutOf = (v: JsonValue | undefined): number | null => (typeof v === "number" ? v : null);

/**
 * Python's `x + delta` for a Value's item, as the actors' iadd makes it: a 'c' or 'u' item is an
 * object whose conversion to a number raises CPython's TypeError (reference/threads/value.ts
 * pythonItem); a 64-bit one converts exactly.
 */
const added = (x: unknown, delta: number): unknown => (x as number) + delta;

type ValueLike = { value: unknown; get_lock(): AsyncLock; get_obj(): { value: unknown }; typecode: string };

/**
 * The blocking operations, as the owner makes them: on its event loop (the async variant), in
 * slices (`sliced`) while its child lives. A Value's are here because they take its lock, which
 * an actor thread may hold (or hold for ever: a locked increment with a Lock deadlocks).
 */
const BLOCKING: Record<string, Record<string, (o: SharedPrimitive, args: Record<string, JsonValue>, alive: () => boolean) => Promise<unknown>>> = {
  Queue: {
    put: async (o, args, alive) => {
      const q = o as unknown as { putAsync(item: unknown, block: boolean, timeout: number | null): Promise<void> };
      if (args.block === false) return q.putAsync(args.item, false, null);
      let full: unknown;
      const done = await sliced(timeoutOf(args.timeout), alive, async (t) => {
        try {
          await q.putAsync(args.item, true, t);
          return true;
        } catch (e) {
          // A slice that ends with the queue still full is no outcome unless the call's own timeout has passed.
          if (!(e instanceof PythonError && e.pyType === "queue.Full")) throw e;
          full = e;
          return undefined;
        }
      });
      if (!done) throw full;
      return null;
    },
    $exit: async (o, _args, alive) => {
      const q = o as unknown as { close(): void; joinThreadAsync(timeout: number | null): Promise<boolean> };
      q.close();
      await sliced(null, alive, async (t) => ((await q.joinThreadAsync(t)) ? true : undefined));
      return null;
    },
  },
  Lock: {
    acquire: async (o, args, alive) => {
      const lock = o as unknown as AsyncLock;
      if (args.block === false) return lock.acquireAsync(false, null);
      const got = (await sliced(timeoutOf(args.timeout), alive, async (t) => ((await lock.acquireAsync(true, t)) ? true : undefined))) ?? false;
      // Taken for a child that died meanwhile: CPython's child, killed while it waited, never took it.
      if (got && !alive()) lock.release();
      return got;
    },
  },
  Event: {
    wait: async (o, args, alive) => {
      const ev = o as unknown as { waitAsync(t: number | null): Promise<boolean> };
      return (await sliced(timeoutOf(args.timeout), alive, async (t) => ((await ev.waitAsync(t)) ? true : undefined))) ?? false;
    },
  },
  Value: {
    // `v.value += delta`: the getter and the setter each take the lock, not together (Value.yaml's phases read, write).
    increment: async (o, args, alive) => {
      const v = o as unknown as ValueLike;
      const lock = v.get_lock();
      const raw = v.get_obj();
      if (!(await acquired(lock, alive))) return null; // the child is gone
      let x: unknown;
      try {
        x = raw.value;
      } finally {
        lock.release();
      }
      const y = added(x, args.delta as number);
      if (!(await acquired(lock, alive))) return null;
      try {
        raw.value = y;
      } finally {
        lock.release();
      }
      return null;
    },
    // `with v.get_lock(): v.value += delta`: one step under the lock.
    locked_increment: async (o, args, alive) => {
      const v = o as unknown as ValueLike;
      const lock = v.get_lock();
      const raw = v.get_obj();
      if (!(await acquired(lock, alive))) return null;
      if (lock.handle().primitive !== "RLock") {
        // A Lock: the getter waits for the lock its caller holds. The child never returns, and the
        // lock stays held after it is gone (nothing releases a multiprocessing Lock for a dead process).
        await sliced(null, alive, () => new Promise<undefined>((r) => setTimeout(() => r(undefined), SLICE * 1000)));
        return null;
      }
      try {
        raw.value = added(raw.value, args.delta as number);
      } finally {
        lock.release();
      }
      return null;
    },
  },
  RawValue: {
    increment: async (o, args) => {
      const raw = o as unknown as { value: unknown };
      raw.value = added(raw.value, args.delta as number);
      return null;
    },
    locked_increment: async (o) => {
      // observed (CPython 3.11): mp.Value('i', 0, lock=False).get_lock() -> AttributeError: 'c_int' object has no attribute 'get_lock'
      const typecode = (o as unknown as { typecode: keyof typeof CTYPES_NAME }).typecode;
      throw new PythonError("AttributeError", `'${CTYPES_NAME[typecode]}' object has no attribute 'get_lock'`);
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
  // A child that ends without its exit functions (killed, os._exit) leaves an item past the pipe's
  // buffer that no get has taken torn (Queue.process-kill.torn); one that exits normally has
  // waited until a get took each (its queues' $exit), so there is nothing to tear.
  child.once("exit", () => {
    for (const o of attached.values()) void o.then((x) => (x as { tearUnflushed?: () => void }).tearUnflushed?.()).catch(() => undefined);
  });
  child.on("message", (m: unknown) => {
    if (!isCall(m)) return;
    void answer(m.call).then((reply) => {
      // A child that exited meanwhile gets no reply (its call may still have taken effect, as with a Manager).
      if (child.connected) child.send({ reply }, () => undefined);
    });
  });
}
