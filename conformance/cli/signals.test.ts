// The real command (node bin/mpspec.js) in a real process: exit codes, SIGINT / SIGTERM.
import { afterEach, describe, expect, test } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eventually, groupMembers, isGone } from "../adapter/fixtures/processes.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const python = process.env.MPSPEC_PYTHON || "python3";
const hasPython = spawnSync(python, ["-c", "import multiprocessing"], { stdio: "ignore" }).status === 0;
const BIN = join(ROOT, "bin/mpspec.js");
const FAKE = join(ROOT, "conformance/adapter/fixtures/fake-adapter.mjs");

interface Mpspec {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name), or "timeout" after `ms`. */
  exited: (ms: number) => Promise<number | string>;
}

const spawned: ChildProcess[] = [];
const pids: number[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const p of spawned.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function mpspec(...args: string[]): Mpspec {
  const env = { ...process.env };
  delete env.MPSPEC_DEBUG;
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  spawned.push(proc);
  let out = "";
  let err = "";
  proc.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  proc.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  const done = new Promise<number | string>((resolve) => proc.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([done, new Promise<string>((res) => (timer = setTimeout(() => res("timeout"), ms)))]);
      clearTimeout(timer);
      return r;
    },
  };
}

describe("exit codes of the real command", () => {
  test("a user error is exit 2 and one line on stderr, with no stack trace", async () => {
    const m = mpspec("run", "--adapter", "reference-threads", "--spec-dir", "/nonexistent/mpspec-specs");
    expect(await m.exited(30_000)).toBe(2);
    expect(m.stderr().trimEnd()).toMatch(/^mpspec: --spec-dir \/nonexistent\/mpspec-specs: does not exist; [^\n]*$/);
    expect(m.stderr()).not.toMatch(/^\s+at /m);
  }, 40_000);
});

describe("SIGINT / SIGTERM end every adapter process group, then exit 130 / 143", () => {
  test.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s: a third-party adapter busy in a call, ignoring signals, and its grandchild are gone within 3 s", async (signal, code) => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-signal-"));
    dirs.push(dir);
    const state = join(dir, "busy.jsonl");
    const m = mpspec("run", "--adapter", `${process.execPath} ${FAKE} busy ${state}`, "--primitives", "Lock", "--runs", "5", "--seed", "1", "--deadline", "60000");
    // The adapter is busy in its first run once it has written its pids.
    const busy = await eventually(() => existsSync(state) && readFileSync(state, "utf8").includes("\n"), 40_000);
    expect(busy, `the adapter never got busy; stderr: ${m.stderr()}`).toBe(true);
    const { adapter, grandchild } = JSON.parse(readFileSync(state, "utf8").split("\n")[0]!) as { adapter: number; grandchild: number };
    pids.push(adapter, grandchild);
    expect(isGone(adapter) || isGone(grandchild)).toBe(false);

    m.proc.kill(signal);
    expect(await m.exited(3_000)).toBe(code);
    expect(isGone(adapter)).toBe(true);
    expect(isGone(grandchild)).toBe(true);
    expect(groupMembers(adapter)).toEqual([]);
    const lines = m.stderr().trimEnd().split("\n");
    expect(lines).toEqual([`mpspec: interrupted (${signal}); stopped 1 adapter process group(s)`]);
    // Nothing was printed for the run after the signal (no adapter error for the killed adapter).
    expect(m.stdout()).not.toMatch(/ERROR|adapter error|passed/);
  }, 60_000);


  test.skipIf(!hasPython)("SIGINT during `--adapter python`: the adapter and every actor process are gone", async () => {
    const m = mpspec("run", "--adapter", "python", "--primitives", "Lock", "--runs", "100000", "--seed", "1");
    // Running once the header is out and the adapter has actor processes.
    let adapter = 0;
    const running = await eventually(() => {
      if (!m.stdout().includes("runs per primitive")) return false;
      adapter = childrenOf(m.proc.pid!).find((pid) => cmdline(pid).includes("mpspec_adapter.py")) ?? 0;
      return adapter !== 0 && groupMembers(adapter).length > 1;
    }, 40_000);
    expect(running, `stdout: ${m.stdout()}\nstderr: ${m.stderr()}`).toBe(true);
    const members = groupMembers(adapter);
    pids.push(...members);

    m.proc.kill("SIGINT");
    expect(await m.exited(3_000)).toBe(130);
    expect(members.filter((pid) => !isGone(pid))).toEqual([]);
    expect(groupMembers(adapter)).toEqual([]);
    expect(m.stderr().trimEnd().split("\n")).toEqual(["mpspec: interrupted (SIGINT); stopped 1 adapter process group(s)"]);
  }, 60_000);

  test("SIGINT during a reference-threads run: exit 130, no adapter process group", async () => {
    const m = mpspec("run", "--adapter", "reference-threads", "--runs", "100000", "--seed", "1");
    // Worker threads busy with scenarios once the header is out.
    expect(await eventually(() => m.stdout().includes("runs per primitive"), 40_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    m.proc.kill("SIGINT");
    expect(await m.exited(3_000)).toBe(130);
    expect(m.stderr().trimEnd().split("\n")).toEqual(["mpspec: interrupted (SIGINT); stopped 0 adapter process group(s)"]);
  }, 60_000);
});

describe("no orphan: the child processes of Process scenarios end with the run (spec/primitives/Process.yaml)", () => {
  /** Every process below `pid`, children first. */
  const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);

  test("SIGINT during a reference-threads Process run: exit 130, and every child the reference started is gone", async () => {
    const m = mpspec("run", "--adapter", "reference-threads", "--primitives", "Process", "--runs", "100000", "--seed", "1");
    // Running once some scenario's Process child (reference/processes/child/run-target) is alive.
    const running = await eventually(() => descendants(m.proc.pid!).some((pid) => cmdline(pid).includes("run-target")), 40_000);
    expect(running, `stdout: ${m.stdout()}\nstderr: ${m.stderr()}`).toBe(true);
    const below = descendants(m.proc.pid!);
    pids.push(...below);
    m.proc.kill("SIGINT");
    expect(await m.exited(5_000)).toBe(130);
    // Killed as the runner exits, not left to end by themselves (a child still loading, or
    // sleeping its target's 0.3 s, would outlive this).
    expect(await eventually(() => below.every(isGone), 250), `still running: ${below.filter((p) => !isGone(p)).join(", ")}`).toBe(true);
  }, 60_000);

  test.skipIf(!hasPython)("SIGINT during a Python Process run: exit 130, the adapter, its actors and every Process child are gone", async () => {
    const m = mpspec("run", "--adapter", "python", "--primitives", "Process", "--runs", "100000", "--seed", "1");
    let below: number[] = [];
    // Running once the adapter has a child besides itself (a scenario's Process).
    const running = await eventually(() => {
      below = descendants(m.proc.pid!);
      return below.length >= 2 && m.stdout().includes("runs per primitive");
    }, 40_000);
    expect(running, `stdout: ${m.stdout()}\nstderr: ${m.stderr()}`).toBe(true);
    pids.push(...below);
    m.proc.kill("SIGINT");
    expect(await m.exited(5_000)).toBe(130);
    expect(await eventually(() => descendants(m.proc.pid!).length === 0 && below.every(isGone), 3_000), `still running: ${below.filter((p) => !isGone(p)).join(", ")}`).toBe(true);
  }, 60_000);
});

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}
