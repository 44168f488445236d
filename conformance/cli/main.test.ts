import { afterAll, afterEach, describe, expect, test, vi } from "vitest";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
    // mpspec's own spec: Process (a draft until issue 10 moved it) and the worker callables too.
    expect(r.out).toMatch(/^ok {2}spec\/primitives\/Process\.yaml {2}Process: .*profiles multiprocessing$/m);
    expect(r.out).toMatch(/^ok {2}spec\/callables\.yaml {2}\d+ worker callables/m);
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

describe("mpspec validate: hand-written histories", () => {
  test("a case the document judges otherwise names the file, the case and the level, exit 2; as stated, it is counted", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-spec-"));
    try {
      writeFileSync(join(dir, "Toggle.yaml"), readFileSync(join(import.meta.dirname, "../spec/fixtures/Toggle.yaml"), "utf8"));
      const cases = (verdict: string) => `primitive: Toggle\ncases:\n  - name: a flip right after construction\n    events:\n      - { actor: a0, op: flip, at: [0, 1], returns: nope }\n    expect: { cpython: ${verdict} }\n`;
      writeFileSync(join(dir, "Toggle.histories.yaml"), cases("ok"));
      const r = await cli("validate", "--spec-dir", dir);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/Toggle\.histories\.yaml: case 'a flip right after construction' at the cpython level: violation .*expected ok/);
      writeFileSync(join(dir, "Toggle.histories.yaml"), cases("violation"));
      const ok = await cli("validate", "--spec-dir", dir);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toMatch(/1 hand-written histories judged as they state/);
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
      expect(r.out).toMatch(/badge: mpspec multiprocessing \| 2\/2 conformant · 3 s horizon \(brightgreen\)/);
      expect(readFileSync(file, "utf8")).toMatch(/^<svg[^>]*aria-label="mpspec multiprocessing: 2\/2 conformant · 3 s horizon"/);
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
    [["run", "--adapter", "nope"], /unknown adapter 'nope'; known: .*reference-threads/],
    [["run", "--adapter", "reference-threads", "--runs", "ten"], /--runs takes a whole number/],
    [["run", "--adapter", "reference-threads", "--primitives", "Lok"], /--primitives: unknown Lok/],
    [["frobnicate"], /unknown command 'frobnicate'/],
  ])("%j", async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message as RegExp);
  });
});

