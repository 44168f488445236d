/**
 * A Lock that misbehaves in the actor (returns garbage, exits, closes the adapter's descriptors,
 * kills itself, writes to stdout) is a FAIL, never an adapter error; a module without a usable Pipe
 * or queue still runs, its plumbing being the adapter's own. Split from broken-modules.test.ts so
 * vitest's workers share the two.
 */
import { describe, expect, test } from "vitest";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { eventually, groupMembers } from "../../conformance/adapter/fixtures/processes.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { hasPython, PY } from "./test-support.js";
import { contradicted, FIXTURES, options, passing, spec, specs } from "./broken-module-support.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";

describe.skipIf(!hasPython)("a misbehaving Lock fails; the plumbing does not depend on the module", () => {
  test.each([
    ["none", "fork", "fail"],
    ["garbage", "fork", "fail"],
    ["sysexit", "fork", "fail"],
    ["sysexit", "spawn", "fail"],
    ["closefds", "fork", "fail"],
    ["closefds", "spawn", "fail"],
    ["sigkill", "spawn", "fail"],
    ["exitlater", "fork", "fail"],
    ["unpickle", "spawn", "fail"],
    // Writing to stdout and stderr breaks no spec rule: it must only not break the protocol.
    ["noisy", "fork", "pass"],
    ["noisy", "spawn", "pass"],
  ] as const)("a Lock whose acquire misbehaves (%s), %s: %s, never an adapter error", async (mode, method, verdict) => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", "badlockmp", "--start-method", method, "--warm", "2"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES, BADLOCK: mode },
    });
    const pgid = a.pid!;
    try {
      const r = await runCampaign(spec("Lock"), a, verdict === "pass" ? { ...passing, runs: 25, seed: 6 } : { ...options, runs: 15, seed: 6 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe(verdict);
      // exitlater's process dies after its acquire returned: whichever call comes next shows it.
      const shows = mode === "exitlater" ? "Lock." : "Lock.acquire.";
      if (verdict === "fail") expect(contradicted(r).some((id) => id.startsWith(shows)), contradicted(r).join(", ")).toBe(true);
      expect(a.pid).toBe(pgid);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 120_000);

  test.each(["fork", "spawn"])("a module whose Pipe and queues cannot be made, %s: its Lock passes (the plumbing is the adapter's own)", async (method) => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", "nopipemp", "--start-method", method, "--warm", "2"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    try {
      const r = await runCampaign(spec("Lock"), a, { ...passing, runs: 20, seed: 7 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
    } finally {
      await a.close();
    }
  }, 60_000);
});
