/**
 * The Python adapter on the real CPython: the handshake, generated Lock
 * scenarios judged by the checker against the real spec (bounded campaigns),
 * deadlines (pending calls, killed actors), and nothing left running.
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { JsonlAdapter } from "../../conformance/adapter/jsonl-adapter.js";
import { PYTHON_ADAPTER } from "../../conformance/adapter/registry.js";
import { hasPython, PY } from "./test-support.js";
import { schemaProblems } from "../../conformance/adapter/protocol.js";
import { eventually, groupMembers } from "../../conformance/adapter/fixtures/processes.js";
import { runCampaign } from "../../conformance/run/campaign.js";
import type { Call, Scenario } from "../../conformance/scenario/types.js";
import { loadSpecDir, loadSpecFile, PRIMITIVES_DIR } from "../../conformance/spec/load.js";
import { counterexampleText } from "../../conformance/report/campaign-text.js";

const FIXTURES = join(dirname(PYTHON_ADAPTER), "fixtures");

const lock = loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"));
// Lock as of 0.1, every timeout finite (conformance/run/fixtures/Lock.yaml): a campaign on it
// may cut nothing, so a pass covers every call. (The current Lock draws None timeouts.)
const finiteLock = loadSpecFile(join(dirname(PYTHON_ADAPTER), "../../conformance/run/fixtures/Lock.yaml"));
const specs = [lock];
const open = (...flags: string[]) =>
  JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", ...flags], specs });

/** Everything in the adapter's process group but the adapter itself (its actors, resource tracker, forkserver). */
const others = (pgid: number) => groupMembers(pgid).filter((p) => p !== pgid);

const acquire = (block: boolean, timeout: number | null): Call => ({ object: "o0", op: "acquire", args: { block, timeout } });
const release: Call = { object: "o0", op: "release", args: {} };

