/**
 * Where Porcupine's benchmark histories live, and which verdict each should get.
 *
 * The data travels with the repository: `bench/data/porcupine` (copied unchanged from
 * Porcupine's test_data/, with its MIT licence), or the folder named by the environment
 * variable MPSPEC_PORCUPINE_DATA. Its layout: etcd/etcd_NNN.log with etcd/expected.json
 * (file name -> verdict, true = linearizable, as asserted by Porcupine's tests), and
 * kv/cNN-ok.txt / kv/cNN-bad.txt (-ok linearizable, -bad not).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { History } from "../../conformance/history/types.js";
import type { ObjectDecl } from "../../conformance/scenario/types.js";
import { objectsOf, parseEtcdLog, parseKvLog } from "./parse.js";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DATA_ENV = "MPSPEC_PORCUPINE_DATA";

/** The spec document each kind of history is checked against. */
export const SPEC_FILES = {
  etcd: join(REPO_ROOT, "bench", "specs", "cas-register.yaml"),
  kv: join(REPO_ROOT, "bench", "specs", "kv.yaml"),
} as const;

export type BenchKind = keyof typeof SPEC_FILES;

export interface BenchCase {
  kind: BenchKind;
  /** File name, e.g. "etcd_000.log", "c10-ok.txt". */
  name: string;
  path: string;
  /** Expected verdict: true = linearizable. */
  expected: boolean;
  /** The spec document to check against (absolute path). */
  spec: string;
}

export interface SkippedFile {
  kind: BenchKind;
  name: string;
  reason: string;
}

/** The data folder (absolute). Throws, naming the env variable, if it does not exist. */
export function porcupineDataDir(): string {
  const fromEnv = process.env[DATA_ENV];
  const dir = fromEnv ? resolve(fromEnv) : resolve(REPO_ROOT, "bench", "data", "porcupine");
  if (!existsSync(dir)) {
    throw new Error(`Porcupine data not found at ${dir}${fromEnv ? ` (from ${DATA_ENV})` : `; set ${DATA_ENV} to its folder`}`);
  }
  return dir;
}

/** The whole data set: 102 etcd histories with a verdict (etcd_095.log has none) and 6 kv histories. */
export const EXPECTED_CASES = { etcd: 102, kv: 6 } as const;

/** What is missing from a partial data set (empty when it is whole). */
export function missingData(dir: string = porcupineDataDir()): string[] {
  const { cases, skipped } = allCases(dir);
  const out: string[] = [];
  for (const kind of ["etcd", "kv"] as const) {
    const n = cases.filter((c) => c.kind === kind).length;
    if (n !== EXPECTED_CASES[kind]) out.push(`${kind}: ${n} histories with a verdict, expected ${EXPECTED_CASES[kind]}`);
  }
  for (const s of skipped) if (s.name !== "etcd_095.log") out.push(`${s.kind}/${s.name}: ${s.reason}`);
  return out;
}

/**
 * The etcd histories that have a verdict, sorted by name, and the files left
 * out with the reason. Porcupine's tests give no verdict for etcd_095.log ("etcd
 * cluster failed to start up in test 95"); the file is empty.
 */
export function etcdCases(dir: string = porcupineDataDir()): { cases: BenchCase[]; skipped: SkippedFile[] } {
  const etcdDir = join(dir, "etcd");
  const expected = JSON.parse(readFileSync(join(etcdDir, "expected.json"), "utf8")) as Record<string, unknown>;
  const files = readdirSync(etcdDir).filter((f) => f.endsWith(".log")).sort();
  const cases: BenchCase[] = [];
  const skipped: SkippedFile[] = [];
  for (const name of files) {
    const verdict = expected[name];
    if (typeof verdict !== "boolean") {
      const empty = readFileSync(join(etcdDir, name), "utf8").trim() === "";
      let reason = "no verdict in expected.json";
      if (empty) reason += "; the file is empty";
      if (name === "etcd_095.log") reason += ' (Porcupine\'s tests skip it: "etcd cluster failed to start up in test 95")';
      skipped.push({ kind: "etcd", name, reason });
      continue;
    }
    cases.push({ kind: "etcd", name, path: join(etcdDir, name), expected: verdict, spec: SPEC_FILES.etcd });
  }
  for (const name of Object.keys(expected)) {
    if (!files.includes(name)) skipped.push({ kind: "etcd", name, reason: "listed in expected.json but the file is missing" });
  }
  return { cases, skipped };
}

/** The kv histories, sorted by name: `-ok` files are linearizable, `-bad` ones are not. */
export function kvCases(dir: string = porcupineDataDir()): { cases: BenchCase[]; skipped: SkippedFile[] } {
  const kvDir = join(dir, "kv");
  const cases: BenchCase[] = [];
  const skipped: SkippedFile[] = [];
  for (const name of readdirSync(kvDir).filter((f) => f.endsWith(".txt")).sort()) {
    const m = /-(ok|bad)\.txt$/.exec(name);
    if (!m) {
      skipped.push({ kind: "kv", name, reason: "name ends in neither -ok nor -bad" });
      continue;
    }
    cases.push({ kind: "kv", name, path: join(kvDir, name), expected: m[1] === "ok", spec: SPEC_FILES.kv });
  }
  return { cases, skipped };
}

/** Every case, etcd first, with everything skipped. */
export function allCases(dir: string = porcupineDataDir()): { cases: BenchCase[]; skipped: SkippedFile[] } {
  const e = etcdCases(dir);
  const k = kvCases(dir);
  return { cases: [...e.cases, ...k.cases], skipped: [...e.skipped, ...k.skipped] };
}

/** Parse a case's file. */
export function loadCase(c: Pick<BenchCase, "kind" | "path">): { history: History; objects: ObjectDecl[] } {
  const text = readFileSync(c.path, "utf8");
  const history = c.kind === "etcd" ? parseEtcdLog(text) : parseKvLog(text);
  return { history, objects: objectsOf(history) };
}

export interface HistoryStats {
  events: number;
  pending: number;
  objects: number;
  actors: number;
}

export function historyStats(history: History): HistoryStats {
  return {
    events: history.events.length,
    pending: history.events.filter((e) => e.outcome.kind === "pending").length,
    objects: new Set(history.events.map((e) => e.object)).size,
    actors: new Set(history.events.map((e) => e.actor)).size,
  };
}
