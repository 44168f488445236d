/**
 * JsonlAdapter: the runner's side of mpspec's JSON-lines adapter protocol
 * (spec/protocol/README.md). It runs any adapter program, in any language,
 * given as a command line, and speaks to it one JSON object per line on its
 * stdin/stdout; the adapter's stderr is drained continuously and its last few
 * kilobytes quoted in error messages.
 *
 * Robustness: every line the adapter writes is parsed and validated (ajv,
 * spec/protocol/*.schema.json) before it is believed. An adapter that crashes,
 * hangs past the scenario's deadline, writes a line that is not JSON, answers
 * out of turn or with the wrong id, or speaks another protocol version yields an
 * AdapterError quoting the offending line and the stderr tail; the adapter is
 * then killed (with its whole process group: it is spawned detached, so its
 * actor processes die with it) and restarted, a bounded number of times, for
 * later scenarios. An `{"id","error"}` answer is an AdapterError for that
 * scenario only: the adapter is in step and keeps running.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import type { Socket } from "node:net";
import type { History } from "../history/types.js";
import type { Scenario } from "../scenario/types.js";
import type { LoadedSpec } from "../spec/load.js";
import { AdapterCrash, AdapterError, type Adapter, type AdapterCapabilities, type ImplementationInfo } from "./types.js";
import {
  PROTOCOL_VERSION,
  RunMessageError,
  producesIn,
  protocolProblems,
  runMessage,
  startMessage,
  schemaProblems,
  type ReadyMessage,
  type ResultMessage,
} from "./protocol.js";
import { killGroup, stoppingReason, trackGroup, untrackGroup } from "./process-groups.js";

export interface JsonlAdapterOptions {
  /** The adapter's command line: one string split like a POSIX shell would (quotes, backslashes; no expansion), or argv. */
  command: string | readonly string[];
  /** Spec documents: each object's callable per profile and the positional order of arguments. */
  specs: readonly LoadedSpec[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bound on start-up and handshake, per (re)start. Default 30 s. Not part of any scenario's deadline. */
  handshakeTimeoutMs?: number;
  /** Restarts after the adapter failed (crash, hang, garbage); then every run fails at once. Default 2. */
  maxRestarts?: number;
  /** Restarts after crashes during a scenario (AdapterCrash), counted apart from maxRestarts. Default 30. */
  maxCrashRestarts?: number;
  /** How long close() waits for the adapter to exit after "stop" before killing it. Default 2 s. */
  stopTimeoutMs?: number;
  /** Bytes of stderr kept for error messages. Default 16 KiB. */
  stderrTailBytes?: number;
  /** Longest line accepted from the adapter, in characters. Default 64 Mi. */
  maxLineBytes?: number;
}

/** A command line that cannot be split (an unterminated quote): the user's to fix. */
export class CommandLineError extends Error {
  override name = "CommandLineError";
}

/** The part of a scenario's deadline the runner keeps for transport and for killing a hung adapter. */
const graceMs = (deadlineMs: number): number => Math.min(1_000, Math.max(25, Math.round(deadlineMs * 0.2)));

/**
 * How long past its deadline the runner still waits for an answer before killing the adapter:
 * on a loaded machine (CI with every core busy, or `--concurrency` lanes) an adapter that gave
 * up on time may not be scheduled to kill its actors and write its reply for a few hundred ms.
 * Lateness is not a hang; half the deadline, between 500 ms and 1.5 s, tells the two apart. (At
 * least 50 ms was too little: 8 reference lanes on 2 cores answered a Pool scenario, whose
 * adaptive deadline had come down to 300 ms, 150 ms late. A hung adapter costs 0.5 s more.)
 */
const lateAllowanceMs = (deadlineMs: number): number => Math.min(1_500, Math.max(500, Math.round(deadlineMs * 0.5)));

/**
 * How much before `deadline_ms` (after its origin) an adapter may give up on calls and report
 * them pending (spec/protocol/README.md): 10% of the deadline, at most 100 ms.
 */
export const pendingToleranceMs = (deadlineMs: number): number => Math.min(100, deadlineMs / 10);

