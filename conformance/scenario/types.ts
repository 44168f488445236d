/**
 * A scenario, shaped like Lincheck's: an init part run alone by the actor "main",
 * a parallel part (one list of calls per actor, started together), and a post
 * part run alone by "main" once every parallel actor has finished.
 */
import type { JsonValue } from "../../spec/format.js";

export interface ObjectDecl {
  /** Scenario-local id, e.g. "o0". */
  id: string;
  /** Spec primitive name, e.g. "Queue". */
  primitive: string;
  /** Constructor arguments by name (defaults filled in). */
  args: Record<string, JsonValue>;
}

export interface Call {
  object: string;
  op: string;
  /** Arguments by name (defaults filled in). Every blocking call has a timeout (null where the spec's domain draws it: the deadline bounds it). */
  args: Record<string, JsonValue>;
  /**
   * Seconds the actor sleeps before invoking this call (after its previous call returned, or
   * after the part started). Places a releasing call after the waiters it should release;
   * not an argument: the checker judges the call as if it had none. Absent: no pause.
   */
  pause?: number;
}

export interface Scenario {
  /** Profile the calls are judged in: "multiprocessing" or "threading". */
  profile: string;
  objects: ObjectDecl[];
  init: Call[];
  /** parallel[i] is run by actor `a${i}`. */
  parallel: Call[][];
  post: Call[];
}

export const MAIN_ACTOR = "main";
export const actorId = (i: number): string => `a${i}`;

/**
 * The `$new` value convention (spec/protocol/README.md): a constructor argument
 * `{"$new": "<Primitive>", "args": {...}}` stands for a fresh object of that spec
 * primitive, in the scenario's profile, built for the object being constructed
 * (it belongs to that object alone). `args` by name, as for a scenario object;
 * it may be left out when the primitive has no parameters.
 */
export interface NewValue {
  $new: string;
  args?: Record<string, JsonValue>;
}

export const NEW_KEY = "$new";

/** Whether `v` uses the `$new` convention (well-formed or not). */
export function isNewValue(v: unknown): v is NewValue {
  return typeof v === "object" && v !== null && !Array.isArray(v) && NEW_KEY in v;
}

/** A `$new` value checked: its primitive name and named args; a malformed one is an Error naming it. */
export function checkNewValue(v: NewValue): { primitive: string; args: Record<string, JsonValue> } {
  const keys = Object.keys(v).filter((k) => k !== NEW_KEY && k !== "args");
  const args = v.args ?? {};
  if (typeof v.$new !== "string" || keys.length > 0 || typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new Error(`${JSON.stringify(v)} is not a $new value: expected {"$new": "<Primitive>", "args": {<name>: <value>}} (args optional)`);
  }
  return { primitive: v.$new, args };
}
