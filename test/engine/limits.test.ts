import { describe, expect, it } from "vitest";
import { call, engineFor } from "./helpers.js";

describe("rate limits", () => {
  it("is a sliding window over the host clock", () => {
    const e = engineFor({ rate_limits: { enabled: true, per_tool: { search: { max_calls: 2, window_seconds: 10 } } } });
    expect(call(e, "search", {}, 0).allowed).toBe(true);
    expect(call(e, "search", {}, 5_000).allowed).toBe(true);
    const third = call(e, "search", {}, 9_999);
    expect(third.decision).toBe("deny");
    expect(third.violations[0]).toMatchObject({ type: "rate_limit", rule: "rules.rate_limits.per_tool.search" });
    expect(call(e, "search", {}, 10_000).allowed).toBe(true); // the call at 0 left the window
    expect(call(e, "other", {}, 10_001).allowed).toBe(true);
  });

  it("applies the global limit to every tool, and denied calls do not consume it", () => {
    const e = engineFor({ denied_tools: ["bad"], rate_limits: { enabled: true, global_limit: { max_calls: 2, window_seconds: 60 } } });
    expect(call(e, "bad").allowed).toBe(false);
    expect(call(e, "a").allowed).toBe(true);
    expect(call(e, "b").allowed).toBe(true);
    const d = call(e, "c");
    expect(d.violations[0]).toMatchObject({ type: "rate_limit", rule: "rules.rate_limits.global_limit" });
  });

  it("ignores a clock that steps back", () => {
    const e = engineFor({ rate_limits: { enabled: true, per_tool: { t: { max_calls: 1, window_seconds: 1 } } } });
    expect(call(e, "t", {}, 5_000).allowed).toBe(true);
    expect(call(e, "t", {}, 1_000).allowed).toBe(false);
  });
});

describe("cost, depth, sizes, kill switch", () => {
  it("enforces per-call and cumulative cost budgets", () => {
    const e = engineFor({ resource_limits: { max_cost_usd: 1, max_cost_per_call_usd: 0.5 } });
    expect(e.preCall({ tool: "llm", args: {}, now: 1, costEstimateUsd: 0.6 }).violations[0]?.rule).toBe("rules.resource_limits.max_cost_per_call_usd");
    expect(e.preCall({ tool: "llm", args: {}, now: 1, costEstimateUsd: 0.4 }).allowed).toBe(true);
    e.postCall({ tool: "llm", output: "ok", now: 2, costUsd: 0.4, costEstimateUsd: 0.4 });
    expect(e.preCall({ tool: "llm", args: {}, now: 3, costEstimateUsd: 0.4 }).allowed).toBe(true);
    const after = e.postCall({ tool: "llm", output: "ok", now: 4, costUsd: 0.6, costEstimateUsd: 0.4 });
    expect(after.violations[0]?.rule).toBe("rules.resource_limits.max_cost_per_call_usd");
    expect(after.state.costSpentMicros).toBe(1_000_000n);
    expect(e.preCall({ tool: "llm", args: {}, now: 5 }).violations[0]?.rule).toBe("rules.resource_limits.max_cost_usd");
  });

  it("reserves the estimates of running calls so that concurrent calls cannot overspend", () => {
    const e = engineFor({ resource_limits: { max_cost_usd: 1 } });
    expect(e.preCall({ tool: "a", args: {}, now: 1, costEstimateUsd: 0.6 }).allowed).toBe(true);
    expect(e.preCall({ tool: "b", args: {}, now: 1, costEstimateUsd: 0.6 }).allowed).toBe(false);
    e.postCall({ tool: "a", output: null, now: 2, costUsd: 0.1, costEstimateUsd: 0.6 });
    expect(e.preCall({ tool: "b", args: {}, now: 3, costEstimateUsd: 0.6 }).allowed).toBe(true);
  });

  it("checks the caller's nesting depth and counts open calls, rolling nothing forward on a block", () => {
    const e = engineFor({ max_call_depth: 2 });
    expect(e.preCall({ tool: "a", args: {}, now: 1, depth: 0 }).state.openCalls).toBe(1);
    expect(e.preCall({ tool: "b", args: {}, now: 1, depth: 1 }).state.openCalls).toBe(2);
    const third = e.preCall({ tool: "c", args: {}, now: 1, depth: 2 });
    expect(third.violations[0]).toMatchObject({ type: "call_depth", reason: "call depth 2 reached the limit of 2 nested calls" });
    expect(third.state.openCalls).toBe(2);
    expect(e.postCall({ tool: "b", output: null, now: 2 }).state.openCalls).toBe(1);
    // Concurrent top-level calls are not nesting.
    for (let i = 0; i < 5; i++) expect(e.preCall({ tool: "d", args: {}, now: 3, depth: 0 }).allowed).toBe(true);
  });

  it("measures nested input, not only top-level strings", () => {
    const e = engineFor({ max_input_size_bytes: 20 });
    expect(call(e, "t", { a: "short" }).allowed).toBe(true);
    const d = call(e, "t", { a: { b: ["x".repeat(30)] } });
    expect(d.violations[0]).toMatchObject({ type: "input_size", rule: "rules.max_input_size_bytes" });
  });

  it("checks output size after the call", () => {
    const e = engineFor({ max_output_size_bytes: 10 });
    call(e, "t");
    const d = e.postCall({ tool: "t", output: "é".repeat(6), now: 2 });
    expect(d.violations[0]?.reason).toBe("output size 12 bytes exceeds limit 10 bytes");
  });

  it("the kill switch blocks everything, even in log mode, until released", () => {
    const e = engineFor({}, { on_violation: "log" });
    e.setKillSwitch(true, 1);
    const d = call(e, "anything");
    expect(d.decision).toBe("deny");
    expect(d.violations[0]?.type).toBe("kill_switch");
    e.setKillSwitch(false, 2);
    expect(call(e, "anything").allowed).toBe(true);
  });
});
