/**
 * The JSON Schemas of the spec's TypeScript types, made by typescript-json-schema from one
 * program (one compile for the three): `npm run schema` writes them, spec/schema.test.ts checks
 * that the committed ones are current.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as TJS from "typescript-json-schema";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Each schema: the file it is written to (relative to spec/), the source file and the root type. */
export const SCHEMAS = [
  { out: "spec.schema.json", source: "format.ts", type: "SpecDocument" },
  { out: "histories.schema.json", source: "histories.ts", type: "HistoriesDocument" },
  { out: "callables.schema.json", source: "callables.ts", type: "CallablesDocument" },
] as const;

/** The schemas as typescript-json-schema makes them now, by output file name. */
export function generateSchemas(): Map<string, unknown> {
  const settings: TJS.PartialArgs = { required: true, noExtraProps: true, strictNullChecks: true, aliasRef: false };
  const program = TJS.getProgramFromFiles(SCHEMAS.map((s) => join(here, s.source)), { strictNullChecks: true });
  return new Map(
    SCHEMAS.map((s) => {
      const schema = TJS.generateSchema(program, s.type, settings, [join(here, s.source)]);
      if (!schema) throw new Error(`typescript-json-schema made no schema for ${s.type} (spec/${s.source})`);
      return [s.out, schema];
    }),
  );
}

/** Keys sorted at every level, as typescript-json-schema's command line writes them. */
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [out, schema] of generateSchemas()) writeFileSync(join(here, out), JSON.stringify(sorted(schema), null, 4) + "\n\n");
}
