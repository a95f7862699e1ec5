// Needed units of a table state (compiler: engine/compiler/state-needs.ts; engine: entities.ts
// tryFamily, needsMet). Before the family's run from the state the head set names, the engine
// tests units every match from that state has at fixed distances. They are necessary conditions,
// so they may only drop candidates that could not match:
//   - soundness, as a property: every full match of a random pattern, cut anywhere, has allowed
//     units at the distances the state after the cut needs;
//   - the same answers with and without them, on every rule and on the numeric shapes;
//   - the engine reads them (a record that refuses everything hides the matches it covers), and
//     the loader refuses malformed records;
//   - the work they save, counted by the engine, on random `1xxx` groups.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { step, type DfaTable } from "../../engine/compiler/dfa-sim.js";
import { RULE_NEED_STEPS, ruleStateNeeds, STATE_NEEDS_MAX, stateNeeds, type StateNeed } from "../../engine/compiler/state-needs.js";
import { bundleFor, engineWith } from "../engine/helpers.js";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { ALL_RULES, anchoredTable, answerOf, apiKeysWithRandomValues, expectSameAnswers, loadsChanged, patternPiece, prng, workPerUnit } from "./helpers.js";

const stateAfter = (t: DfaTable, prefix: string): number => [...prefix].reduce((st, ch) => step(t, st, ch.charCodeAt(0)), 1);
const allowed = (need: StateNeed, unit: number): boolean => (unit < 128 ? ((need.ascii[unit >> 5] as number) >>> (unit & 31)) & 1 : need.wide ? 1 : 0) === 1;
const unitsOf = (need: StateNeed): string => {
  let s = "";
  for (let c = 0; c < 128; c++) if (allowed(need, c)) s += String.fromCharCode(c);
  return s;
};

/** The benchmark's numeric shapes (bench/redaction-texts.mjs), `length` units each. */
function numericShapes(r: () => number, length: number): Record<string, string> {
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join("");
  const fill = (piece: () => string) => {
    let t = "";
    while (t.length < length) t += piece();
    return t.slice(0, length);
  };
  return {
    "1xxx groups": fill(() => `1${digits(3)} `),
    "digit soup": fill(() => ` ${digits(1 + Math.floor(r() * 11))}`),
    "digit groups": fill(() => `${digits(4)} `),
    "CSV of numbers": fill(() => `${digits(1 + Math.floor(r() * 6))}${r() < 0.5 ? `.${digits(2)}` : ""}${r() < 0.1 ? "\n" : ","}`),
  };
}

/** A copy of `bundle` whose state-needs records admit no unit (the section: where it first differs from `plain`, without records). */
function refusingEveryUnit(bundle: CompiledBundle, plain: CompiledBundle): CompiledBundle {
  let at = 0;
  while (bundle.bytes[at] === plain.bytes[at]) at++; // the count's low byte (fewer than 256 records here)
  const bytes = bundle.bytes.slice();
  const v = new DataView(bytes.buffer);
  let p = at + 4;
  for (let k = 0, count = v.getUint32(at, true); k < count; k++) {
    const m = v.getUint32(p + 8, true);
    for (let j = 0; j < m; j++) for (let w = 0; w < 5; w++) v.setUint32(p + 12 + j * 24 + 4 + w * 4, 0, true);
    p += 12 + m * 24;
  }
  return { ...bundle, bytes };
}

