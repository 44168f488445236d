/**
 * Items that stand for Python objects which cannot be pickled, or whose unpickling fails
 * (spec/protocol/README.md, "Values that stand for Python objects"):
 *
 * - `{"$unpicklable": "u1"}`: pickling it raises `TypeError: cannot pickle '_thread.lock' object`
 *   (the Python adapter's object holds a threading.Lock, and CPython's pickler says so);
 * - `{"$unpickling-fails": "u2"}`: it pickles, and unpickling it raises
 *   `ValueError: unpickling u2 fails`.
 *
 * The reference keeps them as the JSON values they are; the primitives that pickle their items
 * in the multiprocessing profile (Queue, JoinableQueue, SimpleQueue, Pipe) call `checkPicklable`
 * where CPython pickles and `checkUnpicklable` where it unpickles. In the threading profile
 * nothing is pickled: such items pass through.
 */
import { isPyBytes } from "./bytes.js";
import { PythonError, type ObjectHandle } from "./implementation.js";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/** The first `{"<key>": token}` inside v (arrays and plain objects, depth first), or undefined. */
function find(v: unknown, key: string, seen?: Set<object>): string | undefined {
  if (typeof v !== "object" || v === null || seen?.has(v)) return undefined;
  seen ??= new Set<object>();
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const t = find(x, key, seen);
      if (t !== undefined) return t;
    }
    return undefined;
  }
  if (!isObject(v)) return undefined;
  if (key in v && typeof v[key] === "string") return v[key] as string;
  for (const x of Object.values(v)) {
    const t = find(x, key, seen);
    if (t !== undefined) return t;
  }
  return undefined;
}

// observed (CPython 3.11): multiprocessing.Pipe()[0].send(obj_holding_a_threading_Lock), SimpleQueue().put(same)
//   -> TypeError: cannot pickle '_thread.lock' object (raised in the caller; nothing sent)
export const unpicklableError = () => new PythonError("TypeError", "cannot pickle '_thread.lock' object");

/** Whether pickling v fails (it holds an `$unpicklable` value). */
export function isUnpicklable(v: unknown): boolean {
  return find(v, "$unpicklable") !== undefined;
}

/** Throw what pickling v raises in CPython, if it does. */
export function checkPicklable(v: unknown): void {
  if (isUnpicklable(v)) throw unpicklableError();
}

/** Throw what unpickling v raises (a `$unpickling-fails` value inside it), if it does. */
export function checkUnpicklable(v: unknown): void {
  const token = find(v, "$unpickling-fails");
  // observed: an object whose __reduce__ gives (f, (token,)) with f raising ValueError: the receiver's
  //   Queue.get / SimpleQueue.get / Connection.recv raises it, the item taken and the next one delivered
  if (token !== undefined) throw new PythonError("ValueError", `unpickling ${token} fails`);
}

/**
 * Another object of the scenario in a value to be pickled (sent on a Pipe, put on a Queue), as an executor passes a call's `{"$object": k}`
 * (spec/protocol/README.md): `{"$object": <that object's handle>}`, anywhere in the sent value
 * (also inside lists and plain objects). The handle is only read for its primitive's name; the
 * object is not attached. Pickling it raises (inheritanceOnlyError).
 */
export function sharedObjectIn(v: unknown, seen?: Set<object>): ObjectHandle | undefined {
  // (The set is made only for an object: a queue's put of a number asks this too.)
  if (typeof v !== "object" || v === null || seen?.has(v) || isPyBytes(v)) return undefined;
  seen ??= new Set<object>();
  seen.add(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const h = sharedObjectIn(x, seen);
      if (h !== undefined) return h;
    }
    return undefined;
  }
  if (!isObject(v)) return undefined;
  if ("$object" in v) {
    const h = v.$object;
    if (typeof h !== "object" || h === null || typeof (h as ObjectHandle).primitive !== "string") {
      // An executor resolves the run message's index first (adapters/reference-threads/executor.ts).
      throw new TypeError(`${JSON.stringify(v)}: a pickled {"$object": ...} holds the object's handle`);
    }
    return h as ObjectHandle;
  }
  for (const x of Object.values(v)) {
    const h = sharedObjectIn(x, seen);
    if (h !== undefined) return h;
  }
  return undefined;
}

// observed (CPython): a, b = multiprocessing.Pipe(); a.send(multiprocessing.Lock()) -> RuntimeError: Lock objects should
//   only be shared between processes through inheritance (context.assert_spawning, named after type(obj).__name__); nothing
//   sent, the connection goes on. RLock, Semaphore, BoundedSemaphore, Queue under their own names; Event, Condition and
//   Barrier say Condition (the first of their parts pickled); Value (lock=True) says Synchronized.
const INHERITANCE_ONLY_NAME: Readonly<Record<string, string>> = {
  Event: "Condition",
  Condition: "Condition",
  Barrier: "Condition",
  Value: "Synchronized",
};
export const inheritanceOnlyError = (h: ObjectHandle) =>
  new PythonError("RuntimeError", `${INHERITANCE_ONLY_NAME[h.primitive] ?? h.primitive} objects should only be shared between processes through inheritance`);
