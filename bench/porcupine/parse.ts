/**
 * Parsers for Porcupine's benchmark histories (anishathalye/porcupine, test_data/),
 * producing mpspec histories (conformance/history/types.ts).
 *
 * Both formats are Jepsen logs: one line per event, `:invoke` then, from the same
 * process, the `:ok` / `:fail` / `:info` that answers it. The logs have no clock,
 * so the time of an event is the 0-based index of its line in the file: an
 * invoke is stamped with the index of its `:invoke` line, a response with the
 * index of the line that answers it. That gives exactly the real-time order
 * Porcupine's own parser builds (it lists call and return events in line order).
 *
 * Outcomes whose effect is unknown become `{ kind: "pending" }` with response
 * null: `:info` answers (Jepsen: the process crashed mid-call), `:fail :read
 * :timed-out` (etcd), and invokes never answered before the end of the log.
 * Porcupine does the same in effect: it gives these calls an "unknown" output
 * that every state accepts, returned at the end of the history (for :info and
 * unanswered calls) or at the :fail line (for timed-out reads, which change no
 * state, so where they return does not matter).
 *
 * Actors are "p<process>". A pending call is the last thing its actor does in an
 * mpspec history, but Jepsen lets a process go on after a timed-out read (and
 * would number a crashed process afresh after `:info`). So a pending call that is
 * followed by more calls of the same process is moved to an actor of its own,
 * "p<process>/pending-<k>" (k = 1, 2, ... per process); the process's later
 * calls stay on "p<process>". In Porcupine's data this happens only for the
 * timed-out reads of etcd_100..102; after `:info`, processes never reappear.
 */
import type { JsonValue } from "../../spec/format.js";
import type { History, HistoryEvent } from "../../conformance/history/types.js";
import type { ObjectDecl } from "../../conformance/scenario/types.js";

/** Object id of the single register in the etcd histories. */
export const ETCD_OBJECT = "r";
/** Object id of a kv key. */
export const kvObjectId = (key: string): string => `k${key}`;
export const actorOf = (process: number): string => `p${process}`;

export class ParseError extends Error {
  constructor(line: number, message: string, text?: string) {
    super(`line ${line + 1}: ${message}${text === undefined ? "" : `: ${JSON.stringify(text)}`}`);
    this.name = "ParseError";
  }
}

/** One parsed Jepsen line, independent of the log's syntax. */
interface Entry {
  index: number;
  process: number;
  type: "invoke" | "ok" | "fail" | "info";
  f: string;
  /** Raw value: etcd gives number | null | [a, b] | ":timed-out"; kv gives string | null. */
  value: unknown;
  key?: string;
  text: string;
}

/** How one log format turns an (invoke, answer) pair into a history event. */
interface Dialect {
  object(invoke: Entry): string;
  args(invoke: Entry): Record<string, JsonValue>;
  /** The outcome for a definite answer (:ok or :fail); null = unknown (pending). */
  outcome(invoke: Entry, answer: Entry): HistoryEvent["outcome"] | null;
}

function assemble(entries: Entry[], dialect: Dialect): History {
  const events: HistoryEvent[] = [];
  const open = new Map<number, { entry: Entry; event: HistoryEvent }>();
  for (const e of entries) {
    if (e.type === "invoke") {
      if (open.has(e.process)) {
        throw new ParseError(e.index, `process ${e.process} invokes while its call on line ${open.get(e.process)!.entry.index + 1} is unanswered`, e.text);
      }
      const event: HistoryEvent = {
        actor: actorOf(e.process),
        object: dialect.object(e),
        op: e.f,
        args: dialect.args(e),
        invoke: e.index,
        response: null,
        outcome: { kind: "pending" },
      };
      events.push(event);
      open.set(e.process, { entry: e, event });
      continue;
    }
    const call = open.get(e.process);
    if (call === undefined) throw new ParseError(e.index, `process ${e.process} answers no open call`, e.text);
    if (call.entry.f !== e.f) {
      throw new ParseError(e.index, `answer :${e.f} does not match the open :${call.entry.f} of process ${e.process}`, e.text);
    }
    if (e.key !== undefined && call.entry.key !== undefined && e.key !== call.entry.key) {
      throw new ParseError(e.index, `answer key ${JSON.stringify(e.key)} does not match the invoked key ${JSON.stringify(call.entry.key)}`, e.text);
    }
    open.delete(e.process);
    const outcome = e.type === "info" ? null : dialect.outcome(call.entry, e);
    if (outcome !== null) {
      call.event.outcome = outcome;
      call.event.response = e.index;
    }
  }
  // Calls still open at the end stay pending.
  return { events: separatePending(events) };
}

