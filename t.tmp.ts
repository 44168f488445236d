import { join } from "node:path";
import { ThreadsExecutor } from "./adapters/reference-threads/executor.js";
import { argOrderFrom, formFrom } from "./conformance/adapter/registry.js";
import { runCampaign } from "./conformance/run/campaign.js";
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "./conformance/spec/load.js";
import { pathToFileURL } from "node:url";
const [mod, prim, profile, seedsArg, extra] = process.argv.slice(2);
const specs = loadSpecDir();
const spec = loadSpecFile(join(PRIMITIVES_DIR, `${prim}.yaml`));
const ex = await ThreadsExecutor.start({ implementation: pathToFileURL(`conformance/tests/broken/${mod}.ts`), info: { name: mod, version: "0", language: "TypeScript" }, argOrder: argOrderFrom(specs), formOf: formFrom(specs) });
for (const seed of seedsArg.split(",").map(Number)) {
  const t = performance.now();
  const r = await runCampaign(spec, ex, { profile, runs: 100, seed, ...(extra ? JSON.parse(extra) : {}) });
  const lv = r.levels.documented?.verdict === "fail" ? r.levels.documented : r.levels.cpython;
  const cx = lv?.counterexample;
  const calls = cx ? cx.scenario.init.length + cx.scenario.parallel.flat().length + cx.scenario.post.length : 0;
  console.log(seed, r.verdict, JSON.stringify(lv?.found), `runs ${r.runs}`, `${((performance.now() - t) / 1000).toFixed(1)}s`, `calls ${calls}`, cx ? cx.check.objects.flatMap((o: any) => o.contradicts ?? []).join(",") : "");
}
await ex.close();
