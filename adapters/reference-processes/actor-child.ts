/**
 * One actor of the ProcessesExecutor, as a child process: the proxy side of the broker. It holds
 * the actor's program and makes its calls in order, each as a request to the parent, which owns
 * the objects and performs it (wire.ts). It never blocks its event loop (pauses are timers,
 * replies are awaited), so it always sees its channel close.
 *
 * No orphan: when the parent goes (killed, crashed, exited) the IPC channel closes and this
 * process exits at once, whatever it was doing; the parent also kills it (SIGKILL) when it
 * gives up on its program at a deadline and when the executor closes.
 */
import type { WireCall } from "../reference-threads/protocol.js";
import type { FromChild, ToChild } from "./wire.js";

const send = (m: FromChild): void => {
  // A failed send means the parent is gone: the "disconnect" handler ends us.
  if (process.connected) process.send!(m, undefined, undefined, () => undefined);
};

process.on("disconnect", () => process.exit(0));
if (!process.send || !process.connected) process.exit(0); // not started with an IPC channel

/**
 * The actor's program: given, then released (go), then made call by call. A synchronous state
 * machine: several messages can arrive in one read of the channel (the last call's reply and the
 * next scenario's program), and each must find the state the previous one left.
 */
let program: { scenario: number; calls: WireCall[]; released: boolean; next: number } | null = null;

/** Send the request for the program's next call, after its pause; or end the program. */
function step(p: NonNullable<typeof program>): void {
  if (p.next === p.calls.length) {
    program = null;
    return;
  }
  const i = p.next;
  const { pause, ...call } = p.calls[i]!;
  const request = () => send({ t: "call", scenario: p.scenario, i, call });
  // The pause comes before the request: the call is not made (nor stamped) until it is over.
  // The reply is not awaited with a timer: a call may rightly block for ever (Lock.acquire());
  // the parent gives up at its deadline and kills this process.
  if (pause) setTimeout(request, pause * 1000);
  else request();
}

process.on("message", (m: ToChild) => {
  switch (m.t) {
    case "program":
      if (program !== null) {
        send({ t: "failed", scenario: m.scenario, error: `a program for scenario ${m.scenario} came while the one of scenario ${program.scenario} is ${program.released ? "running" : "waiting"}` });
        return;
      }
      program = { scenario: m.scenario, calls: m.calls, released: false, next: 0 };
      send({ t: "ready", scenario: m.scenario });
      return;
    case "go":
      if (program?.scenario !== m.scenario || program.released) {
        send({ t: "failed", scenario: m.scenario, error: `go for scenario ${m.scenario} without its program` });
        return;
      }
      program.released = true;
      step(program);
      return;
    case "abort":
      if (program?.scenario === m.scenario && !program.released) program = null;
      return;
    case "reply":
      // The outcome is the call's result, as a Manager proxy returns or raises it; the program
      // goes on either way (the history is recorded by the parent).
      if (program?.released && program.scenario === m.scenario && program.next === m.i) {
        program.next++;
        step(program);
      }
      return;
  }
});

send({ t: "booted", pid: process.pid });
