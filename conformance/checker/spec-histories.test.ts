// Every spec document's hand-written histories (spec/primitives/<P>.histories.yaml, and the drafts'
// in spec/drafts; format in spec/histories.ts): the document must judge each as the case says, at
// each level it names.
import { describe, expect, test } from "vitest";
import { judgeCase, loadHistoriesDir } from "../spec/histories.js";
import { DRAFTS_DIR, loadSpecDir } from "../spec/load.js";
import { checkHistory } from "./linearize.js";

const specs = new Map([...loadSpecDir(), ...loadSpecDir(DRAFTS_DIR)].map((s) => [s.primitive, s]));
const files = [...loadHistoriesDir(), ...loadHistoriesDir(DRAFTS_DIR)];

test("histories files exist and name primitives of the spec", () => {
  expect(files.length).toBeGreaterThan(0);
  for (const { file, doc } of files) expect(specs.has(doc.primitive), `${file}: primitive ${doc.primitive}`).toBe(true);
});

for (const { file, doc } of files) {
  describe(`${doc.primitive} histories (${file.split("/").pop()})`, () => {
    for (const c of doc.cases) {
      test(c.name, () => {
        const judged = judgeCase(specs.get(doc.primitive)!, doc, c, (objects, events, options) => checkHistory((p) => specs.get(p)!, objects, { events }, options));
        expect(judged.length).toBeGreaterThan(0);
        for (const j of judged) expect(j.ok, `${j.level} level: ${j.verdict}, contradicts [${j.contradicted.join(", ")}]; expected ${j.wanted}`).toBe(true);
      });
    }
  });
}
