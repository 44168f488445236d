/**
 * mpspec's JSON-lines adapter protocol, version 1 (spec/protocol/README.md):
 * message types, the ajv validators for spec/protocol/*.schema.json, the run
 * message built from a scenario and the spec documents, and the checks of a
 * history against its scenario.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { JsonValue } from "../../spec/format.js";
import type { History, HistoryEvent, Outcome } from "../history/types.js";
import { MAIN_ACTOR, actorId, checkNewValue, isNewValue, type Call, type Scenario } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { executableCall, type ExecutableCall } from "./executable-call.js";

export const PROTOCOL_VERSION = 1;
export const PROTOCOL_DIR = fileURLToPath(new URL("../../spec/protocol/", import.meta.url));

export type MessageName = "start" | "ready" | "run" | "result" | "error" | "stop";
export const MESSAGE_NAMES: readonly MessageName[] = ["start", "ready", "run", "result", "error", "stop"];

export interface StartMessage {
  cmd: "start";
  version: number;
  /**
   * The spec primitives the runner may ask for: name -> profile -> Python callable (the spec
   * documents' `profiles.<p>.callable`). The adapter answers, in `capabilities.primitives`,
   * the ones it can construct, so a new spec document needs no adapter change.
   */
  primitives?: Record<string, Record<string, string>>;
}

/** The start message for these spec documents. */
export function startMessage(specs: readonly LoadedSpec[]): StartMessage {
  const primitives: Record<string, Record<string, string>> = {};
  for (const s of specs) primitives[s.primitive] = Object.fromEntries(Object.entries(s.doc.profiles).map(([p, info]) => [p, info.callable]));
  return { cmd: "start", version: PROTOCOL_VERSION, primitives };
}

export interface ReadyMessage {
  ready: true;
  version: number;
  implementation: {
    name: string;
    version: string;
    language: string;
    runtime: string;
    runtime_version: string;
    homepage?: string;
    configuration?: Record<string, string>;
  };
  capabilities: {
    primitives: string[];
    profiles: string[];
    actor_kinds: ("threads" | "processes")[];
    start_methods: string[];
  };
}

export interface ResolvedObject {
  callable: string;
  argv: JsonValue[];
  /** Keyword-only arguments not at their default (the spec's `keyword` params), by name. */
  kwargs?: Record<string, JsonValue>;
  /** A method to call on the object once the scenario is over (the spec's `teardown`). */
  teardown?: string;
}

/** One call of `calls` (spec/protocol/common.schema.json `resolvedCall`). */
export interface ResolvedCall extends ExecutableCall {
  /** Index into calls.objects / scenario.objects (for a call on a handle: its producer's). */
  object: number;
  /** The call returns a handle: the adapter keeps it under this id (the call's place) and reports `{"$handle": id}`. */
  produces?: string;
  /** The call is on this handle (produced earlier by the same actor), not on the object. */
  handle?: string;
}

/** The scenario made executable, index for index with it. */
export interface ResolvedCalls {
  objects: ResolvedObject[];
  init: ResolvedCall[];
  parallel: ResolvedCall[][];
  post: ResolvedCall[];
  /** "threads": the actors must be threads of the adapter process that constructs the objects (a spec's `callers`). */
  actors?: "threads";
}

export interface RunMessage {
  cmd: "run";
  id: number;
  scenario: Scenario;
  calls: ResolvedCalls;
  deadline_ms: number;
}

export interface ResultMessage {
  id: number;
  history: History;
}

export interface ErrorMessage {
  id: number;
  error: string;
}

export interface StopMessage {
  cmd: "stop";
}

let ajv: Ajv | undefined;
const validators = new Map<MessageName, ValidateFunction>();

function schemas(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false });
    for (const name of ["common", ...MESSAGE_NAMES]) {
      ajv.addSchema(JSON.parse(readFileSync(join(PROTOCOL_DIR, `${name}.schema.json`), "utf8")));
    }
  }
  return ajv;
}

/** The compiled validator for one message of the protocol. */
export function protocolValidator(name: MessageName): ValidateFunction {
  let v = validators.get(name);
  if (!v) {
    v = schemas().getSchema(`urn:mpspec:protocol:${PROTOCOL_VERSION}:${name}`);
    if (!v) throw new Error(`spec/protocol/${name}.schema.json: no schema with $id urn:mpspec:protocol:${PROTOCOL_VERSION}:${name}`);
    validators.set(name, v);
  }
  return v;
}

