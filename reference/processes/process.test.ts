// Process on child processes: CPython's exit codes, lifecycle errors and messages
// (spec/primitives/Process.yaml), with calls from other threads than the owner, as an executor's
// actors make them; and no child outlives endProcesses().
import { afterEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Process, endProcesses } from "./process.js";
import { Event } from "../threads/event.js";
import { runTask, terminateAll, type CallResult } from "../threads/tests/harness.js";

afterEach(async () => {
  await terminateAll();
  await endProcesses();
});

// Gone: no such process, or a zombie (a killed child of a parent that exited, where PID 1 does not reap).
import { isGone } from "../../conformance/adapter/fixtures/processes.js";

/** Start, then join from another thread, then read the exit code. */
async function exitcodeOf(target: unknown, args: unknown[] = []): Promise<number | null> {
  const p = new Process({ target: target as never, args: args as never });
  const h = p.handle();
  expect((await runTask<CallResult>("call", { handle: h, method: "start", args: [] })).error).toBeUndefined();
  expect((await runTask<CallResult>("call", { handle: h, method: "join", args: [10] })).value).toBeNull();
  return p.exitcode;
}

describe("Process (child_process)", () => {
  it("exits as CPython's processes do, for each kind of target", async () => {
    const cases: [unknown, number][] = [
      [{ $callable: "noop" }, 0],
      [{ $callable: "sys_exit", arg: 3 }, 3],
      [{ $callable: "sys_exit", arg: null }, 0],
      [{ $callable: "sys_exit", arg: true }, 1],
      [{ $callable: "sys_exit", arg: "bye" }, 1],
      [{ $callable: "raise", type: "ValueError", message: "target failed" }, 1],
      [{ $callable: "os_exit", code: 3 }, 3],
      [{ $callable: "kill_self", signal: 9 }, -9],
    ];
    const codes = await Promise.all(cases.map(([t]) => exitcodeOf(t)));
    expect(codes).toEqual(cases.map(([, c]) => c));
  }, 60_000);

  it("is None and not alive before start; alive while running; terminate() gives -15, kill() -9", async () => {
    const p = new Process({ target: { $callable: "sleep", seconds: 30 } });
    expect(p.exitcode).toBeNull();
    expect(p.is_alive()).toBe(false);
    expect(p.pid).toBeNull();
    const h = p.handle();
    await runTask("call", { handle: h, method: "start", args: [] });
    expect(p.is_alive()).toBe(true);
    expect(p.exitcode).toBeNull();
    const pid = p.pid!;
    expect(pid).toBeGreaterThan(0);
    const timedOut = await runTask<CallResult>("call", { handle: h, method: "join", args: [0.05] });
    expect(timedOut.value).toBeNull();
    expect(timedOut.elapsedMs).toBeGreaterThanOrEqual(50);
    expect(p.is_alive()).toBe(true);
    await runTask("call", { handle: h, method: "terminate", args: [] });
    await runTask("call", { handle: h, method: "join", args: [10] });
    expect(p.exitcode).toBe(-15);
    expect(p.is_alive()).toBe(false);
    expect(isGone(pid)).toBe(true);
    // On an ended process terminate() and kill() do nothing.
    p.terminate();
    p.kill();
    expect(p.exitcode).toBe(-15);

    const k = new Process({ target: { $callable: "sleep", seconds: 30 } });
    await runTask("call", { handle: k.handle(), method: "start", args: [] });
    await runTask("call", { handle: k.handle(), method: "kill", args: [] });
    await k.joinAsync(10);
    expect(k.exitcode).toBe(-9);
  }, 60_000);

  it("refuses what CPython refuses, with its exceptions and messages", async () => {
    const p = new Process({ target: { $callable: "sleep", seconds: 30 } });
    const call = async (method: string) => (await runTask<CallResult>("call", { handle: p.handle(), method, args: [] })).error;
    expect(await call("join")).toMatchObject({ pyType: "AssertionError", message: "can only join a started process" });
    expect(await call("terminate")).toMatchObject({ pyType: "AttributeError", message: "'NoneType' object has no attribute 'terminate'" });
    expect(await call("kill")).toMatchObject({ pyType: "AttributeError", message: "'NoneType' object has no attribute 'kill'" });
    expect(await call("start")).toBeUndefined();
    expect(await call("start")).toMatchObject({ pyType: "AssertionError", message: "cannot start a process twice" });
    expect(await call("close")).toMatchObject({
      pyType: "ValueError",
      message: "Cannot close a process while it is still running. You should first call join() or terminate().",
    });
    expect(() => p.join()).toThrow(/joinAsync/); // the owner thread records the end: it must not block
    p.terminate();
    await p.joinAsync(10);
    expect(p.exitcode).toBe(-15);
    p.close();
    p.close();
    for (const m of ["start", "join", "terminate", "kill", "is_alive"]) expect(await call(m), m).toMatchObject({ pyType: "ValueError", message: "process object is closed" });
    expect(() => p.exitcode).toThrow(/process object is closed/);
    expect(() => p.pid).toThrow(/process object is closed/);
    expect(() => p.sentinel).toThrow(/process object is closed/);
    // Never started: close() is fine.
    new Process({ target: { $callable: "noop" } }).close();
  }, 60_000);

  it("pid and sentinel: None / ValueError before start, the same number after; daemon is set before start only (and again once closed)", async () => {
    const p = new Process({ target: { $callable: "noop" } });
    expect(p.pid).toBeNull();
    expect(() => p.sentinel).toThrow(expect.objectContaining({ pyType: "ValueError", message: "process not started" }));
    expect(p.daemon).toBe(false);
    p.daemon = true;
    expect(p.daemon).toBe(true);
    p.daemon = false;
    await runTask("call", { handle: p.handle(), method: "start", args: [] });
    const pid = p.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(p.sentinel).toBe(p.sentinel);
    expect(() => (p.daemon = true)).toThrow(expect.objectContaining({ pyType: "AssertionError", message: "process has already started" }));
    await p.joinAsync(10);
    expect(p.pid).toBe(pid);
    expect(() => (p.daemon = true)).toThrow(expect.objectContaining({ pyType: "AssertionError" }));
    expect(p.daemon).toBe(false);
    p.close();
    expect(p.daemon).toBe(false); // readable once closed, as CPython's
    p.daemon = true;
    expect(p.daemon).toBe(true);
  }, 60_000);

  it("a target that sets an Event of the scenario (set_event): the child's set() goes through the owner (the broker)", async () => {
    const e = new Event({ profile: "multiprocessing" });
    const p = new Process({ target: { $callable: "set_event", event: { $object: e.handle() as never } } });
    // The handle crosses threads with the target's object in it: start and join from another thread.
    const h = p.handle();
    expect(e.is_set()).toBe(false);
    expect((await runTask<CallResult>("call", { handle: h, method: "start", args: [] })).error).toBeUndefined();
    expect((await runTask<CallResult>("call", { handle: h, method: "join", args: [10] })).value).toBeNull();
    expect(p.exitcode).toBe(0);
    expect(e.is_set()).toBe(true);
    expect(isGone(p.pid!)).toBe(true);
  }, 60_000);

  it("a set_event child killed before it sets leaves the Event unset", async () => {
    const e = new Event({ profile: "multiprocessing" });
    const p = new Process({ target: { $callable: "set_event", event: { $object: e.handle() as never } } });
    // Killed at once: the child is still loading its module (hundreds of ms) and has sent nothing.
    p.start();
    p.kill();
    await p.joinAsync(10);
    expect(p.exitcode).toBe(-9);
    expect(e.is_set()).toBe(false);
    expect(isGone(p.pid!)).toBe(true);
  }, 60_000);

  it("refuses a target whose object is not a handle (an executor resolves {\"$object\": k} first)", () => {
    expect(() => new Process({ target: { $callable: "set_event", event: { $object: "o1" } } })).toThrow(/\{"\$object": "o1"\} is not an object's handle/);
    expect(() => new Process({ target: { $callable: "set_event", event: 3 } })).toThrow(/event takes another object of the scenario \(Event\)/);
    const lock = { primitive: "Lock", profile: "multiprocessing" };
    expect(() => new Process({ target: { $callable: "set_event", event: { $object: lock } } })).toThrow(/got the handle of a Lock/);
  });

  it("leaves no child running after endProcesses()", async () => {
    const ps = [0, 1, 2].map(() => new Process({ target: { $callable: "sleep", seconds: 30 } }));
    for (const p of ps) p.start();
    const pids = ps.map((p) => p.pid!);
    expect(pids.every((pid) => !isGone(pid))).toBe(true);
    await endProcesses();
    expect(pids.every(isGone)).toBe(true);
    expect(ps.map((p) => p.exitcode)).toEqual([-9, -9, -9]);
  }, 60_000);

  it("kills its children when the owner's process exits without endProcesses() (no orphan)", () => {
    const module = fileURLToPath(new URL("./process.ts", import.meta.url));
    const script = `const { Process } = await import(${JSON.stringify(module)});
const p = new Process({ target: { $callable: "sleep", seconds: 30 } });
p.start();
console.log(p.pid);
process.exit(0);`;
    const pid = Number(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 }).trim());
    expect(pid).toBeGreaterThan(0);
    expect(isGone(pid)).toBe(true);
  }, 60_000);
});
