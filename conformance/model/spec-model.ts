/**
 * A pure step model interpreted from one spec document, for one profile and one
 * conformance level (in the manner of Porcupine's models): initial state, the
 * states a call can lead to given its observed outcome, and internal steps.
 */
import type { JsonValue, Level, Raises, RuleLevel } from "../../spec/format.js";
import type { Outcome } from "../history/types.js";
import { evalBool, type Bindings, type CompiledExpr } from "../spec/cel.js";
import { SpecError, type CompiledConstruction, type CompiledEffect, type CompiledInternal, type CompiledOperation, type CompiledRule, type LoadedSpec } from "../spec/load.js";
import { fromJson, keyOf, pyRepr, toJson, valuesEqual, type ModelValue } from "../spec/values.js";

export type State = Map<string, ModelValue>;

/** Where a state object keeps its canonical key once computed (a WeakMap per state cost more, most of it in the collector). */
const STATE_KEY = Symbol("state key");

/**
 * What the checker's search needs of a model (Porcupine keeps `Model` apart from `checker.go`):
 * SpecModel for one object, SystemModel (./system-model.ts) for objects that act on each other.
 */
export interface Model {
  /** Internal steps exist (a search without memo cannot take them: it could loop). */
  readonly hasInternal: boolean;
  /** Seconds a timeout may fire early (the largest of the documents'). */
  readonly timeoutSlackSeconds: number;
  /** Nanoseconds an internal step may take once enabled, for the steps that are not prompt (`within`). */
  readonly slowSteps: ReadonlyMap<string, number>;
  initial(): State;
  key(s: State): string;
  /** Whether the operation `op` of `object` produces a handle (its `produces`). */
  produces(object: string, op: string): boolean;
  /** `handle`: the handle the call produces or is made on (PreparedCall.handle). */
  prepareCall(object: string, actor: string, op: string, args: Record<string, JsonValue>, handle?: string): PreparedCall;
  step(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase?: number): Successor[];
  internalSteps(s: State): { state: State; id: string }[];
  predict(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase?: number): Prediction[];
  /**
   * Whether every step `call` can take leaves the state as it is, whatever the state (one phase,
   * no rule with an effect: a read). The search may then take such a call as soon as it matches
   * (linearize.ts). Optional: a model that cannot tell says nothing.
   */
  readOnly?(call: PreparedCall): boolean;
  /**
   * A key shared by calls that take the same steps at every state (the same operation and
   * arguments, rules that read neither `actor` nor `handle`), or undefined. The search may then
   * take twins that never returned in invocation order only (linearize.ts). Optional.
   */
  twinKey?(call: PreparedCall): string | undefined;
}

/** A call one object's process makes on another (an enabled `delegate` internal step). */
export interface Delegation {
  internal: CompiledInternal;
  /** The other object's id (its `{"$object": id}`), the operation and its arguments. */
  object: string;
  op: string;
  args: Record<string, JsonValue>;
  /** The phase the call is in (0: not begun). */
  phase: number;
  /** Whom the call is made as, after this object's id: `child` (its child process) or a thread's name (delegate.as). */
  as: string;
}

export interface PreparedCall {
  /** The object called, when the model is a system of several (SystemModel). */
  object?: string;
  actor: string;
  op: CompiledOperation;
  args: Map<string, ModelValue>;
  /** Rules active in this profile and level, per phase ([0]: the call's first step), in document order. */
  phases: CompiledRule[][];
  /** Seconds, when the call has a finite timeout. */
  timeout: number | null;
  /** The handle the call produces (its operation's `produces`) or is made on (a handle's operation): CEL `handle`. */
  handle?: string;
}

export interface Successor {
  state: State;
  rule: CompiledRule;
  /** The phase the call continues in, or undefined when this step completes it. */
  next?: number;
  /** The call's result, when this step completes it. */
  result?: ModelValue;
}