function describeSchemaError(e: ErrorObject): string {
  const at = e.instancePath === "" ? "(top level)" : e.instancePath.slice(1).replace(/\//g, ".");
  switch (e.keyword) {
    case "additionalProperties":
      return `${at}: unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    case "required":
      return `${at}: missing field '${(e.params as { missingProperty: string }).missingProperty}'`;
    case "const":
      return `${at}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    case "enum":
      return `${at}: must be one of ${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)}`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

const OUTCOME_KINDS = ["returned", "raised", "pending"];

/** The `kind` of the outcome at or above `instancePath` (an error inside outcome's oneOf). */
function outcomeKindAt(root: unknown, instancePath: string): unknown {
  const path = instancePath.split("/").slice(1);
  const i = path.lastIndexOf("outcome");
  if (i < 0) return undefined;
  let node: unknown = root;
  for (const p of path.slice(0, i + 1)) node = typeof node === "object" && node !== null ? (node as Record<string, unknown>)[p] : undefined;
  return typeof node === "object" && node !== null ? (node as { kind?: unknown }).kind : undefined;
}

/**
 * Problems of `value` as the message `name` (empty: valid), one line each. An
 * outcome's problems are those of the branch for its `kind`, not of all three.
 */
export function schemaProblems(name: MessageName, value: unknown): string[] {
  const v = protocolValidator(name);
  if (v(value)) return [];
  const out: string[] = [];
  for (const e of v.errors ?? []) {
    if (e.keyword === "if") continue;
    const kind = outcomeKindAt(value, e.instancePath);
    const branch = /oneOf\/(\d+)\//.exec(e.schemaPath);
    if (branch) {
      if (OUTCOME_KINDS[Number(branch[1])] !== kind) continue;
    } else if (e.keyword === "oneOf") {
      if (OUTCOME_KINDS.includes(kind as string)) continue;
      out.push(`${e.instancePath.slice(1).replace(/\//g, ".")}.kind: must be one of ${JSON.stringify(OUTCOME_KINDS)}`);
      continue;
    }
    out.push(describeSchemaError(e));
  }
  return [...new Set(out)];
}

/** A problem of the runner's side (the scenario cannot be expressed): reported as an AdapterError by the caller. */
export class RunMessageError extends Error {
  override name = "RunMessageError";
}

/**
 * What a language-neutral adapter needs and cannot know: the Python callable of
 * each object for the scenario's profile, and positional argv for the
 * constructor and every call, in the spec's argument order.
 */
/** `{"$object": <id>}`: another object of the scenario (spec/protocol/README.md). */
export const OBJECT_KEY = "$object";

export function resolveCalls(scenario: Scenario, specs: readonly LoadedSpec[]): ResolvedCalls {
  const byName = new Map(specs.map((s) => [s.primitive, s]));
  const index = new Map<string, number>();
  const primitives: string[] = [];
  // Constructor arguments, positional, trailing defaults left out; keyword-only ones apart.
  const keywordOnly = (spec: LoadedSpec, n: string) => spec.doc.params?.[n]?.keyword === true;
  const positional = (primitive: string, args: Record<string, JsonValue>): JsonValue[] => {
    const spec = byName.get(primitive)!;
    const shape = { form: "call" as const, name: primitive };
    const names = spec.paramNames.filter((n) => !keywordOnly(spec, n));
    const given = Object.fromEntries(Object.entries(args).filter(([n]) => !keywordOnly(spec, n)));
    return executableCall(shape, names, given, { what: `${primitive}()`, defaults: spec.paramDefaults, fail: (m) => new RunMessageError(m) }).argv;
  };
  const keywords = (primitive: string, args: Record<string, JsonValue>): { kwargs?: Record<string, JsonValue> } => {
    const spec = byName.get(primitive)!;
    const kw = spec.paramNames
      .filter((n) => keywordOnly(spec, n) && n in args && JSON.stringify(args[n]) !== JSON.stringify(spec.paramDefaults[n]))
      .map((n): [string, JsonValue] => [n, constructed(args[n]!)]);
    return kw.length ? { kwargs: Object.fromEntries(kw) } : {};
  };
  const objects = scenario.objects.map((decl, k): ResolvedObject => {
    if (index.has(decl.id)) throw new RunMessageError(`object id ${decl.id} is declared twice`);
    const spec = byName.get(decl.primitive);
    if (!spec) throw new RunMessageError(`no spec document for primitive '${decl.primitive}'`);
    const profile = spec.doc.profiles[scenario.profile];
    if (!profile) throw new RunMessageError(`${decl.primitive} does not exist in profile '${scenario.profile}' (spec ${spec.file})`);
    const args = referring(decl.id, decl.args) as Record<string, JsonValue>;
    index.set(decl.id, k);
    primitives.push(decl.primitive);
    const teardown = spec.doc.teardown !== undefined ? { teardown: spec.doc.teardown } : {};
    return { callable: profile.callable, argv: positional(decl.primitive, args).map(constructed), ...keywords(decl.primitive, args), ...teardown };
  });
  // `{"$object": "o1"}` anywhere in constructor arguments (a callable's parameter) -> `{"$object": k}`,
  // the index of that object in `calls.objects`, which must be declared (and so built) before; in a
  // call's arguments, any object of the scenario.
  function referring(owner: string, v: JsonValue): JsonValue {
    if (Array.isArray(v)) return v.map((x) => referring(owner, x));
    if (v === null || typeof v !== "object") return v;
    if (OBJECT_KEY in v) {
      const id = v[OBJECT_KEY];
      const k = typeof id === "string" ? index.get(id) : undefined;
      if (Object.keys(v).length !== 1 || k === undefined) {
        throw new RunMessageError(`${owner}: ${JSON.stringify(v)} must name an object of the scenario declared before ${owner} ({"$object": "<id>"}; declared so far: ${[...index.keys()].join(", ") || "none"})`);
      }
      return { [OBJECT_KEY]: k };
    }
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, referring(owner, x)]));
  }
  // `{"$new": "RLock", "args": {...}}` in constructor arguments -> `{"$new": "threading.RLock", "argv": [...]}`,
  // the callable of that primitive in the scenario's profile (spec/protocol/README.md).
  // A malformed `$new` value is passed on unchanged, for the adapter to refuse (naming it).
  function constructed(v: JsonValue): JsonValue {
    if (Array.isArray(v)) return v.map(constructed);
    if (!isNewValue(v)) return v;
    let nested: ReturnType<typeof checkNewValue>;
    try {
      nested = checkNewValue(v);
    } catch {
      return v;
    }
    const spec = byName.get(nested.primitive);
    if (!spec) throw new RunMessageError(`${JSON.stringify(v)}: no spec document for primitive '${nested.primitive}'`);
    const profile = spec.doc.profiles[scenario.profile];
    if (!profile) throw new RunMessageError(`${JSON.stringify(v)}: ${nested.primitive} does not exist in profile '${scenario.profile}'`);
    return { $new: profile.callable, argv: positional(nested.primitive, nested.args).map(constructed) };
  }
  // Handles produced so far, per actor ("main": init then post), and by any actor (the post part).
  const produced = new Set<string>();
  const call = (c: Call, actor: string, place: number): ResolvedCall => {
    const owner = c.object.includes("@") ? c.object.slice(0, c.object.indexOf("@")) : c.object;
    const k = index.get(owner);
    if (k === undefined) throw new RunMessageError(`call ${c.op} on undeclared object ${c.object}`);
    if (Object.values(c.args).some(isNewValue)) throw new RunMessageError(`${c.object}.${c.op}(): $new values are for constructor arguments only`);
    const spec = byName.get(primitives[k]!)!;
    const op = spec.operations.get(c.op);
    if (!op) throw new RunMessageError(`${c.object}.${c.op}(): ${primitives[k]} has no operation '${c.op}'`);
    // A handle's operation is on a handle its actor produced before ("o0@a1.2"); any other on the object itself.
    const onHandle = owner !== c.object;
    if (onHandle !== (op.handle !== undefined)) {
      throw new RunMessageError(`${c.object}.${c.op}(): ${op.handle !== undefined ? `${c.op} is an operation of a ${op.handle}: name the handle, "<object>@<actor>.<index>" of the call that produced it` : `${c.op} is an operation of ${primitives[k]}, not of a handle: name the object ${owner}`}`);
    }
    if (onHandle && !produced.has(`${actor}\u0000${c.object}`)) {
      throw new RunMessageError(`${c.object}.${c.op}(): no earlier call of actor ${actor} produces the handle ${c.object} (a handle is named by the place of the call that produced it)`);
    }
    const handle = onHandle ? { handle: c.object } : {};
    let produces = {};
    if (op.op.produces !== undefined) {
      const id = `${c.object}@${actor}.${place}`;
      produced.add(`${actor}\u0000${id}`);
      produces = { produces: id };
    }
    const fail = (m: string) => new RunMessageError(m);
    if (c.pause !== undefined && !(typeof c.pause === "number" && Number.isFinite(c.pause) && c.pause >= 0)) {
      throw new RunMessageError(`${c.object}.${c.op}(): pause must be a number of seconds >= 0, got ${JSON.stringify(c.pause)}`);
    }
    const pause = c.pause ? { pause: c.pause } : {};
    // `{"$object": "o1"}` in a call's arguments (a Lock sent through a Pipe): every object is built by now.
    const args = JSON.stringify(c.args).includes(`"${OBJECT_KEY}"`) ? (referring(`${c.object}.${c.op}()`, c.args) as Record<string, JsonValue>) : c.args;
    return { object: k, ...executableCall(op.shape, op.argNames, args, { what: `${primitives[k]}.${c.op}()`, defaults: op.defaults, keywords: op.keywordArgs, fail }), ...pause, ...produces, ...handle };
  };
  // Objects that only threads of their creating process may call make every actor a thread.
  const threadsOnly = scenario.objects.some((o) => byName.get(o.primitive)?.doc.callers === "threads");
  return {
    objects,
    init: scenario.init.map((c, j) => call(c, MAIN_ACTOR, j)),
    parallel: scenario.parallel.map((a, i) => a.map((c, j) => call(c, actorId(i), j))),
    post: scenario.post.map((c, j) => call(c, MAIN_ACTOR, scenario.init.length + j)),
    ...(threadsOnly ? { actors: "threads" as const } : {}),
  };
}

