import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import { type AuditEntry, canonicalBytes, canonicalJson, entryFromRecord, entryJson, entryProblem, entryText, jsonView, valueDigest } from "../../audit/entry.js";
import { nodeSha256Hex } from "../../audit/node-store.js";
import { compilePolicyObject, createEnforcer } from "../../hosts/node/index.js";

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const outcome = fc.constantFrom("allowed", "blocked", "logged", "redacted", "error", "fail_open" as const);
const text = fc.string({ unit: "grapheme", maxLength: 20 });
const entryArb: fc.Arbitrary<AuditEntry> = fc.record(
  {
    answers: fc.array(hex64, { maxLength: 2 }),
    argsSha256: hex64,
    callId: text,
    durationMs: fc.integer({ min: 0, max: 1e9 }),
    engineDigest: hex64,
    error: fc.option(text),
    instance: text,
    outcome,
    policyDigest: hex64,
    rawResultSha256: hex64,
    redactions: fc.record({ input: fc.nat(), output: fc.nat() }),
    requestSeq: fc.array(fc.nat(), { maxLength: 2 }),
    requests: fc.array(hex64, { maxLength: 3 }),
    resultSha256: hex64,
    seq: fc.nat(),
    tenant: fc.option(text),
    time: fc.integer({ min: 0, max: 2 ** 45 }),
    tool: text,
    v: fc.constant(1),
    violations: fc.array(fc.record({ action: fc.constantFrom("block", "log", "redact"), rule: fc.option(text), type: text }), { maxLength: 3 }),
  },
  { requiredKeys: ["argsSha256", "callId", "durationMs", "engineDigest", "error", "outcome", "policyDigest", "redactions", "requests", "resultSha256", "seq", "tenant", "time", "tool", "v", "violations"] },
) as fc.Arbitrary<AuditEntry>;

describe("entry serialisation", () => {
  it("the fast writer is exactly RFC 8785 (JCS) for every entry", () => {
    fc.assert(
      fc.property(entryArb, fc.boolean(), (e0, noResult) => {
        // No result (an error), then no raw result either.
        const e = noResult ? (({ rawResultSha256: _, ...rest }) => ({ ...rest, resultSha256: null }))(e0) : e0;
        expect(entryJson(e)).toBe(canonicalize(e));
        expect(entryProblem(JSON.parse(entryJson(e)))).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it("falls back to the generic JCS for unexpected shapes", () => {
    const e = { v: 1, seq: 0, zzz: 1 } as unknown as AuditEntry;
    expect(entryJson(e)).toBe(canonicalize(e));
  });
});

describe("entries written straight from records", () => {
  const recordArb = fc.record({
    callId: text,
    time: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double()),
    tool: text,
    tenant: fc.option(text),
    outcome,
    violations: fc.array(fc.record({ type: text, rule: fc.option(text), action: fc.constantFrom("block", "log", "redact") }), { maxLength: 3 }),
    redactions: fc.record({ input: fc.nat(), output: fc.nat() }),
    policyDigest: hex64,
    engineDigest: text,
    durationMs: fc.oneof(fc.nat(), fc.double()),
    error: fc.option(fc.record({ code: text, message: text })),
    requests: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 3 }),
    args: fc.anything(),
    result: fc.anything(),
    answers: fc.option(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 2 }), { nil: undefined }),
    requestSeq: fc.option(fc.array(fc.nat(), { maxLength: 2 }), { nil: undefined }),
    engineInstance: fc.option(text, { nil: undefined }),
    rawResult: fc.option(fc.anything(), { nil: undefined }),
  }, { requiredKeys: ["callId", "time", "tool", "tenant", "outcome", "violations", "redactions", "policyDigest", "engineDigest", "durationMs", "error", "requests", "args", "result"] });

  it("entryText equals entryJson(entryFromRecord(…)) and always gives a valid entry", () => {
    fc.assert(
      fc.property(recordArb, fc.nat(), (r, seq) => {
        const rec = r as unknown as Parameters<typeof entryText>[0];
        const t = entryText(rec, seq, { sha256Hex: nodeSha256Hex });
        expect(t).toBe(entryJson(entryFromRecord(rec, seq)));
        expect(entryProblem(JSON.parse(t))).toBeNull();
        expect(entryJson(JSON.parse(t))).toBe(t);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("value digests", () => {
  it("are the SHA-256 of the JCS form for JSON values, whatever the key order", () => {
    expect(valueDigest({ b: 1, a: [1, "x", null, true] })).toBe(valueDigest({ a: [1, "x", null, true], b: 1 }));
    expect(new TextDecoder().decode(canonicalBytes({ b: 1.0, a: -0 }))).toBe('{"a":0,"b":1}');
    // Known answers: SHA-256 of the UTF-8 JCS text.
    expect(valueDigest("abc")).toBe("6cc43f858fbb763301637b5af970e2a46b46f461f27e5a0f41e009c59b827b25");
    expect(valueDigest({ b: 1, a: [1, "x", null, true] })).toBe("ecb73d12906ef1ff8df92255f5a2c370ccddf124400ea8f0fa0aa1a82a1fae23");
  });

  it("maps non-JSON values to tags that no JSON value can collide with", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const v = jsonView({
      u: undefined,
      n: Number.NaN,
      i: -Infinity,
      big: 12n,
      d: new Date(0),
      bytes: new Uint8Array([1, 2, 3]),
      m: new Map([["k", 1]]),
      s: new Set([1]),
      f: function named() {},
      sym: Symbol("x"),
      arr: [undefined, 1],
      $dollar: 1,
      cycle,
      lone: "\ud800",
    });
    expect(v).toEqual({
      n: { $number: "NaN" },
      i: { $number: "-Infinity" },
      big: { $bigint: "12" },
      d: "1970-01-01T00:00:00.000Z",
      bytes: { $bytes: "AQID" },
      m: { $map: [["k", 1]] },
      s: { $set: [1] },
      f: { $function: "named" },
      sym: { $symbol: "x" },
      arr: [{ $undefined: true }, 1],
      $$dollar: 1,
      cycle: { a: 1, self: { $cycle: true } },
      lone: { $utf16: '"\\ud800"' },
    });
    expect(valueDigest({ $bigint: "12" })).not.toBe(valueDigest(12n));
    expect(valueDigest(undefined)).not.toBe(valueDigest(null));
  });

  it("never throws, whatever the value", () => {
    const hostile = { get boom() { throw new Error("no"); }, toJSONish: 1 };
    const badToJSON = { toJSON() { throw new Error("no"); } };
    let deep: unknown = 0;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    for (const v of [hostile, badToJSON, deep, Object.create(null), new Proxy({}, {}), new Array(3), new ArrayBuffer(2), new DataView(new ArrayBuffer(1))]) {
      expect(() => valueDigest(v)).not.toThrow();
    }
    fc.assert(fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true }), (v) => {
      expect(valueDigest(v)).toMatch(/^[0-9a-f]{64}$/);
    }));
  });

  it("the one-pass canonical writer equals JCS of the documented view, for any value", () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true }), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(jsonView(v)));
        expect(valueDigest(v, undefined, nodeSha256Hex)).toBe(valueDigest(v));
      }),
      { numRuns: 2000 },
    );
    const odd = { "\ud800k": "\udc00", $a: [undefined, () => 1, Symbol("s")], b: { toJSON: () => undefined }, c: new Map([[{ x: 1 }, new Set([1n])]]) };
    expect(canonicalJson(odd)).toBe(canonicalize(jsonView(odd)));
    // An own "__proto__" key (JSON.parse makes them) stays a key in both (found by fast-check).
    const proto = JSON.parse('{"__proto__":0,"a":[{"__proto__":{"x":1}}]}');
    expect(canonicalJson(proto)).toBe('{"__proto__":0,"a":[{"__proto__":{"x":1}}]}');
    expect(canonicalize(jsonView(proto))).toBe(canonicalJson(proto));
  });

  it("is keyed with HMAC when a key is given", () => {
    const key = new Uint8Array(32).fill(7);
    expect(valueDigest("1234", key)).not.toBe(valueDigest("1234"));
    expect(valueDigest("1234", key)).toBe(valueDigest("1234", key));
  });
});

