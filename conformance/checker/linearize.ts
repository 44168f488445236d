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
import type { ConstructionRule, Level } from "../../spec/format.js";
import type { History, HistoryEvent, Outcome } from "../history/types.js";
import type { ObjectDecl } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { handleOwner, SpecModel, type Model, type PreparedCall, type Prediction, type State, type Successor } from "../model/spec-model.js";
import { SystemModel } from "../model/system-model.js";
import { MemoTable } from "./memo-table.js";

export interface CheckOptions {
  profile: string;
  level: Level;
  /** Search budget per object, in explored states; past it the verdict is "inconclusive". */
  maxStates?: number;
  /** Check every object even after one is found in violation (default: stop at the first). */
  allObjects?: boolean;
  /**
   * Memoize (state, linearized set) pairs (default true). Off is plain Wing & Gong search (no
   * memo, no reads-first reduction), kept as the benchmark's baseline; it must not be used with
   * internal steps, which could loop.
   */
  memo?: boolean;
  /** At the documented level, also admit the spec's known CPython deviations (rules of level `deviation`). */
  deviations?: boolean;
  /**
   * Liveness: on the history's clock (ns), the time until which the adapter kept waiting for
   * calls that never returned (the scenario's cut). Without it, pending calls are unconstrained.
   */
  cutAt?: number;
  /**
   * How long (ms) a call may take to return once it can (its guard holds, or its timeout has
   * elapsed). A pending call that waited longer must, at the end of the linearization, not have
   * taken effect and be blocked (Lincheck's rule for suspended operations). Default 500.
   * Within the history the same bound orders steps: a call whose step was enabled since some
   * time T (T at or after its invocation, and an upper bound on when the object entered that
   * state: the response of the returned call whose step produced it) takes that step before
   * any call invoked later than T + promptMs (an n_waiting read 600 ms after a party arrived
   * sees it). That rule applies when promptMs is given or the history has a cut; the liveness
   * rule needs `cutAt`.
   */
  promptMs?: number;
  /**
   * What the scenario's actors were: threads of the process that built the objects, or
   * processes (CEL `actorKind` in rules: a Pipe end closed by a thread is closed for all, one
   * closed by a process may be held by others). Default "unknown": both allowed.
   */
  actorKind?: "threads" | "processes";
  /** The adapter's start method (CEL `startMethod`, e.g. 'spawn'); default "unknown". */
  startMethod?: string;
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
  /**
   * A liveness violation: the call never returned although it waited `waitedMs` (at least) and,
   * at the end of every linearization, it had taken effect (`tookEffect`) or some rule could
   * complete it (the enabled `predictions`; `timeoutElapsed` when its timeout had passed too).
   */
  neverReturned?: { waitedMs: number; tookEffect: boolean; timeoutElapsed: boolean };
  /**
   * The promptness rule kept this call from taking effect here: another call (`event`) could
   * have taken effect (`ruleIds`) for at least `enabledMs` before this call was even invoked
   * (see CheckOptions.promptMs).
   */
  overtook?: { event: number; enabledMs: number; ruleIds: string[] };
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
  /**
   * When the constructor's outcome decides the verdict: what it did, and the refusals whose guard
   * holds for its arguments (the errors it should have raised; none: it should have built the
   * object). On ok with a raise, `used` names the refusal that explains it.
   */
  construction?: { outcome: Outcome; expected: ConstructionRule[] };
  /** On ok: the rule (or internal step) ids of the accepted linearization, in its order. */
  used?: string[];
  /** On ok, aligned with `used`: the event each step is of (index into `events`; -1 for an internal step). */
  usedEvents?: number[];
  /**
   * On ok with a cut: pending calls that had not waited long enough to be held to the liveness
   * rule, yet could complete at the accepted end (taken effect, or a rule enabled): a run watched
   * longer could show them never returning, or returning wrong (the campaign re-runs such
   * scenarios to the horizon first).
   */
  undecided?: number;
  model?: Model;
}

export interface CheckResult {
  verdict: "ok" | "violation" | "inconclusive";
  objects: ObjectVerdict[];
}

const NS_PER_S = 1e9;
const PENDING: Outcome = { kind: "pending" };