/** Whether a scenario call produces a handle (its operation's `produces`), by the spec documents. */
export function producesIn(scenario: Scenario, specFor: (primitive: string) => LoadedSpec | undefined): (c: Call) => boolean {
  const primitive = new Map(scenario.objects.map((o) => [o.id, o.primitive]));
  return (c) => {
    const p = primitive.get(c.object);
    return p !== undefined && specFor(p)?.operations.get(c.op)?.op.produces !== undefined;
  };
}

export function runMessage(id: number, scenario: Scenario, deadlineMs: number, specs: readonly LoadedSpec[]): RunMessage {
  return { cmd: "run", id, scenario, calls: resolveCalls(scenario, specs), deadline_ms: Math.max(1, Math.floor(deadlineMs)) };
}

/** Each actor's program: "main" runs init then post, "a<i>" runs parallel[i]. */
export function programs(scenario: Scenario): Map<string, Call[]> {
  const m = new Map<string, Call[]>([[MAIN_ACTOR, [...scenario.init, ...scenario.post]]]);
  scenario.parallel.forEach((calls, i) => m.set(actorId(i), calls));
  return m;
}

/**
 * What every history must satisfy for the checker to read it: each event names
 * a declared object and an actor of the scenario.
 */
export function basicProblems(scenario: Scenario, history: History): string[] {
  // A call on a handle names it "<object>@<place>": the object is its producer.
  const ids = new Set(scenario.objects.map((o) => o.id));
  const handles = new Set([...scenario.init, ...scenario.parallel.flat(), ...scenario.post].map((c) => c.object).filter((o) => o.includes("@")));
  for (const h of handles) ids.add(h);
  const actors = programs(scenario);
  const out: string[] = [];
  history.events.forEach((e, k) => {
    if (!ids.has(e.object)) out.push(`event ${k}: object '${e.object}' is not declared by the scenario`);
    if (!actors.has(e.actor)) out.push(`event ${k}: actor '${e.actor}' is not in the scenario (${[...actors.keys()].join(", ")})`);
  });
  out.push(...constructionProblems(scenario, history));
  return out;
}

