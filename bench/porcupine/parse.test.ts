import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { History, HistoryEvent } from "../../conformance/history/types.js";
import { DATA_ENV, SPEC_FILES, etcdCases, historyStats, kvCases, loadCase, missingData, porcupineDataDir } from "./data.js";
import { objectsOf, parseEtcdLog, parseKvLog, readEdn, readEdnMap } from "./parse.js";

const etcd = (...lines: string[]) => parseEtcdLog(lines.map((l) => `INFO  jepsen.util - ${l}`).join("\n") + "\n");

/** Structural invariants every parsed history must satisfy. */
function expectWellFormed(h: History): void {
  const invokes = h.events.map((e) => e.invoke);
  expect(invokes).toEqual([...invokes].sort((a, b) => a - b));
  expect(new Set(invokes).size).toBe(invokes.length);
  const perActor = new Map<string, HistoryEvent[]>();
  for (const e of h.events) {
    if (!perActor.has(e.actor)) perActor.set(e.actor, []);
    perActor.get(e.actor)!.push(e);
    if (e.outcome.kind === "pending") expect(e.response).toBeNull();
    else {
      expect(e.response).not.toBeNull();
      expect(e.response!).toBeGreaterThan(e.invoke);
    }
  }
  for (const [actor, evs] of perActor) {
    evs.forEach((e, i) => {
      if (i === evs.length - 1) return;
      // Only an actor's last call may be pending; each call returns before the next is invoked.
      expect(e.outcome.kind, `${actor} call at ${e.invoke}`).not.toBe("pending");
      expect(e.response!).toBeLessThan(evs[i + 1]!.invoke);
    });
  }
}

