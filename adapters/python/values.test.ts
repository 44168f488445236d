/**
 * The Python adapter's value conventions and call shapes on the real CPython:
 * `$bytes` / `$bytearray` / `$slice` values, bytes results, item keys, `via`,
 * out arguments, re-exported exception names, and the capabilities it answers
 * for the primitives the runner offers at start.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { hasPython, PY } from "./test-support.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";

/** Run Python code with the adapter module imported as `m`; it prints one JSON value. */
function python(lines: string[]): unknown {
  const code = ["import sys, json, multiprocessing as mp", `sys.path.insert(0, ${JSON.stringify(dirname(PYTHON_ADAPTER))})`, "import mpspec_adapter as m", ...lines].join("\n");
  return JSON.parse(execFileSync(PY, ["-B", "-c", code], { encoding: "utf8", timeout: 30_000 }));
}

describe.skipIf(!hasPython)(`the Python adapter's values and call shapes (${PY})`, () => {
  test("$unpicklable cannot be pickled by any pickle-protocol serializer (CPython's message), $unpickling-fails pickles and fails to load", () => {
    const out = python([
      "import pickle",
      "from mpspec_py.values import Unpicklable, UnpicklingFails",
      "r = []",
      "for proto in (2, pickle.HIGHEST_PROTOCOL):",
      "    try: pickle.dumps(Unpicklable('u1'), proto); r.append('pickled')",
      "    except TypeError as e: r.append(str(e))",
      "data = pickle.dumps(UnpicklingFails('u2'))",
      "try: pickle.loads(data); r.append('loaded')",
      "except ValueError as e: r.append(str(e))",
      "print(json.dumps(r))",
    ]);
    expect(out).toEqual(["cannot pickle '_thread.lock' object", "cannot pickle '_thread.lock' object", "unpickling u2 fails"]);
  });

  test("$bytes, $bytearray and $slice decode; bytes-like results encode as $bytes; malformed values are refused by name", () => {
    const out = python([
      "v = m.decode_value([{'$bytes': 'ab\\u00ff'}, {'$bytearray': 'xy'}, {'$slice': [1, None]}, {'$slice': [0, 4, 2]}])",
      "r = [repr(v[0]), repr(v[1]), repr(v[2]), repr(v[3])]",
      "r.append(m.returned_outcome([b'\\x00h', bytearray(b'ey'), memoryview(b'!')]))",
      "errs = []",
      "for bad in ({'$bytes': 5}, {'$bytes': '\\u0100'}, {'$bytearray': 'a', 'x': 1}, {'$slice': [1]}, {'$slice': ['a', 2]}, {'$slice': [True, 2]}):",
      "    try: m.decode_value(bad); errs.append(None)",
      "    except m.ScenarioError as e: errs.append(str(e))",
      "r.append(errs)",
      "print(json.dumps(r))",
    ]) as unknown[];
    expect(out.slice(0, 4)).toEqual(["b'ab\\xff'", "bytearray(b'xy')", "slice(1, None, None)", "slice(0, 4, 2)"]);
    expect(out[4]).toEqual({ kind: "returned", value: [{ $bytes: "\u0000h" }, { $bytes: "ey" }, { $bytes: "!" }] });
    const errs = out[5] as string[];
    expect(errs).toHaveLength(6);
    for (const e of errs.slice(0, 2)) expect(e).toMatch(/expected \{"\$bytes": <text of code points 0-255>\}/);
    expect(errs[2]).toMatch(/expected \{"\$bytearray"/);
    for (const e of errs.slice(3)) expect(e).toMatch(/is not a \$slice value/);
  });

  test("an exception returned as a value (Future.exception()) encodes as $exception with its public class name and args; one whose args have no JSON form does not", () => {
    const out = python([
      "import concurrent.futures.process as p",
      "r = [m.returned_outcome(ValueError('boom')), m.returned_outcome([SystemExit(3), None]),",
      "     m.returned_outcome(p.BrokenProcessPool('gone')), m.returned_outcome(ValueError(object()))['type']]",
      "print(json.dumps(r))",
    ]) as unknown[];
    expect(out.slice(0, 3)).toEqual([
      { kind: "returned", value: { $exception: { type: "ValueError", args: ["boom"] } } },
      { kind: "returned", value: [{ $exception: { type: "SystemExit", args: [3] } }, null] },
      { kind: "returned", value: { $exception: { type: "concurrent.futures.process.BrokenProcessPool", args: ["gone"] } } },
    ]);
    expect(out[3]).toBe("mpspec.InternalError");
  });

  test("item keys, via and out arguments on a real Array and Pipe", () => {
    const out = python([
      "a = mp.Array('i', [1, 2, 3]); p = mp.Pipe()",
      "objects = [a, p]",
      "calls = [",
      "  (0, None, [], 'get', None, None, (-1,)),",
      "  (0, None, [[7, 8]], 'set', None, None, (slice(0, 2),)),",
      "  (0, None, [], 'get', None, None, (slice(None, None),)),",
      "  (0, None, [5], 'iadd', None, 'get_lock', (2,)),",
      "  (0, None, [], 'get', None, None, (2,), 'get_obj'),",
      "  (0, None, [[1]], 'set', None, None, (slice(0, 2),)),",
      "  (1, 'send_bytes', [b'hey'], 'call', 1),",
      "  (1, 'recv_bytes_into', [bytearray(b'....'), 1], 'call', 0, None, None, None, [0]),",
      "]",
      "print(json.dumps([m.make_call(objects, c)[2] for c in calls]))",
    ]);
    expect(out).toEqual([
      { kind: "returned", value: 3 },
      { kind: "returned", value: null },
      { kind: "returned", value: [7, 8, 3] },
      { kind: "returned", value: null },
      { kind: "returned", value: 8 },
      { kind: "raised", type: "ValueError", message: "Can only assign sequence of same size", mro: ["Exception", "BaseException"] },
      { kind: "returned", value: null },
      { kind: "returned", value: [3, { $bytes: ".hey" }] },
    ]);
  });

  test("a class re-exported by its package is named there: multiprocessing.BufferTooShort", () => {
    const out = python(["print(json.dumps(m.raised_outcome(mp.BufferTooShort(b'hello'))))"]);
    expect(out).toEqual({ kind: "raised", type: "multiprocessing.BufferTooShort", message: "b'hello'", mro: ["multiprocessing.ProcessError", "Exception", "BaseException"] });
  });

  test("with --module X, a class X exports is reported under multiprocessing's name, bases too", () => {
    const out = python([
      "import types",
      "fake = types.ModuleType('fakemp')",
      "class ProcessError(Exception): pass",
      "class BufferTooShort(ProcessError): pass",
      "for c in (ProcessError, BufferTooShort): c.__module__ = 'fakemp.context'; setattr(fake, c.__name__, c)",
      "class MaybeEncodingError(Exception): pass",
      "MaybeEncodingError.__module__ = 'fakemp.pool'",
      "sys.modules['fakemp'] = fake",
      "a = m.Adapter.__new__(m.Adapter); a.module = fake",
      "e = {'actor': 'main', 'outcome': m.raised_outcome(BufferTooShort(b'x'))}",
      "v = {'actor': 'main', 'outcome': m.raised_outcome(ValueError('y'))}",
      "p = {'actor': 'main', 'outcome': {'kind': 'raised', 'type': 'fakemp.pool.MaybeEncodingError', 'message': '', 'mro': []}}",
      "print(json.dumps([e['outcome']['type'], a._as_multiprocessing(e)['outcome'], a._as_multiprocessing(v)['outcome']['type'], a._as_multiprocessing(p)['outcome']['type']]))",
    ]);
    expect(out).toEqual([
      "fakemp.BufferTooShort",
      { kind: "raised", type: "multiprocessing.BufferTooShort", message: "b'x'", mro: ["multiprocessing.ProcessError", "Exception", "BaseException"] },
      "ValueError",
      "multiprocessing.pool.MaybeEncodingError",
    ]);
  });

  test("capabilities come from the start message only: without primitives, none are offered", () => {
    const out = execFileSync(PY, [PYTHON_ADAPTER, "--module", "multiprocessing"], { input: '{"cmd":"start","version":1}\n{"cmd":"stop"}\n', encoding: "utf8", timeout: 30_000 });
    const ready = JSON.parse(out.split("\n")[0]!);
    expect(ready.capabilities).toMatchObject({ primitives: [], profiles: ["multiprocessing"] });
  });

  test("capabilities: the offered primitives whose callables resolve; Array, RawArray and Pipe campaigns pass", async () => {
    // Lock and RLock: what `lock=` (Array) and Condition's lock may build ({"$new": ...}).
    const specs = ["Array", "RawArray", "Pipe", "Condition", "Lock", "RLock"].map((p) => loadSpecFile(join(PRIMITIVES_DIR, `${p}.yaml`)));
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", "--actors", "threads", "--profile", "threading"], specs });
    try {
      // Of these, only Condition, Lock and RLock exist in the threading profile.
      expect([...a.capabilities.primitives].sort()).toEqual(["Condition", "Lock", "RLock"]);
    } finally {
      await a.close();
    }
    const b = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing"], specs });
    try {
      expect([...b.capabilities.primitives].sort()).toEqual(["Array", "Condition", "Lock", "Pipe", "RLock", "RawArray"]);
      for (const [spec, runs] of [[specs[0]!, 40], [specs[1]!, 30], [specs[2]!, 15]] as const) {
        const r = await runCampaign(spec, b, { profile: "multiprocessing", runs, seed: 5, deadlineMs: 3_000 });
        expect(r.error, spec.primitive).toBeUndefined();
        expect(r.verdict, `${spec.primitive}: ${counterexampleText(r)}`).toBe("pass");
      }
    } finally {
      await b.close();
    }
  }, 120_000);
});
