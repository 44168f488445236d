// Every Porcupine benchmark verdict, decided by the spec-driven checker.
import { describe, expect, test } from "vitest";
import { checkCase } from "../checker.js";
import { allCases, hasPorcupineData } from "./data.js";

describe.skipIf(!hasPorcupineData())("Porcupine verdicts", () => {
  const { cases } = hasPorcupineData() ? allCases() : { cases: [] };
  test("the data is all there", () => {
    expect(cases.filter((c) => c.kind === "etcd")).toHaveLength(102);
    expect(cases.filter((c) => c.kind === "kv")).toHaveLength(6);
  });
  for (const c of cases) {
    test(`${c.kind}/${c.name} is ${c.expected ? "linearizable" : "not linearizable"}`, () => {
      expect(checkCase(c).verdict).toBe(c.expected ? "ok" : "violation");
    });
  }
});