describe("parseEtcdLog", () => {
  it("pairs invokes with the next answer of the same process, times = line indices", () => {
    const h = etcd(
      "0\t:invoke\t:read\tnil", //     0
      "1\t:invoke\t:write\t4", //      1
      "0\t:ok\t:read\tnil", //         2
      "1\t:ok\t:write\t4", //          3
      "0\t:invoke\t:cas\t[4 2]", //    4
      "1\t:invoke\t:cas\t[4 3]", //    5
      "1\t:fail\t:cas\t[4 3]", //      6
      "0\t:ok\t:cas\t[4 2]", //        7
      "1\t:invoke\t:read\tnil", //     8
      "1\t:ok\t:read\t2", //           9
    );
    expect(h.events).toEqual([
      { actor: "p0", object: "r", op: "read", args: {}, invoke: 0, response: 2, outcome: { kind: "returned", value: null } },
      { actor: "p1", object: "r", op: "write", args: { value: 4 }, invoke: 1, response: 3, outcome: { kind: "returned", value: null } },
      { actor: "p0", object: "r", op: "cas", args: { expected: 4, new: 2 }, invoke: 4, response: 7, outcome: { kind: "returned", value: true } },
      { actor: "p1", object: "r", op: "cas", args: { expected: 4, new: 3 }, invoke: 5, response: 6, outcome: { kind: "returned", value: false } },
      { actor: "p1", object: "r", op: "read", args: {}, invoke: 8, response: 9, outcome: { kind: "returned", value: 2 } },
    ]);
    expectWellFormed(h);
  });

  it(":info answers and unanswered invokes are pending", () => {
    const h = etcd(
      "0\t:invoke\t:write\t1",
      "1\t:invoke\t:cas\t[1 2]",
      "2\t:invoke\t:read\tnil",
      "0\t:info\t:write\t:timed-out",
      "1\t:info\t:cas\t:timed-out",
      "5\t:invoke\t:read\tnil", // the crashed process 0 comes back as 5
      "5\t:ok\t:read\t1",
    );
    const pending = { response: null, outcome: { kind: "pending" } };
    expect(h.events[0]).toMatchObject({ actor: "p0", op: "write", args: { value: 1 }, invoke: 0, ...pending });
    expect(h.events[1]).toMatchObject({ actor: "p1", op: "cas", args: { expected: 1, new: 2 }, invoke: 1, ...pending });
    expect(h.events[2]).toMatchObject({ actor: "p2", op: "read", invoke: 2, ...pending });
    expect(h.events[3]).toMatchObject({ actor: "p5", op: "read", invoke: 5, response: 6, outcome: { kind: "returned", value: 1 } });
    expect(historyStats(h)).toEqual({ events: 4, pending: 3, objects: 1, actors: 4 });
    expectWellFormed(h);
  });

  it("a timed-out read is pending and moves to its own actor when the process goes on", () => {
    const h = etcd(
      "3\t:invoke\t:read\tnil", //              0
      "3\t:fail\t:read\t:timed-out", //          1
      "3\t:invoke\t:write\t0", //               2
      "3\t:ok\t:write\t0", //                   3
      "3\t:invoke\t:read\tnil", //              4
      "3\t:fail\t:read\t:timed-out", //          5
      "3\t:invoke\t:read\tnil", //              6
      "3\t:fail\t:read\t:timed-out", //          7 (last call of p3: stays on p3)
    );
    expect(h.events.map((e) => [e.actor, e.op, e.invoke, e.response, e.outcome.kind])).toEqual([
      ["p3/pending-1", "read", 0, null, "pending"],
      ["p3", "write", 2, 3, "returned"],
      ["p3/pending-2", "read", 4, null, "pending"],
      ["p3", "read", 6, null, "pending"],
    ]);
    expectWellFormed(h);
  });

  it("accepts space-separated fields, CRLF and blank lines, keeping line indices", () => {
    const text = [
      "INFO  jepsen.util - 7   :invoke :cas    [0 1]",
      "",
      "INFO  jepsen.util - 12  :invoke :read   nil",
      "INFO  jepsen.util - 7   :fail   :cas    [0 1]",
      "INFO  jepsen.util - 12  :ok     :read   3   ",
    ].join("\r\n");
    const h = parseEtcdLog(text);
    expect(h.events).toEqual([
      { actor: "p7", object: "r", op: "cas", args: { expected: 0, new: 1 }, invoke: 0, response: 3, outcome: { kind: "returned", value: false } },
      { actor: "p12", object: "r", op: "read", args: {}, invoke: 2, response: 4, outcome: { kind: "returned", value: 3 } },
    ]);
  });

  it("an empty log is an empty history", () => {
    expect(parseEtcdLog("")).toEqual({ events: [] });
  });

  it("rejects malformed logs with the line number", () => {
    expect(() => parseEtcdLog("hello")).toThrow(/line 1: not a Jepsen register event/);
    expect(() => etcd("0\t:ok\t:read\t1")).toThrow(/line 1: process 0 answers no open call/);
    expect(() => etcd("0\t:invoke\t:read\tnil", "0\t:invoke\t:read\tnil")).toThrow(/line 2: .*unanswered/);
    expect(() => etcd("0\t:invoke\t:read\tnil", "0\t:ok\t:write\t1")).toThrow(/does not match/);
    expect(() => etcd("0\t:invoke\t:write\t1", "0\t:fail\t:write\t1")).toThrow(/unexpected answer to :write/);
  });

  it("objectsOf gives one CasRegister", () => {
    expect(objectsOf(etcd("0\t:invoke\t:read\tnil"))).toEqual([{ id: "r", primitive: "CasRegister", args: {} }]);
  });
});

describe("EDN reader", () => {
  it("reads Jepsen operation maps", () => {
    expect(readEdnMap('{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}')).toEqual({
      process: 0,
      type: { keyword: "invoke" },
      f: { keyword: "append" },
      key: "4",
      value: "x 0 1 y",
    });
  });

  it("reads strings with escapes and other forms", () => {
    expect(readEdn('"a \\"b\\" \\\\ c\\n"')).toBe('a "b" \\ c\n');
    expect(readEdn("[1 -2 nil true :k sym 1.5]")).toEqual([1, -2, null, true, { keyword: "k" }, { symbol: "sym" }, 1.5]);
    expect(readEdn("{}")).toEqual(new Map());
    expect(() => readEdn('{:a "unterminated}')).toThrow(/unterminated string/);
    expect(() => readEdn("{:a}")).toThrow(/odd number/);
    expect(() => readEdn("{:a 1} x")).toThrow(/trailing/);
  });
});

