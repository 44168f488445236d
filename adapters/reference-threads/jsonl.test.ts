// The in-process executor behind the JSON-lines protocol (jsonl.ts): the reference passes through
// the same run messages every adapter gets, and a broken variant fails there for its bug.
import { afterAll, describe, expect, test } from "vitest";
import { fileURLToPath } from "node:url";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import { loadSpecDir } from "../../conformance/spec/load.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";

const ADAPTER = fileURLToPath(new URL("./adapter.js", import.meta.url));
const REENTRANT = fileURLToPath(new URL("../../conformance/tests/broken/reentrant-lock.ts", import.meta.url));
const specs = loadSpecDir();
const spec = (p: string) => specs.find((s) => s.primitive === p)!;
const opened: JsonlAdapter[] = [];
afterAll(async () => {
  await Promise.all(opened.map((a) => a.close()));
});
const open = async (...args: string[]) => {
  const a = await JsonlAdapter.open({ command: [process.execPath, ADAPTER, ...args], specs });
  opened.push(a);
  return a;
};

describe("the reference as a JSON-lines adapter", () => {
  test("answers the handshake with what it implements, and passes Lock and Value from the run messages alone", async () => {
    const a = await open();
    expect(a.ready.implementation).toMatchObject({ name: "mpspec-reference", language: "TypeScript", configuration: { actors: "threads", route: "json-lines" } });
    expect([...a.capabilities.primitives].sort()).toEqual(specs.map((s) => s.primitive).sort());
    for (const p of ["Lock", "Value"]) {
      const r = await runCampaign(spec(p), a, { profile: "multiprocessing", runs: 20, seed: 3 });
      expect(r.verdict, `${p}: ${counterexampleText(r)}`).toBe("pass");
      expect(r.runs).toBeGreaterThanOrEqual(20);
    }
  }, 120_000);

  test("a broken variant given by --implementation fails for its bug", async () => {
    const a = await open("--implementation", REENTRANT);
    // A long first deadline: each actor thread loads the variant's module through tsx on its first
    // scenario, which under CI's load took longer than the automatic deadline's answer allowance.
    const r = await runCampaign(spec("Lock"), a, { profile: "multiprocessing", runs: 100, seed: 42, deadlineMs: 5_000 });
    expect(r.verdict, r.error).toBe("fail");
    const cx = (r.levels.documented?.counterexample ?? r.levels.cpython?.counterexample)!;
    expect(cx.check.objects.flatMap((o) => o.contradicts ?? []).some((id) => /^Lock\.acquire\./.test(id))).toBe(true);
  }, 120_000);
});
