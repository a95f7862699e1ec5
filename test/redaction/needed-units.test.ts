// Needed units (compiler: engine/compiler/entities-set.ts neededUnit; engine: entities.ts tryRule).
// A unit every match of a rule has at a fixed distance from its head is tested before the rule
// runs. It is a necessary condition, so it may only drop candidates that could not match:
//   - soundness, as a property: every full match of a random pattern has an allowed unit there;
//   - the same answers with and without needed units, for every rule, on the differential texts;
//   - the work it saves, counted by the engine, on the decimals of a table of numbers.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { neededUnit, type NeededUnit } from "../../engine/compiler/entities-set.js";
import { bundleFor, engineWith } from "../engine/helpers.js";
import { ALL_RULES, differentialTexts, expectSameAnswers, patternPiece, prng } from "./helpers.js";

const allowed = (need: NeededUnit, unit: number): boolean => (unit < 128 ? ((need.ascii[unit >> 5] as number) >>> (unit & 31)) & 1 : need.wide ? 1 : 0) === 1;
const unitsOf = (need: NeededUnit): string => {
  let s = "";
  for (let c = 0; c < 128; c++) if (allowed(need, c)) s += String.fromCharCode(c);
  return s;
};

describe("neededUnit", () => {
  it("takes the narrowest class beyond the head, the farthest of equally narrow ones", () => {
    const vin = neededUnit("[A-HJ-NPR-Z0-9]{17}", false, 5);
    expect(vin?.at).toBe(16);
    expect(unitsOf(vin as NeededUnit)).toBe("0123456789ABCDEFGHJKLMNPRSTUVWXYZ");
    expect(vin?.wide).toBe(false);
    // Discord's rest after its back part: the second `.` is seven units after the head's first
    const discord = neededUnit("\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}", false, 2);
    expect(discord?.at).toBe(7);
    expect(unitsOf(discord as NeededUnit)).toBe(".");
    // case-insensitive literals keep both cases
    expect(unitsOf(neededUnit("key=[0-9]{4}x", true, 2) as NeededUnit)).toBe("=");
    expect(unitsOf(neededUnit("ke[yz]{1,2}x[0-9]{4}", true, 2) as NeededUnit)).toBe("YZyz");
  });

  it("only within the shortest match, never inside the head, and not for classes that refuse nothing", () => {
    expect(neededUnit("ab[0-9]?", false, 2)).toBeUndefined(); // nothing beyond the head is needed
    expect(neededUnit("ab[^x]{5}", false, 2)).toBeUndefined(); // [^x] admits almost every unit
    expect(neededUnit("ab(?:c|[0-9]{3}d)", false, 2)?.at).toBe(2);
  });

  it("property: every full match of a random pattern has an allowed unit at the needed distance", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(patternPiece, { minLength: 1, maxLength: 6 }), fc.nat(2), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (pieces, headLength, seed) => {
        const source = pieces.map((p) => p.source).join("");
        const full = new RegExp(`^(?:${source})$`);
        if (full.test("")) return; // entity patterns never match the empty string
        const need = neededUnit(source, false, headLength, seed % 2 === 0); // half of them with broad classes allowed
        if (need === undefined) return;
        const r = prng(seed);
        for (let i = 0; i < 40; i++) {
          const text = pieces.map((p) => p.draw(r)).join("");
          expect(full.test(text), `${source} draws ${text}`).toBe(true);
          checked++;
          expect(need.at, `${source} on ${text}`).toBeLessThan(text.length);
          expect(allowed(need, text.charCodeAt(need.at)), `${source}: unit ${need.at} of ${text}`).toBe(true);
        }
      }),
      { numRuns: 400, seed: 20261126 },
    );
    expect(checked).toBeGreaterThan(5000);
  });
});

describe("needed units keep every answer", () => {
  it("every rule, with and without them: the differential texts and dense numbers, byte for byte", { timeout: 180_000 }, () => {
    const withNeeds = bundleFor(ALL_RULES);
    const without = bundleFor(ALL_RULES, {}, { neededUnits: false });
    expect(withNeeds.digest).not.toBe(without.digest);
    const a = engineWith(withNeeds);
    const b = engineWith(without);
    const r = prng(17);
    const texts = differentialTexts();
    // tables of numbers with decimals, and tokens cut short: where needed units refuse candidates
    for (let i = 0; i < 200; i++) {
      let t = "";
      while (t.length < 300) t += `${r() < 0.2 ? "\n" : ","}${Math.floor(r() * 10 ** (1 + Math.floor(r() * 6)))}${r() < 0.5 ? `.${Math.floor(r() * 100)}` : ""}`;
      texts.push(t);
    }
    for (const t of texts.slice()) texts.push(t.slice(0, Math.floor(t.length * r())));
    expectSameAnswers(a, b, texts);
  });

  it("a table of decimals is no candidate of a rule whose head is a `.`: the engine's work count", () => {
    // the shape of the Discord token rule before its head moved to its first two characters: a back
    // part, and a rest whose head `.x` every decimal point starts
    const custom = [{ name: "dotted", context: "[MNO][A-Za-z0-9_-]{23,25}", pattern: "\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38}", boundary: "none" as const }];
    const policy = { pii_redaction: { enabled: true, categories: [], custom } };
    const r = prng(3);
    let csv = "";
    // (decimals of four digits: a custom type's head, like a PII type's, runs through `.` and three more)
    while (csv.length < 20_000) csv += `,${Math.floor(r() * 100_000)}.${String(Math.floor(r() * 10_000)).padStart(4, "0")}`;
    const work = (neededUnits: boolean) => {
      const e = engineWith(bundleFor(policy, {}, { neededUnits }));
      e.preCall({ tool: "t", args: { text: csv }, now: 1 });
      return e.lastScanWork() / csv.length;
    };
    // each `.dddd` is a head whose start is looked for backwards over the digits before it,
    // unless the needed unit, a `.` seven units on, refuses it
    const before = work(false);
    expect(before).toBeGreaterThan(0.3);
    expect(work(true)).toBeLessThan(before / 20);
  });
});
