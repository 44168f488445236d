/**
 * Human-readable failure reports: the minimal scenario, the history as a
 * per-actor table (as Lincheck prints it), and where no spec step explains an
 * outcome, with the model state there and the rule ids contradicted.
 */
import type { JsonValue } from "../../spec/format.js";
import type { CheckResult, ObjectVerdict } from "../checker/linearize.js";
import type { HistoryEvent, Outcome } from "../history/types.js";
import type { Call, Scenario } from "../scenario/types.js";
import { MAIN_ACTOR, actorId } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { fromJson, pyRepr, type ModelValue } from "../spec/values.js";

const py = (v: JsonValue) => pyRepr(fromJson(v));
// The default renderer (a name of its own: the functions below take `callText` as a parameter).
const plainCalls: CallRenderer = (c) => callText(c);

type CallLike = { object: string; op: string; args: Record<string, JsonValue> };
/** How a call is written in a report. */
export type CallRenderer = (c: CallLike) => string;

/** A call by its operation's name and named arguments: `o0.set_value(value=3)`. */
export function callText(c: CallLike): string {
  return `${c.object}.${c.op}(${Object.entries(c.args).map(([k, v]) => `${k}=${py(v)}`).join(", ")})`;
}

/**
 * Calls as the Python they stand for, from each operation's shape in the spec: attribute reads
 * and writes (`o0.pid`, `o0.daemon = True`, `o0.value += 1`), items (`o0[2] = 5`), a Pipe's ends
 * (`o0[1].send(obj='x')`), `via` and `withLock` (`with o0.get_lock(): o0.value += 1`). Objects of
 * primitives not in `specs`, and unknown operations, are written as `callText` writes them.
 */
export function pythonCalls(sc: Pick<Scenario, "objects">, specs: readonly LoadedSpec[]): CallRenderer {
  const specOf = new Map(sc.objects.map((o) => [o.id, specs.find((s) => s.primitive === o.primitive)]));
  return (c) => {
    const op = specOf.get(c.object)?.operations.get(c.op);
    if (!op) return callText(c);
    const sh = op.shape;
    let on = c.object;
    if (sh.target !== undefined) on += `[${py(c.args[sh.target]!)}]`;
    if (sh.via !== undefined) on += `.${sh.via}()`;
    const rest = Object.entries(c.args).filter(([k]) => k !== sh.target && k !== sh.item);
    const value = rest.map(([, v]) => py(v)).join(", ");
    const lhs = sh.item !== undefined ? `${on}[${py(c.args[sh.item]!)}]` : `${on}.${sh.name}`;
    const expr =
      sh.form === "get" ? lhs : sh.form === "set" ? `${lhs} = ${value}` : sh.form === "iadd" ? `${lhs} += ${value}` : `${lhs}(${rest.map(([k, v]) => `${k}=${py(v)}`).join(", ")})`;
    return sh.withLock !== undefined ? `with ${c.object}.${sh.withLock}(): ${expr}` : expr;
  };
}

export function outcomeText(o: Outcome): string {
  if (o.kind === "returned") return py(o.value);
  if (o.kind === "raised") return `raise ${o.type}${o.message ? `(${JSON.stringify(o.message)})` : ""}`;
  return "(never returned)";
}

function stateText(s: Map<string, ModelValue> | undefined): string {
  return s ? [...s].map(([k, v]) => `${k}=${pyRepr(v)}`).join(", ") : "?";
}

const ms = (ns: number | null) => (ns === null ? "…" : (ns / 1e6).toFixed(3));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((x, c) => x.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(rows[0]!), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)].join("\n");
}

export function scenarioText(sc: Scenario, callText: CallRenderer = plainCalls): string {
  const objs = sc.objects.map((o) => `${o.id} = ${o.primitive}(${Object.entries(o.args).map(([k, v]) => `${k}=${py(v)}`).join(", ")})`);
  // A pause shows as a sleep in the actor's program, as a replay would run it.
  const seq = (cs: Call[]) => (cs.length ? cs.map((c) => (c.pause ? `sleep(${c.pause}); ${callText(c)}` : callText(c))).join("; ") : "(nothing)");
  return [
    `profile ${sc.profile}; ${objs.join("; ")}`,
    `init (${MAIN_ACTOR}): ${seq(sc.init)}`,
    ...sc.parallel.map((cs, i) => `parallel ${actorId(i)}: ${seq(cs)}`),
    `post (${MAIN_ACTOR}): ${seq(sc.post)}`,
  ].join("\n");
}

/** The history, one column per actor, each cell `call -> outcome  [invoke, response] ms`. */
export function historyTable(sc: Scenario, events: HistoryEvent[], callText: CallRenderer = plainCalls): string {
  const actors = [MAIN_ACTOR, ...sc.parallel.map((_, i) => actorId(i))];
  const cell = (e: HistoryEvent) => `${callText(e)} -> ${outcomeText(e.outcome)} [${ms(e.invoke)}, ${ms(e.response)}]`;
  const init = events.filter((e) => e.actor === MAIN_ACTOR).slice(0, sc.init.length);
  const post = events.filter((e) => e.actor === MAIN_ACTOR).slice(sc.init.length);
  const par = actors.slice(1).map((a) => events.filter((e) => e.actor === a));
  const rows: string[][] = [["part", ...actors]];
  const blank = par.map(() => "");
  for (const e of init) rows.push(["init", cell(e), ...blank]);
  const depth = Math.max(0, ...par.map((p) => p.length));
  for (let i = 0; i < depth; i++) rows.push(["parallel", "", ...par.map((p) => (p[i] ? cell(p[i]!) : ""))]);
  for (const e of post) rows.push(["post", cell(e), ...blank]);
  if (rows.length === 1) return "(no calls)";
  return table(rows);
}

