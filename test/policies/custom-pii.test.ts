// Policy control of redaction: `pii_redaction.custom` (validated at load, errors at file:line:col)
// and `pii_redaction.per_tool` (schema, defaults, `extends` merging).
import { describe, expect, it } from "vitest";
import { PolicyValidationError } from "../../core/errors.js";
import { parsePolicyText, loadPolicyFile } from "../../policies/loader.js";
import { maxLengthOf, minLengthOf } from "../../engine/compiler/custom-pii.js";
import { memIO, thrown } from "./helpers.js";

const F = "/p/policy.yaml";
const invalid = (text: string) => thrown(() => parsePolicyText(text, F), PolicyValidationError);
const withCustom = (entry: string) => `name: x\nrules:\n  pii_redaction:\n    enabled: true\n    custom:\n      - name: emp\n${entry}`;

describe("pii_redaction.custom at load time", () => {
  it("accepts a bounded pattern with a validator, lengths, context and strategy", () => {
    const { policy } = parsePolicyText(withCustom('        pattern: "EMP-[0-9]{6}"\n        validator: luhn\n        context: "employee ?id[: ]{0,2}"\n        strategy: hash\n'), F);
    expect(policy.rules.pii_redaction.custom).toEqual([{ name: "emp", pattern: "EMP-[0-9]{6}", validator: "luhn", context: "employee ?id[: ]{0,2}", strategy: "hash" }]);
    expect(policy.rules.pii_redaction.per_tool).toEqual({});
  });

  it("rejects backreferences and lookaround, naming the pattern, at the pattern's file:line:col", () => {
    const back = invalid(withCustom('        pattern: "(a)\\\\1"\n'));
    expect(back.issues[0]).toMatchObject({ file: F, line: 7, col: 18 });
    expect(back.issues[0]?.message).toMatch(/custom PII `emp`: pattern "\(a\)\\\\1": .*backreferences are not supported/);
    const look = invalid(withCustom('        pattern: "[0-9]{4}(?=x)"\n'));
    expect(look.issues[0]).toMatchObject({ file: F, line: 7, col: 18 });
    expect(look.issues[0]?.message).toMatch(/\[0-9\]\{4\}\(\?=x\).*lookahead assertions are not supported/);
    const behind = invalid(withCustom('        pattern: "(?<=id)[0-9]{4}"\n'));
    expect(behind.issues[0]?.message).toMatch(/lookbehind/);
  });

  it("rejects anchors, empty matches, unbounded patterns without max_len, unbounded contexts", () => {
    expect(invalid(withCustom('        pattern: "^[0-9]{4}"\n')).issues[0]?.message).toMatch(/anchors/);
    expect(invalid(withCustom('        pattern: "[0-9]{0,4}"\n')).issues[0]?.message).toMatch(/empty string/);
    const unbounded = invalid(withCustom('        pattern: "K[0-9]+"\n'));
    expect(unbounded.issues[0]).toMatchObject({ line: 6 });
    expect(unbounded.issues[0]?.message).toMatch(/unboundedly long.*set `max_len`/);
    expect(() => parsePolicyText(withCustom('        pattern: "K[0-9]+"\n        max_len: 20\n'), F)).not.toThrow();
    expect(invalid(withCustom('        pattern: "K[0-9]{4}"\n        context: "id.*"\n')).issues[0]?.message).toMatch(/context can match unboundedly long text/);
    expect(invalid(withCustom('        pattern: "K[0-9]{4}"\n        min_len: 9\n        max_len: 5\n')).issues[0]?.message).toMatch(/min_len \(9\) is greater/);
  });

  it("rejects names of built-in categories and secret rules, duplicates, and unknown validators", () => {
    const txt = (name: string) => `name: x\nrules:\n  pii_redaction:\n    custom:\n      - name: ${name}\n        pattern: "K[0-9]{4}"\n`;
    expect(invalid(txt("email")).issues[0]?.message).toMatch(/built-in category/);
    expect(invalid(txt("aws_access_key")).issues[0]?.message).toMatch(/built-in/);
    expect(invalid(txt("Bad-Name")).issues[0]?.message).toMatch(/lower case/);
    const dup = invalid("name: x\nrules:\n  pii_redaction:\n    custom:\n      - { name: a, pattern: 'K[0-9]{4}' }\n      - { name: a, pattern: 'J[0-9]{4}' }\n");
    expect(dup.issues[0]?.message).toMatch(/duplicate custom PII name/);
    expect(invalid(withCustom('        pattern: "K[0-9]{4}"\n        validator: crc64\n')).issues[0]?.message).toMatch(/luhn/);
  });

  it("measures pattern lengths (maxLen of the entity rule)", () => {
    expect(maxLengthOf("EMP-[0-9]{6}")).toBe(10);
    expect(maxLengthOf("a|bc{2,5}")).toBe(6);
    expect(maxLengthOf("K[0-9]+")).toBe(Number.POSITIVE_INFINITY);
    expect(minLengthOf("a|bc{2,5}")).toBe(1);
  });
});

describe("pii_redaction.per_tool", () => {
  it("resolves defaults (null = inherit) and lower-cases tool keys", () => {
    const { policy } = parsePolicyText("name: x\nrules:\n  pii_redaction:\n    enabled: true\n    per_tool:\n      Send_Email: { strategy: hash }\n      'db_*': { categories: [email], secrets: { enabled: true } }\n", F);
    expect(policy.rules.pii_redaction.per_tool).toEqual({
      send_email: { enabled: true, categories: null, strategy: "hash", secrets: { enabled: null, categories: null } },
      "db_*": { enabled: true, categories: ["email"], strategy: null, secrets: { enabled: true, categories: null } },
    });
  });

  it("rejects unknown keys, strategies and secret rules", () => {
    expect(invalid("name: x\nrules:\n  pii_redaction:\n    per_tool:\n      t: { stratgy: hash }\n").issues[0]).toMatchObject({ line: 5 });
    expect(invalid("name: x\nrules:\n  pii_redaction:\n    per_tool:\n      t: { strategy: ner }\n").issues[0]?.message).toMatch(/ner/);
    expect(invalid("name: x\nrules:\n  pii_redaction:\n    per_tool:\n      t: { secrets: { categories: [aws_acess_key] } }\n").issues[0]?.message).toMatch(/did you mean "aws_access_key"/);
  });

  it("extends: custom types merge by name (child first), per_tool entries per tool key", () => {
    const io = memIO({
      "/p/base.yaml": "name: base\nrules:\n  pii_redaction:\n    enabled: true\n    custom:\n      - { name: a, pattern: 'A[0-9]{4}' }\n      - { name: b, pattern: 'B[0-9]{4}' }\n    per_tool:\n      t1: { strategy: mask }\n      t2: { strategy: hash }\n",
      "/p/child.yaml": "name: child\nextends: base.yaml\nrules:\n  pii_redaction:\n    custom:\n      - { name: b, pattern: 'C[0-9]{4}' }\n    per_tool:\n      t2: { enabled: false }\n",
    });
    const { policy } = loadPolicyFile("/p/child.yaml", io);
    expect(policy.rules.pii_redaction.custom.map((c) => [c.name, c.pattern])).toEqual([["b", "C[0-9]{4}"], ["a", "A[0-9]{4}"]]);
    expect(policy.rules.pii_redaction.per_tool.t1?.strategy).toBe("mask");
    expect(policy.rules.pii_redaction.per_tool.t2).toEqual({ enabled: false, categories: null, strategy: null, secrets: { enabled: null, categories: null } });
  });
});