/** What a rule would have done at some state, for explanations. */
export interface Prediction {
  ruleId: string;
  enabled: boolean;
  /** Text of the outcome the rule gives ("returns True", "raises ValueError: ..."). */
  outcome: string;
  matches: boolean;
  afterTimeout: boolean;
}

const levelActive = (part: Level, checked: Level) => part === "documented" || checked === "cpython";

/**
 * Whether a rule of this class is active when checking at `checked`: deviation rules (CPython
 * behaviour the docs forbid) at the cpython level, and at the documented level only when asked
 * for (to tell a known CPython deviation from a failure).
 */
export const ruleActive = (part: RuleLevel, checked: Level, deviations: boolean): boolean =>
  part === "deviation" ? checked === "cpython" || deviations : levelActive(part, checked);

export class SpecModel implements Model {
  private readonly ctor: Map<string, ModelValue>;
  readonly hasInternal: boolean;
  readonly timeoutSlackSeconds: number;
  readonly slowSteps: ReadonlyMap<string, number>;

  constructor(
    readonly spec: LoadedSpec,
    readonly profile: string,
    readonly level: Level,
    ctorArgs: Record<string, JsonValue>,
    /** At the documented level, also admit the spec's known CPython deviations. */
    readonly deviations = false,
    /** What the scenario's actors were (CEL `actorKind` in operation rules). */
    readonly actorKind: "threads" | "processes" | "unknown" = "unknown",
    /** The adapter's start method (CEL `startMethod`): 'fork', 'spawn', 'forkserver' or 'unknown'. */
    readonly startMethod: string = "unknown",
  ) {
    this.hasInternal = spec.internal.length > 0;
    this.timeoutSlackSeconds = spec.timeoutSlackSeconds;
    // An optional step is never counted on: as if it could take for ever.
    this.slowSteps = new Map(spec.internal.filter((c) => c.step.within !== undefined || c.step.optional).map((c) => [c.step.id, c.step.optional ? Infinity : c.step.within! * 1e9]));
    this.ctor = new Map();
    for (const name of spec.paramNames) {
      const v = name in ctorArgs ? ctorArgs[name]! : spec.paramDefaults[name];
      if (v === undefined) throw new Error(`${spec.primitive}: constructor argument '${name}' missing and has no default`);
      this.ctor.set(name, fromJson(v));
    }
  }

  /**
   * Judge what the constructor did with these arguments (spec `construction`): built the object
   * (`returned`) or raised. The object is built unless an active refusal's guard holds; then it
   * must raise as one of those refusals says. `explainedBy`: the refusal that explains a raise;
   * on a mismatch, `expected` lists the refusals whose guard holds (empty: it must be built).
   */
  judgeConstruction(outcome: Outcome): { ok: boolean; explainedBy?: string; expected: CompiledConstruction[] } {
    const b: Bindings = { ctor: this.ctor, profile: this.profile, startMethod: this.startMethod };
    const expected = this.spec.construction.filter(
      (c) =>
        ruleActive(c.rule.level, this.level, this.deviations) &&
        (!c.rule.documentedOnly || this.level === "documented") &&
        (!c.rule.profiles || c.rule.profiles.includes(this.profile)) &&
        evalBool(c.when, b),
    );
    if (outcome.kind !== "raised") return { ok: expected.length === 0 && outcome.kind === "returned", expected };
    const by = expected.find((c) => this.raisesAs(c.rule.raises, c.messagePattern, outcome));
    return by ? { ok: true, explainedBy: by.rule.id, expected } : { ok: false, expected };
  }

  /** The error a raising rule raises for `call` at `s`: `{'type': ..., 'message': ...}` (the message when the rule fixes one, else ''). */
  raisedError(s: State, call: PreparedCall, r: CompiledRule): ModelValue {
    if (r.raisesFrom) return r.raisesFrom.eval(this.bindings(s, call));
    const raises = r.rule.raises!;
    // A message the rule gives as a pattern travels as the pattern too (checked by raisesComputed);
    // `message` is always there ('' when the rule fixes none), for CEL that reads it.
    const e = new Map<string, ModelValue>([["type", raises.type ?? ""], ["message", raises.message ?? ""]]);
    if (raises.message === undefined && raises.messagePattern !== undefined) e.set("messagePattern", raises.messagePattern);
    return e;
  }

