/**
 * Linearizability checking against a spec model: Wing & Gong / Lowe's search
 * with a memo of (model state, set of linearized calls), as in Porcupine, over
 * each object separately (P-compositionality: objects never interact).
 *
 * Beyond plain linearizability it handles
 *  - blocking calls: a call can take effect only where some rule's guard holds;
 *  - timed-out calls: an afterTimeout rule places the call no earlier than
 *    invocation + timeout (its interval starts at the deadline);
 *  - pending calls (never returned): they may take effect with any outcome, or not at all;
 *  - internal steps of the object, taken whenever enabled.
 */
import type { Level } from "../../spec/format.js";
import type { History, HistoryEvent } from "../history/types.js";
import type { ObjectDecl } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { SpecModel, type PreparedCall, type Prediction, type State } from "../model/spec-model.js";

export interface CheckOptions {
  profile: string;
  level: Level;
  /** Search budget per object, in explored states; past it the verdict is "inconclusive". */
  maxStates?: number;
  /** Check every object even after one is found in violation (default: stop at the first). */
  allObjects?: boolean;
}

/** One step of a (partial) linearization. */
export interface LinearizedStep {
  /** Index into the object's events; -1 for an internal step. */
  event: number;
  /** The rule or internal step that explains it. */
  ruleId: string;
  stateAfter: State;
}

export interface StuckCall {
  event: number;
  predictions: Prediction[];
  /** True when its timeout rule could not apply because the call returned before its deadline. */
  returnedBeforeTimeout: boolean;
}

export interface ObjectVerdict {
  object: string;
  primitive: string;
  verdict: "ok" | "violation" | "inconclusive";
  /** States explored. */
  states: number;
  /** The object's events, in history order (indices used below). */
  events: HistoryEvent[];
  /** On violation: the longest partial linearization found, the state after it, and the calls none of whose rules explain them there. */
  longest?: LinearizedStep[];
  initialState?: State;
  frontierState?: State;
  stuck?: StuckCall[];
  /** Rule ids the history contradicts (enabled at the frontier but not matching). */
  contradicts?: string[];
  model?: SpecModel;
}

export interface CheckResult {
  verdict: "ok" | "violation" | "inconclusive";
  objects: ObjectVerdict[];
}

const NS_PER_S = 1e9;

export function checkHistory(
  specFor: (primitive: string) => LoadedSpec,
  objects: readonly ObjectDecl[],
  history: History,
  options: CheckOptions,
): CheckResult {
  const verdicts: ObjectVerdict[] = [];
  // Objects are independent, so a violation in any one decides the history:
  // check the small partitions first.
  const parts = objects
    .map((o) => ({ o, events: history.events.filter((e) => e.object === o.id) }))
    .sort((a, b) => a.events.length - b.events.length);
  for (const { o, events } of parts) {
    const spec = specFor(o.primitive);
    const model = new SpecModel(spec, options.profile, options.level, o.args);
    const v = checkObject(model, o, events, options.maxStates ?? 2_000_000);
    verdicts.push(v);
    if (v.verdict === "violation" && !options.allObjects) break;
  }
  const unknown = history.events.find((e) => !objects.some((o) => o.id === e.object));
  if (unknown) throw new Error(`history names object '${unknown.object}', which the scenario does not declare`);
  const verdict = verdicts.some((v) => v.verdict === "violation")
    ? "violation"
    : verdicts.some((v) => v.verdict === "inconclusive")
      ? "inconclusive"
      : "ok";
  return { verdict, objects: verdicts };
}

interface Op {
  call: PreparedCall;
  ev: HistoryEvent;
  inv: number;
  resp: number;
  pending: boolean;
  /** Earliest time a timeout outcome may take effect. */
  deadline: number;
}

interface Child {
  op: number; // -1: internal step
  state: State;
  ruleId: string;
}

