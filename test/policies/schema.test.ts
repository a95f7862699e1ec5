// The policy language, field by field: what is accepted, how it is normalised, what is refused.
import { describe, expect, it } from "vitest";
import { PolicyLoadError, PolicyValidationError } from "../../core/errors.js";
import { canonicalDomain, checkToolPattern, didYouMean, parseArgPath } from "../../policies/fields.js";
import { parsePolicyObject, parsePolicyText, resolvePolicy } from "../../policies/loader.js";
import { BUILTIN_CONTENT_RULES, PII_CATEGORIES } from "../../policies/schema.js";
import { thrown } from "./helpers.js";

const rules = (r: Record<string, unknown>) => resolvePolicy({ name: "t", rules: r } as never).rules;
const issuesOf = (r: Record<string, unknown>) =>
  thrown(() => resolvePolicy({ name: "t", rules: r } as never), PolicyValidationError).issues.map((i) => `${i.path.join(".")}: ${i.message}`);

describe("top level", () => {
  it("name is trimmed and must not be empty", () => {
    expect(resolvePolicy({ name: "  spaced  " }).name).toBe("spaced");
    expect(thrown(() => resolvePolicy({ name: "   " }), PolicyValidationError).issues[0]?.path).toEqual(["name"]);
  });

  it("defaults", () => {
    const p = resolvePolicy({ name: "d" });
    expect(p).toMatchObject({ version: "1.0", on_violation: "block" });
    expect(p.rules.allowed_tools).toBeNull();
    expect(p.rules.redact_output).toBe(true);
    expect(p.rules.pii_redaction.categories).toEqual(["email", "phone", "ssn", "credit_card", "ip_address"]);
    expect(p.rules.network).toEqual({ enabled: false, allowed_domains: [], denied_domains: [], deny_all_other: true });
  });

  it("on_violation is one of block/log/redact", () => {
    expect(thrown(() => resolvePolicy({ name: "x", on_violation: "warn" } as never), PolicyValidationError).issues[0]?.message).toBe(
      'expected one of `block`, `log`, `redact`, got the string "warn"',
    );
  });

  it("a policy with no rules loads, with a warning that nothing is enforced", () => {
    const r = parsePolicyText("name: empty\n", "/e.yaml");
    expect(r.warnings).toEqual(["/e.yaml: policy has no `rules:` section: every tool is allowed and nothing is enforced"]);
  });
});

describe("tools", () => {
  it("names and globs are lower-cased and de-duplicated", () => {
    expect(rules({ allowed_tools: ["Search", "search", "FILE_*", "db_?"], denied_tools: ["X", "x"] })).toMatchObject({
      allowed_tools: ["search", "file_*", "db_?"],
      denied_tools: ["x"],
    });
  });

  it("null allows every tool, [] allows none, a plain string is refused", () => {
    expect(rules({ allowed_tools: null }).allowed_tools).toBeNull();
    expect(rules({ allowed_tools: [] }).allowed_tools).toEqual([]);
    expect(issuesOf({ allowed_tools: "search" })).toEqual(["rules.allowed_tools: expected a list of tool names, e.g. [search]; a single string is not accepted"]);
    expect(issuesOf({ denied_tools: null })[0]).toMatch(/^rules\.denied_tools: expected a list/);
  });

  it("entry limits", () => {
    expect(checkToolPattern("a".repeat(128))).toBeNull();
    expect(checkToolPattern("a".repeat(129))).toMatch(/limit is 128/);
    expect(checkToolPattern("")).toMatch(/empty/);
    expect(checkToolPattern("a\u0007b")).toMatch(/control/);
    expect(checkToolPattern("file_[rw]")).toMatch(/only `\*` and `\?`/);
    expect(checkToolPattern(" a")).toMatch(/whitespace/);
    expect(checkToolPattern("__proto__")).toMatch(/not accepted/);
  });
});

