import { defineConfig } from "vitest/config";
import { LongestFirst } from "./.ci/longest-first.js";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    // Every test that blocks has its own timeout; this is the backstop.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most tests wait (timeouts, deadlines, child processes) rather than compute: more files at
    // once than cores (vitest's default is cores - 1, a single worker on a 2-core machine).
    maxWorkers: 3,
    // Long files first, also on a fresh clone (no vitest cache there).
    sequence: { sequencer: LongestFirst },
  },
});
