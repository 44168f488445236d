/**
 * The workloads of `npm run bench:reference` (bench/reference/main.ts), and how each side runs them:
 * the reference primitives on worker threads (`ActorPool`, `runReference`; the actors' loops are
 * here, run by worker.ts) and CPython's multiprocessing (`runCPython`, which runs
 * cpython_workloads.py: the same workloads, with the same counts, names and checks).
 *
 * A run: the parent makes the objects, every actor attaches them and reports ready, then the parent
 * releases them together (a SharedArrayBuffer word + Atomics.notify); each actor times its own loop
 * with performance.now(); the run's time is the slowest actor's. Every blocking call has a timeout,
 * and the run fails if the workload's check of the actors' results (and the objects after) fails.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Worker } from "node:worker_threads";
import type { ObjectHandle, SharedPrimitive } from "../../reference/implementation.js";
import { Lock } from "../../reference/threads/lock.js";
import { Queue } from "../../reference/threads/queue.js";
import { Pipe } from "../../reference/threads/pipe.js";
import { Barrier } from "../../reference/threads/barrier.js";
import { Event } from "../../reference/threads/event.js";
import { Value } from "../../reference/threads/value.js";
import { siblingUrl, spawnWorker } from "../../reference/spawn-worker.js";

/** Default timeout of every blocking call, in seconds. */
export const TIMEOUT_S = 60;
/** A whole loop of an actor (many calls) may take this many timeouts before the parent gives up on it. */
export const LOOP_TIMEOUTS = 10;

/** What an actor reports besides its time (counts, sums: what the checks read). */
export type ActorResult = Record<string, number>;
/** The objects of one run, by name. */
export type Objects = Record<string, SharedPrimitive>;
export type Handles = Record<string, ObjectHandle>;

/** One actor of a workload: `prepare` attaches the objects (untimed) and returns the loop to time. */
export interface Role {
  /** Iterations of this actor. */
  readonly count: number;
  /** First item it puts (producers of the 2-to-2 queues). */
  readonly first?: number;
  readonly prepare: (handles: Handles, count: number, first: number, timeoutS: number) => () => ActorResult;
}

export interface Goal {
  /** Met when CPython's time / the reference's time is at least this. */
  readonly ratio: number;
  readonly label: string;
}

export interface Workload {
  readonly name: string;
  readonly description: string;
  /** Default count N (scaled by --scale). */
  readonly n: number;
  /** Counts must be multiples of this (the 2-to-2 queues split N in halves). */
  readonly multipleOf?: number;
  readonly goal: Goal | null;
  /** The objects of one run (in the parent). */
  readonly setup: () => Objects;
  readonly roles: (n: number) => Role[];
  /** null when right, else what is wrong; `results` in role order. */
  readonly check: (n: number, objects: Objects, results: ActorResult[]) => string | null;
}

export class CheckFailed extends Error {}

function timedOut(what: string, timeoutS: number): never {
  throw new Error(`${what} timed out after ${timeoutS} s`);
}

// --- actors ------------------------------------------------------------------------------------------

const lockLoop: Role["prepare"] = (h, n, _first, t) => {
  const lock = Lock.attach(h.lock!);
  return () => {
    for (let i = 0; i < n; i++) {
      if (!lock.acquire(true, t)) timedOut("Lock.acquire", t);
      lock.release();
    }
    return { done: n };
  };
};

const putNumbers: Role["prepare"] = (h, n, first, t) => {
  const q = Queue.attach(h.q!);
  return () => {
    for (let i = first; i < first + n; i++) q.put(i, true, t);
    return { put: n };
  };
};

const putStrings: Role["prepare"] = (h, n, first, t) => {
  const q = Queue.attach(h.q!);
  return () => {
    for (let i = first; i < first + n; i++) q.put(`item-${i}`, true, t);
    return { put: n };
  };
};

const getNumbers: Role["prepare"] = (h, n, _first, t) => {
  const q = Queue.attach(h.q!);
  return () => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += q.get(true, t) as number; // queue.Empty after the timeout
    return { count: n, sum };
  };
};