  /** Whether a raised outcome is the error a rule's `raises.from` computes (its type exactly; the message at its level). */
  private raisesComputed(r: CompiledRule, b: Bindings, outcome: Outcome & { kind: "raised" }): boolean {
    const e = r.raisesFrom!.eval(b);
    if (!(e instanceof Map) || typeof e.get("type") !== "string") throw new Error(`${r.raisesFrom!.where}: ${r.raisesFrom!.source}: must give {'type': <name>, 'message': <text>}, got ${pyRepr(e)}`);
    if (outcome.type !== e.get("type")) return false;
    if (!levelActive(r.rule.raises!.messageLevel ?? "cpython", this.level)) return true;
    const pattern = e.get("messagePattern");
    if (typeof pattern === "string") return wholeMessage(pattern).test(outcome.message);
    return outcome.message === String(e.get("message") ?? "");
  }

  /** Whether a raised outcome is the error `ex` (its type or a subclass; the message at its level). */
  private raisesAs(ex: Raises, pattern: RegExp | undefined, outcome: Outcome & { kind: "raised" }): boolean {
    if (ex.type === undefined || (outcome.type !== ex.type && !(outcome.mro ?? []).includes(ex.type))) return false;
    if (levelActive(ex.messageLevel ?? "cpython", this.level)) {
      if (ex.message !== undefined && outcome.message !== ex.message) return false;
      if (pattern && !pattern.test(outcome.message)) return false;
    }
    return true;
  }

  initial(): State {
    const b: Bindings = { ctor: this.ctor, profile: this.profile };
    const s: State = new Map();
    for (const { name, init } of this.spec.stateInit) s.set(name, init.eval(b));
    this.checkInvariants(s, "the initial state");
    return s;
  }

  /**
   * The document's invariants at a newly built state: one that does not hold is a bug in the
   * spec (a SpecError naming the invariant, the step that built the state, and the state).
   */
  private checkInvariants(s: State, producedBy: string): void {
    for (const { name, expr } of this.spec.invariants) {
      if (evalBool(expr, { ctor: this.ctor, s, profile: this.profile })) continue;
      const ctor = [...this.ctor].map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ");
      throw new SpecError(
        this.spec.file,
        `invariants.${name}`,
        `does not hold after ${producedBy} (profile ${this.profile}${ctor ? `, ctor ${ctor}` : ""}): state ${pyRepr(s)}\n  invariant: ${expr.source}`,
      );
    }
  }

  /** Canonical key of a state (cached on the state object, which never changes: successors are often shared). */
  key(s: State): string {
    const tagged = s as State & { [STATE_KEY]?: string };
    return (tagged[STATE_KEY] ??= keyOf(s));
  }

  /** Resolve a recorded call against the spec; an unknown operation or argument is reported by name. */
  prepare(actor: string, opName: string, args: Record<string, JsonValue>, handle?: string): PreparedCall {
    const op = this.spec.operations.get(opName);
    if (!op) throw new Error(`${this.spec.primitive} has no operation '${opName}' in ${this.spec.file}`);
    const m = new Map<string, ModelValue>();
    for (const name of op.argNames) {
      const v = name in args ? args[name]! : op.defaults[name];
      m.set(name, v === undefined ? null : fromJson(v));
    }
    for (const name of Object.keys(args)) {
      if (!op.argNames.includes(name)) throw new Error(`${this.spec.primitive}.${opName} has no argument '${name}' in ${this.spec.file}`);
    }
    const phases = op.phases.map((rules) =>
      rules.filter(
        (r) =>
          ruleActive(r.rule.level, this.level, this.deviations) &&
          (!r.rule.documentedOnly || this.level === "documented") &&
          (!r.rule.profiles || r.rule.profiles.includes(this.profile)),
      ),
    );
    if ((op.op.produces !== undefined || op.handle !== undefined) && handle === undefined) {
      throw new Error(`${this.spec.primitive}.${opName}: ${op.handle ? "a handle's operation needs the handle it is on" : "a producing call needs the id of the handle it produces"}`);
    }
    return { actor, op, args: m, phases, timeout: effectiveTimeout(op, this.ctor, m, this.profile), ...(handle !== undefined ? { handle } : {}) };
  }

