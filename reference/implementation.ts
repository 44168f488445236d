/**
 * The contract between an executor and an implementation of the primitives that
 * lives in this Node process: the reference backend, or a deliberately broken
 * variant kept in the tests. An executor imports such a module by URL inside each
 * worker thread, so everything crossing threads is a structured-clonable handle.
 */
import type { JsonValue } from "../spec/format.js";

/** A Python exception, as an implementation raises it: qualified type name and str(exc). */
export class PythonError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    /** The exception's args when they are not just [message] (SystemExit(3): [3]). */
    readonly pyArgs: JsonValue[] = [message],
  ) {
    super(message);
    this.name = pyType;
  }
}

/** Structured-clonable description of a shared object (its SharedArrayBuffers and parameters). */
export interface ObjectHandle {
  primitive: string;
  profile: string;
  [key: string]: unknown;
}

/** Any object of the implementation: its Python-named methods, called with positional arguments. */
export interface SharedPrimitive {
  handle(): ObjectHandle;
}

export interface ImplementationModule {
  /** Which primitives and profiles it implements. */
  readonly primitives: readonly string[];
  readonly profiles: readonly string[];
  /**
   * Construct an object on the calling thread from Python's arguments: positional ones (trailing
   * defaults left out: the implementation's own defaults apply) and keyword-only ones not at their
   * default (Value's `lock`), as the protocol's run message has them. An executor gives a
   * `{"$object": k}` of the run message (another object of the scenario, anywhere in the arguments)
   * as `{"$object": <that object's handle>}`.
   */
  create(primitive: string, profile: string, argv: JsonValue[], kwargs?: Record<string, JsonValue>): SharedPrimitive;
  /** Rebuild an object from its handle, on another thread. */
  attach(handle: ObjectHandle): SharedPrimitive;
  /**
   * End what the objects created on this thread started outside it (child processes), once a
   * scenario is over; the executor awaits it before the next scenario. With `scope`, only what
   * the objects created in that scope (enterScope) started: executors that share a thread (a
   * campaign's lanes) end their own scenario's children, not each other's. Optional.
   */
  end?(scope?: object): Promise<void>;
  /** The objects `create` makes from now on belong to `scope` (undefined: to none). Optional, with `end`. */
  enterScope?(scope: object | undefined): void;
}