const getStrings: Role["prepare"] = (h, n, _first, t) => {
  const q = Queue.attach(h.q!);
  return () => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = q.get(true, t) as string;
      if (typeof s !== "string" || !s.startsWith("item-")) throw new CheckFailed(`unexpected item ${JSON.stringify(s)}`);
      sum += Number(s.slice(5));
    }
    return { count: n, sum };
  };
};

const pipeA: Role["prepare"] = (h, n, _first, t) => {
  const conn = Pipe.attach(h.pipe!)[0];
  return () => {
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      conn.send(i);
      if (!conn.poll(t)) timedOut("Connection.poll", t);
      if (conn.recv() !== i) wrong++;
    }
    return { count: n, wrong };
  };
};

const pipeB: Role["prepare"] = (h, n, _first, t) => {
  const conn = Pipe.attach(h.pipe!)[1];
  return () => {
    for (let i = 0; i < n; i++) {
      if (!conn.poll(t)) timedOut("Connection.poll", t);
      conn.send(conn.recv());
    }
    return { count: n };
  };
};

const barrierLoop: Role["prepare"] = (h, n, _first, t) => {
  const barrier = Barrier.attach(h.barrier!);
  return () => {
    let indices = 0;
    for (let i = 0; i < n; i++) indices += barrier.wait(t); // BrokenBarrierError after the timeout
    return { count: n, indices };
  };
};

const eventA: Role["prepare"] = (h, n, _first, t) => {
  const e1 = Event.attach(h.e1!);
  const e2 = Event.attach(h.e2!);
  return () => {
    for (let i = 0; i < n; i++) {
      e1.set();
      if (!e2.wait(t)) timedOut("Event.wait", t);
      e2.clear();
    }
    return { count: n };
  };
};

const eventB: Role["prepare"] = (h, n, _first, t) => {
  const e1 = Event.attach(h.e1!);
  const e2 = Event.attach(h.e2!);
  return () => {
    for (let i = 0; i < n; i++) {
      if (!e1.wait(t)) timedOut("Event.wait", t);
      e1.clear();
      e2.set();
    }
    return { count: n };
  };
};

const valueLoop: Role["prepare"] = (h, n, _first, t) => {
  const v = Value.attach(h.v!);
  const lock = v.get_lock();
  return () => {
    for (let i = 0; i < n; i++) {
      // Python: `with v.get_lock(): v.value += 1` (the getter and the setter take the RLock again)
      if (!lock.acquire(true, t)) timedOut("RLock.acquire", t);
      try {
        v.value = (v.value as number) + 1;
      } finally {
        lock.release();
      }
    }
    return { count: n };
  };
};

// --- checks ------------------------------------------------------------------------------------------

const sumRange = (n: number) => (n * (n - 1)) / 2;
const total = (results: ActorResult[], key: string) => results.reduce((s, r) => s + (r[key] ?? 0), 0);

const checkLock: Workload["check"] = (n, _o, results) => {
  const done = total(results, "done");
  return done === n * results.length ? null : `${done} acquire/release pairs, expected ${n * results.length}`;
};

const checkQueue: Workload["check"] = (n, o, results) => {
  const count = total(results, "count");
  const sum = total(results, "sum");
  if (count !== n || sum !== sumRange(n)) return `consumers got ${count} items summing to ${sum}, expected ${n} summing to ${sumRange(n)}`;
  if (!(o.q as Queue).empty()) return "the queue is not empty after the consumers got every item";
  return null;
};

const checkPipe: Workload["check"] = (n, o, [a, b]) => {
  if (a?.count !== n || b?.count !== n) return `${a?.count} round trips at A, ${b?.count} at B, expected ${n}`;
  if (a.wrong !== 0) return `${a.wrong} values came back different`;
  const pipe = o.pipe as Pipe;
  if (pipe[0].poll(0) || pipe[1].poll(0)) return "messages left in the pipe";
  return null;
};

