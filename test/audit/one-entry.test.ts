// "Every enforced call, allowed, blocked, errored or logged-only, produces exactly one entry":
// every way a call can end, in block and log mode, sync and async, nested, and a property over
// random mixes (the calls' ids, seen by a pre-call hook, are exactly the trail's, once each).
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../../audit/entry.js";
import { nodeTrailIO, openNodeTrail, verifyNodeTrail } from "../../audit/node-store.js";
import { readEntries } from "../../audit/trail.js";
import type { HookCall } from "../../core/enforcer.js";
import { createEnforcer } from "../../hosts/node/index.js";
import { tempDir } from "./helpers.js";

const RULES = {
  denied_tools: ["rm"],
  argument_rules: { pay: { amount: { max: 10 } } },
  content_rules: { enabled: true, block_patterns: [{ name: "sql_injection" }] },
  pii_redaction: { enabled: true },
  rate_limits: { enabled: true, per_tool: { ping: { max_calls: 1, window_seconds: 60 } } },
  resource_limits: { max_call_duration_seconds: 0.05 },
  max_output_size_bytes: 64,
};

type Kind = "ok" | "denied" | "argument" | "content" | "pii" | "throws" | "slow" | "rate" | "big_output" | "abort" | "post_hook" | "pre_hook" | "nested" | "sync_ok" | "sync_denied" | "sync_throws";
const KINDS: readonly Kind[] = ["ok", "denied", "argument", "content", "pii", "throws", "slow", "rate", "big_output", "abort", "post_hook", "pre_hook", "nested", "sync_ok", "sync_denied", "sync_throws"];

async function session(kinds: readonly Kind[], mode: "block" | "log", failOpen = false) {
  const path = join(tempDir("ec-one-"), "trail.jsonl");
  const trail = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 4 } });
  const seen: string[] = [];
  let current: Kind = "ok";
  const hooks = {
    preCall: (c: HookCall) => {
      seen.push(c.callId);
      if (current === "abort") return { abort: "maintenance" };
      if (current === "pre_hook") throw new Error("pre-call hook crashed");
    },
    postCall: () => {
      if (current === "post_hook") throw new Error("post-call hook crashed");
    },
  };
  const e = createEnforcer({ policy: { name: "one", on_violation: mode, rules: RULES }, audit: trail, hooks, failOpen, onInternalError: () => {} });
  for (const kind of kinds) {
    current = kind;
    const run = async () => {
      switch (kind) {
        case "ok": case "abort": case "post_hook": case "pre_hook": return e.call("read", { q: "x" }, () => "fine");
        case "denied": return e.call("rm", {}, () => 1);
        case "argument": return e.call("pay", { amount: 11 }, () => 1);
        case "content": return e.call("q", { sql: "1 UNION SELECT pw FROM users" }, () => 1);
        case "pii": return e.call("mail", { to: "a@b.io" }, (a) => a.to);
        case "throws": return e.call("read", {}, () => { throw new Error("tool failed: secret detail"); });
        case "slow": return e.call("read", {}, () => new Promise((r) => setTimeout(r, 200)));
        case "rate": return e.call("ping", {}, () => 1);
        case "big_output": return e.call("read", {}, () => "x".repeat(200));
        case "nested": return e.call("outer", {}, (_a, ctx) => ctx.call("inner", {}, () => 1));
        case "sync_ok": return e.callSync("read", {}, () => 1);
        case "sync_denied": return e.callSync("rm", {}, () => 1);
        case "sync_throws": return e.callSync("read", {}, () => { throw new Error("sync failure"); });
      }
    };
    await run().catch(() => {});
  }
  await trail.close();
  const entries = [...readEntries(path, nodeTrailIO)];
  expect((await verifyNodeTrail(path)).ok).toBe(true);
  return { entries, seen };
}

const summary = (es: readonly AuditEntry[]) => es.map((x) => [x.tool, x.outcome, x.error]);

describe("exactly one entry per enforced call", () => {
  it("block mode: every way a call can end", async () => {
    const { entries, seen } = await session(KINDS, "block");
    expect(entries.map((x) => x.callId).sort()).toEqual([...seen].sort());
    expect(summary(entries)).toEqual([
      ["read", "allowed", null],
      ["rm", "blocked", "tool_denied"],
      ["pay", "blocked", "argument_violation"],
      ["q", "blocked", "content_violation"],
      ["mail", "redacted", null],
      ["read", "error", "tool_error"],
      ["read", "blocked", "resource_limit"],
      ["ping", "allowed", null], // the first call in the window
      ["read", "blocked", "resource_limit"],
      ["read", "blocked", "hook_abort"],
      ["read", "blocked", "internal_error"],
      ["read", "blocked", "internal_error"],
      ["inner", "allowed", null], // nested: the inner call ends (and is written) first
      ["outer", "allowed", null],
      ["read", "allowed", null],
      ["rm", "blocked", "tool_denied"],
      ["read", "error", "tool_error"],
    ]);
    // The thrown messages never reach the trail.
    expect(JSON.stringify(entries)).not.toContain("secret detail");
  });

  it("log mode: violations are recorded and the call runs; errors still one entry", async () => {
    const { entries, seen } = await session(KINDS, "log");
    expect(entries.map((x) => x.callId).sort()).toEqual([...seen].sort());
    const byKind = new Map(KINDS.map((k, i) => [k, i]));
    const at = (k: Kind) => entries[byKind.get(k)! + (byKind.get(k)! > byKind.get("nested")! ? 1 : 0)]!;
    expect(at("denied")).toMatchObject({ outcome: "logged", error: null, violations: [{ type: "tool_denied", action: "log" }] });
    expect(at("argument")).toMatchObject({ outcome: "logged", error: null });
    expect(at("content")).toMatchObject({ outcome: "logged", error: null });
    expect(at("big_output")).toMatchObject({ outcome: "logged", error: null, violations: [{ type: "output_size" }] });
    expect(at("throws")).toMatchObject({ outcome: "error", error: "tool_error" });
  });

  it("fail-open: an internal fault before the tool is one fail_open entry (the tool then runs unrecorded)", async () => {
    const { entries, seen } = await session(["pre_hook", "ok"], "block", true);
    expect(entries.map((x) => x.callId)).toEqual(seen);
    expect(summary(entries)).toEqual([
      ["read", "fail_open", "internal_error"],
      ["read", "allowed", null],
    ]);
  });

  it("property: any mix of calls gives one entry per call, ids matching, in block and log mode", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...KINDS.filter((k) => k !== "slow")), { minLength: 1, maxLength: 25 }), fc.constantFrom("block" as const, "log" as const), async (kinds, mode) => {
        const { entries, seen } = await session(kinds, mode);
        expect(entries).toHaveLength(seen.length);
        expect(new Set(entries.map((x) => x.callId)).size).toBe(entries.length);
        expect(entries.map((x) => x.callId).sort()).toEqual([...seen].sort());
        expect(entries.map((x) => x.seq)).toEqual(entries.map((_, i) => i));
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
