/**
 * The process groups of running adapter programs. A JSON-lines adapter is spawned detached, so
 * it leads its own process group and its actor processes (and theirs) are in it; one signal to
 * the group ends them all. Library code registers each group here; whoever owns the process
 * (the CLI's SIGINT/SIGTERM handler, cli/signals.ts) ends them all with stopAllGroups(). Nothing
 * here installs a signal handler: only an exit hook, so a process that exits without closing
 * its adapters leaves none behind.
 */
import { readFileSync, readdirSync } from "node:fs";

const live = new Set<number>();
let stopping: string | null = null;
let exitHookInstalled = false;

/** Signal a whole process group; false when nobody is left in it. */
export function killGroup(pgid: number, signal: NodeJS.Signals = "SIGKILL"): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: nobody left in the group
  }
}

/** Register a live adapter's process group. Once stopping, a new group is killed at once. */
export function trackGroup(pgid: number): void {
  if (stopping !== null) {
    killGroup(pgid);
    return;
  }
  live.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const g of live) killGroup(g);
    });
  }
}

/** The group's leader has exited and its group was killed: forget it. */
export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}

/** Process groups registered and not yet known to be gone. */
export function liveGroups(): number[] {
  return [...live];
}

/** Why adapters are being stopped (the signal), or null: no adapter may start while stopping. */
export function stoppingReason(): string | null {
  return stopping;
}

/** Some live (non-zombie) process is in the group. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") return true;
  // kill(2) also finds zombies, which only their parent (or init) can reap: look at /proc.
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const d of entries) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

/** Sleep without the event loop: a signal handler must not wait for timers that a busy loop starves. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * End every registered process group, and refuse new ones from now on: SIGTERM (the Python
 * adapter cleans up on it), then SIGKILL for any group with a process left after `graceMs`.
 * Returns the number of groups there were, once all are gone (or `graceMs` + 500 ms).
 * Synchronous on purpose: it runs in a signal handler, and the event loop may be starved (a
 * chain of promises that never yields, a long check), so timers would fire late or never.
 */
export function stopAllGroups(reason: string, graceMs = 500): number {
  stopping ??= reason;
  const groups = [...live];
  for (const g of groups) killGroup(g, "SIGTERM");
  let left = groups;
  const termEnd = Date.now() + graceMs;
  while ((left = left.filter(groupAlive)).length && Date.now() < termEnd) sleepSync(20);
  for (const g of left) killGroup(g, "SIGKILL");
  const killEnd = Date.now() + 500;
  while ((left = left.filter(groupAlive)).length && Date.now() < killEnd) sleepSync(10);
  for (const g of groups) if (!left.includes(g)) live.delete(g);
  return groups.length;
}