describe("pii_redaction", () => {
  it("every category of PII_CATEGORIES is accepted; others are load errors", () => {
    expect(rules({ pii_redaction: { categories: [...PII_CATEGORIES] } }).pii_redaction.categories).toEqual([...PII_CATEGORIES]);
    expect(issuesOf({ pii_redaction: { categories: ["email", "foo"] } })).toEqual([
      `rules.pii_redaction.categories.1: unknown PII category "foo"; expected one of ${PII_CATEGORIES.map((c) => `\`${c}\``).join(", ")}`,
    ]);
  });

  it("strategy: regex is placeholder, ner is refused", () => {
    expect(rules({ pii_redaction: { strategy: "regex" } }).pii_redaction.strategy).toBe("placeholder");
    expect(rules({ pii_redaction: { strategy: "hash" } }).pii_redaction.strategy).toBe("hash");
    expect(issuesOf({ pii_redaction: { strategy: "ner" } })[0]).toMatch(/`ner` is not supported/);
  });

  it("ner_threshold is accepted for compatibility, within 0..1", () => {
    expect(rules({ pii_redaction: { ner_threshold: 0.5, ner_fallback_to_regex: false } }).pii_redaction).toMatchObject({ ner_threshold: 0.5, ner_fallback_to_regex: false });
    expect(issuesOf({ pii_redaction: { ner_threshold: 1.5 } })).toEqual(["rules.pii_redaction.ner_threshold: must be at most 1, got the number 1.5"]);
  });
});

describe("resource limits and sizes", () => {
  it("bounds", () => {
    expect(rules({ resource_limits: { max_cost_usd: 0, max_cost_per_call_usd: 0.01 } }).resource_limits).toMatchObject({ max_cost_usd: 0, max_cost_per_call_usd: 0.01 });
    expect(issuesOf({ resource_limits: { max_call_duration_seconds: 0, max_memory_mb: 1.5, max_cost_usd: -1 } })).toEqual([
      "rules.resource_limits.max_call_duration_seconds: must be greater than 0, got the number 0",
      "rules.resource_limits.max_memory_mb: expected an integer, got the number 1.5",
      "rules.resource_limits.max_cost_usd: must be at least 0, got the number -1",
    ]);
    // The original accepted a negative max_output_size_bytes and then blocked every output.
    expect(issuesOf({ max_output_size_bytes: -1, max_input_size_bytes: 1.5, max_call_depth: 0 })).toHaveLength(3);
    expect(rules({ max_output_size_bytes: 0, max_input_size_bytes: 10, max_call_depth: 1 })).toMatchObject({ max_output_size_bytes: 0, max_input_size_bytes: 10, max_call_depth: 1 });
  });

  it("an infinite number is refused", () => {
    expect(issuesOf({ resource_limits: { max_cost_usd: Number.POSITIVE_INFINITY } })).toHaveLength(1);
  });
});

describe("network domains", () => {
  const ok = (s: string) => {
    const r = canonicalDomain(s);
    if (!r.ok) throw new Error(r.message);
    return r.host;
  };
  const bad = (s: string) => {
    const r = canonicalDomain(s);
    if (r.ok) throw new Error(`accepted ${s} as ${r.host}`);
    return r.message;
  };

  it("canonical forms", () => {
    expect(ok("API.OpenAI.com")).toBe("api.openai.com");
    expect(ok("*.Example.COM")).toBe("*.example.com");
    expect(ok("example.com.")).toBe("example.com");
    expect(ok("10.0.0.1")).toBe("10.0.0.1");
    expect(ok("::1")).toBe("[::1]");
    expect(ok("[2001:DB8::0:1]")).toBe("[2001:db8::1]");
    expect(ok("bücher.de")).toBe("xn--bcher-kva.de");
    expect(ok("*.BÜCHER.de")).toBe("*.xn--bcher-kva.de");
    expect(ok("localhost")).toBe("localhost");
  });

  it("refuses schemes, paths, ports and odd wildcards, saying so", () => {
    expect(bad("https://api.openai.com")).toMatch(/has a scheme: write only the host, without `https:\/\/` \(e\.g\. `api\.openai\.com`\)/);
    expect(bad("api.openai.com/v1")).toMatch(/has a path/);
    expect(bad("api.openai.com:443")).toMatch(/has a port: write only the host, without `:443`/);
    expect(bad("[::1]:8080")).toMatch(/has a port/);
    expect(bad("user@host.com")).toMatch(/user info/);
    expect(bad("*example.com")).toMatch(/leading `\*\.`/);
    expect(bad("a.*.com")).toMatch(/leading `\*\.`/);
    expect(bad("*.10.0.0.1")).toMatch(/wildcard cannot apply to an IP/);
    expect(bad("a..b")).toMatch(/empty label/);
    expect(bad("")).toMatch(/empty/);
    expect(bad("a b.com")).toMatch(/spaces/);
    expect(bad("exa%mple.com")).toMatch(/not a valid host/);
  });

  it("lists are canonicalised and de-duplicated in the policy", () => {
    expect(rules({ network: { enabled: true, allowed_domains: ["A.com", "a.com"], denied_domains: ["*.X.io"] } }).network).toEqual({
      enabled: true,
      allowed_domains: ["a.com"],
      denied_domains: ["*.x.io"],
      deny_all_other: true,
    });
  });

  it("a network section with domains but no `enabled` loads, with a warning (it has no effect)", () => {
    const r = parsePolicyText("name: n\nrules:\n  network:\n    allowed_domains: [a.com]\n", "/n.yaml");
    expect(r.policy.rules.network.enabled).toBe(false);
    expect(r.warnings).toEqual(["/n.yaml: `rules.network` lists domains but is not enabled, so it has no effect (write `enabled: true`)"]);
  });
});

describe("content rules", () => {
  it("enabled with no patterns lists the four builtins explicitly", () => {
    const c = rules({ content_rules: { enabled: true } }).content_rules;
    expect(c.block_patterns.map((p) => [p.name, p.pattern])).toEqual(BUILTIN_CONTENT_RULES.map((n) => [n, null]));
    expect(rules({ content_rules: { enabled: false } }).content_rules.block_patterns).toEqual([]);
  });

  it("a builtin name without pattern selects the builtin; with a pattern it is a custom rule", () => {
    const c = rules({
      content_rules: {
        enabled: true,
        block_patterns: [{ name: "sql_injection" }, { name: "shell_injection", pattern: "rm -rf", action: "log", applies_to: "input" }],
      },
    }).content_rules.block_patterns;
    expect(c).toEqual([
      { name: "sql_injection", pattern: null, description: "", action: null, applies_to: "both" },
      { name: "shell_injection", pattern: "rm -rf", description: "", action: "log", applies_to: "input" },
    ]);
  });

  it("`reason:` (the original's examples) becomes the description; description wins when both", () => {
    const c = rules({
      content_rules: {
        enabled: true,
        block_patterns: [
          { name: "a", pattern: "x", reason: "why" },
          { name: "b", pattern: "y", reason: "why", description: "what" },
        ],
      },
    }).content_rules.block_patterns;
    expect(c.map((r) => r.description)).toEqual(["why", "what"]);
  });

  it("refuses a non-builtin without pattern, duplicate names, non-string values", () => {
    expect(issuesOf({ content_rules: { block_patterns: [{ name: "mine" }] } })[0]).toMatch(/^rules\.content_rules\.block_patterns\.0\.name: content rule `mine` has no `pattern`/);
    expect(issuesOf({ content_rules: { block_patterns: [{ name: "a", pattern: "x" }, { name: "a", pattern: "y" }] } })).toEqual([
      "rules.content_rules.block_patterns.1.name: duplicate content rule name `a`",
    ]);
    expect(issuesOf({ content_rules: { block_patterns: [{ name: "a", pattern: true }] } })).toHaveLength(1);
    expect(issuesOf({ content_rules: { block_patterns: [{ name: " ", pattern: "x" }] } })).toHaveLength(1);
    expect(issuesOf({ content_rules: { block_patterns: [{ name: "a", pattern: "[z-a]" }] } })[0]).toMatch(/invalid regular expression/);
    expect(issuesOf({ content_rules: { block_patterns: [{ name: "a", pattern: "" }] } })).toEqual(["rules.content_rules.block_patterns.0.pattern: must not be empty"]);
  });
});

describe("rate limits", () => {
  it("defaults per missing key; tool keys lower-cased", () => {
    expect(rules({ rate_limits: { enabled: true, per_tool: { Search: { max_calls: 5 } }, global_limit: { window_seconds: 1 } } }).rate_limits).toEqual({
      enabled: true,
      per_tool: { search: { max_calls: 5, window_seconds: 60 } },
      global_limit: { max_calls: 1000, window_seconds: 1 },
    });
  });

  it("`global` is an alias of `global_limit` (the original ignored it); both is an error", () => {
    expect(rules({ rate_limits: { enabled: true, global: { max_calls: 7 } } }).rate_limits.global_limit).toEqual({ max_calls: 7, window_seconds: 60 });
    expect(issuesOf({ rate_limits: { global: {}, global_limit: {} } })).toEqual([
      "rules.rate_limits.global: `global` is an alias of `global_limit`, and both are written; keep only `global_limit`",
    ]);
  });

  it("bounds and case clashes", () => {
    expect(issuesOf({ rate_limits: { per_tool: { a: { max_calls: 100_001 }, b: { max_calls: 0 }, c: { window_seconds: 0 } } } })).toHaveLength(3);
    expect(issuesOf({ rate_limits: { per_tool: { Search: {}, search: {} } } })).toEqual([
      "rules.rate_limits.per_tool.search: `search` and `Search` name the same tool (tool names ignore case)",
    ]);
  });
});

describe("sandbox and sensitivity labels", () => {
  it("sandbox is parsed strictly", () => {
    expect(rules({ sandbox: { enabled: true, max_memory_mb: 64, allowed_env_vars: ["PATH"] } }).sandbox).toEqual({
      enabled: true,
      strategy: "subprocess",
      max_memory_mb: 64,
      max_cpu_seconds: null,
      allowed_env_vars: ["PATH"],
      working_directory: null,
    });
    // The original silently fell back to subprocess for an unknown strategy.
    expect(issuesOf({ sandbox: { strategy: "docker" } })).toEqual(['rules.sandbox.strategy: expected `subprocess`, got the string "docker"']);
  });

  it("sensitivity labels are accepted disabled and refused enabled", () => {
    expect(rules({ sensitivity_labels: { enabled: false, default_clearance: "confidential", fallback: "warn" } }).sensitivity_labels).toEqual({
      enabled: false,
      default_clearance: "confidential",
      enforce: true,
      fallback: "warn",
    });
    expect(issuesOf({ sensitivity_labels: { enabled: true } })[0]).toMatch(/^rules\.sensitivity_labels\.enabled: sensitivity labels are not enforced by enforcecore/);
  });
});

describe("argument rules", () => {
  it("tool keys lower-cased, paths kept, constraints as written", () => {
    const a = rules({ argument_rules: { Read_File: { path: { required: true, denied_pattern: "\\.\\." }, "options.*.mode": { allowed_values: ["r", 1, true] } } } }).argument_rules;
    expect(a).toEqual({ read_file: { path: { required: true, denied_pattern: "\\.\\." }, "options.*.mode": { allowed_values: ["r", 1, true] } } });
  });

  it("refuses empty constraints, min > max, bad paths, non-scalar values", () => {
    expect(issuesOf({ argument_rules: { t: { p: {} } } })[0]).toMatch(/needs at least one constraint/);
    expect(issuesOf({ argument_rules: { t: { p: { min: 2, max: 1 } } } })).toEqual(["rules.argument_rules.t.p.min: min (2) is greater than max (1)"]);
    expect(issuesOf({ argument_rules: { t: { "a.": { required: true } } } })[0]).toMatch(/empty segment/);
    expect(issuesOf({ argument_rules: { t: { "a*": { required: true } } } })[0]).toMatch(/whole `\*` segment/);
    expect(issuesOf({ argument_rules: { t: { p: { allowed_values: [{ x: 1 }] } } } })).toEqual(["rules.argument_rules.t.p.allowed_values.0: expected a string, a number or true/false"]);
    expect(issuesOf({ argument_rules: { t: { p: { max_length: -1 } } } })).toHaveLength(1);
    expect(parseArgPath(Array.from({ length: 65 }, () => "a").join("."))).toMatch(/limit is 64/);
  });
});

describe("compatibility renames", () => {
  it("deprecated aliases inside rules are renamed, with a warning", () => {
    const r = parsePolicyText("name: a\nrules:\n  pii: {enabled: true}\n  resources: {max_cost_usd: 1}\n  network_policy: {enabled: true}\n", "/a.yaml");
    expect(r.policy.rules.pii_redaction.enabled).toBe(true);
    expect(r.policy.rules.resource_limits.max_cost_usd).toBe(1);
    expect(r.policy.rules.network.enabled).toBe(true);
    expect(r.warnings).toEqual([
      "/a.yaml:3:3: `pii` is a deprecated alias; write `pii_redaction` (at rules.pii)",
      "/a.yaml:4:3: `resources` is a deprecated alias; write `resource_limits` (at rules.resources)",
      "/a.yaml:5:3: `network_policy` is a deprecated alias; write `network` (at rules.network_policy)",
    ]);
    expect(parsePolicyObject({ name: "b", rules: { pii_config: { enabled: true } } }).policy.rules.pii_redaction.enabled).toBe(true);
  });

  it("alias and canonical key both written is an error", () => {
    expect(issuesOf({ pii: {}, pii_redaction: {} })).toEqual(["rules.pii: `pii` is a deprecated alias of `pii_redaction`, and both are written; keep only `pii_redaction`"]);
  });

  it("rule keys at the top level are hoisted under rules, with a warning", () => {
    const r = parsePolicyText("name: h\nallowed_tools: [a]\ndenied_tools: [b]\nrules:\n  redact_output: false\n", "/h.yaml");
    expect(r.policy.rules).toMatchObject({ allowed_tools: ["a"], denied_tools: ["b"], redact_output: false });
    expect(r.warnings).toEqual([
      "/h.yaml:2:1: rule key `allowed_tools` is written at the top level; move it under `rules:` (top-level rule keys are deprecated) (at allowed_tools)",
      "/h.yaml:3:1: rule key `denied_tools` is written at the top level; move it under `rules:` (top-level rule keys are deprecated) (at denied_tools)",
    ]);
  });

  it("a rule key both at the top level and under rules is an error", () => {
    const err = thrown(() => parsePolicyText("name: h\ndenied_tools: [a]\nrules:\n  denied_tools: [b]\n", "/h.yaml"), PolicyValidationError);
    expect(err.issues).toEqual([expect.objectContaining({ line: 2, col: 1, message: expect.stringMatching(/both at the top level and under `rules:`/) })]);
  });

  it("top-level keys written under rules are errors that say where they belong", () => {
    expect(issuesOf({ on_violation: "log", name: "x" })).toEqual([
      "rules.name: `name` belongs at the top level, not under `rules:`",
      "rules.on_violation: `on_violation` belongs at the top level, not under `rules:`",
    ]);
  });

  it("the input object is never modified", () => {
    const input = { name: "m", allowed_tools: ["A"], rules: { pii: { enabled: true }, rate_limits: { global: {} } } };
    const copy = structuredClone(input);
    parsePolicyObject(input);
    expect(input).toEqual(copy);
  });

  it("YAML 1.1 scalars read as the original's PyYAML read them", () => {
    const p = parsePolicyText("name: y\nrules:\n  redact_output: no\n  pii_redaction: {enabled: yes}\n  network: {enabled: on}\n", "/y.yaml").policy;
    expect([p.rules.redact_output, p.rules.pii_redaction.enabled, p.rules.network.enabled]).toEqual([false, true, true]);
    // …but, like PyYAML and unlike some YAML 1.1 readers, `y` and `n` stay strings.
    const q = parsePolicyText("name: n\nrules:\n  allowed_tools: [y, N]\n", "/q.yaml").policy;
    expect([q.name, q.rules.allowed_tools]).toEqual(["n", ["y", "n"]]);
  });
});

describe("did-you-mean", () => {
  it("suggests within edit distance 2, transpositions count once", () => {
    expect(didYouMean("alowed_tools", ["allowed_tools", "denied_tools"])).toBe("allowed_tools");
    expect(didYouMean("deneid_tools", ["allowed_tools", "denied_tools"])).toBe("denied_tools");
    expect(didYouMean("Denied_Tools", ["allowed_tools", "denied_tools"])).toBe("denied_tools");
    expect(didYouMean("toolz", ["allowed_tools", "denied_tools"])).toBeUndefined();
  });
});

describe("resolvePolicy", () => {
  it("refuses a document that still has extends", () => {
    expect(thrown(() => resolvePolicy({ name: "c", extends: "base.yaml" }), PolicyLoadError).message).toMatch(/needs the policy's file path and an io/);
  });
});
