import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpecDir, loadSpecText, PRIMITIVES_DIR, SpecError } from "./load.js";

const lock = readFileSync(join(PRIMITIVES_DIR, "Lock.yaml"), "utf8");

function problem(text: string): string {
  try {
    loadSpecText(text, "x.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error("expected a SpecError");
}

describe("loading spec documents", () => {
  test("every document in spec/primitives loads", () => {
    const specs = loadSpecDir();
    expect(specs.map((s) => s.primitive)).toContain("Lock");
    for (const s of specs) expect(s.operations.size).toBeGreaterThan(0);
  });

  test("invalid YAML names the line", () => {
    expect(problem("primitive: [Lock\nformat: 1\n")).toMatch(/^x\.yaml: line \d+: not valid YAML/);
  });

  test("an unknown field names its place and where the fields are listed", () => {
    expect(problem(lock.replace("    timeoutArg: timeout", "    timeoutArg: timeout\n    blocking: true"))).toMatch(
      /operations\.acquire: unknown field 'blocking' \(see spec\/format\.ts/,
    );
  });

  test("a CEL expression that does not compile names file, operation and expression", () => {
    const msg = problem(lock.replace(`when: "s.locked"`, `when: "s.locked &&"`));
    expect(msg).toMatch(/x\.yaml: operations\.release\.rules\[0\]\.when: does not compile/);
    expect(msg).toContain("s.locked &&");
  });

  test("duplicate rule ids are refused", () => {
    expect(problem(lock.replace("id: Lock.release.held", "id: Lock.release.unlocked-mp"))).toMatch(/already used at operations\.release\.rules\[1\]|already used/);
  });

  test("rule ids carry their primitive and operation", () => {
    expect(problem(lock.replace("id: Lock.release.held", "id: Lock.acquire.held2"))).toMatch(/must start with 'Lock\.release\.'/);
  });

  test("effects must target state variables", () => {
    expect(problem(lock.replace(`effect: { locked: "false" }`, `effect: { lockd: "false" }`))).toMatch(/target 'lockd' is not a state variable/);
  });

  test("unknown profiles are refused", () => {
    expect(problem(lock.replace("profiles: [threading]", "profiles: [threads]"))).toMatch(/unknown profile 'threads'/);
  });
});
