/** For loader tests: the SpecError message a spec document's text gets (fails the test if it loads). */
import { expect } from "vitest";
import { loadSpecText, SpecError } from "../spec/load.js";

export function specProblem(text: string): string {
  try {
    loadSpecText(text, "x.yaml");
  } catch (e) {
    expect(e).toBeInstanceOf(SpecError);
    return (e as Error).message;
  }
  throw new Error("expected a SpecError");
}
