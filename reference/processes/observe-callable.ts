/**
 * Run one worker callable in a child process of its own and report what it did, in the terms of
 * spec/callables.ts: ok(value) | raise(type, args) | exit(code) | signal(n), with the child's pid.
 * The vocabulary's test compares this with what the spec computes.
 *
 * A parameter `{"$object": "<Primitive>"}` (a vocabulary example's) stands for a fresh object of
 * that primitive: it is built here, in the parent, whose broker serves the child's calls on it as
 * a Process's owner does (./broker.ts).
 */
import type { JsonValue } from "../../spec/format.js";
import { forkModule, pythonExitcode } from "./fork.js";
import { siblingUrl } from "../spawn-worker.js";
import { checkCallable, mapObjectParams, type CallableValue } from "../callables.js";
import type { ObjectHandle } from "../implementation.js";
import { brokered, serveBroker } from "./broker.js";

export type ObservedOutcome =
  | { kind: "ok"; value: unknown; pid: number }
  | { kind: "raise"; type: string; args: unknown[]; pid: number }
  | { kind: "exit"; code: number; pid: number }
  | { kind: "signal"; signal: number; pid: number };

/**
 * `value` as the child receives it, each `{"$object": "<Primitive>"}` parameter a fresh object
 * served by the broker; a malformed value goes as it is (the child refuses it, naming it).
 */
async function prepare(value: unknown): Promise<{ sent: unknown; objects: ObjectHandle[] }> {
  let checked: CallableValue;
  try {
    checked = checkCallable(value);
  } catch {
    return { sent: value, objects: [] };
  }
  // Imported here: module.ts imports this folder's files while it loads (its top-level await).
  const { create } = await import("../threads/module.js");
  const fresh = mapObjectParams(checked, (ref, primitive) => {
    if (ref !== primitive) throw new TypeError(`${JSON.stringify(value)}: an example's {"$object": ...} names the parameter's primitive, {"$object": "${primitive}"}`);
    return create(primitive, "multiprocessing", FRESH_ARGS[primitive] ?? []).handle();
  });
  const { wire, objects } = brokered(fresh);
  return { sent: wire, objects };
}

/** Constructor arguments of an example's fresh object, where it needs some (as mpspec_py/callables.py's FRESH_ARGS). */
const FRESH_ARGS: Readonly<Record<string, JsonValue[]>> = { Value: ["i", 0] };

export async function observeCallable(value: unknown, args: unknown[], timeoutMs = 20_000): Promise<ObservedOutcome> {
  const { sent, objects } = await prepare(value);
  const child = forkModule(siblingUrl(import.meta.url, "./child/run-callable"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  if (objects.length > 0) serveBroker(child, objects);
  return new Promise((resolve, reject) => {
    let outcome: { kind: string } | undefined;
    // Nothing hangs: a child that neither answers nor ends is killed and named.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`observeCallable(${JSON.stringify(value)}): no outcome within ${timeoutMs} ms; the child was killed`));
    }, timeoutMs);
    // The child's outcome; its calls on objects ({call}) are the broker's.
    child.on("message", (m: { kind?: string }) => {
      if (typeof m?.kind === "string") outcome = m as { kind: string };
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const pid = child.pid!;
      const exitcode = pythonExitcode(code, signal);
      if (exitcode < 0) resolve({ kind: "signal", signal: -exitcode, pid });
      else if (outcome && exitcode === 0) resolve({ ...(outcome as ObservedOutcome), pid });
      else resolve({ kind: "exit", code: exitcode, pid });
    });
    child.send({ value: sent, args });
  });
}
