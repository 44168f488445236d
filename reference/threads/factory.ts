/**
 * How the threads module builds a primitive from Python's constructor arguments: each reference
 * file exports `factories` for its classes, and module.ts finds them in this folder (adding a
 * primitive edits no list).
 */
import type { JsonValue } from "../../spec/format.js";
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import type { PrimitiveOptions } from "./profile.js";

export interface Factory {
  /** The spec's primitive name. */
  primitive: string;
  /** Number of positional constructor arguments Python accepts. */
  arity: number;
  /** Keyword-only parameters it takes (Python's `*, lock=True`). */
  keywords?: readonly string[];
  /** Build it from the positional arguments given (trailing defaults left out) and the keyword-only ones. */
  make(argv: JsonValue[], options: PrimitiveOptions, kwargs: Record<string, unknown>): SharedPrimitive;
  attach(handle: ObjectHandle): SharedPrimitive;
}

// Arguments left out get the constructors' defaults (as undefined does in JS).
export const arg = (argv: JsonValue[], i: number) => argv[i] as number | undefined;
