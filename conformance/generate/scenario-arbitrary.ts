/**
 * fast-check arbitraries for scenarios, derived from a spec document: which
 * operations exist in the profile, their weights, and each argument's domain.
 * Shrinking removes actors and calls; fresh tokens are numbered after shrinking
 * so a counterexample reads i1, i2, ... in program order.
 */
import fc from "fast-check";
import type { Domain, JsonValue, Param, Pattern, PatternCall } from "../../spec/format.js";
import type { Call, ObjectDecl, Scenario } from "../scenario/types.js";
import { companionSpecs, type CompiledDomainIf, type LoadedSpec } from "../spec/load.js";
import { evalBool } from "../spec/cel.js";
import { fromJson, type ModelValue } from "../spec/values.js";

export interface ScenarioShape {
  /** Parallel actors, at most. */
  maxActors: number;
  /** Calls per parallel actor, at most. */
  maxCallsPerActor: number;
  maxInit: number;
  maxPost: number;
  /**
   * Pauses (seconds) a parallel actor may sleep before a call (or before a whole sequence), so
   * a releasing call comes after the waiters it should release. Empty: never. A call has
   * none with weight `pauseless`, one of these with weight 1 each.
   */
  pauses: readonly number[];
  pauseless: number;
}

/**
 * Pauses of 5 and 30 ms: longer than an actor takes to start waiting on every adapter here
 * (threads within 1 ms, processes within a few), short enough to keep campaigns fast.
 */
export const DEFAULT_SHAPE: ScenarioShape = { maxActors: 3, maxCallsPerActor: 3, maxInit: 2, maxPost: 2, pauses: [0.005, 0.03], pauseless: 4 };

/** A chunk of calls with a pause drawn for its first call (shrinks towards no pause). */
function paused(chunk: fc.Arbitrary<Call[]>, shape: ScenarioShape): fc.Arbitrary<Call[]> {
  if (shape.pauses.length === 0) return chunk;
  const pause = fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constant(0), weight: shape.pauseless }, ...shape.pauses.map((p) => ({ arbitrary: fc.constant(p), weight: 1 })));
  // A sequence that brings its own pause (generate.sequences[].pause) keeps it.
  return fc.tuple(chunk, pause).map(([calls, p]) => (p > 0 && calls.length > 0 && calls[0]!.pause === undefined ? [{ ...calls[0]!, pause: p }, ...calls.slice(1)] : calls));
}

const TOKEN = "\u0000token:";

function domainArb(d: Domain): fc.Arbitrary<JsonValue> {
  if (d.oneOf) return fc.constantFrom(...d.oneOf);
  if (d.intRange) return fc.integer({ min: d.intRange.min, max: d.intRange.max });
  if (d.bytesToken !== undefined) return fc.constant({ $bytes: `${TOKEN}${d.bytesToken}` });
  return fc.constant(`${TOKEN}${d.token}`);
}

/**
 * Arguments drawn from their domains. With conditional domains (`domainIf`), a value is drawn
 * from every candidate domain and the first whose condition holds over the earlier arguments
 * is kept: no fc.chain, so shrinking stays simple. An operation's conditions may also read the
 * constructor's arguments (`ctor`), which its calls are drawn apart from: such an argument is
 * left as a pick among its candidates ({PICK: [...]}) that the scenario resolves once its
 * object is drawn (resolvePicks).
 */
function argsArb(params: { [name: string]: Param } | undefined, domainIf: Map<string, CompiledDomainIf> | undefined, profile: string, deferred = false): fc.Arbitrary<Record<string, JsonValue>> {
  const entries = Object.entries(params ?? {});
  if (!domainIf || domainIf.size === 0) return fc.record(Object.fromEntries(entries.map(([k, p]) => [k, domainArb(p.domain)])));
  const candidates = entries.map(([k, p]) => fc.tuple(...(domainIf.get(k) ?? []).map((c) => domainArb(c.domain)), domainArb(p.domain)));
  return fc.tuple(...candidates).map((drawn) => {
    const args: Record<string, JsonValue> = {};
    entries.forEach(([k], i) => {
      const conds = domainIf.get(k) ?? [];
      const values = drawn[i]!;
      if (deferred && conds.length > 0) {
        args[k] = { [PICK]: values };
        return;
      }
      const bound = new Map(Object.entries(args).map(([n, v]): [string, ModelValue] => [n, fromJson(v)]));
      const pick = conds.findIndex((c) => evalBool(c.when, { args: bound, profile }));
      args[k] = values[pick < 0 ? conds.length : pick]!;
    });
    return args;
  });
}