  readOnly(call: PreparedCall): boolean {
    return call.phases.length === 1 && call.phases[0]!.every((r) => r.effect.length === 0 && r.next === undefined);
  }

  twinKey(call: PreparedCall): string | undefined {
    if (call.handle !== undefined) return undefined;
    const personal = (e: CompiledExpr | undefined) => e !== undefined && (e.names.has("actor") || e.names.has("handle"));
    for (const phase of call.phases) {
      for (const r of phase) {
        if ([r.when, r.returns, r.accepts, r.raisesFrom, ...r.effect.flatMap((e) => [e.key, e.value])].some(personal)) return undefined;
      }
    }
    return `${call.op.name}(${keyOf(call.args)})`;
  }

  produces(_object: string, op: string): boolean {
    return this.spec.operations.get(op)?.op.produces !== undefined;
  }

  prepareCall(_object: string, actor: string, op: string, args: Record<string, JsonValue>, handle?: string): PreparedCall {
    return this.prepare(actor, op, args, handle);
  }

  private bindings(s: State, call: PreparedCall): Bindings {
    const b: Bindings = { ctor: this.ctor, s, args: call.args, profile: this.profile, actor: call.actor, actorKind: this.actorKind, startMethod: this.startMethod };
    if (call.handle !== undefined) b.handle = call.handle;
    return b;
  }

  /**
   * The states reachable by taking `call` at `s` with the observed outcome.
   * `timeoutElapsed` says whether the call's timeout has passed at this point;
   * afterTimeout rules apply only then. A pending outcome matches any rule; a
   * rule that continues the call (`next`) matches without looking at the outcome, unless it
   * continues into a deadlock (a phase with no rules), which only a pending call can.
   */
  step(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase = 0): Successor[] {
    const b = this.bindings(s, call);
    const out: Successor[] = [];
    for (const r of call.phases[phase]!) {
      if (r.rule.afterTimeout && !timeoutElapsed) continue;
      if (r.when && !evalBool(r.when, b)) continue;
      if (r.next !== undefined) {
        // Into a deadlock (a phase no rule completes) only a call that never returned can go.
        if (call.phases[r.next]!.length === 0 && outcome.kind !== "pending") continue;
        out.push({ state: this.apply(s, r.effect, b, "rule", r.rule.id), rule: r, next: r.next });
        continue;
      }
      const result = this.match(r, b, outcome);
      if (result === NO_MATCH) continue;
      // Bound for this rule's effects only (a later rule's guard cannot name `result`: checked at load).
      b.result = result;
      out.push({ state: this.apply(s, r.effect, b, "rule", r.rule.id), rule: r, result });
    }
    return out;
  }

  /**
   * Internal steps enabled at `s` (e.g. a feeder thread flushing an item). Calls on other objects
   * (`delegate` steps) are not among them: only a system of objects takes those (`delegations`).
   */
  internalSteps(s: State): { state: State; id: string }[] {
    const out: { state: State; id: string }[] = [];
    for (const c of this.spec.internal) {
      if (c.delegate || !this.internalActive(c)) continue;
      const base: Bindings = { ctor: this.ctor, s, profile: this.profile };
      for (const b of combinations(c.choose, base)) {
        if (c.when && !evalBool(c.when, b)) continue;
        out.push({ state: this.apply(s, c.effect, b, "internal step", c.step.id), id: c.step.id });
      }
    }
    return out;
  }

  private internalActive(c: CompiledInternal): boolean {
    return ruleActive(c.step.level, this.level, this.deviations) && (!c.step.documentedOnly || this.level === "documented") && (!c.step.profiles || c.step.profiles.includes(this.profile));
  }

