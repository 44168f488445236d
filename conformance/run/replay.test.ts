// A counterexample replays by {seed, path}: the same minimal scenario is run and fails again.
import { afterAll, expect, test } from "vitest";
import { ThreadsExecutor } from "../../adapters/reference-threads/executor.js";
import { siblingUrl } from "../../reference/spawn-worker.js";
import { loadSpecDir } from "../spec/load.js";
import { runCampaign } from "./campaign.js";

const specs = loadSpecDir();
const lock = specs.find((s) => s.primitive === "Lock")!;
let ex: ThreadsExecutor | undefined;
afterAll(async () => {
  await ex?.close();
});

test("a failure found by a campaign replays by seed and path", async () => {
  ex = await ThreadsExecutor.start({
    implementation: siblingUrl(import.meta.url, "../tests/broken/reentrant-lock"),
    info: { name: "reentrant-lock", version: "0", language: "TypeScript" },
    specs,
  });
  // Shrinking is bounded (its own tests are campaign.test's): the replay needs a path, not a minimum.
  const found = await runCampaign(lock, ex, { profile: "multiprocessing", runs: 100, seed: 7, shrinkBudgetMs: 10_000 });
  const cx = (found.levels.documented?.counterexample ?? found.levels.cpython?.counterexample)!;
  expect(cx.path).toMatch(/^\d+(:\d+)*$/);
  // No shrinking on the replay: it must fail on exactly the scenario the path names.
  const again = await runCampaign(lock, ex, { profile: "multiprocessing", runs: 100, seed: cx.seed, path: cx.path, shrinkBudgetMs: 0 });
  expect(again.verdict).toBe("fail");
  expect(again.runs).toBeLessThan(found.runs);
  const cx2 = (again.levels.documented?.counterexample ?? again.levels.cpython?.counterexample)!;
  expect(cx2.scenario).toEqual(cx.scenario);
});