/** Move every pending call that its actor follows with more calls onto an actor of its own. */
function separatePending(events: HistoryEvent[]): HistoryEvent[] {
  const lastInvoke = new Map<string, number>();
  for (const ev of events) lastInvoke.set(ev.actor, Math.max(lastInvoke.get(ev.actor) ?? -Infinity, ev.invoke));
  const counters = new Map<string, number>();
  for (const ev of events) {
    if (ev.outcome.kind === "pending" && ev.invoke < lastInvoke.get(ev.actor)!) {
      const k = (counters.get(ev.actor) ?? 0) + 1;
      counters.set(ev.actor, k);
      ev.actor = `${ev.actor}/pending-${k}`;
    }
  }
  return events;
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

// ---------------------------------------------------------------- etcd (Jepsen register)

const ETCD_LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

function etcdValue(raw: string, index: number, line: string): unknown {
  if (raw === "nil") return null;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  const pair = /^\[\s*(-?\d+)\s+(-?\d+)\s*\]$/.exec(raw);
  if (pair) return [Number(pair[1]), Number(pair[2])];
  if (/^:[\w-]+$/.test(raw)) return raw; // a keyword such as :timed-out
  throw new ParseError(index, `unreadable value ${JSON.stringify(raw)}`, line);
}

const etcdDialect: Dialect = {
  object: () => ETCD_OBJECT,
  args(e): Record<string, JsonValue> {
    switch (e.f) {
      case "read":
        return {};
      case "write":
        if (typeof e.value !== "number") throw new ParseError(e.index, "write needs an integer", e.text);
        return { value: e.value };
      case "cas": {
        const v = e.value;
        if (!Array.isArray(v)) throw new ParseError(e.index, "cas needs [expected new]", e.text);
        return { expected: v[0] as number, new: v[1] as number };
      }
      default:
        throw new ParseError(e.index, `unknown operation :${e.f}`, e.text);
    }
  },
  outcome(invoke, answer) {
    if (answer.value === ":timed-out") {
      // Only seen as `:fail :read :timed-out`; whatever the op, a timeout says nothing definite.
      return null;
    }
    switch (invoke.f) {
      case "read":
        if (answer.type !== "ok") break;
        if (answer.value !== null && typeof answer.value !== "number") break;
        return { kind: "returned", value: answer.value as number | null };
      case "write":
        if (answer.type !== "ok") break;
        return { kind: "returned", value: null };
      case "cas":
        return { kind: "returned", value: answer.type === "ok" };
    }
    throw new ParseError(answer.index, `unexpected answer to :${invoke.f}`, answer.text);
  },
};

/**
 * Parse one Jepsen etcd log (Porcupine's test_data/jepsen/etcd_NNN.log): one
 * compare-and-set register, object "r", ops read() / write(value) / cas(expected, new).
 * Fields may be separated by tabs or runs of spaces (both occur). Blank lines are
 * skipped; any other line that is not a register event is an error.
 */
export function parseEtcdLog(text: string): History {
  const entries: Entry[] = [];
  splitLines(text).forEach((line, index) => {
    if (line.trim() === "") return;
    const m = ETCD_LINE.exec(line);
    if (!m) throw new ParseError(index, "not a Jepsen register event", line);
    entries.push({
      index,
      process: Number(m[1]),
      type: m[2] as Entry["type"],
      f: m[3],
      value: etcdValue(m[4], index, line),
      text: line,
    });
  });
  return assemble(entries, etcdDialect);
}

// ---------------------------------------------------------------- kv (EDN maps)

export type Edn = null | boolean | number | string | { keyword: string } | { symbol: string } | Edn[] | Map<Edn, Edn>;

/**
 * Read one EDN form. Enough of EDN for Jepsen operation maps: maps, vectors and
 * lists, strings (with escapes), keywords, integers, decimals, nil/true/false,
 * symbols; commas are whitespace. Keywords come back as {keyword: "name"} (no
 * colon), and map keys that are keywords are stored under "name" in the
 * record returned by `readEdnMap`.
 */
export function readEdn(text: string): Edn {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === ",") i++;
      else if (c === ";") while (i < text.length && text[i] !== "\n") i++;
      else break;
    }
  };
  const fail = (msg: string): never => {
    throw new Error(`EDN: ${msg} at offset ${i} in ${JSON.stringify(text)}`);
  };
  const DELIM = /[\s,()[\]{}"]/;
  const atom = (): string => {
    const start = i;
    while (i < text.length && !DELIM.test(text[i])) i++;
    return text.slice(start, i);
  };
  const form = (): Edn => {
    ws();
    if (i >= text.length) fail("unexpected end");
    const c = text[i];
    if (c === "{" || c === "[" || c === "(") {
      const close = c === "{" ? "}" : c === "[" ? "]" : ")";
      i++;
      const items: Edn[] = [];
      for (;;) {
        ws();
        if (i >= text.length) fail(`missing ${close}`);
        if (text[i] === close) {
          i++;
          break;
        }
        items.push(form());
      }
      if (c !== "{") return items;
      if (items.length % 2 !== 0) fail("map with an odd number of forms");
      const m = new Map<Edn, Edn>();
      for (let k = 0; k < items.length; k += 2) m.set(items[k], items[k + 1]);
      return m;
    }
    if (c === '"') {
      i++;
      let s = "";
      for (;;) {
        if (i >= text.length) fail("unterminated string");
        const d = text[i++];
        if (d === '"') break;
        if (d !== "\\") {
          s += d;
          continue;
        }
        const esc = text[i++];
        const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\", b: "\b", f: "\f" };
        if (esc in map) s += map[esc];
        else if (esc === "u") {
          s += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else fail(`bad escape \\${esc}`);
      }
      return s;
    }
    if (c === ":") {
      i++;
      const name = atom();
      if (name === "") fail("empty keyword");
      return { keyword: name };
    }
    const a = atom();
    if (a === "") fail(`unexpected ${JSON.stringify(c)}`);
    if (a === "nil") return null;
    if (a === "true") return true;
    if (a === "false") return false;
    if (/^[+-]?\d+N?$/.test(a)) return Number(a.replace(/N$/, ""));
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?M?$/.test(a)) return Number(a.replace(/M$/, ""));
    return { symbol: a };
  };
  const v = form();
  ws();
  if (i !== text.length) fail("trailing text");
  return v;
}

