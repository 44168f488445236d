// Barrier verdicts on hand-written histories are data: spec/primitives/Barrier.histories.yaml
// (run by spec-histories.test.ts). What stays here is what a verdict does not show.
import { describe, expect, test } from "vitest";
import { join } from "node:path";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { ev, raised } from "../tests/history-builder.js";
import { checkHistory } from "./linearize.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Barrier.yaml"));

describe("Barrier", () => {
  test("a wait that breaks the barrier before its timeout is explained as returning early", () => {
    const early = checkHistory(() => spec, [{ id: "o0", primitive: "Barrier", args: { parties: 2, action: null, timeout: 0.05 } }], { events: [ev("a0", "wait", { timeout: 0.02 }, [0, 5], raised("threading.BrokenBarrierError"))] }, { profile: "multiprocessing", level: "cpython" });
    expect(early.verdict).toBe("violation");
    expect(early.objects[0]!.stuck!.some((s) => s.returnedBeforeTimeout)).toBe(true);
  });

  test("the attribute reads are carried as form 'get'", () => {
    expect(spec.operations.get("n_waiting")!.form).toBe("get");
    expect(spec.operations.get("wait")!.form).toBe("call");
  });
});