/** Split a command line as a POSIX shell would, without any expansion: 'single', "double" (\\ \" \$ \` escapes), backslash. */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let i = 0;
  const n = line.length;
  while (i < n) {
    const ch = line[i]!;
    if (ch === " " || ch === "\t" || ch === "\n") {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
      i++;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated ' in the command line ${line} (close the quote)`);
      cur += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= n) throw new CommandLineError(`unterminated " in the command line ${line} (close the quote)`);
        const c = line[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === "\\" && i + 1 < n && '\\"$`\n'.includes(line[i + 1]!)) {
          cur += line[i + 1];
          i += 2;
        } else {
          cur += c;
          i++;
        }
      }
    } else if (ch === "\\") {
      if (i + 1 < n) cur += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      cur += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** Quote argv for display or pasting into a POSIX shell. */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

const quote = (line: string, max = 300): string =>
  line.length <= max ? JSON.stringify(line) : `${JSON.stringify(line.slice(0, max))} ... (${line.length} characters in all)`;

class StderrTail {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.total += b.length;
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0]!.length >= this.max) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString("utf8");
  }
}

type Waiter = { resolve: (line: string) => void; reject: (e: AdapterError) => void };

/** One running adapter program. */
class AdapterProcess {
  readonly proc: ChildProcess;
  readonly pid: number | undefined;
  readonly stderr: StderrTail;
  /** Resolves once the process has exited (or could not be started). */
  readonly exited: Promise<void>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  spawnError: Error | null = null;
  /** Set when the adapter broke the protocol while no request was outstanding; reported on the next request. */
  fatal: string | null = null;
  private waiter: Waiter | null = null;
  private partial = "";
  private readonly decoder = new StringDecoder("utf8");
  private killed = false;