const PICK = "\u0000pick";

/** An operation call's deferred picks (argsArb), resolved in argument order with the constructor's arguments known. */
function resolvePicks(spec: LoadedSpec, call: Call, ctor: Map<string, ModelValue>, profile: string): Call {
  const op = spec.operations.get(call.op)!;
  if (op.domainIf.size === 0) return call;
  const args: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(call.args)) {
    const values = v !== null && typeof v === "object" && !Array.isArray(v) ? (v[PICK] as JsonValue[] | undefined) : undefined;
    if (!values) {
      args[k] = v;
      continue;
    }
    const conds = op.domainIf.get(k) ?? [];
    const bound = new Map(Object.entries(args).map(([n, x]): [string, ModelValue] => [n, fromJson(x)]));
    const pick = conds.findIndex((c) => evalBool(c.when, { args: bound, ctor, profile }));
    args[k] = values[pick < 0 ? conds.length : pick]!;
  }
  return { ...call, args };
}

/** Operations of the spec that exist in the profile. */
export function operationsIn(spec: LoadedSpec, profile: string): string[] {
  // A handle's operations are drawn only in a sequence, after the call that produces the handle.
  return [...spec.operations.values()].filter((o) => o.handle === undefined && (!o.op.profiles || o.op.profiles.includes(profile))).map((o) => o.name);
}

type Part = "init" | "parallel" | "post";

/** Calls of the operations that exist in the profile and may appear in `part`; null if none may. */
function callArb(spec: LoadedSpec, profile: string, object: string, part: Part, only?: readonly string[]): fc.Arbitrary<Call> | null {
  const all = operationsIn(spec, profile);
  if (all.length === 0) throw new Error(`${spec.file}: no operation exists in profile '${profile}'`);
  const ops = all.filter((name) => (spec.operations.get(name)!.op.parts?.includes(part) ?? true) && (!only || only.includes(name)));
  if (ops.length === 0) return null;
  return fc.oneof(
    ...ops.map((name) => {
      const op = spec.operations.get(name)!;
      return { arbitrary: argsArb(op.op.args, op.domainIf, profile, true).map((args): Call => ({ object, op: name, args })), weight: op.op.weight ?? 1 };
    }),
  );
}

/**
 * With `generate.sequences`: one element of an actor's program, a single call or a whole
 * sequence (`{ops: [acquire, wait, release]}`) of operations that exist in the profile and may
 * appear in `part`. Single calls weigh their operations' weights together; a sequence may
 * shrink into a single call (cross-shrinking towards the first arbitrary).
 */
