/**
 * Adapters by short name, or any adapter program by its command line. Each
 * entry opens an Adapter for the loaded specs (which tell it the positional
 * order of arguments, and each object's callable per profile).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LoadedSpec } from "../spec/load.js";
import type { Adapter } from "./types.js";

export type AdapterFactory = (specs: LoadedSpec[]) => Promise<Adapter>;

export interface AdapterEntry {
  description: string;
  open: AdapterFactory;
}

/** The Python adapter shipped with mpspec (adapters/python/mpspec_adapter.py). */
export const PYTHON_ADAPTER = fileURLToPath(new URL("../../adapters/python/mpspec_adapter.py", import.meta.url));

/** The reference's JSON-lines entry point (adapters/reference-threads/adapter.js; `--implementation <module>` for another one). */
export const REFERENCE_JSONL_ADAPTER = fileURLToPath(new URL("../../adapters/reference-threads/adapter.js", import.meta.url));

/** The Python interpreter for the python* adapters: $MPSPEC_PYTHON, else python3. */
export const pythonInterpreter = (): string => process.env.MPSPEC_PYTHON || "python3";

/** Any adapter program speaking the JSON-lines protocol (spec/protocol/README.md). */
export function commandLineAdapter(command: string | readonly string[], description?: string): AdapterEntry {
  return {
    description: description ?? `JSON-lines adapter: ${typeof command === "string" ? command : command.join(" ")}`,
    open: async (specs) => {
      const { JsonlAdapter } = await import("./jsonl-adapter.js");
      return JsonlAdapter.open({ command, specs });
    },
  };
}

const python = (...flags: string[]): readonly string[] => [pythonInterpreter(), PYTHON_ADAPTER, "--module", "multiprocessing", ...flags];

export const ADAPTERS: Record<string, AdapterEntry> = {
  "reference-threads": {
    description: "mpspec's reference implementation on worker_threads (SharedArrayBuffer + Atomics)",
    open: async (specs) => {
      const { openReferenceThreads } = await import("../../adapters/reference-threads/open.js");
      return openReferenceThreads(specs);
    },
  },
  "reference-jsonl": {
    description: "the same reference behind the JSON-lines protocol (node adapters/reference-threads/adapter.js): the route every other adapter takes",
    open: (specs) => commandLineAdapter([process.execPath, REFERENCE_JSONL_ADAPTER]).open(specs),
  },
  python: {
    description: "CPython's multiprocessing, actors in processes (python3 adapters/python/mpspec_adapter.py --module multiprocessing)",
    open: (specs) => commandLineAdapter(python()).open(specs),
  },
  "python-threads": {
    description: "CPython's multiprocessing and threading, actors in threads (... --actors threads)",
    open: (specs) => commandLineAdapter(python("--actors", "threads")).open(specs),
  },
  "python-spawn": {
    description: "CPython's multiprocessing with the spawn start method, pooled actor processes (... --start-method spawn)",
    open: (specs) => commandLineAdapter(python("--start-method", "spawn")).open(specs),
  },
};

/** A --adapter value that is a command line rather than a short name: it has a space, or is a path. */
export function isCommandLine(name: string): boolean {
  return /\s/.test(name) || name.includes("/") || name.includes("\\") || (existsSync(name) && !(name in ADAPTERS));
}

/** The adapter for a --adapter value: a short name from ADAPTERS, or a command line; undefined if neither. */
export function resolveAdapter(name: string): AdapterEntry | undefined {
  if (Object.hasOwn(ADAPTERS, name)) return ADAPTERS[name];
  if (isCommandLine(name)) return commandLineAdapter(name);
  return undefined;
}
