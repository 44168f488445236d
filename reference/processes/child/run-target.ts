/**
 * A Process's child (../process.ts): receives {target, args}, runs the worker callable and exits as
 * CPython's BaseProcess._bootstrap does: 0 after a return; for SystemExit, 0 (no argument or None),
 * the int (a bool as 0 or 1), or 1 with the argument on stderr; 1 after any other exception.
 * os_exit and kill_self end the process themselves. A target that calls other scenario objects
 * (set_event, put_to) reaches them through the parent (./broker-client.ts) and is awaited before the exit,
 * as are Python's exit functions for them (a queue's feeder thread joined: runExitFunctions).
 */
import { checkCallable, resolveCallable } from "../../callables.js";
import { PythonError } from "../../implementation.js";
import { brokerCall, runExitFunctions } from "./broker-client.js";

function exitCodeOf(e: unknown): number {
  if (!(e instanceof PythonError)) return 1;
  if (e.pyType !== "SystemExit") return 1;
  const [code] = e.pyArgs;
  if (code === undefined || code === null) return 0;
  if (typeof code === "boolean") return code ? 1 : 0;
  if (typeof code === "number" && Number.isInteger(code)) return code;
  process.stderr.write(`${String(code)}\n`);
  return 1;
}

process.once("message", async (m: { target: unknown; args: unknown[]; exitFunctions?: boolean }) => {
  let code = 0;
  try {
    await resolveCallable(checkCallable(m.target), brokerCall)(...m.args);
  } catch (e) {
    code = exitCodeOf(e);
  }
  // Python's exit functions (a queue's feeder joined) run after the target, whatever it did.
  if (m.exitFunctions !== false) await runExitFunctions();
  // The exit status keeps the low 8 bits, as the OS does for Python's os._exit(code).
  process.exit(((code % 256) + 256) % 256);
});