const checkBarrier: Workload["check"] = (n, o, results) => {
  const count = total(results, "count");
  const indices = total(results, "indices");
  // each generation hands out the indices 0 and 1
  if (count !== 2 * n || indices !== n) return `${count} waits returned with indices summing to ${indices}, expected ${2 * n} and ${n}`;
  if ((o.barrier as Barrier).broken) return "the barrier is broken";
  return null;
};

const checkEvents: Workload["check"] = (n, o, results) => {
  if (results.some((r) => r.count !== n)) return `cycles ${JSON.stringify(results.map((r) => r.count))}, expected ${n} each`;
  if ((o.e1 as Event).is_set() || (o.e2 as Event).is_set()) return "an event is still set after the last cycle";
  return null;
};

const checkValue: Workload["check"] = (n, o) => {
  const value = (o.v as Value).get_obj().value; // no lock: every actor is done
  return value === 2 * n ? null : `the Value ends at ${String(value)}, expected ${2 * n}`;
};

// --- workloads ---------------------------------------------------------------------------------------

const two = (prepare: Role["prepare"], other: Role["prepare"] = prepare) => (n: number): Role[] => [
  { count: n, prepare },
  { count: n, prepare: other },
];

const twoToTwo = (put: Role["prepare"], get: Role["prepare"]) => (n: number): Role[] => {
  const h = Math.floor(n / 2);
  return [
    { count: h, first: 0, prepare: put },
    { count: n - h, first: h, prepare: put },
    { count: h, prepare: get },
    { count: n - h, prepare: get },
  ];
};

const queue = (): Objects => ({ q: new Queue() });

export const WORKLOADS: readonly Workload[] = [
  {
    name: "lock-uncontended",
    description: "one actor, N acquire()/release() pairs on a Lock",
    n: 5_000_000,
    goal: { ratio: 2, label: ">= 2x" },
    setup: () => ({ lock: new Lock() }),
    roles: (n) => [{ count: n, prepare: lockLoop }],
    check: checkLock,
  },
  {
    name: "lock-contended",
    description: "two actors, each N acquire()/release() pairs on one Lock",
    n: 1_000_000,
    goal: { ratio: 6, label: ">= 6x" },
    setup: () => ({ lock: new Lock() }),
    roles: two(lockLoop),
    check: checkLock,
  },
  {
    name: "queue-1to1-numbers",
    description: "one producer puts N ints, one consumer gets N",
    n: 20_000,
    goal: { ratio: 10, label: ">= 10x" },
    setup: queue,
    roles: (n) => [{ count: n, first: 0, prepare: putNumbers }, { count: n, prepare: getNumbers }],
    check: checkQueue,
  },
  {
    name: "queue-1to1-strings",
    description: "one producer puts N strings 'item-<i>', one consumer gets N",
    n: 20_000,
    goal: null,
    setup: queue,
    roles: (n) => [{ count: n, first: 0, prepare: putStrings }, { count: n, prepare: getStrings }],
    check: checkQueue,
  },
  {
    name: "queue-2to2-numbers",
    description: "two producers put N/2 ints each, two consumers get N/2 each, one Queue",
    n: 20_000,
    multipleOf: 2,
    goal: null,
    setup: queue,
    roles: twoToTwo(putNumbers, getNumbers),
    check: checkQueue,
  },
  {
    name: "queue-2to2-strings",
    description: "two producers put N/2 strings each, two consumers get N/2 each, one Queue",
    n: 20_000,
    multipleOf: 2,
    goal: { ratio: 4, label: ">= 4x" },
    setup: queue,
    roles: twoToTwo(putStrings, getStrings),
    check: checkQueue,
  },
  {
    name: "pipe-roundtrip",
    description: "A sends an int, B recv()s it and sends it back, A recv()s it (poll(timeout) before each recv): N round trips",
    n: 10_000,
    goal: { ratio: 1 / 0.35, label: "ref <= 0.35x" },
    setup: () => ({ pipe: new Pipe() }),
    roles: two(pipeA, pipeB),
    check: checkPipe,
  },
  {
    name: "barrier-cycles",
    description: "Barrier(2); two actors each call wait() N times",
    n: 10_000,
    goal: { ratio: 5, label: ">= 5x" },
    setup: () => ({ barrier: new Barrier(2) }),
    roles: two(barrierLoop),
    check: checkBarrier,
  },
  {
    name: "event-pingpong",
    description: "A: N x {e1.set(); e2.wait(); e2.clear()}, B: N x {e1.wait(); e1.clear(); e2.set()}",
    n: 10_000,
    goal: null,
    setup: () => ({ e1: new Event(), e2: new Event() }),
    roles: two(eventA, eventB),
    check: checkEvents,
  },
  {
    name: "value-increments",
    description: "Value('i', 0); two actors each N x `with v.get_lock(): v.value += 1`",
    n: 500_000,
    goal: null,
    setup: () => ({ v: new Value("i", 0) }),
    roles: two(valueLoop),
    check: checkValue,
  },
];

