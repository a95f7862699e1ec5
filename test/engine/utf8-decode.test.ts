// The engine's UTF-8 decoder (text.ts toUnits), on bytes no TextEncoder would produce: a recorded
// or hand-made request may carry them. Documented rule: a valid sequence is one code point (two
// UTF-16 units from U+10000); every other byte that starts a sequence (truncated, overlong,
// surrogate, above U+10FFFF, a stray continuation byte) is one U+FFFD of one byte. Findings report
// offsets in those units, so the offset of a value after such bytes shows how they were decoded.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detect, engineWith } from "../redaction/helpers.js";
import { engineFor } from "./helpers.js";

/** UTF-16 units of `bytes` under the documented rule, written independently of text.ts. */
function referenceUnits(bytes: Uint8Array): number {
  let units = 0;
  for (let p = 0; p < bytes.length; ) {
    const b = bytes[p]!;
    const need = b < 0x80 ? 0 : b >= 0xc0 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf8 ? 3 : -1;
    let cp = need === 0 ? b : need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
    let ok = need >= 0 && p + need < bytes.length;
    for (let i = 1; ok && i <= need; i++) {
      const c = bytes[p + i]!;
      if (c >> 6 !== 2) ok = false;
      else cp = cp * 64 + (c & 0x3f);
    }
    const min = [0, 0x80, 0x800, 0x10000][need] ?? 0;
    if (!ok || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      units += 1; // U+FFFD
      p += 1;
    } else {
      units += cp >= 0x10000 ? 2 : 1;
      p += need + 1;
    }
  }
  return units;
}

// Valid and invalid pieces, with the 2- and 3-byte sequences the decoder reads in runs.
const PIECES: readonly number[][] = [
  [0x61], [0x20], [0xc3, 0xa9], [0xc2, 0x80], [0xdf, 0xbf], [0xd0, 0xb0], [0xc1, 0xbf], [0xc2], [0xc2, 0x41], [0xd0, 0xc0], [0xe2, 0x80, 0x8b], [0xe4, 0xb8, 0xad], [0xef, 0xbc, 0xa1], [0xed, 0x9f, 0xbf], [0xee, 0x80, 0x80],
  [0xf0, 0x9f, 0x98, 0x80], [0xe0, 0xa0, 0x80],
  [0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xe2], [0xe2, 0x82], [0xe2, 0x20, 0x80], [0xe2, 0x82, 0xc3],
  [0x80], [0xbf], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8], [0xff],
];

const SUFFIX = " john.doe@example.org";

describe("UTF-8 decoding of raw request bytes", () => {
  const engine = engineFor({ pii_redaction: { enabled: true, categories: ["email"] } });

  /** The start the engine reports for the e-mail after `prefix` (raw bytes put in a recorded request). */
  function emailStartAfter(prefix: Uint8Array): number {
    const placeholder = "#".repeat(prefix.length);
    engine.preCall({ tool: "t", args: { text: placeholder + SUFFIX }, now: 1 });
    const request = engine.lastRequest().slice();
    const needle = new TextEncoder().encode(placeholder + SUFFIX);
    const at = Buffer.from(request).indexOf(Buffer.from(needle));
    expect(at).toBeGreaterThan(0);
    request.set(prefix, at);
    const found = engine.evaluateRaw(request).violations;
    expect(found).toHaveLength(1);
    expect(found[0]!.end - found[0]!.start).toBe(SUFFIX.length - 1);
    return found[0]!.start;
  }

  it("invalid, truncated, overlong and surrogate sequences: one U+FFFD per byte", () => {
    for (const piece of PIECES) {
      for (const repeat of [1, 2, 5]) {
        const bytes = new Uint8Array(Array.from({ length: repeat }, () => piece).flat());
        expect(emailStartAfter(bytes), `${Buffer.from(bytes).toString("hex")}`).toBe(referenceUnits(bytes) + 1);
      }
    }
  });

  it("property: any mix of the pieces decodes to the documented number of units", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 24 }), (pieces) => {
        const bytes = new Uint8Array(pieces.flat());
        return emailStartAfter(bytes) === referenceUnits(bytes) + 1;
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it("property: runs of three-byte characters, floods of one and mixes, decode to themselves", () => {
    // toUnits reads three-byte sequences two at a time and copies a pair that repeats the last
    // one: a value after any run of them must be read as written, at its exact offset. Scanned
    // without normalisation, so the units the scanner sees are the decoded ones.
    const e = engineWith({ categories: [], normalize: false, custom: [{ name: "tag", pattern: "\u6587\u5b57[0-9]{3}" }] });
    // With characters one byte away from the value's (存 U+5B58 after 字 U+5B57, U+200C after
    // U+200B), so that a pair copied on a partial comparison would be read in place of the value.
    const chars = ["\u4e2d", "\u6587", "\u5b57", "\u5b58", "\u6587\u5b58", "\u200b", "\u200c", "\u3000", "\uff61", "\ud7ff", "\ue000", "\u0800"];
    const run = fc.tuple(fc.constantFrom(...chars), fc.integer({ min: 1, max: 9 })).map(([c, k]) => c.repeat(k));
    fc.assert(
      fc.property(fc.array(run, { maxLength: 8 }), fc.array(run, { maxLength: 3 }), (before, after) => {
        const prefix = before.join("");
        const found = detect(e, `${prefix}\u6587\u5b57123${after.join("")}`);
        return found.length === 1 && found[0]!.start === prefix.length && found[0]!.text === "\u6587\u5b57123";
      }),
      { numRuns: 500, seed: 5 },
    );
  });
});
