/**
 * Python bytes and bytearray as they cross the adapter protocol
 * (spec/protocol/README.md, "Values that stand for Python objects"):
 * `{"$bytes": "abc"}` is the bytes object b'abc', `{"$bytearray": "abc"}` a new
 * bytearray(b'abc'). The text holds one character per byte (code points
 * 0-255, as latin-1), so JSON carries any byte and ASCII stays readable.
 *
 * In the reference implementation both are a PyBytes; a call returning one is
 * reported as `{"$bytes": ...}`, whichever kind it is (both compare equal in Python).
 */

/** A bytes (immutable) or bytearray (mutable) object. */
export class PyBytes {
  constructor(
    readonly data: Uint8Array,
    readonly mutable: boolean,
  ) {}

  get length(): number {
    return this.data.length;
  }

  /** The protocol form, `{"$bytes": text}`. */
  toJSON(): { $bytes: string } {
    return { $bytes: textOfBytes(this.data) };
  }
}

/** By shape, not instanceof: an implementation module may load its own copy of this file. */
export const isPyBytes = (v: unknown): v is PyBytes =>
  typeof v === "object" && v !== null && (v as PyBytes).data instanceof Uint8Array && typeof (v as PyBytes).mutable === "boolean" && typeof (v as PyBytes).toJSON === "function";

/** The bytes of a protocol text: one byte per character, each at most U+00FF. */
export function bytesOfText(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new TypeError(`${JSON.stringify(text)}: character ${i} (U+${c.toString(16).toUpperCase().padStart(4, "0")}) is not a byte (bytes values hold code points 0-255)`);
    out[i] = c;
  }
  return out;
}

export function textOfBytes(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return s;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `{"$bytes": text}` -> an immutable PyBytes, `{"$bytearray": text}` -> a mutable one;
 * anything else: undefined. A malformed value of either key is a TypeError naming it.
 */
export function decodeBytesValue(v: unknown): PyBytes | undefined {
  if (!isObject(v)) return undefined;
  const key = "$bytes" in v ? "$bytes" : "$bytearray" in v ? "$bytearray" : undefined;
  if (key === undefined) return undefined;
  const text = v[key];
  if (Object.keys(v).length !== 1 || typeof text !== "string") {
    throw new TypeError(`${JSON.stringify(v)} is not a ${key} value: expected {"${key}": "<text, one character per byte>"}`);
  }
  return new PyBytes(bytesOfText(text), key === "$bytearray");
}

/** Python's repr of a bytes object, b'...' (str() of BufferTooShort shows its message this way). */
export function bytesRepr(data: Uint8Array): string {
  const hasSingle = data.includes(0x27);
  const quote = hasSingle && !data.includes(0x22) ? '"' : "'";
  let s = "b" + quote;
  for (const b of data) {
    if (b === 0x5c) s += "\\\\";
    else if (b === 0x09) s += "\\t";
    else if (b === 0x0a) s += "\\n";
    else if (b === 0x0d) s += "\\r";
    else if (b === quote.charCodeAt(0)) s += "\\" + quote;
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += "\\x" + b.toString(16).padStart(2, "0");
  }
  return s + quote;
}

/**
 * A value after a structured clone (v8.deserialize, postMessage) with its PyBytes restored: the
 * clone keeps a PyBytes's fields but not its class. Arrays and plain objects are walked; a plain
 * object of exactly `data` (a Uint8Array) and `mutable` (a boolean) is a PyBytes, which no JSON
 * value can be.
 */
export function reviveBytes(v: unknown): unknown {
  if (typeof v !== "object" || v === null || isPyBytes(v) || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(reviveBytes);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 2 && o.data instanceof Uint8Array && typeof o.mutable === "boolean") return new PyBytes(o.data, o.mutable);
  if (Object.getPrototypeOf(o) !== Object.prototype && Object.getPrototypeOf(o) !== null) return v;
  return Object.fromEntries(keys.map((k) => [k, reviveBytes(o[k])]));
}
