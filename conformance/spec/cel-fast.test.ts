// The fast path must compute what CEL computes, or decline. Each case is evaluated by both
// (setCelCrossCheck), and every spec history is judged again with every expression evaluated twice.
import { afterEach, describe, expect, test } from "vitest";
import { checkHistory } from "../checker/linearize.js";
import { compileCel, setCelCrossCheck } from "./cel.js";
import { compileFast, SLOW } from "./cel-fast.js";
import { judgeCase, loadHistoriesDir } from "./histories.js";
import { DRAFTS_DIR, loadSpecDir } from "./load.js";
import { parse } from "@bufbuild/cel";

afterEach(() => setCelCrossCheck(false));

const state = new Map<string, unknown>([
  ["value", "ab"], ["n", 3n], ["big", 2n ** 63n - 1n], ["d", 1.5], ["flag", true], ["none", null], ["items", [1n, 2n]], ["nan", Number.NaN],
]);
const args = new Map<string, unknown>([["value", "c"], ["expected", 3n], ["one", 1n], ["d", 1.5]]);
const bindings = { s: state, args, ctor: new Map(), profile: "multiprocessing", actor: "a0" };

const fastFor = (src: string) => compileFast(parse(src).expr);

describe("the fast path", () => {
  // [expression, what it gives] where the fast path decides; CEL gives the same (cross-checked).
  const decided: [string, unknown][] = [
    ["s.value", "ab"], ["args.value", "c"], ["s.none", null], ["s.n == args.expected", true], ["s.n != args.expected", false],
    ["s.value + args.value", "abc"], ["s.n + args.one", 4n], ["s.n - args.one", 2n], ["s.n < 4", true], ["s.d >= args.d", true],
    ["s.flag && s.n > 2", true], ["!s.flag || s.n == 0", false], ["s.flag ? s.value : args.value", "ab"], ["s.none == null", true],
    ["profile == 'threading'", false], ["actor", "a0"], ["1.5", 1.5], ["'x'", "x"], ["false && s.items == 1", false], ["s.nan == s.nan", false],
  ];
  test.each(decided)("%s -> %o, as CEL", (src, want) => {
    setCelCrossCheck(true);
    expect(fastFor(src)!(bindings)).not.toBe(SLOW);
    expect(compileCel(src, "test").eval(bindings)).toEqual(want);
  });

  // Left to CEL: mixed types, overflow, a list operand, strings compared, unbound names.
  const declined = ["s.n == s.d", "s.big + 1", "s.items", "s.value < args.value", "s.none == 0", "s.n + s.d", "missing", "-s.n", "s.flag && s.items[0] == 1"];
  test.each(declined)("%s is left to CEL", (src) => {
    const f = fastFor(src);
    if (f) expect(f(bindings)).toBe(SLOW);
  });

  test("shapes it does not know are not compiled at all", () => {
    for (const src of ["size(s.items)", "s.items.exists(x, x == 1)", "has(s.value)", "[s.n]", "{'a': 1}"]) expect(fastFor(src)).toBeUndefined();
  });

});

test("every spec history is judged alike with every fast evaluation checked against CEL", () => {
  setCelCrossCheck(true);
  const specs = new Map([...loadSpecDir(), ...loadSpecDir(DRAFTS_DIR)].map((s) => [s.primitive, s]));
  let judged = 0;
  for (const { doc } of [...loadHistoriesDir(), ...loadHistoriesDir(DRAFTS_DIR)]) {
    for (const c of doc.cases) {
      for (const j of judgeCase(specs.get(doc.primitive)!, doc, c, (objects, events, options) => checkHistory((p) => specs.get(p)!, objects, { events }, options))) {
        expect(j.ok, `${doc.primitive} ${c.name}`).toBe(true);
        judged++;
      }
    }
  }
  expect(judged).toBeGreaterThan(300);
});
