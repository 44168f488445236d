// Every Porcupine benchmark verdict, decided by the spec-driven checker.
import { describe, expect, test } from "vitest";
import { checkCase } from "../checker.js";
import { allCases, missingData } from "./data.js";

// The data is part of the repository: missing data fails here, it is never skipped.
describe("Porcupine verdicts", () => {
  const { cases } = allCases();
  test("the data is all there", () => {
    expect(missingData()).toEqual([]);
  });
  for (const c of cases) {
    test(`${c.kind}/${c.name} is ${c.expected ? "linearizable" : "not linearizable"}`, () => {
      expect(checkCase(c).verdict).toBe(c.expected ? "ok" : "violation");
    });
  }
});
