/**
 * Load spec documents: parse YAML, validate against spec/spec.schema.json (ajv),
 * check what a schema cannot (unique rule ids, known profiles and state
 * variables, the combinations of fields the model relies on), and compile every
 * CEL expression once, checking the names it reads (`s.<x>` a state variable,
 * `ctor.<x>` a param, `args.<x>` an argument, `result`, `actor` and `choose`
 * names only where they are bound). Any problem is a SpecError
 * naming the file, the place in it, and what to do.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parseDocument } from "yaml";
import type { ConstructionRule, Definition, Domain, InternalStep, JsonValue, Operation, OperationForm, Param, ProcessEndRule, Raises, Rule, SpecDocument } from "../../spec/format.js";
import { CelExprError, compileCel, type CelNames, type CompiledExpr, type KnownKeys } from "./cel.js";


export const SPEC_ROOT = fileURLToPath(new URL("../../spec/", import.meta.url));
export const PRIMITIVES_DIR = join(SPEC_ROOT, "primitives");
/** Spec documents not yet run by campaigns (their reference or adapter support is still to come): validated and judged on their histories only. */
export const DRAFTS_DIR = join(SPEC_ROOT, "drafts");
const SCHEMA_FILE = join(SPEC_ROOT, "spec.schema.json");

export class SpecError extends Error {
  override name = "SpecError";
  constructor(
    readonly file: string,
    readonly place: string,
    readonly problem: string,
  ) {
    super(`${file}${place ? `: ${place}` : ""}: ${problem}`);
  }
}

export interface CompiledEffect {
  target: string;
  /** For `v[key]` targets. */
  key?: CompiledExpr;
  value: CompiledExpr;
}

export interface CompiledRule {
  rule: Rule;
  /** Index of the phase the call continues in, when the rule has `next`. */
  next?: number;
  when?: CompiledExpr;
  effect: CompiledEffect[];
  returns?: CompiledExpr;
  accepts?: CompiledExpr;
  messagePattern?: RegExp;
  /** The kind of handle a completing, non-raising rule of a producing operation returns. */
  produces?: string;
  /** `raises.from`: the error raised, computed ({'type': ..., 'message': ...}). */
  raisesFrom?: CompiledExpr;
}

/** An argument's conditional domains (`domainIf`), with their conditions compiled. */
export type CompiledDomainIf = { when: CompiledExpr; domain: Domain }[];

export interface CompiledOperation {
  name: string;
  op: Operation;
  /** Conditional domains by argument name. */
  domainIf: Map<string, CompiledDomainIf>;
  /** Positional order of the arguments (keyword-only ones included, in document order). */
  argNames: string[];
  /** The keyword-only arguments (`keyword: true`): passed by name, in the call's `kwargs`. */
  keywordArgs: string[];
  defaults: Record<string, JsonValue>;
  /** Rules per phase: [0] the call's first step, then `phases` in document order. */
  phases: CompiledRule[][];
  /** Phase names, aligned with `phases` ([0] is "call"). */
  phaseNames: string[];
  /** `get`: an attribute read (obj.name); `call`: a method call. */
  form: OperationForm;
  /** The argument naming the tuple element called on (the operation's `target`), if any. */
  target?: string;
  /** How adapters perform it: form, Python name, lock held. */
  shape: CallShape;
  /** The operation's `timeout` expression (effective timeout in seconds, or null), when it has one. */
  timeout?: CompiledExpr;
  /** For an operation of a handle (SpecDocument.handles): its kind. Its name is `<Kind>.<op>`. */
  handle?: string;
}

/** A constructor's refusal (`construction.rules`), its guard compiled. */
export interface CompiledConstruction {
  rule: ConstructionRule;
  when: CompiledExpr;
  messagePattern?: RegExp;
}

export interface CompiledInternal {
  step: InternalStep;
  choose: { name: string; list: CompiledExpr }[];
  when?: CompiledExpr;
  effect: CompiledEffect[];
  /** A call on another scenario object (InternalStep.delegate): the call, and the state variable of its phase. */
  delegate?: { call: CompiledExpr; phase: string; as: string };
  /** How the step ends the object's child process (InternalStep.endsChild), when it may. */
  endsChild?: CompiledExpr;
}

/** A `processEnd` rule: what the object does when a process that called it ends. */
export interface CompiledProcessEnd {
  rule: ProcessEndRule;
  when?: CompiledExpr;
  effect: CompiledEffect[];
}

export interface LoadedSpec {
  /** Path relative to the working directory, for messages. */
  file: string;
  doc: SpecDocument;
  primitive: string;
  paramNames: string[];
  paramDefaults: Record<string, JsonValue>;
  stateInit: { name: string; init: CompiledExpr }[];
  operations: Map<string, CompiledOperation>;
  internal: CompiledInternal[];
  /** What the object does when a process that called it ends (`processEnd`), in document order. */
  processEnd: CompiledProcessEnd[];
  /** The constructor's refusals (`construction.rules`), in document order. */
  construction: CompiledConstruction[];
  timeoutSlackSeconds: number;
  /** The document's `generate.minActors` (CEL over ctor), when it has one. */
  minActors?: CompiledExpr;
  /** Conditional domains of constructor parameters (`params.<name>.domainIf`), by name. */
  paramDomainIf: Map<string, CompiledDomainIf>;
  /** The document's `invariants` (CEL over ctor, s, profile), in document order. */
  invariants: { name: string; expr: CompiledExpr }[];
}

let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8"));
    validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/** One ajv error, naming the place and, for an unknown field, the TypeScript file that lists the allowed ones. */
