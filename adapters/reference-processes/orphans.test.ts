// No orphan: a parent of actor child processes is killed (SIGKILL: none of its code runs) or the
// real command (node bin/mpspec.js run --adapter reference-processes) is interrupted in the middle
// of a campaign; every actor child process it had must be gone.
import { afterEach, describe, expect, test } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { eventually, isGone } from "../../conformance/adapter/fixtures/processes.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin/mpspec.js");
const CHILD = "reference-processes/actor-child";

const spawned: ChildProcess[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const p of spawned.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const cmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
};

/** The actor children below `pid` (they are its direct children: forked by the executor). */
const actorChildren = (pid: number): number[] => childrenOf(pid).filter((c) => cmdline(c).includes(CHILD));

describe("no actor child process survives its parent", () => {
  test("SIGKILL to the parent: each child sees its IPC channel close and exits, even one in a 30 s pause", async () => {
    const m = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./fixtures/hold.ts", import.meta.url))], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(m);
    let out = "";
    m.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    m.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    expect(await eventually(() => out.includes("\n"), 40_000), out).toBe(true);
    const { parent, children } = JSON.parse(out.split("\n")[0]!) as { parent: number; children: number[] };
    pids.push(...children);
    expect(parent).toBe(m.pid);
    expect(children).toHaveLength(2);
    expect(children.every((p) => !isGone(p))).toBe(true);
    expect(children.sort()).toEqual(actorChildren(parent).sort());
    m.kill("SIGKILL");
    expect(await eventually(() => children.every(isGone), 3_000), `still running: ${children.filter((p) => !isGone(p)).join(", ")}`).toBe(true);
  }, 60_000);

  test("SIGINT to the runner (node bin/mpspec.js) in the middle of a campaign: exit 130, every actor child is gone", async () => {
    const env = { ...process.env };
    delete env.MPSPEC_DEBUG;
    // Queue: actors that block (get on an empty queue), are cut at deadlines and replaced.
    const m = spawn(process.execPath, [BIN, "run", "--adapter", "reference-processes", "--primitives", "Queue", "--runs", "100000", "--seed", "1"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    spawned.push(m);
    let out = "";
    m.stdout!.on("data", (b: Buffer) => (out += b.toString()));
    m.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | string>((resolve) => m.on("exit", (code, sig) => resolve(code ?? sig ?? "?")));
    const running = await eventually(() => out.includes("runs per primitive") && actorChildren(m.pid!).length >= 2, 40_000);
    expect(running, out).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    const children = actorChildren(m.pid!);
    pids.push(...children);
    m.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((r) => (timer = setTimeout(() => r("timeout"), 5_000)))]);
    clearTimeout(timer);
    expect(code).toBe(130);
    // The runner's exit killed them.
    expect(await eventually(() => children.every(isGone), 3_000), `still running: ${children.filter((p) => !isGone(p)).join(", ")}`).toBe(true);
  }, 60_000);
});