describe("parseKvLog", () => {
  const kv = (...lines: string[]) => parseKvLog(lines.join("\n"));

  it("makes one object per key; values keep their spaces; a nil get reads \"\"", () => {
    const h = kv(
      '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}', // 0
      '{:process 1, :type :invoke, :f :get, :key "4", :value nil}', //          1
      '{:process 1, :type :ok, :f :get, :key "4", :value nil}', //              2
      '{:process 0, :type :ok, :f :append, :key "4", :value "x 0 1 y"}', //     3
      '{:process 1, :type :invoke, :f :put, :key "10", :value "a, b {c}"}', //  4
      '{:process 1, :type :ok, :f :put, :key "10", :value "a, b {c}"}', //      5
      '{:process 0, :type :invoke, :f :get, :key "10", :value nil}', //         6
      '{:process 0, :type :ok, :f :get, :key "10", :value "a, b {c}"}', //      7
      '{:process 1, :type :invoke, :f :get, :key "4", :value nil}', //          8
      '{:process 1, :type :ok, :f :get, :key "4", :value ""}', //               9
    );
    expect(h.events).toEqual([
      { actor: "p0", object: "k4", op: "append", args: { value: "x 0 1 y" }, invoke: 0, response: 3, outcome: { kind: "returned", value: null } },
      { actor: "p1", object: "k4", op: "get", args: {}, invoke: 1, response: 2, outcome: { kind: "returned", value: "" } },
      { actor: "p1", object: "k10", op: "put", args: { value: "a, b {c}" }, invoke: 4, response: 5, outcome: { kind: "returned", value: null } },
      { actor: "p0", object: "k10", op: "get", args: {}, invoke: 6, response: 7, outcome: { kind: "returned", value: "a, b {c}" } },
      { actor: "p1", object: "k4", op: "get", args: {}, invoke: 8, response: 9, outcome: { kind: "returned", value: "" } },
    ]);
    expect(objectsOf(h)).toEqual([
      { id: "k4", primitive: "KV", args: {} },
      { id: "k10", primitive: "KV", args: {} },
    ]);
    expectWellFormed(h);
  });

  it(":info and unanswered calls are pending", () => {
    const h = kv(
      '{:process 0, :type :invoke, :f :put, :key "1", :value "x"}',
      '{:process 1, :type :invoke, :f :append, :key "1", :value "y"}',
      '{:process 0, :type :info, :f :put, :key "1", :value "x"}',
    );
    expect(h.events.map((e) => [e.actor, e.op, e.response, e.outcome])).toEqual([
      ["p0", "put", null, { kind: "pending" }],
      ["p1", "append", null, { kind: "pending" }],
    ]);
  });

  it("rejects mismatched answers and non-maps", () => {
    expect(() => kv("[1 2]")).toThrow(/line 1: .*not a map/);
    expect(() =>
      kv('{:process 0, :type :invoke, :f :get, :key "1", :value nil}', '{:process 0, :type :ok, :f :get, :key "2", :value ""}'),
    ).toThrow(/line 2: answer key "2" does not match/);
    expect(() =>
      kv('{:process 0, :type :invoke, :f :put, :key "1", :value "x"}', '{:process 0, :type :fail, :f :put, :key "1", :value "x"}'),
    ).toThrow(/unsupported :fail/);
  });
});

