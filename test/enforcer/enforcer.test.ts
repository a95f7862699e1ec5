import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import {
  ArgumentViolationError,
  ContentViolationError,
  CostLimitError,
  DomainDeniedError,
  HookAbortError,
  InternalEnforcementError,
  RateLimitError,
  ResourceLimitError,
  ToolDeniedError,
} from "../../core/errors.js";
import { compilePolicyObject, createEnforcer, enforce, loadEngineSync, multiTenant, watchPolicy } from "../../hosts/node/index.js";

const policy = (rules: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ name: "test", ...top, rules });
const echo = (args: unknown) => args;

function recording(rules: Record<string, unknown>, top: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const records: CallRecord[] = [];
  const enforcer = createEnforcer({ policy: policy(rules, top), audit: { record: (r) => void records.push(r) }, ...extra });
  return { enforcer, records };
}

describe("allowed and denied calls", () => {
  it("runs an allowed tool and returns its result", async () => {
    const { enforcer, records } = recording({ allowed_tools: ["echo"] });
    await expect(enforcer.call("echo", { a: 1 }, echo)).resolves.toEqual({ a: 1 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ tool: "echo", outcome: "allowed", violations: [], error: null });
    expect(records[0]!.requests).toHaveLength(2);
  });

  it("never runs a denied tool, and throws a typed error with tool, policy, rule and reason", async () => {
    const { enforcer, records } = recording({ denied_tools: ["shell"] });
    const tool = vi.fn();
    const err = await enforcer.call("shell", {}, tool).catch((e) => e);
    expect(tool).not.toHaveBeenCalled();
    expect(err).toBeInstanceOf(ToolDeniedError);
    expect(err).toMatchObject({ code: "tool_denied", tool: "shell", policy: "test", rule: "rules.denied_tools[0]" });
    expect(err.reason).toContain("denied list");
    expect(records[0]).toMatchObject({ outcome: "blocked", error: { code: "tool_denied" } });
  });

  it("takes the tool name from the function in wrap() and enforce()", async () => {
    async function search_web(args: { q: string }) {
      return `results for ${args.q}`;
    }
    const safe = enforce(search_web, { policy: policy({ allowed_tools: ["search_web"] }) });
    await expect(safe({ q: "x" })).resolves.toBe("results for x");
    function my_search_function() {
      return 1;
    }
    await expect(enforce(my_search_function, { policy: policy({ allowed_tools: ["search_web"] }) })({})).rejects.toBeInstanceOf(ToolDeniedError);
  });

  it("maps each violation kind to its error type", async () => {
    const e = createEnforcer({
      policy: policy({
        network: { enabled: true, allowed_domains: ["ok.com"] },
        content_rules: { enabled: true, block_patterns: [{ name: "sql_injection" }] },
        argument_rules: { pay: { amount: { max: 10 } } },
        rate_limits: { enabled: true, per_tool: { limited: { max_calls: 1, window_seconds: 60 } } },
        resource_limits: { max_cost_per_call_usd: 1 },
        max_input_size_bytes: 1000,
      }),
    });
    await expect(e.call("get", { url: "http://evil.com" }, echo)).rejects.toBeInstanceOf(DomainDeniedError);
    await expect(e.call("q", { sql: "1 UNION SELECT pw" }, echo)).rejects.toBeInstanceOf(ContentViolationError);
    await expect(e.call("pay", { amount: 11 }, echo)).rejects.toBeInstanceOf(ArgumentViolationError);
    await e.call("limited", {}, echo);
    await expect(e.call("limited", {}, echo)).rejects.toBeInstanceOf(RateLimitError);
    await expect(e.call("llm", {}, echo, { costEstimateUsd: 2 })).rejects.toBeInstanceOf(CostLimitError);
    await expect(e.call("big", { x: "y".repeat(2000) }, echo)).rejects.toBeInstanceOf(ResourceLimitError);
    e.killSwitch(true);
    await expect(e.call("get", {}, echo)).rejects.toMatchObject({ code: "resource_limit", rule: null });
    e.killSwitch(false);
    await expect(e.call("get", {}, echo)).resolves.toEqual({});
  });
});

