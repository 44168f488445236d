import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpecDir, loadSpecText } from "./load.js";
import { specProblem } from "../tests/spec-problem.js";

const toggle = readFileSync(join(import.meta.dirname, "fixtures/Toggle.yaml"), "utf8");

const problem = specProblem;

describe("loading spec documents", () => {
  test("every document in spec/primitives loads", () => {
    const specs = loadSpecDir();
    expect(specs.map((s) => s.primitive)).toContain("Lock");
    for (const s of specs) expect(s.operations.size).toBeGreaterThan(0);
  });

  test("invalid YAML names the line", () => {
    expect(problem("primitive: [Lock\nformat: 1\n")).toMatch(/^x\.yaml: line \d+: not valid YAML/);
  });

  test("the fixture itself is valid", () => {
    expect(loadSpecText(toggle, "x.yaml").primitive).toBe("Toggle");
  });

  test("an unknown field names its place and where the fields are listed", () => {
    expect(problem(toggle.replace("  flip:\n", "  flip:\n    blocking: true\n"))).toMatch(
      /operations\.flip: unknown field 'blocking' \(see spec\/format\.ts/,
    );
  });

  test("a CEL expression that does not compile names file, operation and expression", () => {
    const msg = problem(toggle.replace(`when: "s.on"`, `when: "s.on &&"`));
    expect(msg).toMatch(/x\.yaml: operations\.flip\.rules\[1\]\.when: does not compile/);
    expect(msg).toContain("s.on &&");
  });

  test("duplicate rule ids are refused", () => {
    expect(problem(toggle.replace("id: Toggle.flip.off", "id: Toggle.flip.on"))).toMatch(/'Toggle\.flip\.on' is already used at operations\.flip\.rules\[0\]/);
  });

  test("rule ids carry their primitive and operation", () => {
    expect(problem(toggle.replace("id: Toggle.flip.off", "id: Toggle.flop.off"))).toMatch(/must start with 'Toggle\.flip\.'/);
  });

  test("effects must target state variables", () => {
    expect(problem(toggle.replace(`effect: { on: "false" }`, `effect: { of: "false" }`))).toMatch(/target 'of' is not a state variable/);
  });

  test("attribute writes (form set, iadd) take exactly one arg, without a default; shapes name attribute and lock", () => {
    expect(problem(toggle.replace("  flip:\n", "  flip:\n    form: set\n"))).toMatch(/operations\.flip\.args: an operation with form 'set' takes exactly one arg/);
    const oneArg = "  flip:\n    form: iadd\n    attribute: state\n    withLock: get_lock\n    args:\n      delta:\n        domain: { oneOf: [1] }\n";
    expect(problem(toggle.replace("  flip:\n", oneArg.replace("[1] }", "[1] }\n        default: 1")))).toMatch(/operations\.flip\.args: the arg of an operation with form 'iadd' has no default/);
    const op = loadSpecText(toggle.replace("  flip:\n", oneArg), "x.yaml").operations.get("flip")!;
    expect(op.shape).toEqual({ form: "iadd", name: "state", withLock: "get_lock" });
    expect(loadSpecText(toggle, "x.yaml").operations.get("flip")!.shape).toEqual({ form: "call", name: "flip" });
  });

  test("an operation's keyword-only argument is kept apart and needs a default", () => {
    const text = readFileSync(join(import.meta.dirname, "../../spec/primitives/ProcessPoolExecutor.yaml"), "utf8");
    const op = loadSpecText(text, "ProcessPoolExecutor.yaml").operations.get("shutdown")!;
    expect(op.argNames).toEqual(["wait", "cancel_futures"]);
    expect(op.keywordArgs).toEqual(["cancel_futures"]);
    expect(problem(text.replace(/(cancel_futures:\n(?: {8}.*\n)*?) {8}default: false\n/, "$1"))).toMatch(
      /operations\.shutdown\.args\.cancel_futures\.keyword: a keyword-only argument needs a default/,
    );
  });

  test("unknown profiles are refused", () => {
    expect(problem(toggle.replace("profiles: [threading]", "profiles: [threads]"))).toMatch(/unknown profile 'threads'/);
  });

  test("a rule or internal step may say why generated scenarios cannot reach it (reachable.rare), and must say why", () => {
    const rare = toggle.replace("        when: \"s.on\"", "        reachable: { rare: \"needs a flip nobody makes\" }\n        when: \"s.on\"");
    const spec = loadSpecText(rare, "x.yaml");
    expect(spec.operations.get("flip")!.phases[0]![1]!.rule.reachable).toEqual({ rare: "needs a flip nobody makes" });
    const step = `internal:\n  - id: Toggle.drift\n    level: cpython\n    source: { says: "test fixture" }\n    reachable: { rare: "drifts once a year" }\n    effect: { on: "false" }\n`;
    expect(loadSpecText(toggle + step, "x.yaml").internal[0]!.step.reachable).toEqual({ rare: "drifts once a year" });
    expect(problem(rare.replace("rare: \"needs a flip nobody makes\"", "rare: \" \""))).toMatch(/operations\.flip\.rules\[1\]\.reachable\.rare: is empty; say why/);
    expect(problem(rare.replace("rare: \"needs a flip nobody makes\"", "why: x"))).toMatch(/flip\.rules\.1\.reachable: missing required field 'rare'/);
    expect(problem(rare.replace("{ rare: \"needs a flip nobody makes\" }", "rare"))).toMatch(/reachable: must be object/);
  });
});
