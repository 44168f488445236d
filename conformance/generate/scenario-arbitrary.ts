/**
 * fast-check arbitraries for scenarios, derived from a spec document: which
 * operations exist in the profile, their weights, and each argument's domain.
 * Shrinking removes actors and calls; fresh tokens are numbered after shrinking
 * so a counterexample reads i1, i2, ... in program order.
 */
import fc from "fast-check";
import type { Domain, JsonValue, Param } from "../../spec/format.js";
import type { Call, ObjectDecl, Scenario } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";

export interface ScenarioShape {
  /** Parallel actors, at most. */
  maxActors: number;
  /** Calls per parallel actor, at most. */
  maxCallsPerActor: number;
  maxInit: number;
  maxPost: number;
}

export const DEFAULT_SHAPE: ScenarioShape = { maxActors: 3, maxCallsPerActor: 3, maxInit: 2, maxPost: 2 };

const TOKEN = "\u0000token:";

function domainArb(d: Domain): fc.Arbitrary<JsonValue> {
  if (d.oneOf) return fc.constantFrom(...d.oneOf);
  if (d.intRange) return fc.integer({ min: d.intRange.min, max: d.intRange.max });
  return fc.constant(`${TOKEN}${d.token}`);
}

function argsArb(params: { [name: string]: Param } | undefined): fc.Arbitrary<Record<string, JsonValue>> {
  const entries = Object.entries(params ?? {});
  return fc.record(Object.fromEntries(entries.map(([k, p]) => [k, domainArb(p.domain)])));
}

/** Operations of the spec that exist in the profile. */
export function operationsIn(spec: LoadedSpec, profile: string): string[] {
  return [...spec.operations.values()].filter((o) => !o.op.profiles || o.op.profiles.includes(profile)).map((o) => o.name);
}

function callArb(spec: LoadedSpec, profile: string, object: string): fc.Arbitrary<Call> {
  const ops = operationsIn(spec, profile);
  if (ops.length === 0) throw new Error(`${spec.file}: no operation exists in profile '${profile}'`);
  return fc.oneof(
    ...ops.map((name) => {
      const op = spec.operations.get(name)!;
      return { arbitrary: argsArb(op.op.args).map((args): Call => ({ object, op: name, args })), weight: op.op.weight ?? 1 };
    }),
  );
}

/** Replace token placeholders by fresh values, numbered in scenario order per prefix. */
function numberTokens(sc: Scenario): Scenario {
  const counters = new Map<string, number>();
  const fresh = (v: JsonValue): JsonValue => {
    if (typeof v !== "string" || !v.startsWith(TOKEN)) return v;
    const prefix = v.slice(TOKEN.length);
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}${n}`;
  };
  const call = (c: Call): Call => ({ ...c, args: Object.fromEntries(Object.entries(c.args).map(([k, v]) => [k, fresh(v)])) });
  return { ...sc, init: sc.init.map(call), parallel: sc.parallel.map((a) => a.map(call)), post: sc.post.map(call) };
}

export function scenarioArbitrary(spec: LoadedSpec, profile: string, shape: ScenarioShape = DEFAULT_SHAPE): fc.Arbitrary<Scenario> {
  if (!(profile in spec.doc.profiles)) throw new Error(`${spec.primitive} does not exist in profile '${profile}'`);
  const object: fc.Arbitrary<ObjectDecl> = argsArb(spec.doc.params).map((args) => ({ id: "o0", primitive: spec.primitive, args }));
  const call = callArb(spec, profile, "o0");
  return fc
    .record({
      object,
      init: fc.array(call, { maxLength: shape.maxInit }),
      parallel: fc.array(fc.array(call, { minLength: 1, maxLength: shape.maxCallsPerActor }), { minLength: 1, maxLength: shape.maxActors }),
      post: fc.array(call, { maxLength: shape.maxPost }),
    })
    .map(({ object, init, parallel, post }) => numberTokens({ profile, objects: [object], init, parallel, post }));
}
