// Every error carries file, 1-based line and column of the node to fix, and nothing half-loaded escapes.
import { describe, expect, it } from "vitest";
import { PolicyLoadError, PolicyValidationError } from "../../core/errors.js";
import { parsePolicyObject, parsePolicyText } from "../../policies/loader.js";
import { thrown } from "./helpers.js";

const F = "/p/policy.yaml";
const invalid = (text: string) => thrown(() => parsePolicyText(text, F), PolicyValidationError);
const loadFail = (text: string) => thrown(() => parsePolicyText(text, F), PolicyLoadError);

describe("YAML syntax errors", () => {
  it("an unclosed flow sequence is reported at the line and column where YAML detects it", () => {
    const err = loadFail("name: x\nrules:\n  allowed_tools: [a, b\n  denied_tools: []\n");
    expect(err.issues[0]).toMatchObject({ file: F, line: 4, col: 3 });
  });

  it("a bad indentation", () => {
    const err = loadFail("name: x\nrules:\n  denied_tools: [a]\n    allowed_tools: [b]\n");
    expect(err.issues[0]).toMatchObject({ file: F, line: 4 });
    expect(err.issues[0]?.col).toBeGreaterThan(0);
  });

  it("a tab used for indentation", () => {
    const err = loadFail("name: x\nrules:\n\tdenied_tools: [a]\n");
    expect(err.issues[0]).toMatchObject({ file: F, line: 3, col: 1 });
  });

  it("duplicate keys are errors, at the second occurrence", () => {
    const err = loadFail("name: x\nrules:\n  denied_tools: [a]\n  denied_tools: [b]\n");
    expect(err.issues).toEqual([expect.objectContaining({ line: 4, col: 3, message: "Map keys must be unique" })]);
  });

  it("repeated identical YAML errors are reported once", () => {
    const err = loadFail("not: valid: yaml: [[[\n");
    const lines = err.issues.map((i) => `${i.line}:${i.col}:${i.message}`);
    expect(new Set(lines).size).toBe(lines.length);
  });

  it("a document that is not a mapping, or is empty", () => {
    expect(loadFail("- a\n- b\n").message).toMatch(/not a mapping/);
    expect(loadFail("just a string\n").issues[0]).toMatchObject({ line: 1, col: 1 });
    expect(loadFail("").message).toMatch(/is empty/);
    expect(loadFail("").issues[0]).toMatchObject({ file: F, line: 1, col: 1 });
    expect(loadFail("# only a comment\n").message).toMatch(/is empty/);
    expect(thrown(() => parsePolicyObject([1, 2]), PolicyLoadError).message).toMatch(/not a mapping/);
  });

  it("an unknown tag is refused, as PyYAML's safe_load did", () => {
    expect(loadFail("name: !!python/object:os.system x\n").issues[0]).toMatchObject({ line: 1, col: 7, message: expect.stringMatching(/Unresolved tag/) });
  });

  it("several documents in one file", () => {
    expect(loadFail("name: a\n---\nname: b\n").issues).not.toHaveLength(0);
  });

  it("an alias bomb is refused instead of expanded", () => {
    const lines = ["name: bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) lines.push(`${"bcdefghij"[i]}: &${"bcdefghij"[i]} [*${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}, *${"abcdefghi"[i]}]`);
    expect(loadFail(`${lines.join("\n")}\n`).message).toMatch(/alias/i);
  });
});

describe("schema errors are located on the offending node", () => {
  it("unknown key: on the key, with did-you-mean", () => {
    const err = invalid("name: x\nrules:\n  pii_redaction:\n    enabled: true\n    stratgy: mask\n");
    expect(err.issues).toEqual([
      {
        file: F,
        line: 5,
        col: 5,
        path: ["rules", "pii_redaction", "stratgy"],
        message: "unknown key `stratgy`; did you mean `strategy`?",
      },
    ]);
  });

  it("unknown keys with no close match list the valid keys; each key is its own issue", () => {
    const err = invalid("name: x\nrules:\n  network:\n    enabled: true\n    proxy: a\n    allow: []\n");
    expect(err.issues.map((i) => [i.line, i.col, i.message])).toEqual([
      [5, 5, "unknown key `proxy`; expected one of `enabled`, `allowed_domains`, `denied_domains`, `deny_all_other`"],
      [6, 5, "unknown key `allow`; expected one of `enabled`, `allowed_domains`, `denied_domains`, `deny_all_other`"],
    ]);
  });

  it("unknown top-level keys (the original ignored them silently)", () => {
    const err = invalid("name: x\ntools:\n  - a\nnmae: y\n");
    expect(err.issues.map((i) => [i.line, i.col, i.message])).toEqual([
      [2, 1, "unknown key `tools`; expected one of `name`, `version`, `extends`, `on_violation`, `rules`"],
      [4, 1, "unknown key `nmae`; did you mean `name`?"],
    ]);
  });

  it("did-you-mean inside a list entry and inside a record value", () => {
    const err = invalid(
      [
        "name: x",
        "rules:",
        "  content_rules:",
        "    block_patterns:",
        "      - name: a",
        "        pattern: b",
        "        acton: log",
        "  rate_limits:",
        "    per_tool:",
        "      search: {max_call: 3}",
        "",
      ].join("\n"),
    );
    expect(err.issues.map((i) => [i.line, i.col, i.message])).toEqual([
      [7, 9, "unknown key `acton`; did you mean `action`?"],
      [10, 16, "unknown key `max_call`; did you mean `max_calls`?"],
    ]);
  });

  it("wrong type deep inside rules: on the value", () => {
    const text = [
      "name: x",
      "rules:",
      "  argument_rules:",
      "    read_file:",
      "      options.mode:",
      "        max_length: ten",
      "  rate_limits:",
      "    global_limit:",
      "      window_seconds: -5",
      "",
    ].join("\n");
    const err = invalid(text);
    expect(err.issues).toEqual([
      {
        file: F,
        line: 6,
        col: 21,
        path: ["rules", "argument_rules", "read_file", "options.mode", "max_length"],
        message: 'expected a number, got the string "ten"',
      },
      {
        file: F,
        line: 9,
        col: 23,
        path: ["rules", "rate_limits", "global_limit", "window_seconds"],
        message: "must be greater than 0, got the number -5",
      },
    ]);
  });

  it("a list entry of the wrong type, by index", () => {
    const err = invalid("name: x\nrules:\n  denied_tools:\n    - ok\n    - [nested]\n    - 3\n");
    expect(err.issues.map((i) => [i.path.join("."), i.line, i.col])).toEqual([
      ["rules.denied_tools.1", 5, 7],
      ["rules.denied_tools.2", 6, 7],
    ]);
  });

  it("a missing required key points at the nearest existing parent", () => {
    const err = invalid("# comment\nversion: '1.0'\nrules: {}\n");
    expect(err.issues).toEqual([expect.objectContaining({ path: ["name"], line: 2, col: 1, message: "required key is missing" })]);
  });

  it("an empty value (`key:` with nothing) points at the key", () => {
    const err = invalid("name: x\nrules:\n  network:\n");
    expect(err.issues).toEqual([expect.objectContaining({ path: ["rules", "network"], line: 3, col: 3, message: "expected a mapping, got null (an empty value)" })]);
  });

  it("a bad record key points at the key", () => {
    const err = invalid("name: x\nrules:\n  argument_rules:\n    '[a]':\n      p: {required: true}\n");
    expect(err.issues).toEqual([expect.objectContaining({ line: 4, col: 5, path: ["rules", "argument_rules", "[a]"] })]);
  });

  it("errors under a renamed key are reported where the author wrote them", () => {
    const err = invalid("name: x\nrules:\n  pii:\n    strategy: ner\n  rate_limits:\n    global: {max_calls: 0}\n");
    expect(err.issues.map((i) => [i.path.join("."), i.line, i.col])).toEqual([
      ["rules.pii.strategy", 4, 15],
      ["rules.rate_limits.global.max_calls", 6, 25],
    ]);
  });

  it("errors under a hoisted top-level rule key point at the top-level key", () => {
    const err = invalid("name: x\nrate_limits:\n  global: {max_calls: 0}\n");
    expect(err.issues).toEqual([expect.objectContaining({ path: ["rate_limits", "global", "max_calls"], line: 3, col: 23 })]);
  });

  it("errors reached through a YAML anchor or merge key still get a position", () => {
    const err = invalid("name: x\nbase: &b {enabled: true, categories: [foo]}\nrules:\n  pii_redaction:\n    <<: *b\n");
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path.join("."), [i.line, i.col]]));
    expect(byPath.base).toEqual([2, 1]);
    expect(byPath["rules.pii_redaction.categories.0"]).toEqual([2, 39]);
  });

  it("a malformed regular expression is reported at its line", () => {
    const err = invalid("name: x\nrules:\n  argument_rules:\n    t:\n      p: {pattern: '(unclosed'}\n");
    expect(err.issues).toEqual([
      expect.objectContaining({ line: 5, col: 20, path: ["rules", "argument_rules", "t", "p", "pattern"], message: "invalid regular expression: Unterminated group" }),
    ]);
  });

  it("issues are sorted by position and all of them are reported at once", () => {
    const err = invalid("on_violation: warn\nname: ''\nrules:\n  redact_output: 1\n  max_call_depth: 0\n");
    expect(err.issues.map((i) => i.line)).toEqual([1, 2, 4, 5]);
  });

  it("objects (no YAML) get the key path but no line", () => {
    const err = thrown(() => parsePolicyObject({ name: "o", rules: { network: { allowed_domains: ["https://x.com"] } } }, "/obj"), PolicyValidationError);
    expect(err.issues).toEqual([
      {
        file: "/obj",
        path: ["rules", "network", "allowed_domains", 0],
        message: "domain `https://x.com` has a scheme: write only the host, without `https://` (e.g. `x.com`)",
      },
    ]);
  });
});