/** A constructor that did otherwise than the spec says: what it did, what was expected. */
function constructionText(v: ObjectVerdict): string {
  const c = v.construction!;
  const did = c.outcome.kind === "raised" ? `raised ${c.outcome.type}${c.outcome.message ? `(${JSON.stringify(c.outcome.message)})` : ""}` : "built the object";
  const lines = [`${v.object} (${v.primitive}): the constructor ${did}.`];
  if (c.expected.length === 0) lines.push("  the spec expects these arguments to build the object (no construction rule refuses them)");
  for (const r of c.expected) {
    const msg = r.raises.message !== undefined ? `(${JSON.stringify(r.raises.message)})` : r.raises.messagePattern !== undefined ? ` matching /${r.raises.messagePattern}/` : "";
    lines.push(`  ${r.id} expects: raise ${r.raises.type ?? `the error ${r.raises.from} gives`}${msg}`);
  }
  if (v.contradicts?.length) lines.push(`  contradicts: ${v.contradicts.join(", ")}`);
  return lines.join("\n");
}

export function violationText(v: ObjectVerdict, callText: CallRenderer = plainCalls): string {
  if (v.construction) return constructionText(v);
  const ev = (i: number) => v.events[i]!;
  const lines: string[] = [`${v.object} (${v.primitive}) has no linearization.`];
  lines.push(`  initial state: ${stateText(v.initialState)}`);
  if (v.longest && v.longest.length > 0) {
    lines.push("  longest explained prefix:");
    v.longest.forEach((st, k) => {
      const what = st.event < 0 ? "(internal step)" : `${ev(st.event).actor}: ${callText(ev(st.event))} -> ${outcomeText(ev(st.event).outcome)}`;
      lines.push(`    ${k + 1}. ${what}  [${st.ruleId}]  => ${stateText(st.stateAfter)}`);
    });
  }
  const live = (v.stuck ?? []).filter((s) => s.neverReturned);
  if (live.length > 0) {
    lines.push(`  then, at state ${stateText(v.frontierState)} (every returned call explained), a call never returned although it could:`);
    for (const s of live) {
      const e = ev(s.event);
      const n = s.neverReturned!;
      lines.push(`    ${e.actor}: ${callText(e)} -> (never returned; waited at least ${n.waitedMs.toFixed(0)} ms)`);
      if (n.tookEffect) lines.push("      it took effect in every explanation, yet never returned");
      for (const p of s.predictions.filter((p) => p.enabled && (!p.afterTimeout || n.timeoutElapsed))) {
        lines.push(`      ${p.ruleId} ${p.afterTimeout ? "(its timeout had elapsed) " : ""}${p.outcome}`);
      }
    }
    if (v.contradicts?.length) lines.push(`  contradicts: ${v.contradicts.join(", ")}`);
    return lines.join("\n");
  }
  lines.push(`  then, at state ${stateText(v.frontierState)}, no rule explains:`);
  for (const s of v.stuck ?? []) {
    const e = ev(s.event);
    lines.push(`    ${e.actor}: ${callText(e)} -> ${outcomeText(e.outcome)}`);
    const enabled = s.predictions.filter((p) => p.enabled);
    if (enabled.length === 0) lines.push("      no rule is enabled here: the call should still be blocked");
    for (const p of enabled) lines.push(`      ${p.ruleId} ${p.afterTimeout ? "(after the timeout) " : ""}${p.outcome}`);
    if (s.returnedBeforeTimeout) lines.push(`      it returned ${((e.response! - e.invoke) / 1e6).toFixed(3)} ms after invocation, before its timeout`);
    if (s.overtook) {
      const o = ev(s.overtook.event);
      lines.push(`      it cannot come first: ${o.actor}'s ${callText(o)} could take effect here (${s.overtook.ruleIds.join(", ")}) for at least ${s.overtook.enabledMs.toFixed(0)} ms before this call was invoked, past the promptness bound (--prompt)`);
    }
  }
  if (v.contradicts?.length) lines.push(`  contradicts: ${v.contradicts.join(", ")}`);
  return lines.join("\n");
}

export function checkText(sc: Scenario, events: HistoryEvent[], check: CheckResult, callText: CallRenderer = plainCalls): string {
  return [
    "Scenario:",
    indent(scenarioText(sc, callText)),
    "History (times in ms):",
    indent(historyTable(sc, events, callText)),
    ...check.objects.filter((o) => o.verdict === "violation").map((o) => violationText(o, callText)),
  ].join("\n");
}

/**
 * A counterexample's text: its scenario, its history and why it fails; or, for a scenario that
 * crashed its adapter's process every time it ran (no history), how the process ended.
 */
export function counterexampleBody(cx: { scenario: Scenario; history: { events: HistoryEvent[] }; check: CheckResult; crash?: string }, callText: CallRenderer = plainCalls): string {
  if (cx.crash === undefined) return checkText(cx.scenario, cx.history.events, cx.check, callText);
  return ["Scenario:", indent(scenarioText(cx.scenario, callText)), "No history: the adapter crashed.", indent(cx.crash)].join("\n");
}

const indent = (s: string) => s.split("\n").map((l) => `  ${l}`).join("\n");
