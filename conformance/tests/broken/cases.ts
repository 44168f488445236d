/**
 * The reference's broken variants (one file each beside this one) and what each must be caught
 * by: broken.test.ts requires every one to FAIL within 100 scenarios with a small counterexample
 * naming a rule it breaks; `npm run bench:broken` measures how soon each is found (reports/broken.md).
 */
import type { CampaignOptions } from "../../run/campaign.js";

export interface BrokenCase {
  module: string;
  primitive: string;
  profile: string;
  breaks: RegExp;
  /** Scenario deadline; default (or null): the campaign's automatic one, as `mpspec run` has it. */
  deadlineMs?: number | null;
  /** Scenarios (default 100: every broken variant must be caught within 100). */
  runs?: number;
  /** Calls in the shrunk counterexample, at most (default 10). */
  maxCalls?: number;
  /** Only a run to the horizon (a cut scenario run again, long) can show it. */
  long?: boolean;
  /** Campaign options besides the defaults (horizon, promptness). */
  options?: Partial<CampaignOptions>;
}

export const CASES: BrokenCase[] = [
  { module: "reentrant-lock", primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.acquire\./ },
  { module: "unbounded-semaphore", primitive: "BoundedSemaphore", profile: "multiprocessing", breaks: /^BoundedSemaphore\.(release|exit)\./ }, // an extra release, or a with block's exit
  { module: "clamping-semaphore", primitive: "Semaphore", profile: "multiprocessing", breaks: /^Semaphore\.construct\.negative-mp$/ },
  { module: "clamping-semaphore", primitive: "Semaphore", profile: "threading", breaks: /^Semaphore\.construct\.negative$/ },
  { module: "empty-negative-array", primitive: "Array", profile: "multiprocessing", breaks: /^Array\.construct\.negative-length(-docs)?$/ },
  { module: "own-rlock-value", primitive: "Value", profile: "multiprocessing", breaks: /^Value\.locked_increment\.self-deadlock$/ },
  { module: "wrapped-bare-array", primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(raw_item|locked_increment)\.bare$/ },
  // Its get drains the queue and puts back all but the newest: not atomic either, so an empty(),
  // qsize() or full() racing it may see the gap (under load the shrunk counterexample can be that).
  { module: "lifo-queue", primitive: "Queue", profile: "threading", breaks: /^Queue\.(get|empty|qsize|full)/ },
  { module: "early-join-queue", primitive: "JoinableQueue", profile: "multiprocessing", breaks: /^JoinableQueue\.join\./ },
  { module: "leader-zero-barrier", primitive: "Barrier", profile: "threading", breaks: /^Barrier\.wait\.(released|release)$/ },
  { module: "self-healing-barrier", primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.(broken\.read|wait\.|n_waiting\.)/ }, // the healed state shows in any of these
  { module: "none-timeout-event", primitive: "Event", profile: "threading", breaks: /^Event\.wait\.timeout$/ },
  { module: "lockless-value", primitive: "Value", profile: "multiprocessing", breaks: /^Value\.(locked_increment\.(atomic|self-deadlock)|value\.read|raw_value\.read)$/ },
  { module: "sloppy-slice-array", primitive: "Array", profile: "multiprocessing", breaks: /^Array\.setslice\.wrong-size(-docs)?$/ },
  // A lost update needs two locked increments of one item to interleave: a race, which Array's bursts of locked
  // increments of item 0 in two actors or more, then a read (generate.sequences), make likely (seeds 42, 1, 2, 3).
  { module: "lockless-array", primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(locked_increment\.(atomic|self-deadlock)|getitem\.read|getslice\.read|raw_item\.read)$/ },
  // Calls that never return (a get on an empty queue, a wait for a lock never released) cost the
  // whole deadline: these use a short one (SimpleQueue has no timeouts; its calls take microseconds)
  // or the campaign's automatic one (0.5 s plus the calls' timeouts).
  { module: "get-after-close-simple-queue", primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.get\.(closed|after-close-docs)$/, deadlineMs: 100 },
  { module: "readable-sends-pipe", primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.send(_bytes)?\.(read-only|unusable-docs)$/, deadlineMs: 100 },
  { module: "truncating-pipe", primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.recv_bytes_into\./, deadlineMs: 100 },
  // Two waiters and a notifier, each a sequence (acquire, wait or notify, release): 9 calls, and
  // Condition scenarios keep three actors (generate.minActors), so shrinking, which re-runs them
  // with real concurrency, often stops a call or a few short of that: up to 15.
  { module: "greedy-notify-condition", maxCalls: 15, primitive: "Condition", profile: "threading", breaks: /^Condition\.(wait|wait_for)\.timeout-threading$/, deadlineMs: null },
  // Calls that never return, or answer after the ordinary deadline: only the liveness rule, on
  // runs to the horizon, sees them (default options but a shorter horizon where 1 s suffices).
  { module: "deadlocked-lock", primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.(acquire|release)\./, deadlineMs: null, long: true, options: { horizonMs: 1000 } },
  // With timeouts of 0.1 s and more, an ordinary run may show it too (an acquire cut long after its timeout).
  { module: "timeout-ignoring-lock", primitive: "Lock", profile: "multiprocessing", breaks: /^Lock\.acquire\./, deadlineMs: null, options: { horizonMs: 1000 } },
  { module: "late-ghost-simple-queue", primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.get\./, deadlineMs: null, long: true },
  // issue 9 (lock-like primitives): non-bool predicates, threading's -1, wait(None)
  { module: "bool-wait-for-condition", primitive: "Condition", profile: "multiprocessing", breaks: /^Condition\.wait_for\./, deadlineMs: null },
  { module: "minus-one-nowait-lock", primitive: "Lock", profile: "threading", breaks: /^Lock\.acquire\./, deadlineMs: null },
  { module: "instant-none-wait-event", primitive: "Event", profile: "threading", breaks: /^Event\.wait\./, deadlineMs: null },
  // issue 9 (Value, RawValue, Array, Barrier: typecodes, Barrier(0), actions, waits that overlap)
  { module: "double-float-value", primitive: "Value", profile: "multiprocessing", breaks: /^Value\.(value\.read|raw_value\.read)$/ },
  { module: "first-char-wchar-value", primitive: "Value", profile: "multiprocessing", breaks: /^Value\.set_value\.(wchar-length|bad-type-docs)$/ },
  { module: "signed-unsigned-raw-value", primitive: "RawValue", profile: "multiprocessing", breaks: /^RawValue\.value\.read$/ },
  { module: "double-float-array", primitive: "Array", profile: "multiprocessing", breaks: /^Array\.(getitem|getslice|raw_item)\.read$/ },
  { module: "eager-zero-barrier", primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.wait\./ },
  { module: "action-result-barrier", primitive: "Barrier", profile: "threading", breaks: /^Barrier\.wait\.release$/ },
  // Only reads and resets that overlap parties' waits show these (the sequences [wait, n_waiting], [n_waiting, reset]).
  { module: "stateless-n-waiting-barrier", primitive: "Barrier", profile: "multiprocessing", breaks: /^Barrier\.n_waiting\./ },
  { module: "busy-reset-barrier", primitive: "Barrier", profile: "threading", breaks: /^Barrier\.(reset|wait|n_waiting|broken)\./ },
  // issue 9 (queues and pipe)
  { module: "eager-poll-pipe", primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.poll\.(ready|timeout)$/, deadlineMs: null },
  { module: "clipping-recv-bytes-pipe", primitive: "Pipe", profile: "multiprocessing", breaks: /^Pipe\.recv_bytes\.(too-long|fifo)$/, deadlineMs: 100 },
  { module: "falsy-dropping-simple-queue", primitive: "SimpleQueue", profile: "multiprocessing", breaks: /^SimpleQueue\.(get\.fifo|get\.unpickling-fails|empty\.exact)$/, deadlineMs: 100 },
  // Needs an unpicklable put followed by another put of the same actor, then a full() or another
  // actor's put that the lost slot contradicts: the spec's sequence [put_nowait, put, full] (a
  // producer's burst) reaches it within 100 runs (seeds 42, 1-5).
  { module: "dying-feeder-queue", primitive: "Queue", profile: "multiprocessing", breaks: /^Queue\.(qsize|full|empty|put|put_nowait|get|get_nowait|join_thread)\./, deadlineMs: null }, // the lost items show in any of these
  // issue 9 (release(n) and with blocks on Semaphore, BoundedSemaphore, Condition)
  // Only counting acquires shows it (threading has no get_value); shrinking meets acquires that
  // wait for good, so a 1 s horizon keeps it within its budget.
  { module: "release-n-once-semaphore", primitive: "Semaphore", profile: "threading", breaks: /^Semaphore\.(release\.increment-n|acquire\.(available|nonblocking-zero|timeout))$/, deadlineMs: null, options: { horizonMs: 1000 } },
  { module: "past-bound-n-bounded-semaphore", primitive: "BoundedSemaphore", profile: "threading", breaks: /^BoundedSemaphore\.(release|exit)\./, deadlineMs: null },
  { module: "non-releasing-exit-semaphore", primitive: "Semaphore", profile: "multiprocessing", breaks: /^Semaphore\.(exit\.increment|acquire\.(available|nonblocking-zero|timeout)|get_value\.counter)$/, deadlineMs: null },
  { module: "silent-exit-bounded-semaphore", primitive: "BoundedSemaphore", profile: "threading", breaks: /^BoundedSemaphore\.exit\.too-many-threading$/, deadlineMs: null },
  // The lock still held shows in whatever the actor does next with it (exit, release, wait, notify) or another's acquire.
  { module: "non-releasing-exit-condition", maxCalls: 12, primitive: "Condition", profile: "threading", breaks: /^Condition\.(exit|release|acquire|enter|wait|wait_for|notify|notify_all)\./, deadlineMs: null },
  // Only the nested with block (the sequence [acquire, enter, notify, exit, release]) shows it.
  { module: "unwinding-exit-condition", maxCalls: 12, primitive: "Condition", profile: "multiprocessing", breaks: /^Condition\.(exit|release|acquire|enter|wait|notify)\./, deadlineMs: null },
];