describe("on_violation modes", () => {
  it("log: every kind of violation is recorded and the call runs", async () => {
    const { enforcer, records } = recording(
      { denied_tools: ["shell"], content_rules: { enabled: true, block_patterns: [{ name: "shell_injection" }] }, network: { enabled: true, allowed_domains: [] }, max_output_size_bytes: 3 },
      { on_violation: "log" },
    );
    await expect(enforcer.call("shell", { cmd: "ls; sudo rm -rf / http://x.com" }, () => "long output")).resolves.toBe("long output");
    expect(records[0]!.outcome).toBe("logged");
    expect(records[0]!.violations.map((v) => v.type).sort()).toEqual(["content_violation", "domain_denied", "output_size", "tool_denied"]);
    expect(records[0]!.violations.every((v) => v.action === "log")).toBe(true);
  });

  it("redact: matched content is removed from arguments before the tool sees them, and from outputs", async () => {
    const { enforcer, records } = recording({ content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{8}" }] } }, { on_violation: "redact" });
    const seen: unknown[] = [];
    const out = await enforcer.call("t", { text: "use sk-abcdefgh now", keep: 1 }, (args) => {
      seen.push(args);
      return "leaked sk-12345678";
    });
    expect(seen[0]).toEqual({ text: "use [REDACTED:key] now", keep: 1 });
    expect(out).toBe("leaked [REDACTED:key]");
    expect(records[0]).toMatchObject({ outcome: "redacted", redactions: { input: 1, output: 1 } });
  });

  it("redact: violations with nothing to redact still block", async () => {
    const { enforcer } = recording({ denied_tools: ["shell"] }, { on_violation: "redact" });
    await expect(enforcer.call("shell", {}, echo)).rejects.toBeInstanceOf(ToolDeniedError);
  });
});

describe("fail closed", () => {
  it("blocks on an engine fault, and fail-open is an explicit, reported opt-in", async () => {
    const bundle = compilePolicyObject(policy({}));
    const broken = () => {
      const engine = loadEngineSync();
      engine.preCall = () => {
        throw new Error("simulated trap");
      };
      return engine;
    };
    const { Enforcer } = await import("../../core/enforcer.js");
    const records: CallRecord[] = [];
    const closed = new Enforcer({ bundle, createEngine: broken, audit: { record: (r) => void records.push(r) } });
    const tool = vi.fn(() => "ran");
    await expect(closed.call("t", {}, tool)).rejects.toBeInstanceOf(InternalEnforcementError);
    expect(tool).not.toHaveBeenCalled();
    expect(records[0]).toMatchObject({ outcome: "blocked", error: { code: "internal_error" } });

    const reported: unknown[] = [];
    const open = new Enforcer({ bundle, createEngine: broken, failOpen: true, onInternalError: (e) => reported.push(e) });
    await expect(open.call("t", {}, tool)).resolves.toBe("ran");
    expect(reported.length).toBeGreaterThanOrEqual(2); // at construction and at the fault
  });

  it("a pre-call hook can abort; a crashing pre- or post-call hook blocks; notification hooks are isolated", async () => {
    const tool = vi.fn(() => "ok");
    const abort = createEnforcer({ policy: policy({}), hooks: { preCall: () => ({ abort: "maintenance" }) } });
    await expect(abort.call("t", {}, tool)).rejects.toBeInstanceOf(HookAbortError);
    const crashPre = createEnforcer({ policy: policy({}), hooks: { preCall: () => { throw new Error("boom"); } } });
    await expect(crashPre.call("t", {}, tool)).rejects.toBeInstanceOf(InternalEnforcementError);
    expect(tool).not.toHaveBeenCalled();
    const crashPost = createEnforcer({ policy: policy({}), hooks: { postCall: async () => { throw new Error("boom"); } } });
    await expect(crashPost.call("t", {}, tool)).rejects.toBeInstanceOf(InternalEnforcementError);
    const hookErrors: unknown[] = [];
    const noisy = createEnforcer({ policy: policy({ denied_tools: ["x"] }, { on_violation: "log" }), hooks: { onViolation: () => { throw new Error("ignored"); } }, onHookError: (e) => hookErrors.push(e) });
    await expect(noisy.call("x", {}, () => "still runs")).resolves.toBe("still runs");
    expect(hookErrors).toHaveLength(1);
  });

  it("an audit write failure withholds the result", async () => {
    const e = createEnforcer({ policy: policy({}), audit: { record: () => { throw new Error("disk full"); } } });
    const err = await e.call("t", {}, () => "secret result").catch((x) => x);
    expect(err).toBeInstanceOf(InternalEnforcementError);
    expect(err.reason).toContain("audit write failed");
  });

  it("records a tool's own error and rethrows it unchanged", async () => {
    const { enforcer, records } = recording({});
    const boom = new TypeError("tool broke");
    await expect(enforcer.call("t", {}, () => { throw boom; })).rejects.toBe(boom);
    expect(records[0]).toMatchObject({ outcome: "error", error: { code: "tool_error", message: "tool broke" } });
    // The engine saw the call end: nothing stays open.
    await enforcer.call("t", {}, echo);
  });
});

describe("time, depth, concurrency, reload, tenants", () => {
  it("times out a tool past max_call_duration_seconds and aborts its signal", async () => {
    const e = createEnforcer({ policy: policy({ resource_limits: { max_call_duration_seconds: 0.05 } }) });
    let aborted = false;
    const err = await e.call("slow", {}, (_a, ctx) => new Promise((resolve) => { ctx.signal.addEventListener("abort", () => { aborted = true; resolve("late"); }); })).catch((x) => x as ResourceLimitError);
    expect(err).toBeInstanceOf(ResourceLimitError);
    expect((err as ResourceLimitError).rule).toBe("rules.resource_limits.max_call_duration_seconds");
    expect(aborted).toBe(true);
  });

  it("follows nesting through async calls, and concurrency is not nesting", async () => {
    const e = createEnforcer({ policy: policy({ max_call_depth: 2 }) });
    const inner = () => "inner";
    const middle = async () => e.call("inner", {}, inner);
    await expect(e.call("outer", {}, async () => e.call("middle", {}, middle))).rejects.toMatchObject({ code: "resource_limit", rule: "rules.max_call_depth" });
    await expect(e.call("outer", {}, async (_a, ctx) => ctx.call("middle", {}, () => "ok"))).resolves.toBe("ok");
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => e.call("t", { i }, async (a) => { await new Promise((r) => setTimeout(r, 1)); return a; })));
    expect(results).toHaveLength(20);
  });

  it("keeps rate limits and budgets exact under many concurrent calls", async () => {
    const e = createEnforcer({ policy: policy({ rate_limits: { enabled: true, per_tool: { t: { max_calls: 10, window_seconds: 60 } } }, resource_limits: { max_cost_usd: 1 } }) });
    const settled = await Promise.allSettled(Array.from({ length: 50 }, () => e.call("t", {}, async () => { await new Promise((r) => setTimeout(r, 2)); return 1; })));
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(10);
    const spend = createEnforcer({ policy: policy({ resource_limits: { max_cost_usd: 1 } }) });
    // All 30 are checked before any finishes: their estimates are reserved, so exactly 10 fit.
    const runs = await Promise.allSettled(Array.from({ length: 30 }, () => spend.call("llm", {}, async (_a, ctx) => { await new Promise((r) => setTimeout(r, 2)); ctx.reportCost(0.1); return 1; }, { costEstimateUsd: 0.1 })));
    expect(runs.filter((s) => s.status === "fulfilled")).toHaveLength(10);
    await expect(spend.call("llm", {}, () => 1)).rejects.toBeInstanceOf(CostLimitError);
  });

  it("reserves the policy's cost estimate for a tool when the caller gives none (exact key, then glob)", async () => {
    const e = createEnforcer({ policy: policy({ resource_limits: { max_cost_usd: 1, cost_estimates: { "llm-*": 0.25, "llm-big": 0.5 } } }) });
    const slow = async (_a: unknown, ctx: { reportCost(usd: number): void }) => { await new Promise((r) => setTimeout(r, 2)); ctx.reportCost(0.01); return 1; };
    // 0.25 each: exactly 4 of 10 concurrent calls fit the $1 budget.
    const small = await Promise.allSettled(Array.from({ length: 10 }, () => e.call("llm-small", {}, slow)));
    expect(small.filter((s) => s.status === "fulfilled")).toHaveLength(4);
    expect(small.find((s) => s.status === "rejected")).toMatchObject({ reason: { code: "cost_limit" } });
    // the exact key wins over the glob: 0.5 each, so 1 fits next to the $0.04 spent (0.96 left)
    const big = await Promise.allSettled(Array.from({ length: 4 }, () => e.call("LLM-Big", {}, slow)));
    expect(big.filter((s) => s.status === "fulfilled")).toHaveLength(1);
    // the caller's own estimate wins; tools without an entry reserve nothing
    await expect(e.call("llm-small", {}, () => 1, { costEstimateUsd: 0 })).resolves.toBe(1);
    const free = await Promise.allSettled(Array.from({ length: 10 }, () => e.call("search", {}, slow)));
    expect(free.every((s) => s.status === "fulfilled")).toBe(true);
  });

  it("reloads atomically: a running call finishes under the policy it started with", async () => {
    const e = createEnforcer({ policy: policy({ allowed_tools: ["a"] }) });
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const running = e.call("a", {}, async () => { await gate; return "old policy"; });
    e.reload(compilePolicyObject(policy({ allowed_tools: ["b"] })));
    await expect(e.call("a", {}, echo)).rejects.toBeInstanceOf(ToolDeniedError);
    await expect(e.call("b", {}, () => "new")).resolves.toBe("new");
    release();
    await expect(running).resolves.toBe("old policy");
  });

  it("watches the policy file and keeps the old policy when the new one is broken", async () => {
    const dir = mkdtempSync(join(tmpdir(), "enforcecore-watch-"));
    const file = join(dir, "p.yaml");
    writeFileSync(file, "name: w\nrules:\n  allowed_tools: [a]\n");
    const e = createEnforcer({ policy: file });
    const reloads: string[] = [];
    const errors: unknown[] = [];
    const w = watchPolicy(e, file, { onReload: (b) => reloads.push(b.digest), onError: (x) => errors.push(x), debounceMs: 10 });
    writeFileSync(file, "name: w\nrules:\n  allowed_tools: [b]\n");
    await vi.waitFor(() => expect(reloads).toHaveLength(1), { timeout: 3000 });
    await expect(e.call("b", {}, () => 1)).resolves.toBe(1);
    writeFileSync(file, "name: w\nrules:\n  allowed_tools: [[[\n");
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 3000 });
    await expect(e.call("b", {}, () => 1)).resolves.toBe(1);
    w.close();
  });

  it("gives each tenant its own policy and state", async () => {
    const m = multiTenant({}, (tenant) => (tenant === "acme" ? policy({ rate_limits: { enabled: true, global_limit: { max_calls: 1, window_seconds: 60 } } }) : undefined));
    m.register("beta", policy({ denied_tools: ["t"] }));
    await expect(m.call("acme", "t", {}, () => 1)).resolves.toBe(1);
    await expect(m.call("acme", "t", {}, () => 1)).rejects.toBeInstanceOf(RateLimitError);
    await expect(m.call("beta", "t", {}, () => 1)).rejects.toBeInstanceOf(ToolDeniedError);
    expect(() => m.for("nobody")).toThrow(/no policy for tenant/);
    expect(m.tenants).toEqual(["acme", "beta"]);
  });
});
