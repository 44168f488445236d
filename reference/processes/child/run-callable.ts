/**
 * Child side of observeCallable (../observe-callable.ts): receives one {value, args}, calls the worker
 * callable, sends back what it returned or raised, and exits 0. A callable that ends the process
 * (os_exit, kill_self) never sends: its parent sees the exit.
 */
import { checkCallable, resolveCallable } from "../../callables.js";
import { PythonError } from "../../implementation.js";

process.once("message", (m: { value: unknown; args: unknown[] }) => {
  let out: unknown;
  try {
    out = { kind: "ok", value: resolveCallable(checkCallable(m.value))(...m.args) };
  } catch (e) {
    out = e instanceof PythonError ? { kind: "raise", type: e.pyType, args: e.pyArgs } : { kind: "raise", type: "mpspec.InternalError", args: [String(e)] };
  }
  process.send!(out, () => process.exit(0));
});
