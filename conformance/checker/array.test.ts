// Array verdicts on hand-written histories are data: spec/primitives/Array.histories.yaml
// (run by spec-histories.test.ts). What stays here is what a verdict does not show.
import { describe, expect, test } from "vitest";
import { loadSpecText, SpecError } from "../spec/load.js";

describe("Array", () => {
  test("documentedOnly needs a documented-level rule", () => {
    const doc = `primitive: T
format: 1
profiles: { p: { callable: m.T } }
state: { x: { init: "0" } }
operations:
  op:
    rules:
      - { id: T.op.r, level: cpython, documentedOnly: true, source: { says: t } }
`;
    expect(() => loadSpecText(doc, "t.yaml")).toThrow(SpecError);
    expect(() => loadSpecText(doc, "t.yaml")).toThrow(/rules\[0\]\.documentedOnly: only a documented-level rule/);
  });
});