  /**
   * The enabled internal steps that end this object's child process (`endsChild`): each with how
   * (`exit`: its exit functions run; `kill`: they do not), the state after it, and its id.
   * `internalSteps` gives them too; a system of objects takes them from here instead, to apply
   * the other objects' `processEnd` rules.
   */
  childEnds(s: State): { state: State; id: string; how: "exit" | "kill" }[] {
    const out: { state: State; id: string; how: "exit" | "kill" }[] = [];
    for (const c of this.spec.internal) {
      if (!c.endsChild || c.delegate || !this.internalActive(c)) continue;
      const base: Bindings = { ctor: this.ctor, s, profile: this.profile };
      for (const b of combinations(c.choose, base)) {
        if (c.when && !evalBool(c.when, b)) continue;
        const how = c.endsChild.eval(b);
        if (how === null) continue;
        if (how !== "exit" && how !== "kill") throw new Error(`${c.endsChild.where}: ${c.endsChild.source}: must give 'exit', 'kill' or null, got ${pyRepr(how)}`);
        out.push({ state: this.apply(s, c.effect, b, "internal step", c.step.id), id: c.step.id, how });
      }
    }
    return out;
  }

  /** Whether an internal step ends the child's process (may, at some state): see childEnds. */
  endsChild(stepId: string): boolean {
    return this.spec.internal.some((c) => c.step.id === stepId && c.endsChild !== undefined);
  }

  /**
   * This object's states once the process `actor` ended (`processEnd` rules of that kind): null
   * when the object has no active rule of that kind (nothing happens to it); for `exit`, the state
   * after each enabled rule (none: the process cannot end yet, its exit functions wait); for
   * `kill`, each enabled rule's, or the state as it is when none is enabled.
   */
  processEnd(s: State, actor: string, how: "exit" | "kill"): { state: State; id: string }[] | null {
    const rules = this.spec.processEnd.filter(
      (r) => r.rule.how === how && ruleActive(r.rule.level, this.level, this.deviations) && (!r.rule.profiles || r.rule.profiles.includes(this.profile)),
    );
    if (rules.length === 0) return null;
    const b: Bindings = { ctor: this.ctor, s, profile: this.profile, actor };
    const out = rules.filter((r) => !r.when || evalBool(r.when, b)).map((r) => ({ state: this.apply(s, r.effect, b, "process-end rule", r.rule.id), id: r.rule.id }));
    if (out.length === 0 && how === "kill") return [{ state: s, id: "" }];
    return out;
  }

  /** The calls on other objects this object's process may make next at `s` (enabled `delegate` steps). */
  delegations(s: State): Delegation[] {
    const out: Delegation[] = [];
    for (const c of this.spec.internal) {
      if (!c.delegate || !this.internalActive(c)) continue;
      const base: Bindings = { ctor: this.ctor, s, profile: this.profile };
      for (const b of combinations(c.choose, base)) {
        if (c.when && !evalBool(c.when, b)) continue;
        const v = c.delegate.call.eval(b);
        const call = v instanceof Map ? v : new Map<string, ModelValue>();
        const where = `${c.delegate.call.where}: ${c.delegate.call.source}`;
        const target = call.get("object");
        const id = target instanceof Map ? target.get("$object") : undefined;
        const args = call.get("args");
        if (typeof id !== "string" || typeof call.get("op") !== "string" || !(args instanceof Map)) {
          throw new Error(`${where}: must give {'object': {'$object': <id>}, 'op': <name>, 'args': {...}}, got ${pyRepr(v)}`);
        }
        const phase = s.get(c.delegate.phase);
        out.push({ internal: c, object: id, op: call.get("op") as string, args: toJson(args) as Record<string, JsonValue>, phase: Number(phase ?? 0), as: c.delegate.as });
      }
    }
    return out;
  }