  constructor(
    readonly argv: readonly string[],
    private readonly opts: Required<Pick<JsonlAdapterOptions, "stderrTailBytes" | "maxLineBytes">> & Pick<JsonlAdapterOptions, "cwd" | "env">,
  ) {
    this.stderr = new StderrTail(opts.stderrTailBytes);
    let onExit!: () => void;
    this.exited = new Promise<void>((r) => (onExit = r));
    // Interrupted (SIGINT/SIGTERM): the adapters are being stopped, not restarted.
    const stopping = stoppingReason();
    if (stopping !== null) throw new AdapterError(`adapter \`${shellQuote(argv)}\` not started: mpspec is stopping (${stopping})`);
    // detached: the adapter leads a new process group (setsid), so its children can be killed with it.
    this.proc = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    this.pid = this.proc.pid;
    if (this.pid !== undefined) trackGroup(this.pid);
    this.proc.on("error", (e) => {
      // Failed to spawn (ENOENT, EACCES): no exit event follows.
      if (this.pid === undefined || this.exit === null) {
        this.spawnError = e;
        this.onGone(onExit);
      }
    });
    let closed = false;
    this.proc.on("close", () => {
      closed = true;
    });
    this.proc.on("exit", (code, signal) => {
      this.exit = { code, signal };
      // Orphaned actors of a crashed adapter are still in its group, and may hold its stdout.
      if (this.pid !== undefined) killGroup(this.pid);
      // Read what it wrote before exiting (its stdout closes once the group is gone), within reason.
      if (closed) this.onGone(onExit);
      else {
        const t = setTimeout(() => this.onGone(onExit), 500);
        this.proc.once("close", () => {
          clearTimeout(t);
          this.onGone(onExit);
        });
      }
    });
    this.proc.stdin!.on("error", () => {
      // EPIPE after the adapter died: its exit is reported instead.
    });
    this.proc.stdout!.on("data", (chunk: Buffer) => this.onStdout(chunk));
    // Always drained, so a flood on stderr cannot block the adapter.
    this.proc.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk));
    // An idle adapter must not keep this process alive (the exit hook kills it).
    this.proc.unref();
    for (const s of [this.proc.stdin, this.proc.stdout, this.proc.stderr]) (s as unknown as Socket | null)?.unref?.();
  }

  get alive(): boolean {
    return this.exit === null && this.spawnError === null;
  }

  private gone = false;

  private onGone(onExit: () => void): void {
    if (this.gone) return;
    this.gone = true;
    if (this.pid !== undefined) {
      killGroup(this.pid);
      untrackGroup(this.pid);
    }
    const w = this.waiter;
    this.waiter = null;
    if (w) w.reject(new AdapterError(this.describe(this.goneText())));
    onExit();
  }

  /** It exited, or a signal killed it, by itself: not killed by the runner, not failed to start. */
  get endedByItself(): boolean {
    return this.exit !== null && this.spawnError === null && !this.killed && stoppingReason() === null;
  }

  goneText(): string {
    if (this.spawnError) return `could not be started: ${this.spawnError.message}`;
    if (this.killed) return "was killed";
    const e = this.exit!;
    return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  }

  private onStdout(chunk: Buffer): void {
    const piece = this.decoder.write(chunk);
    let start = 0;
    let nl: number;
    // Only the new text is scanned: a long line arriving in many chunks costs linear time.
    while ((nl = piece.indexOf("\n", start)) >= 0) {
      let line = this.partial + piece.slice(start, nl);
      this.partial = "";
      start = nl + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line.length > this.opts.maxLineBytes) return this.tooLong();
      if (line.trim() === "") continue;
      this.onLine(line);
    }
    this.partial += piece.slice(start);
    if (this.partial.length > this.opts.maxLineBytes) this.tooLong();
  }

  private tooLong(): void {
    this.partial = "";
    this.breakProtocol(`wrote a line longer than ${this.opts.maxLineBytes} characters`);
  }

  private onLine(line: string): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w.resolve(line);
      return;
    }
    if (this.fatal === null && !this.killed) this.breakProtocol(`wrote a line out of turn (no request was outstanding): ${quote(line)}`);
  }

  /** The adapter is out of step: kill it; the failure is reported to the current or next request. */
  private breakProtocol(problem: string): void {
    const w = this.waiter;
    this.waiter = null;
    this.fatal ??= problem;
    void this.kill();
    if (w) w.reject(new AdapterError(this.describe(problem)));
  }

  /** Send a line (if any) and wait for the next one, at most `timeoutMs`. */
  request(line: string | null, timeoutMs: number, what: string): Promise<string> {
    if (this.fatal !== null) return Promise.reject(new AdapterError(this.describe(this.fatal)));
    if (!this.alive) return Promise.reject(new AdapterError(this.describe(this.goneText())));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.waiter !== waiter) return;
        this.waiter = null;
        this.fatal ??= `did not answer ${what} within ${timeoutMs} ms`;
        reject(new AdapterError(this.describe(`did not answer ${what} within ${timeoutMs} ms`)));
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiter = waiter;
      if (line !== null) this.proc.stdin!.write(line + "\n");
    });
  }

  /** Write a line, expecting no answer. */
  send(line: string): void {
    if (this.alive) this.proc.stdin!.write(line + "\n");
  }

  /** Kill the adapter and its process group; resolves once it has exited (at most `waitMs`). */
  async kill(waitMs = 5_000): Promise<void> {
    this.killed = this.killed || this.alive;
    if (this.pid !== undefined) killGroup(this.pid);
    try {
      this.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.waitExit(waitMs);
  }

  async waitExit(ms: number): Promise<boolean> {
    if (!this.alive) return true;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((res) => {
        timer = setTimeout(() => res(false), ms);
      }),
    ]);
    clearTimeout(timer);
    return r;
  }

  describe(problem: string): string {
    const head = `adapter \`${shellQuote(this.argv)}\`${this.pid !== undefined ? ` (pid ${this.pid})` : ""} ${problem}`;
    const tail = this.stderr.text().trimEnd();
    if (!tail) return head;
    const cut = this.stderr.total > Buffer.byteLength(tail) ? `last ${Buffer.byteLength(tail)} of ${this.stderr.total} bytes` : "all of it";
    return `${head}\n  stderr (${cut}):\n${tail.split("\n").map((l) => `    ${l}`).join("\n")}`;
  }
}

interface Settled {
  info: ImplementationInfo;
  capabilities: AdapterCapabilities;
  ready: ReadyMessage;
}

