/**
 * The broker's per-call cost (reference/processes/broker.ts): one child makes N Event.set() calls
 * through its parent, one at a time, and times each from its request to the reply.
 *
 *   npx tsx bench/broker.ts [N=200] [rounds=5]
 *
 * The same file is the child (argv "child"). The parent is otherwise idle: under an executor its
 * event loop also serves the actor threads' requests, so a scenario's calls may take longer.
 */
import { fileURLToPath } from "node:url";
import { forkModule } from "../reference/processes/fork.js";
import { brokered, serveBroker } from "../reference/processes/broker.js";
import { create, attach } from "../reference/threads/module.js";
import type { Event } from "../reference/threads/event.js";

if (process.argv[2] === "child") {
  const { brokerCall } = await import("../reference/processes/child/broker-client.js");
  const n = Number(process.argv[3]);
  await brokerCall(0, "set", {}); // warm-up: the parent imports and attaches on the first call
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await brokerCall(0, "set", {});
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  process.send!(ms, () => process.exit(0));
} else {
  const n = Number(process.argv[2] ?? 200);
  const rounds = Number(process.argv[3] ?? 5);
  const self = new URL(import.meta.url);
  for (let r = 0; r < rounds; r++) {
    const event = create("Event", "multiprocessing", []);
    const { objects } = brokered({ $callable: "set_event", event: { $object: event.handle() as never } });
    const child = forkModule(self, ["child", String(n)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    serveBroker(child, objects);
    const ms = await new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${fileURLToPath(self)}: the child did not report within 60 s`));
      }, 60_000);
      child.on("message", (m) => Array.isArray(m) && (clearTimeout(timer), resolve(m as number[])));
      child.on("exit", (code) => code !== 0 && (clearTimeout(timer), reject(new Error(`child exited ${code}`))));
    });
    const sorted = [...ms].sort((a, b) => a - b);
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const set = (attach(event.handle()) as Event).is_set();
    console.log(`round ${r}: ${n} set() calls, mean ${mean.toFixed(3)} ms, median ${at(0.5).toFixed(3)} ms, p90 ${at(0.9).toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms; is_set() ${set}`);
  }
}
