/**
 * The bench spec documents load, and mean what Porcupine's models mean: replay
 * sequential histories through the spec model, call by call (no search, so only
 * for histories with no overlapping calls).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { History } from "../../conformance/history/types.js";
import { loadSpecFile, type LoadedSpec } from "../../conformance/spec/load.js";
import { SpecModel, type State } from "../../conformance/model/spec-model.js";
import { SPEC_FILES, kvCases } from "../porcupine/data.js";
import { parseEtcdLog, parseKvLog } from "../porcupine/parse.js";

/** Replay a history call by call in invoke order through the spec model; the index of the first call no rule explains, or -1. */
function replay(spec: LoadedSpec, history: History): number {
  const models = new Map<string, { model: SpecModel; state: State }>();
  for (let i = 0; i < history.events.length; i++) {
    const ev = history.events[i]!;
    if (!models.has(ev.object)) {
      const model = new SpecModel(spec, "bench", "documented", {});
      models.set(ev.object, { model, state: model.initial() });
    }
    const m = models.get(ev.object)!;
    const next = m.model.step(m.state, m.model.prepare(ev.actor, ev.op, ev.args), ev.outcome, false);
    if (next.length === 0) return i;
    m.state = next[0]!.state;
  }
  return -1;
}

const etcd = (...lines: string[]) => parseEtcdLog(lines.map((l) => `INFO  jepsen.util - ${l}`).join("\n"));

describe("bench/specs/cas-register.yaml", () => {
  const spec = loadSpecFile(SPEC_FILES.etcd);

  it("loads as CasRegister in profile bench", () => {
    expect(spec.primitive).toBe("CasRegister");
    expect(Object.keys(spec.doc.profiles)).toEqual(["bench"]);
    expect([...spec.operations.keys()]).toEqual(["read", "write", "cas"]);
  });

  it("follows Porcupine's etcd model, including cas against the unwritten (nil) register", () => {
    const ok = etcd(
      "0\t:invoke\t:read\tnil",
      "0\t:ok\t:read\tnil",
      "0\t:invoke\t:cas\t[0 1]",
      "0\t:fail\t:cas\t[0 1]", // nil != 0
      "0\t:invoke\t:write\t0",
      "0\t:ok\t:write\t0",
      "0\t:invoke\t:cas\t[0 3]",
      "0\t:ok\t:cas\t[0 3]",
      "0\t:invoke\t:cas\t[0 4]",
      "0\t:fail\t:cas\t[0 4]",
      "0\t:invoke\t:read\tnil",
      "0\t:ok\t:read\t3",
    );
    expect(replay(spec, ok)).toBe(-1);
    expect(replay(spec, etcd("0\t:invoke\t:cas\t[0 1]", "0\t:ok\t:cas\t[0 1]"))).toBe(0);
    expect(replay(spec, etcd("0\t:invoke\t:read\tnil", "0\t:ok\t:read\t0"))).toBe(0);
    expect(replay(spec, etcd("0\t:invoke\t:write\t2", "0\t:ok\t:write\t2", "0\t:invoke\t:read\tnil", "0\t:ok\t:read\tnil"))).toBe(1);
    expect(replay(spec, etcd("0\t:invoke\t:write\t2", "0\t:ok\t:write\t2", "0\t:invoke\t:cas\t[2 1]", "0\t:fail\t:cas\t[2 1]"))).toBe(1);
  });
});

describe("bench/specs/kv.yaml", () => {
  const spec = loadSpecFile(SPEC_FILES.kv);

  it("loads as KV in profile bench", () => {
    expect(spec.primitive).toBe("KV");
    expect([...spec.operations.keys()]).toEqual(["get", "put", "append"]);
  });

  it("follows Porcupine's kv model", () => {
    const h = parseKvLog(
      [
        '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
        '{:process 0, :type :ok, :f :get, :key "1", :value ""}',
        '{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 0 y"}',
        '{:process 0, :type :ok, :f :append, :key "1", :value "x 0 0 y"}',
        '{:process 0, :type :invoke, :f :append, :key "1", :value "x 0 1 y"}',
        '{:process 0, :type :ok, :f :append, :key "1", :value "x 0 1 y"}',
        '{:process 0, :type :invoke, :f :get, :key "2", :value nil}',
        '{:process 0, :type :ok, :f :get, :key "2", :value nil}',
        '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
        '{:process 0, :type :ok, :f :get, :key "1", :value "x 0 0 yx 0 1 y"}',
        '{:process 0, :type :invoke, :f :put, :key "1", :value "z"}',
        '{:process 0, :type :ok, :f :put, :key "1", :value "z"}',
        '{:process 0, :type :invoke, :f :get, :key "1", :value nil}',
        '{:process 0, :type :ok, :f :get, :key "1", :value "z"}',
      ].join("\n"),
    );
    expect(replay(spec, h)).toBe(-1);
    const bad = { events: [...h.events] };
    bad.events[4] = { ...bad.events[4]!, outcome: { kind: "returned", value: "x 0 1 yx 0 0 y" } };
    expect(replay(spec, bad)).toBe(4);
  });

  it("replays the one-client files to Porcupine's verdicts", () => {
    const cases = kvCases().cases.filter((c) => c.name.startsWith("c01-"));
    expect(cases).toHaveLength(2);
    for (const c of cases) {
      const h = parseKvLog(readFileSync(c.path, "utf8"));
      expect(replay(spec, h) === -1, c.name).toBe(c.expected);
    }
  });
});
