import { describe, expect, test } from "vitest";
import { join } from "node:path";
import type { CampaignResult } from "../run/campaign.js";
import type { PrimitiveOutcome } from "../run/suite.js";
import { loadSpecFile, PRIMITIVES_DIR } from "../spec/load.js";
import { badgeFormat, badgeSvg } from "./badge.js";

const spec = loadSpecFile(join(PRIMITIVES_DIR, "Lock.yaml"));
const result = (verdict: CampaignResult["verdict"], documented?: "pass" | "fail"): CampaignResult => ({
  primitive: "Lock",
  profile: "multiprocessing",
  verdict,
  level: "cpython",
  runs: 1,
  levels: documented ? { documented: { verdict: documented } } : {},
  inconclusive: 0,
  cut: 0,
  long: { runs: 0, cut: 0, horizonMs: 3000 },
  ms: 1,
  ...(verdict === "error" ? { error: "adapter died" } : {}),
});
const o = (r: CampaignResult | null): PrimitiveOutcome => (r ? { spec, result: r } : { spec, result: null, reason: "unsupported" });

describe("badgeFormat", () => {
  test("all conformant: green; unsupported primitives are not counted", () => {
    expect(badgeFormat([o(result("pass", "pass")), o(result("pass", "pass")), o(null)], "threading")).toEqual({ label: "mpspec threading", message: "2/2 conformant · 3 s horizon", color: "brightgreen" });
  });

  test("cpython-level differences only: yellow-green; a documented failure or an adapter error: red", () => {
    expect(badgeFormat([o(result("pass", "pass")), o(result("fail", "pass"))], "multiprocessing")).toEqual({ label: "mpspec multiprocessing", message: "1/2 · documented 2/2 · 3 s horizon", color: "yellowgreen" });
    expect(badgeFormat([o(result("fail", "fail")), o(result("fail", "pass"))], "multiprocessing").color).toBe("red");
    expect(badgeFormat([o(result("pass", "pass")), o(result("error"))], "multiprocessing")).toEqual({ label: "mpspec multiprocessing", message: "1/2 · documented 1/2 · 3 s horizon", color: "red" });
  });

  test("--level documented: only the documented level counts (an implementation that differs from CPython in legal ways is green)", () => {
    expect(badgeFormat([o(result("pass", "pass")), o(result("pass", "pass"))], "multiprocessing", "documented")).toEqual({ label: "mpspec multiprocessing", message: "documented 2/2 · 3 s horizon", color: "brightgreen" });
    expect(badgeFormat([o(result("pass", "pass")), o(result("fail", "fail"))], "multiprocessing", "documented").color).toBe("red");
  });

  test("nothing measured says so; the SVG carries the text", () => {
    expect(badgeFormat([o(null)], "multiprocessing")).toEqual({ label: "mpspec multiprocessing", message: "nothing measured", color: "lightgrey" });
    expect(badgeSvg([o(result("pass", "pass"))], "multiprocessing")).toMatch(/<title>mpspec multiprocessing: 1\/1 conformant · 3 s horizon<\/title>/);
  });
});