export function checkHistory(
  specFor: (primitive: string) => LoadedSpec,
  objects: readonly ObjectDecl[],
  history: History,
  options: CheckOptions,
): CheckResult {
  const verdicts: ObjectVerdict[] = [];
  const models = new Map(objects.map((o) => [o.id, new SpecModel(specFor(o.primitive), options.profile, options.level, o.args, options.deviations ?? false, options.actorKind ?? "unknown", options.startMethod ?? "unknown")]));
  const model = (o: ObjectDecl) => models.get(o.id)!;
  // Constructors first, in declaration order: one that raised ends the scenario (no call was made).
  const refused = judgeConstructions(objects, history, model);
  if (refused) return refused;
  const unknown = history.events.find((e) => !objects.some((o) => o.id === objectOf(e)));
  if (unknown) throw new Error(`history names object '${unknown.object}', which the scenario does not declare`);
  // Objects no reference connects are independent, so a violation in any one partition decides
  // the history: check the small partitions first. Objects that refer to each other are one search.
  const parts = partitions(objects, history.events)
    .map((members) => {
      const ids = new Set(members.map((o) => o.id));
      const decl = members.length === 1 ? members[0]! : { id: members.map((o) => o.id).join("+"), primitive: members.map((o) => o.primitive).join("+"), args: {} };
      const m: Model = members.length === 1 ? model(members[0]!) : new SystemModel(members.map((o) => ({ id: o.id, model: model(o) })));
      return { decl, m, events: history.events.filter((e) => ids.has(objectOf(e))) };
    })
    .sort((a, b) => a.events.length - b.events.length);
  for (const { decl, m, events } of parts) {
    const v = checkObject(m, decl, events, options.maxStates ?? 2_000_000, options.memo ?? true, liveness(options));
    verdicts.push(v);
    if (v.verdict === "violation" && !options.allObjects) break;
  }
  const verdict = verdicts.some((v) => v.verdict === "violation")
    ? "violation"
    : verdicts.some((v) => v.verdict === "inconclusive")
      ? "inconclusive"
      : "ok";
  return { verdict, objects: verdicts };
}

const BUILT: Outcome = { kind: "returned", value: null };

/** The scenario object an event is on: its own, or the producer of the handle it is on (a handle belongs to its producer's partition). */
const objectOf = (e: HistoryEvent): string => handleOwner(e.object) ?? e.object;

/**
 * The handle an event produces or is made on (CEL `handle`): the handle it is on; for a
 * producing call, the id it returned (the runner checked it is its place's), or, when it never
 * returned, an id no other call names.
 */
function handleOf(model: Model, ev: HistoryEvent, k: number): string | undefined {
  if (handleOwner(ev.object) !== undefined) return ev.object;
  if (!model.produces(ev.object, ev.op)) return undefined;
  const v = ev.outcome.kind === "returned" ? ev.outcome.value : null;
  const id = v !== null && typeof v === "object" && !Array.isArray(v) ? v.$handle : undefined;
  return typeof id === "string" ? id : `${ev.object}@${ev.actor}.pending${k}`;
}

/** The ids a constructor argument names with `{"$object": id}`, at any depth. */
function referencedIds(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) referencedIds(x, out);
  else if (v !== null && typeof v === "object") {
    const id = (v as Record<string, unknown>).$object;
    if (typeof id === "string") out.push(id);
    else for (const x of Object.values(v)) referencedIds(x, out);
  }
  return out;
}

/** The ids named inside the `{"$callable": ...}` values of a call's arguments: objects that callable acts on (a Pool callback's Queue). */
function callableIds(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) callableIds(x, out);
  else if (v !== null && typeof v === "object") {
    if ("$callable" in v) referencedIds(v, out);
    else for (const x of Object.values(v)) callableIds(x, out);
  }
  return out;
}

/**
 * The scenario's objects grouped by references (connected components), each in declaration order:
 * a constructor argument that names another object, or a callable passed to a call that names
 * one (apply_async's callback putting on a Queue: the Pool acts on it). An object merely passed
 * as a value (a Lock sent through a Pipe) does not join them.
 */
export function partitions(objects: readonly ObjectDecl[], events: readonly Pick<HistoryEvent, "object" | "op" | "args">[] = []): ObjectDecl[][] {
  const parent = new Map(objects.map((o) => [o.id, o.id]));
  const find = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const o of objects) {
    for (const id of referencedIds(o.args)) {
      if (!parent.has(id)) throw new Error(`${o.id}'s constructor arguments name {"$object": "${id}"}, which the scenario does not declare`);
      parent.set(find(o.id), find(id));
    }
  }
  for (const e of events) {
    const owner = handleOwner(e.object) ?? e.object;
    if (!parent.has(owner)) continue; // an unknown object is reported by the caller
    for (const id of callableIds(e.args)) {
      if (!parent.has(id)) throw new Error(`a call on ${e.object} passes a callable naming {"$object": "${id}"}, which the scenario does not declare`);
      parent.set(find(owner), find(id));
    }
  }
  const groups = new Map<string, ObjectDecl[]>();
  for (const o of objects) groups.set(find(o.id), [...(groups.get(find(o.id)) ?? []), o]);
  return [...groups.values()];
}

/**
 * The constructors' verdict: a result when it decides the history (a constructor that should
 * have raised and built the object, or raised otherwise than the spec says: a violation; one
 * that raised as the spec says: ok, nothing else to check), undefined when every object was
 * built as it should be and the calls decide.
 */
