/**
 * The threads backend as an `ImplementationModule`: an executor imports this
 * module by URL in every worker thread, creates objects on one thread and
 * attaches their handles on the others.
 */
import type { JsonValue } from "../../spec/format.js";
import { PythonError, type ObjectHandle, type SharedPrimitive } from "../implementation.js";
import { RawArray, SynchronizedArray } from "./array.js";
import { Barrier } from "./barrier.js";
import { Condition } from "./condition.js";
import { Event } from "./event.js";
import { Lock, RLock } from "./lock.js";
import { checkProfile, PROFILES, type PrimitiveOptions } from "./profile.js";
import { Pipe } from "./pipe.js";
import { JoinableQueue, Queue } from "./queue.js";
import { BoundedSemaphore, Semaphore } from "./semaphore.js";
import { SimpleQueue } from "./simple-queue.js";
import { RawValue, Value } from "./value.js";

interface Factory {
  /** Number of positional constructor arguments Python accepts. */
  arity: number;
  make(argv: JsonValue[], options: PrimitiveOptions, kwargs: Record<string, unknown>): SharedPrimitive;
  /** Keyword-only parameters it takes (Python's `*, lock=True`). */
  keywords?: readonly string[];
  attach(handle: ObjectHandle): SharedPrimitive;
}

// Arguments left out get the constructors' defaults (as undefined does in JS).
const arg = (argv: JsonValue[], i: number) => argv[i] as number | undefined;

const FACTORIES: Record<string, Factory> = {
  Lock: { arity: 0, make: (_, o) => new Lock(o), attach: Lock.attach },
  RLock: { arity: 0, make: (_, o) => new RLock(o), attach: RLock.attach },
  Semaphore: { arity: 1, make: (a, o) => new Semaphore(arg(a, 0), o), attach: Semaphore.attach },
  BoundedSemaphore: { arity: 1, make: (a, o) => new BoundedSemaphore(arg(a, 0), o), attach: BoundedSemaphore.attach },
  Queue: { arity: 1, make: (a, o) => new Queue(arg(a, 0), o), attach: Queue.attach },
  JoinableQueue: { arity: 1, make: (a, o) => new JoinableQueue(arg(a, 0), o), attach: JoinableQueue.attach },
  Barrier: {
    arity: 3,
    make: (a, o) => {
      // observed: threading.Barrier() -> TypeError: Barrier.__init__() missing 1 required positional argument: 'parties'
      if (a.length < 1) throw new TypeError("Barrier() missing 1 required positional argument: 'parties'");
      return new Barrier(a[0] as number, a[1] ?? null, (a[2] ?? null) as number | null, o);
    },
    attach: Barrier.attach,
  },
  Event: { arity: 0, make: (_, o) => new Event(o), attach: Event.attach },
  SimpleQueue: { arity: 0, make: (_, o) => new SimpleQueue(o), attach: SimpleQueue.attach },
  // Pipe(duplex): a pair of connections, pipe[0] and pipe[1] (spec profile `returns`, operation `target`).
  Pipe: { arity: 1, make: (a, o) => new Pipe(a[0] ?? true, o), attach: Pipe.attach },
  // Value(typecode, value, *, lock): lock=False returns the bare ctypes object (a RawValue); True
  // or None a wrapper with a new RLock; a Lock or RLock (built by `$new`) is the wrapper's lock.
  Value: { arity: 2, keywords: ["lock"], make: (a, o, kw) => valueOf(a, o, kw), attach: Value.attach },
  RawValue: { arity: 2, make: (a, o) => new RawValue(a[0], a.length > 1 ? a[1] : 0, o), attach: RawValue.attach },
  // Array(typecode, size_or_initializer, *, lock): the first two required (a missing one is a
  // TypeError); lock as for Value.
  Array: { arity: 2, keywords: ["lock"], make: (a, o, kw) => arrayOf(a, o, kw), attach: SynchronizedArray.attach },
  RawArray: { arity: 2, make: (a, o) => new RawArray(a[0], a[1], o), attach: RawArray.attach },
  // lock: null/undefined (an RLock is made), or a Lock or RLock object built by `$new`.
  Condition: { arity: 1, make: (a, o) => new Condition((a[0] ?? null) as unknown as Lock | RLock | null, o), attach: Condition.attach },
};

