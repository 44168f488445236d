import { afterEach, describe, expect, test } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Call, Scenario } from "../scenario/types.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { JsonlAdapter, splitCommandLine, shellQuote, type JsonlAdapterOptions } from "./jsonl-adapter.js";
import { AdapterCrash, AdapterError } from "./types.js";
import { eventually, isGone } from "./fixtures/processes.js";
import { isCommandLine, resolveAdapter } from "./registry.js";

const FAKE = fileURLToPath(new URL("./fixtures/fake-adapter.mjs", import.meta.url));
const specs = [loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"))];

const acquire = (timeout: number | null = 0.005): Call => ({ object: "o0", op: "acquire", args: { block: true, timeout } });
const release: Call = { object: "o0", op: "release", args: {} };
const scenario: Scenario = {
  profile: "multiprocessing",
  objects: [{ id: "o0", primitive: "Lock", args: {} }],
  init: [acquire()],
  parallel: [[release, acquire()], [acquire()]],
  post: [release],
};

const opened: JsonlAdapter[] = [];
async function fake(mode: string, extra: Partial<JsonlAdapterOptions> = {}, ...args: string[]): Promise<JsonlAdapter> {
  const a = await JsonlAdapter.open({ command: [process.execPath, FAKE, mode, ...args], specs, ...extra });
  opened.push(a);
  return a;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((a) => a.close()));
});

/** The error `p` rejects with, and how long it took. */
async function failure(p: Promise<unknown>): Promise<{ error: AdapterError; ms: number }> {
  const t0 = performance.now();
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AdapterError);
    return { error: e as AdapterError, ms: performance.now() - t0 };
  }
  throw new Error("expected an AdapterError");
}

const grandchildOf = (message: string): number => {
  const m = /grandchild pid (\d+)/.exec(message);
  expect(m, `no grandchild pid in: ${message}`).not.toBeNull();
  return Number(m![1]);
};

describe("splitCommandLine", () => {
  test.each([
    ["python3 adapters/python/mpspec_adapter.py --module multiprocessing", ["python3", "adapters/python/mpspec_adapter.py", "--module", "multiprocessing"]],
    [`  a  'b c'  "d \\"e\\" $f"  g\\ h  `, ["a", "b c", `d "e" $f`, "g h"]],
    [`x '' ""`, ["x", "", ""]],
    [`it's"  "quoted`, null],
  ])("%s", (line, argv) => {
    if (argv === null) expect(() => splitCommandLine(line)).toThrow(/unterminated/);
    else expect(splitCommandLine(line)).toEqual(argv);
  });

  test("shellQuote round-trips", () => {
    const argv = ["python3", "my adapter.py", "--name", "it's", ""];
    expect(splitCommandLine(shellQuote(argv))).toEqual(argv);
  });

  test("--adapter takes short names, command lines and paths", () => {
    expect(isCommandLine("python")).toBe(false);
    expect(isCommandLine("python3 my_adapter.py")).toBe(true);
    expect(isCommandLine("./my-adapter")).toBe(true);
    expect(resolveAdapter("python")?.description).toMatch(/multiprocessing/);
    expect(resolveAdapter("node fake.mjs")?.description).toMatch(/JSON-lines adapter: node fake\.mjs/);
    expect(resolveAdapter("nope")).toBeUndefined();
  });
});

