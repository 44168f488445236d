/**
 * `npm run bench:campaign [-- --runs N --seed S --adapters reference-threads,python]`: wall time
 * of campaigns whose scenarios often block for good (SimpleQueue, Pipe, Condition,
 * JoinableQueue), with what makes them fast (the adaptive deadline base; for the reference,
 * workers interrupted at the deadline and kept) against the baseline measured in the same run:
 * a fixed base (the adapter's), and workers terminated and replaced. Same seeds, so the same
 * scenarios; verdicts must agree.
 */
import { parseArgs } from "node:util";
import { ADAPTERS } from "../conformance/adapter/registry.js";
import type { Adapter } from "../conformance/adapter/types.js";
import { runCampaign } from "../conformance/run/campaign.js";
import { loadSpecDir } from "../conformance/spec/load.js";
import { siblingUrl } from "../reference/spawn-worker.js";
import { ThreadsExecutor } from "../adapters/reference-threads/executor.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100" },
    seed: { type: "string", default: "7" },
    adapters: { type: "string", default: "reference-threads" },
    primitives: { type: "string", default: "SimpleQueue,Pipe,Condition,JoinableQueue" },
  },
});
const runs = Number(values.runs);
const seed = Number(values.seed);
// Every document, for the argument orders (Condition's lock is a nested RLock); the chosen ones run.
const all = loadSpecDir();
const specs = values.primitives.split(",").map((p) => {
  const s = all.find((d) => d.primitive === p);
  if (!s) throw new Error(`no spec document for ${p}`);
  return s;
});

async function open(adapter: string, baseline: boolean): Promise<Adapter> {
  if (adapter === "reference-threads") {
    return ThreadsExecutor.start({
      implementation: siblingUrl(import.meta.url, "../reference/threads/module"),
      info: { name: "mpspec-reference", version: "bench", language: "TypeScript" },
      specs: all,
      interruptGraceMs: baseline ? 0 : undefined,
    });
  }
  const entry = ADAPTERS[adapter];
  if (!entry) throw new Error(`unknown adapter ${adapter}`);
  return entry.open(all);
}

let totalBase = 0;
let totalNow = 0;
for (const adapter of values.adapters.split(",")) {
  for (const spec of specs) {
    const profile = Object.keys(spec.doc.profiles)[0]!;
    const timed = async (baseline: boolean) => {
      const a = await open(adapter, baseline);
      try {
        const maxBase = a.deadlineBaseMs ?? 500;
        const t0 = performance.now();
        const r = await runCampaign(spec, a, { profile, runs, seed, deadlineFloorMs: baseline ? maxBase : undefined });
        return { s: (performance.now() - t0) / 1000, r };
      } finally {
        await a.close();
      }
    };
    const base = await timed(true);
    const now = await timed(false);
    if (base.r.verdict !== now.r.verdict) throw new Error(`${adapter} ${spec.primitive}: verdicts differ (${base.r.verdict} vs ${now.r.verdict})`);
    totalBase += base.s;
    totalNow += now.s;
    console.log(
      `${adapter.padEnd(18)} ${spec.primitive.padEnd(14)} ${now.r.verdict}, ${runs} scenarios: baseline ${base.s.toFixed(1)} s (${base.r.cut} cut), ` +
        `adaptive ${now.s.toFixed(1)} s (${now.r.cut} cut): ${(base.s / now.s).toFixed(1)}x faster`,
    );
  }
}
console.log(`total: baseline ${totalBase.toFixed(1)} s, adaptive ${totalNow.toFixed(1)} s: ${(totalBase / totalNow).toFixed(1)}x faster`);
