/**
 * The "reference-threads" adapter: mpspec's reference implementation
 * (reference/threads/module) run by the ThreadsExecutor.
 */
import type { LoadedSpec } from "../../conformance/spec/load.js";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { siblingUrl } from "../../reference/spawn-worker.js";
import { ThreadsExecutor } from "./executor.js";

/** mpspec's own version, from the nearest package.json named "mpspec" (source tree or built package). */
export function mpspecVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "mpspec" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // no package.json here
    }
    const up = dirname(dir);
    if (up === dir) return "unknown";
    dir = up;
  }
}

export function openReferenceThreads(specs: readonly LoadedSpec[]): Promise<ThreadsExecutor> {
  return ThreadsExecutor.start({
    specs,
    implementation: siblingUrl(import.meta.url, "../../reference/threads/module"),
    info: {
      name: "mpspec-reference",
      version: mpspecVersion(),
      language: "TypeScript",
      runtime: `Node.js ${process.versions.node} worker_threads`,
    },
  });
}
