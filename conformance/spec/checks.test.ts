/**
 * What the loader checks beyond the schema: every name a CEL expression reads (state variables,
 * params, args, and the variables bound only in some places), and the combinations of fields
 * the model relies on.
 */
import { describe, expect, test } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { loadSpecFile, loadSpecText } from "./load.js";
import { specProblem } from "../tests/spec-problem.js";

const ROOT = join(import.meta.dirname, "../..");
const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const names = fixture("Names.yaml");
const toggle = fixture("Toggle.yaml");

const problem = specProblem;

/** `text` with `from` (which must occur exactly once) replaced. */
function edit(text: string, from: string, to: string): string {
  expect(text.split(from).length, `'${from}' occurs once`).toBe(2);
  return text.replace(from, to);
}

describe("every shipped spec document loads with its names checked", () => {
  const dirs = ["spec/primitives", "bench/specs", "conformance/checker/fixtures", "conformance/spec/fixtures"];
  for (const dir of dirs) {
    for (const f of readdirSync(join(ROOT, dir)).filter((f) => /\.ya?ml$/.test(f) && !/\.histories\.ya?ml$/.test(f))) {
      test(`${dir}/${f}`, () => {
        expect(loadSpecFile(join(ROOT, dir, f)).operations.size).toBeGreaterThan(0);
      });
    }
  }

  test("the Names fixture uses every kind of name where it is bound", () => {
    const s = loadSpecText(names, "x.yaml");
    expect(s.invariants.map((i) => i.name)).toEqual(["bounded"]);
  });
});