describe("stateNeeds", () => {
  it("the nearest distances and the narrowest one, only before the first possible end, narrowest first", () => {
    const t = anchoredTable("ab[0-9]{3}x(?:yz)?");
    const needs = stateNeeds(t, stateAfter(t, "ab"));
    // narrowest first, the farther of equally narrow ones first: the engine stops at the first that fails
    expect(needs.map((n) => n.at)).toEqual([3, 2, 1, 0]);
    expect(needs.map(unitsOf)).toEqual(["x", "0123456789", "0123456789", "0123456789"]);
    // `x` ends a match: nothing after it is needed; an accepting state needs nothing
    expect(stateNeeds(t, stateAfter(t, "ab12"))).toHaveLength(2);
    expect(stateNeeds(t, stateAfter(t, "ab123x"))).toEqual([]);
    // the farthest of equally narrow classes: `-` at 5, beyond the three nearest
    const far = anchoredTable("k[0-9]{5}-[0-9]");
    expect(stateNeeds(far, stateAfter(far, "k")).map((n) => n.at)).toEqual([5, 2, 1, 0]);
  });

  it("phone after `1273 13`: a digit two units on, which the space of `1273 1340 1709` is not", () => {
    const phone = anchoredTable("(?:\\+?1[-. ]?)?(?:\\([0-9]{3}\\)|[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}");
    const needs = stateNeeds(phone, stateAfter(phone, "1273 13"));
    const two = needs.find((n) => n.at === 2);
    expect(two && unitsOf(two)).toBe("0123456789");
    expect(needs.find((n) => n.at === 1 && unitsOf(n) === " -.0123456789")).toBeDefined();
  });

  it("wide classes, and classes that refuse little, are not kept", () => {
    expect(stateNeeds(anchoredTable("a[^x]{4}b"), 2).filter((n) => n.at < 4)).toEqual([]); // [^x] admits almost everything
    const t = anchoredTable("a[\u00e9\u00e8]b");
    expect(stateNeeds(t, stateAfter(t, "a")).map((n) => n.at)).toEqual([1]); // é|è: wide, not kept
    expect(stateNeeds(t, 0)).toEqual([]); // the dead state
  });

  it("a rule's needed unit: one, the farthest before the first end, an ASCII class of up to 100 units kept", () => {
    const t = anchoredTable("api_key[a-z_]{0,30}[ \\t]*=[ \\t]*[A-Za-z0-9_+/.~-]{15,255}");
    // after the operator: the fifteenth unit of the value (or a space before it), never the next key's `=`
    const value = ruleStateNeeds(t, stateAfter(t, "api_key="));
    expect(value.map((n) => n.at)).toEqual([14]);
    expect(unitsOf(value[0] as StateNeed)).toBe("\t +-./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");
    // after the head `api_ke` the key may go on (`api_key_id=`): `=` may come at any distance, so
    // the engine tests the state RULE_NEED_STEPS units on instead
    expect(RULE_NEED_STEPS).toBe(2);
    for (const need of ruleStateNeeds(t, stateAfter(t, "api_ke"))) expect(unitsOf(need)).toContain("=");
    // [^x] admits units from U+0080 up: not kept, the `b` after it is
    const wide = anchoredTable("a[^x]{4}b");
    expect(ruleStateNeeds(wide, stateAfter(wide, "a")).map((n) => [n.at, unitsOf(n)])).toEqual([[4, "b"]]);
    const wideOnly = anchoredTable("a[^x]{5}");
    expect(ruleStateNeeds(wideOnly, stateAfter(wideOnly, "a"))).toEqual([]);
    expect(ruleStateNeeds(t, stateAfter(t, `api_key=${"a".repeat(15)}`))).toEqual([]); // accepts
  });

  // 2-5 s on this project's machines, near the default timeout
  it("property: every full match, cut anywhere, has allowed units where the state after the cut needs them", { timeout: 60_000 }, () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(patternPiece, { minLength: 1, maxLength: 7 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (pieces, seed) => {
        const source = pieces.map((p) => p.source).join("");
        const full = new RegExp(`^(?:${source})$`);
        if (full.test("")) return;
        const t = anchoredTable(source);
        const r = prng(seed);
        for (let i = 0; i < 30; i++) {
          const text = pieces.map((p) => p.draw(r)).join("");
          expect(full.test(text), `${source} draws ${text}`).toBe(true);
          for (let cut = 1; cut < text.length; cut++) {
            const state = stateAfter(t, text.slice(0, cut));
            const needs = stateNeeds(t, state);
            expect(needs.length).toBeLessThanOrEqual(STATE_NEEDS_MAX);
            const rule = ruleStateNeeds(t, state);
            expect(rule.length).toBeLessThanOrEqual(1);
            for (const need of [...needs, ...rule]) {
              checked++;
              expect(cut + need.at, `${source}: ${text} cut at ${cut}`).toBeLessThan(text.length);
              expect(allowed(need, text.charCodeAt(cut + need.at)), `${source}: ${text} cut at ${cut}, unit ${need.at} after`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 300, seed: 20261126 },
    );
    expect(checked).toBeGreaterThan(5_000);
  });
});

describe("state needs: the same answers as runs without them", () => {
  it("every rule: differential texts, byte for byte", { timeout: 180_000 }, () => {
    expectSameAnswers(engineWith(bundleFor(ALL_RULES)), engineWith(bundleFor(ALL_RULES, {}, { stateNeeds: false })));
  });

  it("numbers: the benchmark's numeric shapes, and random groups with separators cut anywhere", { timeout: 120_000 }, () => {
    const a = engineWith(bundleFor(ALL_RULES));
    const b = engineWith(bundleFor(ALL_RULES, {}, { stateNeeds: false }));
    const r = prng(11);
    for (const [name, text] of Object.entries(numericShapes(r, 40_000))) expect(answerOf(a, text), name).toBe(answerOf(b, text));
    const seps = [" ", "-", ".", "(", ")", "+", "/", "", "", "\n", "a"];
    for (let k = 0; k < 1500; k++) {
      let text = "";
      for (let j = 0; j < 1 + Math.floor(r() * 8); j++) text += Array.from({ length: 1 + Math.floor(r() * 6) }, () => String(Math.floor(r() * 10))).join("") + (seps[Math.floor(r() * seps.length)] as string);
      for (const t of [text, text.slice(0, Math.floor(r() * text.length))]) expect(answerOf(a, t), JSON.stringify(t)).toBe(answerOf(b, t));
    }
  });

  it("reads fewer units: random `1xxx` groups", { timeout: 120_000 }, () => {
    const text = numericShapes(prng(5), 20_000)["1xxx groups"] as string;
    const work = (stateNeeds: boolean) => workPerUnit(engineWith(bundleFor(ALL_RULES, {}, { stateNeeds })), text);
    // Each group started a phone run that died on the space two units after the head.
    expect(work(false)).toBeGreaterThan(0.4);
    expect(work(true)).toBeLessThan(0.05);
  });
});

describe("state needs of assignment rules", () => {
  it("reads fewer units: `api_key=` with random values, each running into the next key", { timeout: 120_000 }, () => {
    const text = apiKeysWithRandomValues(20_000);
    const work = (stateNeeds: boolean) => workPerUnit(engineWith(bundleFor(ALL_RULES, {}, { stateNeeds })), text);
    // Each run read the value and the next key up to its `=` (1.15 units per unit of text); two
    // steps after the head, the fifteenth unit after `=` is that `=`, where a value unit must be.
    expect(work(false)).toBeGreaterThan(1);
    expect(work(true)).toBeLessThan(0.2);
  });

  it("a record that refuses every unit hides the matches of the rule whose state has it", () => {
    const rules = { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true, categories: ["generic_api_key"] } } };
    const bundle = bundleFor(rules);
    const plain = bundleFor(rules, {}, { stateNeeds: false });
    const text = "api_key=9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    expect(answerOf(engineWith(bundle), text)).toBe(answerOf(engineWith(plain), text));
    expect(engineWith(bundle).preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBe(1);
    expect(engineWith(refusingEveryUnit(bundle, plain)).preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBe(0);
  });
});

describe("state needs: the engine reads them, the loader checks them", () => {
  // The section is the only difference between the bundles with and without it: at the first
  // differing byte (sections are not aligned), the record count; then the first record (dfa, state, n, n × {at, ascii[4], wide}).
  const rules = { pii_redaction: { enabled: true, categories: ["phone", "ssn", "credit_card"] } };
  const bundle = bundleFor(rules);
  const plain = bundleFor(rules, {}, { stateNeeds: false });
  let at = 0;
  while (bundle.bytes[at] === plain.bytes[at]) at++; // the count's low byte (fewer than 256 records here)
  const view = new DataView(bundle.bytes.buffer, bundle.bytes.byteOffset);
  const count = view.getUint32(at, true);
  const first = at + 4;
  const n = view.getUint32(first + 8, true);
  const second = first + 12 + n * 24;
  const loads = (mutate: (v: DataView) => void): boolean => loadsChanged(bundle, mutate);

  it("finds the section (and the bundle loads and answers)", () => {
    expect(view.getUint32(at, true)).toBeGreaterThan(1);
    expect(new DataView(plain.bytes.buffer, plain.bytes.byteOffset).getUint32(at, true)).toBe(0);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThanOrEqual(4);
    expect(bundle.bytes.length - plain.bytes.length).toBeGreaterThan(count * 36);
    expect(engineWith(bundle).preCall({ tool: "t", args: { text: "call 212-555-0147 now" }, now: 1 }).violations.map((v) => v.span)).toEqual([{ start: 5, end: 17 }]);
  });

  it("a record that refuses every unit hides the matches from its state", () => {
    // Every record's needs set to "no unit allowed": no family run starts from a state that has one.
    const hiding = engineWith(refusingEveryUnit(bundle, plain));
    const e = engineWith(bundle);
    const text = "call 212-555-0147, card 4111 1111 1111 1111, ssn 123-45-6789.";
    expect(e.preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBe(3);
    expect(hiding.preCall({ tool: "t", args: { text }, now: 1 }).violations.length).toBeLessThan(3);
  });

  it("refuses a record out of order, a state or table it does not have, and needs out of range", () => {
    expect(loads(() => {})).toBe(true);
    expect(loads((v) => v.setUint32(first + 16, 0xffffffff, true))).toBe(true); // any ASCII word: a weaker need, still well formed
    expect(loads((v) => v.setUint32(first, 0xffff, true))).toBe(false); // no such table
    expect(loads((v) => v.setUint32(first + 4, 0, true))).toBe(false); // the dead state
    expect(loads((v) => v.setUint32(first + 4, 0xffff, true))).toBe(false); // beyond the table
    expect(loads((v) => v.setUint32(first + 8, 0, true))).toBe(false); // no needs
    expect(loads((v) => v.setUint32(first + 8, 5, true))).toBe(false); // more than four
    expect(loads((v) => v.setUint32(first + 12, 64, true))).toBe(false); // too far
    expect(loads((v) => v.setUint32(first + 12 + 20, 2, true))).toBe(false); // wide is 0 or 1
    expect(loads((v) => v.setUint32(second + 4, v.getUint32(first + 4, true), true))).toBe(false); // the same state twice
    expect(loads((v) => v.setUint32(at, count + 1, true))).toBe(false); // a record more than there is
  });
});