  /**
   * This object's state after a step of its call on another object: continuing in `next`, or
   * completed (its effect, the phase back to 0) with `result`, or having raised `raised` (the
   * Python exception's type and, when the rule gives one, message: `{'type': ..., 'message': ...}`).
   */
  afterDelegation(s: State, d: Delegation, next: number | undefined, result: ModelValue, raised: ModelValue = null): State {
    const phaseVar = d.internal.delegate!.phase;
    if (next !== undefined) return new Map(s).set(phaseVar, BigInt(next));
    const done = new Map(s).set(phaseVar, 0n);
    return this.apply(done, d.internal.effect, { ctor: this.ctor, s, profile: this.profile, result, raised }, "internal step", d.internal.step.id);
  }

  /** What every active rule would do for `call` at `s`, for a failure explanation. */
  predict(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase = 0): Prediction[] {
    const b = this.bindings(s, call);
    return call.phases[phase]!.map((r) => {
      const enabled = !r.when || evalBool(r.when, b);
      let text: string;
      // A phase with no rules is a deadlock: the call never returns from it.
      const deadlock = r.next !== undefined && call.phases[r.next]!.length === 0;
      if (deadlock) text = `never returns (continues in phase ${r.rule.next}, which no rule completes)`;
      else if (r.next !== undefined) text = `continues in phase ${r.rule.next}`;
      else if (r.raisesFrom) text = enabled ? `raises ${raisedText(r.raisesFrom.eval(b))}` : `raises the error ${r.raisesFrom.source} gives`;
      else if (r.rule.raises) text = `raises ${r.rule.raises.type}${r.rule.raises.message !== undefined ? `: ${r.rule.raises.message}` : ""}`;
      else if (r.produces) text = `returns a new ${r.produces} handle`;
      else if (r.returns) text = `returns ${enabled ? pyRepr(r.returns.eval(b)) : r.returns.source}`;
      else if (r.accepts) text = `returns a value with ${r.accepts.source}`;
      else text = "returns None";
      const continues = r.next !== undefined && (!deadlock || outcome.kind === "pending");
      const matches = enabled && (!r.rule.afterTimeout || timeoutElapsed) && (continues || (r.next === undefined && this.match(r, b, outcome) !== NO_MATCH));
      return { ruleId: r.rule.id, enabled, outcome: text, matches, afterTimeout: !!r.rule.afterTimeout };
    });
  }

  /** The `result` a rule binds for an observed outcome, or NO_MATCH. */
  private match(r: CompiledRule, b: Bindings, outcome: Outcome): ModelValue | typeof NO_MATCH {
    const rule = r.rule;
    if (outcome.kind === "pending") return r.returns ? r.returns.eval(b) : null;
    if (outcome.kind === "raised") {
      if (!rule.raises) return NO_MATCH;
      if (r.raisesFrom) return this.raisesComputed(r, b, outcome) ? null : NO_MATCH;
      if (!this.raisesAs(rule.raises, r.messagePattern, outcome)) return NO_MATCH;
      return null;
    }
    if (rule.raises) return NO_MATCH;
    const result = fromJson(outcome.value);
    // A producing call returns its handle, `{"$handle": <its id>}`, whatever else the rule says.
    if (b.handle !== undefined && r.produces) return valuesEqual(result, handleValue(b.handle as string)) ? result : NO_MATCH;
    if (r.returns && levelActive(rule.returnsLevel ?? (rule.level === "deviation" ? "documented" : rule.level), this.level)) {
      if (!valuesEqual(r.returns.eval(b), result)) return NO_MATCH;
    } else if (!r.returns && !r.accepts && result !== null) {
      return NO_MATCH;
    }
    if (r.accepts) {
      b.result = result;
      if (!evalBool(r.accepts, b)) return NO_MATCH;
    }
    return result;
  }

