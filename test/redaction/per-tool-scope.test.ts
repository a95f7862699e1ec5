// Per-tool overrides decided by the engine (core/pii-scope.ts entityExclusionFor, evaluate.ts
// readScope): a PII/secret finding in an object KEY blocks a call only when its category applies to
// the tool; an out-of-scope key finding no longer blocks, while every other reason still does, and
// the engine's state (rate windows, open calls) counts the call as it would without the finding.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import { ContentViolationError, EnforceCoreError, EngineFaultError, EnforcementViolation } from "../../core/errors.js";
import { entityExclusionFor } from "../../core/pii-scope.js";
import { createEngineSync } from "../../engine/engine.js";
import { createEnforcer } from "../../hosts/node/index.js";
import { bundleFor, ENGINE_WASM } from "../engine/helpers.js";

const EMAIL = "a@b.io";
const SSN = "123-45-6789";
const AWS = "AKIAIOSFODNN7EXAMPLE";

const pii = {
  enabled: true,
  categories: ["email", "ssn"],
  secrets: { enabled: true, categories: ["aws_access_key", "github_pat"] },
  per_tool: {
    mailer: { categories: ["phone"] }, // email and ssn left out; secrets as the section
    quiet: { enabled: false },
    "db_*": { secrets: { enabled: false } }, // glob: section categories, no secrets
    db_admin: { categories: ["email", "ssn"] }, // exact key wins over the glob: secrets on
  },
};

function enforcerWith(extra: Record<string, unknown> = {}, records: CallRecord[] = []) {
  return createEnforcer({ policy: { name: "scope", rules: { pii_redaction: pii, ...extra } }, audit: { record: (r) => void records.push(r) } });
}

/** Runs `tool` with `args`; returns what the tool saw, or the error that blocked it. */
async function attempt(e: ReturnType<typeof enforcerWith>, tool: string, args: unknown): Promise<{ seen?: unknown; error?: unknown }> {
  let seen: unknown;
  try {
    await e.call(tool, args, (a) => {
      seen = a;
      return "ok";
    });
    return { seen };
  } catch (error) {
    return { error };
  }
}

