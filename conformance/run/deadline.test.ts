import { describe, expect, test } from "vitest";
import type { History } from "../history/types.js";
import { AdaptiveDeadline } from "./deadline.js";

const ended: History = { events: [{ actor: "main", object: "o0", op: "x", args: {}, invoke: 0, response: 1, outcome: { kind: "returned", value: null } }] };
const cut: History = { events: [{ actor: "a0", object: "o0", op: "x", args: {}, invoke: 0, response: null, outcome: { kind: "pending" } }] };

describe("AdaptiveDeadline", () => {
  test("starts at the largest base, then follows 4 x the 95th percentile of what ended scenarios took beyond their timeouts", () => {
    const d = new AdaptiveDeadline({ maxBaseMs: 2000, floorMs: 100, warmup: 10 });
    for (let i = 0; i < 9; i++) d.record(ended, 80 + 50, 50);
    expect(d.baseMs()).toBe(2000);
    d.record(ended, 80, 0);
    expect(d.baseMs()).toBe(320);
    // Cut scenarios teach nothing, and are counted.
    for (let i = 0; i < 50; i++) d.record(cut, 2000, 0);
    expect(d.baseMs()).toBe(320);
    expect(d.cut).toBe(50);
  });

  test("stays between the floor and the largest base; a slower phase raises it again", () => {
    const d = new AdaptiveDeadline({ maxBaseMs: 2000, floorMs: 300, warmup: 3 });
    for (let i = 0; i < 3; i++) d.record(ended, 1, 0);
    expect(d.baseMs()).toBe(300);
    for (let i = 0; i < 200; i++) d.record(ended, 450, 0);
    expect(d.baseMs()).toBe(1800);
    for (let i = 0; i < 200; i++) d.record(ended, 5000, 0);
    expect(d.baseMs()).toBe(2000);
  });
});
