/**
 * Start a child Node process from a module URL that may be TypeScript source (tests and
 * development: tsx's loader) or compiled JavaScript, with structured-clone IPC ('advanced'
 * serialization, so bigints and buffers cross). And Python's view of how it ended.
 */
import { fork, type ChildProcess, type ForkOptions } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";

export function forkModule(moduleUrl: URL, args: string[] = [], options: ForkOptions = {}): ChildProcess {
  const ts = moduleUrl.pathname.endsWith(".ts");
  return fork(fileURLToPath(moduleUrl), args, { ...options, serialization: "advanced", execArgv: ts ? ["--import", "tsx"] : [] });
}

/** Python's exitcode for a child that ended: its exit status, or minus the signal that killed it. */
export function pythonExitcode(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return -(constants.signals[signal] ?? 0);
  return code ?? 0;
}
