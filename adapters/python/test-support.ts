/** Shared by the Python adapter's tests: the interpreter, and whether it can run them at all. */
import { execFileSync } from "node:child_process";
import { pythonInterpreter } from "../../conformance/adapter/registry.js";

export const PY = pythonInterpreter();

export const hasPython = (() => {
  try {
    execFileSync(PY, ["-c", "import multiprocessing"], { stdio: "ignore", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();