  /** The state after `effects` (of the step `producedBy`); a new state is checked against the invariants. */
  /** `what` and `id` name the step for an invariant's error (text built only then). */
  private apply(s: State, effects: CompiledEffect[], b: Bindings, what: string, id: string): State {
    if (effects.length === 0) return s;
    const next: State = new Map(s);
    for (const e of effects) {
      const value = e.value.eval(b);
      if (!e.key) {
        next.set(e.target, value);
        continue;
      }
      const key = e.key.eval(b);
      const container = next.get(e.target);
      if (container instanceof Map) {
        const copy = new Map(container);
        copy.set(String(key), value);
        next.set(e.target, copy);
      } else if (Array.isArray(container) && (typeof key === "bigint" || typeof key === "number")) {
        const copy = container.slice();
        copy[Number(key)] = value;
        next.set(e.target, copy);
      } else {
        throw new Error(`${e.value.where}: cannot assign ${e.target}[${pyRepr(key)}]: ${e.target} is not a map or list`);
      }
    }
    if (this.spec.invariants.length > 0) this.checkInvariants(next, `${what} ${id}`);
    return next;
  }
}

const NO_MATCH = Symbol("no match");

const patterns = new Map<string, RegExp>();
/** A message pattern (RE2-like, as `raises.messagePattern`) that must match the whole message. */
const wholeMessage = (p: string): RegExp => {
  let re = patterns.get(p);
  if (!re) patterns.set(p, (re = new RegExp(`^(?:${p})$`, "s")));
  return re;
};

/** A computed error ({'type': ..., 'message': ...}) as text: "ValueError: boom". */
const raisedText = (e: ModelValue): string =>
  e instanceof Map ? `${String(e.get("type"))}${e.get("messagePattern") ? ` matching /${String(e.get("messagePattern"))}/` : e.get("message") ? `: ${String(e.get("message"))}` : ""}` : pyRepr(e);

/** A produced handle as a value: `{"$handle": id}` (spec/protocol/README.md). */
export const handleValue = (id: string): ModelValue => new Map<string, ModelValue>([["$handle", id]]);

/** The scenario object that produced the handle an event is on ("o0" for "o0@a1.2"); undefined when the event is on a scenario object. */
export const handleOwner = (object: string): string | undefined => (object.includes("@") ? object.slice(0, object.indexOf("@")) : undefined);

/**
 * A call's timeout in seconds (null: none): the operation's `timeout` expression over ctor and
 * args when it has one, else its `timeoutArg` argument. `args` has every default filled in.
 */
export function effectiveTimeout(op: CompiledOperation, ctor: Map<string, ModelValue>, args: Map<string, ModelValue>, profile: string): number | null {
  const t = op.timeout ? op.timeout.eval({ ctor, args, profile }) : op.op.timeoutArg ? args.get(op.op.timeoutArg) : null;
  return typeof t === "number" || typeof t === "bigint" ? Number(t) : null;
}

/** As `effectiveTimeout`, from a scenario's JSON constructor and call arguments (defaults filled in here). */
export function callTimeoutSeconds(spec: LoadedSpec, ctorArgs: Record<string, JsonValue>, opName: string, args: Record<string, JsonValue>, profile: string): number | null {
  const op = spec.operations.get(opName);
  if (!op) return null;
  const fill = (names: string[], given: Record<string, JsonValue>, defaults: Record<string, JsonValue>) =>
    new Map(names.map((n): [string, ModelValue] => {
      const v = n in given ? given[n]! : defaults[n];
      return [n, v === undefined ? null : fromJson(v)];
    }));
  return effectiveTimeout(op, fill(spec.paramNames, ctorArgs, spec.paramDefaults), fill(op.argNames, args, op.defaults), profile);
}

function* combinations(choose: { name: string; list: import("../spec/cel.js").CompiledExpr }[], base: Bindings, i = 0): Generator<Bindings> {
  if (i === choose.length) {
    yield base;
    return;
  }
  const { name, list } = choose[i]!;
  const items = list.eval(base);
  if (!Array.isArray(items)) throw new Error(`${list.where}: choose must give a list`);
  for (const item of items) yield* combinations(choose, { ...base, [name]: item }, i + 1);
}