describe("JsonlAdapter with a well-behaved adapter", () => {
  test("handshake, runs, close", async () => {
    const a = await fake("ok");
    expect(a.info).toMatchObject({ name: "fake-ok", version: "0", language: "JavaScript" });
    expect(a.info.runtime).toMatch(/^Node\.js \d/);
    expect(a.capabilities).toEqual({ primitives: ["Lock"], profiles: ["multiprocessing", "threading"], actorKinds: ["processes"] });
    const pid = a.pid!;
    for (let i = 0; i < 3; i++) {
      const h = await a.run(scenario, 2_000);
      expect(h.events.map((e) => `${e.actor}:${e.op}`)).toEqual(["main:acquire", "a0:release", "a0:acquire", "a1:acquire", "main:release"]);
    }
    expect(a.pid).toBe(pid);
    await a.close();
    expect(await eventually(() => isGone(pid))).toBe(true);
    await expect(a.run(scenario, 1_000)).rejects.toThrow(/closed/);
  });

  test("a flood on stderr does not block it (always drained)", async () => {
    const a = await fake("flood-then-answer");
    const t0 = performance.now();
    const h = await a.run(scenario, 5_000);
    expect(h.events).toHaveLength(5);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(a.stderrTail.length).toBeLessThanOrEqual(16 * 1024);
  });

  test("an {id, error} answer fails that scenario only: the adapter keeps running", async () => {
    const a = await fake("error");
    const pid = a.pid;
    const { error } = await failure(a.run(scenario, 2_000));
    expect(error.message).toMatch(/could not run scenario 1: cannot construct multiprocessing\.Lock here/);
    await expect(a.run(scenario, 2_000)).rejects.toThrow(/could not run scenario 2/);
    expect(a.pid).toBe(pid);
    expect(a.restarts).toBe(0);
  });

  test("every history is checked against its scenario (calls dropped, invented, out of order, pending too early)", async () => {
    const strict = await fake("bad-history");
    const { error } = await failure(strict.run(scenario, 2_000));
    expect(error.message).toMatch(/history that does not fit the scenario/);
    expect(error.message).toMatch(/actor a0, event 0: o0\.acquire\(.*\) is not its call 0, o0\.release\(\{\}\)/);
    expect(strict.pid).not.toBeNull(); // in step: not killed
    const empty = await fake("empty");
    expect((await failure(empty.run(scenario, 2_000))).error.message).toMatch(/calls reported, and no call is pending \(every call must be accounted for\)/);
    const invented = await fake("invented");
    expect((await failure(invented.run(scenario, 2_000))).error.message).toMatch(/events for \d+ calls/);
    const allPending = await fake("all-pending");
    expect((await failure(allPending.run(scenario, 2_000))).error.message).toMatch(/call\(s\) reported pending after \d+ ms, before the scenario's deadline of 1600 ms/);
  });
});

describe("misbehaving adapters: AdapterError within the deadline, nothing left running", () => {
  const DEADLINE = 1_500;
  test.each([
    ["crash", /exited with code 3/, /about to crash mid-scenario/],
    ["hang", /did not answer scenario 1 \(deadline 1500 ms\) within \d+ ms/, /grandchild pid/],
    ["garbage", /answered scenario 1 with a line that is not JSON: "this is not JSON \{"/, null],
    ["wrong-id", /answered scenario 1 with id 2: "\{\\"id\\":2,/, null],
    ["flood", /did not answer scenario 1/, /stderr \(last \d+ of \d+ bytes\):\n {4}x{20}/],
  ])("%s", async (mode, problem, stderr) => {
    const a = await fake(mode);
    const pid = a.pid!;
    const { error, ms } = await failure(a.run(scenario, DEADLINE));
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(`(pid ${pid})`);
    if (stderr) expect(error.message).toMatch(stderr);
    expect(error.message.length).toBeLessThan(20_000);
    expect(ms).toBeLessThan(DEADLINE + 3_000); // ended at its deadline, not left hanging (wide: a loaded machine)
    expect(a.pid).toBeNull();
    expect(await eventually(() => isGone(pid), 1_000)).toBe(true);
    if (mode === "crash" || mode === "hang") {
      const g = grandchildOf(error.message);
      expect(await eventually(() => isGone(g), 1_000), `grandchild ${g} still running`).toBe(true);
    }
  });

  test("out of turn: a line nobody asked for fails the next run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-fake-"));
    try {
      const a = await fake("out-of-turn", {}, join(dir, "state"));
      await new Promise((r) => setTimeout(r, 150));
      const { error } = await failure(a.run(scenario, DEADLINE));
      expect(error.message).toMatch(/wrote a line out of turn \(no request was outstanding\): "\{\\"id\\":99/);
      // Reported once; the next run restarts it.
      expect((await a.run(scenario, DEADLINE)).events).toHaveLength(5);
      expect(a.restarts).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("another protocol version fails the handshake", async () => {
    const { error } = await failure(fake("version"));
    expect(error.message).toMatch(/speaks protocol version 2; this runner speaks version 1/);
    const pid = Number(/\(pid (\d+)\)/.exec(error.message)![1]);
    expect(await eventually(() => isGone(pid), 1_000)).toBe(true);
  });

  test("no answer to start: handshake timeout", async () => {
    const { error, ms } = await failure(fake("no-handshake", { handshakeTimeoutMs: 500 }));
    expect(error.message).toMatch(/did not answer the start command within 500 ms/);
    expect(ms).toBeLessThan(5_000);
  });

  test("a command that does not exist", async () => {
    const { error } = await failure(JsonlAdapter.open({ command: "/nonexistent/mpspec-adapter --flag", specs }));
    expect(error.message).toMatch(/adapter `\/nonexistent\/mpspec-adapter --flag` could not be started: spawn \/nonexistent\/mpspec-adapter ENOENT/);
  });

  test("a line longer than maxLineBytes", async () => {
    const a = await fake("ok", { maxLineBytes: 600 });
    const { error } = await failure(a.run(scenario, DEADLINE));
    expect(error.message).toMatch(/wrote a line longer than 600 characters/);
  });

  test("an adapter that ignores stop is killed by close()", async () => {
    const a = await fake("ignore-stop", { stopTimeoutMs: 200 });
    const pid = a.pid!;
    await a.close();
    expect(isGone(pid)).toBe(true);
  });
});

describe("restarts", () => {
  test("a crashed adapter is restarted for the next scenario", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpspec-fake-"));
    try {
      const a = await fake("crash-first", {}, join(dir, "state"));
      const first = a.pid!;
      // Ended by itself during a scenario: an AdapterCrash, whose restart is counted apart.
      const { error } = await failure(a.run(scenario, 2_000));
      expect(error).toBeInstanceOf(AdapterCrash);
      expect(error.message).toMatch(/exited with code 4[\s\S]*crashing on the first run/);
      await expect(a.run(scenario, 2_000)).resolves.toMatchObject({ events: { length: 5 } });
      expect(a.restarts).toBe(0);
      expect(a.crashRestarts).toBe(1);
      expect(a.pid).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bounded number of times", async () => {
    const a = await fake("garbage", { maxRestarts: 2 });
    for (let i = 0; i < 3; i++) await expect(a.run(scenario, 1_000)).rejects.toThrow(/not JSON/);
    const t0 = performance.now();
    const { error } = await failure(a.run(scenario, 1_000));
    expect(error.message).toMatch(/failed 3 times; not restarted again\. Last failure:\n.*not JSON/);
    expect(performance.now() - t0).toBeLessThan(1_000); // refused at once, not run to its deadline
    expect(a.restarts).toBe(2);
  });
});
