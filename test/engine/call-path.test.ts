// The host's per-call shortcuts (engine/abi.ts, engine/engine.ts, engine/decision.ts) against the
// plain ways they replace: request bytes against TextEncoder and BigInt, decisions named from the
// values noted while encoding against a second walk (flattenValues), the answer kept for
// lastAnswer against the answer the decision was made from.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ByteWriter, decodeAnswer, flattenValues } from "../../engine/abi.js";
import { describe as describeAnswer } from "../../engine/decision.js";
import type { Engine } from "../../engine/engine.js";
import { engineFor } from "./helpers.js";

const runs = { numRuns: 150 };

/** `u32 length` + UTF-8, as the engine reads a string, written the plain way. */
function plainStr(s: string): Uint8Array {
  const utf8 = new TextEncoder().encode(s);
  const out = new Uint8Array(4 + utf8.length);
  new DataView(out.buffer).setUint32(0, utf8.length, true);
  out.set(utf8, 4);
  return out;
}

function plainI64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, v, true);
  return out;
}

// Texts with PII and secrets in them, so that decisions name values.
const finding = fc.constantFrom("a.b@example.com", "123-45-6789", "4111 1111 1111 1111", "(555) 201-3344", "AKIAIOSFODNN7EXAMPLE", "10.1.2.3", "plain", "");
const text = fc.tuple(fc.string({ maxLength: 6 }), finding, fc.string({ maxLength: 6 })).map(([a, b, c]) => `${a} ${b} ${c}`);
const key = fc.oneof(fc.constantFrom("text", "é", "ключ", "🎉", "k".repeat(12), "k".repeat(13), "a@b.cc"), fc.string({ maxLength: 14, unit: "binary" }));
const leaf = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.date({ noInvalidDate: false }));
const args = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("object"), tie("array")),
  object: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
  array: fc.array(tie("value"), { maxLength: 6 }),
})).object;
// More values than the engine notes while encoding (32): naming falls back to a second walk.
const wide = fc.array(text, { minLength: 33, maxLength: 60 }).map((xs) => Object.fromEntries(xs.map((x, i) => [`k${i}`, x])));

const engine: Engine = engineFor({
  pii_redaction: { enabled: true, categories: ["email", "ssn", "credit_card", "phone", "ip_address"], secrets: { enabled: true } },
  content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{6,}", action: "redact" }] },
});

/** The decision rebuilt from the answer bytes and a fresh walk of the arguments: what the shortcuts must equal. */
function rebuilt(e: Engine, payload: unknown) {
  const bytes = e.lastAnswer();
  const raw = decodeAnswer(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0, bytes.length);
  const policy = e.loadedPolicy!;
  return describeAnswer(raw, { tool: "t", values: flattenValues(payload), meta: policy.meta, policyDigest: policy.digest, engineDigest: e.engineDigest });
}