describe("per-tool overrides and findings in object keys", () => {
  it("a key finding of a category the tool leaves out does not block; the engine never reports it", async () => {
    const records: CallRecord[] = [];
    const e = enforcerWith({}, records);
    const r = await attempt(e, "mailer", { [EMAIL]: "x", [`ssn ${SSN}`]: "y" });
    expect(r.error).toBeUndefined();
    expect(r.seen).toEqual({ [EMAIL]: "x", [`ssn ${SSN}`]: "y" });
    expect(records[0]).toMatchObject({ outcome: "allowed", violations: [], redactions: { input: 0, output: 0 } });
  });

  it("a key finding of a category that applies to the tool still blocks (keys are not rewritten)", async () => {
    const records: CallRecord[] = [];
    const e = enforcerWith({}, records);
    const r = await attempt(e, "other", { [EMAIL]: "x" });
    expect(r.error).toBeInstanceOf(ContentViolationError);
    expect(records[0]).toMatchObject({ outcome: "blocked", violations: [{ type: "pii", rule: "rules.pii_redaction.categories.email", action: "block" }] });
    // and for the override's own category
    const r2 = await attempt(e, "mailer", { "call (555) 123-4567": "x" });
    expect(r2.error).toBeInstanceOf(ContentViolationError);
  });

  it("in a value: out-of-scope findings stay, in-scope ones are redacted", async () => {
    const e = enforcerWith();
    expect((await attempt(e, "mailer", { t: `${EMAIL} ${SSN} (555) 123-4567` })).seen).toEqual({ t: `${EMAIL} ${SSN} <PHONE>` });
    expect((await attempt(e, "other", { t: `${EMAIL} ${SSN} (555) 123-4567` })).seen).toEqual({ t: "<EMAIL> <SSN> (555) 123-4567" });
  });

  it("in a key and a value at once: the out-of-scope key passes and the in-scope value is redacted; an in-scope key blocks", async () => {
    const e = enforcerWith();
    expect((await attempt(e, "mailer", { [EMAIL]: "call (555) 123-4567" })).seen).toEqual({ [EMAIL]: "call <PHONE>" });
    expect((await attempt(e, "other", { [EMAIL]: `ssn ${SSN}` })).error).toBeInstanceOf(ContentViolationError);
  });

  it("glob and exact keys: db_query (glob, no secrets) passes an AWS key in a key; db_admin (exact) blocks it", async () => {
    const e = enforcerWith();
    expect((await attempt(e, "db_query", { [AWS]: 1 })).seen).toEqual({ [AWS]: 1 });
    expect((await attempt(e, "DB_Query", { [AWS]: 1 })).seen).toEqual({ [AWS]: 1 }); // keys are case-folded like the tool
    expect((await attempt(e, "db_admin", { [AWS]: 1 })).error).toBeInstanceOf(ContentViolationError);
    // a secret is a secret for the glob tool too when it lies in scope: email still applies there
    expect((await attempt(e, "db_query", { [EMAIL]: 1 })).error).toBeInstanceOf(ContentViolationError);
    // and a tool with secrets in scope blocks a secret in a key
    expect((await attempt(e, "mailer", { [AWS]: 1 })).error).toBeInstanceOf(ContentViolationError);
  });

  it("enabled: false lifts key findings at any depth, in arguments and outputs", async () => {
    const e = enforcerWith();
    const nested = { outer: [{ [SSN]: { [EMAIL]: { [AWS]: "v" } } }] };
    expect((await attempt(e, "quiet", nested)).seen).toEqual(nested);
    expect(await e.call("quiet", {}, () => nested)).toEqual(nested);
    // the same nesting blocks a tool without the override, naming the deepest path
    const r = await attempt(e, "other", nested);
    expect(r.error).toBeInstanceOf(ContentViolationError);
    const v = (r.error as EnforcementViolation).violations.map((x) => x.rule);
    expect(v).toEqual(expect.arrayContaining(["rules.pii_redaction.categories.ssn", "rules.pii_redaction.categories.email", "rules.pii_redaction.secrets.aws_access_key"]));
    // outputs: an in-scope key finding in the result withholds it
    await expect(e.call("other", {}, () => ({ [EMAIL]: 1 }))).rejects.toBeInstanceOf(ContentViolationError);
  });

  describe("fail closed: an out-of-scope key finding never hides another reason to block", () => {
    const key = { [EMAIL]: "x" };
    it("a content rule", async () => {
      const e = enforcerWith({ content_rules: { enabled: true, block_patterns: [{ name: "drop", pattern: "drop table", action: "block" }] } });
      const r = await attempt(e, "mailer", { ...key, q: "DROP TABLE users" });
      expect(r.error).toBeInstanceOf(ContentViolationError);
      expect((r.error as EnforcementViolation).violations.map((v) => v.rule)).toEqual(["rules.content_rules.drop"]);
    });
    it("an argument rule", async () => {
      const e = enforcerWith({ argument_rules: { mailer: { n: { max: 3 } } } });
      expect((await attempt(e, "mailer", { ...key, n: 4 })).error).toBeInstanceOf(EnforcementViolation);
      expect((await attempt(e, "mailer", { ...key, n: 2 })).error).toBeUndefined();
    });
    it("the input size limit and a denied tool", async () => {
      expect((await attempt(enforcerWith({ max_input_size_bytes: 4 }), "mailer", key)).error).toBeInstanceOf(EnforcementViolation);
      expect((await attempt(enforcerWith({ denied_tools: ["mailer"] }), "mailer", key)).error).toBeInstanceOf(EnforcementViolation);
    });
    it("a rate limit, which counts the lifted call (the engine decided it, so its state is committed)", async () => {
      const records: CallRecord[] = [];
      const e = enforcerWith({ rate_limits: { enabled: true, per_tool: { mailer: { max_calls: 1, window_seconds: 60 } } } }, records);
      expect((await attempt(e, "mailer", key)).error).toBeUndefined();
      const second = await attempt(e, "mailer", { plain: "x" });
      expect((second.error as EnforcementViolation).violations.map((v) => v.type)).toEqual(["rate_limit"]);
      expect(records.map((r) => r.outcome)).toEqual(["allowed", "blocked"]);
    });
    it("a key finding of another category in the same call", async () => {
      const e = enforcerWith();
      const r = await attempt(e, "mailer", { [EMAIL]: { "call (555) 123-4567": 1 } });
      expect((r.error as EnforcementViolation).violations.map((v) => v.rule)).toEqual(["rules.pii_redaction.categories.phone"]);
    });
  });

  it("the audit record holds the request with its scope: replaying its bytes on a fresh engine gives the same answer", async () => {
    const records: CallRecord[] = [];
    const e = enforcerWith({}, records);
    await attempt(e, "mailer", { [EMAIL]: "x" });
    await attempt(e, "other", { [EMAIL]: "x" });
    const bundle = bundleFor({ pii_redaction: pii });
    const fresh = createEngineSync(ENGINE_WASM);
    fresh.loadPolicy(bundle);
    for (const r of records) {
      for (const [i, req] of r.requests.entries()) {
        fresh.evaluateRaw(req);
        expect(fresh.lastAnswer()).toEqual(r.answers[i]);
      }
    }
    expect(records.map((r) => r.outcome)).toEqual(["allowed", "blocked"]);
  });
});

