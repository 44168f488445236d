/**
 * Hand-written histories beside the spec documents (spec/histories.ts): loaded, validated
 * against spec/histories.schema.json (ajv), and turned into the checker's events.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { HistoriesDocument, HistoryCase, HistoryCaseEvent } from "../../spec/histories.js";
import type { CheckResult } from "../checker/linearize.js";
import type { ObjectDecl } from "../scenario/types.js";
import type { HistoryEvent, Outcome } from "../history/types.js";
import { loadYamlData, PRIMITIVES_DIR, SpecError, type LoadedSpec } from "./load.js";

const MS = 1e6;

/** Every `<P>.histories.yaml` of the folder, by file. */
export function loadHistoriesDir(dir: string = PRIMITIVES_DIR): { file: string; doc: HistoriesDocument }[] {
  return readdirSync(dir)
    .filter((f) => /\.histories\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ file: join(dir, f), doc: loadHistoriesFile(join(dir, f)) }));
}

export function loadHistoriesFile(path: string): HistoriesDocument {
  const { file, doc } = loadYamlData<HistoriesDocument>(path, "histories.schema.json", "spec/histories.ts");
  doc.cases.forEach((c, i) =>
    c.events.forEach((e, j) => {
      const kinds = [e.returns !== undefined || "returns" in e, e.raises !== undefined, e.pending === true].filter(Boolean).length;
      if (kinds !== 1) throw new SpecError(file, `cases[${i}].events[${j}]`, "give exactly one of returns, raises, pending");
      if ((e.pending === true) !== (e.at[1] === null)) throw new SpecError(file, `cases[${i}].events[${j}].at`, "a pending call has no response time (null), any other has one");
    }),
  );
  return doc;
}

/** A case's event as the checker takes it. */
export function historyEvent(e: HistoryCaseEvent): HistoryEvent {
  const outcome: Outcome =
    e.pending === true
      ? { kind: "pending" }
      : e.raises !== undefined
        ? { kind: "raised", type: e.raises, message: e.message ?? "", ...(e.mro ? { mro: e.mro } : {}) }
        : { kind: "returned", value: e.returns ?? null };
  return { actor: e.actor, object: e.object ?? "o0", op: e.op, args: e.args ?? {}, invoke: e.at[0] * MS, response: e.at[1] === null ? null : e.at[1] * MS, outcome };
}

export interface CaseJudgment {
  level: "cpython" | "documented";
  /** As the case expects it. */
  ok: boolean;
  verdict: string;
  contradicted: string[];
  /** What was expected, in words. */
  wanted: string;
}

/** Judge one case at each level it names, with the checker (import given to keep this module free of the checker). */
export function judgeCase(
  spec: LoadedSpec,
  doc: HistoriesDocument,
  c: HistoryCase,
  check: (objects: ObjectDecl[], events: HistoryEvent[], options: { profile: string; level: "cpython" | "documented"; cutAt?: number; actorKind?: "threads" | "processes"; startMethod?: string }) => CheckResult,
): CaseJudgment[] {
  const companions = (c.companions ?? []).map((o) => ({ id: o.id, primitive: o.primitive, args: o.args ?? {} }));
  // An event on a handle ("o0@a0.0") is on its producer's object.
  const ids = [...new Set(c.events.map((e) => (e.object ?? "o0").split("@")[0]!))].filter((id) => !companions.some((o) => o.id === id));
  const objects = [...companions, ...(ids.length ? ids : ["o0"]).map((id) => ({ id, primitive: doc.primitive, args: { ...doc.ctor, ...c.ctor } }))];
  const events = c.events.map(historyEvent);
  const out: CaseJudgment[] = [];
  for (const level of ["cpython", "documented"] as const) {
    const want = c.expect[level];
    if (want === undefined) continue;
    const r = check(objects, events, { profile: c.profile ?? doc.profile ?? "multiprocessing", level, ...(c.cut !== undefined ? { cutAt: c.cut * MS } : {}), ...(c.actorKind ? { actorKind: c.actorKind } : {}), ...(c.startMethod ? { startMethod: c.startMethod } : {}) });
    const contradicted = r.objects.flatMap((o) => o.contradicts ?? []);
    const verdictOk = r.verdict === (want === "ok" ? "ok" : "violation");
    const pattern = typeof want === "object" ? new RegExp(want.violation.contradicts) : undefined;
    const ok = verdictOk && (!pattern || contradicted.some((id) => pattern.test(id)));
    out.push({ level, ok, verdict: r.verdict, contradicted, wanted: pattern ? `a violation contradicting a rule matching ${pattern}` : String(want) });
  }
  return out;
}