export function schemaProblem(e: ErrorObject, format = "spec/format.ts"): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "(top level)";
  if (e.keyword === "additionalProperties") {
    return `${at}: unknown field '${(e.params as { additionalProperty: string }).additionalProperty}' (see ${format} for the fields allowed here)`;
  }
  if (e.keyword === "required") return `${at}: missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
  if (e.keyword === "enum") return `${at}: ${e.message} ${JSON.stringify((e.params as { allowedValues: unknown }).allowedValues)}`;
  return `${at}: ${e.message}`;
}

const TARGET = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[(.+)\])?$/;

export function loadSpecText(text: string, file: string): LoadedSpec {
  const yamlDoc = parseDocument(text, { prettyErrors: true });
  if (yamlDoc.errors.length > 0) {
    const e = yamlDoc.errors[0]!;
    throw new SpecError(file, e.linePos ? `line ${e.linePos[0].line}` : "", `not valid YAML: ${e.message.split("\n")[0]}`);
  }
  const doc = yamlDoc.toJS() as SpecDocument;
  const v = validate();
  if (!v(doc)) {
    const problems = (v.errors ?? []).map((e) => schemaProblem(e));
    throw new SpecError(file, "", `does not match spec/spec.schema.json:\n  - ${[...new Set(problems)].join("\n  - ")}`);
  }
  return compileDocument(doc, file);
}

/** A file of spec/ as text, with the path messages name it by; unreadable: a SpecError. */
function readSpecFile(path: string): { file: string; text: string } {
  const file = relative(process.cwd(), path) || path;
  try {
    return { file, text: readFileSync(path, "utf8") };
  } catch (e) {
    throw new SpecError(file, "", `cannot read: ${(e as Error).message}`);
  }
}

/**
 * A YAML data file beside the spec documents (histories, the callables' vocabulary): read, parsed
 * and validated against its JSON Schema (generated from `format`, a TypeScript file), every
 * problem a SpecError naming the file and the place.
 */
export function loadYamlData<T>(path: string, schemaFile: string, format: string): { file: string; doc: T } {
  const { file, text } = readSpecFile(path);
  const y = parseDocument(text, { prettyErrors: true });
  if (y.errors.length > 0) throw new SpecError(file, y.errors[0]!.linePos ? `line ${y.errors[0]!.linePos[0].line}` : "", `not valid YAML: ${y.errors[0]!.message.split("\n")[0]}`);
  const doc = y.toJS() as T;
  let v = validators.get(schemaFile);
  if (!v) validators.set(schemaFile, (v = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(SPEC_ROOT, schemaFile), "utf8")))));
  if (!v(doc)) {
    const problems = (v.errors ?? []).map((e) => schemaProblem(e, format));
    throw new SpecError(file, "", `does not match spec/${schemaFile} (${format}):\n  - ${[...new Set(problems)].join("\n  - ")}`);
  }
  return { file, doc };
}
const validators = new Map<string, ValidateFunction>();

export function loadSpecFile(path: string): LoadedSpec {
  const { file, text } = readSpecFile(path);
  return loadSpecText(text, file);
}

/**
 * The documents of the primitives `spec` may take as companions (`generate.companions`): each
 * `<P>.yaml` beside it, else in spec/primitives. A missing one is a SpecError naming the place.
 */
export function companionSpecs(spec: LoadedSpec): LoadedSpec[] {
  return Object.keys(spec.doc.generate?.companions ?? {}).map((p) => {
    const candidates = [join(dirname(spec.file), `${p}.yaml`), join(PRIMITIVES_DIR, `${p}.yaml`)];
    const found = candidates.find((f) => existsSync(f));
    if (!found) throw new SpecError(spec.file, `generate.companions.${p}`, `no spec document ${p}.yaml beside it or in spec/primitives`);
    return loadSpecFile(found);
  });
}

/** Every spec document in a folder (default: spec/primitives), sorted by primitive name. */
export function loadSpecDir(dir: string = PRIMITIVES_DIR): LoadedSpec[] {
  // <P>.histories.yaml beside a document is its hand-written histories (spec/histories.ts), not a spec.
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/\.histories\.ya?ml$/.test(f)).sort();
  const specs = files.map((f) => loadSpecFile(join(dir, f)));
  const seen = new Map<string, string>();
  for (const s of specs) {
    const other = seen.get(s.primitive);
    if (other) throw new SpecError(s.file, "primitive", `'${s.primitive}' is also defined in ${other}`);
    seen.set(s.primitive, s.file);
  }
  return specs;
}

function checkDomain(file: string, place: string, p: Param): void {
  checkOneDomain(file, `${place}.domain`, p.domain);
  p.domainIf?.forEach((c, i) => checkOneDomain(file, `${place}.domainIf[${i}].domain`, c.domain));
}

function checkOneDomain(file: string, place: string, d: Domain): void {
  const set = [d.oneOf, d.intRange, d.token, d.bytesToken].filter((x) => x !== undefined).length;
  if (set !== 1) throw new SpecError(file, place, "give exactly one of oneOf, intRange, token, bytesToken");
  if (d.oneOf && d.oneOf.length === 0) throw new SpecError(file, `${place}.oneOf`, "is empty; list at least one value");
  if (d.intRange && d.intRange.min > d.intRange.max) throw new SpecError(file, `${place}.intRange`, "min is above max");
}

const DEF_REF = /defs\.([A-Za-z_][A-Za-z0-9_]*)/y;

/**
 * `written` with every `defs.<name>` outside string literals replaced by `(<that definition's
 * CEL>)`, definitions inside definitions too. An unknown name, or a definition that reaches
 * itself, is a SpecError at `place` (or at the definition).
 */
export function expandDefs(written: string, defs: Readonly<Record<string, Definition>>, file: string, place: string, using: readonly string[] = [], used?: Set<string>): string {
  let out = "";
  let i = 0;
  while (i < written.length) {
    const ch = written[i]!;
    if (ch === "'" || ch === '"') {
      // A string literal: copied as it is (a backslash escapes the next character).
      let j = i + 1;
      while (j < written.length && written[j] !== ch) j += written[j] === "\\" ? 2 : 1;
      out += written.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    DEF_REF.lastIndex = i;
    const m = DEF_REF.exec(written);
    if (m && (i === 0 || !/[A-Za-z0-9_.]/.test(written[i - 1]!))) {
      const name = m[1]!;
      const def = Object.hasOwn(defs, name) ? defs[name] : undefined;
      if (!def) throw new SpecError(file, place, `unknown definition 'defs.${name}' (defs: ${Object.keys(defs).join(", ") || "none"})`);
      if (using.includes(name)) throw new SpecError(file, `defs.${using[0]}`, `uses itself: ${[...using, name].map((n) => `defs.${n}`).join(" -> ")}`);
      used?.add(name);
      out += `(${expandDefs(def.cel, defs, file, `defs.${name}.cel`, [...using, name], used)})`;
      i += m[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

function compileDocument(doc: SpecDocument, file: string): LoadedSpec {
  const profiles = new Set(Object.keys(doc.profiles));
  if (profiles.size === 0) throw new SpecError(file, "profiles", "declare at least one profile");
  const stateNames = new Set(Object.keys(doc.state));
  const ruleIds = new Map<string, string>();

  const paramNames = Object.keys(doc.params ?? {});
  const profileList = [...profiles];
  // The variables bound where each kind of expression is evaluated (see spec/format.ts's header).
  const keys = (names: string[], unknown: string, list: string): KnownKeys => ({ keys: names, unknown, list });
  const S = keys([...stateNames], "unknown state variable", "state");
  const CTOR = keys(paramNames, "unknown constructor parameter", "params");
  const names = (vars: CelNames["vars"]): CelNames => ({ vars, profiles: profileList });
  const defs = doc.defs ?? {};
  const defsUsed = new Set<string>();
  const cel = (written: string, place: string, scope: CelNames): CompiledExpr => {
    const src = expandDefs(written, defs, file, place, [], defsUsed);
    try {
      return compileCel(src, `${file}: ${place}`, scope);
    } catch (e) {
      if (e instanceof CelExprError) throw new SpecError(file, place, `${e.detail}\n  in CEL expression: ${written}${src !== written ? `\n  with defs put in: ${src}` : ""}`);
      throw e;
    }
  };
  const checkProfiles = (list: string[] | undefined, place: string) => {
    for (const p of list ?? []) {
      if (!profiles.has(p)) throw new SpecError(file, `${place}.profiles`, `unknown profile '${p}'; declared: ${[...profiles].join(", ")}`);
    }
  };
  // A known CPython deviation names what the docs say and how to see CPython break it.
  const checkDeviation = (r: { level: string; source: { docs?: string; observed?: unknown } }, place: string) => {
    if (r.level === "deviation" && (!r.source.docs || !r.source.observed)) {
      throw new SpecError(file, `${place}.source`, "a deviation (CPython behaviour the docs forbid) needs source.docs (what the docs say) and source.observed (the reproducer)");
    }
  };
  // A rule marked rare says why: a coverage report lists the reason instead of a gap.
  const checkReachable = (r: { reachable?: { rare: string } }, place: string) => {
    if (r.reachable && !r.reachable.rare.trim()) {
      throw new SpecError(file, `${place}.reachable.rare`, "is empty; say why generated scenarios cannot (or only rarely) reach this rule");
    }
  };
  const checkId = (id: string, place: string, prefix: string) => {
    if (!id.startsWith(prefix)) throw new SpecError(file, `${place}.id`, `'${id}' must start with '${prefix}' so that ids stay stable and findable`);
    const other = ruleIds.get(id);
    if (other) throw new SpecError(file, `${place}.id`, `'${id}' is already used at ${other}; rule ids must be unique`);
    ruleIds.set(id, place);
  };
  // How an error is raised: message or pattern (compiled), and the level of the text.
  const compileRaises = (raises: Raises, rp: string): RegExp | undefined => {
    if ((raises.type === undefined) === (raises.from === undefined)) throw new SpecError(file, `${rp}.raises`, "give type (the exception's type) or from (CEL giving {'type': ..., 'message': ...}), one of them");
    if (raises.from !== undefined && (raises.message !== undefined || raises.messagePattern !== undefined)) throw new SpecError(file, `${rp}.raises`, "with from, the message is from's too: drop message and messagePattern");
    if (raises.messageLevel !== undefined && raises.message === undefined && raises.messagePattern === undefined) {
      throw new SpecError(file, `${rp}.raises.messageLevel`, "is the level of message or messagePattern, and the rule gives neither");
    }
    if (raises.message !== undefined && raises.messagePattern !== undefined) {
      throw new SpecError(file, `${rp}.raises`, "give message or messagePattern, not both");
    }
    if (raises.messagePattern === undefined) return undefined;
    try {
      return new RegExp(`^(?:${raises.messagePattern})$`, "s");
    } catch (e) {
      throw new SpecError(file, `${rp}.raises.messagePattern`, `not a valid pattern: ${(e as Error).message}`);
    }
  };
  const checkMessageLevel = (r: { level: string; raises?: Raises }, rp: string) => {
    if (r.raises?.messageLevel === "documented" && r.level === "cpython") {
      throw new SpecError(file, `${rp}.raises.messageLevel`, "messageLevel documented on a cpython-level rule means nothing: the whole rule is checked at level cpython only");
    }
  };
  const effects = (eff: Record<string, string> | undefined, place: string, scope: CelNames): CompiledEffect[] =>
    Object.entries(eff ?? {}).map(([target, src]) => {
      const m = TARGET.exec(target);
      if (!m || !stateNames.has(m[1]!)) {
        throw new SpecError(file, `${place}.effect`, `target '${target}' is not a state variable (${[...stateNames].join(", ")}) or 'var[key]'`);
      }
      return {
        target: m[1]!,
        key: m[2] !== undefined ? cel(m[2], `${place}.effect['${target}'] key`, scope) : undefined,
        value: cel(src, `${place}.effect['${target}']`, scope),
      };
    });

  // A call on another object: its phase lives in a state variable of this object.
  const compileDelegate = (d: { call: string; phase: string; as?: string }, place: string, scope: CelNames) => {
    if (!stateNames.has(d.phase)) throw new SpecError(file, `${place}.delegate.phase`, `'${d.phase}' is not a state variable (${[...stateNames].join(", ")}); declare one with init 0 to hold the call's phase`);
    return { call: cel(d.call, `${place}.delegate.call`, scope), phase: d.phase, as: d.as ?? "child" };
  };

  const paramDefaults: Record<string, JsonValue> = {};
  const paramDomainIf = new Map<string, CompiledDomainIf>();
  for (const [pi, [name, p]] of Object.entries(doc.params ?? {}).entries()) {
    checkDomain(file, `params.${name}`, p);
    if (p.keyword && p.default === undefined) throw new SpecError(file, `params.${name}.keyword`, "a keyword-only parameter needs a default (it is passed only when it differs from it)");
    if (p.default !== undefined) paramDefaults[name] = p.default;
    const scope = names({ args: keys(paramNames.slice(0, pi), "unknown or later parameter", "earlier params"), profile: true });
    if (p.domainIf) paramDomainIf.set(name, p.domainIf.map((c, i) => ({ when: cel(c.when, `params.${name}.domainIf[${i}].when`, scope), domain: c.domain })));
  }

  const operations = new Map<string, CompiledOperation>();
  // A handle kind's operations are this document's too, named `<Kind>.<op>` (spec/format.ts Handle).
  const handleKinds = Object.keys(doc.handles ?? {});
  const allOps: [string, Operation, string | undefined, string][] = [
    ...Object.entries(doc.operations).map(([n, op]): [string, Operation, string | undefined, string] => [n, op, undefined, `operations.${n}`]),
    ...Object.entries(doc.handles ?? {}).flatMap(([kind, h]) =>
      Object.entries(h.operations).map(([n, op]): [string, Operation, string | undefined, string] => [`${kind}.${n}`, op, kind, `handles.${kind}.operations.${n}`]),
    ),
  ];
  for (const [name, op, handleKind, place] of allOps) {
    if (op.produces !== undefined && !handleKinds.includes(op.produces)) {
      throw new SpecError(file, `${place}.produces`, `'${op.produces}' is not a kind of handle of this document (handles: ${handleKinds.join(", ") || "none"})`);
    }
    if (op.produces !== undefined && op.form !== undefined && op.form !== "call") throw new SpecError(file, `${place}.produces`, "only a method call (form call) produces a handle");
    checkProfiles(op.profiles, place);
    const defaults: Record<string, JsonValue> = {};
    const domainIf = new Map<string, CompiledDomainIf>();
    const argNames = Object.keys(op.args ?? {});
    const ARGS = keys(argNames, "unknown argument", `args of ${name}`);
    for (const [ai, [a, p]] of Object.entries(op.args ?? {}).entries()) {
      checkDomain(file, `${place}.args.${a}`, p);
      if (p.keyword && p.default === undefined) throw new SpecError(file, `${place}.args.${a}.keyword`, "a keyword-only argument needs a default (it is passed only when it differs from it)");
      if (p.default !== undefined) defaults[a] = p.default;
      const scope = names({ ctor: CTOR, args: keys(argNames.slice(0, ai), "unknown or later argument", `args of ${name} before ${a}`), profile: true });
      if (p.domainIf) domainIf.set(a, p.domainIf.map((c, i) => ({ when: cel(c.when, `${place}.args.${a}.domainIf[${i}].when`, scope), domain: c.domain })));
    }
    if (op.timeoutArg && !(op.timeoutArg in (op.args ?? {}))) {
      throw new SpecError(file, `${place}.timeoutArg`, `'${op.timeoutArg}' is not one of the operation's args`);
    }
    if (op.parts && !op.parts.includes("parallel") && !op.parts.includes("init") && !op.parts.includes("post")) {
      throw new SpecError(file, `${place}.parts`, "list at least one of init, parallel, post");
    }
    // Arguments passed to the Python call: all but the `target` and `item` ones, which pick what it is on.
    const passed = Object.keys(op.args ?? {}).filter((a) => a !== op.target && a !== op.item);
    if (op.item !== undefined) {
      if (!(op.item in (op.args ?? {}))) throw new SpecError(file, `${place}.item`, `'${op.item}' is not among the operation's args`);
      if (op.form === undefined || op.form === "call") throw new SpecError(file, `${place}.item`, "an item key subscripts the object: give form get, set or iadd");
      if (op.attribute !== undefined) throw new SpecError(file, `${place}.attribute`, "an operation with an item key is on obj[key], not on an attribute: drop attribute or item");
    }
    if (op.form === "get" && passed.length > 0) {
      throw new SpecError(file, `${place}.args`, "an operation with form 'get' is an attribute or item read: it takes no args besides its target and item key");
    }
    if ((op.form === "set" || op.form === "iadd") && passed.length !== 1) {
      throw new SpecError(file, `${place}.args`, `an operation with form '${op.form}' takes exactly one arg besides its target and item key`);
    }
    for (const [i, a] of (op.outArgs ?? []).entries()) {
      if (!passed.includes(a)) throw new SpecError(file, `${place}.outArgs[${i}]`, `'${a}' is not among the args passed to the method (${passed.join(", ") || "none"})`);
      if (op.form !== undefined && op.form !== "call") throw new SpecError(file, `${place}.outArgs`, "out arguments are for method calls (form call)");
    }
    if ((op.form === "set" || op.form === "iadd") && Object.values(op.args ?? {}).some((a) => a.default !== undefined)) {
      throw new SpecError(file, `${place}.args`, `the arg of an operation with form '${op.form}' has no default (it is always passed)`);
    }
    if (op.target !== undefined) {
      if (!(op.target in (op.args ?? {}))) throw new SpecError(file, `${place}.target`, `'${op.target}' is not among the operation's args`);
      for (const [pn, pi] of Object.entries(doc.profiles)) {
        if (!pi.returns) throw new SpecError(file, `${place}.target`, `profile ${pn}'s callable has no 'returns' (a target picks an element of a returned tuple)`);
      }
    }
    const timeout = op.timeout !== undefined ? cel(op.timeout, `${place}.timeout`, names({ ctor: CTOR, args: ARGS, profile: true })) : undefined;
    // actorKind: 'threads', 'processes' or 'unknown', what the scenario's actors were (CheckOptions.actorKind);
    // startMethod: the adapter's start method ('fork', 'spawn', 'forkserver') or 'unknown' (CheckOptions.startMethod).
    // handle: the handle it produces (`produces`), or the one called (a handle's operation).
    const ruleVars: CelNames["vars"] = { ctor: CTOR, s: S, args: ARGS, profile: true, actor: true, actorKind: true, startMethod: true, ...(op.produces !== undefined || handleKind !== undefined ? { handle: true as const } : {}) };
    const ruleScope = names(ruleVars);
    const resultScope = names({ ...ruleVars, result: true });
    if (op.rules.length === 0) throw new SpecError(file, `${place}.rules`, "an operation needs at least one rule");
    const phaseNames = ["call", ...Object.keys(op.phases ?? {})];
    const compileRule = (rule: Rule, rp: string): CompiledRule => {
      checkId(rule.id, rp, `${doc.primitive}.${name}.`);
      checkProfiles(rule.profiles, rp);
      if (rule.afterTimeout && !op.timeoutArg && !op.timeout) throw new SpecError(file, `${rp}.afterTimeout`, "the operation has no timeoutArg or timeout");
      if (rule.raises && (rule.returns || rule.accepts)) throw new SpecError(file, rp, "a rule either raises or returns, not both");
      if (op.produces !== undefined && (rule.returns || rule.accepts)) throw new SpecError(file, rp, `the operation produces a ${op.produces}: a rule that completes it returns that handle (drop returns and accepts)`);
      if (rule.documentedOnly && rule.level !== "documented") throw new SpecError(file, `${rp}.documentedOnly`, "only a documented-level rule can be active at the documented level only");
      if (rule.profiles && op.profiles) {
        const outside = rule.profiles.filter((p) => !op.profiles!.includes(p));
        if (outside.length > 0) throw new SpecError(file, `${rp}.profiles`, `the operation does not exist in ${outside.join(", ")} (its profiles: ${op.profiles.join(", ")})`);
      }
      if (rule.returnsLevel !== undefined) {
        // The model checks `returns` only at its level; below it, `accepts` alone says what is allowed.
        if (rule.returns === undefined) throw new SpecError(file, `${rp}.returnsLevel`, "is the level of returns, and the rule has no returns");
        if (rule.returnsLevel === "cpython") {
          if (rule.level === "cpython") throw new SpecError(file, `${rp}.returnsLevel`, "returnsLevel cpython marks an exact value as CPython's on a documented (or deviation) rule; this rule is already level cpython (drop returnsLevel)");
          if (rule.accepts === undefined) throw new SpecError(file, `${rp}.returnsLevel`, "with returnsLevel cpython, give accepts: what the docs allow (without it the documented level would accept any value)");
        } else if (rule.level === "cpython") {
          throw new SpecError(file, `${rp}.returnsLevel`, "returnsLevel documented on a cpython-level rule means nothing: the whole rule is checked at level cpython only");
        }
      }
      checkMessageLevel(rule, rp);
      checkDeviation(rule, rp);
      checkReachable(rule, rp);
      let next: number | undefined;
      if (rule.next !== undefined) {
        next = phaseNames.indexOf(rule.next);
        if (next < 1) throw new SpecError(file, `${rp}.next`, `'${rule.next}' is not a phase of ${name}; phases: ${phaseNames.slice(1).join(", ") || "(none)"}`);
        if (rule.raises || rule.returns || rule.accepts) throw new SpecError(file, rp, "a rule with next continues the call: it has no returns, accepts or raises");
      }
      const messagePattern = rule.raises ? compileRaises(rule.raises, rp) : undefined;
      return {
        rule,
        next,
        when: rule.when !== undefined ? cel(rule.when, `${rp}.when`, ruleScope) : undefined,
        // A rule that continues the call (next) has no outcome, so its effect has no `result`.
        effect: effects(rule.effect, rp, next !== undefined ? ruleScope : resultScope),
        returns: rule.returns !== undefined ? cel(rule.returns, `${rp}.returns`, ruleScope) : undefined,
        accepts: rule.accepts !== undefined ? cel(rule.accepts, `${rp}.accepts`, resultScope) : undefined,
        messagePattern,
        ...(rule.raises?.from !== undefined ? { raisesFrom: cel(rule.raises.from, `${rp}.raises.from`, ruleScope) } : {}),
        ...(op.produces !== undefined && next === undefined && !rule.raises ? { produces: op.produces } : {}),
      };
    };
    if (op.weight !== undefined && (!Number.isInteger(op.weight) || op.weight < 0)) throw new SpecError(file, `${place}.weight`, "must be a whole number");
    if (op.target !== undefined) {
      const tupleSize = Math.min(...Object.values(doc.profiles).map((pi) => pi.returns?.length ?? 0));
      const d = op.args![op.target]!;
      for (const [dp, dom] of [["domain", d.domain], ...(d.domainIf ?? []).map((c, i) => [`domainIf[${i}].domain`, c.domain] as const)] as const) {
        const values = dom.oneOf ?? (dom.intRange ? [dom.intRange.min, dom.intRange.max] : [null]);
        for (const v of values) {
          if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= tupleSize) {
            throw new SpecError(file, `${place}.args.${op.target}.${dp}`, `the target picks an element of the returned tuple: its values must be indexes 0..${tupleSize - 1}, got ${JSON.stringify(v)}`);
          }
        }
      }
    }
    const phases = [
      op.rules.map((r, i) => compileRule(r, `${place}.rules[${i}]`)),
      ...Object.entries(op.phases ?? {}).map(([ph, p]) => {
        return p.rules.map((r, i) => compileRule(r, `${place}.phases.${ph}.rules[${i}]`));
      }),
    ];
    const reached = new Set(phases.flat().map((r) => r.next));
    phaseNames.forEach((ph, i) => {
      if (i > 0 && !reached.has(i)) throw new SpecError(file, `${place}.phases.${ph}`, `no rule continues in it (next: ${ph}); it can never be reached`);
    });
    operations.set(name, {
      name,
      op,
      domainIf,
      argNames,
      keywordArgs: argNames.filter((a) => op.args?.[a]?.keyword === true),
      defaults,
      phases,
      phaseNames,
      form: op.form ?? "call",
      shape: shapeOfOperation(handleKind ? name.slice(handleKind.length + 1) : name, op),
      timeout,
      ...(op.target !== undefined ? { target: op.target } : {}),
      ...(handleKind !== undefined ? { handle: handleKind } : {}),
    });
  }

  // A generator hint's list of operation names (generate.sequences, generate.exclusive).
  const hintOps = (place: string, ops: string[]) => {
    if (ops.length === 0) throw new SpecError(file, `${place}.ops`, "is empty; list at least one operation");
    return ops.map((o) => {
      const op = operations.get(o);
      if (!op) throw new SpecError(file, `${place}.ops`, `'${o}' is not an operation (${[...operations.keys()].join(", ")})`);
      return op;
    });
  };
  // A sequence may call a companion (generate.companions) too: `Event.is_set`, checked against
  // that document when the generator has it.
  const companionOp = (o: string) => {
    const [p, name] = o.split(".");
    return name !== undefined && p! in (doc.generate?.companions ?? {});
  };
  (doc.generate?.sequences ?? []).forEach((seq, i) => {
    const place = `generate.sequences[${i}]`;
    hintOps(place, seq.ops.filter((o) => !companionOp(o)));
    if (seq.ops.every(companionOp)) throw new SpecError(file, `${place}.ops`, "a sequence calls this object at least once");
    // A handle's operation is made on the handle that an earlier call of the sequence produced.
    seq.ops.forEach((o, j) => {
      const kind = operations.get(o)?.handle;
      if (kind !== undefined && !seq.ops.slice(0, j).some((p) => operations.get(p)?.op.produces === kind)) {
        throw new SpecError(file, `${place}.ops[${j}]`, `'${o}' is on a ${kind}: an earlier operation of the sequence must produce one (produces: ${kind})`);
      }
    });
    if (seq.weight !== undefined && (!Number.isInteger(seq.weight) || seq.weight < 0)) throw new SpecError(file, `${place}.weight`, "must be a whole number");
    checkProfiles(seq.profiles, place);
    for (const [o, args] of Object.entries(seq.args ?? {})) {
      if (companionOp(o) && seq.ops.includes(o)) {
        // A companion's operation: its argument names are that document's (the generator checks them).
        for (const [a, d] of Object.entries(args)) checkOneDomain(file, `${place}.args.${o}.${a}`, d);
        continue;
      }
      const op = operations.get(o);
      if (!op || !seq.ops.includes(o)) throw new SpecError(file, `${place}.args.${o}`, `'${o}' is not an operation of the sequence (${seq.ops.join(", ")})`);
      for (const [a, d] of Object.entries(args)) {
        if (!op.argNames.includes(a)) throw new SpecError(file, `${place}.args.${o}.${a}`, `'${a}' is not an argument of ${o} (${op.argNames.join(", ") || "none"})`);
        checkOneDomain(file, `${place}.args.${o}.${a}`, d);
      }
    }
    (seq.pause ?? []).forEach((p, j) => {
      if (!Number.isFinite(p) || p <= 0 || p > 1) throw new SpecError(file, `${place}.pause[${j}]`, "must be seconds, more than 0 and at most 1");
    });
    if (seq.pause !== undefined && seq.pause.length === 0) throw new SpecError(file, `${place}.pause`, "is empty; list at least one pause, or leave it out");
  });

  // Hand-shaped scenarios: operations and arguments of this document, domains, pauses, shares.
  (doc.generate?.patterns ?? []).forEach((pat, i) => {
    const place = `generate.patterns[${i}]`;
    if (!(pat.share > 0 && pat.share < 1)) throw new SpecError(file, `${place}.share`, "must be a fraction between 0 and 1 (of the scenarios drawn from the pattern)");
    if (pat.parallel.length === 0 || pat.parallel.length > 6) throw new SpecError(file, `${place}.parallel`, "must list 1 to 6 actors' programs");
    checkProfiles(pat.profiles, place);
    for (const [a, d] of Object.entries(pat.ctor ?? {})) {
      if (!(a in (doc.params ?? {}))) throw new SpecError(file, `${place}.ctor.${a}`, `'${a}' is not a constructor parameter (${Object.keys(doc.params ?? {}).join(", ") || "none"})`);
      checkOneDomain(file, `${place}.ctor.${a}`, d);
    }
    const parts: [string, { op: string; args?: Record<string, Domain>; pause?: number }[]][] = [
      ["init", pat.init ?? []],
      ...pat.parallel.map((cs, k): [string, typeof cs] => [`parallel[${k}]`, cs]),
      ["post", pat.post ?? []],
    ];
    for (const [part, calls] of parts) {
      if (part.startsWith("parallel") && calls.length === 0) throw new SpecError(file, `${place}.${part}`, "is empty; an actor makes at least one call");
      calls.forEach((c, j) => {
        const at = `${place}.${part}[${j}]`;
        // A companion's operation (`Value.value`): its arguments are that document's (the generator checks them).
        if (!operations.has(c.op) && companionOp(c.op)) {
          for (const [a, d] of Object.entries(c.args ?? {})) checkOneDomain(file, `${at}.args.${a}`, d);
          if (c.pause !== undefined && !part.startsWith("parallel")) throw new SpecError(file, `${at}.pause`, "only a parallel actor pauses");
          return;
        }
        const op = operations.get(c.op);
        if (!op) throw new SpecError(file, `${at}.op`, `'${c.op}' is not an operation (${[...operations.keys()].join(", ")}), nor one of a companion (generate.companions)`);
        // A handle's operation is made on the last handle of its kind that the actor produced.
        const before = [...(part === "post" ? (pat.init ?? []) : []), ...calls.slice(0, j)];
        if (op.handle !== undefined && !before.some((b) => operations.get(b.op)?.op.produces === op.handle)) {
          throw new SpecError(file, `${at}.op`, `'${c.op}' is on a ${op.handle}: an earlier call of the same actor must produce one`);
        }
        for (const [a, d] of Object.entries(c.args ?? {})) {
          if (!op.argNames.includes(a)) throw new SpecError(file, `${at}.args.${a}`, `'${a}' is not an argument of ${c.op} (${op.argNames.join(", ") || "none"})`);
          checkOneDomain(file, `${at}.args.${a}`, d);
        }
        if (c.pause !== undefined && !part.startsWith("parallel")) throw new SpecError(file, `${at}.pause`, "only a parallel actor pauses");
        if (c.pause !== undefined && !(Number.isFinite(c.pause) && c.pause > 0 && c.pause <= 1)) throw new SpecError(file, `${at}.pause`, "must be seconds, more than 0 and at most 1");
      });
    }
  });

  // Bounds that keep a scenario runnable by every adapter (actors are processes) and checkable.
  for (const [k, [lo, hi]] of Object.entries({ maxActors: [1, 6], maxCallsPerActor: [1, 8], maxInit: [0, 8], maxPost: [0, 8] })) {
    const v = (doc.generate?.shape as Record<string, unknown> | undefined)?.[k];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < lo! || (v as number) > hi!)) throw new SpecError(file, `generate.shape.${k}`, `must be an integer from ${lo} to ${hi}`);
  }
  (doc.generate?.pauses ?? []).forEach((p, i) => {
    if (!Number.isFinite(p) || p <= 0 || p > 1) throw new SpecError(file, `generate.pauses[${i}]`, "must be seconds, more than 0 and at most 1 (leave the list empty for no pauses)");
  });

  for (const [p, c] of Object.entries(doc.generate?.companions ?? {})) {
    if (!(c.share > 0 && c.share < 1)) throw new SpecError(file, `generate.companions.${p}.share`, "must be a fraction between 0 and 1 (of the program elements drawn on the companion)");
    if (p === doc.primitive) throw new SpecError(file, `generate.companions.${p}`, "an object is not its own companion");
  }
  (doc.generate?.exclusive ?? []).forEach((ex, i) => {
    const place = `generate.exclusive[${i}]`;
    for (const op of hintOps(place, ex.ops)) {
      if (ex.by !== undefined && !op.argNames.includes(ex.by)) throw new SpecError(file, `${place}.by`, `'${ex.by}' is not an argument of ${op.name} (${op.argNames.join(", ") || "none"})`);
    }
  });

  const internal = (doc.internal ?? []).map((step, i): CompiledInternal => {
    const place = `internal[${i}]`;
    checkDeviation(step, place);
    checkReachable(step, place);
    checkId(step.id, place, `${doc.primitive}.`);
    if (step.within !== undefined && !(step.within > 0 && Number.isFinite(step.within))) {
      throw new SpecError(file, `${place}.within`, "must be seconds, more than 0 (leave it out for a prompt step)");
    }
    checkProfiles(step.profiles, place);
    if (step.optional && step.within !== undefined) throw new SpecError(file, `${place}.optional`, "an optional step is never counted on, so it takes no within: leave one of them out");
    if (step.documentedOnly && step.level !== "documented") throw new SpecError(file, `${place}.documentedOnly`, "only a documented-level step can be taken at the documented level only");
    // Each choose list sees the names bound before it; when and effect see them all.
    const vars: CelNames["vars"] = { ctor: CTOR, s: S, profile: true };
    const choose = Object.entries(step.choose ?? {}).map(([name, src]) => {
      if (name in vars || name === "args" || name === "actor" || name === "result") {
        throw new SpecError(file, `${place}.choose.${name}`, `'${name}' is a name CEL expressions already use; choose another`);
      }
      const list = cel(src, `${place}.choose.${name}`, names({ ...vars }));
      vars[name] = true;
      return { name, list };
    });
    return {
      step,
      choose,
      when: step.when !== undefined ? cel(step.when, `${place}.when`, names(vars)) : undefined,
      effect: effects(step.effect, place, names(step.delegate ? { ...vars, result: true, raised: true } : vars)),
      ...(step.delegate ? { delegate: compileDelegate(step.delegate, place, names(vars)) } : {}),
      ...(step.endsChild !== undefined ? { endsChild: cel(step.endsChild, `${place}.endsChild`, names(vars)) } : {}),
    };
  });

  const processEnd = (doc.processEnd ?? []).map((rule, i): CompiledProcessEnd => {
    const place = `processEnd[${i}]`;
    checkDeviation(rule, place);
    checkReachable(rule, place);
    checkId(rule.id, place, `${doc.primitive}.`);
    checkProfiles(rule.profiles, place);
    const scope = names({ ctor: CTOR, s: S, profile: true, actor: true });
    return {
      rule,
      when: rule.when !== undefined ? cel(rule.when, `${place}.when`, scope) : undefined,
      effect: effects(rule.effect ?? {}, place, scope),
    };
  });

  const ctorScope = names({ ctor: CTOR, profile: true, startMethod: true });
  const construction = (doc.construction?.rules ?? []).map((rule, i): CompiledConstruction => {
    const rp = `construction.rules[${i}]`;
    checkId(rule.id, rp, `${doc.primitive}.construct.`);
    checkProfiles(rule.profiles, rp);
    if (rule.documentedOnly && rule.level !== "documented") throw new SpecError(file, `${rp}.documentedOnly`, "only a documented-level rule can be active at the documented level only");
    checkMessageLevel(rule, rp);
    checkDeviation(rule, rp);
    checkReachable(rule, rp);
    return { rule, when: cel(rule.when, `${rp}.when`, ctorScope), messagePattern: compileRaises(rule.raises, rp) };
  });

  const loaded: LoadedSpec = {
    file,
    doc,
    primitive: doc.primitive,
    paramNames,
    paramDefaults,
    stateInit: Object.entries(doc.state).map(([name, sv]) => ({ name, init: cel(sv.init, `state.${name}.init`, names({ ctor: CTOR, profile: true })) })),
    operations,
    internal,
    processEnd,
    construction,
    timeoutSlackSeconds: timeoutSlack(file, doc),
    minActors: doc.generate?.minActors !== undefined ? cel(doc.generate.minActors, "generate.minActors", names({ ctor: CTOR, profile: true })) : undefined,
    paramDomainIf,
    invariants: Object.entries(doc.invariants ?? {}).map(([name, src]) => ({ name, expr: cel(src, `invariants.${name}`, names({ ctor: CTOR, s: S, profile: true })) })),
  };
  // A definition no expression uses is never compiled, so a mistake in it would go unseen.
  for (const name of Object.keys(defs)) {
    if (!defsUsed.has(name)) throw new SpecError(file, `defs.${name}`, "no expression uses it (as defs." + name + "): remove it or use it");
  }
  return loaded;
}

