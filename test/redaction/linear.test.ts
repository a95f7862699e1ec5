// Linear time on adversarial inputs (the original and the prototype had quadratic corners), and a
// bundle with entity sections that is corrupted byte by byte never makes the engine trap.
import { beforeAll, describe, expect, it } from "vitest";
import { EnforceCoreError } from "../../core/errors.js";
import { createEngineSync } from "../../engine/engine.js";
import { ENGINE_WASM, bundleFor } from "../engine/helpers.js";
import { ALL_PII, detect, engineWith, prng } from "./helpers.js";

const everything = () => engineWith({ categories: ALL_PII, secrets: { enabled: true } });

const ADVERSARIAL: Record<string, (n: number) => string> = {
  "an e-mail local part with no domain (quadratic before: 1.9 s at 20 KB)": (n) => `${"a".repeat(n - 6)}@b.cc_`,
  "a digit run": (n) => "7".repeat(n),
  "digit groups": (n) => "1234 ".repeat(n / 5),
  "colons": (n) => ":".repeat(n),
  "repeated key prefixes": (n) => "AKIAghp_sk_live_eyJ".repeat(n / 19),
  "assignment chains": (n) => "api_key=".repeat(n / 8),
  "percent escapes and entities": (n) => "%41&#64;".repeat(n / 8),
  "zero-width characters": (n) => "\u200B".repeat(n),
  "expanding characters (⑽ ㎯ ﬃ …: the normalised text outgrows its buffer)": (n) => "\u247D\u33AF\uFB03\u2026".repeat(n / 4),
  "expansions between zero-width characters and digits (an edit per unit)": (n) => "1\u2488\u200B".repeat(n / 3),
  "a PEM header and no END line": (n) => `-----BEGIN RSA PRIVATE KEY-----\n${"A".repeat(n - 32)}`,
};

function ms(text: string): number {
  const e = everything();
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    e.preCall({ tool: "t", args: { text }, now: 1 });
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[1] as number;
}

describe("entity scanning is linear", () => {
  // The first compile of every rule takes seconds (cached afterwards): not part of any timed test.
  beforeAll(() => {
    everything();
  }, 60_000);
  for (const [name, make] of Object.entries(ADVERSARIAL)) {
    it(name, () => {
      ms(make(10_000)); // warm up
      const small = ms(make(50_000));
      const big = ms(make(200_000));
      // 4× the input: about 4× the time (a quadratic scan would take 16×); generous for noisy machines
      expect(big, `${small.toFixed(2)} ms at 50 KB, ${big.toFixed(2)} ms at 200 KB`).toBeLessThan(Math.max(10 * small, 25));
      expect(big).toBeLessThan(2_000);
    });
  }

  it("finds matches right after an adversarial prefix", () => {
    const text = `${"a".repeat(100_000)}@b.cc_ then mail real@example.com and key AKIAIOSFODNN7EXAMPLE`;
    expect(detect(everything(), text).map((f) => f.text)).toEqual(["real@example.com", "AKIAIOSFODNN7EXAMPLE"]);
  });
});

describe("entity sections of a bundle", () => {
  // ssn, phone and credit_card make a family (bundle section `families`, entity-families.ts)
  const valid = bundleFor({ pii_redaction: { enabled: true, categories: ["email", "iban", "ipv6", "date_of_birth", "ssn", "phone", "credit_card"], secrets: { enabled: true, categories: ["aws_access_key", "github_pat", "url_password", "generic_api_key"] } } });
  const module = new WebAssembly.Module(ENGINE_WASM);
  const texts = ["mail a@b.io, iban DE89 3704 0044 0532 0130 00, ip fe80::1, DOB 1990-01-31", "AKIAIOSFODNN7EXAMPLE https://u:pw123@h api_key=Zq8r2LmX0pV7sTbN4wE1", "ssn 123-45-6789, card 4111 1111 1111 1111, (555) 200-0000 1234 1234 1234 1234"];

  it("every truncation is rejected", () => {
    const e = createEngineSync(module, { digest: "t" });
    for (let n = 0; n < valid.bytes.length; n += Math.max(1, Math.floor(valid.bytes.length / 300))) {
      expect(() => e.loadPolicy(valid.bytes.subarray(0, n))).toThrow(EnforceCoreError);
    }
  });

  it("single-byte corruptions are rejected, or load a policy that answers without trapping", () => {
    const r = prng(5);
    let loaded = 0;
    for (let i = 0; i < 1500; i++) {
      const bytes = valid.bytes.slice();
      const at = Math.floor(r() * bytes.length);
      bytes[at]! ^= 1 + Math.floor(r() * 255);
      const e = createEngineSync(module, { digest: "t" });
      try {
        e.loadPolicy(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(EnforceCoreError);
        continue;
      }
      loaded++;
      for (const text of texts) {
        try {
          e.preCall({ tool: "t", args: { text }, now: 1 });
        } catch (err) {
          expect(err).toBeInstanceOf(EnforceCoreError);
          expect(String((err as Error).message)).not.toMatch(/trapped/);
        }
      }
    }
    expect(loaded).toBeGreaterThan(0);
  });
});
