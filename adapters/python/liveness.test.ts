// Implementations whose calls never return, or answer late, fail a default campaign through the
// Python adapter (the adaptive deadline, runs to the horizon, the liveness rule).
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";

const specs = loadSpecDir();
const FIXTURES = join(import.meta.dirname, "fixtures");

describe.skipIf(!hasPython)("liveness through the Python adapter", () => {
  test.each([
    // Its calls never return: every scenario is cut, and the liveness rule fails it.
    ["deadlockmp", "Lock", /^Lock\.(acquire|release)\./, 1],
    // Its ghost comes after 1.5 s: within the first, slow deadlines or the horizon's.
    ["ghostmp", "SimpleQueue", /^SimpleQueue\.get\./, 0],
  ])("--module %s: %s fails with default options", async (module, primitive, breaks, minCut) => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", module], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
    try {
      const spec = specs.find((s) => s.primitive === primitive)!;
      const r = await runCampaign(spec, a, { profile: "multiprocessing", runs: 30, seed: 8 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("fail");
      expect(r.cut).toBeGreaterThanOrEqual(minCut);
      const cx = r.levels.documented!.counterexample!;
      const contradicted = cx.check.objects.flatMap((o) => o.contradicts ?? []);
      expect(contradicted.some((id) => breaks.test(id)), contradicted.join(", ")).toBe(true);
    } finally {
      await a.close();
    }
  }, 120_000);
});
