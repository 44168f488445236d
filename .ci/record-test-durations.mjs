// Writes .ci/test-durations.json (test file -> seconds) from vitest's own results cache of the
// last `npm test`, for .ci/longest-first.ts. Run after a full `npm test` on a quiet 2-core machine.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const cacheDir = process.argv[2] ?? join(root, "node_modules/.vite/vitest");
const files = readdirSync(cacheDir).map((d) => join(cacheDir, d, "results.json"));
const results = JSON.parse(readFileSync(files[0], "utf8")).results;
const out = Object.fromEntries(
  results.map(([key, r]) => [key.replace(/^[^:]*:/, ""), Math.round(r.duration / 100) / 10]).sort((a, b) => b[1] - a[1]),
);
writeFileSync(join(root, ".ci/test-durations.json"), JSON.stringify(out, null, 2) + "\n");
console.log(`wrote .ci/test-durations.json (${Object.keys(out).length} files)`);
