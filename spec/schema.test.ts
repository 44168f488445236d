// The committed JSON Schemas must be what typescript-json-schema makes of their TypeScript types now.
import { expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { generateSchemas, SCHEMAS } from "./generate-schemas.js";

const here = fileURLToPath(new URL(".", import.meta.url));

test("spec/spec.schema.json, spec/histories.schema.json and spec/callables.schema.json are up to date with their TypeScript types (run `npm run schema`)", () => {
  const script = JSON.parse(readFileSync(join(here, "../package.json"), "utf8")).scripts.schema as string;
  expect(script).toMatch(/spec\/generate-schemas\.ts/);
  const now = generateSchemas();
  expect([...now.keys()]).toEqual(SCHEMAS.map((s) => s.out));
  for (const [out, schema] of now) expect(schema, `spec/${out}`).toEqual(JSON.parse(readFileSync(join(here, out), "utf8")));
}, 120_000);
