// Strategies: deterministic reversible tokens with unredact, keyed HMAC hashes, and overlapping
// matches resolved to the longest (never leaving part of a match in clear).
import { createHmac, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Violation } from "../../engine/decision.js";
import { compilePolicyObject, createEnforcer, createTokenVault, redactSpans, replacedSpans, replacementFor, tokenVaultFor } from "../../hosts/node/index.js";

const policy = (strategy: string, extra: Record<string, unknown> = {}) => ({ name: "s", rules: { pii_redaction: { enabled: true, categories: ["email", "phone", "ssn"], strategy, ...extra } } });

describe("token strategy", () => {
  it("the same value gets the same token across calls; the policy's vault maps tokens back", async () => {
    const bundle = compilePolicyObject(policy("token"));
    const e = createEnforcer({ policy: bundle });
    const seen: unknown[] = [];
    const tool = (a: unknown) => { seen.push(a); return "ok"; };
    await e.call("t", { to: "ann@example.com", cc: ["bob@example.com", "ann@example.com"], phone: "555-123-4567" }, tool);
    await e.call("t", { to: "bob@example.com", note: "ssn 123-45-6789" }, tool);
    expect(seen).toEqual([
      { to: "<EMAIL_1>", cc: ["<EMAIL_2>", "<EMAIL_1>"], phone: "<PHONE_1>" },
      { to: "<EMAIL_2>", note: "ssn <SSN_1>" },
    ]);
    const vault = tokenVaultFor(bundle.meta);
    expect(vault.size).toBe(4);
    expect(vault.unredactValue(seen[0])).toEqual({ to: "ann@example.com", cc: ["bob@example.com", "ann@example.com"], phone: "555-123-4567" });
    expect(vault.unredact("reply to <EMAIL_2> about <SSN_1>, not <EMAIL_9>")).toBe("reply to bob@example.com about 123-45-6789, not <EMAIL_9>");
  });

  it("tokens reach tool outputs too, and a caller-supplied vault can be used directly", () => {
    const bundle = compilePolicyObject(policy("token"));
    const vault = createTokenVault();
    const replace = replacementFor(bundle.meta, { vault });
    const v = (start: number, end: number): Violation => ({ type: "pii", action: "redact", rule: "rules.pii_redaction.categories.email", reason: "", path: ["x"], span: { start, end } });
    const text = "a@b.io and c@d.io and a@b.io";
    const out = redactSpans({ x: text }, [v(0, 6), v(11, 17), v(22, 28)], replace).value as { x: string };
    expect(out.x).toBe("<EMAIL_1> and <EMAIL_2> and <EMAIL_1>");
    expect(vault.unredact(out.x)).toBe(text);
  });

  it("with a key, tokens are HMAC-derived: stable across vaults and processes, different per key", () => {
    const a = createTokenVault({ hmacKey: "k1" });
    const b = createTokenVault({ hmacKey: "k1" });
    const c = createTokenVault({ hmacKey: "k2" });
    const t = a.token("email", "ann@example.com");
    const expected = createHmac("sha256", "k1").update("email\u0000ann@example.com").digest("hex").slice(0, 8);
    expect(t).toBe(`<EMAIL_${expected}>`);
    expect(b.token("email", "ann@example.com")).toBe(t);
    expect(c.token("email", "ann@example.com")).not.toBe(t);
    expect(a.token("email", "bob@example.com")).not.toBe(t);
    expect(a.unredact(`hi ${t}`)).toBe("hi ann@example.com");
    expect(b.unredact(`hi ${c.token("email", "x@y.io")}`)).toMatch(/^hi <EMAIL_[0-9a-f]{8}>$/);
  });
});