describe.skipIf(!hasPython)(`the Python adapter (${PY})`, () => {
  test("exception names: public module, bases without object", () => {
    const code = [
      "import sys, json, queue, _queue",
      `sys.path.insert(0, ${JSON.stringify(dirname(PYTHON_ADAPTER))})`,
      "import mpspec_adapter as m",
      "out = [m.raised_outcome(e) for e in (queue.Empty(), ValueError('x'), queue.Full())]",
      "out.append(m.qualified_name(_queue.SimpleQueue))",
      "print(json.dumps(out))",
    ].join("\n");
    const out = JSON.parse(execFileSync(PY, ["-B", "-c", code], { encoding: "utf8" }));
    expect(out).toEqual([
      { kind: "raised", type: "queue.Empty", message: "", mro: ["Exception", "BaseException"] },
      { kind: "raised", type: "ValueError", message: "x", mro: ["Exception", "BaseException"] },
      { kind: "raised", type: "queue.Full", message: "", mro: ["Exception", "BaseException"] },
      "queue.SimpleQueue",
    ]);
  });

  test("processes, fork: handshake, a bounded campaign on Lock passes, nothing left at stop", async () => {
    const a = await open();
    const pgid = a.pid!;
    try {
      expect(schemaProblems("ready", a.ready)).toEqual([]);
      expect(a.info.name).toBe("multiprocessing");
      expect(a.info.language).toBe("Python");
      expect(a.ready.capabilities).toMatchObject({ profiles: ["multiprocessing"], actor_kinds: ["processes", "threads"], start_methods: ["fork"] });
      expect(a.capabilities.primitives).toContain("Lock");
      const r = await runCampaign(finiteLock, a, { profile: "multiprocessing", runs: 40, seed: 11, deadlineMs: 5_000 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      expect(r.runs).toBe(40);
      // Every call of this Lock has a finite timeout: nothing may be cut, so the pass covers every call.
      expect(r.cut).toBe(0);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  });

  test("threads: a bounded campaign on threading.Lock and on multiprocessing.Lock passes", async () => {
    const a = await open("--actors", "threads");
    try {
      expect(a.capabilities.profiles).toEqual(["multiprocessing", "threading"]);
      for (const profile of ["threading", "multiprocessing"]) {
        const r = await runCampaign(finiteLock, a, { profile, runs: 30, seed: 12, deadlineMs: 5_000 });
        expect(r.error).toBeUndefined();
        expect(r.verdict, `${profile}: ${counterexampleText(r)}`).toBe("pass");
        expect(r.cut, profile).toBe(0);
      }
    } finally {
      await a.close();
    }
  });

  // Spawn too under MPSPEC_LONG (npm run test:long): pooled spawn workers are tested on the plain adapter below.
  test("one file to copy: the zipapp (npm run build:python-adapter) passes Lock campaigns with fork (and spawn, long run)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-pyz-"));
    try {
      const pyz = join(dir, "mpspec_adapter.pyz");
      execFileSync(PY, [join(dirname(PYTHON_ADAPTER), "build-zipapp.py"), pyz], { stdio: "ignore", timeout: 30_000 });
      const methods = [["--start-method", "fork"], ...(process.env.MPSPEC_LONG === "1" ? [["--start-method", "spawn", "--warm", "1"]] : [])];
      for (const flags of methods) {
        const a = await JsonlAdapter.open({ command: [PY, pyz, "--module", "multiprocessing", ...flags], specs });
        try {
          const r = await runCampaign(lock, a, { profile: "multiprocessing", runs: 15, seed: 14, deadlineMs: 5_000 });
          expect(r.error, flags.join(" ")).toBeUndefined();
          expect(r.verdict, `${flags.join(" ")}: ${counterexampleText(r)}`).toBe("pass");
        } finally {
          await a.close();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("processes, fork: a Process campaign (callers: threads) runs its actors as threads, as the run message's calls.actors says", async () => {
    // Only the creating process may join a Process: actors in processes would get
    // AssertionError "can only join a child process" from join(), and the campaign would fail.
    const proc = loadSpecFile(join(PRIMITIVES_DIR, "Process.yaml"));
    // Every document, as the CLI gives them: the companions its targets act on ({"$object": ...},
    // Process.yaml generate.companions: Event, Queue, Lock, Value) and what their arguments build
    // (a Value's lock, {"$new": "RLock"}).
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "multiprocessing", "--start-method", "fork"], specs: loadSpecDir() });
    const pgid = a.pid!;
    try {
      expect(a.ready.implementation.configuration).toMatchObject({ actors: "processes" });
      const r = await runCampaign(proc, a, { profile: "multiprocessing", runs: 25, seed: 5 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      expect(r.coverage?.rules["Process.join.woken"] ?? 0, "joins that waited for the end").toBeGreaterThan(0);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  }, 120_000);

  test("processes, spawn: pooled workers receive each scenario's Lock; the campaign passes", async () => {
    const a = await open("--start-method", "spawn", "--warm", "2");
    const pgid = a.pid!;
    try {
      expect(a.ready.implementation.configuration).toMatchObject({ pooling: "processes pooled", start_method: "spawn" });
      const r = await runCampaign(finiteLock, a, { profile: "multiprocessing", runs: 30, seed: 13, deadlineMs: 5_000 });
      expect(r.error).toBeUndefined();
      expect(r.verdict, counterexampleText(r)).toBe("pass");
      expect(r.cut).toBe(0);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  });

  test.each([
    ["processes, fork", []],
    ["processes, spawn (pooled)", ["--start-method", "spawn", "--warm", "1"]],
    ["threads", ["--actors", "threads"]],
  ])("%s: a call still blocked at the deadline is pending, its actor killed", async (_, flags) => {
    const a = await open(...flags);
    const pgid = a.pid!;
    try {
      const before = others(pgid).length;
      // init takes the lock; a0 blocks forever (no timeout); a1 returns at once.
      const sc: Scenario = {
        profile: "multiprocessing",
        objects: [{ id: "o0", primitive: "Lock", args: {} }],
        init: [acquire(true, null)],
        parallel: [[acquire(false, null), acquire(true, null), release], [acquire(false, null)]],
        post: [release],
      };
      // Generous: the adapter answers at ~80% of it (its share), whatever the machine's load.
      const deadline = 2_500;
      const t0 = performance.now();
      const h = await a.run(sc, deadline);
      expect(performance.now() - t0).toBeLessThan(deadline);
      const a0 = h.events.filter((e) => e.actor === "a0");
      expect(a0.map((e) => e.outcome)).toEqual([{ kind: "returned", value: false }, { kind: "pending" }]);
      expect(a0[1]!.response).toBeNull();
      expect(a0[1]!.invoke).toBeGreaterThanOrEqual(a0[0]!.response!);
      expect(h.events.filter((e) => e.actor === "a1").map((e) => e.outcome)).toEqual([{ kind: "returned", value: false }]);
      // The post part never ran: the parallel part did not finish.
      expect(h.events.filter((e) => e.actor === "main")).toHaveLength(1);
      if (flags[0] !== "--actors") {
        // The stuck actor was killed; the others went back to the pool or exited.
        expect(await eventually(() => others(pgid).length <= before)).toBe(true);
      }
      // The adapter is fine afterwards.
      const next: Scenario = { ...sc, init: [], parallel: [[acquire(true, 0.005)], [acquire(true, 0.005)]], post: [release] };
      const h2 = await a.run(next, 5_000);
      expect(h2.events.filter((e) => e.outcome.kind === "returned" && e.outcome.value === true)).toHaveLength(1);
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  });

  test("--module: a user's look-alike module with a broken Lock fails the campaign", async () => {
    const a = await JsonlAdapter.open({
      command: [PY, PYTHON_ADAPTER, "--module", "brokenmp"],
      specs,
      env: { ...process.env, PYTHONPATH: FIXTURES },
    });
    try {
      expect(a.info.name).toBe("brokenmp");
      const r = await runCampaign(lock, a, { profile: "multiprocessing", runs: 100, seed: 5, deadlineMs: 5_000 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("fail");
      expect(r.levels.documented?.verdict).toBe("fail");
    } finally {
      await a.close();
    }
  });

  test("--module: a Lock whose blocking acquire ignores its timeout fails (never returning, or returning after its timeout)", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "deafmp"], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
    try {
      // The default adaptive deadline: a timed acquire that hangs is cut there; the liveness rule
      // fails it once it waited long enough (a run to the horizon, or the adapter's first, slow
      // runs). With timeouts that overlap a release, it also returns True long after its timeout.
      const r = await runCampaign(lock, a, { profile: "multiprocessing", runs: 60, seed: 5, horizonMs: 1500 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("fail");
      const cx = r.levels.documented!.counterexample!;
      expect(cx.check.objects.flatMap((o) => o.contradicts ?? []).some((id) => id.startsWith("Lock.acquire."))).toBe(true);
    } finally {
      await a.close();
    }
  });

  test("a call whose actor process dies is raised mpspec.ActorDied; the actor's later calls are cut; the adapter goes on", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "crashmp"], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
    const pgid = a.pid!;
    try {
      // a1 dies in its first call: the call "raised" mpspec.ActorDied, its second call never started,
      // so the answer comes at the deadline (the run is cut), and the post part never ran.
      const sc: Scenario = { profile: "multiprocessing", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [], parallel: [[release], [acquire(true, 0.005), release]], post: [release] };
      const t0 = performance.now();
      const h = await a.run(sc, 1_500);
      expect(performance.now() - t0).toBeGreaterThan(1_000);
      expect(h.cutAt).toBeDefined();
      const a1 = h.events.filter((e) => e.actor === "a1");
      expect(a1).toHaveLength(1);
      expect(a1[0]!.outcome).toMatchObject({ kind: "raised", type: "mpspec.ActorDied", mro: [] });
      expect((a1[0]!.outcome as { message: string }).message).toMatch(/died during o0\.acquire \(exit code 7\)/);
      expect(h.events.filter((e) => e.actor === "a0").map((e) => e.outcome.kind)).toEqual(["raised"]);
      expect(a.pid).toBe(pgid);
      const h2 = await a.run({ ...sc, parallel: [[release]], post: [] }, 3_000);
      expect(h2.events[0]!.outcome).toMatchObject({ kind: "raised", type: "ValueError", message: "semaphore or lock released too many times" });
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  });

  test("SIGTERM that the implementation sends its own process during a scenario (billiard's crashed Pool thread): the calls not returned raise mpspec.ActorDied, the adapter goes on", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "selfkillmp", "--actors", "threads"], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
    const pgid = a.pid!;
    try {
      // a1's release returns before a0's acquire starts (a pause); a0's acquire never returns: its
      // process got SIGTERM, so a program would have ended there. Answered at once, not at the deadline.
      const sc: Scenario = { profile: "multiprocessing", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [], parallel: [[{ ...acquire(true, null), pause: 0.2 }], [release]], post: [] };
      const t0 = performance.now();
      const h = await a.run(sc, 5_000);
      // Every call accounted for, so not held to the deadline (it once was, its pending call counted as never started).
      expect(performance.now() - t0).toBeLessThan(2_500);
      expect(h.cutAt).toBeUndefined();
      const byActor = Object.fromEntries(h.events.map((e) => [e.actor, e.outcome]));
      expect(byActor.a1).toMatchObject({ kind: "raised", type: "ValueError" });
      expect(byActor.a0).toMatchObject({ kind: "raised", type: "mpspec.ActorDied", mro: [] });
      expect((byActor.a0 as { message: string }).message).toMatch(/received SIGTERM .* before this call returned/);
      // The same process serves the next scenario, as before.
      expect(a.pid).toBe(pgid);
      const h2 = await a.run({ ...sc, parallel: [[release]] }, 3_000);
      expect(h2.events[0]!.outcome).toMatchObject({ kind: "raised", type: "ValueError" });
    } finally {
      await a.close();
    }
    expect(await eventually(() => groupMembers(pgid).length === 0)).toBe(true);
  });

  test("a Process forked from a thread of the adapter and terminated at once dies of SIGTERM every time (none lost to the adapter's inherited handler)", () => {
    // Without protect_forks' mask, a SIGTERM reaching the child before CPython's after-fork code
    // ran tripped the inherited Python handler, whose flag that code clears: about 4% of such
    // children ran on to exit code 0, a false failure of Process.exitcode on CPython fork.
    const code = [
      "import multiprocessing as mp, os, signal, sys, threading, time, collections",
      `sys.path.insert(0, ${JSON.stringify(dirname(PYTHON_ADAPTER))})`,
      "from mpspec_py.__main__ import protect_forks",
      "pid0 = os.getpid()",
      "def on_term(s, f):",
      "    if os.getpid() != pid0: signal.signal(signal.SIGTERM, signal.SIG_DFL); os.kill(os.getpid(), signal.SIGTERM)",
      "signal.signal(signal.SIGTERM, on_term)",
      "protect_forks()",
      "c = collections.Counter()",
      "def run():",
      "    for i in range(300):",
      "        p = mp.get_context('fork').Process(target=time.sleep, args=(0.2,)); p.start(); p.terminate(); p.join(5); c[p.exitcode] += 1",
      "t = threading.Thread(target=run); t.start(); t.join()",
      "print(dict(c))",
    ].join("\n");
    expect(execFileSync(PY, ["-B", "-c", code], { encoding: "utf8", timeout: 60_000 }).trim()).toBe("{-15: 300}");
  }, 70_000);

  test("a scenario that ends the adapter's own process every time (os._exit in a thread actor's call) fails with that crash, shrunk", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "exitingmp", "--actors", "threads"], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
    try {
      const r = await runCampaign(lock, a, { profile: "multiprocessing", runs: 40, seed: 2, longRuns: 0 });
      expect(r.error).toBeUndefined();
      expect(r.verdict).toBe("fail");
      const cx = r.levels.documented!.counterexample!;
      expect(cx.crash).toMatch(/exited with code 1[\s\S]*Thread 'Supervisor' crashed: a test's/);
      expect(cx.history.events).toEqual([]);
      // Shrunk to the call that crashes it, a non-blocking acquire, and few others.
      const calls = [...cx.scenario.init, ...cx.scenario.parallel.flat(), ...cx.scenario.post];
      expect(calls.length).toBeLessThanOrEqual(3);
      expect(calls.some((c) => c.op === "acquire" && c.args.block === false)).toBe(true);
      expect(counterexampleText(r)).toMatch(/No history: the adapter crashed\./);
      // Crashes restart the adapter without spending its restarts for failures.
      expect(a.restarts).toBe(0);
      expect(a.crashRestarts).toBeGreaterThan(1);
      // With lanes (--concurrency) too: the same failure, the same kind of counterexample.
      const lane = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "exitingmp", "--actors", "threads"], specs, env: { ...process.env, PYTHONPATH: FIXTURES } });
      try {
        const together = await runCampaign(lock, a, { profile: "multiprocessing", runs: 40, seed: 2, longRuns: 0, lanes: [lane] });
        expect(together.error).toBeUndefined();
        expect(together.verdict).toBe("fail");
        expect(together.levels.documented!.counterexample!.crash).toMatch(/exited with code 1/);
      } finally {
        await lane.close();
      }
    } finally {
      await a.close();
    }
  }, 120_000);

  test("a crash of the adapter's process that does not recur when its scenario runs again, or that its objects alone cause, is an adapter error, not a failure", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-once-"));
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "exitingmp", "--actors", "threads"], specs, env: { ...process.env, PYTHONPATH: FIXTURES, EXITINGMP_ONCE: join(dir, "crashed") } });
    try {
      // Seed 2: the first scenarios run; a later one crashes it, and not when run again.
      const r = await runCampaign(lock, a, { profile: "multiprocessing", runs: 40, seed: 2, longRuns: 0 });
      expect(r.verdict).toBe("error");
      expect(r.error).toMatch(/exited with code 1/);
      expect(r.errorScenario).toBeDefined();
      expect(r.runs).toBeGreaterThan(1);
      expect(a.crashRestarts).toBe(1);
    } finally {
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
    // Nor is one that the scenario's objects alone cause, with no call: any scenario would.
    const b = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--module", "exitingmp", "--actors", "threads"], specs, env: { ...process.env, PYTHONPATH: FIXTURES, EXITINGMP_CTOR: "1" } });
    try {
      const r = await runCampaign(lock, b, { profile: "multiprocessing", runs: 40, seed: 2, longRuns: 0 });
      expect(r.verdict).toBe("error");
      expect(r.error).toMatch(/exited with code 1/);
    } finally {
      await b.close();
    }
  }, 60_000);

  test.each([["processes", "fork"], ["threads", null]])("pauses (%s): a release placed after the waiter wakes it; a deadline cuts a pause short", async (actors, method) => {
    const a = await (method ? open("--actors", actors, "--start-method", method) : open("--actors", actors));
    try {
      const profile = actors === "threads" ? "threading" : "multiprocessing";
      // main holds the lock; a0 waits for it (0.5 s); a1 sleeps 50 ms, then releases it (threading.Lock
      // may be released by any thread): a0 gets the lock the moment a1 releases it.
      const sc: Scenario = { profile, objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [acquire(true, null)], parallel: [[acquire(true, 0.5)], [{ ...release, pause: 0.05 }]], post: [] };
      const h = await a.run(sc, 3_000); // the runner refuses a history whose pause was not slept (protocolProblems)
      const [a0] = h.events.filter((e) => e.actor === "a0");
      const [a1] = h.events.filter((e) => e.actor === "a1");
      expect(a0!.outcome).toEqual({ kind: "returned", value: true });
      expect(a1!.invoke).toBeGreaterThanOrEqual(50e6);
      expect(a0!.response!).toBeGreaterThanOrEqual(a1!.invoke);
      // A pause longer than the deadline: the call never starts and is left out; the run is cut.
      const cut = await a.run({ ...sc, init: [], parallel: [[{ ...release, pause: 30 }], [acquire(false, null)]] }, 1_000);
      expect(cut.cutAt).toBeDefined();
      expect(cut.events.map((e) => e.actor)).toEqual(["a1"]);
    } finally {
      await a.close();
    }
  }, 30_000);

  test.each([["processes", "fork", "multiprocessing"], ["threads", null, "threading"]])(
    "a constructor that refuses its arguments (%s): its error is the history's construction, and no call is made",
    async (actors, method, profile) => {
      const semaphore = loadSpecFile(join(PRIMITIVES_DIR, "Semaphore.yaml"));
      const a = await JsonlAdapter.open({
        command: [PY, PYTHON_ADAPTER, "--actors", actors!, ...(method ? ["--start-method", method] : [])],
        specs: [semaphore],
      });
      try {
        const get: Call = { object: "o0", op: "acquire", args: { block: false, timeout: null } };
        const sc: Scenario = { profile: profile!, objects: [{ id: "o0", primitive: "Semaphore", args: { value: -1 } }], init: [release], parallel: [[get]], post: [] };
        const h = await a.run({ ...sc, init: [] }, 2_000);
        expect(h.events).toEqual([]);
        const [c] = h.constructions!;
        expect(c!.object).toBe("o0");
        expect(c!.outcome).toMatchObject(
          profile === "threading" ? { kind: "raised", type: "ValueError", message: "semaphore initial value must be >= 0" } : { kind: "raised", type: "OSError", message: "[Errno 22] Invalid argument" },
        );
        // The adapter goes on: the next scenario builds its object and makes its calls.
        const ok = await a.run({ ...sc, init: [], objects: [{ id: "o0", primitive: "Semaphore", args: { value: 2 } }] }, 2_000);
        expect(ok.events.map((e) => e.outcome)).toEqual([{ kind: "returned", value: true }]);
      } finally {
        await a.close();
      }
    },
    30_000,
  );

  test("an object that cannot be created is an {id, error} answer naming it", async () => {
    const a = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--actors", "threads"], specs });
    try {
      // The runner cannot produce such a call from a valid spec: speak the protocol by hand.
      const sc: Scenario = { profile: "threading", objects: [{ id: "o0", primitive: "Lock", args: {} }], init: [release], parallel: [], post: [] };
      const h = await a.run(sc, 2_000);
      expect(h.events[0]!.outcome).toEqual({ kind: "raised", type: "RuntimeError", message: "release unlocked lock", mro: ["Exception", "BaseException"] });
      const bad = { ...lock, doc: { ...lock.doc, profiles: { threading: { callable: "threading.NoSuchLock" } } } };
      const b = await JsonlAdapter.open({ command: [PY, PYTHON_ADAPTER, "--actors", "threads"], specs: [bad] });
      try {
        await expect(b.run(sc, 2_000)).rejects.toThrow(/could not run scenario 1: threading has no NoSuchLock/);
        expect(b.pid).not.toBeNull();
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