describe("CEL names", () => {
  test("a state variable that does not exist, in a guard", () => {
    expect(problem(edit(toggle, `when: "s.on"`, `when: "s.valu"`))).toMatch(
      /^x\.yaml: operations\.flip\.rules\[1\]\.when: unknown state variable 's\.valu' \(state: on\)\n  in CEL expression: s\.valu$/,
    );
    expect(problem(edit(names, `when: "size(s.items) >= ctor.size"`, `when: "size(s.item) >= ctor.size"`))).toMatch(
      /x\.yaml: operations\.put\.rules\[1\]\.when: unknown state variable 's\.item' \(state: items, held, ready\)/,
    );
  });

  test("state variables through an index with a constant key, in effects, returns and has()", () => {
    expect(problem(edit(toggle, `returns: "false"`, `returns: "s['of']"`))).toMatch(/rules\[1\]\.returns: unknown state variable 's\.of' \(state: on\)/);
    expect(problem(edit(toggle, `effect: { on: "false" }`, `effect: { on: "has(s.no)" }`))).toMatch(/rules\[1\]\.effect\['on'\]: unknown state variable 's\.no'/);
  });

  test("a constructor parameter that does not exist", () => {
    expect(problem(edit(names, `minActors: "ctor.size"`, `minActors: "ctor.sizes"`))).toMatch(
      /x\.yaml: generate\.minActors: unknown constructor parameter 'ctor\.sizes' \(params: size, mode\)/,
    );
    expect(problem(edit(toggle, `when: "s.on"`, `when: "ctor.x"`))).toMatch(/unknown constructor parameter 'ctor\.x' \(params: none\)/);
  });

  test("an argument the operation does not have", () => {
    expect(problem(edit(names, `!s.items.exists(x, x == args.item)`, `!s.items.exists(x, x == args.items)`))).toMatch(
      /operations\.put\.rules\[0\]\.when: unknown argument 'args\.items' \(args of put: item, block, timeout\)/,
    );
    expect(problem(edit(names, `returns: "s.items[0]"`, `returns: "args.item"`))).toMatch(/operations\.get\.rules\[0\]\.returns: unknown argument 'args\.item' \(args of get: none\)/);
    expect(problem(edit(names, `timeout: "args.timeout != null`, `timeout: "args.timeot != null`))).toMatch(/operations\.put\.timeout: unknown argument 'args\.timeot'/);
  });

  test("domainIf sees only the arguments before its own, an operation's the constructor's too, and no state", () => {
    expect(problem(edit(names, `- when: "!args.block"`, `- when: "!args.timeout"`))).toMatch(
      /operations\.put\.args\.timeout\.domainIf\[0\]\.when: unknown or later argument 'args\.timeout' \(args of put before timeout: item, block\)/,
    );
    expect(problem(edit(names, `- when: "args.size > 2`, `- when: "args.mode > 2`))).toMatch(
      /params\.mode\.domainIf\[0\]\.when: unknown or later parameter 'args\.mode' \(earlier params: size\)/,
    );
    expect(problem(edit(names, `- when: "!args.block"`, `- when: "!args.block && ctor.sise > 1"`))).toMatch(
      /operations\.put\.args\.timeout\.domainIf\[0\]\.when: unknown constructor parameter 'ctor\.sise'/,
    );
    expect(problem(edit(names, `- when: "!args.block"`, `- when: "!args.block && s.items == []"`))).toMatch(
      /operations\.put\.args\.timeout\.domainIf\[0\]\.when: unknown name 's' \(available here: ctor, args, profile\)/,
    );
    expect(problem(edit(names, `- when: "args.size > 2`, `- when: "ctor.size > 2`))).toMatch(/params\.mode\.domainIf\[0\]\.when: unknown name 'ctor' \(available here: args, profile\)/);
  });

  test("result only in accepts and the effect of a rule that completes the call", () => {
    expect(problem(edit(toggle, `when: "s.on"`, `when: "s.on && result"`))).toMatch(
      /operations\.flip\.rules\[1\]\.when: unknown name 'result' \(available here: ctor, s, args, profile, actor, actorKind, startMethod\)/,
    );
    expect(problem(edit(names, `returns: "s.items[0]"`, `returns: "result"`))).toMatch(/operations\.get\.rules\[0\]\.returns: unknown name 'result'/);
    expect(problem(edit(names, `held[actor]: "0"`, `held[actor]: "result"`))).toMatch(/operations\.wait\.rules\[0\]\.effect\['held\[actor\]'\]: unknown name 'result'/);
    expect(problem(edit(names, `items: "[second, first]`, `items: "[result, first]`))).toMatch(/internal\[0\]\.effect\['items'\]: unknown name 'result'/);
  });

  test("actor and args are not bound in internal steps, state inits, invariants", () => {
    expect(problem(edit(names, `when: "first != second"`, `when: "first != actor"`))).toMatch(
      /internal\[0\]\.when: unknown name 'actor' \(available here: ctor, s, profile, first, second\)/,
    );
    expect(problem(edit(names, `held: { init: "{}" }`, `held: { init: "{actor: 0}" }`))).toMatch(/state\.held\.init: unknown name 'actor' \(available here: ctor, profile\)/);
    expect(problem(edit(names, `init: "lists.range(ctor.size)`, `init: "lists.range(s.size)`))).toMatch(/state\.ready\.init: unknown name 's'/);
    expect(problem(edit(names, `bounded: "size(s.items) <= ctor.size"`, `bounded: "size(s.items) <= ctor.size && args.item != null"`))).toMatch(
      /invariants\.bounded: unknown name 'args' \(available here: ctor, s, profile\)/,
    );
  });

  test("names bound by choose only in that internal step, each list seeing the earlier ones", () => {
    expect(problem(edit(names, `first: "s.items"`, `first: "s.items.filter(y, y != second)"`))).toMatch(/internal\[0\]\.choose\.first: unknown name 'second'/);
    expect(problem(edit(names, `when: "actor in s.held && s.held[actor] == 0"`, `when: "first in s.held"`))).toMatch(/operations\.wait\.phases\.woken\.rules\[0\]\.when: unknown name 'first'/);
    expect(problem(edit(names, `      second: "s.items`, `      s: "s.items`))).toMatch(/internal\[0\]\.choose\.s: 's' is a name CEL expressions already use/);
  });

  test("comprehension variables are local; namespaced functions are not variables", () => {
    expect(problem(edit(names, `"s.items.filter(x, x != result)"`, `"s.items.filter(x, x != result) + [x]"`))).toMatch(/unknown name 'x'/);
    expect(problem(edit(names, `math.least(size(s.items), ctor.size)`, `maths.least(size(s.items), ctor.size)`))).toMatch(/unknown name 'maths'/);
  });

  test("profile compared with a profile the document does not declare", () => {
    expect(problem(edit(names, `profile == 'multiprocessing'`, `profile == 'multiprocesing'`))).toMatch(
      /operations\.get\.rules\[0\]\.when: unknown profile 'multiprocesing' \(profiles: multiprocessing, threading\)/,
    );
    expect(problem(edit(toggle, `when: "s.on"`, `when: "s.on && profile in ['threading', 'thread']"`))).toMatch(/unknown profile 'thread'/);
  });

  test("an effect's target names a state variable, also in index form, whose key's names are checked", () => {
    expect(problem(edit(names, `held[actor]: "math.least`, `hold[actor]: "math.least`))).toMatch(
      /operations\.put\.rules\[0\]\.effect: target 'hold\[actor\]' is not a state variable \(items, held, ready\) or 'var\[key\]'/,
    );
    expect(problem(edit(names, `held[actor]: "math.least`, `held[actr]: "math.least`))).toMatch(/operations\.put\.rules\[0\]\.effect\['held\[actr\]'\] key: unknown name 'actr'/);
  });
});

