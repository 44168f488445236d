// Adapters are found by their manifests (adapters/<folder>/adapter.json); a bad manifest is named.
import { describe, expect, test } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADAPTERS, AdapterManifestError, discoverAdapters } from "./registry.js";

const withManifests = (manifests: Record<string, unknown>, f: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), "mpspec-adapters-"));
  try {
    for (const [folder, m] of Object.entries(manifests)) {
      mkdirSync(join(dir, folder));
      writeFileSync(join(dir, folder, "adapter.json"), typeof m === "string" ? m : JSON.stringify(m));
    }
    f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe("adapter manifests", () => {
  test("the shipped adapters are found by their manifests", () => {
    expect(Object.keys(ADAPTERS).sort()).toEqual(["python", "python-spawn", "python-threads", "reference-jsonl", "reference-processes", "reference-threads"]);
    expect(ADAPTERS["reference-threads"]!.description).toMatch(/worker_threads/);
  });

  test("a folder without a manifest is not an adapter; a command gets {dir}", () => {
    withManifests({ mine: { adapters: { mine: { description: "mine", command: ["{dir}/run.sh", "--x"] } } } }, (dir) => {
      mkdirSync(join(dir, "no-manifest"));
      expect(Object.keys(discoverAdapters(dir))).toEqual(["mine"]);
    });
  });

  test("a bad manifest is an error naming the file and the entry", () => {
    withManifests({ a: "{not json" }, (dir) => expect(() => discoverAdapters(dir)).toThrow(/a\/adapter\.json: not JSON/));
    withManifests({ a: { adapters: { x: { description: "x" } } } }, (dir) => expect(() => discoverAdapters(dir)).toThrow(/adapters\.x: give either "command"/));
    withManifests({ a: { adapters: { x: { command: ["y"] } } } }, (dir) => expect(() => discoverAdapters(dir)).toThrow(AdapterManifestError));
    withManifests({ a: { adapters: { x: { description: "x", command: ["y"] } } }, b: { adapters: { x: { description: "x", command: ["z"] } } } }, (dir) =>
      expect(() => discoverAdapters(dir)).toThrow(/b\/adapter\.json: adapters\.x: the short name is also given by .*a\/adapter\.json/),
    );
  });
});