describe("user errors are one line on stderr and exit 2, never a stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "mpspec-usage-"));
  const file = join(dir, "a-file");
  writeFileSync(file, "not a folder\n");
  const empty = mkdtempSync(join(tmpdir(), "mpspec-empty-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  });
  const lock = ["run", "--adapter", "reference-threads", "--primitives", "Lock"];
  test.each([
    [["run", "--adapter", "reference-threads", "--spec-dir", join(dir, "nope")], /^mpspec: --spec-dir .*nope: does not exist; give a readable folder/],
    [["validate", "--spec-dir", file], /^mpspec: --spec-dir .*a-file: is not a folder/],
    [["validate", "--spec-dir", empty], /^mpspec: --spec-dir .*: no spec documents \(\*\.yaml\) in this folder$/],
    [[...lock, "--seed", "1", "--path", "xyz"], /^mpspec: --path 'xyz' is not a fast-check path/],
    [[...lock, "--seed", "1", "--path", "99:99"], /^mpspec: --path 99:99 matches no scenario of --seed 1 for Lock/],
    [[...lock, "--seed", "1", "--path", "0:99:0"], /^mpspec: --path 0:99:0 matches no scenario of --seed 1 for Lock/],
    [[...lock, "--path", "0"], /^mpspec: --path replays a counterexample of one seed: give the --seed/],
    [["run", "--adapter", "python3 'x"], /^mpspec: --adapter: unterminated ' in the command line python3 'x \(close the quote\)$/],
    [["run", "--adapter", 'node "x'], /^mpspec: --adapter: unterminated " in the command line/],
    [["matrix", "--config", join(dir, "nope.json")], /^mpspec: --config .*nope\.json: ENOENT/],
    [["matrix", "--out", join(file, "reports")], /^mpspec: --out .*a-file\/reports: is not a folder/],
    [["matrix", "--primitives", "Lock", "--out", empty], /^mpspec: --primitives updates cells of .*matrix\.json, which cannot be read \(ENOENT.*\): run the whole matrix first$/],
    [["matrix", "--primitives", "Lock", "--runs", "7"], /^mpspec: --primitives: reports\/matrix\.json: it was measured with 100 runs and seeds 1, 2, 3, this run with 7 runs and seeds 1, 2, 3: give the same --runs and --seeds/],
    [["matrix", "--primitives", "Nope"], /^mpspec: --primitives: unknown Nope; known: Array, /],
    [["docs", "--out", join(file, "spec")], /^mpspec: --out .*a-file\/spec: is not a folder/],
  ])("%j", async (argv, message) => {
    const r = await cli(...(argv as string[]));
    expect(r.err).toMatch(message as RegExp);
    expect(r.err.split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/^\s+at /m);
    expect(r.code).toBe(2);
  }, 30_000);

  // A flag's value refused by the parser: its message names the flag and the fix, then where to find usage.
  test.each([
    [["run", "--adapter", "reference-threads", "--runs", "0"], /--runs takes a whole number of at least 1, got '0'/],
    [["matrix", "--seeds", "1,x"], /--seeds takes whole numbers separated by commas \(e\.g\. 1,2,3\), got '1,x'/],
  ])("%j", async (argv, message) => {
    const r = await cli(...(argv as string[]));
    const lines = r.err.trim().split("\n");
    expect(lines[0]).toMatch(message as RegExp);
    expect(lines.slice(1)).toEqual(["(run 'mpspec --help' for usage)"]);
    expect(r.code).toBe(2);
  }, 30_000);
});

describe("an internal error (a bug) is exit 2, not the 'not conformant' 1", () => {
  afterEach(() => {
    vi.doUnmock("../report/spec-docs.js");
    vi.resetModules();
    vi.unstubAllEnvs();
  });

  async function mainWithBrokenDocs() {
    vi.resetModules();
    vi.doMock("../report/spec-docs.js", async (importOriginal) => ({
      ...(await importOriginal<object>()),
      writeSpecDocs: () => {
        throw new TypeError("cannot read properties of undefined (reading 'rules')");
      },
    }));
    return (await import("./main.js")).main;
  }

  test("one line naming it; no stack trace", async () => {
    vi.stubEnv("MPSPEC_DEBUG", "");
    const m = await mainWithBrokenDocs();
    const err: string[] = [];
    const code = await m(["docs", "--out", join(tmpdir(), "mpspec-never-written")], () => {}, (s) => err.push(s));
    expect(code).toBe(2);
    expect(err).toEqual(["mpspec: internal error: cannot read properties of undefined (reading 'rules')"]);
  });

  test("the stack with MPSPEC_DEBUG=1", async () => {
    vi.stubEnv("MPSPEC_DEBUG", "1");
    const m = await mainWithBrokenDocs();
    const err: string[] = [];
    const code = await m(["docs", "--out", join(tmpdir(), "mpspec-never-written")], () => {}, (s) => err.push(s));
    expect(code).toBe(2);
    expect(err.join("\n")).toMatch(/^mpspec: internal error: cannot read properties[^\n]*\nTypeError: [^\n]*\n\s+at /);
  });
});

describe("mpspec run: failures and their replays", () => {
  const FAKE = join(import.meta.dirname, "../adapter/fixtures/fake-adapter.mjs");
  const adapter = `${process.execPath} ${FAKE} ok`;

  test("the replay line carries every option that changes the run, and replays the failure", async () => {
    // The fake answers every call with None: a Lock acquire returning None breaks the spec.
    const r = await cli("run", "--adapter", adapter, "--primitives", "Lock", "--runs", "5", "--seed", "3", "--invocations", "2", "--deadline", "900", "--horizon", "1500", "--level", "documented");
    expect(r.code).toBe(1);
    const replay = /replay: npx mpspec run (.*)/.exec(r.out)![1]!;
    for (const flag of ["--seed 3", "--invocations 2", "--deadline 900", "--horizon 1500", "--level documented", "--primitives Lock", "--profile multiprocessing"]) {
      expect(replay).toContain(flag);
    }
    const path = /--path (\S+)/.exec(replay)![1]!;
    const again = await cli("run", "--adapter", adapter, "--primitives", "Lock", "--seed", "3", "--path", path, "--invocations", "2", "--deadline", "900", "--level", "documented");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/minimal counterexample/);
  });

  test("a replay that does not reproduce says so, rather than 'pass'", async () => {
    const r = await cli("run", "--adapter", "reference-threads", "--primitives", "Lock", "--seed", "3", "--path", "0");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Lock +did not reproduce in 1 invocation\(s\) of the scenario at --path 0/);
    expect(r.out).not.toMatch(/Lock +pass/);
  });
});