/**
 * sharedctypes.Value and sharedctypes.Array: the raw object first, then by `lock`
 * (`if lock is False: return obj; if lock in (True, None): lock = ctx.RLock()`) the bare object,
 * or a wrapper with a new RLock or with the Lock or RLock given.
 */
function sharedCtypes(lock: unknown, bare: () => SharedPrimitive, wrapped: (lock?: Lock | RLock) => SharedPrimitive): SharedPrimitive {
  if (lock === false) return bare();
  if (lock === true || lock === null) return wrapped();
  if (lock instanceof Lock || lock instanceof RLock) return wrapped(lock);
  bare(); // its own errors come first, as CPython builds the raw object before looking at lock
  // observed: multiprocessing.Value('i', 0, lock='x') -> AttributeError: 'x' has no method 'acquire'
  throw new PythonError("AttributeError", `${JSON.stringify(lock)} has no method 'acquire'`);
}

const lockArg = (kw: Record<string, unknown>): unknown => ("lock" in kw ? kw.lock : true);

function valueOf(a: JsonValue[], o: PrimitiveOptions, kw: Record<string, unknown>): SharedPrimitive {
  const value = a.length > 1 ? a[1] : 0;
  return sharedCtypes(lockArg(kw), () => new RawValue(a[0], value, o), (lock) => new Value(a[0], value, lock ? { ...o, lock } : o));
}

function arrayOf(a: JsonValue[], o: PrimitiveOptions, kw: Record<string, unknown>): SharedPrimitive {
  return sharedCtypes(lockArg(kw), () => new RawArray(a[0], a[1], o), (lock) => new SynchronizedArray(a[0], a[1], lock ? { ...o, lock } : o));
}

export const primitives: readonly string[] = Object.keys(FACTORIES);
export const profiles: readonly string[] = PROFILES;

function factory(primitive: string): Factory {
  const f = Object.hasOwn(FACTORIES, primitive) ? FACTORIES[primitive] : undefined;
  if (!f) throw new TypeError(`unknown primitive ${JSON.stringify(primitive)} (expected one of ${primitives.join(", ")})`);
  return f;
}

/**
 * Construct `primitive` in `profile` from Python's positional constructor arguments. An
 * argument `{"$new": "<Primitive>", "argv": [...]}` stands for a fresh object of that primitive
 * in the same profile, built first and passed as the argument (Condition's lock; see the `$new`
 * convention in spec/protocol/README.md).
 */
export function create(primitive: string, profile: string, argv: JsonValue[], kwargs: Record<string, JsonValue> = {}): SharedPrimitive {
  const f = factory(primitive);
  if (argv.length > f.arity) {
    throw new TypeError(`${primitive} takes at most ${f.arity} positional constructor argument(s), got ${argv.length}`);
  }
  for (const k of Object.keys(kwargs)) {
    if (!f.keywords?.includes(k)) throw new TypeError(`${primitive}() got an unexpected keyword argument '${k}'`);
  }
  const p = checkProfile(profile);
  // Factories take JSON values, and objects in the places where `$new` may build them.
  const kw = Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, constructed(v, p)]));
  return f.make(argv.map((v) => constructed(v, p)) as JsonValue[], { profile: p }, kw);
}

function constructed(v: JsonValue, profile: string): JsonValue | SharedPrimitive {
  if (typeof v !== "object" || v === null || Array.isArray(v) || !("$new" in v)) return v;
  const { $new: name, argv = [], ...rest } = v as { $new: unknown; argv?: unknown };
  if (typeof name !== "string" || !Array.isArray(argv) || Object.keys(rest).length > 0) {
    throw new TypeError(`${JSON.stringify(v)} is not a $new value: expected {"$new": "<Primitive>", "argv": [...]}`);
  }
  return create(name, profile, argv as JsonValue[]);
}

/** Rebuild an object from its `handle()` (made by `create` or a constructor), in any thread. */
export function attach(handle: ObjectHandle): SharedPrimitive {
  return factory(handle.primitive).attach(handle);
}