describe("the per-call path", () => {
  it("writes strings exactly as TextEncoder does (ASCII loop or encoder)", () => {
    const w = new ByteWriter();
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40, unit: "grapheme" }), fc.string({ maxLength: 40, unit: "binary" }), fc.string({ maxLength: 16, unit: "binary-ascii" })), (s) => {
        expect(w.reset().str(s).copy()).toEqual(plainStr(s));
      }),
      { numRuns: 500 },
    );
    for (const s of ["", "t", "abcdefghijkl", "abcdefghijklm", "ab\u00e9", "\ud800", "x\udc00y", "é".repeat(12)]) expect(w.reset().str(s).copy()).toEqual(plainStr(s));
  });

  it("writes a string at the same offset correctly after the buffer has grown", () => {
    const w = new ByteWriter();
    for (const s of ["a text longer than twelve units", "é".repeat(3000), "another text of some length", "x".repeat(20_000), "ü and more than twelve"]) {
      expect(w.reset().u32(7).str(s).copy()).toEqual(new Uint8Array([7, 0, 0, 0, ...plainStr(s)]));
    }
  });

  it("walks an object's members as Object.entries lists them, also when a getter deletes one", () => {
    const seen = (root: unknown) => flattenValues(root).map((v) => [v.path.join("."), v.value]);
    const plain = { b: "1", a: { c: 2, 0: "zero" }, d: [true, null] };
    expect(seen(plain)).toEqual([["b", "1"], ["a.0", "zero"], ["a.c", 2], ["d.0", true], ["d.1", null]]);
    // A getter that deletes a later member: Object.entries no longer lists it, and neither does the walk.
    const deleting = () => {
      const o: Record<string, unknown> = {};
      const first = () => {
        delete o.second;
        return "x";
      };
      Object.defineProperty(o, "first", { enumerable: true, configurable: true, get: first });
      o.second = "deleted before it is read";
      return o;
    };
    expect(Object.entries(deleting())).toEqual([["first", "x"]]);
    expect(seen(deleting())).toEqual([["first", "x"]]);
  });

  it("writes non-negative integers as i64 exactly as BigInt does, safe or not", () => {
    const w = new ByteWriter();
    const big = [2 ** 53, 2 ** 63, 2 ** 64 + 2 ** 12, 1e300];
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeNat(), fc.constantFrom(0, -0, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, ...big)), (v) => {
        expect(w.reset().u64(v).copy()).toEqual(plainI64(BigInt.asIntN(64, BigInt(v))));
      }),
      { numRuns: 500 },
    );
  });

  it("names every violation as a second walk of the arguments would, and keeps the answer it decided from", () => {
    fc.assert(
      fc.property(fc.oneof(args, wide), (payload) => {
        const d = engine.preCall({ tool: "t", args: payload, now: 1 });
        expect(d).toEqual(rebuilt(engine, payload));
        const post = engine.postCall({ tool: "t", output: payload, now: 2 });
        expect(post).toEqual(rebuilt(engine, payload));
      }),
      runs,
    );
  });

  it("names the values of a call whose second walk runs a getter that calls the engine", () => {
    // More than 32 values: the decision walks the arguments again, after the answer is back.
    // The getter calls the engine on that second walk, which reuses the memory the answer is in
    // and the engine's copy of it: the violations must still be this call's.
    const e = engineFor({ pii_redaction: { enabled: true, categories: ["email", "ssn", "credit_card"] } });
    const payload = (reenter: boolean): Record<string, unknown> => {
      const o: Record<string, unknown> = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i % 7 === 0 ? `ssn 123-45-67${10 + i}` : `note ${i}`]));
      let reads = 0;
      Object.defineProperty(o, "mail", {
        enumerable: true,
        get: () => {
          if (reenter && ++reads === 2) e.preCall({ tool: "t", args: { a: "card 4111 1111 1111 1111", b: "x@example.org" }, now: 1 });
          return "write to ann@example.com";
        },
      });
      return o;
    };
    const plain = e.preCall({ tool: "t", args: payload(false), now: 1 });
    const reentered = e.preCall({ tool: "t", args: payload(true), now: 1 });
    expect(plain.violations.length).toBe(7);
    expect(reentered.violations).toEqual(plain.violations);
  });

  it("follows engine memory when a large request grows it (the old views are detached)", () => {
    const e = engineFor({ pii_redaction: { enabled: true, categories: ["email", "ssn"] } });
    const small = { text: "ssn 123-45-6789" };
    expect(e.preCall({ tool: "t", args: small, now: 1 })).toEqual(rebuilt(e, small));
    for (const size of [3_000_000, 9_000_000]) {
      const large = { text: `${"x ".repeat(size / 2)}a.b@example.com` };
      const d = e.preCall({ tool: "t", args: large, now: 1 });
      expect(d).toEqual(rebuilt(e, large));
      expect(d.violations.map((v) => v.span)).toEqual([{ start: size, end: size + 15 }]);
      expect(e.preCall({ tool: "t", args: small, now: 1 })).toEqual(rebuilt(e, small));
    }
  });

  it("hands out a copy of the answer that later calls do not change", () => {
    const first = engine.preCall({ tool: "t", args: { a: "mail a.b@example.com" }, now: 1 });
    const kept = engine.lastAnswer();
    expect(engine.lastAnswer()).toBe(kept);
    const snapshot = kept.slice();
    engine.preCall({ tool: "t", args: { b: "nothing here", c: "ssn 123-45-6789 and 4111 1111 1111 1111" }, now: 2 });
    expect(engine.lastAnswer()).not.toEqual(snapshot);
    expect(kept).toEqual(snapshot);
    expect(first.violations.map((v) => v.rule)).toEqual(["rules.pii_redaction.categories.email"]);
  });
});