describe("what the model assumes of rules", () => {
  test("returnsLevel: cpython needs accepts (what the docs allow) and a documented rule; it qualifies a returns", () => {
    expect(problem(edit(names, `        accepts: "result in s.items"\n`, ""))).toMatch(/operations\.get\.rules\[0\]\.returnsLevel: with returnsLevel cpython, give accepts/);
    expect(problem(edit(names, `      - id: Names.get.any\n        level: documented`, `      - id: Names.get.any\n        level: cpython`))).toMatch(
      /operations\.get\.rules\[0\]\.returnsLevel: returnsLevel cpython marks an exact value as CPython.s on a documented \(or deviation\) rule/,
    );
    expect(problem(edit(names, `        returns: "s.items[0]"\n`, ""))).toMatch(/operations\.get\.rules\[0\]\.returnsLevel: is the level of returns, and the rule has no returns/);
  });

  test("returnsLevel documented on a cpython-level rule means nothing", () => {
    const cpythonRule = edit(toggle, `      - id: Toggle.flip.on\n        level: documented`, `      - id: Toggle.flip.on\n        level: cpython\n        returnsLevel: documented`);
    expect(problem(cpythonRule)).toMatch(/operations\.flip\.rules\[0\]\.returnsLevel: returnsLevel documented on a cpython-level rule means nothing/);
  });

  test("raises.messageLevel: documented on a cpython-level rule, or without a message", () => {
    const raising = (level: string, raises: string) =>
      edit(toggle, `      - id: Toggle.flip.on\n        level: documented`, `      - id: Toggle.flip.on\n        level: ${level}`).replace(`        returns: "true"\n`, `        raises: ${raises}\n`);
    expect(problem(raising("cpython", `{ type: ValueError, message: "no", messageLevel: documented }`))).toMatch(
      /operations\.flip\.rules\[0\]\.raises\.messageLevel: messageLevel documented on a cpython-level rule means nothing/,
    );
    expect(problem(raising("documented", `{ type: ValueError, messageLevel: documented }`))).toMatch(/raises\.messageLevel: is the level of message or messagePattern, and the rule gives neither/);
    expect(loadSpecText(raising("documented", `{ type: ValueError, message: "no", messageLevel: documented }`), "x.yaml").primitive).toBe("Toggle");
  });

  test("afterTimeout only on an operation with a timeout", () => {
    expect(problem(edit(toggle, `        when: "s.on"\n`, `        when: "s.on"\n        afterTimeout: true\n`))).toMatch(/operations\.flip\.rules\[1\]\.afterTimeout: the operation has no timeoutArg or timeout/);
    expect(problem(edit(names, `    timeoutArg: timeout\n    timeout: "args.timeout != null ? args.timeout : (ctor.mode == 'a' ? null : 0.5)"\n`, ""))).toMatch(
      /operations\.put\.rules\[1\]\.afterTimeout: the operation has no timeoutArg or timeout/,
    );
  });

  test("next names a phase of the operation, and every phase is reached by a next", () => {
    expect(problem(edit(names, `next: woken`, `next: awoken`))).toMatch(/operations\.wait\.rules\[0\]\.next: 'awoken' is not a phase of wait; phases: woken/);
    expect(problem(edit(names, `next: woken`, `next: call`))).toMatch(/'call' is not a phase of wait/);
    const extra = edit(names, `    phases:\n      woken:\n`, `    phases:\n      lost:\n        rules:\n          - id: Names.wait.lost\n            level: documented\n            source: { says: "test fixture" }\n      woken:\n`);
    expect(problem(extra)).toMatch(/operations\.wait\.phases\.lost: no rule continues in it \(next: lost\); it can never be reached/);
  });

  test("an internal step: documentedOnly only at the documented level; optional without within", () => {
    const step = `  - id: Names.shuffle\n    level: documented\n`;
    expect(problem(edit(names, step, `  - id: Names.shuffle\n    level: cpython\n    documentedOnly: true\n`))).toMatch(/internal\[0\]\.documentedOnly: only a documented-level step/);
    expect(problem(edit(names, step, `${step}    optional: true\n    within: 2\n`))).toMatch(/internal\[0\]\.optional: an optional step is never counted on, so it takes no within/);
    expect(loadSpecText(edit(names, step, `${step}    optional: true\n    documentedOnly: true\n`), "x.yaml").internal[0]!.step.optional).toBe(true);
  });
  test("documentedOnly only on a documented-level rule", () => {
    expect(problem(edit(toggle, `      - id: Toggle.flip.on\n        level: documented`, `      - id: Toggle.flip.on\n        level: cpython\n        documentedOnly: true`))).toMatch(
      /operations\.flip\.rules\[0\]\.documentedOnly: only a documented-level rule/,
    );
  });

  test("a rule's profiles are among its operation's", () => {
    const opInMp = edit(toggle, `  flip:\n`, `  flip:\n    profiles: [multiprocessing]\n`);
    expect(problem(opInMp)).toMatch(/operations\.flip\.rules\[1\]\.profiles: the operation does not exist in threading \(its profiles: multiprocessing\)/);
  });

  test("generate.pauses are seconds in (0, 1]; an empty list means none", () => {
    for (const bad of ["[0]", "[-0.01]", "[2]"]) expect(problem(`${toggle}generate:\n  pauses: ${bad}\n`)).toMatch(/generate\.pauses\[0\]: must be seconds, more than 0 and at most 1/);
    expect(loadSpecText(`${toggle}generate:\n  pauses: []\n`, "x.yaml").doc.generate!.pauses).toEqual([]);
  });

  test("operation weights are whole numbers; a target's values index the returned tuple", () => {
    expect(problem(edit(toggle, `  flip:\n`, `  flip:\n    weight: 0.5\n`))).toMatch(/operations\.flip\.weight: must be a whole number/);
    const tuple = edit(toggle, `  flip:\n`, `  flip:\n    target: end\n    args:\n      end:\n        domain: { oneOf: [0, 2] }\n`)
      .replace(`callable: "test.Toggle" }`, `callable: "test.Toggle", returns: [a, b] }`)
      .replace(`callable: "test.Toggle" }`, `callable: "test.Toggle", returns: [a, b] }`);
    expect(problem(tuple)).toMatch(/operations\.flip\.args\.end\.domain: the target picks an element of the returned tuple: its values must be indexes 0\.\.1, got 2/);
    expect(loadSpecText(tuple.replace("[0, 2]", "[0, 1]"), "x.yaml").operations.get("flip")!.target).toBe("end");
  });

  test("timing.timeoutSlack is not negative", () => {
    expect(problem(`${toggle}timing: { timeoutSlack: -1 }\n`)).toMatch(/timing\.timeoutSlack: must be a number of seconds, at least 0/);
  });
});

