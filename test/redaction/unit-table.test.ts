// The normaliser's table of units (text.ts simpleUnit: what each BMP unit alone is written as,
// filled a block of 256 code points at a time on first sight) against a build without it
// (`--use ENGINE_NO_UNIT_TABLE=1`, never shipped), where every non-ASCII unit takes the per-unit
// path: the same answer, byte for byte, for every BMP code point and for texts that mix scripts,
// look-alikes and values.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Engine } from "../../engine/engine.js";
import { buildEngineVariant, bundleFor, engineWith } from "../engine/helpers.js";
import { ALL_RULES, answerOf } from "./helpers.js";

let release: Engine;
let perUnit: Engine;
beforeAll(() => {
  const bundle = bundleFor(ALL_RULES);
  release = engineWith(bundle);
  perUnit = engineWith(bundle, buildEngineVariant(["--use", "ENGINE_NO_UNIT_TABLE=1"]));
}, 120_000);

const VALUES = ["john.doe@example.org", "jane%2Edoe%40example.org", "ann&#64;example&period;org", "123-45-6789", "4111 1111 1111 1111", "AKIAIOSFODNN7EXAMPLE", "192.168.10.20", "+1 (555) 201-3344"];

describe("units written from the table of units, filled per block", () => {
  it("every BMP code point, inside and around values, answers as the per-unit path", { timeout: 60_000 }, () => {
    // Inside a value, a unit that is dropped, folded or expanded changes what is found: `jo\u200Bhn@…`
    // is one e-mail, `jo中hn@…` is not, `123-4٥-6789` (Arabic-Indic 5) is an SSN.
    let found = 0;
    for (let block = 0; block < 0x100; block++) {
      if (block >= 0xd8 && block <= 0xdf) continue; // lone surrogates: not text a host sends
      const units = Array.from({ length: 256 }, (_, i) => String.fromCharCode((block << 8) | i));
      const texts = [
        `${units.join("")} ${VALUES[block % VALUES.length]} ${units.join("")}`,
        units.map((c, i) => `jo${c}hn${i}@example.org`).join(" "),
        units.map((c) => `123-4${c}-6789 and 4111 11${c}11 1111 1111`).join(" "),
      ];
      for (const text of texts) {
        const want = answerOf(perUnit, text);
        expect(answerOf(release, text), `block ${block.toString(16)}: ${JSON.stringify(text.slice(0, 40))}`).toBe(want);
        if (want.length > 48) found++;
      }
    }
    expect(found).toBeGreaterThan(500); // the values are found, not hidden by their neighbours
  });

  it("property: texts mixing CJK, Hangul, look-alikes, astral characters, invisible units and values answer alike", () => {
    const unit = fc.oneof(
      fc.integer({ min: 0x4e00, max: 0x9fff }), // CJK ideographs: kept
      fc.integer({ min: 0xac00, max: 0xd7a3 }), // Hangul syllables: kept
      fc.integer({ min: 0x3000, max: 0x30ff }), // CJK punctuation and kana: some fold (U+3000, U+3002)
      fc.integer({ min: 0xff00, max: 0xffef }), // full-width forms: fold
      fc.integer({ min: 0x0370, max: 0x052f }), // Greek and Cyrillic: some fold
      fc.integer({ min: 0x2000, max: 0x206f }), // spaces, dashes, invisible units
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x1d400, max: 0x1d7ff }), // math alphanumerics (surrogate pairs): fold
      fc.constantFrom(0xe0041, 0x1f110, 0x1f600, 0x10400), // a tag (dropped), 🄐 (expands), an emoji, Deseret
    ).map((c) => String.fromCodePoint(c));
    const piece = fc.oneof({ arbitrary: fc.array(unit, { maxLength: 12 }).map((u) => u.join("")), weight: 3 }, { arbitrary: fc.constantFrom(...VALUES), weight: 1 });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.constantFrom("", " "), (pieces, glue) => {
        const text = pieces.join(glue); // without a space, units touch the values (and land inside them)
        return answerOf(release, text) === answerOf(perUnit, text);
      }),
      { numRuns: 1000, seed: 23 },
    );
  });
});
