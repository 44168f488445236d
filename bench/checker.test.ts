// bench:checker's flags: a bad one is refused with a message naming it, exit 2, before any work.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const script = fileURLToPath(new URL("./checker.ts", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 60_000 });

test.each([
  [["--nope"], /bench:checker: Unknown option '--nope'.*usage: npm run bench:checker/],
  [["--passes", "0"], /bench:checker: --passes takes a whole number of at least 1, got '0'/],
  [["--passes", "1", "--porcupine", "/nonexistent"], /bench:checker: --porcupine \/nonexistent: not a checkout of github\.com\/anishathalye\/porcupine/],
])("%j -> exit 2", (args, message) => {
  const r = run(...args);
  expect(r.stderr).toMatch(message);
  expect(r.status).toBe(2);
});
