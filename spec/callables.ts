/**
 * Worker callables (spec/callables.yaml): a closed vocabulary of module-level functions that a
 * scenario passes where Python takes a callable (a Process target, a Pool task, a Barrier action).
 * Every adapter implements each one (the Python adapter as picklable functions, the Node reference
 * in threads and child processes); what a call does is the CEL expression `outcome`, so the model
 * computes results instead of trusting the adapter's.
 *
 * A callable crosses the protocol as `{"$callable": <name>, <param>: <value>, ...}`. In `outcome`
 * (and `sleeps`): `params` (that value's fields), `args` (the positional arguments it is called
 * with), `pid` (the process that runs it); and four constructors of what happens:
 * `ok(value)` returns value, `raise(type, args)` raises the builtin exception type(*args),
 * `exit(code)` ends the process at once with that exit status (os._exit), `signal(n)` kills the
 * process with signal n.
 *
 * A parameter with a `primitive` takes another object of the scenario, `{"$object": <id>}` (in an
 * example, `{"$object": <Primitive>}`: a fresh one), and `calls` lists, in CEL, the calls the
 * callable makes on such objects before its outcome: `[{'object': params.event, 'op': 'set',
 * 'args': {}}]`. The model runs them through that object's own rules, as the process that runs the
 * callable (docs/design/processes.md, section 3).
 * The JSON Schema spec/callables.schema.json is generated from this file (`npm run schema`).
 */
import type { JsonValue } from "./format.js";

export interface CallableParam {
  name: string;
  description: string;
  /** The JSON values it takes, for the loader's check: a JSON type name per accepted type. */
  type: ("null" | "boolean" | "integer" | "number" | "string" | "array" | "object")[];
  /** It takes another scenario object of this spec primitive, `{"$object": <id>}` (type then `[object]`). */
  primitive?: string;
}

/** An input the vocabulary's test runs on every implementation and compares with `outcome`. */
export interface CallableExample {
  /** The callable value's parameters. */
  params?: { [name: string]: JsonValue };
  /** Positional arguments of the call. */
  args?: JsonValue[];
}

export interface CallableSpec {
  /** What it does, in Python terms. */
  description: string;
  /** The Python it stands for, as the Python adapter defines it. */
  python: string;
  params: CallableParam[];
  /** How many positional arguments it is called with: a number, or "any". */
  arity: number | "any";
  /** CEL: what a call does, one of ok(...), raise(...), exit(...), signal(...). */
  outcome: string;
  /**
   * CEL: the calls it makes on scenario objects its parameters name, in order, before its outcome:
   * a list of `{'object': <a $object parameter>, 'op': <operation>, 'args': {<name>: <value>}}`.
   */
  calls?: string;
  /** CEL: seconds the call takes before its outcome, when it sleeps. */
  sleeps?: string;
  /**
   * false: it cannot be pickled (a lambda), so it reaches a child process only by inheritance
   * (fork); CEL `picklable(c)`. Default true: the vocabulary's functions are module-level.
   */
  picklable?: boolean;
  /** Where its behaviour is stated, or the CPython snippet that shows it. */
  source: string;
  /** Inputs checked against CPython and the reference. At least one. */
  examples: CallableExample[];
}

export interface CallablesDocument {
  description: string;
  callables: { [name: string]: CallableSpec };
}