function chunkArb(spec: LoadedSpec, profile: string, object: string, part: Part, companions: readonly LoadedSpec[] = [], only?: readonly string[]): fc.Arbitrary<Call[]> | null {
  // `Event.is_set` in a sequence: an operation of a companion, called on its placeholder.
  const where = (name: string): { spec: LoadedSpec; op: string; object: string } => {
    // `AsyncResult.get`: an operation of a handle, made on the one produced before it (placeHandles).
    if (spec.operations.get(name)?.handle !== undefined) return { spec, op: name, object: HANDLE };
    const [p, op] = name.split(".");
    if (op === undefined) return { spec, op: name, object };
    const cs = companions.find((c) => c.primitive === p);
    if (!cs || !cs.operations.has(op)) throw new Error(`${spec.file}: generate.sequences names ${name}, which is not an operation of a companion's document`);
    return { spec: cs, op, object: `${COMPANION}${p}` };
  };
  const allowed = (name: string) => {
    const w = where(name);
    const o = w.spec.operations.get(w.op)!;
    return (!o.op.profiles || o.op.profiles.includes(profile)) && (o.op.parts?.includes(part) ?? true);
  };
  const single = callArb(spec, profile, object, part, only);
  const singleWeight = operationsIn(spec, profile).filter((n) => allowed(n) && (!only || only.includes(n))).reduce((w, n) => w + (spec.operations.get(n)!.op.weight ?? 1), 0);
  // A call of a sequence: the sequence's `args` replace those arguments' domains (and domainIf).
  const opCall = (qualified: string, narrowed?: { [arg: string]: Domain }): fc.Arbitrary<Call> => {
    const { spec: s, op: name, object: on } = where(qualified);
    const op = s.operations.get(name)!;
    const unknown = Object.keys(narrowed ?? {}).filter((a) => !op.argNames.includes(a));
    if (unknown.length) throw new Error(`${spec.file}: generate.sequences narrows ${qualified}'s ${unknown.join(", ")}, not an argument of it (${op.argNames.join(", ") || "none"})`);
    const { params, domainIf } = narrow(op.op.args, op.domainIf, narrowed);
    return argsArb(params, domainIf, profile, true).map((args): Call => ({ object: on, op: name, args }));
  };
  const choices: fc.WeightedArbitrary<Call[]>[] = [];
  if (single && singleWeight > 0) choices.push({ arbitrary: single.map((c) => [c]), weight: singleWeight });
  for (const seq of spec.doc.generate?.sequences ?? []) {
    if ((seq.weight ?? 1) === 0 || (seq.profiles && !seq.profiles.includes(profile)) || !seq.ops.every(allowed) || (only && !seq.ops.every((o) => only.includes(o)))) continue;
    let calls: fc.Arbitrary<Call[]> = fc.tuple(...seq.ops.map((o) => opCall(o, seq.args?.[o])));
    // A sequence's own pause, in the parallel part (paused() keeps a pause already drawn).
    if (seq.pause && part === "parallel") {
      const p = fc.constantFrom(...seq.pause);
      calls = fc.tuple(calls, p).map(([cs, s]) => [{ ...cs[0]!, pause: s }, ...cs.slice(1)]);
    }
    choices.push({ arbitrary: calls, weight: seq.weight ?? 1 });
  }
  if (choices.length === 0) return null;
  return fc.oneof({ withCrossShrink: true }, ...choices);
}

/**
 * The document's `generate.exclusive`: for each group and each value of its `by` argument (or
 * for the object, without `by`), only the first parallel actor that calls one of the group's
 * operations with that value keeps such calls; the others' are left out (a map, so shrinking
 * works on the calls as drawn).
 */
function exclusive(spec: LoadedSpec, parallel: Call[][]): Call[][] {
  const groups = spec.doc.generate?.exclusive;
  if (!groups) return parallel;
  const owner = new Map<string, number>();
  // An actor left with no call is left out (a0 always keeps its calls).
  const kept = parallel.map((calls, actor) =>
    calls.filter((c) => {
      if (c.object !== "o0") return true;
      for (const [g, ex] of groups.entries()) {
        if (!ex.ops.includes(c.op)) continue;
        const key = `${g}\u0000${ex.by === undefined ? "" : JSON.stringify(c.args[ex.by] ?? null)}`;
        const first = owner.get(key);
        if (first === undefined) owner.set(key, actor);
        else if (first !== actor) return false;
      }
      return true;
    }),
  );
  return kept.filter((calls) => calls.length > 0);
}

/** Where a handle's operation is drawn before its handle is known (`AsyncResult.get` in a sequence). */
const HANDLE = "\u0000handle";

/**
 * Each call drawn on a handle is made on the last handle of its kind that its actor produced
 * before it: the id of the producing call's place, `<object>@<actor>.<index in the actor's
 * program>` ("main" runs init then post). One with no such producer is left out.
 */