function judgeConstructions(objects: readonly ObjectDecl[], history: History, model: (o: ObjectDecl) => SpecModel): CheckResult | undefined {
  const done = history.constructions ?? [];
  for (const [k, o] of objects.entries()) {
    const entry = done[k];
    if (entry !== undefined && entry.object !== o.id) throw new Error(`history's construction ${k} is of '${entry.object}', not of the scenario's object ${k}, '${o.id}'`);
    const outcome = entry?.outcome ?? BUILT;
    const m = model(o);
    const j = m.judgeConstruction(outcome);
    const events = history.events.filter((e) => objectOf(e) === o.id);
    const base = { object: o.id, primitive: o.primitive, states: 0, events, model: m };
    if (!j.ok) {
      const construction = { outcome, expected: j.expected.map((c) => c.rule) };
      return { verdict: "violation", objects: [{ ...base, verdict: "violation", construction, contradicts: j.expected.map((c) => c.rule.id) }] };
    }
    if (outcome.kind === "raised") {
      return { verdict: "ok", objects: [{ ...base, verdict: "ok", construction: { outcome, expected: j.expected.map((c) => c.rule) }, used: [j.explainedBy!], usedEvents: [-1] }] };
    }
  }
  return undefined;
}

/**
 * How prompt a call must be (ns), and, for the liveness rule, when the scenario was cut (without
 * it, pending calls are unconstrained at the end).
 */
export interface Liveness {
  cutAt?: number;
  promptNs: number;
}

/** The timing rules apply when the history has a cut or the caller gave the bound (a campaign always does). */
function liveness(o: CheckOptions): Liveness | undefined {
  if (o.cutAt === undefined && o.promptMs === undefined) return undefined;
  return { ...(o.cutAt !== undefined ? { cutAt: o.cutAt } : {}), promptNs: (o.promptMs ?? 500) * 1e6 };
}

interface Op {
  call: PreparedCall;
  ev: HistoryEvent;
  inv: number;
  resp: number;
  pending: boolean;
  /** Earliest time a timeout outcome may take effect. */
  deadline: number;
  /** Pending, and waited so long that it must end blocked and without effect (liveness). */
  overdue: boolean;
  /** Overdue, with its timeout elapsed long enough that an afterTimeout outcome was due. */
  timeoutDue: boolean;
  /** At least how long it waited, ns (pending calls with a known cut). */
  waited: number;
}

interface Child {
  op: number; // -1: internal step
  state: State;
  ruleId: string;
  /** The phase the call continues in; undefined when the step completes it. */
  next?: number;
}

/** Progress of a call: the phase it will take next (0: not started), or DONE. */
const DONE = 255;