describe("hash strategy", () => {
  it("plain SHA-256 prefix by default (the original's output), keyed HMAC-SHA256 when a key is given", () => {
    const meta = compilePolicyObject(policy("hash")).meta;
    const v: Violation = { type: "pii", action: "redact", rule: "rules.pii_redaction.categories.email", reason: "", path: ["x"], span: { start: 0, end: 16 } };
    expect(replacementFor(meta)(v, "john@example.com")).toBe("[SHA256:855f96e983f1f8e8]");
    expect(replacementFor(meta)(v, "john@example.com")).toBe(`[SHA256:${createHash("sha256").update("john@example.com").digest("hex").slice(0, 16)}]`);
    const keyed = replacementFor(meta, { hmacKey: new TextEncoder().encode("secret-key") })(v, "john@example.com");
    expect(keyed).toBe(`[HMAC-SHA256:${createHmac("sha256", "secret-key").update("john@example.com").digest("hex").slice(0, 16)}]`);
  });
});

describe("overlapping matches", () => {
  const meta = compilePolicyObject(policy("placeholder")).meta;
  const pii = (cat: string, start: number, end: number): Violation => ({ type: "pii", action: "redact", rule: `rules.pii_redaction.categories.${cat}`, reason: "", path: ["x"], span: { start, end } });
  const content = (start: number, end: number): Violation => ({ type: "content_violation", action: "redact", rule: "rules.content_rules.k", reason: "", path: ["x"], span: { start, end } });

  it("resolve to the longest match over the union of the overlapping spans, counted once", () => {
    const text = "0123456789abcdefghij";
    const r = redactSpans({ x: text }, [pii("phone", 2, 8), pii("ssn", 4, 14), pii("email", 16, 18)], replacementFor(meta));
    expect(r.value).toEqual({ x: "01<SSN>ef<EMAIL>ij" });
    expect(r.count).toBe(2);
  });

  it("equal spans: the first reported wins; a content rule and PII on the same text give one replacement", () => {
    const text = "key sk-abc123 end";
    expect(redactSpans({ x: text }, [pii("phone", 4, 13), pii("ssn", 4, 13)], replacementFor(meta)).value).toEqual({ x: "key <PHONE> end" });
    expect(redactSpans({ x: text }, [content(4, 13), pii("ssn", 6, 10)], replacementFor(meta))).toEqual({ value: { x: "key [REDACTED:k] end" }, count: 1 });
  });

  it("replacedSpans: the stretches redactSpans replaces, each with the finding it chose and every finding in it", () => {
    const found = [pii("email", 16, 18), pii("phone", 2, 8), pii("ssn", 4, 14), pii("phone", 16, 18), content(20, 24)];
    const spans = replacedSpans(found);
    expect(spans.map(({ start, end }) => [start, end])).toEqual([[2, 14], [16, 18], [20, 24]]);
    expect(spans.map((s) => s.chosen)).toEqual([found[2], found[0], found[4]]);
    expect(spans.map((s) => s.findings)).toEqual([[found[1], found[2]], [found[0], found[3]], [found[4]]]);
    // as many stretches as redactSpans counts, whatever the report order
    const text = "0123456789abcdefghijklmnopqrstuvwxyz";
    expect(redactSpans({ x: text }, found, replacementFor(meta)).count).toBe(spans.length);
    expect(replacedSpans([...found].reverse()).map(({ start, end }) => [start, end])).toEqual([[2, 14], [16, 18], [20, 24]]);
    // findings without a span, or not redacted, replace nothing
    expect(replacedSpans([{ ...pii("email", 0, 3), action: "block" }, { type: "pii", action: "redact", rule: "rules.pii_redaction.categories.email", reason: "" }])).toEqual([]);
  });

  // (compiles every secret rule cold: about 3 s, more on a busy machine)
  it("in the enforcer: PII and secrets overlapping in one value", { timeout: 60_000 }, async () => {
    const e = createEnforcer({ policy: { name: "o", rules: { pii_redaction: { enabled: true, categories: ["email", "phone"], secrets: { enabled: true } } } } });
    let seen: unknown;
    await e.call("t", { dsn: "mysql://root:5551234567@db", mail: "x mongodb://a:b%40c@h" }, (a) => { seen = a; });
    expect(seen).toEqual({ dsn: "mysql://root:<DATABASE_PASSWORD>@db", mail: "x mongodb://a:<DATABASE_PASSWORD>@h" });
  });
});
