// Units ahead (compiler: engine/compiler/state-needs.ts aheadUnits; engine: entities.ts aheadMet).
// A rule whose match starts at its head may carry a class of punctuation that every match contains
// (a JWT's `.`); the engine refuses a head with no such unit within the rule's longest match,
// searching each stretch of text once per rule. A necessary condition, so:
//   - soundness, as a property: every full match of a random pattern contains a unit of the class;
//   - the same answers with and without, on every rule and on JWT-shaped texts;
//   - the work it saves on JWT heads inside one base64 run, and the loader's checks of the fields.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aheadUnits, type StateNeed } from "../../engine/compiler/state-needs.js";
import { bundleFor, engineWith } from "../engine/helpers.js";
import { ALL_RULES, anchoredTable, answerOf, expectSameAnswers, loadsChanged, patternPiece, prng, workPerUnit } from "./helpers.js";

const unitsOf = (ascii: StateNeed["ascii"] | undefined): string => {
  let s = "";
  for (let c = 0; ascii !== undefined && c < 128; c++) if (((ascii[c >> 5] as number) >>> (c & 31)) & 1) s += String.fromCharCode(c);
  return s;
};

/** `-eyJ` and twenty base62 characters, again: one base64url run with no `.` (bench/redaction-texts.mjs). */
function jwtHeads(length: number): string {
  const r = prng(3);
  let t = "";
  while (t.length < length) t += `-eyJ${Array.from({ length: 20 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(r() * 62)]).join("")}`;
  return t;
}

describe("aheadUnits", () => {
  it("a JWT's `.`; the rarer of two choices; none where a run cannot go far without it, or only letters are needed", () => {
    expect(unitsOf(aheadUnits(anchoredTable("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}")))).toBe(".");
    // `@` and `.` are both in every match: `@` is the rarer
    expect(unitsOf(aheadUnits(anchoredTable("[a-z]+@[a-z]+\\.[a-z]{2,}")))).toBe("@");
    // `=` or `:`, either: the two together
    expect(unitsOf(aheadUnits(anchoredTable("k[a-z]*[=:][0-9]+")))).toBe(":=");
    // the run reads at most 40 units before the `-`: a search would cost more than it saves
    expect(aheadUnits(anchoredTable("[a-z]{1,40}-[0-9]"))).toBeUndefined();
    expect(aheadUnits(anchoredTable("[a-z]+[0-9]"))).toBeUndefined();
  });

  it("property: every full match contains a unit of the class", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(patternPiece, { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (pieces, seed) => {
        // a loop before the pieces, so that the class is kept when the pieces need one
        const source = `[a-z]+${pieces.map((p) => p.source).join("")}`;
        const full = new RegExp(`^(?:${source})$`);
        const units = unitsOf(aheadUnits(anchoredTable(source)));
        if (units === "") return;
        const r = prng(seed);
        for (let i = 0; i < 30; i++) {
          const text = `${"abc".slice(0, 1 + Math.floor(r() * 3))}${pieces.map((p) => p.draw(r)).join("")}`;
          expect(full.test(text), `${source} draws ${text}`).toBe(true);
          checked++;
          expect([...text].some((ch) => units.includes(ch)), `${source}: ${text} has none of ${units}`).toBe(true);
        }
      }),
      { numRuns: 400, seed: 20261126 },
    );
    expect(checked).toBeGreaterThan(1_000);
  });
});

describe("units ahead: the same answers as runs without them", () => {
  it("every rule: differential texts, byte for byte", { timeout: 180_000 }, () => {
    expectSameAnswers(engineWith(bundleFor(ALL_RULES)), engineWith(bundleFor(ALL_RULES, {}, { aheadUnits: false })));
  });

  it("JWT heads with and without a `.` at every distance, and real tokens among them", { timeout: 120_000 }, () => {
    const a = engineWith(bundleFor(ALL_RULES));
    const b = engineWith(bundleFor(ALL_RULES, {}, { aheadUnits: false }));
    const r = prng(9);
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    for (let k = 0; k < 300; k++) {
      const base = jwtHeads(200 + Math.floor(r() * 3000));
      const at = Math.floor(r() * base.length);
      const text = r() < 0.5 ? `${base.slice(0, at)}.${base.slice(at)}` : `${base.slice(0, at)} ${jwt} ${base.slice(at)}`;
      expect(answerOf(a, text), `case ${k}`).toBe(answerOf(b, text));
    }
  });

  it("JWT heads inside one base64 run: the search reads each unit once, however many heads", { timeout: 120_000 }, () => {
    // Without it every head ran to the rule's limit, crossing the run in jumps that the work counts
    // once per unit (and about 44 ns a head: bench/redaction-ab.mjs); with it, no head is run and
    // the search for a `.` reads each unit once. A search restarted at every head would read each
    // unit some 500 times (the limit, 12,100 units, over the 24 between heads).
    const text = jwtHeads(40_000);
    const without = workPerUnit(engineWith(bundleFor(ALL_RULES, {}, { aheadUnits: false })), text);
    expect(without).toBeGreaterThan(0.9);
    expect(workPerUnit(engineWith(bundleFor(ALL_RULES)), text)).toBeLessThan(without + 0.05);
  });
});

describe("units ahead: the loader checks them", () => {
  // The fields are the only difference between the bundles with and without them: at the first
  // differing byte, the `ahead` flag of the JWT rule's content record, then its four ASCII words.
  const rules = { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true, categories: ["jwt"] } } };
  const bundle = bundleFor(rules);
  const plain = bundleFor(rules, {}, { aheadUnits: false });
  let at = 0;
  while (bundle.bytes[at] === plain.bytes[at]) at++;

  it("finds the fields and refuses a flag other than 0 or 1, a flag without units and units without a flag", () => {
    const view = new DataView(bundle.bytes.buffer, bundle.bytes.byteOffset);
    expect(view.getUint32(at, true)).toBe(1);
    expect(view.getUint32(at + 4 + 4 * (".".charCodeAt(0) >> 5), true)).toBe(1 << (".".charCodeAt(0) & 31));
    expect(loadsChanged(bundle, () => {})).toBe(true);
    expect(loadsChanged(bundle, (v) => v.setUint32(at, 2, true))).toBe(false);
    expect(loadsChanged(bundle, (v) => v.setUint32(at, 0, true))).toBe(false);
    expect(loadsChanged(bundle, (v) => { for (let k = 0; k < 4; k++) v.setUint32(at + 4 + 4 * k, 0, true); })).toBe(false);
    // a wider class is still well formed (a weaker condition)
    expect(loadsChanged(bundle, (v) => v.setUint32(at + 4, 0xffffffff, true))).toBe(true);
  });

  it("a class the text never has hides the rule's matches", () => {
    const copy = bundle.bytes.slice();
    const v = new DataView(copy.buffer);
    for (let k = 0; k < 4; k++) v.setUint32(at + 4 + 4 * k, 0, true);
    v.setUint32(at + 4, 1 << 1, true); // only U+0001
    const text = "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U here";
    expect(engineWith(bundle).preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBe(1);
    expect(engineWith({ ...bundle, bytes: copy }).preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBe(0);
  });
});
