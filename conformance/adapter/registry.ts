/**
 * Adapters by short name. Each entry opens an Adapter for the loaded specs
 * (which tell it the positional order of arguments).
 */
import type { LoadedSpec } from "../spec/load.js";
import type { Adapter } from "./types.js";

export type AdapterFactory = (specs: LoadedSpec[]) => Promise<Adapter>;

/** Positional argument order, read from the spec: op null = constructor params. */
export function argOrderFrom(specs: LoadedSpec[]): (primitive: string, op: string | null) => string[] {
  const byName = new Map(specs.map((s) => [s.primitive, s]));
  return (primitive, op) => {
    const spec = byName.get(primitive);
    if (!spec) throw new Error(`no spec for primitive '${primitive}'`);
    if (op === null) return spec.paramNames;
    const o = spec.operations.get(op);
    if (!o) throw new Error(`${primitive} has no operation '${op}'`);
    return o.argNames;
  };
}

export const ADAPTERS: Record<string, { description: string; open: AdapterFactory }> = {
  "reference-threads": {
    description: "mpspec's reference implementation on worker_threads (SharedArrayBuffer + Atomics)",
    open: async (specs) => {
      const { openReferenceThreads } = await import("../../adapters/reference-threads/open.js");
      return openReferenceThreads(argOrderFrom(specs));
    },
  },
};
