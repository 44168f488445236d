/**
 * Adapters by short name, or any adapter program by its command line. Each
 * entry opens an Adapter for the loaded specs (which tell it the positional
 * order of arguments, and each object's callable per profile).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { siblingUrl } from "../../reference/spawn-worker.js";
import type { LoadedSpec } from "../spec/load.js";
import type { Adapter } from "./types.js";

export type AdapterFactory = (specs: LoadedSpec[]) => Promise<Adapter>;

export interface AdapterEntry {
  description: string;
  open: AdapterFactory;
}

/** The Python adapter shipped with mpspec (adapters/python/mpspec_adapter.py). */
export const PYTHON_ADAPTER = fileURLToPath(new URL("../../adapters/python/mpspec_adapter.py", import.meta.url));


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

/**
 * The adapters shipped in `adapters/`, found by their manifests (`adapters/<folder>/adapter.json`:
 * short name -> description and either a JSON-lines `command` or an in-process `module` and its
 * `export`, a function (specs) => Adapter), so this file names no adapter. In a command, `{dir}`
 * is the manifest's folder, `{node}` this Node.js, `{python}` $MPSPEC_PYTHON or python3.
 */
export const ADAPTERS_DIR = fileURLToPath(new URL("../../adapters/", import.meta.url));

interface ManifestEntry {
  description: string;
  command?: string[];
  module?: string;
  export?: string;
}

export class AdapterManifestError extends Error {
  override name = "AdapterManifestError";
}

export function discoverAdapters(dir: string = ADAPTERS_DIR): Record<string, AdapterEntry> {
  const found: Record<string, AdapterEntry> = {};
  const sources: Record<string, string> = {};
  for (const folder of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const file = join(dir, folder, "adapter.json");
    if (!existsSync(file)) continue;
    let manifest: { adapters?: Record<string, ManifestEntry> };
    try {
      manifest = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new AdapterManifestError(`${file}: not JSON: ${(e as Error).message}`);
    }
    if (!manifest.adapters || typeof manifest.adapters !== "object") throw new AdapterManifestError(`${file}: expected {"adapters": {"<short name>": {...}}}`);
    for (const [name, e] of Object.entries(manifest.adapters)) {
      const where = `${file}: adapters.${name}`;
      if (sources[name]) throw new AdapterManifestError(`${where}: the short name is also given by ${sources[name]}`);
      if (typeof e?.description !== "string") throw new AdapterManifestError(`${where}: needs a description`);
      const isCommand = Array.isArray(e.command) && e.command.length > 0 && e.command.every((x) => typeof x === "string");
      const isModule = typeof e.module === "string" && typeof e.export === "string";
      if (isCommand === isModule) throw new AdapterManifestError(`${where}: give either "command" (a JSON-lines program: an array of strings) or "module" and "export" (in-process)`);
      sources[name] = file;
      const base = join(dir, folder);
      found[name] = isCommand
        ? {
            description: e.description,
            open: (specs) => commandLineAdapter(e.command!.map((x) => x.replaceAll("{dir}", base).replaceAll("{node}", process.execPath).replaceAll("{python}", pythonInterpreter()))).open(specs),
          }
        : {
            description: e.description,
            open: async (specs) => {
              // The module's own extension: .ts in the source tree, .js in a built package.
              const url = siblingUrl(import.meta.url, relative(dirname(fileURLToPath(import.meta.url)), join(base, e.module!)));
              const m = (await import(url.href)) as Record<string, unknown>;
              const open = m[e.export!];
              if (typeof open !== "function") throw new AdapterManifestError(`${where}: ${url.pathname} exports no function ${e.export}`);
              return (open as AdapterFactory)(specs);
            },
          };
    }
  }
  return found;
}

export const ADAPTERS: Record<string, AdapterEntry> = discoverAdapters();

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
