/**
 * A system of objects that act on each other (a Process whose target sets an Event): one model
 * whose state is the tuple of its members' states, so the checker searches their histories
 * together. Each call steps its own object's component by that object's rules; an internal step
 * changes one component, except a call one object's process makes on another (a `delegate` step,
 * Process.child-call), which steps the other object by its own rules, as the actor
 * `<caller id>.child` (or `<caller id>.<as>`: Pool's callbacks thread), and then the caller (docs/design/processes.md, section 3).
 *
 * Objects no reference connects stay separate searches (Porcupine's P-compositionality): the
 * checker builds a SystemModel only for a partition of several objects.
 */
import type { JsonValue } from "../../spec/format.js";
import type { ModelValue } from "../spec/values.js";
import type { Outcome } from "../history/types.js";
import type { Delegation, Model, PreparedCall, Prediction, SpecModel, State, Successor } from "./spec-model.js";

const PENDING: Outcome = { kind: "pending" };

export interface Member {
  id: string;
  model: SpecModel;
}

/** Where a system state keeps its key once computed (on the object: states never change). */
const SYSTEM_KEY = Symbol("system state key");

export class SystemModel implements Model {
  readonly hasInternal: boolean;
  readonly timeoutSlackSeconds: number;
  readonly slowSteps: ReadonlyMap<string, number>;
  private readonly byId: Map<string, SpecModel>;
  /** A delegated call prepared once per (caller, call) on the other object's model. */
  private readonly prepared = new Map<string, PreparedCall>();

  constructor(readonly members: readonly Member[]) {
    this.byId = new Map(members.map((m) => [m.id, m.model]));
    this.hasInternal = members.some((m) => m.model.hasInternal);
    this.timeoutSlackSeconds = Math.max(...members.map((m) => m.model.timeoutSlackSeconds));
    this.slowSteps = new Map(members.flatMap((m) => [...m.model.slowSteps]));
  }

  private member(id: string): SpecModel {
    const m = this.byId.get(id);
    if (!m) throw new Error(`no object '${id}' in this system (${[...this.byId.keys()].join(", ")})`);
    return m;
  }

  private component(s: State, id: string): State {
    return s.get(id) as State;
  }

  private with(s: State, id: string, c: State): State {
    return this.component(s, id) === c ? s : new Map(s).set(id, c);
  }

  initial(): State {
    return new Map(this.members.map((m) => [m.id, m.model.initial()]));
  }

  key(s: State): string {
    const tagged = s as State & { [SYSTEM_KEY]?: string };
    return (tagged[SYSTEM_KEY] ??= this.members.map((m) => m.model.key(this.component(s, m.id))).join("|"));
  }

  produces(object: string, op: string): boolean {
    return this.member(object).produces(object, op);
  }

  prepareCall(object: string, actor: string, op: string, args: Record<string, JsonValue>, handle?: string): PreparedCall {
    return { ...this.member(object).prepare(actor, op, args, handle), object };
  }

  step(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase = 0): Successor[] {
    const id = call.object!;
    return this.member(id)
      .step(this.component(s, id), call, outcome, timeoutElapsed, phase)
      .map((succ) => ({ ...succ, state: this.with(s, id, succ.state) }));
  }

  predict(s: State, call: PreparedCall, outcome: Outcome, timeoutElapsed: boolean, phase = 0): Prediction[] {
    return this.member(call.object!).predict(this.component(s, call.object!), call, outcome, timeoutElapsed, phase);
  }

  internalSteps(s: State): { state: State; id: string }[] {
    const out: { state: State; id: string }[] = [];
    for (const { id, model } of this.members) {
      const c = this.component(s, id);
      for (const st of model.internalSteps(c)) if (!model.endsChild(st.id)) out.push({ state: this.with(s, id, st.state), id: st.id });
      for (const end of model.childEnds(c)) out.push(...this.childEnded(this.with(s, id, end.state), id, end.how, end.id));
      for (const d of model.delegations(c)) out.push(...this.delegated(s, id, model, d));
    }
    return out;
  }

  /**
   * `caller`'s child process has ended (`how`), in `s`: every other object takes its `processEnd`
   * rules for the actor `<caller>.child`, together (one state per combination). An object whose
   * exit rules are all disabled holds the end back (a Queue whose feeder the exit must join while
   * it still has items to flush): then the step is not enabled.
   */
  private childEnded(s: State, caller: string, how: "exit" | "kill", stepId: string): { state: State; id: string }[] {
    let states = [s];
    for (const { id, model } of this.members) {
      if (id === caller) continue;
      const next: State[] = [];
      for (const st of states) {
        const ends = model.processEnd(this.component(st, id), `${caller}.child`, how);
        if (ends === null) next.push(st);
        else for (const e of ends) next.push(this.with(st, id, e.state));
      }
      states = next;
      if (states.length === 0) return [];
    }
    return states.map((state) => ({ state, id: stepId }));
  }

  /**
   * The next step of a call `caller`'s process makes on another object: that object's rules for
   * it, with the outcome unobserved (any rule may explain it, as for a call that never returned;
   * with a timeout, it may have elapsed or not), then the caller's effect when it completes.
   */
  private delegated(s: State, caller: string, model: SpecModel, d: Delegation): { state: State; id: string }[] {
    const target = this.member(d.object);
    const key = `${caller}.${d.as}\u0000${d.object}\u0000${d.op}\u0000${JSON.stringify(d.args)}`;
    let call = this.prepared.get(key);
    if (!call) {
      call = { ...target.prepare(`${caller}.${d.as}`, d.op, d.args), object: d.object };
      this.prepared.set(key, call);
    }
    const out: { state: State; id: string }[] = [];
    for (const succ of target.step(this.component(s, d.object), call, PENDING, call.timeout !== null, d.phase)) {
      const after = this.with(s, d.object, succ.state);
      const raises = succ.next === undefined ? succ.rule.rule.raises : undefined;
      // The exception the call raised in the child: its type, and its message when the rule fixes one.
      const raised: ModelValue = raises ? target.raisedError(this.component(s, d.object), call, succ.rule) : null;
      const callerState = model.afterDelegation(this.component(after, caller), d, succ.next, succ.result ?? null, raised);
      out.push({ state: this.with(after, caller, callerState), id: d.internal.step.id });
    }
    return out;
  }
}
