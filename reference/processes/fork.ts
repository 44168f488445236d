/**
 * Start a child Node process from a module URL that may be TypeScript source (tests and
 * development) or compiled JavaScript, with structured-clone IPC ('advanced' serialization, so
 * bigints and buffers cross). And Python's view of how it ended.
 *
 * TypeScript source is bundled once per parent process with esbuild (tsx's own compiler) into a
 * cached .mjs file, and that is what children run: a child under tsx's loader takes ~0.85 s to
 * start, a plain one ~0.12 s, and a Pool with maxtasksperchild starts one per task or two.
 */
import { fork, type ChildProcess, type ForkOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { spawnWorker } from "../spawn-worker.js";

const bundles = new Map<string, string | null>();

/**
 * The child module bundled into one .mjs file (cached by content in the temp folder, under its
 * folder's name: `reference-processes/actor-child-<hash>.mjs`), or null when the bundle would
 * read import.meta (a module that finds files beside it, which a bundle elsewhere would miss):
 * that one runs under tsx.
 */
function bundled(path: string): string | null {
  const known = bundles.get(path);
  if (known !== undefined) return known;
  // esbuild comes with tsx, which running from TypeScript source needs anyway; compiled
  // JavaScript (a Node user's install) never gets here.
  const { buildSync } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");
  const out = buildSync({ entryPoints: [path], bundle: true, platform: "node", format: "esm", target: "node20", write: false, logLevel: "silent" });
  const code = out.outputFiles[0]!.text;
  if (code.includes("import.meta")) {
    bundles.set(path, null);
    return null;
  }
  const dir = join(tmpdir(), "mpspec-children", basename(dirname(path)));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${basename(path, ".ts")}-${createHash("sha256").update(code).digest("hex").slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    // Written aside then renamed: parents starting at once never run a half-written file.
    const part = `${file}.${process.pid}.part`;
    writeFileSync(part, code);
    renameSync(part, file);
  }
  bundles.set(path, file);
  return file;
}

/**
 * A worker thread running the module (`argv` its process.argv extras): the bundle forkModule's
 * children run, or TypeScript under tsx's loader when the module cannot be bundled.
 */
export function threadModule(moduleUrl: URL, argv: string[] = []): Worker {
  const path = fileURLToPath(moduleUrl);
  const file = path.endsWith(".ts") ? bundled(path) : path;
  return file === null ? spawnWorker(moduleUrl, { argv }) : new Worker(file, { argv });
}

export function forkModule(moduleUrl: URL, args: string[] = [], options: ForkOptions = {}): ChildProcess {
  const path = fileURLToPath(moduleUrl);
  const file = path.endsWith(".ts") ? bundled(path) : path;
  const child = file === null ? fork(path, args, { ...options, serialization: "advanced", execArgv: ["--import", "tsx"] }) : fork(file, args, { ...options, serialization: "advanced", execArgv: [] });
  // A message sent to a child that has just died (a task that called os._exit) fails with EPIPE,
  // emitted as 'error': without a listener that ends the parent. The child's 'exit' is what its
  // owner acts on (a lost task, a broken executor), so the error itself is dropped here.
  child.on("error", () => undefined);
  return child;
}

/** Python's exitcode for a child that ended: its exit status, or minus the signal that killed it. */
export function pythonExitcode(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return -(constants.signals[signal] ?? 0);
  return code ?? 0;
}