// Lock and Event as of 0.1: the coverage tests count their exact rules, not the evolving spec's.
const FIXED_SPECS = join(import.meta.dirname, "../run/fixtures");

describe("spec-rule coverage", () => {
  test("run --coverage prints, under a primitive's result, the rules never exercised; --json carries every rule's count", async () => {
    // Lock as of 0.1 (conformance/run/fixtures): the counts below are its rules'.
    const r = await cli("run", "--adapter", "reference-threads", "--spec-dir", FIXED_SPECS, "--primitives", "Lock", "--runs", "20", "--seed", "1", "--coverage");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Lock +pass .*\n {2}coverage: \d+\/7 rules exercised over 20 histories judged ok; /m);
    // The reference has no CPython race bug that would exercise the double-post deviation.
    expect(r.out).toMatch(/CPython deviations not seen \(1\): Lock\.release\.post-over-mp/);
    const plain = await cli("run", "--adapter", "reference-threads", "--primitives", "Lock", "--runs", "2", "--seed", "1");
    expect(plain.out).not.toMatch(/coverage/);
    const json = await cli("run", "--adapter", "reference-threads", "--spec-dir", FIXED_SPECS, "--primitives", "Lock", "--runs", "20", "--seed", "1", "--json");
    const cov = JSON.parse(json.out).results[0].coverage;
    expect(Object.keys(cov.rules)).toHaveLength(7);
    expect(cov.histories).toBe(20);
    expect(cov.rules["Lock.acquire.free"]).toBeGreaterThan(0);
    expect(cov.rules["Lock.release.post-over-mp"]).toBe(0);
  });

  test("mpspec coverage writes the table; a rule marked rare is listed apart with its reason", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-coverage-"));
    try {
      const specs = join(dir, "spec");
      mkdirSync(specs);
      const event = readFileSync(join(FIXED_SPECS, "Event.yaml"), "utf8");
      const marked = event.replace(/(\n(\s+)- id: Event\.wait\.timeout-recheck\n)/, "$1$2  reachable: { rare: \"a test's reason\" }\n");
      expect(marked).not.toBe(event);
      writeFileSync(join(specs, "Event.yaml"), marked);
      writeFileSync(join(specs, "Lock.yaml"), readFileSync(join(FIXED_SPECS, "Lock.yaml"), "utf8"));
      const file = join(dir, "out", "coverage.md");
      const r = await cli("coverage", "--runs", "10", "--seed", "2", "--spec-dir", specs, "--out", file);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Event +pass .*\n {2}coverage: \d+\/\d+ rules exercised over 10 histories/m);
      expect(r.out).toMatch(/wrote .*coverage\.md/);
      const md = readFileSync(file, "utf8");
      expect(md).toMatch(/^# Spec-rule coverage/);
      expect(md).toContain("npx mpspec coverage --adapter reference-threads --runs 10 --seed 2 --spec-dir");
      expect(md).toMatch(/\| Event \| pass \| 10 \| \d+ \/ 8 \| \d+ \| [01] \/ 1 \| 1 \|/);
      expect(md).toMatch(/\| Lock \| pass \| 10 \| \d+ \/ 7 \| \d+ \| 0 \/ 0 \| 1 \|/);
      expect(md).toMatch(/## Marked rare[\s\S]*\| Event \| `Event\.wait\.timeout-recheck` \| documented \| \d+ \| a test's reason \|/);
      expect(md).toMatch(/## CPython deviations not seen[\s\S]*\| Lock \| `Lock\.release\.post-over-mp` \| returns \|/);
      const bad = await cli("coverage", "--runs", "1", "--out", join(file, "x.md"));
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--out .*: (is not a folder|permission denied|ENOTDIR|EEXIST)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
