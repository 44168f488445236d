/**
 * The threads backend as an `ImplementationModule`: an executor imports this
 * module by URL in every worker thread, creates objects on one thread and
 * attaches their handles on the others.
 */
import type { JsonValue } from "../../spec/format.js";
import type { ObjectHandle, SharedPrimitive } from "../implementation.js";
import { checkProfile, PROFILES } from "./profile.js";
import type { Factory } from "./factory.js";
import { setInThreadAttach } from "../callables.js";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Every file of this folder and of ../processes (Process, on child processes; its children's entry
// modules live in ../processes/child) that exports `factories` (lock.ts: Lock and RLock, ...): found, not listed.
const FOLDERS = [new URL("./", import.meta.url), new URL("../processes/", import.meta.url)];
const FACTORIES: Record<string, Factory> = {};
for (const folder of FOLDERS) {
  for (const file of readdirSync(fileURLToPath(folder)).filter((f) => /\.(ts|js)$/.test(f) && !/\.(test|d)\.(ts|js)$/.test(f)).sort()) {
    if (file.startsWith("module.")) continue;
    const m = (await import(new URL(file, folder).href)) as { factories?: Factory[] };
    for (const f of m.factories ?? []) {
      if (Object.hasOwn(FACTORIES, f.primitive)) throw new Error(`reference: ${f.primitive} has two factories (${file} and another)`);
      FACTORIES[f.primitive] = f;
    }
  }
}

export const primitives: readonly string[] = Object.keys(FACTORIES);
// A callable run in an actor's thread (a Barrier's action) reaches other objects through attach.
setInThreadAttach((h) => attach(h));
export const profiles: readonly string[] = PROFILES;

function factory(primitive: string): Factory {
  const f = Object.hasOwn(FACTORIES, primitive) ? FACTORIES[primitive] : undefined;
  if (!f) throw new TypeError(`unknown primitive ${JSON.stringify(primitive)} (expected one of ${primitives.join(", ")})`);
  return f;
}

/**
 * Construct `primitive` in `profile` from Python's positional constructor arguments. An
 * argument `{"$new": "<Primitive>", "argv": [...]}` stands for a fresh object of that primitive
 * in the same profile, built first and passed as the argument (Condition's lock; see the `$new`
 * convention in spec/protocol/README.md).
 */
export function create(primitive: string, profile: string, argv: JsonValue[], kwargs: Record<string, JsonValue> = {}): SharedPrimitive {
  const f = factory(primitive);
  if (argv.length > f.arity) {
    throw new TypeError(`${primitive} takes at most ${f.arity} positional constructor argument(s), got ${argv.length}`);
  }
  for (const k of Object.keys(kwargs)) {
    if (!f.keywords?.includes(k)) throw new TypeError(`${primitive}() got an unexpected keyword argument '${k}'`);
  }
  const p = checkProfile(profile);
  // Factories take JSON values, and objects in the places where `$new` may build them.
  const kw = Object.fromEntries(Object.entries(kwargs).map(([k, v]) => [k, constructed(v, p)]));
  return f.make(argv.map((v) => constructed(v, p)) as JsonValue[], { profile: p }, kw);
}

function constructed(v: JsonValue, profile: string): JsonValue | SharedPrimitive {
  if (typeof v !== "object" || v === null || Array.isArray(v) || !("$new" in v)) return v;
  const { $new: name, argv = [], ...rest } = v as { $new: unknown; argv?: unknown };
  if (typeof name !== "string" || !Array.isArray(argv) || Object.keys(rest).length > 0) {
    throw new TypeError(`${JSON.stringify(v)} is not a $new value: expected {"$new": "<Primitive>", "argv": [...]}`);
  }
  return create(name, profile, argv as JsonValue[]);
}

/** After a scenario: end the child processes its Process objects started (no orphan, none left running). */
export { endProcesses as end, enterScope } from "../processes/process.js";

/** Rebuild an object from its `handle()` (made by `create` or a constructor), in any thread. */
export function attach(handle: ObjectHandle): SharedPrimitive {
  return factory(handle.primitive).attach(handle);
}