describe("the engine's per-call entity scope", () => {
  const bundle = bundleFor({ pii_redaction: pii, content_rules: { enabled: true, block_patterns: [{ name: "x", pattern: "zzz", action: "block" }] } });
  const fresh = () => {
    const engine = createEngineSync(ENGINE_WASM);
    engine.loadPolicy(bundle);
    return engine;
  };
  const rules = bundle.meta.index.contentRules;
  const words = (rules.length + 31) >>> 5;

  it("applies to one request only: the next request without a scope runs every rule again", () => {
    const engine = fresh();
    const args = { [EMAIL]: 1 };
    const excluded = entityExclusionFor(bundle.meta, "quiet");
    expect(engine.preCall({ tool: "quiet", args, now: 1, excludeEntities: excluded }).decision).toBe("allow");
    expect(engine.preCall({ tool: "quiet", args, now: 1 }).decision).toBe("deny");
    expect(engine.postCall({ tool: "quiet", output: args, now: 1, excludeEntities: excluded }).decision).toBe("allow");
    expect(engine.postCall({ tool: "quiet", output: args, now: 1 }).decision).toBe("deny");
  });

  it("is null without per_tool and for tools whose scope is the whole bundle", () => {
    expect(entityExclusionFor(bundleFor({ pii_redaction: { enabled: true } }).meta, "t")).toBeNull();
    const union = bundleFor({ pii_redaction: { enabled: true, categories: ["email"], per_tool: { x: { categories: ["email"] } } } });
    expect(entityExclusionFor(union.meta, "x")).toBeNull();
    expect(entityExclusionFor(union.meta, "y")).toBeNull();
  });

  it("refuses a malformed scope: wrong length, a content rule, a bit past the last rule", () => {
    const engine = fresh();
    const req = (mask: Uint32Array) => engine.preCall({ tool: "t", args: {}, now: 1, excludeEntities: mask });
    expect(() => req(new Uint32Array(words + 1))).toThrow(EnforceCoreError);
    const content = new Uint32Array(words);
    content[0] = 1; // rule 0 is the content rule
    expect(rules[0]?.kind).toBe("content");
    expect(() => req(content)).toThrow(EngineFaultError);
    const past = new Uint32Array(words);
    past[words - 1] = 1 << 31 >>> 0;
    if (rules.length % 32 !== 0) expect(() => req(past)).toThrow(EngineFaultError);
    // and the engine still answers normally afterwards
    expect(engine.preCall({ tool: "t", args: { [EMAIL]: 1 }, now: 1 }).decision).toBe("deny");
  });

  it("is the same as compiling without the excluded rules (random scopes, random texts)", () => {
    const cats = ["email", "ssn", "phone", "ip_address"];
    const values = [EMAIL, SSN, "(555) 123-4567", "10.0.0.1", AWS, "plain", "x@y.org"];
    const engine = createEngineSync(ENGINE_WASM);
    const full = bundleFor({ pii_redaction: { enabled: true, categories: cats, secrets: { enabled: true, categories: ["aws_access_key"] } } });
    engine.loadPolicy(full);
    const narrowed = new Map<string, ReturnType<typeof createEngineSync>>();
    fc.assert(
      fc.property(fc.subarray(cats), fc.boolean(), fc.array(fc.tuple(fc.constantFrom(...values), fc.constantFrom(...values), fc.boolean()), { minLength: 1, maxLength: 4 }), (kept, secrets, pairs) => {
        const key = JSON.stringify([kept, secrets]);
        let ref = narrowed.get(key);
        if (!ref) {
          ref = createEngineSync(ENGINE_WASM);
          ref.loadPolicy(bundleFor({ pii_redaction: { enabled: kept.length > 0 || secrets, categories: kept, secrets: { enabled: secrets, categories: ["aws_access_key"] } } }));
          narrowed.set(key, ref);
        }
        const mask = new Uint32Array((full.meta.index.contentRules.length + 31) >>> 5);
        full.meta.index.contentRules.forEach((r, i) => {
          const keep = r.kind === "secret" ? secrets : kept.includes(r.name);
          if (!keep) mask[i >>> 5] = ((mask[i >>> 5] as number) | (1 << (i & 31))) >>> 0;
        });
        // keys and values, nested: the decision and every (rule, path, span) must agree
        const args = Object.fromEntries(pairs.map(([k, v, nest], i) => [`${i} ${k}`, nest ? { [v]: `${v} ${k}` } : `${k} and ${v}`]));
        const a = engine.preCall({ tool: "t", args, now: 1, excludeEntities: mask });
        const b = ref.preCall({ tool: "t", args, now: 1 });
        const view = (d: typeof a) => [d.decision, d.violations.map((v) => [v.rule, v.action, v.path, v.span])];
        expect(view(a)).toEqual(view(b));
        engine.resetState(1);
        ref.resetState(1);
      }),
      { numRuns: 150, seed: 3 },
    );
  });
});
