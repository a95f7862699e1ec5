// The original EnforceCore's test fixtures (inventory §1.11), as YAML text, load to the same meaning.
import { describe, expect, it } from "vitest";
import { PolicyLoadError, PolicyValidationError } from "../../core/errors.js";
import { parsePolicyText } from "../../policies/loader.js";
import { thrown } from "./helpers.js";

const FIXTURES: Record<string, string> = {
  "allow_all.yaml": `name: allow-all
version: "1.0"
rules:
  allowed_tools: null
  denied_tools: []
  pii_redaction:
    enabled: false
  resource_limits: {}
on_violation: block
`,
  "deny_all.yaml": `name: deny-all
rules:
  allowed_tools: []
`,
  "specific_tools.yaml": `name: specific-tools
rules:
  allowed_tools: [search_web, calculator, get_weather]
  denied_tools: [execute_shell]
  resource_limits:
    max_call_duration_seconds: 10
    max_cost_usd: 5.0
on_violation: block
`,
  "log_only.yaml": `name: log-only
rules:
  allowed_tools: [search_web]
  denied_tools: [execute_shell]
on_violation: log
`,
  "cost_limit.yaml": "name: cost-limit\nrules:\n  resource_limits:\n    max_cost_usd: 5.00\n",
  "time_limit.yaml": "name: time-limit\nrules:\n  resource_limits:\n    max_call_duration_seconds: 5.0\n",
  "resource_limits.yaml": `name: resource-limits
rules:
  resource_limits:
    max_call_duration_seconds: 10
    max_memory_mb: 256
    max_cost_usd: 10
`,
  "output_limit.yaml": "name: output-limit\nrules:\n  max_output_size_bytes: 100\n  redact_output: true\n",
  "pii_redaction.yaml": `name: pii-redaction
rules:
  pii_redaction:
    enabled: true
    categories: [email, phone, ssn, credit_card, ip_address]
    strategy: placeholder
`,
  "pii_mask.yaml": "name: pii-mask\nrules:\n  pii_redaction:\n    enabled: true\n    categories: [email, phone]\n    strategy: mask\n",
};

const load = (file: string) => parsePolicyText(FIXTURES[file] as string, `/fixtures/${file}`);

describe("original fixtures", () => {
  it("allow_all allows everything", () => {
    const { policy, warnings } = load("allow_all.yaml");
    expect(policy.name).toBe("allow-all");
    expect(policy.rules.allowed_tools).toBeNull();
    expect(policy.rules.denied_tools).toEqual([]);
    expect(policy.rules.pii_redaction.enabled).toBe(false);
    expect(warnings).toEqual([]);
  });

  it("deny_all has an empty allow list (distinct from null)", () => {
    expect(load("deny_all.yaml").policy.rules.allowed_tools).toEqual([]);
  });

  it("specific_tools, log_only", () => {
    const s = load("specific_tools.yaml").policy;
    expect(s.rules.allowed_tools).toEqual(["search_web", "calculator", "get_weather"]);
    expect(s.rules.denied_tools).toEqual(["execute_shell"]);
    expect(s.rules.resource_limits).toMatchObject({ max_call_duration_seconds: 10, max_cost_usd: 5 });
    expect(load("log_only.yaml").policy.on_violation).toBe("log");
  });

  it("limits", () => {
    expect(load("cost_limit.yaml").policy.rules.resource_limits.max_cost_usd).toBe(5);
    expect(load("time_limit.yaml").policy.rules.resource_limits.max_call_duration_seconds).toBe(5);
    expect(load("resource_limits.yaml").policy.rules.resource_limits).toEqual({
      max_call_duration_seconds: 10,
      max_memory_mb: 256,
      max_cost_usd: 10,
      max_cost_per_call_usd: null,
      cost_estimates: {},
    });
    const out = load("output_limit.yaml").policy.rules;
    expect(out.max_output_size_bytes).toBe(100);
    expect(out.redact_output).toBe(true);
  });

  it("pii fixtures", () => {
    expect(load("pii_redaction.yaml").policy.rules.pii_redaction).toEqual({
      enabled: true,
      categories: ["email", "phone", "ssn", "credit_card", "ip_address"],
      strategy: "placeholder",
      ner_threshold: 0.8,
      ner_fallback_to_regex: true,
      normalize: true,
      secrets: { enabled: false, categories: null },
      custom: [],
      per_tool: {},
    });
    expect(load("pii_mask.yaml").policy.rules.pii_redaction).toMatchObject({ categories: ["email", "phone"], strategy: "mask" });
  });

  it("invalid_policy: empty name and rules given as a string → PolicyValidationError with 2 issues", () => {
    const err = thrown(() => parsePolicyText('name: ""\nrules: "not a mapping"\n', "/fixtures/invalid_policy.yaml"), PolicyValidationError);
    expect(err.code).toBe("policy_invalid");
    expect(err.issues).toHaveLength(2);
    expect(err.issues.map((i) => [i.path.join("."), i.line, i.col])).toEqual([
      ["name", 1, 7],
      ["rules", 2, 8],
    ]);
    expect(err.issues[0]?.message).toBe("name must not be empty");
    expect(err.issues[1]?.message).toBe('expected a mapping, got the string "not a mapping"');
    expect(err.message).toContain("/fixtures/invalid_policy.yaml:1:7: name must not be empty");
  });

  it("broken_yaml → PolicyLoadError with line:col", () => {
    const err = thrown(() => parsePolicyText("not: valid: yaml: [[[\n", "/fixtures/broken_yaml.yaml"), PolicyLoadError);
    expect(err.code).toBe("policy_load");
    expect(err.message).toMatch(/^Invalid YAML in \/fixtures\/broken_yaml\.yaml/);
    expect(err.issues[0]).toMatchObject({ file: "/fixtures/broken_yaml.yaml", line: 1, col: 6 });
    expect(err.message).toContain("/fixtures/broken_yaml.yaml:1:6: ");
  });

  it("version: 1.0 (a YAML number) is refused with advice to quote it", () => {
    const err = thrown(() => parsePolicyText("name: v\nversion: 1.0\n", "/v.yaml"), PolicyValidationError);
    expect(err.issues).toEqual([
      expect.objectContaining({ path: ["version"], line: 2, col: 10, message: expect.stringContaining('quote it, e.g. version: "1.0"') }),
    ]);
    expect(parsePolicyText('name: v\nversion: "1.0"\n', "/v.yaml").policy.version).toBe("1.0");
    expect(parsePolicyText("name: v\n", "/v.yaml").policy.version).toBe("1.0");
  });
});
