// The matrix command end to end, on a few scenarios per cell: every implementation of
// reports/matrix.config.json that is installed here is opened and judged, and the
// report names each cell. (The committed reports/matrix.md comes from `npx mpspec matrix`.)
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpecDir } from "../spec/load.js";
import { loadMatrixConfig, matrixBadges, MatrixConfigError, matrixMarkdown, runMatrix } from "./matrix.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const config = loadMatrixConfig(join(root, "reports/matrix.config.json"));
const specs = loadSpecDir().filter((s) => ["Lock", "Queue"].includes(s.primitive));

const installed = (cmd: string, args: string[]) => {
  try {
    execFileSync(cmd, args, { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
};
const available: Record<string, boolean> = {
  billiard: installed("/usr/bin/python3", ["-c", "import billiard"]),
  multiprocess: installed("/usr/bin/python3", ["-c", "import multiprocess"]),
  pypy3: installed("pypy3", ["-c", "import multiprocessing"]),
};

describe("the conformance matrix", () => {
  test("a malformed config is refused, naming the field", () => {
    expect(() => loadMatrixConfig(join(root, "package.json"))).toThrow(MatrixConfigError);
    expect(() => loadMatrixConfig(join(root, "package.json"))).toThrow(/'runs' must be a whole number/);
  });

  test("every installed implementation runs Lock and Queue; CPython and the reference conform", async () => {
    const wanted = config.implementations.filter((i) => available[i.id] !== false);
    const rows = await runMatrix({ ...config, implementations: wanted }, specs, () => {}, 8);
    for (const r of rows) {
      expect(r.unavailable, `${r.implementation.id}: ${r.unavailable}`).toBeUndefined();
      expect(r.outcomes.map((o) => o.spec.primitive)).toEqual(["Lock", "Queue"]);
      for (const o of r.outcomes) expect(o.result?.verdict, `${r.implementation.id} ${o.spec.primitive}: ${o.result?.error}`).not.toBe("error");
      if (r.implementation.id.startsWith("cpython") || r.implementation.id === "reference-threads") {
        for (const o of r.outcomes) expect(o.result?.verdict, `${r.implementation.id} ${o.spec.primitive}`).toBe("pass");
      }
    }
    const md = matrixMarkdown(config, rows, 8, specs);
    expect(md).toMatch(/\| implementation \| profile \| Lock \| Queue \|/);
    for (const r of rows) expect(md).toContain(r.implementation.name);
    // One badge per measured implementation, linked from the report.
    const badges = matrixBadges(rows);
    expect([...badges.keys()].sort()).toEqual(rows.filter((r) => !r.unavailable).map((r) => `badges/${r.implementation.id}.svg`).sort());
    for (const [path, svg] of badges) {
      expect(md).toContain(`](${path})`);
      expect(svg).toMatch(/^<svg[^>]*aria-label="mpspec /);
    }
  }, 180_000);
});
