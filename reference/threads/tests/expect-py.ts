import { expect } from "vitest";
import { PythonError } from "../../implementation.js";

/** Expect `f` to throw PythonError(pyType, message) exactly. */
export function expectPyError(f: () => unknown, pyType: string, message: string): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected ${pyType}: ${message}`).toBeInstanceOf(PythonError);
  const e = thrown as PythonError;
  expect({ pyType: e.pyType, message: e.message }).toEqual({ pyType, message });
}
