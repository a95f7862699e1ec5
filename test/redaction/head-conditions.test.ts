// The hand-derived head conditions of five PII types (pii.ts headNotAfter, headAfter, headFirst,
// headBroadDepth, headPaths) only drop positions their checks would refuse: the same policy compiled with and
// without them finds exactly the same spans, on texts built around each type's edge cases. The
// same for the longer heads of rules that start with a run of digits (bundle.ts entityHead). The
// engine's own start conditions (checks.ts rejectsStart) are compared with a plain model instead.
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { PII_PATTERNS, type PiiPattern } from "../../engine/compiler/pii.js";
import type { Engine } from "../../engine/engine.js";
import { bundleFor, engineFor } from "../engine/helpers.js";
import { PII_VALUES, type Value } from "../../eval/redaction/values.js";
import { detect, modelSpans, prng, ruleModel } from "./helpers.js";

const patterns = PII_PATTERNS as PiiPattern[];
const originals = [...patterns];
afterEach(() => {
  originals.forEach((p, i) => {
    patterns[i] = p;
  });
});

const policyOf = (category: string) => ({ pii_redaction: { enabled: true, categories: [category], secrets: { enabled: false } } });

/** Runs `build` with `category`'s pattern stripped of its head conditions, then puts it back. */
function withoutConditions<T>(category: string, build: () => T): T {
  const i = patterns.findIndex((p) => p.category === category);
  const { headNotAfter: _a, headAfter: _b, headFirst: _c, headBroadDepth: _d, headPaths: _e, ...plain } = patterns[i] as PiiPattern;
  patterns[i] = plain as PiiPattern;
  try {
    return build();
  } finally {
    patterns[i] = originals[i] as PiiPattern;
  }
}

// Fragments around each type's edge cases: values, what may precede them, and near misses.
const FRAGMENTS: Record<string, readonly string[]> = {
  ipv6: ["fe80::1", "2001:db8::8a2e:370:7334", "::1", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", ":", "::", ":::", ".", "g", "_", "a", "F", "0", " ", "addr ", "x:"],
  credit_card: ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011111111111117", "1234 ", "0", "7", "9", "4", "2", "3", " ", "-", "card "],
  date_of_birth: ["DOB", "d.o.b.", "D.O.B", "born", "born on", "Birthday", "date of birth", "birthdate", "date de naissance", ":", " ", "\t", ",", "-", ".", "12/03/1985", "1990-01-02", "5 March 1990", "Jan 5, 1990", "x", "é",
    // as a key: quotes, `=`, joined words, a name before it
    '"', "'", "=", "_", "dob", "date_of_birth", "birthDate", "patient", "3/4/85",
    // the date's own shapes, which its longer head spells out (ordinals, month names, short years)
    "1-1-85", "31.12.1999", "12th", "3rd", "March", "Sept", "sep", "DECEMBER", "2nd", "1st", "4357", "mar", "1990"],
  us_zip4: ["zip", "Zip code", "postal", "CA", "NY", "ny", "zz", " ", "  ", ":", ",", "\t", "94105-1234", "12345-6789", "1234", "-", "5"],
  // a seven-unit head instead of five: valid VINs, runs of five to seven of its units, near misses
  vin: ["1HGCM82633A004352", "11111111111111111", "1M8GDM9AXKP042788", "12345", "123456", "1234567", "ABCDE", "A1B2C3", "9", "Z", "I", "O", "a", " ", ",", "-", "."],
};

describe("hand-derived head conditions", () => {
  for (const category of Object.keys(FRAGMENTS)) {
    it(`${category}: same spans with and without them`, () => {
      const narrowed: Engine = engineFor(policyOf(category));
      const plain: Engine = withoutConditions(category, () => engineFor(policyOf(category)));
      // the conditions do change the head table (so this compares two different scans)
      expect(bundleFor(policyOf(category)).digest).not.toBe(withoutConditions(category, () => bundleFor(policyOf(category)).digest));
      let found = 0;
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...(FRAGMENTS[category] as string[])), { maxLength: 24 }), (parts) => {
          const text = parts.join("");
          const x = detect(narrowed, text);
          found += x.length;
          expect(x).toEqual(detect(plain, text));
        }),
        { numRuns: 1500, seed: 20261125 },
      );
      expect(found).toBeGreaterThan(0);
    });
  }
});