interface Frame {
  state: State;
  /** The state's id (one per distinct model key). */
  sid: number;
  /** The step that led here (op -1: an internal step; none at the root), for the path. */
  viaOp: number;
  viaRule: string;
  viaNext: number | undefined;
  /** The call's progress before that step, to undo on the way back (the search keeps one `prog`). */
  undoVal: number;
  h1: number;
  h2: number;
  /** Linearized calls that had returned (pending ones count apart). */
  done: number;
  depth: number;
  /** First not-yet-linearized positions in byResp / byInv (only move forward along a path). */
  respPtr: number;
  invPtr: number;
  /**
   * Calls that may take effect next, found without evaluating the spec: positions [cs, ce) of the
   * candidate arena (`cands`, with `elapsed`: whether the call's timeout has elapsed by the time
   * it must take effect), which frames use as a stack; `ci` the next one to expand.
   */
  cs: number;
  ce: number;
  ci: number;
  /** Successors of the candidate being expanded (`succOp`), taken lazily up to `sEnd`. */
  succ: Successor[] | null;
  succOp: number;
  si: number;
  sEnd: number;
  /** Internal steps, expanded after every candidate. */
  internal: { state: State; id: string }[] | null;
  ii: number;
  internalDone: boolean;
  /** The liveness rule was evaluated at this frame (it is a candidate end of the linearization). */
  liveChecked: boolean;
  /** No read could take effect here (see `readOnly`): the candidates left to try are the others. */
  readsTried: boolean;
  /** Upper bound (ns) on when the object entered this state: the response of the returned call whose step produced it, else Infinity. */
  stable: number;
  /** A candidate the promptness rule held back here (the first one), for the explanation. */
  overtaken?: { op: number; by: number; enabledNs: number; ruleIds: string[] };
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

const SID = Symbol("state id");
const SID_SEARCH = Symbol("state id's search");
type Tagged = State & { [SID]?: number; [SID_SEARCH]?: number };
let searches = 0;

export function checkObject(model: Model, decl: Pick<ObjectDecl, "id" | "primitive">, events: HistoryEvent[], maxStates: number, memo = true, live?: Liveness): ObjectVerdict {
  if (!memo && model.hasInternal) throw new Error("search without memo cannot take internal steps (it could loop)");
  const slack = model.timeoutSlackSeconds * NS_PER_S;
  const ops: Op[] = events.map((ev, k) => {
    const call = model.prepareCall(objectOf(ev), ev.actor, ev.op, ev.args, handleOf(model, ev, k));
    const pending = ev.outcome.kind === "pending" || ev.response === null;
    const waited = pending && live?.cutAt !== undefined ? live.cutAt - ev.invoke : 0;
    const overdue = pending && live?.cutAt !== undefined && waited >= live.promptNs;
    return {
      call,
      ev,
      inv: ev.invoke,
      resp: pending ? Infinity : ev.response!,
      pending,
      // No timeout (None: wait for ever): an afterTimeout outcome can never happen.
      deadline: call.timeout === null ? Infinity : ev.invoke + call.timeout * NS_PER_S - slack,
      overdue,
      timeoutDue: overdue && call.timeout !== null && waited >= call.timeout * NS_PER_S + live!.promptNs,
      waited,
    };
  });
  const overdue = ops.map((o, i) => (o.overdue ? i : -1)).filter((i) => i >= 0);
  const n = ops.length;
  const slots = Math.max(...ops.map((o) => o.call.phases.length), 1) + 1;
  const byInv = ops.map((_, i) => i).sort((a, b) => ops[a]!.inv - ops[b]!.inv);
  const byResp = ops.map((_, i) => i).sort((a, b) => ops[a]!.resp - ops[b]!.resp);
  const required = ops.filter((o) => !o.pending).length;
  // Zobrist hashes of every call's progress: two 32-bit words per (call, progress),
  // zero for "not started" (collision odds ~2^-64 per pair of distinct sets).
  const rnd = mulberry32(0x5eed);
  const z1 = Uint32Array.from({ length: n * slots }, (_, k) => (k % slots === 0 ? 0 : rnd()));
  const z2 = Uint32Array.from({ length: n * slots }, (_, k) => (k % slots === 0 ? 0 : rnd()));
  const slot = (i: number, v: number) => i * slots + (v === DONE ? slots - 1 : v);
  const isLin = (prog: Uint8Array, i: number) => prog[i] === DONE;

  const base = { object: decl.id, primitive: decl.primitive, events, model };
  const anyPending = ops.some((o) => o.pending);
  // Each call's progress at the top frame; a step sets it, the way back undoes it.
  const prog = new Uint8Array(n);
  const seen = new MemoTable();
  // States by id (one per distinct model key), so the memo and the step cache index by number.
  // A state object carries its id, tagged with the search it belongs to (a WeakMap per state
  // cost more, most of it in the collector).
  // A state of scalars only, with the initial state's fields, is found in a trie keyed by its
  // fields' values themselves, in the initial state's order of names, its last level holding
  // the id: no key text built (a value that grows with every append made that text the cost of
  // a step), no entry arrays, no node for a state's end. Any other state (a field it lacks reads
  // undefined) by its model key. Equal states always take the same route.
  const stateIds = new Map<string, number>();
  const trie = new Map<unknown, unknown>();
  let nextId = 0;
  const search = ++searches;
  let fieldNames: string[] = [];
  const sid = (st: State): number => {
    const tagged = st as Tagged;
    if (tagged[SID_SEARCH] === search) return tagged[SID]!;
    let id: number | undefined;
    const last = fieldNames.length - 1;
    let node: Map<unknown, unknown> | undefined = st.size === fieldNames.length && last >= 0 ? trie : undefined;
    for (let k = 0; node !== undefined && k <= last; k++) {
      const v = st.get(fieldNames[k]!);
      if (v === undefined || (v !== null && typeof v === "object")) break;
      if (k === last) {
        id = node.get(v) as number | undefined;
        if (id === undefined) node.set(v, (id = nextId++));
      } else {
        let next = node.get(v) as Map<unknown, unknown> | undefined;
        if (next === undefined) node.set(v, (next = new Map()));
        node = next;
      }
    }
    if (id === undefined) {
      const k = model.key(st);
      id = stateIds.get(k);
      if (id === undefined) stateIds.set(k, (id = nextId++));
    }
    tagged[SID_SEARCH] = search;
    tagged[SID] = id;
    return id;
  };
  const stepCache: Map<number, Successor[]>[] = [];
  let cacheSteps = true;
  let stepHits = 0;
  let stepMisses = 0;
  const stack: Frame[] = [];
  /** The deepest frame reached, its path and each call's progress there (for the explanation). */
  let best: { depth: number; path: Child[]; frame: Frame; prog: Uint8Array } | null = null;
  let states = 0;

  // Reads first: a returned call whose every step leaves the state as it is (Model.readOnly) and
  // that can take effect here is taken here, and nothing else is tried at this frame. If some
  // linearization places it later, moving it here leaves every other step at the state it had
  // (the read changes nothing), keeps real-time order (it is a candidate: every call that
  // returned before it began is in already) and only relaxes the timeout bounds of the rest.
  // Not under the liveness rules: moving a step changes when the object's states began (`stable`).
  const readOnly = memo && !live && model.readOnly ? ops.map((o) => !o.pending && model.readOnly!(o.call)) : null;
  // A read that never returned is never needed: it may not have taken effect, and taking it
  // changes nothing for the others. Without the liveness rules it is left out of the search.
  const ignored = memo && !live && model.readOnly ? ops.map((o) => o.pending && model.readOnly!(o.call)) : null;
  // The candidate arena: frame f's candidates are cands[f.cs .. f.ce), pushed and popped with it.
  let cands = new Int32Array(64);
  let elapsed = new Uint8Array(64);
  let arenaTop = 0;
  const arenaPush = (i: number, el: boolean) => {
    if (arenaTop === cands.length) {
      const c = new Int32Array(cands.length * 2);
      c.set(cands);
      cands = c;
      const e = new Uint8Array(elapsed.length * 2);
      e.set(elapsed);
      elapsed = e;
    }
    cands[arenaTop] = i;
    elapsed[arenaTop++] = el ? 1 : 0;
  };

  // Twins that never returned are taken in invocation order: two pending calls with one twin key
  // (Model.twinKey: the same steps at every state), no timeout and one phase can swap places in
  // any linearization (the earlier-invoked one may take effect wherever the later one could: the
  // window of candidates only widens as the search goes), so only the first not yet taken is a
  // candidate. Not under the liveness rules, which tell them apart by how long each waited.
  const twinBefore = new Int32Array(n).fill(-1);
  if (memo && !live && model.twinKey) {
    const last = new Map<string, number>();
    for (const i of byInv) {
      const o = ops[i]!;
      if (!o.pending || o.call.timeout !== null || o.call.phases.length !== 1 || ignored?.[i]) continue;
      const key = model.twinKey(o.call);
      if (key === undefined) continue;
      const prev = last.get(key);
      if (prev !== undefined) twinBefore[i] = prev;
      last.set(key, i);
    }
  }
  /** Candidates: calls invoked before the earliest response among calls not yet linearized; calls that never returned last. */
  const candidates = (f: Frame) => {
    while (f.respPtr < n && prog[byResp[f.respPtr]!] === DONE) f.respPtr++;
    while (f.invPtr < n && prog[byInv[f.invPtr]!] === DONE) f.invPtr++;
    let min1 = Infinity;
    let min1Op = -1;
    let min2 = Infinity;
    for (let k = f.respPtr; k < n; k++) {
      const i = byResp[k]!;
      if (prog[i] === DONE) continue;
      if (min1Op < 0) {
        min1 = ops[i]!.resp;
        min1Op = i;
      } else {
        min2 = ops[i]!.resp;
        break;
      }
    }
    f.cs = arenaTop;
    // Calls that never returned are needed only to explain others: try them last.
    for (let pass = 0; pass < (anyPending ? 2 : 1); pass++) {
      for (let k = f.invPtr; k < n; k++) {
        const i = byInv[k]!;
        const o = ops[i]!;
        if (o.inv > min1) break;
        if (prog[i] === DONE || o.pending !== (pass === 1) || ignored?.[i]) continue;
        if (twinBefore[i]! >= 0 && prog[twinBefore[i]!] !== DONE) continue;
        // A timeout outcome takes effect at or after its deadline, so every call that
        // returned before that deadline must already be linearized.
        const bound = i === min1Op ? min2 : min1;
        arenaPush(i, o.call.timeout !== null && o.deadline <= bound && o.deadline <= o.resp);
      }
    }
    f.ce = arenaTop;
    f.ci = f.cs;
  };

  /** The steps candidate `k` (an arena position) can take at the top frame `f`. Steps are pure: memoized per (call, phase, timeout elapsed, state). */
  const successors = (f: Frame, k: number): Successor[] => {
    const i = cands[k]!;
    const o = ops[i]!;
    const phase = prog[i]!;
    const el = elapsed[k] === 1;
    if (!cacheSteps) return model.step(f.state, o.call, o.ev.outcome, el, phase);
    const cache = (stepCache[2 * slot(i, phase) + (el ? 1 : 0)] ??= new Map());
    let succ = cache.get(f.sid);
    if (succ !== undefined) {
      stepHits++;
      return succ;
    }
    cache.set(f.sid, (succ = model.step(f.state, o.call, o.ev.outcome, el, phase)));
    // Where states seldom repeat (a value that grows with every append) the cache costs more
    // than it saves, and keeps every state for the collector: once fewer than one step in five
    // is found there (looked at every 4,000 new ones: at 20,000 the cache cost kv c50-ok a third
    // of its time before it went), it is dropped.
    if (++stepMisses % 4_000 === 0 && stepHits * 4 < stepMisses) {
      cacheSteps = false;
      stepCache.length = 0;
    }
    return succ;
  };
  /**
   * The promptness rule: candidate `k` may not take a step here if another candidate had a step
   * enabled here since more than promptNs before `k`'s call was invoked (every step of a call
   * comes at or after its invocation, so the other's step would have been overdue).
   */
  const heldBack = (f: Frame, k: number): Frame["overtaken"] => {
    if (!live) return undefined;
    const r = cands[k]!;
    const latest = ops[r]!.inv - live.promptNs;
    if (f.stable >= latest) return undefined;
    for (let m = f.cs; m < f.ce; m++) {
      const j = cands[m]!;
      const o = ops[j]!;
      if (m === k || o.inv >= latest) continue;
      // A timeout outcome is enabled only from the call's timeout on.
      const since = Math.max(o.inv, f.stable, elapsed[m] === 1 ? o.inv + o.call.timeout! * NS_PER_S : -Infinity);
      if (since >= latest) continue;
      const succ = successors(f, m);
      if (succ.length > 0) return { op: r, by: j, enabledNs: latest + live.promptNs - since, ruleIds: [...new Set(succ.map((x) => x.rule.rule.id))] };
    }
    return undefined;
  };

  /** At a frame's first expansion: a read that can take effect here is its only child (see `readOnly`). */
  const takeRead = (f: Frame): boolean => {
    for (let k = f.cs; k < f.ce; k++) {
      if (!readOnly![cands[k]!]) continue;
      const succ = successors(f, k);
      if (succ.length === 0) continue;
      f.succ = succ;
      f.succOp = cands[k]!;
      f.si = 0;
      f.sEnd = 1;
      f.ci = f.ce;
      f.internalDone = true;
      return true;
    }
    return false;
  };

  // The child nextChild found: the call (-1: an internal step), the state after, the rule, the phase it continues in.
  let childOp = -1;
  let childState: State = new Map();
  let childRule = "";
  let childNext: number | undefined;
  /** The next successor of the top frame, expanding one candidate at a time; false when there is none. */
  const nextChild = (f: Frame): boolean => {
    // When no read could take effect here, the loop below need not try them again.
    if (readOnly !== null && f.ci === f.cs && f.succ === null && !f.internalDone && !f.readsTried) f.readsTried = !takeRead(f);
    for (;;) {
      if (f.succ !== null) {
        if (f.si < f.sEnd) {
          const x = f.succ[f.si++]!;
          childOp = f.succOp;
          childState = x.state;
          childRule = x.rule.rule.id;
          childNext = x.next;
          return true;
        }
        f.succ = null;
      }
      if (f.ci < f.ce) {
        const k = f.ci++;
        if (f.readsTried && readOnly![cands[k]!]) continue;
        const held = heldBack(f, k);
        if (held) {
          f.overtaken ??= held;
          continue;
        }
        f.succ = successors(f, k);
        f.succOp = cands[k]!;
        f.si = 0;
        f.sEnd = f.succ.length;
        continue;
      }
      if (!f.internalDone) {
        f.internalDone = true;
        f.internal = model.hasInternal ? model.internalSteps(f.state) : null;
        f.ii = 0;
      }
      if (f.internal !== null && f.ii < f.internal.length) {
        const x = f.internal[f.ii++]!;
        childOp = -1;
        childState = x.state;
        childRule = x.id;
        childNext = undefined;
        return true;
      }
      return false;
    }
  };

  // The promptness rule depends on a frame's `stable` only through the first call (in
  // invocation order) invoked more than promptNs after it: that position joins the memo key.
  const stableRank = (stable: number): number => {
    if (!live || stable === Infinity) return n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ops[byInv[mid]!]!.inv > stable + live.promptNs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  /** The linearization so far: the step of every frame above the root. */
  const pathNow = (): Child[] => stack.slice(1).map((x) => ({ op: x.viaOp, state: x.state, ruleId: x.viaRule, ...(x.viaNext !== undefined ? { next: x.viaNext } : {}) }));
  /** Pushes the frame `prog` is at now, unless the memo has it (false). */
  const push = (parent: Frame | null, state: State, h1: number, h2: number, done: number, depth: number, stable: number, undoVal: number): boolean => {
    const id = sid(state);
    if (memo && !seen.add(h1, h2, id, live ? stableRank(stable) : 0)) return false;
    states++;
    const f: Frame = {
      state, sid: id, viaOp: childOp, viaRule: childRule, viaNext: childNext, undoVal, h1, h2, done, depth,
      respPtr: parent?.respPtr ?? 0,
      invPtr: parent?.invPtr ?? 0,
      cs: 0, ce: 0, ci: 0, succ: null, succOp: -1, si: 0, sEnd: 0, internal: null, ii: 0, internalDone: false, liveChecked: false, readsTried: false, stable,
    };
    candidates(f);
    stack.push(f);
    if (!best || depth > best.depth) best = { depth, path: pathNow(), frame: f, prog: prog.slice() };
    return true;
  };

  /**
   * Overdue pending calls that are not blocked at the end `f`: taken effect, or some rule of
   * their current phase enabled there or in a state the object's internal steps reach from it
   * (those happen by themselves, as a feeder thread flushing, so they must not be needed).
   */
  const overdueAt = (f: Frame): number[] => {
    if (overdue.length === 0) return [];
    const late: number[] = [];
    for (const i of overdue) {
      const o = ops[i]!;
      if (prog[i] === DONE) {
        late.push(i);
        continue;
      }
      // Internal steps that are not prompt (`within`) count only for a call that waited longer.
      const closure = internalClosure(f.state, o.waited);
      if (closure.some((st) => model.step(st, o.call, PENDING, o.timeoutDue, prog[i]!).length > 0)) late.push(i);
    }
    return late;
  };
  /** Pending calls not yet overdue that could complete at the end `f` (see ObjectVerdict.undecided). */
  const undecidedAt = (f: Frame): number => {
    if (live?.cutAt === undefined) return 0;
    let n = 0;
    for (let i = 0; i < ops.length; i++) {
      const o = ops[i]!;
      if (!o.pending || o.overdue) continue;
      if (prog[i] === DONE || internalClosure(f.state, Infinity).some((st) => model.step(st, o.call, PENDING, false, prog[i]!).length > 0)) n++;
    }
    return n;
  };
  const slowSteps = model.slowSteps;
  const internalClosure = (s0: State, waitedNs: number): State[] => {
    if (!model.hasInternal) return [s0];
    const seenKeys = new Set([model.key(s0)]);
    const out = [s0];
    for (let k = 0; k < out.length && out.length < 256; k++) {
      for (const { state, id } of model.internalSteps(out[k]!)) {
        if ((slowSteps.get(id) ?? 0) > waitedNs) continue;
        const key = model.key(state);
        if (!seenKeys.has(key)) {
          seenKeys.add(key);
          out.push(state);
        }
      }
    }
    return out;
  };
  let livenessEnd: { frame: Frame; path: Child[]; late: number[]; prog: Uint8Array } | null = null;

  const initial = model.initial();
  fieldNames = [...initial.keys()];
  push(null, initial, 0, 0, 0, 0, -Infinity, 0);
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.done === required && !f.liveChecked) {
      f.liveChecked = true;
      const late = overdueAt(f);
      if (late.length === 0) {
        const path = pathNow();
        const undecided = undecidedAt(f);
        return { ...base, verdict: "ok", states, used: path.map((c) => c.ruleId), usedEvents: path.map((c) => c.op), ...(undecided ? { undecided } : {}) };
      }
      // Not an end: a call that should have returned by now. Search on (pending calls may
      // take effect, internal steps may happen); remember the first such end to explain (the
      // search tries pending calls last, so it is the one where they took the least effect).
      livenessEnd ??= { frame: f, path: pathNow(), late, prog: prog.slice() };
    }
    if (states > maxStates) return { ...base, verdict: "inconclusive", states };
    if (!nextChild(f)) {
      stack.pop();
      arenaTop = f.cs;
      if (f.viaOp >= 0) prog[f.viaOp] = f.undoVal;
      continue;
    }
    if (childOp < 0) {
      push(f, childState, f.h1, f.h2, f.done, f.depth, Infinity, 0);
    } else {
      const op = childOp;
      const before = prog[op]!;
      const after = childNext ?? DONE;
      const was = slot(op, before);
      const now = slot(op, after);
      prog[op] = after;
      const finished = after === DONE && !ops[op]!.pending ? 1 : 0;
      const stable = ops[op]!.pending ? Infinity : ops[op]!.resp;
      if (!push(f, childState, (f.h1 ^ z1[was]! ^ z1[now]!) >>> 0, (f.h2 ^ z2[was]! ^ z2[now]!) >>> 0, f.done + finished, f.depth + 1, stable, before)) prog[op] = before;
    }
  }

