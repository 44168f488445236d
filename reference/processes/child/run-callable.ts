/**
 * Child side of observeCallable (../observe-callable.ts): receives one {value, args}, calls the worker
 * callable, sends back what it returned or raised, and exits 0. A callable that ends the process
 * (os_exit, kill_self) never sends: its parent sees the exit. Calls on other objects go to the
 * parent's broker (./broker-client.ts), as a Process's child's do.
 */
import { checkCallable, resolveCallable } from "../../callables.js";
import { PythonError } from "../../implementation.js";
import { brokerCall } from "./broker-client.js";

process.once("message", async (m: { value: unknown; args: unknown[] }) => {
  let out: unknown;
  try {
    out = { kind: "ok", value: await resolveCallable(checkCallable(m.value), brokerCall)(...m.args) };
  } catch (e) {
    out = e instanceof PythonError ? { kind: "raise", type: e.pyType, args: e.pyArgs } : { kind: "raise", type: "mpspec.InternalError", args: [String(e)] };
  }
  process.send!(out, () => process.exit(0));
});
