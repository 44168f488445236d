// The committed JSON Schemas must be what typescript-json-schema makes of their TypeScript types now.
import { expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));

test("spec/spec.schema.json, spec/histories.schema.json and spec/callables.schema.json are up to date with their TypeScript types (run `npm run schema`)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mpspec-schema-"));
  try {
    const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts.schema as string;
    const commands = script.split(" && ");
    expect(commands.map((c) => c.match(/-o (\S+)$/)?.[1])).toEqual(["spec/spec.schema.json", "spec/histories.schema.json", "spec/callables.schema.json"]);
    for (const [i, command] of commands.entries()) {
      const committed = command.match(/-o (\S+)$/)![1]!;
      const out = join(dir, `schema${i}.json`);
      const args = command.replace(/^typescript-json-schema /, "").replace(/-o \S+$/, `-o ${out}`).split(" ");
      const r = spawnSync(join(root, "node_modules/.bin/typescript-json-schema"), args, { cwd: root, encoding: "utf8", timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(out, "utf8")), committed).toEqual(JSON.parse(readFileSync(join(root, committed), "utf8")));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
