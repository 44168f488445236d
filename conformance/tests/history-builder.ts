/** Hand-written histories for checker tests: times in milliseconds, outcomes in Python terms. */
import type { JsonValue } from "../../spec/format.js";
import type { HistoryEvent, Outcome } from "../history/types.js";

const MS = 1e6;

export const ret = (value: JsonValue = null): Outcome => ({ kind: "returned", value });
export const raised = (type: string, message = ""): Outcome => ({ kind: "raised", type, message });
export const pending: Outcome = { kind: "pending" };

/** `ev("a0", "acquire", {block: true}, [0, 5], ret(true))`; object defaults to "o0". */
export function ev(
  actor: string,
  op: string,
  args: Record<string, JsonValue>,
  [start, end]: [number, number | null],
  outcome: Outcome,
  object = "o0",
): HistoryEvent {
  return { actor, object, op, args, invoke: start * MS, response: end === null ? null : end * MS, outcome };
}