  // No linearization. If some order explained every returned call but left a call that should
  // have returned, that is the explanation: the call never returned although it could.
  if (livenessEnd) {
    const { frame, path, late, prog: endProg } = livenessEnd;
    const stuck: StuckCall[] = late.map((i) => {
      const o = ops[i]!;
      const tookEffect = endProg[i] === DONE;
      return {
        event: i,
        predictions: tookEffect ? [] : model.predict(frame.state, o.call, PENDING, o.timeoutDue, endProg[i]!),
        returnedBeforeTimeout: false,
        neverReturned: { waitedMs: o.waited / 1e6, tookEffect, timeoutElapsed: o.timeoutDue },
      };
    });
    const contradicts = [
      ...new Set(
        stuck.flatMap((s) => {
          if (s.neverReturned!.tookEffect) {
            const step = [...path].reverse().find((c) => c.op === s.event);
            return step ? [step.ruleId] : [];
          }
          return s.predictions.filter((p) => p.enabled && (!p.afterTimeout || s.neverReturned!.timeoutElapsed)).map((p) => p.ruleId);
        }),
      ),
    ];
    return {
      ...base,
      verdict: "violation",
      states,
      longest: path.map((c) => ({ event: c.op, ruleId: c.ruleId, stateAfter: c.state })),
      initialState: initial,
      frontierState: frame.state,
      stuck,
      contradicts,
    };
  }
  // No linearization: explain at the deepest point reached.
  const b = best!;
  const frontier = { state: b.frame.state, overtaken: b.frame.overtaken, prog: b.prog };
  let min1 = Infinity;
  for (const i of byResp) if (!isLin(frontier.prog, i)) { min1 = ops[i]!.resp; break; }
  const stuck: StuckCall[] = [];
  for (const i of byInv) {
    const o = ops[i]!;
    if (o.inv > min1) break;
    if (isLin(frontier.prog, i) || o.pending) continue;
    const timeoutElapsed = o.call.timeout !== null && o.deadline <= o.resp;
    const held = frontier.overtaken?.op === i ? frontier.overtaken : undefined;
    stuck.push({
      event: i,
      predictions: model.predict(frontier.state, o.call, o.ev.outcome, timeoutElapsed, frontier.prog[i]!),
      returnedBeforeTimeout: o.call.timeout !== null && !timeoutElapsed,
      ...(held ? { overtook: { event: held.by, enabledMs: held.enabledNs / 1e6, ruleIds: held.ruleIds } } : {}),
    });
  }
  // The rules a stuck call contradicts: those enabled whose outcome differs, or, when none
  // is enabled (the call returned where it should still block), every rule that could end it.
  // When every enabled rule only continues the call (a wait that must still reacquire and
  // decide), the contradiction is in a later phase: those phases' enabled rules whose outcome
  // differs, following the continuations a few steps from the frontier.
  const laterContradictions = (sc: StuckCall): string[] => {
    const o = ops[sc.event]!;
    const timeoutElapsed = o.call.timeout !== null && o.deadline <= o.resp;
    const out: string[] = [];
    const seen = new Set<string>();
    let front = [{ state: frontier.state, phase: frontier.prog[sc.event]! }];
    for (let depth = 0; depth < 8 && front.length > 0; depth++) {
      const next: typeof front = [];
      for (const f of front) {
        for (const succ of model.step(f.state, o.call, o.ev.outcome, timeoutElapsed, f.phase)) {
          if (succ.next === undefined) continue;
          const key = `${succ.next}\u0000${model.key(succ.state)}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const rules = o.call.phases[succ.next]!;
          model.predict(succ.state, o.call, o.ev.outcome, timeoutElapsed, succ.next).forEach((p, k) => {
            if (p.enabled && !p.matches && rules[k]!.next === undefined) out.push(p.ruleId);
          });
          next.push({ state: succ.state, phase: succ.next });
        }
      }
      front = next;
    }
    return out;
  };
  // The same call tried earlier on the deepest path, before a concurrent call took effect (an
  // exitcode read racing a close() contradicts the read rule there and the closed rule at the
  // frontier): both are the explanation, so the broken call's own rules are not lost when the
  // deepest order happens to put another call first. Only places where the call was a legal
  // candidate (invoked before every unlinearized response) and had not started count.
  const earlier = (sc: StuckCall): string[] => {
    const o = ops[sc.event]!;
    const timeoutElapsed = o.call.timeout !== null && o.deadline <= o.resp;
    const out: string[] = [];
    const prog = new Uint8Array(n);
    let state = initial;
    for (const c of b.path) {
      if (prog[sc.event] === 0) {
        let min1 = Infinity;
        for (const i of byResp) if (!isLin(prog, i)) { min1 = ops[i]!.resp; break; }
        if (o.inv <= min1) {
          for (const p of model.predict(state, o.call, o.ev.outcome, timeoutElapsed, 0)) if (p.enabled && !p.matches) out.push(p.ruleId);
        }
      }
      if (c.op >= 0) prog[c.op] = c.next ?? DONE;
      state = c.state;
    }
    return out;
  };
  const contradicts = [
    ...new Set(
      stuck.flatMap((s) => {
        const enabled = s.predictions.filter((p) => p.enabled);
        // Held back by the promptness rule where its own rules fit: the late call's rules are what failed.
        if (s.overtook && enabled.length > 0 && enabled.every((p) => p.matches)) return s.overtook.ruleIds;
        const here = (enabled.length > 0 ? enabled.filter((p) => !p.matches) : s.predictions).map((p) => p.ruleId);
        if (here.length > 0) return [...here, ...(frontier.prog[s.event] === 0 ? earlier(s) : [])];
        const later = laterContradictions(s);
        // Still none (every continuation explained its later phases too): the enabled rules themselves.
        return later.length > 0 ? later : enabled.map((p) => p.ruleId);
      }),
    ),
  ];
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
