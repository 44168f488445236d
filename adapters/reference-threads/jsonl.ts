/**
 * The in-process executor as a JSON-lines adapter (spec/protocol/README.md): the reference (or
 * any ImplementationModule, `--implementation <module file>`: a broken variant) run by the
 * ThreadsExecutor, answering the runner's messages on stdout. It uses only what the run message
 * says (the scenario and its `calls`), as an adapter in another language would, so the protocol
 * is exercised against the reference. Launched by adapter.js, which registers tsx's loader.
 */
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { RunMessage } from "../../conformance/adapter/protocol.js";
import { AdapterError } from "../../conformance/adapter/types.js";
import { siblingUrl } from "../../reference/spawn-worker.js";
import { ThreadsExecutor } from "./executor.js";
import { mpspecVersion } from "./open.js";

const PROTOCOL_VERSION = 1;

const { values } = parseArgs({ options: { implementation: { type: "string" } } });
const implementation = values.implementation ? pathToFileURL(resolve(values.implementation)) : siblingUrl(import.meta.url, "../../reference/threads/module");
const write = (msg: unknown) => process.stdout.write(`${JSON.stringify(msg)}\n`);

let executor: ThreadsExecutor | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await executor?.close();
  process.exit(code);
};

async function handle(msg: { cmd?: unknown; id?: unknown; primitives?: unknown }): Promise<void> {
  if (msg.cmd === "start") {
    // start.primitives, name -> profile -> callable, read the other way for `$new` values.
    const callables: Record<string, string> = {};
    if (msg.primitives && typeof msg.primitives === "object") {
      for (const [name, byProfile] of Object.entries(msg.primitives as Record<string, unknown>)) {
        if (byProfile && typeof byProfile === "object") for (const c of Object.values(byProfile)) if (typeof c === "string") callables[c] = name;
      }
    }
    executor = await ThreadsExecutor.start({
      implementation,
      callables,
      info: { name: values.implementation ? `mpspec-reference (${values.implementation})` : "mpspec-reference", version: mpspecVersion(), language: "TypeScript" },
    });
    // Boot the actor threads a default scenario uses (scenario-arbitrary.ts DEFAULT_SHAPE: up to
    // 3 parallel actors) before answering: the handshake has its own bound, while a worker booted
    // by the first run (tsx compiling the reference in it) counted against that scenario's
    // deadline. With 16 adapters starting at once on 2 cores, every first scenario was late.
    await executor.warm(3);
    // The spec documents the runner holds (start.primitives): those the module implements.
    const offered = msg.primitives && typeof msg.primitives === "object" ? Object.keys(msg.primitives) : null;
    const primitives = executor.capabilities.primitives.filter((p) => offered === null || offered.includes(p));
    write({
      ready: true,
      version: PROTOCOL_VERSION,
      implementation: {
        name: executor.info.name,
        version: executor.info.version,
        language: "TypeScript",
        runtime: "Node.js",
        runtime_version: process.versions.node,
        configuration: { actors: "threads", route: "json-lines" },
      },
      capabilities: { primitives, profiles: executor.capabilities.profiles, actor_kinds: ["threads"], start_methods: [] },
    });
    return;
  }
  if (msg.cmd === "run") {
    const run = msg as unknown as RunMessage;
    try {
      if (!executor) throw new AdapterError("run before start");
      const history = await executor.runCalls(run.scenario, run.calls, run.deadline_ms);
      // Whether the run was cut is the runner's to say, from its own clock (the protocol's
      // history has no cutAt): the in-process executor's own mark stays here.
      delete history.cutAt;
      write({ id: run.id, history });
    } catch (e) {
      // The scenario could not be run: an error answer; the adapter stays usable.
      write({ id: run.id, error: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  if (msg.cmd === "stop") return stop(0);
  process.stderr.write(`mpspec reference adapter: unknown message ${JSON.stringify(msg).slice(0, 200)}\n`);
}

// Strictly request -> answer: one message at a time, in order.
let chain: Promise<void> = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (!line.trim()) return;
  chain = chain.then(async () => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      process.stderr.write(`mpspec reference adapter: not JSON: ${line.slice(0, 200)}\n`);
      return;
    }
    await handle(msg as { cmd?: unknown });
  }).catch((e) => {
    process.stderr.write(`mpspec reference adapter: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return stop(1);
  });
});
// The runner went away: end every worker.
lines.on("close", () => {
  chain = chain.then(() => stop(0));
});