const isKeyword = (v: Edn): v is { keyword: string } => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map) && "keyword" in v;

/** Read an EDN map whose keys are keywords into a record keyed by keyword name. */
export function readEdnMap(text: string): Record<string, Edn> {
  const v = readEdn(text);
  if (!(v instanceof Map)) throw new Error(`EDN: not a map: ${JSON.stringify(text)}`);
  const out: Record<string, Edn> = {};
  for (const [k, val] of v) {
    if (!isKeyword(k)) throw new Error(`EDN: map key is not a keyword in ${JSON.stringify(text)}`);
    out[k.keyword] = val;
  }
  return out;
}

const kvDialect: Dialect = {
  object: (e) => kvObjectId(e.key!),
  args(e): Record<string, JsonValue> {
    switch (e.f) {
      case "get":
        return {};
      case "put":
      case "append":
        if (typeof e.value !== "string") throw new ParseError(e.index, `:${e.f} needs a string value`, e.text);
        return { value: e.value };
      default:
        throw new ParseError(e.index, `unknown operation :${e.f}`, e.text);
    }
  },
  outcome(invoke, answer) {
    if (answer.type !== "ok") {
      // Porcupine's kv logs hold only :ok answers; a :fail would mean "did not happen",
      // which an mpspec history cannot say for get/put/append.
      throw new ParseError(answer.index, `unsupported :${answer.type} answer`, answer.text);
    }
    if (invoke.f === "get") {
      if (answer.value !== null && typeof answer.value !== "string") throw new ParseError(answer.index, "get read a non-string", answer.text);
      return { kind: "returned", value: answer.value ?? "" };
    }
    return { kind: "returned", value: null };
  },
};

/**
 * Parse one Porcupine kv log (test_data/kv/*.txt): EDN maps
 * `{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 1 y"}`.
 * Each key is its own object, id `k<key>`; ops get() / put(value) / append(value);
 * a get that reads nil returns "" (Porcupine's kv model: a missing key reads as "").
 */
export function parseKvLog(text: string): History {
  const entries: Entry[] = [];
  splitLines(text).forEach((line, index) => {
    if (line.trim() === "") return;
    let m: Record<string, Edn>;
    try {
      m = readEdnMap(line);
    } catch (err) {
      throw new ParseError(index, (err as Error).message);
    }
    const kw = (name: string): string => {
      const v = m[name];
      if (!isKeyword(v)) throw new ParseError(index, `:${name} is not a keyword`, line);
      return v.keyword;
    };
    const proc = m.process;
    if (typeof proc !== "number" || !Number.isInteger(proc)) throw new ParseError(index, ":process is not an integer", line);
    const type = kw("type");
    if (!["invoke", "ok", "fail", "info"].includes(type)) throw new ParseError(index, `unknown :type :${type}`, line);
    const key = m.key;
    if (typeof key !== "string" && typeof key !== "number") throw new ParseError(index, ":key is not a string or integer", line);
    entries.push({ index, process: proc, type: type as Entry["type"], f: kw("f"), value: m.value, key: String(key), text: line });
  });
  return assemble(entries, kvDialect);
}

// ---------------------------------------------------------------- objects

const PRIMITIVE_OPS: Record<string, string[]> = {
  CasRegister: ["read", "write", "cas"],
  KV: ["get", "put", "append"],
};

/**
 * The objects a parsed history uses, in order of first use: "CasRegister" for
 * objects called with read/write/cas, "KV" for get/put/append (no constructor args).
 */
export function objectsOf(history: History): ObjectDecl[] {
  const ops = new Map<string, Set<string>>();
  for (const ev of history.events) {
    if (!ops.has(ev.object)) ops.set(ev.object, new Set());
    ops.get(ev.object)!.add(ev.op);
  }
  return [...ops].map(([id, used]) => {
    const primitive = Object.keys(PRIMITIVE_OPS).find((p) => [...used].every((op) => PRIMITIVE_OPS[p].includes(op)));
    if (primitive === undefined) throw new Error(`object ${id}: ops ${[...used].join(", ")} fit no bench primitive`);
    return { id, primitive, args: {} };
  });
}
