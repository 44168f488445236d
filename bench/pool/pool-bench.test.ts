/**
 * bench:pool's workloads run on both sides at tiny counts, every value checked, and leave no
 * worker behind; the check catches wrong values; bad flags are refused. (Timings are not looked at.)
 */
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { poolWorkerChildren } from "../../conformance/adapter/fixtures/processes.js";
import { parsePoolArgs, runPoolBench, UsageError } from "./main.js";
import { checkValues, POOL_WORKLOADS } from "./workloads.js";

describe("bench:pool", () => {
  it("runs every workload on CPython and on the reference, values checked, no worker left", async () => {
    const o = parsePoolArgs(["--scale", "0.002", "--rounds", "1"]);
    const rows = await runPoolBench(o);
    expect(rows.map((r) => r.workload)).toEqual(POOL_WORKLOADS.map((w) => w.name));
    for (const r of rows) {
      expect(r.n, r.workload).toBeGreaterThan(0);
      expect(r.cpythonMs, r.workload).toBeGreaterThan(0);
      expect(r.referenceMs, r.workload).toBeGreaterThan(0);
      expect(r.ratio, r.workload).toBeCloseTo(r.cpythonMs / r.referenceMs);
    }
    expect(poolWorkerChildren()).toEqual([]);
  }, 120_000);

  it("the check catches a wrong value, a missing one and a non-list", () => {
    const w = POOL_WORKLOADS.find((x) => x.name === "pool-map-small")!;
    expect(checkValues(w, 3, [0, 1, 4])).toBeNull();
    expect(checkValues(w, 3, [0, 1, 5])).toMatch(/item 2 gave 5, not 4/);
    expect(checkValues(w, 3, [0, 1])).toMatch(/2 values for 3 items/);
    expect(checkValues(w, 3, null)).toMatch(/not a list/);
  });

  it("refuses bad flags, naming them, and exits 2 from the command line", async () => {
    expect(() => parsePoolArgs(["--rounds", "0"])).toThrow(UsageError);
    expect(() => parsePoolArgs(["--rounds", "0"])).toThrow(/--rounds needs a positive integer, got "0"/);
    expect(() => parsePoolArgs(["--only", "pool-map,nope"])).toThrow(/--only: no workload 'pool-map'/);
    expect(() => parsePoolArgs(["--scale=-1"])).toThrow(/--scale needs a positive number/);
    expect(() => parsePoolArgs(["--bogus"])).toThrow(/bogus/);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = execFile("npx", ["tsx", "bench/pool/main.ts", "--processes", "x"], { timeout: 60_000 }, (_e, _o, stderr) => resolve({ code: c.exitCode, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--processes needs an integer from 1 to 64, got "x"/);
  }, 70_000);
});
