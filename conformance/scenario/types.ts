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
  /** Arguments by name (defaults filled in). Every blocking call has a finite timeout. */
  args: Record<string, JsonValue>;
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
