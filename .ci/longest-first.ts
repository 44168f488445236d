/**
 * Runs the longest test files first, so that the last file to start is a short one: vitest orders
 * by its own cache of durations, which a fresh clone (CI) lacks, and would then start the largest
 * files by size, leaving the long campaign files (small files) to the end. Durations come from
 * vitest's cache when it has them, else from .ci/test-durations.json (refresh it with
 * `node .ci/record-test-durations.mjs` after a full run). Files in neither run first.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const recorded: Record<string, number> = JSON.parse(readFileSync(join(import.meta.dirname, "test-durations.json"), "utf8"));

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (f: TestSpecification): number => {
      const file = relative(root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${file}`);
      return cached ? cached.duration / 1000 : (recorded[file] ?? Infinity);
    };
    const s = new Map(files.map((f) => [f, seconds(f)]));
    return [...files].sort((a, b) => (s.get(b)! === s.get(a)! ? 0 : s.get(b)! > s.get(a)! ? 1 : -1));
  }
}