export function workload(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`unknown workload ${name} (known: ${WORKLOADS.map((x) => x.name).join(", ")})`);
  return w;
}

/** N scaled, at least 1 (and a multiple of the workload's `multipleOf`). */
export function scaledCount(w: Workload, scale: number): number {
  const m = w.multipleOf ?? 1;
  return Math.max(m, Math.round((w.n * scale) / m) * m);
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

// --- the reference side: worker threads --------------------------------------------------------------

/** Parent -> worker: one actor of one run. */
export interface RunMessage {
  type: "run";
  workload: string;
  role: number;
  n: number;
  handles: Handles;
  /** Word 0 turns non-zero to start the actors. */
  go: SharedArrayBuffer;
  timeoutS: number;
}

/** Worker -> parent. */
export type WorkerMessage =
  | { type: "up" }
  | { type: "ready" }
  | { type: "done"; ms: number; result: ActorResult }
  | { type: "error"; message: string };

/** One worker thread and its messages, taken in order with a timeout each. */
class ActorThread {
  readonly #inbox: WorkerMessage[] = [];
  readonly #waiting: { resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  #failed: Error | null = null;

  constructor(readonly worker: Worker) {
    worker.on("message", (m: WorkerMessage) => {
      const w = this.#waiting.shift();
      if (w) w.resolve(m);
      else this.#inbox.push(m);
    });
    const fail = (e: Error) => {
      this.#failed ??= e;
      for (const w of this.#waiting.splice(0)) w.reject(e);
    };
    worker.on("error", (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on("exit", (code) => fail(new Error(`actor worker exited (code ${code})`)));
  }

  /** The next message; rejects after `ms`, on an `error` message, or when the worker dies. */
  next(ms: number, what: string): Promise<WorkerMessage> {
    const m = this.#inbox.shift();
    if (m) return m.type === "error" ? Promise.reject(new Error(m.message)) : Promise.resolve(m);
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      const entry = {
        resolve: (m: WorkerMessage) => {
          clearTimeout(timer);
          if (m.type === "error") reject(new Error(m.message));
          else resolve(m);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const k = this.#waiting.indexOf(entry);
        if (k >= 0) this.#waiting.splice(k, 1);
        reject(new Error(`no ${what} from an actor worker within ${ms / 1000} s`));
      }, ms);
      this.#waiting.push(entry);
    });
  }
}

/** Worker threads that run the actors, reused from run to run. Close it (terminates them) in a finally. */
export class ActorPool {
  private constructor(readonly threads: ActorThread[]) {}

  static async start(size: number, timeoutS = TIMEOUT_S): Promise<ActorPool> {
    const url = siblingUrl(import.meta.url, "./worker");
    const pool = new ActorPool(Array.from({ length: size }, () => new ActorThread(spawnWorker(url))));
    try {
      await Promise.all(pool.threads.map((t) => t.next(timeoutS * 1000, "start-up")));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  /**
   * One run of a workload: its time in ms (the slowest actor's). Throws CheckFailed when the
   * check fails, an Error when an actor fails or times out (the pool is then unusable: close it).
   */
  async run(w: Workload, n: number, timeoutS = TIMEOUT_S): Promise<{ ms: number; results: ActorResult[] }> {
    const roles = w.roles(n);
    if (roles.length > this.threads.length) throw new Error(`${w.name} needs ${roles.length} actor threads, the pool has ${this.threads.length}`);
    const objects = w.setup();
    const handles: Handles = Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, o.handle()]));
    const go = new Int32Array(new SharedArrayBuffer(4));
    const actors = this.threads.slice(0, roles.length);
    const waitMs = timeoutS * 1000;
    actors.forEach((t, role) => {
      const m: RunMessage = { type: "run", workload: w.name, role, n, handles, go: go.buffer as SharedArrayBuffer, timeoutS };
      t.worker.postMessage(m);
    });
    await Promise.all(actors.map((t) => t.next(waitMs, "ready")));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    // Each actor's calls time out after timeoutS; a loop of them may take longer.
    const reports = await Promise.all(actors.map((t) => t.next(waitMs * LOOP_TIMEOUTS, "result")));
    const done = reports.map((m) => {
      if (m.type !== "done") throw new Error(`unexpected message from an actor worker: ${JSON.stringify(m)}`);
      return m;
    });
    const results = done.map((m) => m.result);
    const problem = w.check(n, objects, results);
    if (problem !== null) throw new CheckFailed(`${w.name} (reference): check failed: ${problem}`);
    return { ms: Math.max(...done.map((m) => m.ms)), results };
  }
}

/** Worker threads a set of workloads needs at once. */
export const poolSize = (ws: readonly Workload[]): number => Math.max(1, ...ws.map((w) => w.roles(w.multipleOf ?? 2).length));

// --- the CPython side -------------------------------------------------------------------------------

export const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./cpython_workloads.py", import.meta.url));

export interface CPythonResult {
  workload: string;
  n: number;
  ok: boolean;
  rounds_ms?: number[];
  median_ms?: number;
  error?: string;
}

/** Run cpython_workloads.py with these arguments; its JSON lines, its exit status and stderr. Killed after `killAfterS`. */
function runScript(args: string[], killAfterS: number): Promise<{ lines: unknown[]; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${PYTHON} ${SCRIPT} ${args.join(" ")}: killed after ${killAfterS} s`));
    }, killAfterS * 1000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        const lines = stdout.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as unknown);
        resolve({ lines, code, stderr });
      } catch (e) {
        reject(new Error(`unexpected output of ${SCRIPT} (exit ${code}): ${stdout}\n${stderr}\n${String(e)}`));
      }
    });
  });
}

/** The Python version that runs the CPython side. */
export async function pythonInfo(): Promise<{ python: string; implementation: string }> {
  const { lines, code, stderr } = await runScript(["--info"], 30);
  if (code !== 0 || lines.length !== 1) throw new Error(`${PYTHON} ${SCRIPT} --info failed (exit ${code}): ${stderr}`);
  return lines[0] as { python: string; implementation: string };
}

/**
 * Run workloads on CPython (fork), `rounds` rounds each with count `n`; one result per workload,
 * in order, until the first that fails (`ok: false`, `error`). Throws when the script itself fails.
 */
export async function runCPython(names: readonly string[], n: number, rounds: number, timeoutS = TIMEOUT_S): Promise<CPythonResult[]> {
  const args = ["--workload", names.join(","), "--n", String(n), "--rounds", String(rounds), "--timeout", String(timeoutS)];
  // A round waits at most the start, the loops (LOOP_TIMEOUTS) and the joins; this is a backstop.
  const { lines, code, stderr } = await runScript(args, (LOOP_TIMEOUTS + 3) * timeoutS * rounds * names.length + 30);
  const results = lines as CPythonResult[];
  if (code !== 0 && !results.some((r) => !r.ok)) throw new Error(`${SCRIPT} exited with ${code}: ${stderr}`);
  return results;
}
