// Which primitives an adapter is asked to run: a spec that only threads of the creating process
// may call (callers: threads, Process) is unsupported by an adapter that runs no thread actors.
import { expect, test } from "vitest";
import type { Adapter } from "../adapter/types.js";
import { loadSpecDir } from "../spec/load.js";
import { unsupportedReason } from "./suite.js";

const process = loadSpecDir().find((s) => s.primitive === "Process")!;
const adapter = (actorKinds: ("threads" | "processes")[]) =>
  ({ capabilities: { primitives: ["Process"], profiles: ["multiprocessing"], actorKinds } }) as unknown as Adapter;

test("callers: threads needs an adapter with thread actors", () => {
  expect(process.doc.callers).toBe("threads");
  expect(unsupportedReason(process, adapter(["processes"]), "multiprocessing")).toMatch(/called from threads of the process that created it only/);
  expect(unsupportedReason(process, adapter(["processes", "threads"]), "multiprocessing")).toBeUndefined();
});