function timeoutSlack(file: string, doc: SpecDocument): number {
  const t = doc.timing?.timeoutSlack ?? 0.001;
  if (!(t >= 0)) throw new SpecError(file, "timing.timeoutSlack", "must be a number of seconds, at least 0");
  return t;
}

/** How an adapter performs an operation (from the spec's `form`, `attribute`, `withLock`). */
export interface CallShape {
  form: OperationForm;
  /** Python method or attribute name. */
  name: string;
  /** Method returning the lock to hold around the operation. */
  withLock?: string;
  /** The argument picking the tuple element called on (the operation's `target`); left out of argv. */
  target?: string;
  /** The argument that is the subscript key (the operation's `item`); left out of argv. */
  item?: string;
  /** Method called first, whose result the operation is on (the operation's `via`). */
  via?: string;
  /** Arguments reported after the call with its result (the operation's `outArgs`). */
  outArgs?: string[];
}

export function shapeOfOperation(name: string, op: Operation): CallShape {
  const shape: CallShape = { form: op.form ?? "call", name: op.attribute ?? name };
  if (op.withLock !== undefined) shape.withLock = op.withLock;
  if (op.target !== undefined) shape.target = op.target;
  if (op.item !== undefined) shape.item = op.item;
  if (op.via !== undefined) shape.via = op.via;
  if (op.outArgs !== undefined && op.outArgs.length > 0) shape.outArgs = [...op.outArgs];
  return shape;
}

/** A spec's rules (and internal steps) of level `deviation`, with what the docs say and the reproducer. */
export function deviationRules(spec: LoadedSpec): { id: string; says?: string; docs?: string; snippet?: string }[] {
  const all = [...spec.operations.values()]
    .flatMap((o) => o.phases.flat().map((r) => r.rule) as { id: string; level: string; description?: string; source: Rule["source"] }[])
    .concat(spec.internal.map((c) => c.step), spec.construction.map((c) => c.rule));
  return all
    .filter((r) => r.level === "deviation")
    .map((r) => ({ id: r.id, says: r.description ?? r.source.says, docs: r.source.docs, snippet: r.source.observed?.snippet }));
}