describe("data folder", () => {
  const saved = process.env[DATA_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[DATA_ENV];
    else process.env[DATA_ENV] = saved;
  });

  it("is overridable by MPSPEC_PORCUPINE_DATA and lists cases with verdicts", () => {
    const dir = mkdtempSync(join(tmpdir(), "porcupine-"));
    try {
      mkdirSync(join(dir, "etcd"));
      mkdirSync(join(dir, "kv"));
      writeFileSync(join(dir, "etcd", "expected.json"), JSON.stringify({ "etcd_000.log": true, "etcd_002.log": false }));
      writeFileSync(join(dir, "etcd", "etcd_000.log"), "INFO  jepsen.util - 0\t:invoke\t:read\tnil\n");
      writeFileSync(join(dir, "etcd", "etcd_001.log"), "");
      writeFileSync(join(dir, "kv", "c01-ok.txt"), "");
      writeFileSync(join(dir, "kv", "c01-bad.txt"), "");
      writeFileSync(join(dir, "kv", "notes.txt"), "");
      process.env[DATA_ENV] = dir;
      expect(porcupineDataDir()).toBe(dir);
      const e = etcdCases();
      expect(e.cases.map((c) => [c.name, c.expected, c.spec])).toEqual([["etcd_000.log", true, SPEC_FILES.etcd]]);
      expect(e.skipped.map((s) => [s.name, s.reason])).toEqual([
        ["etcd_001.log", "no verdict in expected.json; the file is empty"],
        ["etcd_002.log", "listed in expected.json but the file is missing"],
      ]);
      const k = kvCases();
      expect(k.cases.map((c) => [c.name, c.expected])).toEqual([
        ["c01-bad.txt", false],
        ["c01-ok.txt", true],
      ]);
      expect(k.skipped.map((s) => s.name)).toEqual(["notes.txt"]);
      // bench:checker refuses such a partial set, naming what is missing.
      expect(missingData(dir)).toEqual([
        "etcd: 1 histories with a verdict, expected 102",
        "kv: 2 histories with a verdict, expected 6",
        "etcd/etcd_001.log: no verdict in expected.json; the file is empty",
        "etcd/etcd_002.log: listed in expected.json but the file is missing",
        "kv/notes.txt: name ends in neither -ok nor -bad",
      ]);
      process.env[DATA_ENV] = join(dir, "missing");
      expect(() => porcupineDataDir()).toThrow(/MPSPEC_PORCUPINE_DATA/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Porcupine's data", () => {
  it("every etcd file with a verdict parses into a well-formed history", () => {
    const { cases, skipped } = etcdCases();
    expect(cases).toHaveLength(102);
    expect(cases.filter((c) => c.expected)).toHaveLength(23);
    expect(skipped.map((s) => s.name)).toEqual(["etcd_095.log"]);
    let pending = 0;
    for (const c of cases) {
      const { history, objects } = loadCase(c);
      const st = historyStats(history);
      expect(st.events, c.name).toBeGreaterThan(0);
      expect(objects).toEqual([{ id: "r", primitive: "CasRegister", args: {} }]);
      expectWellFormed(history);
      pending += st.pending;
    }
    // 1283 :info answers + 17 timed-out reads; no invoke is left unanswered.
    expect(pending).toBe(1300);
  });

  it("the skipped etcd_095.log is empty", () => {
    const { history } = loadCase({ kind: "etcd", path: join(porcupineDataDir(), "etcd", "etcd_095.log") });
    expect(history.events).toEqual([]);
  });

  it("every kv file parses into a well-formed history over keys 0..9", () => {
    const { cases, skipped } = kvCases();
    expect(skipped).toEqual([]);
    expect(cases.map((c) => [c.name, c.expected])).toEqual([
      ["c01-bad.txt", false],
      ["c01-ok.txt", true],
      ["c10-bad.txt", false],
      ["c10-ok.txt", true],
      ["c50-bad.txt", false],
      ["c50-ok.txt", true],
    ]);
    for (const c of cases) {
      const { history, objects } = loadCase(c);
      expect(history.events.length, c.name).toBeGreaterThan(0);
      expect(historyStats(history).pending, c.name).toBe(0);
      expect(objects.every((o) => o.primitive === "KV" && /^k[0-9]$/.test(o.id))).toBe(true);
      expectWellFormed(history);
    }
  });
});
