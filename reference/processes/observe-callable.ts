/**
 * Run one worker callable in a child process of its own and report what it did, in the terms of
 * spec/callables.ts: ok(value) | raise(type, args) | exit(code) | signal(n), with the child's pid.
 * The vocabulary's test compares this with what the spec computes.
 */
import { forkModule, pythonExitcode } from "./fork.js";
import { siblingUrl } from "../spawn-worker.js";

export type ObservedOutcome =
  | { kind: "ok"; value: unknown; pid: number }
  | { kind: "raise"; type: string; args: unknown[]; pid: number }
  | { kind: "exit"; code: number; pid: number }
  | { kind: "signal"; signal: number; pid: number };

export function observeCallable(value: unknown, args: unknown[], timeoutMs = 20_000): Promise<ObservedOutcome> {
  const child = forkModule(siblingUrl(import.meta.url, "./child/run-callable"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    let sent: { kind: string } | undefined;
    // Nothing hangs: a child that neither answers nor ends is killed and named.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`observeCallable(${JSON.stringify(value)}): no outcome within ${timeoutMs} ms; the child was killed`));
    }, timeoutMs);
    child.on("message", (m) => (sent = m as { kind: string }));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const pid = child.pid!;
      const exitcode = pythonExitcode(code, signal);
      if (exitcode < 0) resolve({ kind: "signal", signal: -exitcode, pid });
      else if (sent && exitcode === 0) resolve({ ...(sent as ObservedOutcome), pid });
      else resolve({ kind: "exit", code: exitcode, pid });
    });
    child.send({ value, args });
  });
}