export class JsonlAdapter implements Adapter {
  info!: ImplementationInfo;
  capabilities!: AdapterCapabilities;
  /** Out-of-process actors take longer to start and to kill than threads. */
  readonly deadlineBaseMs = 2_000;
  readonly ownProcess = true;
  /** Actor processes may need a fork, a pool refill or a kill per scenario. */
  readonly deadlineFloorMs = 300;
  /** The ready message of the current (last) adapter process. */
  ready!: ReadyMessage;

  /** Its start method: `configuration.start_method` of the ready message, or its only `start_methods`. */
  get startMethod(): string | undefined {
    const said = this.ready?.implementation.configuration?.start_method;
    if (typeof said === "string" && said !== "") return said;
    const methods = this.ready?.capabilities.start_methods;
    return methods?.length === 1 ? methods[0] : undefined;
  }

  /** Its actors' kind: `configuration.actors` of the ready message, or its only `actor_kinds`. */
  get actorKind(): "threads" | "processes" | undefined {
    const said = this.ready?.implementation.configuration?.actors;
    if (said === "threads" || said === "processes") return said;
    return this.capabilities?.actorKinds.length === 1 ? this.capabilities.actorKinds[0] : undefined;
  }
  readonly argv: readonly string[];
  /** Restarts so far. */
  restarts = 0;
  /**
   * Restarts after a crash during a scenario (AdapterCrash), which do not count as restarts: a
   * campaign re-runs and shrinks a scenario that crashes its adapter, so each costs one.
   */
  crashRestarts = 0;
  private crashed = false;
  private child: AdapterProcess | null = null;
  /** Every adapter process started and not yet known to have exited. */
  private readonly started = new Set<AdapterProcess>();
  private lastFailure: string | null = null;
  private nextId = 1;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<Omit<JsonlAdapterOptions, "cwd" | "env" | "command">> & Pick<JsonlAdapterOptions, "cwd" | "env">;

  /** Start the adapter and complete the handshake. */
  static async open(options: JsonlAdapterOptions): Promise<JsonlAdapter> {
    const a = new JsonlAdapter(options);
    try {
      a.adopt(await a.startChild());
    } catch (e) {
      await a.close();
      throw e;
    }
    return a;
  }

  private constructor(options: JsonlAdapterOptions) {
    this.argv = typeof options.command === "string" ? splitCommandLine(options.command) : [...options.command];
    if (this.argv.length === 0) throw new AdapterError("the adapter's command line is empty");
    this.opts = {
      specs: options.specs,
      cwd: options.cwd,
      env: options.env,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 30_000,
      maxRestarts: options.maxRestarts ?? 2,
      maxCrashRestarts: options.maxCrashRestarts ?? 30,
      stopTimeoutMs: options.stopTimeoutMs ?? 2_000,
      stderrTailBytes: options.stderrTailBytes ?? 16 * 1024,
      maxLineBytes: options.maxLineBytes ?? 64 * 1024 * 1024,
    };
  }

  /** Pid of the adapter process now running (also its process group id), if any. */
  get pid(): number | null {
    return this.child?.alive ? (this.child.pid ?? null) : null;
  }

  /** The current adapter's stderr, as much as is kept. */
  get stderrTail(): string {
    return this.child?.stderr.text() ?? "";
  }

  private adopt(s: Settled): void {
    this.info = s.info;
    this.capabilities = s.capabilities;
    this.ready = s.ready;
  }

  private async startChild(): Promise<Settled> {
    const child = new AdapterProcess(this.argv, this.opts);
    this.started.add(child);
    void child.exited.then(() => this.started.delete(child));
    this.child = child;
    try {
      const line = await child.request(JSON.stringify(startMessage(this.opts.specs)), this.opts.handshakeTimeoutMs, "the start command");
      return this.parseReady(child, line);
    } catch (e) {
      await child.kill();
      this.child = null;
      throw e;
    }
  }

