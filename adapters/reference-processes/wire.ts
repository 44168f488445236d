/**
 * What the ProcessesExecutor (the parent) and an actor's child process (actor-child.ts) say to
 * each other over the child's IPC channel (fork, 'advanced' serialization). Types only: the child
 * imports nothing else of the project, so it starts fast and never touches the objects.
 *
 * One scenario, for a child that runs actor a<i>:
 *   parent -> child  {t: "program", scenario, calls}    the actor's calls, as the run message has them
 *   child  -> parent {t: "ready", scenario}
 *   parent -> child  {t: "go", scenario}                once init is done and every actor is ready
 *                    (or {t: "abort", scenario}: the deadline came first; the child drops the program)
 *   then for each call i, in program order, after sleeping the call's pause:
 *   child  -> parent {t: "call", scenario, i, call}     the proxy's request, as a Manager proxy's
 *   parent -> child  {t: "reply", scenario, i, outcome} once the parent has performed it
 * A child still in its program at the deadline is killed (SIGKILL), never told.
 */
import type { Outcome } from "../../conformance/history/types.js";
import type { WireCall } from "../reference-threads/protocol.js";

export type ToChild =
  | { t: "program"; scenario: number; calls: WireCall[] }
  | { t: "go"; scenario: number }
  | { t: "abort"; scenario: number }
  | { t: "reply"; scenario: number; i: number; outcome: Outcome };

export type FromChild =
  | { t: "booted"; pid: number }
  | { t: "ready"; scenario: number }
  | { t: "call"; scenario: number; i: number; call: WireCall }
  /** The child could not follow the protocol (a message out of turn): the scenario fails with it. */
  | { t: "failed"; scenario: number; error: string };
