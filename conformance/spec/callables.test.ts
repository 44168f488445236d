// The worker callables' vocabulary (spec/callables.yaml): every example's outcome as the spec computes
// it must be what CPython does (each call run in a forked child by the Python adapter's own callables)
// and what the Node reference does (each call in a child process); a malformed vocabulary or callable
// value is refused, naming the place and the fix.
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasPython, PY } from "../../adapters/python/test-support.js";
import { observeCallable } from "../../reference/processes/observe-callable.js";
import { checkCallable } from "../../reference/callables.js";
import type { JsonValue } from "../../spec/format.js";
import { CALLABLES_FILE, callableOutcome, checkCallableValue, loadVocabulary } from "./callables.js";
import { SpecError } from "./load.js";

const vocabulary = loadVocabulary();
const PY_DIR = join(import.meta.dirname, "../../adapters/python");
const examples = [...vocabulary.callables.values()].flatMap((c) =>
  c.spec.examples.map((ex) => ({ value: { $callable: c.name, ...(ex.params ?? {}) } as Record<string, JsonValue>, args: ex.args ?? [] })),
);
/** What the spec says a call does, given the pid of the process that ran it. */
const expected = (value: unknown, args: JsonValue[], pid: number) => callableOutcome(vocabulary, value, args, pid).outcome;
const withoutPid = ({ pid: _, ...o }: { pid: number } & Record<string, unknown>) => o;

describe("the worker callables", () => {
  test("the vocabulary has the callables Process and Pool scenarios need, each with examples", () => {
    expect([...vocabulary.callables.keys()]).toEqual(
      expect.arrayContaining(["noop", "return", "raise", "identity", "square", "raise_if", "sleep", "sys_exit", "os_exit", "kill_self", "getpid", "return_unpicklable"]),
    );
    for (const c of vocabulary.callables.values()) expect(c.spec.examples.length, c.name).toBeGreaterThan(0);
  });

  test.skipIf(!hasPython)("CPython: every example does what the spec says (in a forked child)", () => {
    const input = examples.map((e) => JSON.stringify([e.value, e.args])).join("\n") + "\n";
    const out = execFileSync(PY, ["-m", "mpspec_py.callables", "observe"], { cwd: PY_DIR, input, encoding: "utf8", timeout: 60_000 });
    const observed = out.trim().split("\n").map((l) => JSON.parse(l));
    expect(observed).toHaveLength(examples.length);
    examples.forEach((e, i) => {
      expect(withoutPid(observed[i]), JSON.stringify(e)).toEqual(expected(e.value, e.args, observed[i].pid));
    });
  }, 90_000);

  test("the Python adapter implements exactly the vocabulary's callables, with its parameters", () => {
    const script = "import json; from mpspec_py.callables import IMPLEMENTATIONS as I; print(json.dumps({k: list(v[0]) for k, v in I.items()}))";
    const python = JSON.parse(execFileSync(PY, ["-c", script], { cwd: PY_DIR, encoding: "utf8", timeout: 30_000 }));
    const spec = Object.fromEntries([...vocabulary.callables.values()].map((c) => [c.name, c.spec.params.map((p) => p.name)]));
    expect(python).toEqual(spec);
  });

  test("the Node reference: every example does what the spec says (in a child process)", async () => {
    // The reference accepts every callable value the vocabulary has.
    for (const e of examples) expect(() => checkCallable(e.value)).not.toThrow();
    const observed: Awaited<ReturnType<typeof observeCallable>>[] = [];
    for (let i = 0; i < examples.length; i += 6) {
      observed.push(...(await Promise.all(examples.slice(i, i + 6).map((e) => observeCallable(e.value, e.args)))));
    }
    examples.forEach((e, i) => {
      expect(withoutPid(observed[i]!), JSON.stringify(e)).toEqual(expected(e.value, e.args, observed[i]!.pid));
    });
  }, 120_000);

  test("a callable value is checked against the vocabulary, naming the fix", () => {
    expect(() => checkCallableValue(vocabulary, { $callable: "frobnicate" })).toThrow(/no callable 'frobnicate' in .*callables\.yaml \(noop, return, raise/);
    expect(() => checkCallableValue(vocabulary, { $callable: "sleep" })).toThrow(/missing parameter 'seconds'/);
    expect(() => checkCallableValue(vocabulary, { $callable: "sleep", seconds: "1" })).toThrow(/parameter 'seconds' takes integer or number, got string/);
    expect(() => checkCallableValue(vocabulary, { $callable: "noop", x: 1 })).toThrow(/unknown parameter x \(it takes: none\)/);
    expect(() => checkCallableValue(vocabulary, "noop")).toThrow(/is not a callable value/);
    expect(() => callableOutcome(vocabulary, { $callable: "square" }, [])).toThrow(/square takes 1 argument/);
  });

  test("a malformed vocabulary is a SpecError naming the place", () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-callables-"));
    const original = readFileSync(CALLABLES_FILE, "utf8");
    const broken = (edit: (s: string) => string) => {
      const f = join(dir, "callables.yaml");
      writeFileSync(f, edit(original));
      return () => loadVocabulary(f);
    };
    try {
      // A CEL name the callable does not have.
      expect(broken((s) => s.replace("outcome: ok(params.value)", "outcome: ok(params.valu)"))).toThrow(/callables\.return\.outcome.*unknown parameter 'params\.valu' \(parameters of return: value\)/s);
      // An example whose params do not fit.
      expect(broken((s) => s.replace("examples: [{ params: { value: 7 } }", "examples: [{ params: { valeu: 7 } }"))).toThrow(/callables\.return\.examples\[0\]\.params: unknown parameter valeu/);
      // A field the format does not have.
      expect(broken((s) => s.replace("    arity: 1\n    outcome: ok(args[0])", "    arity: 1\n    outcomes: ok(args[0])"))).toThrow(SpecError);
      expect(broken((s) => s.replace("    arity: 1\n    outcome: ok(args[0])", "    arity: 1\n    outcomes: ok(args[0])"))).toThrow(/unknown field 'outcomes' \(see spec\/callables\.ts/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