describe("digit-run heads", () => {
  // `headLength: 8` keeps a head at the length every head had before (no digit-run extension).
  function withShortHead<T>(category: string, build: () => T): T {
    const i = patterns.findIndex((p) => p.category === category);
    patterns[i] = { ...(patterns[i] as PiiPattern), headLength: 8 };
    try {
      return build();
    } finally {
      patterns[i] = originals[i] as PiiPattern;
    }
  }
  const extended = patterns.filter((p) => p.back === undefined && p.headLength === undefined).map((p) => p.category).filter((c) => bundleFor(policyOf(c)).digest !== withShortHead(c, () => bundleFor(policyOf(c)).digest));
  const DIGITS = ["0", "1", "2", "4", "7", "9", "12", "345", "6789", "12345", "987654", "1234567", "31", "19", "20"];
  const AROUND = [" ", "-", ".", "/", "+", ",", "\n", "X", "x", "A", "T", "Z", "a", "id ", "(", ")"];

  it("apply to the numeric ID types (and only change their heads)", () => {
    expect(extended).toEqual(expect.arrayContaining(["us_routing_number", "pl_pesel", "za_id", "us_npi"]));
  });

  let found = 0;
  for (const category of extended) {
    it(`${category}: same spans with the digit-run head and with the short one`, () => {
      const long: Engine = engineFor(policyOf(category));
      const short: Engine = withShortHead(category, () => engineFor(policyOf(category)));
      // valid values of the type (eval/redaction/values.ts), next to digits and separators
      const gen = PII_VALUES[category] as (r: () => number) => Value | string;
      const r = prng(7);
      const values = Array.from({ length: 40 }, () => {
        const v = gen(r);
        return typeof v === "string" ? v : v.text;
      });
      fc.assert(
        fc.property(fc.array(fc.oneof(fc.constantFrom(...DIGITS), fc.constantFrom(...values), fc.constantFrom(...AROUND)), { maxLength: 30 }), (parts) => {
          const text = parts.join("");
          const x = detect(long, text);
          found += x.length;
          expect(x).toEqual(detect(short, text));
        }),
        { numRuns: 600, seed: 20261127 },
      );
    });
  }
  it("the texts above hold findings (the comparison is not only of empty answers)", () => {
    expect(found).toBeGreaterThan(100);
  });
});

// The engine's own start conditions (checks.ts rejectsStart) skip the run from a start whose
// check would refuse every match. vin: its one length is 17, so the unit after s + 16 decides.
describe("start conditions in the engine", () => {
  // ISO 3779 transliteration (I, O and Q are not used)
  const LETTER: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 };
  /** ISO 3779 check digit (position 9), written from the standard, not from checks.ts. */
  const vinOk = (v: string): boolean => {
    const weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum = 0;
    let letters = 0;
    for (const [i, ch] of [...v].entries()) {
      const value = /[0-9]/.test(ch) ? Number(ch) : (LETTER[ch] as number);
      if (!/[0-9]/.test(ch)) letters++;
      sum += value * (weights[i] as number);
    }
    const r = sum % 11;
    return letters > 0 && v[8] === (r === 10 ? "X" : String(r));
  };
  const word = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
  const model = ruleModel("[A-HJ-NPR-Z0-9]{17}", 17, (t, s, e) => e - s === 17 && !word(t[s - 1]) && !word(t[e]) && vinOk(t.slice(s, e)));

  it("vin: the same spans as a plain model of the rule (every start, its check)", () => {
    const engine = engineFor(policyOf("vin"));
    const fragments = ["1M8GDM9AXKP042788", "1HGCM82633A004352", "1HGCM82633A00435", "12345678901234567", "1234567", "A", "x", "_", "7", " ", "-", ".", ",", "\n", "1M8GDM9AXKP04278"];
    let found = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 12 }), (parts) => {
        const text = parts.join("");
        const got = detect(engine, text).map((f) => [f.start, f.end]);
        found += got.length;
        expect(got).toEqual(modelSpans(model, text));
      }),
      { numRuns: 1500, seed: 20261125 },
    );
    expect(found).toBeGreaterThan(100);
  });
});
