// Heads split over several tables. A policy whose heads need more than HEAD_SET_MAX_STATES (16,384)
// states in one head-set table gets several (engine/compiler/bundle.ts headGroups), and the
// engine scans them one after the other, then merges their matches into rule order
// (entities.ts sortByRule). The built-in rules fit one table (6,392 states), so the other suites
// never take that path: here the same policies are compiled with smaller budgets, forcing
// 2 to 10-odd tables, and every answer must be byte for byte the one-table answer. (1,200 is about
// the smallest budget: the numeric family's head, its product table cut at seven units with the
// state each word leads to, needs some 1,070 states alone.)
import { describe, expect, it } from "vitest";
import { bundleFor, engineWith as engineOf } from "../engine/helpers.js";
import { ALL_RULES, answerOf, differentialTexts, prng } from "./helpers.js";

describe("heads split over several tables answer as one table", () => {
  for (const families of [true, false]) {
    it(`every rule${families ? "" : ", one head per rule (no family)"}: budgets of 4,000, 2,000 and 1,200 states`, { timeout: 600_000 }, () => {
      const one = bundleFor(ALL_RULES, {}, { families });
      const reference = engineOf(one);
      const texts = differentialTexts();
      const want = texts.map((t) => answerOf(reference, t));
      expect(want.filter((a) => a.length > 48).length).toBeGreaterThan(300); // answers with a finding (48 hex digits: none)
      for (const headSetMaxStates of [4000, 2000, 1200]) {
        const split = bundleFor(ALL_RULES, {}, { families, headSetMaxStates });
        // a bundle identical to the one-table bundle would mean nothing was split
        expect(split.bytes.length, `${headSetMaxStates}`).toBeLessThan(one.bytes.length);
        const e = engineOf(split);
        for (const [i, t] of texts.entries()) expect(answerOf(e, t), `${headSetMaxStates} states: ${JSON.stringify(t.slice(0, 200))}`).toBe(want[i]);
      }
    });
  }

  it("with a random per-call scope (rules excluded) and report window on every text", { timeout: 180_000 }, () => {
    const one = bundleFor(ALL_RULES);
    const split = bundleFor(ALL_RULES, {}, { headSetMaxStates: 1200 });
    const a = engineOf(one);
    const b = engineOf(split);
    const rules = one.meta.index.contentRules.length;
    const words = (rules + 31) >>> 5;
    const r = prng(5);
    let findings = 0;
    for (const text of differentialTexts()) {
      const mask = new Uint32Array(words).map(() => (r() < 0.5 ? 0 : (r() * 2 ** 32) >>> 0));
      if (rules % 32 !== 0) mask[words - 1]! &= (1 << (rules % 32)) - 1; // only the policy's rules
      const from = Math.floor(r() * text.length);
      const to = from + Math.floor(r() * (text.length - from + 1));
      const req = { tool: "t", args: text, now: 1, excludeEntities: r() < 0.7 ? mask : null, reportWindow: r() < 0.5 ? { from, to } : null };
      findings += a.preCall(req).violations.length;
      const want = Buffer.from(a.lastAnswer()).toString("hex");
      b.preCall(req);
      expect(Buffer.from(b.lastAnswer()).toString("hex"), JSON.stringify(text.slice(0, 120))).toBe(want);
    }
    expect(findings).toBeGreaterThan(300);
  });
});
