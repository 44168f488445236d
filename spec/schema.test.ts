// The committed JSON Schema must be what typescript-json-schema makes of spec/format.ts now.
import { expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));

test("spec/spec.schema.json is up to date with spec/format.ts (run `npm run schema`)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mpspec-schema-"));
  try {
    const out = join(dir, "schema.json");
    const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.schema as string;
    const args = script.replace(/^typescript-json-schema /, "").replace(/-o \S+$/, `-o ${out}`).split(" ");
    const r = spawnSync(join(root, "node_modules/.bin/typescript-json-schema"), args, { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(JSON.parse(readFileSync(join(root, "spec/spec.schema.json"), "utf8")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
