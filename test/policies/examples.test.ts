// Every shipped example loads cleanly (no warnings) and means what its comments say.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadPolicyFile } from "../../policies/loader.js";
import { nodeIO } from "../../policies/node-io.js";

const dir = fileURLToPath(new URL("../../policies/examples/", import.meta.url));
const load = (name: string) => loadPolicyFile(`${dir}${name}`, nodeIO);

describe("examples", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));

  it("has the expected files", () => {
    expect(files.sort()).toEqual(["child_extends.yaml", "default.yaml", "hundred_rules.yaml", "permissive.yaml", "pii_custom.yaml", "pii_demo.yaml", "strict.yaml"]);
  });

  it.each(files)("%s loads without warnings", (file) => {
    const result = load(file);
    expect(result.warnings).toEqual([]);
    expect(result.sources.at(-1)).toBe(`${dir}${file}`);
  });

  it("default: the original's intent, with the network section enabled", () => {
    const { policy } = load("default.yaml");
    expect(policy.rules.allowed_tools).toEqual(["search_web", "read_file", "calculator", "get_weather"]);
    expect(policy.rules.denied_tools).toEqual(["execute_shell", "send_email", "delete_file"]);
    expect(policy.rules.pii_redaction).toMatchObject({ enabled: true, categories: ["email", "phone", "ssn", "credit_card"], strategy: "placeholder" });
    expect(policy.rules.resource_limits).toEqual({ max_call_duration_seconds: 30, max_memory_mb: 256, max_cost_usd: 5, max_cost_per_call_usd: null, cost_estimates: {} });
    expect(policy.rules.network).toEqual({
      enabled: true,
      allowed_domains: ["api.openai.com", "api.anthropic.com", "*.wikipedia.org"],
      denied_domains: [],
      deny_all_other: true,
    });
    expect(policy.on_violation).toBe("block");
  });

  it("strict, permissive, pii_demo", () => {
    const strict = load("strict.yaml").policy;
    expect(strict.rules.pii_redaction.categories).toHaveLength(6);
    expect(strict.rules.max_output_size_bytes).toBe(512 * 1024);
    expect(strict.rules.network).toMatchObject({ enabled: true, allowed_domains: [], deny_all_other: true });
    const permissive = load("permissive.yaml").policy;
    expect(permissive.on_violation).toBe("log");
    expect(permissive.rules.allowed_tools).toBeNull();
    expect(permissive.rules.pii_redaction).toMatchObject({ enabled: true, categories: ["ssn", "credit_card"], strategy: "mask" });
    expect(permissive.rules.network).toMatchObject({ enabled: true, deny_all_other: false });
    const demo = load("pii_demo.yaml").policy;
    expect(demo.rules.allowed_tools).toBeNull();
    expect(demo.rules.pii_redaction.categories).toEqual(["email", "phone", "ssn", "credit_card", "ip_address"]);
  });

  it("child_extends inherits everything it does not write", () => {
    const base = load("default.yaml").policy;
    const { policy, sources } = load("child_extends.yaml");
    expect(sources).toEqual([`${dir}default.yaml`, `${dir}child_extends.yaml`]);
    expect(policy.name).toBe("default-plus-limits");
    expect(policy.rules.denied_tools).toEqual([...base.rules.denied_tools, "write_file"]);
    expect(policy.rules.pii_redaction).toEqual(base.rules.pii_redaction);
    expect(policy.rules.network).toEqual(base.rules.network);
    expect(policy.rules.allowed_tools).toEqual(base.rules.allowed_tools);
    expect(policy.on_violation).toBe(base.on_violation);
    expect(policy.rules.resource_limits).toEqual({ ...base.rules.resource_limits, max_cost_usd: 2 });
    expect(policy.rules.rate_limits.enabled).toBe(true);
    expect(policy.rules.argument_rules.read_file?.path).toMatchObject({ required: true, max_length: 512 });
  });

  it("hundred_rules has exactly 100 rules", () => {
    const r = load("hundred_rules.yaml").policy.rules;
    const counts = {
      allowed: r.allowed_tools?.length ?? 0,
      denied: r.denied_tools.length,
      argument: Object.values(r.argument_rules).reduce((n, paths) => n + Object.values(paths).reduce((m, c) => m + Object.keys(c).length, 0), 0),
      domains: r.network.allowed_domains.length + r.network.denied_domains.length,
      content: r.content_rules.block_patterns.length,
    };
    expect(counts).toEqual({ allowed: 20, denied: 20, argument: 20, domains: 20, content: 20 });
    expect(r.content_rules.block_patterns.filter((p) => p.pattern === null).map((p) => p.name)).toEqual([
      "shell_injection",
      "path_traversal",
      "sql_injection",
      "code_execution",
    ]);
  });

  it("pii_custom: custom types and per-tool overrides", () => {
    const { policy } = load("pii_custom.yaml");
    expect(policy.rules.pii_redaction.custom.map((c) => c.name)).toEqual(["employee_id", "orcid", "member_number"]);
    expect(policy.rules.pii_redaction.per_tool).toEqual({
      send_email: { enabled: true, categories: ["phone", "iban", "employee_id", "member_number"], strategy: "mask", secrets: { enabled: null, categories: null } },
      "log_*": { enabled: true, categories: null, strategy: "token", secrets: { enabled: null, categories: null } },
      calculator: { enabled: false, categories: null, strategy: null, secrets: { enabled: null, categories: null } },
    });
  });
});