/**
 * `constructions`, when given: one entry per declared object in order, up to the first that
 * raised; each built (returned None) or raised, never pending; after a raise, no call was made.
 */
function constructionProblems(scenario: Scenario, history: History): string[] {
  const cs = history.constructions;
  if (cs === undefined) return [];
  const out: string[] = [];
  cs.forEach((c, k) => {
    const decl = scenario.objects[k];
    const where = `constructions[${k}]`;
    if (decl === undefined) return out.push(`${where}: the scenario declares ${scenario.objects.length} object(s)`);
    if (c.object !== decl.id) out.push(`${where}: is of '${c.object}'; constructions follow the scenario's declaration order ('${decl.id}' is object ${k})`);
    if (c.outcome.kind === "pending") out.push(`${where}: a constructor is never pending (it returned or raised)`);
    if (c.outcome.kind === "returned" && c.outcome.value !== null) out.push(`${where}: a constructor that built its object is reported {"kind": "returned", "value": null}`);
    if (c.outcome.kind === "raised" && k !== cs.length - 1) out.push(`${where}: raised, yet later objects are listed (the scenario stops at a constructor that raises)`);
    return undefined;
  });
  const raised = cs.length > 0 && cs[cs.length - 1]!.outcome.kind === "raised";
  if (!raised && cs.length !== scenario.objects.length) out.push(`constructions: ${cs.length} of ${scenario.objects.length} objects listed, and none raised (list every object, or leave constructions out)`);
  if (raised && history.events.length > 0) out.push(`constructions: ${cs[cs.length - 1]!.object}'s constructor raised, yet ${history.events.length} call(s) are reported (no call is made after a constructor raises)`);
  return out;
}

