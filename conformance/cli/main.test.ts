import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (s) => out.push(s), (s) => err.push(s));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("mpspec validate", () => {
  test("the spec documents are valid", async () => {
    const r = await cli("validate");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/spec documents valid/);
  });

  test("a broken document is named, with exit code 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-spec-"));
    try {
      const toggle = readFileSync(join(import.meta.dirname, "../spec/fixtures/Toggle.yaml"), "utf8");
      writeFileSync(join(dir, "Toggle.yaml"), toggle.replace(`returns: "true"`, `returns: "true +"`));
      const r = await cli("validate", "--spec-dir", dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/Toggle\.yaml: operations\.flip\.rules\[0\]\.returns: does not compile/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a guard naming a state variable that does not exist is a spec error, exit 2; the summary says what was checked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-spec-"));
    try {
      const toggle = readFileSync(join(import.meta.dirname, "../spec/fixtures/Toggle.yaml"), "utf8");
      writeFileSync(join(dir, "Toggle.yaml"), toggle.replace(`when: "s.on"`, `when: "s.valu"`));
      const r = await cli("validate", "--spec-dir", dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^mpspec: spec error: \S*Toggle\.yaml: operations\.flip\.rules\[1\]\.when: unknown state variable 's\.valu' \(state: on\)$/m);
      writeFileSync(join(dir, "Toggle.yaml"), toggle.replace("operations:", `invariants:\n  boolean: "type(s.on) == bool"\noperations:`));
      const ok = await cli("validate", "--spec-dir", dir);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/1 spec documents valid, 2 rules, every CEL expression compiled and its names checked; 1 invariants/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("mpspec run", () => {
  test("a run that measures nothing is not a pass: exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-spec-"));
    try {
      writeFileSync(join(dir, "Toggle.yaml"), readFileSync(join(import.meta.dirname, "../spec/fixtures/Toggle.yaml"), "utf8"));
      const r = await cli("run", "--adapter", "reference-threads", "--spec-dir", dir, "--runs", "1");
      expect(r.out).toMatch(/Toggle\s+unsupported/);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/nothing to run: no chosen primitive is supported/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("mpspec run --badge", () => {
  test("writes the run's badge; a badge that cannot be written is exit 2, after the report", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-badge-"));
    try {
      const file = join(dir, "b.svg");
      const r = await cli("run", "--adapter", "reference-threads", "--primitives", "Lock,Event", "--runs", "5", "--badge", file);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/badge: mpspec multiprocessing \| 2\/2 conformant \(brightgreen\)/);
      expect(readFileSync(file, "utf8")).toMatch(/^<svg[^>]*aria-label="mpspec multiprocessing: 2\/2 conformant"/);
      const bad = await cli("run", "--adapter", "reference-threads", "--primitives", "Lock", "--runs", "2", "--badge", join(dir, "missing", "b.svg"));
      expect(bad.out).toMatch(/1 passed, 0 failed/);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--badge .*missing\/b\.svg: cannot write the badge/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("usage errors exit 2 with a message naming the flag", () => {
  test.each([
    [["run"], /required option '--adapter <name>' not specified/],
    [["run", "--adapter", "nope"], /unknown adapter 'nope'; known: reference-threads/],
    [["run", "--adapter", "reference-threads", "--runs", "ten"], /--runs takes a whole number/],
    [["run", "--adapter", "reference-threads", "--primitives", "Lok"], /--primitives: unknown Lok/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("%j", async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
  });
});