  private parseReady(child: AdapterProcess, line: string): Settled {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      throw new AdapterError(child.describe(`answered the start command with a line that is not JSON: ${quote(line)}`));
    }
    const version = (msg as { version?: unknown } | null)?.version;
    if (typeof msg === "object" && msg !== null && version !== undefined && version !== PROTOCOL_VERSION) {
      throw new AdapterError(
        child.describe(`speaks protocol version ${JSON.stringify(version)}; this runner speaks version ${PROTOCOL_VERSION}: ${quote(line)}`),
      );
    }
    const problems = schemaProblems("ready", msg);
    if (problems.length) {
      throw new AdapterError(child.describe(`answered the start command with a line that is not a ready message (spec/protocol/ready.schema.json):\n    - ${problems.join("\n    - ")}\n  the line: ${quote(line)}`));
    }
    const ready = msg as ReadyMessage;
    const im = ready.implementation;
    const conf = im.configuration && Object.keys(im.configuration).length
      ? ` (${Object.entries(im.configuration).map(([k, v]) => `${k} ${v}`).join(", ")})`
      : "";
    return {
      ready,
      info: {
        name: im.name,
        version: im.version,
        language: im.language,
        runtime: `${im.runtime} ${im.runtime_version}${conf}`,
        ...(im.homepage !== undefined ? { homepage: im.homepage } : {}),
      },
      capabilities: {
        primitives: [...ready.capabilities.primitives],
        profiles: [...ready.capabilities.profiles],
        actorKinds: [...ready.capabilities.actor_kinds],
      },
    };
  }

  /** A deadline whose part sent to the adapter, less the tolerance it may give up early, is `watchMs`. */
  deadlineFor(watchMs: number): number {
    const watched = (d: number) => {
      const sent = d - graceMs(d);
      return sent - pendingToleranceMs(sent);
    };
    let d = Math.ceil(watchMs);
    while (watched(d) < watchMs) d += Math.ceil(watchMs - watched(d));
    return d;
  }

  run(scenario: Scenario, deadlineMs: number): Promise<History> {
    const result = this.queue.then(() => this.runNow(scenario, deadlineMs));
    this.queue = result.catch(() => {});
    return result;
  }

  /** A live adapter: the current one, or a restarted one if it failed and restarts are left. */
  private async ensureChild(): Promise<AdapterProcess> {
    if (this.child?.alive && this.child.fatal === null) return this.child;
    const broken = this.child;
    if (broken) {
      // It broke the protocol, or died, while idle: report that first; the next run restarts it.
      this.child = null;
      await broken.kill();
      const e = new AdapterError(broken.describe(broken.fatal ?? `${broken.goneText()} between scenarios`));
      this.lastFailure = e.message;
      throw e;
    }
    if (this.crashed && this.crashRestarts < this.opts.maxCrashRestarts) {
      this.crashed = false;
      this.crashRestarts++;
      this.adopt(await this.startChild());
      return this.child!;
    }
    if (this.restarts >= this.opts.maxRestarts) {
      throw new AdapterError(
        `adapter \`${shellQuote(this.argv)}\` failed ${this.restarts + 1} times; not restarted again. Last failure:\n${this.lastFailure ?? "(unknown)"}`,
      );
    }
    this.restarts++;
    try {
      this.adopt(await this.startChild());
    } catch (e) {
      if (e instanceof AdapterError) this.lastFailure = e.message;
      throw e;
    }
    return this.child!;
  }

  private async runNow(scenario: Scenario, deadlineMs: number): Promise<History> {
    if (this.closed) throw new AdapterError("the adapter was closed");
    if (!(deadlineMs > 0)) throw new AdapterError(`deadline must be positive, got ${deadlineMs}`);
    const id = this.nextId++;
    // The adapter gets most of the deadline; the rest covers transport, and killing it if it hangs.
    const sentMs = Math.max(1, deadlineMs - graceMs(deadlineMs));
    const killMargin = Math.min(100, Math.max(5, Math.round(deadlineMs * 0.05)));
    let line: string;
    try {
      line = JSON.stringify(runMessage(id, scenario, sentMs, this.opts.specs));
    } catch (e) {
      if (e instanceof RunMessageError) throw new AdapterError(`cannot run this scenario: ${e.message}`);
      throw e;
    }
    const child = await this.ensureChild();
    let reply: string;
    let elapsedMs = 0;
    try {
      const sentAt = performance.now();
      reply = await child.request(line, Math.max(1, deadlineMs - killMargin + lateAllowanceMs(deadlineMs)), `scenario ${id} (deadline ${deadlineMs} ms)`);
      elapsedMs = performance.now() - sentAt;
    } catch (e) {
      await this.fail(child, e, killMargin);
      if (e instanceof AdapterError && child.endedByItself) {
        this.crashed = true;
        throw new AdapterCrash(e.message);
      }
      throw e;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(reply);
    } catch {
      throw await this.fail(child, new AdapterError(child.describe(`answered scenario ${id} with a line that is not JSON: ${quote(reply)}`)), killMargin);
    }
    const gotId = typeof msg === "object" && msg !== null ? (msg as { id?: unknown }).id : undefined;
    if (gotId !== id) {
      const what = gotId === undefined ? "without an id" : `with id ${JSON.stringify(gotId)}`;
      throw await this.fail(child, new AdapterError(child.describe(`answered scenario ${id} ${what}: ${quote(reply)}`)), killMargin);
    }
    // In step from here: a wrong answer fails this scenario, not the adapter.
    if (typeof (msg as { error?: unknown }).error === "string" && !("history" in (msg as object))) {
      const problems = schemaProblems("error", msg);
      if (problems.length === 0) throw new AdapterError(child.describe(`could not run scenario ${id}: ${(msg as { error: string }).error}`));
    }
    const problems = schemaProblems("result", msg);
    if (problems.length) {
      throw new AdapterError(
        child.describe(`answered scenario ${id} with a line that is neither a result nor an error (spec/protocol/result.schema.json):\n    - ${problems.slice(0, 10).join("\n    - ")}${problems.length > 10 ? `\n    - ... ${problems.length - 10} more` : ""}\n  the line: ${quote(reply)}`),
      );
    }
    const history = (msg as ResultMessage).history;
    // Time is the runner's: the run was cut (calls pending, or never started) only if the
    // adapter answered no sooner than the deadline.
    const earliestCut = sentMs - pendingToleranceMs(sentMs);
    if (elapsedMs >= earliestCut) history.cutAt = earliestCut * 1e6;
    const wrong = protocolProblems(scenario, history, producesIn(scenario, (p) => this.opts.specs.find((x) => x.primitive === p)));
    const pendingCalls = history.events.filter((e) => e.outcome.kind === "pending" || e.response === null).length;
    if (pendingCalls > 0 && elapsedMs < earliestCut) {
      wrong.push(`${pendingCalls} call(s) reported pending after ${elapsedMs.toFixed(0)} ms, before the scenario's deadline of ${sentMs} ms (a call is pending only if it is still running at the deadline)`);
    }
    const calls = scenario.init.length + scenario.parallel.flat().length + scenario.post.length;
    if (history.cutAt !== undefined && pendingCalls === 0 && history.events.length === calls) delete history.cutAt; // it ended, just in time
    if (wrong.length) {
      throw new AdapterError(
        child.describe(`answered scenario ${id} with a history that does not fit the scenario:\n    - ${wrong.slice(0, 10).join("\n    - ")}${wrong.length > 10 ? `\n    - ... ${wrong.length - 10} more` : ""}`),
      );
    }
    return history;
  }

  /** The adapter is out of step or gone: kill it (bounded wait), remember why; the next run restarts it. */
  private async fail(child: AdapterProcess, e: unknown, waitMs: number): Promise<unknown> {
    if (e instanceof AdapterError) this.lastFailure = e.message;
    await child.kill(waitMs);
    if (this.child === child) this.child = null;
    // If it did not exit within waitMs, close() still waits for it.
    return e;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
    const child = this.child;
    this.child = null;
    if (child?.alive && child.fatal === null) {
      child.send(JSON.stringify({ cmd: "stop" }));
      await child.waitExit(this.opts.stopTimeoutMs);
    }
    // Whatever is left (a stuck adapter, orphaned actors in its group): killed.
    await Promise.all([...this.started].map((c) => c.kill()));
  }
}
