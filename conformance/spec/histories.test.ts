// The hand-written histories' loader: a malformed file is refused with its place named.
import { describe, expect, test } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { historyEvent, loadHistoriesFile } from "./histories.js";

const withFile = (text: string) => {
  const dir = mkdtempSync(join(tmpdir(), "mpspec-histories-"));
  const file = join(dir, "Lock.histories.yaml");
  writeFileSync(file, text);
  try {
    return loadHistoriesFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
const head = "primitive: Lock\ncases:\n  - name: x\n    expect: { cpython: ok }\n    events:\n";

describe("histories files", () => {
  test("a well-formed case loads and becomes checker events (ms to ns, outcomes)", () => {
    const doc = withFile(head + "      - { actor: a0, op: acquire, args: { block: true, timeout: null }, at: [0, 1.5], returns: true }\n      - { actor: a1, op: acquire, at: [1, null], pending: true }\n      - { actor: a1, op: release, at: [2, 3], raises: ValueError, message: m }\n");
    expect(doc.cases[0]!.events.map(historyEvent)).toEqual([
      { actor: "a0", object: "o0", op: "acquire", args: { block: true, timeout: null }, invoke: 0, response: 1.5e6, outcome: { kind: "returned", value: true } },
      { actor: "a1", object: "o0", op: "acquire", args: {}, invoke: 1e6, response: null, outcome: { kind: "pending" } },
      { actor: "a1", object: "o0", op: "release", args: {}, invoke: 2e6, response: 3e6, outcome: { kind: "raised", type: "ValueError", message: "m" } },
    ]);
  });

  test("refused, naming the place: two outcomes, a pending call with a response time, an unknown field, a bad verdict", () => {
    expect(() => withFile(head + "      - { actor: a0, op: acquire, at: [0, 1], returns: true, raises: ValueError }\n")).toThrow(/cases\[0\]\.events\[0\]: give exactly one of returns, raises, pending/);
    expect(() => withFile(head + "      - { actor: a0, op: acquire, at: [0, 1], pending: true }\n")).toThrow(/cases\[0\]\.events\[0\]\.at: a pending call has no response time/);
    expect(() => withFile(head + "      - { actor: a0, op: acquire, at: [0, 1], returns: true, when: 3 }\n")).toThrow(/cases\.0\.events\.0: unknown field 'when' \(see spec\/histories\.ts for the fields allowed here\)/);
    expect(() => withFile(head.replace("cpython: ok", "cpython: fine") + "      - { actor: a0, op: acquire, at: [0, 1], returns: true }\n")).toThrow(/does not match spec\/histories\.schema\.json/);
  });
});
