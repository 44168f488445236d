// Which primitives an adapter is asked to run: a spec that only threads of the creating process
// may call (callers: threads, Process) is unsupported by an adapter that runs no thread actors.
import { expect, test } from "vitest";
import type { Adapter } from "../adapter/types.js";
import { loadSpecDir } from "../spec/load.js";
import { runSuite, suiteExitCode, unsupportedReason } from "./suite.js";

const process = loadSpecDir().find((s) => s.primitive === "Process")!;
const adapter = (actorKinds: ("threads" | "processes")[]) =>
  ({ capabilities: { primitives: ["Process"], profiles: ["multiprocessing"], actorKinds } }) as unknown as Adapter;

test("callers: threads needs an adapter with thread actors", () => {
  expect(process.doc.callers).toBe("threads");
  expect(unsupportedReason(process, adapter(["processes"]), "multiprocessing")).toMatch(/called from threads of the process that created it only/);
  expect(unsupportedReason(process, adapter(["processes", "threads"]), "multiprocessing")).toBeUndefined();
});

// A matrix runs for hours: a campaign that throws (here: an adapter whose run throws a plain
// Error, which the runner does not take for an AdapterError) must cost one cell, not the run.
test("recordThrown: a campaign that throws is that primitive's suite error, and the next primitive still runs", async () => {
  const specs = loadSpecDir().filter((s) => s.primitive === "Lock" || s.primitive === "Event");
  let runs = 0;
  const throwing = {
    info: { name: "t", version: "0" },
    capabilities: { primitives: ["Lock", "Event"], profiles: ["multiprocessing"], actorKinds: ["processes"] },
    run: async () => {
      runs++;
      throw new Error("boom in the model");
    },
    close: async () => {},
  } as unknown as Adapter;
  await expect(runSuite(throwing, specs, { profile: "multiprocessing", runs: 3, seed: 1 })).rejects.toThrow(/boom/);
  runs = 0;
  const out = await runSuite(throwing, specs, { profile: "multiprocessing", runs: 3, seed: 1, recordThrown: true });
  expect(out.map((o) => [o.spec.primitive, o.result?.verdict, o.result?.errorOf])).toEqual(specs.map((s) => [s.primitive, "error", "suite"]));
  expect(out[0]!.result!.error).toMatch(/^the campaign stopped on Error, not on the implementation: .*boom in the model/);
  expect(runs).toBeGreaterThanOrEqual(2); // both primitives were tried
  expect(suiteExitCode(out)).toBe(2);
});