function placeHandles(spec: LoadedSpec, sc: Scenario): Scenario {
  if (!spec.doc.handles) return sc;
  const place = (actor: string, calls: Call[], last = new Map<string, string>(), out: Call[] = []): Call[] => {
    for (const c of calls) {
      const op = spec.operations.get(c.op);
      if (c.object === HANDLE) {
        const h = op?.handle !== undefined ? last.get(op.handle) : undefined;
        if (h !== undefined) out.push({ ...c, object: h });
        continue;
      }
      if (op?.op.produces !== undefined && c.object === "o0") last.set(op.op.produces, `${c.object}@${actor}.${out.length}`);
      out.push(c);
    }
    return out;
  };
  const mainLast = new Map<string, string>();
  const init = place("main", sc.init, mainLast);
  const post = place("main", sc.post, mainLast, [...init]).slice(init.length);
  return { ...sc, init, parallel: sc.parallel.map((cs, i) => place(`a${i}`, cs)), post };
}

/** The drawn scenario as run: handles placed, tokens numbered. */
const finish = (spec: LoadedSpec, sc: Scenario): Scenario => numberTokens(placeHandles(spec, sc));

/** Replace token placeholders by fresh values, numbered in scenario order per prefix. */
function numberTokens(sc: Scenario): Scenario {
  const counters = new Map<string, number>();
  const fresh = (v: JsonValue): JsonValue => {
    // A bytes token, {"$bytes": placeholder}: numbered in the same sequence as its prefix.
    if (v !== null && typeof v === "object" && !Array.isArray(v) && typeof v.$bytes === "string" && v.$bytes.startsWith(TOKEN)) return { $bytes: fresh(v.$bytes) };
    if (typeof v !== "string" || !v.startsWith(TOKEN)) return v;
    const prefix = v.slice(TOKEN.length);
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}${n}`;
  };
  const call = (c: Call): Call => ({ ...c, args: Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, fresh(v)])) });
  return { ...sc, init: sc.init.map(call), parallel: sc.parallel.map((a) => a.map(call)), post: sc.post.map(call) };
}

/** The constructor's arguments as CEL sees them (`ctor`): defaults filled in. */
function ctorValues(spec: LoadedSpec, args: Record<string, JsonValue>): Map<string, ModelValue> {
  return new Map(spec.paramNames.map((n): [string, ModelValue] => {
    const v = n in args ? args[n]! : spec.paramDefaults[n];
    return [n, v === undefined ? null : fromJson(v)];
  }));
}

/** The document's `generate.minActors` for these constructor arguments (1 without it). */
function minActorsFor(spec: LoadedSpec, ctor: Map<string, ModelValue>, profile: string): number {
  if (!spec.minActors) return 1;
  const n = spec.minActors.eval({ ctor, profile });
  if (typeof n !== "bigint" && typeof n !== "number") throw new Error(`${spec.minActors.where}: must give an int, got ${String(n)}`);
  return Number(n);
}

/** Where a companion's calls are drawn before the scenario knows its id (`{"$object": P}` -> o1). */
const COMPANION = "\u0000companion:";
/** Actors drawn beyond the shape's with `generate.minActors` (see the final map). */
const SPARE_ACTORS = 2;

/** One element of a program in `part` for `object`: a call, or a sequence with `generate.sequences`; null if none may be called there. */
function elementArb(spec: LoadedSpec, profile: string, object: string, part: Part, only?: readonly string[]): fc.Arbitrary<Call[]> | null {
  if (spec.doc.generate?.sequences) return chunkArb(spec, profile, object, part, [], only);
  const c = callArb(spec, profile, object, part, only);
  return c ? c.map((x) => [x]) : null;
}

/** The primitives named by `{"$object": "<Primitive>"}` placeholders in constructor arguments, in order of appearance. */
function placeholders(v: JsonValue, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) placeholders(x, out);
  else if (v !== null && typeof v === "object") {
    if (typeof v.$object === "string") {
      if (!out.includes(v.$object)) out.push(v.$object);
    } else for (const x of Object.values(v)) placeholders(x, out);
  }
  return out;
}

function replacePlaceholders(v: JsonValue, ids: Map<string, string>): JsonValue {
  if (Array.isArray(v)) return v.map((x) => replacePlaceholders(x, ids));
  if (v === null || typeof v !== "object") return v;
  if (typeof v.$object === "string") return { $object: ids.get(v.$object)! };
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replacePlaceholders(x, ids)]));
}

/**
 * Scenarios for `spec` in `profile`. With `generate.companions`, `companions` holds those
 * primitives' documents (default: conformance/spec/load.ts companionSpecs, beside it): a drawn constructor argument
 * that names one (`{"$object": "Event"}`) adds that object, and the actors' programs calls on it.
 */
/** Parameters with some domains replaced (a sequence's or pattern's narrowing); their domainIf dropped. */
function narrow(params: { [name: string]: Param } | undefined, domainIf: Map<string, CompiledDomainIf>, narrowed: { [arg: string]: Domain } | undefined) {
  if (!narrowed || Object.keys(narrowed).length === 0) return { params, domainIf };
  return {
    params: Object.fromEntries(Object.entries(params ?? {}).map(([k, p]) => [k, narrowed[k] ? { ...p, domain: narrowed[k]!, domainIf: undefined } : p])),
    domainIf: new Map([...domainIf].filter(([k]) => !narrowed[k])),
  };
}

/**
 * A `generate.patterns` scenario: its calls as written, the arguments drawn from their (narrowed)
 * domains. A call `<Primitive>.<op>` is on that companion (generate.companions); the companions
 * the calls' arguments name are declared, numbered o1, o2, ... as in random scenarios.
 */
function patternArb(spec: LoadedSpec, profile: string, pat: Pattern, companions: readonly LoadedSpec[]): fc.Arbitrary<Scenario> {
  const ctor = narrow(spec.doc.params, spec.paramDomainIf, pat.ctor);
  const object = argsArb(ctor.params, ctor.domainIf, profile).map((args): ObjectDecl => ({ id: "o0", primitive: spec.primitive, args }));
  const declared = spec.doc.generate?.companions ?? {};
  const companionSpec = (primitive: string): LoadedSpec => {
    const cs = companions.find((c) => c.primitive === primitive);
    if (!cs) throw new Error(`${spec.file}: generate.patterns '${pat.name}' calls a ${primitive} companion; pass its spec document to scenarioArbitrary (companionSpecs)`);
    return cs;
  };
  const call = (c: PatternCall): fc.Arbitrary<Call> => {
    const [p, name] = c.op.split(".");
    const onCompanion = name !== undefined && p! in declared && !spec.operations.has(c.op);
    const s = onCompanion ? companionSpec(p!) : spec;
    const op = s.operations.get(onCompanion ? name : c.op)!;
    const n = narrow(op.op.args, op.domainIf, c.args);
    const on = onCompanion ? `${COMPANION}${p}` : op.handle !== undefined ? HANDLE : "o0";
    return argsArb(n.params, n.domainIf, profile, true).map((args): Call => ({ object: on, op: onCompanion ? name! : c.op, args, ...(c.pause !== undefined ? { pause: c.pause } : {}) }));
  };
  const calls = (cs: readonly PatternCall[] | undefined): fc.Arbitrary<Call[]> => (cs && cs.length ? fc.tuple(...cs.map(call)) : fc.constant([]));
  // Every declared companion's constructor arguments, drawn whether or not the calls name it (a
  // pattern's draws stay independent of one another).
  const companionArgs = Object.entries(declared).map(([primitive, c]) => {
    const cs = companionSpec(primitive);
    const n = narrow(cs.doc.params, cs.paramDomainIf, c.args);
    return argsArb(n.params, n.domainIf, profile);
  });
  const drawnCompanions = companionArgs.length ? fc.tuple(...companionArgs) : fc.constant([] as Record<string, JsonValue>[]);
  return fc.record({ object, init: calls(pat.init), parallel: fc.tuple(...pat.parallel.map(calls)), post: calls(pat.post), companionArgs: drawnCompanions }).map((d) => {
    const named = placeholders(d.object.args);
    const all = [...d.init, ...d.parallel.flat(), ...d.post];
    for (const c of all) placeholders(c.args, named);
    for (const c of all) if (c.object.startsWith(COMPANION) && !named.includes(c.object.slice(COMPANION.length))) named.push(c.object.slice(COMPANION.length));
    const ids = new Map(named.map((p, k) => [p, `o${k + 1}`]));
    const primitives = Object.keys(declared);
    const decls = named.map((p): { decl: ObjectDecl; spec: LoadedSpec } => {
      const k = primitives.indexOf(p);
      if (k < 0) throw new Error(`${spec.file}: generate.patterns '${pat.name}' drew {"$object": "${p}"}, which generate.companions does not declare`);
      return { decl: { id: ids.get(p)!, primitive: p, args: d.companionArgs[k]! }, spec: companionSpec(p) };
    });
    const own = { ...d.object, args: replacePlaceholders(d.object.args, ids) as Record<string, JsonValue> };
    const ctorArgs = ctorValues(spec, own.args);
    const resolve = (cs: Call[]) =>
      cs.map((c) => {
        const args = replacePlaceholders(c.args, ids) as Record<string, JsonValue>;
        if (!c.object.startsWith(COMPANION)) return resolvePicks(spec, { ...c, args }, ctorArgs, profile);
        const comp = decls.find((x) => `${COMPANION}${x.decl.primitive}` === c.object)!;
        return resolvePicks(comp.spec, { ...c, object: comp.decl.id, args }, ctorValues(comp.spec, comp.decl.args), profile);
      });
    return finish(spec, { profile, objects: [...decls.map((x) => x.decl), own], init: resolve(d.init), parallel: d.parallel.map(resolve), post: resolve(d.post) });
  });
}

/** The document's patterns that may be drawn in `profile` (every operation they name exists there). */
export function patternsIn(spec: LoadedSpec, profile: string): Pattern[] {
  const ops = new Set([...spec.operations.values()].filter((o) => !o.op.profiles || o.op.profiles.includes(profile)).map((o) => o.name));
  const companionOp = (op: string) => op.includes(".") && op.split(".")[0]! in (spec.doc.generate?.companions ?? {}) && !spec.operations.has(op);
  return (spec.doc.generate?.patterns ?? []).filter((p) => (!p.profiles || p.profiles.includes(profile)) && [...(p.init ?? []), ...p.parallel.flat(), ...(p.post ?? [])].every((c) => ops.has(c.op) || companionOp(c.op)));
}

export function scenarioArbitrary(spec: LoadedSpec, profile: string, given: ScenarioShape = DEFAULT_SHAPE, companions: readonly LoadedSpec[] = companionSpecs(spec)): fc.Arbitrary<Scenario> {
  const random = randomScenarioArbitrary(spec, profile, given, companions);
  const patterns = patternsIn(spec, profile);
  // Without patterns, the random arbitrary itself (seeds replay as before).
  if (patterns.length === 0) return random;
  const weights = patterns.map((p) => Math.round(p.share * 1000));
  return fc.oneof(
    { arbitrary: random, weight: Math.max(1000 - weights.reduce((a, b) => a + b, 0), 0) },
    ...patterns.map((p, k) => ({ arbitrary: patternArb(spec, profile, p, companions), weight: weights[k]! })),
  );
}

function randomScenarioArbitrary(spec: LoadedSpec, profile: string, given: ScenarioShape, companions: readonly LoadedSpec[]): fc.Arbitrary<Scenario> {
  if (!(profile in spec.doc.profiles)) throw new Error(`${spec.primitive} does not exist in profile '${profile}'`);
  const pauses = spec.doc.generate?.pauses;
  const shape = { ...given, ...(pauses ? { pauses } : {}), ...spec.doc.generate?.shape };
  const object: fc.Arbitrary<ObjectDecl> = argsArb(spec.doc.params, spec.paramDomainIf, profile).map((args) => ({ id: "o0", primitive: spec.primitive, args }));
  const call = callArb(spec, profile, "o0", "parallel");
  if (!call) throw new Error(`${spec.file}: no operation may be called in the parallel part (see parts)`);
  // Companions: each one's constructor arguments and, mixed into every program, calls on it.
  const companionOf = Object.entries(spec.doc.generate?.companions ?? {}).map(([primitive, c]) => {
    const cs = companions.find((x) => x.primitive === primitive);
    if (!cs) throw new Error(`${spec.file}: generate.companions names ${primitive}; pass its spec document to scenarioArbitrary (companionSpecs)`);
    for (const op of c.ops ?? []) {
      if (!cs.operations.has(op)) throw new Error(`${spec.file}: generate.companions.${primitive}.ops names ${op}, not an operation of ${cs.file}`);
    }
    for (const arg of Object.keys(c.args ?? {})) {
      if (!cs.doc.params || !(arg in cs.doc.params)) throw new Error(`${spec.file}: generate.companions.${primitive}.args names ${arg}, not a constructor parameter of ${cs.file}`);
    }
    const ctor = narrow(cs.doc.params, cs.paramDomainIf, c.args);
    return { spec: cs, share: c.share, ops: c.ops, args: argsArb(ctor.params, ctor.domainIf, profile) };
  });
  const withCompanions = (own: fc.Arbitrary<Call[]>, part: Part): fc.Arbitrary<Call[]> => {
    if (companionOf.length === 0) return own;
    const others = companionOf.flatMap((c) => {
      const e = elementArb(c.spec, profile, `${COMPANION}${c.spec.primitive}`, part, c.ops);
      return e ? [{ arbitrary: e, weight: Math.round(c.share * 1000) }] : [];
    });
    const ownWeight = 1000 - others.reduce((w, o) => w + o.weight, 0);
    return fc.oneof({ arbitrary: own, weight: Math.max(ownWeight, 0) }, ...others);
  };
  // Without any `parts`, the three parts share one arbitrary (seeds replay as before).
  const sequential = (part: Part, maxLength: number): fc.Arbitrary<Call[]> => {
    if (spec.doc.generate?.sequences) {
      const k = chunkArb(spec, profile, "o0", part, companions);
      return k ? fc.array(withCompanions(k, part), { maxLength }).map((chunks) => chunks.flat()) : fc.constant([]);
    }
    const c = [...spec.operations.values()].some((o) => o.op.parts) ? callArb(spec, profile, "o0", part) : call;
    if (!c) return fc.constant([]);
    return companionOf.length ? fc.array(withCompanions(c.map((x) => [x]), part), { maxLength }).map((cs) => cs.flat()) : fc.array(c, { maxLength });
  };
  // With `generate.sequences`, an actor's program is a list of single calls and sequences.
  const chunk = spec.doc.generate?.sequences ? chunkArb(spec, profile, "o0", "parallel", companions) : null;
  const actor = chunk
    ? fc.array(paused(withCompanions(chunk, "parallel"), shape), { minLength: 1, maxLength: shape.maxCallsPerActor }).map((chunks) => chunks.flat())
    : fc.array(paused(withCompanions(call.map((c) => [c]), "parallel"), shape), { minLength: 1, maxLength: shape.maxCallsPerActor }).map((chunks) => chunks.flat());
  // With `generate.minActors`, every actor is generated and the scenario keeps
  // max(wanted, minActors(ctor)) of them; without it the arbitrary is the plain one
  // (map draws nothing, so seeds replay as before).
  const parallel: fc.Arbitrary<{ wanted: number; actors: Call[][] }> = spec.minActors
    ? fc.record({
        wanted: fc.integer({ min: 1, max: shape.maxActors }),
        // Two spares: they stand in for actors whose every call is on a companion the scenario lacks.
        actors: fc.array(actor, { minLength: shape.maxActors + SPARE_ACTORS, maxLength: shape.maxActors + SPARE_ACTORS }),
      })
    : fc.array(actor, { minLength: 1, maxLength: shape.maxActors }).map((actors) => ({ wanted: actors.length, actors }));
  const plain = { object, init: sequential("init", shape.maxInit), parallel, post: sequential("post", shape.maxPost) };
  const drawn = companionOf.length ? fc.record({ ...plain, companionArgs: fc.tuple(...companionOf.map((c) => c.args)) }) : fc.record(plain);
  return drawn.map((d) => {
    const { init, parallel: { wanted, actors }, post } = d;
    const ctor = ctorValues(spec, d.object.args);
    const n = spec.minActors ? Math.min(shape.maxActors, Math.max(wanted, minActorsFor(spec, ctor, profile))) : wanted;
    // This object's calls first (picks resolved, exclusive groups applied); calls drawn on a
    // companion stay as drawn until the companions are known.
    const own = (cs: Call[]) => cs.map((c) => (c.object.startsWith(COMPANION) ? c : resolvePicks(spec, c, ctor, profile)));
    const drawnParallel = exclusive(spec, actors.slice(0, n).map(own));
    const drawnInit = own(init);
    const drawnPost = own(post);
    // Companions the constructor's arguments name, then those the kept calls' arguments name (a
    // Lock sent through a Pipe), numbered o1, o2, ... in that order; the calls drawn on a companion
    // the scenario does not have are left out (a map: shrinking stays simple).
    const named = placeholders(d.object.args);
    const drawnCalls = [...drawnInit, ...drawnParallel.flat(), ...drawnPost];
    for (const c of drawnCalls) if (!c.object.startsWith(COMPANION)) placeholders(c.args, named);
    // A kept companion call may name another companion (a Lock put on a Process's Queue): until none is added.
    for (let before = -1; before !== named.length; ) {
      before = named.length;
      for (const c of drawnCalls) if (c.object.startsWith(COMPANION) && named.includes(c.object.slice(COMPANION.length))) placeholders(c.args, named);
    }
    if (named.length === 0 && companionOf.length === 0) return finish(spec, { profile, objects: [d.object], init: drawnInit, parallel: drawnParallel, post: drawnPost });
    const ids = new Map(named.map((p, k) => [p, `o${k + 1}`]));
    const object = { ...d.object, args: replacePlaceholders(d.object.args, ids) as Record<string, JsonValue> };
    const companionArgs = "companionArgs" in d ? (d.companionArgs as Record<string, JsonValue>[]) : [];
    const declared = named.map((p): { decl: ObjectDecl; spec: LoadedSpec } => {
      const k = companionOf.findIndex((c) => c.spec.primitive === p);
      if (k < 0) throw new Error(`${spec.file}: a drawn argument names {"$object": "${p}"}, which generate.companions does not declare`);
      return { decl: { id: ids.get(p)!, primitive: p, args: companionArgs[k]! }, spec: companionOf[k]!.spec };
    });
    const resolve = (c: Call): Call | null => {
      if (!c.object.startsWith(COMPANION)) return { ...c, args: replacePlaceholders(c.args, ids) as Record<string, JsonValue> };
      const comp = declared.find((x) => `${COMPANION}${x.decl.primitive}` === c.object);
      return comp ? resolvePicks(comp.spec, { ...c, object: comp.decl.id, args: replacePlaceholders(c.args, ids) as Record<string, JsonValue> }, ctorValues(comp.spec, comp.decl.args), profile) : null;
    };
    const program = (cs: Call[]) => cs.map(resolve).filter((c): c is Call => c !== null);
    // An actor left with no call (all drawn on a missing companion) is left out; with
    // `minActors`, the next drawn actor takes its place (one whose own calls name no companion:
    // none was declared for it), so that the scenario keeps its parties.
    const parallel = drawnParallel.map(program).filter((a) => a.length > 0);
    if (spec.minActors && !spec.doc.generate?.exclusive) {
      const need = Math.min(shape.maxActors, minActorsFor(spec, ctor, profile));
      for (let k = shape.maxActors; parallel.length < need && k < actors.length; k++) {
        const extra = own(actors[k]!);
        if (extra.some((c) => !c.object.startsWith(COMPANION) && placeholders(c.args).length > 0)) continue;
        const calls = program(extra);
        if (calls.length > 0) parallel.push(calls);
      }
    }
    return finish(spec, { profile, objects: [...declared.map((x) => x.decl), object], init: program(drawnInit), parallel, post: program(drawnPost) });
  });
}
