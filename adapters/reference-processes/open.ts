/**
 * The "reference-processes" adapter: mpspec's reference implementation (reference/threads/module)
 * with every parallel actor a child process, its calls brokered by this process (executor.ts).
 */
import type { LoadedSpec } from "../../conformance/spec/load.js";
import { siblingUrl } from "../../reference/spawn-worker.js";
import { mpspecVersion } from "../reference-threads/open.js";
import { ProcessesExecutor } from "./executor.js";

export function openReferenceProcesses(specs: readonly LoadedSpec[]): Promise<ProcessesExecutor> {
  return ProcessesExecutor.start({
    specs,
    implementation: siblingUrl(import.meta.url, "../../reference/threads/module"),
    info: {
      name: "mpspec-reference",
      version: mpspecVersion(),
      language: "TypeScript",
      runtime: `Node.js ${process.versions.node} child processes (calls brokered by the parent, as a Manager's)`,
    },
  });
}