describe("defs", () => {
  const withDefs = (defs: string, text = toggle) => edit(text, "state:\n", `defs:\n${defs}state:\n`);
  const isOn = `  isOn: { description: "the toggle is on", cel: "s.on" }\n`;

  test("defs.<name> stands for its CEL, in parentheses, where it is used", () => {
    const s = loadSpecText(edit(withDefs(isOn), `when: "s.on"`, `when: "defs.isOn"`), "x.yaml");
    const rule = s.operations.get("flip")!.phases[0]!.find((r) => r.rule.id === "Toggle.flip.off")!;
    expect(rule.when!.eval({ s: new Map([["on", true]]) })).toBe(true);
    expect(rule.when!.eval({ s: new Map([["on", false]]) })).toBe(false);
    expect(rule.rule.when).toBe("defs.isOn"); // the document keeps what was written (docs show it)
  });

  test("inside a string literal it is text; a definition may use another", () => {
    const both = isOn + `  isOff: { description: "the toggle is off", cel: "!defs.isOn && 'defs.isOn' != ''" }\n`;
    const s = loadSpecText(edit(withDefs(both), `when: "!s.on"`, `when: "defs.isOff"`), "x.yaml");
    const rule = s.operations.get("flip")!.phases[0]![0]!;
    expect(rule.when!.eval({ s: new Map([["on", false]]) })).toBe(true);
  });

  test("an unknown name, a cycle and a definition nothing uses are spec errors naming the place", () => {
    expect(problem(edit(withDefs(isOn), `when: "s.on"`, `when: "defs.isOf"`))).toMatch(/x\.yaml: operations\.flip\.rules\[1\]\.when: unknown definition 'defs\.isOf' \(defs: isOn\)/);
    const loop = `  a: { description: "a", cel: "defs.b" }\n  b: { description: "b", cel: "!defs.a" }\n`;
    expect(problem(edit(withDefs(loop), `when: "s.on"`, `when: "defs.a"`))).toMatch(/x\.yaml: defs\.a: uses itself: defs\.a -> defs\.b -> defs\.a/);
    expect(problem(withDefs(isOn))).toMatch(/x\.yaml: defs\.isOn: no expression uses it/);
  });

  test("a mistake in a definition is reported with the text as written and as expanded", () => {
    const bad = `  isOn: { description: "the toggle is on", cel: "s.onn" }\n`;
    expect(problem(edit(withDefs(bad), `when: "s.on"`, `when: "defs.isOn"`))).toMatch(
      /operations\.flip\.rules\[1\]\.when: unknown state variable 's\.onn' \(state: on\)\n  in CEL expression: defs\.isOn\n  with defs put in: \(s\.onn\)/,
    );
  });
});
