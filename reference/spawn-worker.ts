/**
 * Start a worker thread from a module URL that may be TypeScript source (tests
 * and development) or compiled JavaScript (the built package).
 */
import { Worker, type WorkerOptions } from "node:worker_threads";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

// Node 20 does not hand --import loaders on to workers, so a TypeScript worker
// registers tsx's loader itself before importing its entry module.
function tsBootstrap(entry: URL): string {
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsxApi = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  return `const { register } = await import(${JSON.stringify(tsxApi)});
register();
await import(${JSON.stringify(entry.href)});`;
}

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.pathname.endsWith(".ts")) return new Worker(moduleUrl, options);
  return new Worker(tsBootstrap(moduleUrl), { ...options, eval: true });
}

/** The URL of a sibling module, keeping the extension of the calling module (.ts in source, .js when built). */
export function siblingUrl(base: string, stem: string): URL {
  const ext = base.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`${stem}${ext}`, base);
}
