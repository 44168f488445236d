/**
 * Start-method contexts (spec/primitives/Context.yaml, DefaultContext.yaml): a concrete context
 * (`multiprocessing.get_context(method)`), whose method is fixed, and the module-level default
 * context, whose method is set once (or again with force=true).
 *
 * The reference's child processes are fresh Node processes that get everything by message,
 * which is the 'spawn' model: its current context (get_context(None)) is 'spawn'.
 */
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { PythonError } from "../implementation.js";
import { sharedWords } from "./futex.js";
import { checkHandle, checkProfile, sharedBuffer, type PrimitiveOptions, type Profile } from "./profile.js";
import { type Factory } from "./factory.js";

const METHODS = ["fork", "spawn", "forkserver"] as const;
type Method = (typeof METHODS)[number];
const CURRENT: Method = "spawn";

function checkMethod(method: unknown): Method {
  if (typeof method === "string" && (METHODS as readonly string[]).includes(method)) return method as Method;
  // CPython: 'cannot find context for %r' % method (a str's repr is single-quoted).
  throw new PythonError("ValueError", `cannot find context for ${typeof method === "string" ? `'${method}'` : String(method)}`);
}

/** A concrete context: stateless, its method fixed at construction. */
export class Context implements SharedPrimitive {
  readonly profile: Profile;
  readonly method: Method;

  constructor(method: string | null = null, options: PrimitiveOptions = {}) {
    this.profile = checkProfile(options.profile);
    this.method = method === null ? CURRENT : checkMethod(method);
  }

  static attach(handle: ObjectHandle): Context {
    return new Context(handle.method as string, { profile: checkHandle(handle, "Context") });
  }

  handle(): ObjectHandle {
    return { primitive: "Context", profile: this.profile, method: this.method };
  }

  get_start_method(_allowNone = false): string {
    return this.method;
  }

  set_start_method(_method: string | null, _force = false): never {
    throw new PythonError("ValueError", "cannot set start method of concrete context");
  }
}

const ACTUAL = 0; // 0 unset, else 1 + index in METHODS
const DEFAULT = 1;
const WORDS = 2;

/** The module-level context: unset until first asked or set; set once unless forced. Checks and sets without a lock, as CPython does. */
export class DefaultContext implements SharedPrimitive {
  readonly profile: Profile;
  readonly #words: Int32Array;

  constructor(context: Context, options: PrimitiveOptions = {}, shared?: Int32Array) {
    this.profile = checkProfile(options.profile);
    this.#words = shared ?? sharedWords(WORDS);
    if (!shared) {
      if (!(context instanceof Context)) throw new PythonError("TypeError", "DefaultContext() takes a concrete context (get_context(method))");
      Atomics.store(this.#words, DEFAULT, 1 + METHODS.indexOf(context.method));
    }
  }

  static attach(handle: ObjectHandle): DefaultContext {
    const profile = checkHandle(handle, "DefaultContext");
    return new DefaultContext(undefined as unknown as Context, { profile }, new Int32Array(sharedBuffer(handle, "state")));
  }

  handle(): ObjectHandle {
    return { primitive: "DefaultContext", profile: this.profile, state: this.#words.buffer };
  }

  get_start_method(allowNone = false): string | null {
    const w = this.#words;
    const actual = Atomics.load(w, ACTUAL);
    if (actual !== 0) return METHODS[actual - 1]!;
    if (allowNone) return null;
    const d = Atomics.load(w, DEFAULT);
    Atomics.store(w, ACTUAL, d);
    return METHODS[d - 1]!;
  }

  set_start_method(method: string | null, force = false): null {
    const w = this.#words;
    // CPython: 'context has already been set' unless force; then None with force unsets it.
    if (Atomics.load(w, ACTUAL) !== 0 && !force) throw new PythonError("RuntimeError", "context has already been set");
    if (method === null && force) {
      Atomics.store(w, ACTUAL, 0);
      return null;
    }
    if (method === null) {
      if (Atomics.load(w, ACTUAL) === 0) Atomics.store(w, ACTUAL, Atomics.load(w, DEFAULT));
      return null;
    }
    Atomics.store(w, ACTUAL, 1 + METHODS.indexOf(checkMethod(method)));
    return null;
  }
}

export const factories: Factory[] = [
  { primitive: "Context", arity: 1, make: (a, o) => new Context((a[0] as string | null | undefined) ?? null, o), attach: Context.attach },
  { primitive: "DefaultContext", arity: 1, make: (a, o) => new DefaultContext(a[0] as unknown as Context, o), attach: DefaultContext.attach },
];
