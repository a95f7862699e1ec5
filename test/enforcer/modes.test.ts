// on_violation × violation kind: block denies, log records and runs, redact runs only when there
// is something to redact. Plus an injected fault at every stage of a call.
import { describe, expect, it, vi } from "vitest";
import { Enforcer, type CallRecord } from "../../core/enforcer.js";
import { EnforcementViolation, InternalEnforcementError } from "../../core/errors.js";
import { compilePolicyObject, createEnforcer, defaultPolicyPath, loadEngineSync } from "../../hosts/node/index.js";

type Kind = { name: string; rules: Record<string, unknown>; tool: string; args: unknown; output?: unknown; estimate?: number; redactable?: boolean };

const kinds: Kind[] = [
  { name: "tool_denied", rules: { denied_tools: ["t"] }, tool: "t", args: {} },
  { name: "tool_not_allowed", rules: { allowed_tools: ["other"] }, tool: "t", args: {} },
  { name: "domain_denied", rules: { network: { enabled: true, allowed_domains: ["ok.com"] } }, tool: "t", args: { u: "http://evil.com" } },
  { name: "content_violation", rules: { content_rules: { enabled: true, block_patterns: [{ name: "k", pattern: "secret-[0-9]+" }] } }, tool: "t", args: { s: "a secret-42 b" }, redactable: true },
  { name: "argument_violation", rules: { argument_rules: { t: { n: { max: 1 } } } }, tool: "t", args: { n: 2 } },
  { name: "cost_limit", rules: { resource_limits: { max_cost_per_call_usd: 1 } }, tool: "t", args: {}, estimate: 2 },
  { name: "input_size", rules: { max_input_size_bytes: 4 }, tool: "t", args: { s: "too long" } },
  { name: "output_size", rules: { max_output_size_bytes: 4 }, tool: "t", args: {}, output: "too long" },
];

describe.each(kinds)("$name", (k) => {
  const run = async (mode: string) => {
    const records: CallRecord[] = [];
    const e = createEnforcer({ policy: { name: "m", on_violation: mode, rules: k.rules }, audit: { record: (r) => void records.push(r) } });
    const tool = vi.fn((args: unknown) => k.output ?? args);
    const outcome = await e.call(k.tool, k.args, tool, k.estimate ? { costEstimateUsd: k.estimate } : {}).then((v) => ({ ok: true as const, v }), (err) => ({ ok: false as const, err }));
    return { outcome, tool, record: records[0]! };
  };

  it("block: denied with a typed error, recorded as blocked", async () => {
    const { outcome, record } = await run("block");
    expect(outcome.ok).toBe(false);
    expect((outcome as { err: unknown }).err).toBeInstanceOf(EnforcementViolation);
    expect(record.outcome).toBe("blocked");
    expect(record.violations.map((v) => v.type)).toContain(k.name);
  });

  it("log: the call runs and the violation is recorded", async () => {
    const { outcome, tool, record } = await run("log");
    expect(outcome.ok).toBe(true);
    expect(tool).toHaveBeenCalledTimes(1);
    expect(record.outcome).toBe("logged");
    expect(record.violations).toContainEqual(expect.objectContaining({ type: k.name, action: "log" }));
  });

  it(`redact: ${k.redactable ? "the call runs with the match redacted" : "nothing to redact, so denied"}`, async () => {
    const { outcome, tool, record } = await run("redact");
    expect(outcome.ok).toBe(k.redactable === true);
    if (k.redactable) {
      expect(tool.mock.calls[0]![0]).toEqual({ s: "a [REDACTED:k] b" });
      expect(record.outcome).toBe("redacted");
    } else expect(record.outcome).toBe("blocked");
  });
});

describe("an injected fault at each stage blocks the call", () => {
  const bundle = compilePolicyObject({ name: "f", rules: {} });
  const faulty = (stage: "preCall" | "postCall") => () => {
    const engine = loadEngineSync();
    engine[stage] = () => {
      throw new Error(`simulated ${stage} fault`);
    };
    return engine;
  };

  it("engine fault before the call: the tool never runs", async () => {
    const tool = vi.fn(() => 1);
    await expect(new Enforcer({ bundle, createEngine: faulty("preCall") }).call("t", {}, tool)).rejects.toBeInstanceOf(InternalEnforcementError);
    expect(tool).not.toHaveBeenCalled();
  });

  it("engine fault after the call: the result is withheld", async () => {
    await expect(new Enforcer({ bundle, createEngine: faulty("postCall") }).call("t", {}, () => "secret")).rejects.toBeInstanceOf(InternalEnforcementError);
  });

  it("a malformed bundle cannot make an enforcer", () => {
    const broken = { ...bundle, bytes: bundle.bytes.slice(0, 40) };
    expect(() => new Enforcer({ bundle: broken, createEngine: loadEngineSync })).toThrow(/bundle/);
  });

  it("reads the default policy path from ENFORCECORE_DEFAULT_POLICY", () => {
    const saved = process.env.ENFORCECORE_DEFAULT_POLICY;
    try {
      delete process.env.ENFORCECORE_DEFAULT_POLICY;
      expect(() => defaultPolicyPath()).toThrow(/ENFORCECORE_DEFAULT_POLICY is not set/);
      process.env.ENFORCECORE_DEFAULT_POLICY = "policies/examples/strict.yaml";
      expect(createEnforcer({ policy: defaultPolicyPath() }).policy.name).toBe("strict");
    } finally {
      if (saved === undefined) delete process.env.ENFORCECORE_DEFAULT_POLICY;
      else process.env.ENFORCECORE_DEFAULT_POLICY = saved;
    }
  });
});
