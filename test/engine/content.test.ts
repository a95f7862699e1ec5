import { describe, expect, it } from "vitest";
import { call, engineFor } from "./helpers.js";

describe("content rules", () => {
  const builtins = engineFor({ content_rules: { enabled: true, block_patterns: [] } });

  it("enables the four built-ins when the list is empty", () => {
    for (const [rule, text] of [
      ["shell_injection", "ls; sudo rm -rf /"],
      ["path_traversal", "../../etc/passwd"],
      ["sql_injection", "' OR 1=1 --"],
      ["code_execution", "__import__('os').system('id')"],
    ] as const) {
      const d = call(builtins, "run", { input: text });
      expect(d.decision, text).toBe("deny");
      expect(d.violations.some((v) => v.rule === `rules.content_rules.${rule}`), `${rule}: ${JSON.stringify(d.violations)}`).toBe(true);
    }
    expect(call(builtins, "run", { input: "the weather in Paris" }).decision).toBe("allow");
  });

  it("scans nested values and keys, case-insensitively", () => {
    expect(call(builtins, "run", { a: [{ b: "X UNION SELECT password FROM users" }] }).decision).toBe("deny");
    expect(call(builtins, "run", { "../../etc/shadow": true }).decision).toBe("deny");
  });

  it("reports the matched span of a custom pattern", () => {
    const e = engineFor({ content_rules: { enabled: true, block_patterns: [{ name: "ticket", pattern: "TICKET-[0-9]+" }] } });
    const d = call(e, "t", { text: "see ticket-1234 now" });
    expect(d.violations[0]).toMatchObject({ type: "content_violation", rule: "rules.content_rules.ticket", path: ["text"], span: { start: 4, end: 15 } });
  });

  it("redact action lets the call run and reports every span to redact", () => {
    const e = engineFor({ content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{8}", action: "redact" }] } });
    const d = call(e, "t", { text: "a sk-abcdefgh b sk-12345678" });
    expect(d.decision).toBe("redact");
    expect(d.violations.map((v) => v.span)).toEqual([{ start: 2, end: 13 }, { start: 16, end: 27 }]);
  });

  it("checks outputs too, unless the rule applies to input only", () => {
    const e = engineFor({ content_rules: { enabled: true, block_patterns: [
      { name: "in", pattern: "secret-in", applies_to: "input" },
      { name: "out", pattern: "secret-out", applies_to: "output" },
    ] } });
    expect(call(e, "t", { x: "secret-out" }).decision).toBe("allow");
    expect(e.postCall({ tool: "t", output: { x: "secret-out" }, now: 2 }).decision).toBe("deny");
    expect(e.postCall({ tool: "t", output: { x: "secret-in" }, now: 3 }).decision).toBe("allow");
  });
});

describe("argument rules", () => {
  const e = engineFor({
    argument_rules: {
      "fs.*": {
        path: { pattern: "/data/[a-z0-9/._-]+", denied_pattern: "\\.\\.", max_length: 64, required: true },
        mode: { allowed_values: ["r", "w"] },
        "opts.*": { denied_values: ["recursive"] },
      },
      transfer: { amount: { min: 0, max: 100 } },
    },
  });

  it("passes a conforming call", () => {
    expect(call(e, "fs.read", { path: "/data/a.txt", mode: "r", opts: { x: "shallow" } }).decision).toBe("allow");
    expect(call(e, "transfer", { amount: 100 }).decision).toBe("allow");
  });

  it("reports each failed constraint", () => {
    const checks = (tool: string, args: unknown) => call(e, tool, args).violations.map((v) => v.check);
    expect(checks("fs.read", { path: "/etc/passwd" })).toEqual(["pattern"]);
    expect(checks("fs.read", { path: "/data/../x" })).toEqual(["denied_pattern"]);
    expect(checks("fs.read", { path: `/data/${"a".repeat(64)}` })).toEqual(["max_length"]);
    expect(checks("fs.read", { mode: "r" })).toEqual(["required"]);
    expect(checks("fs.read", { path: "/data/a", mode: "x" })).toEqual(["allowed_values"]);
    expect(checks("fs.read", { path: "/data/a", opts: { deep: "recursive" } })).toEqual(["denied_values"]);
    expect(checks("transfer", { amount: -1 })).toEqual(["min"]);
    expect(checks("transfer", { amount: 1e9 })).toEqual(["max"]);
    expect(checks("transfer", { amount: Number.NaN })).toEqual(["min", "max"]);
    expect(checks("transfer", { amount: "50" })).toEqual(["type"]);
  });

  it("cannot be dodged by sending an array or object where a scalar is constrained", () => {
    const d = call(e, "fs.read", { path: ["/etc/passwd"] });
    expect(d.decision).toBe("deny");
    expect(d.violations[0]).toMatchObject({ check: "type", path: ["path", 0] });
  });

  it("applies only to matching tools", () => {
    expect(call(e, "net.get", { path: "/etc/passwd" }).decision).toBe("allow");
  });
});
