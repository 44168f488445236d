/**
 * The default deadline of a scenario: a base plus three times the sum of its
 * calls' timeouts. A call that blocks for good (a get on an empty queue, a recv
 * on an empty pipe) can only end at the deadline, where it is recorded as never
 * returned — which the checker allows, so cutting it sooner never turns a
 * conforming run into a failure; it only costs the calls that had not started.
 *
 * So the base adapts: it starts at the adapter's `deadlineBaseMs` (what a slow
 * start needs) and, once enough scenarios have ended by themselves, comes down
 * to a multiple of what those took beyond their timeouts (their 95th
 * percentile), never below a floor. Scenarios cut at the deadline are counted
 * and reported.
 */
import type { History } from "../history/types.js";

export interface AdaptiveDeadlineOptions {
  /** Starting (and largest) base, ms: the adapter's deadlineBaseMs. */
  maxBaseMs: number;
  /** Smallest base, ms. */
  floorMs: number;
  /** Scenarios that must end by themselves before the base moves. Default 10. */
  warmup?: number;
  /** Multiple of the observed 95th percentile. Default 4. */
  factor?: number;
}

/** How many recent overheads are kept (a sliding window, so a slower phase raises the base again). */
const WINDOW = 200;

export class AdaptiveDeadline {
  private readonly overheads: number[] = [];
  private readonly warmup: number;
  private readonly factor: number;
  /** Scenarios cut at the deadline (a call still pending, or calls never started). */
  cut = 0;

  constructor(private readonly o: AdaptiveDeadlineOptions) {
    this.warmup = o.warmup ?? 10;
    this.factor = o.factor ?? 4;
  }

  /** The base for the next scenario, ms. */
  baseMs(): number {
    if (this.overheads.length < this.warmup) return this.o.maxBaseMs;
    const sorted = [...this.overheads].sort((a, b) => a - b);
    const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))]!;
    return Math.min(this.o.maxBaseMs, Math.max(this.o.floorMs, Math.ceil(this.factor * p95)));
  }

  /**
   * One scenario ran: `elapsedMs` of wall time, `timeoutsMs` the sum of its calls' timeouts.
   * Only scenarios that ended by themselves (no pending call) teach the base.
   */
  record(history: History, elapsedMs: number, timeoutsMs: number): void {
    if (history.cutAt !== undefined || history.events.some((e) => e.outcome.kind === "pending" || e.response === null)) {
      this.cut++;
      return;
    }
    this.overheads.push(Math.max(0, elapsedMs - timeoutsMs));
    if (this.overheads.length > WINDOW) this.overheads.shift();
  }
}