describe("entries from enforcer records", () => {
  it("hold digests and codes, never the raw arguments, result or error message", async () => {
    const records: CallRecord[] = [];
    const e = createEnforcer({
      policy: { name: "t", rules: { denied_tools: ["rm"], content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{6,}", action: "redact" }] } } },
      audit: { record: (r) => void records.push(r) },
    });
    await e.call("search", { q: "SECRET-QUERY sk-abcdef123" }, () => "SECRET-RESULT");
    await e.call("leak", {}, () => "SECRET-OUT sk-zzzzzz999");
    await e.call("rm", { path: "SECRET-PATH" }, () => 1).catch(() => {});
    await e.call("boom", { q: "x" }, () => {
      throw new Error("SECRET-MESSAGE");
    }).catch(() => {});
    const entries = records.map((r, i) => entryFromRecord(r, i));
    const all = entries.map(entryJson).join("\n");
    for (const secret of ["SECRET-QUERY", "sk-abcdef123", "SECRET-RESULT", "SECRET-PATH", "SECRET-MESSAGE", "SECRET-OUT", "sk-zzzzzz999"]) expect(all).not.toContain(secret);
    expect(entries.map((x) => x.outcome)).toEqual(["redacted", "redacted", "blocked", "error"]);
    // Output redaction: the trail commits to what the tool returned and to what the caller got.
    const leak = entries.splice(1, 1)[0]!;
    expect(leak.redactions).toEqual({ input: 0, output: 1 });
    expect(leak.rawResultSha256).toBe(valueDigest("SECRET-OUT sk-zzzzzz999"));
    expect(leak.resultSha256).toBe(valueDigest(records[1]!.result));
    expect(leak.resultSha256).not.toBe(leak.rawResultSha256);
    expect(entries[0]!.rawResultSha256).toBeUndefined(); // only when the output was redacted
    expect(entries[0]!.violations).toEqual([{ action: "redact", rule: "rules.content_rules.key", type: "content_violation" }]);
    expect(entries[0]!.redactions).toEqual({ input: 1, output: 0 });
    expect(entries[1]!.error).toBe("tool_denied");
    expect(entries[2]!.error).toBe("tool_error");
    expect(entries[2]!.resultSha256).toBeNull();
    expect(entries[0]!.argsSha256).toBe(valueDigest({ q: "SECRET-QUERY sk-abcdef123" }));
    expect(entries[0]!.policyDigest).toBe(compilePolicyObject({ name: "t", rules: { denied_tools: ["rm"], content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{6,}", action: "redact" }] } } }).digest);
    expect(entries[0]!.requests).toHaveLength(2);
  });
});