/** Whether a constructor raised: the scenario stopped there, with no call made. */
export const constructorRaised = (history: History): boolean => history.constructions?.some((c) => c.outcome.kind === "raised") ?? false;

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b as object, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const PAUSE_SLACK_NS = 1e6;
const describeCall = (c: Call) => `${c.object}.${c.op}(${JSON.stringify(c.args)})`;
const describeEvent = (e: HistoryEvent) => `${e.object}.${e.op}(${JSON.stringify(e.args)})`;
const isPending = (o: Outcome, response: number | null) => o.kind === "pending" || response === null;

/**
 * The checks the runner applies to every history: beyond basicProblems, each actor's
 * events are its program's calls in order (same object, op and args); only an
 * actor's last event may be pending; invoke <= response, and each actor's calls
 * follow one another in time; the parallel part starts after init and post
 * after the parallel part; every call is accounted for unless the scenario hit
 * its deadline (some event is pending, or the runner saw the run cut: `cutAt`),
 * when calls never started are left out.
 */
export function protocolProblems(scenario: Scenario, history: History, produces?: (c: Call) => boolean): string[] {
  const out = basicProblems(scenario, history);
  if (out.length || constructorRaised(history)) return out;
  const byActor = new Map<string, HistoryEvent[]>([...programs(scenario).keys()].map((a) => [a, []]));
  for (const e of history.events) byActor.get(e.actor)!.push(e);
  // Each actor's program as it must have run: a call on a handle its producer did not return is left out.
  const progs = new Map<string, Call[]>();
  let initCount = scenario.init.length;
  for (const [actor, prog] of programs(scenario)) {
    const events = byActor.get(actor)!;
    const named = new Set(prog.filter((c) => c.object.includes("@")).map((c) => c.object));
    const returned = new Set<string>();
    const kept: Call[] = [];
    let initKept = 0;
    prog.forEach((c, p) => {
      if (c.object.includes("@") && !returned.has(c.object)) return;
      const e = events[kept.length];
      kept.push(c);
      if (actor === MAIN_ACTOR && p < scenario.init.length) initKept++;
      const id = `${c.object}@${actor}.${p}`;
      if (!(produces ? produces(c) : named.has(id)) || e?.outcome.kind !== "returned") return;
      // A producing call reports its handle by its place, the id later calls name.
      if (deepEqual(e.outcome.value, { $handle: id })) returned.add(id);
      else out.push(`actor ${actor}, event ${kept.length - 1}: ${describeEvent(e)} produces a handle: it must return {"$handle": "${id}"} (its place), got ${JSON.stringify(e.outcome.value)}`);
    });
    if (actor === MAIN_ACTOR) initCount = initKept;
    progs.set(actor, kept);
  }
  const anyPending = history.events.some((e) => isPending(e.outcome, e.response)) || history.cutAt !== undefined;
  // [event, earliest start (ns), pause (s), where]: checked once the parts' ends are known.
  const pauseAfter: [HistoryEvent, number, number, string][] = [];
  const firstPaused: [HistoryEvent, number, string][] = [];
  const postPaused: [HistoryEvent, number, string][] = [];
  for (const [actor, events] of byActor) {
    const prog = progs.get(actor)!;
    if (events.length > prog.length) out.push(`actor ${actor}: ${events.length} events for ${prog.length} calls`);
    events.forEach((e, k) => {
      const c = prog[k];
      if (c && (c.object !== e.object || c.op !== e.op || !deepEqual(c.args, e.args))) {
        out.push(`actor ${actor}, event ${k}: ${describeEvent(e)} is not its call ${k}, ${describeCall(c)} (events must be in program order)`);
      }
      const pending = isPending(e.outcome, e.response);
      if (pending && k !== events.length - 1) out.push(`actor ${actor}, event ${k}: pending, yet the actor has later events`);
      if (!pending && e.response! < e.invoke) out.push(`actor ${actor}, event ${k}: response ${e.response} is before invoke ${e.invoke}`);
      const prev = events[k - 1];
      if (prev && prev.response !== null && e.invoke < prev.response) {
        out.push(`actor ${actor}, event ${k}: invoked at ${e.invoke}, before its previous call returned at ${prev.response}`);
      }
      // A pause is a sleep before the invoke stamp: after the previous call (or, for a part's
      // first call, after the part before it) at least that long must have passed.
      if (c?.pause) {
        const where = `actor ${actor}, event ${k}`;
        const firstOfPost = actor === MAIN_ACTOR && k === initCount;
        if (firstOfPost) postPaused.push([e, c.pause, where]);
        else if (k === 0) (actor === MAIN_ACTOR ? pauseAfter.push([e, 0, c.pause, where]) : firstPaused.push([e, c.pause, where]));
        else if (prev && prev.response !== null) pauseAfter.push([e, prev.response, c.pause, where]);
      }
    });
    if (events.length < prog.length && !anyPending) {
      out.push(`actor ${actor}: ${events.length} of ${prog.length} calls reported, and no call is pending (every call must be accounted for)`);
    }
  }
  // Phases: init before parallel before post.
  const main = byActor.get(MAIN_ACTOR)!;
  const initEvents = main.slice(0, initCount);
  const postEvents = main.slice(initCount);
  const parallel = [...byActor].filter(([a]) => a !== MAIN_ACTOR).flatMap(([, ev]) => ev);
  const lastResponse = (evs: HistoryEvent[]) => Math.max(-Infinity, ...evs.map((e) => e.response ?? Infinity));
  const initEnd = lastResponse(initEvents);
  for (const e of parallel) {
    if (e.invoke < initEnd) out.push(`actor ${e.actor}: ${describeEvent(e)} invoked at ${e.invoke}, before the init part ended at ${initEnd}`);
  }
  const parEnd = lastResponse(parallel);
  for (const e of postEvents) {
    if (e.invoke < parEnd) out.push(`actor main: post call ${describeEvent(e)} invoked at ${e.invoke}, before the parallel part ended at ${parEnd}`);
  }
  for (const [e, p, where] of firstPaused) pauseAfter.push([e, Math.max(0, initEnd), p, where]);
  for (const [e, p, where] of postPaused) pauseAfter.push([e, Math.max(0, parEnd, initEnd), p, where]);
  for (const [e, since, p, where] of pauseAfter) {
    // 1 ms of slack for timers that wake a little early.
    if (e.invoke - since < p * 1e9 - PAUSE_SLACK_NS) {
      out.push(`${where}: ${describeEvent(e)} has a pause of ${p * 1000} ms but was invoked ${((e.invoke - since) / 1e6).toFixed(3)} ms after ${since === 0 ? "the origin" : "what came before it"} (the adapter must sleep for the pause before the call)`);
    }
  }
  return out;
}
