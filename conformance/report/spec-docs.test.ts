// The readable spec pages: every rule has one anchor, every table is well formed, internal
// links land, and the committed reports/spec/ is what `npx mpspec docs` makes of spec/primitives now.
import { describe, expect, test } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadSpecDir } from "../spec/load.js";
import { pythonForm, ruleAnchor, specDocs, writeSpecDocs } from "./spec-docs.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const specs = loadSpecDir();
const docs = specDocs(specs);

const count = (text: string, needle: string) => text.split(needle).length - 1;

/** Ids of all rules (operations and phases) and internal steps of a document. */
function ids(doc: (typeof specs)[number]["doc"]): string[] {
  const out: string[] = [];
  // A handle's operations (Pool's AsyncResult.get) are the document's too.
  for (const op of [...Object.values(doc.operations), ...Object.values(doc.handles ?? {}).flatMap((h) => Object.values(h.operations))]) {
    out.push(...op.rules.map((r) => r.id));
    for (const ph of Object.values(op.phases ?? {})) out.push(...ph.rules.map((r) => r.id));
  }
  out.push(...(doc.internal ?? []).map((s) => s.id), ...(doc.construction?.rules ?? []).map((r) => r.id));
  return out;
}

/** Cells of a table row, split at the pipes that are not escaped. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, "").replace(/\|$/, "").split(/(?<!\\)\|/);
}

describe("spec docs", () => {
  test("one page per primitive, and the index", () => {
    expect([...docs.keys()]).toEqual(["README.md", ...specs.map((s) => s.primitive).sort().map((p) => `${p}.md`)]);
  });

  test("every rule and internal step id appears in its page exactly once as an anchor", () => {
    for (const s of specs) {
      const page = docs.get(`${s.primitive}.md`)!;
      for (const id of ids(s.doc)) {
        expect(count(page, `<a id="${ruleAnchor(id)}"></a>`), `${s.primitive}.md: anchor of ${id}`).toBe(1);
        expect(page, `${s.primitive}.md names ${id}`).toContain("`" + id + "`");
      }
    }
    expect(ruleAnchor("Pipe.send.read-only")).toBe("pipe-send-read-only");
    expect(docs.get("Pipe.md")).toContain('<a id="pipe-send-read-only"></a>');
  });

  test("anchors are unique in each page, and every link into a page lands on one", () => {
    const anchors = new Map<string, Set<string>>();
    for (const [name, text] of docs) {
      const list = [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!);
      expect(list.length - new Set(list).size, `${name}: duplicate anchors`).toBe(0);
      anchors.set(name, new Set(list));
    }
    for (const [name, text] of docs) {
      for (const m of text.matchAll(/\]\(([A-Za-z]*\.md)?#([^)\s]+)\)/g)) {
        const target = m[1] ?? name;
        if (target === "README.md") continue; // headings of the index, GitHub's own slugs
        expect(anchors.get(target)?.has(m[2]!), `${name}: link ${m[0]}`).toBe(true);
      }
    }
  });

  test("the index lists every primitive, with its counts", () => {
    const index = docs.get("README.md")!;
    for (const s of specs) {
      const row = index.split("\n").find((l) => l.startsWith(`| [${s.primitive}](${s.primitive}.md) |`));
      expect(row, `index row of ${s.primitive}`).toBeDefined();
      for (const [p, info] of Object.entries(s.doc.profiles)) expect(row).toContain(`${p}: \`${info.callable}\``);
      const c = cells(row!);
      expect(Number(c[2])).toBe(Object.keys(s.doc.operations).length + Object.values(s.doc.handles ?? {}).reduce((k, h) => k + Object.keys(h.operations).length, 0));
      expect(Number(c[3])).toBe(ids(s.doc).length - (s.doc.internal?.length ?? 0));
    }
    expect(index).toMatch(/## Levels/);
    expect(index).toMatch(/documentedOnly/);
    expect(index).toMatch(/## How to read a rule/);
  });

  test("Markdown tables have the same number of cells in every row (no unescaped | in a cell)", () => {
    for (const [name, text] of docs) {
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.startsWith("|") || (i > 0 && lines[i - 1]!.startsWith("|"))) continue;
        const width = cells(lines[i]!).length;
        expect(lines[i + 1], `${name}:${i + 2}: delimiter row`).toMatch(/^\|(---\|)+$/);
        expect(cells(lines[i + 1]!).length, `${name}:${i + 2}`).toBe(width);
        for (let j = i + 2; j < lines.length && lines[j]!.startsWith("|"); j++) {
          expect(cells(lines[j]!).length, `${name}:${j + 1}: ${lines[j]!.slice(0, 120)}`).toBe(width);
          expect(lines[j], `${name}:${j + 1}: row ends with a pipe`).toMatch(/\|$/);
        }
      }
    }
  });

  test("operation headings show the Python form of the call", () => {
    const spec = (p: string) => specs.find((s) => s.primitive === p)!;
    expect(pythonForm(spec("Pipe"), "send_bytes")).toBe("conn.send_bytes(buf, offset=0, size=None)");
    expect(pythonForm(spec("Array"), "setitem")).toBe("a[index] = value");
    expect(pythonForm(spec("Array"), "locked_increment")).toBe("with a.get_lock(): a[index] += delta");
    expect(pythonForm(spec("Array"), "raw_item")).toBe("a.get_obj()[index]");
    expect(pythonForm(spec("Value"), "value")).toBe("v.value");
    expect(pythonForm(spec("Value"), "raw_value")).toBe("v.get_obj().value");
    expect(pythonForm(spec("Barrier"), "n_waiting")).toBe("barrier.n_waiting");
    expect(docs.get("Pipe.md")).toContain('### <a id="op-send_bytes"></a>send_bytes: `conn.send_bytes(buf, offset=0, size=None)`');
    expect(docs.get("Array.md")).toContain('<a id="op-increment-write"></a>');
  });

  test("the output is deterministic", () => {
    expect(specDocs(loadSpecDir())).toEqual(docs);
    expect(specDocs([...specs].reverse())).toEqual(docs);
    for (const [name, text] of docs) expect(text, name).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
  });

  test("writeSpecDocs writes the pages and removes the stale ones it wrote, not other files", () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-docs-"));
    try {
      writeFileSync(join(dir, "Gone.md"), `${docs.get("Lock.md")!}`);
      writeFileSync(join(dir, "notes.md"), "# hand-written\n");
      const lock = specs.filter((s) => s.primitive === "Lock");
      expect(writeSpecDocs(dir, lock)).toEqual(["README.md", "Lock.md"]);
      expect(readdirSync(dir).sort()).toEqual(["Lock.md", "README.md", "notes.md"]);
      expect(readFileSync(join(dir, "Lock.md"), "utf8")).toBe(docs.get("Lock.md"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reports/spec/ is up to date with spec/primitives (run `npx mpspec docs`)", () => {
    const dir = join(root, "reports/spec");
    const stale: string[] = [];
    for (const [name, text] of docs) {
      const path = join(dir, name);
      if (!existsSync(path)) stale.push(`${name} (missing)`);
      else if (readFileSync(path, "utf8") !== text) stale.push(`${name} (differs)`);
    }
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) {
        if (f.endsWith(".md") && !docs.has(f) && readFileSync(join(dir, f), "utf8").startsWith("<!-- Generated by `npx mpspec docs`")) {
          stale.push(`${f} (no longer generated)`);
        }
      }
    }
    expect(stale, `reports/spec/ is out of date with spec/primitives: run \`npx mpspec docs\` to regenerate`).toEqual([]);
  });
});