interface Frame {
  state: State;
  lin: Uint32Array;
  h1: number;
  h2: number;
  /** Linearized calls that had returned (pending ones count apart). */
  done: number;
  depth: number;
  children: Child[];
  next: number;
  via: Child | null;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function checkObject(model: SpecModel, decl: ObjectDecl, events: HistoryEvent[], maxStates: number): ObjectVerdict {
  const slack = model.spec.timeoutSlackSeconds * NS_PER_S;
  const ops: Op[] = events.map((ev) => {
    const call = model.prepare(ev.actor, ev.op, ev.args);
    const pending = ev.outcome.kind === "pending" || ev.response === null;
    return {
      call,
      ev,
      inv: ev.invoke,
      resp: pending ? Infinity : ev.response!,
      pending,
      deadline: call.timeout === null ? -Infinity : ev.invoke + call.timeout * NS_PER_S - slack,
    };
  });
  const n = ops.length;
  const words = (n + 31) >>> 5;
  const byInv = ops.map((_, i) => i).sort((a, b) => ops[a]!.inv - ops[b]!.inv);
  const byResp = ops.map((_, i) => i).sort((a, b) => ops[a]!.resp - ops[b]!.resp);
  const required = ops.filter((o) => !o.pending).length;
  // Zobrist hashes of the linearized set: two 32-bit words per call (collision odds ~2^-64 per pair).
  const rnd = mulberry32(0x5eed);
  const z1 = Uint32Array.from(ops, () => rnd());
  const z2 = Uint32Array.from(ops, () => rnd());
  const isLin = (lin: Uint32Array, i: number) => (lin[i >>> 5]! & (1 << (i & 31))) !== 0;

  const base = { object: decl.id, primitive: decl.primitive, events, model };
  const seen = new Set<string>();
  const stack: Frame[] = [];
  let best: { depth: number; path: Child[]; frame: Frame } | null = null;
  let states = 0;

  const expand = (f: Frame): Child[] => {
    // The earliest response among calls not yet linearized bounds which calls may go next.
    let min1 = Infinity;
    let min1Op = -1;
    let min2 = Infinity;
    for (const i of byResp) {
      if (isLin(f.lin, i)) continue;
      if (min1Op < 0) {
        min1 = ops[i]!.resp;
        min1Op = i;
      } else {
        min2 = ops[i]!.resp;
        break;
      }
    }
    const children: Child[] = [];
    for (const i of byInv) {
      const o = ops[i]!;
      if (o.inv > min1) break;
      if (isLin(f.lin, i)) continue;
      const bound = i === min1Op ? min2 : min1;
      const timeoutElapsed = o.deadline <= bound && o.deadline <= o.resp;
      for (const s of model.step(f.state, o.call, o.ev.outcome, timeoutElapsed)) {
        children.push({ op: i, state: s.state, ruleId: s.rule.rule.id });
      }
    }
    for (const s of model.internalSteps(f.state)) children.push({ op: -1, state: s.state, ruleId: s.id });
    return children;
  };

  const push = (state: State, lin: Uint32Array, h1: number, h2: number, done: number, depth: number, via: Child | null): boolean => {
    const key = `${h1}:${h2}:${model.key(state)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    states++;
    const f: Frame = { state, lin, h1, h2, done, depth, children: [], next: 0, via };
    f.children = expand(f);
    stack.push(f);
    if (!best || depth > best.depth) best = { depth, path: stack.map((x) => x.via!).slice(1), frame: f };
    return true;
  };

  const initial = model.initial();
  push(initial, new Uint32Array(words), 0, 0, 0, 0, null);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.done === required) return { ...base, verdict: "ok", states };
    if (states > maxStates) return { ...base, verdict: "inconclusive", states };
    if (f.next >= f.children.length) {
      stack.pop();
      continue;
    }
    const c = f.children[f.next++]!;
    if (c.op < 0) {
      push(c.state, f.lin, f.h1, f.h2, f.done, f.depth, c);
    } else {
      const lin = f.lin.slice();
      lin[c.op >>> 5]! |= 1 << (c.op & 31);
      push(c.state, lin, (f.h1 ^ z1[c.op]!) >>> 0, (f.h2 ^ z2[c.op]!) >>> 0, f.done + (ops[c.op]!.pending ? 0 : 1), f.depth + 1, c);
    }
  }

  // No linearization: explain at the deepest point reached.
  const b = best!;
  const frontier = b.frame;
  let min1 = Infinity;
  for (const i of byResp) if (!isLin(frontier.lin, i)) { min1 = ops[i]!.resp; break; }
  const stuck: StuckCall[] = [];
  for (const i of byInv) {
    const o = ops[i]!;
    if (o.inv > min1) break;
    if (isLin(frontier.lin, i) || o.pending) continue;
    const timeoutElapsed = o.deadline <= o.resp;
    stuck.push({
      event: i,
      predictions: model.predict(frontier.state, o.call, o.ev.outcome, timeoutElapsed),
      returnedBeforeTimeout: o.call.timeout !== null && !timeoutElapsed,
    });
  }
  const contradicts = [...new Set(stuck.flatMap((s) => s.predictions.filter((p) => p.enabled && !p.matches).map((p) => p.ruleId)))];
  return {
    ...base,
    verdict: "violation",
    states,
    longest: b.path.map((c) => ({ event: c.op, ruleId: c.ruleId, stateAfter: c.state })),
    initialState: initial,
    frontierState: frontier.state,
    stuck,
    contradicts,
  };
}
