// Back memos (compiler: engine/compiler/back-memo.ts; engine: entities.ts backStart), nearest
// starts (regex.ts `firstAccept`) and gates (EntityDef.gate; entities.ts tryRule). The password-flag rules' back part (a command and up to six
// arguments before the flag) can run over the rule's own heads: on `-pa -pa …` every backward scan
// read six arguments back. A scan now ends where the rule's last failed scan took its first step,
// when its state there accepts no more than that scan's did. So:
//   - soundness, as a property: a state given a first state's bit accepts nothing that first
//     state does not (random patterns, random strings);
//   - the same answers with and without memos (every rule, differential texts, command lines);
//   - the work they save, and the loader's checks of the section;
//   - gates: a flag is a candidate only when one of its rule's commands ended within reach before
//     it; the same answers with and without them, split head sets included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backMemo } from "../../engine/compiler/back-memo.js";
import { parseTable, type DfaTable } from "../../engine/compiler/dfa-sim.js";
import { compilePattern } from "../../engine/compiler/regex.js";
import { bundleFor, engineWith } from "../engine/helpers.js";
import { ALL_RULES, answerOf, commandLines, expectSameAnswers, loadsChanged, patternPiece, prng, workPerUnit } from "./helpers.js";

const reverseTable = (source: string, firstAccept = false): DfaTable => parseTable(compilePattern(source, { kind: "reverse", firstAccept }));
const classOf = (t: DfaTable, ch: string): number => t.ascii[ch.charCodeAt(0)] as number;
/** The state table `t` is in after `units` from `from` (0: dead). */
const walk = (t: DfaTable, from: number, units: string): number => {
  let s = from;
  for (const ch of units) s = s === 0 ? 0 : (t.trans[s * t.classes + classOf(t, ch)] as number);
  return s;
};
const accepts = (t: DfaTable, from: number, units: string): boolean => t.accepting[walk(t, from, units)] === true;
const ARGS = "(?:[ \\t]{1,4}[^\\s|;&]{1,32}){0,6}[ \\t]{1,4}";
/** `count` random command lines (helpers.ts commandLines) of `min` to `min + spread` units each. */
const commandLineTexts = (seed: number, count: number, min: number, spread: number): string[] => {
  const r = prng(seed);
  return Array.from({ length: count }, () => commandLines(r, min + Math.floor(r() * spread)));
};

describe("backMemo", () => {
  it("a command and its arguments: after k arguments, a state that accepts no more than the first step; mid-argument, none", () => {
    const t = reverseTable(`sshpass${ARGS}`);
    const memo = backMemo(t);
    expect(memo).toBeDefined();
    const bit = memo?.firstBit[classOf(t, " ")] as number;
    expect(bit).not.toBe(0);
    const first = walk(t, 1, " ");
    expect((memo?.masks[first] as number) & bit).toBe(bit);
    // read backwards from a head: the space before it, then `-pa`, then the space before that
    for (let k = 1; k <= 5; k++) expect((memo?.masks[walk(t, 1, ` ${"ap- ".repeat(k)}`)] as number) & bit, `${k} arguments`).toBe(bit);
    expect((memo?.masks[walk(t, 1, " ap")] as number) & bit).toBe(0); // inside an argument: it may go on
    // a back part that cannot run over its head has none (its scans never meet)
    expect(backMemo(reverseTable("[0-9]{8,10}"))).toBeUndefined();
  });

  it("property: a state with a first state's bit accepts only what that first state accepts", () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(patternPiece, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (pieces, seed) => {
        // runs of pieces between separators, like arguments: so that states include one another
        const source = `x(?:${pieces.map((p) => p.source).join("")} ){0,3}`;
        const t = reverseTable(source);
        const memo = backMemo(t);
        if (memo === undefined) return;
        const r = prng(seed);
        const firsts = [...new Set(memo.firstBit.map((bit, c) => (bit === 0 ? -1 : (t.trans[t.classes + c] as number))).filter((s) => s > 0))];
        for (let s = 1; s < t.states; s++) {
          for (const f of firsts) {
            const bit = memo.firstBit[t.trans.slice(t.classes, 2 * t.classes).indexOf(f)] as number;
            if (((memo.masks[s] as number) & bit) === 0) continue;
            for (let k = 0; k < 20; k++) {
              const w = Array.from({ length: Math.floor(r() * 12) }, () => "xab.-19 z"[Math.floor(r() * 9)]).join("");
              if (accepts(t, s, w)) expect(accepts(t, f, w), `${source}: state ${s} accepts ${JSON.stringify(w)}, first state ${f} does not`).toBe(true);
              checked++;
            }
          }
        }
      }),
      { numRuns: 200, seed: 20261127 },
    );
    expect(checked).toBeGreaterThan(5_000);
  });

  it("firstAccept: a reverse table that ends at its first start finds the nearest one", () => {
    const leftmost = reverseTable("x(?:-x)*");
    const nearest = reverseTable("x(?:-x)*", true);
    expect(accepts(leftmost, 1, "x-x")).toBe(true);
    expect(accepts(nearest, 1, "x")).toBe(true);
    expect(walk(nearest, 1, "x-")).toBe(0);
  });
});

describe("back memos: the same answers as scans without them", () => {
  it("every rule: differential texts (command lines among them), byte for byte", { timeout: 180_000 }, () => {
    expectSameAnswers(engineWith(bundleFor(ALL_RULES)), engineWith(bundleFor(ALL_RULES, {}, { backMemos: false })));
  });

  it("long command lines: flags, commands and separators in every order", { timeout: 120_000 }, () => {
    expectSameAnswers(engineWith(bundleFor(ALL_RULES)), engineWith(bundleFor(ALL_RULES, {}, { backMemos: false })), commandLineTexts(11, 200, 200, 3000), 150);
  });

  it("each flag's value is its own match, and the nearest command before the flag is its start", () => {
    const e = engineWith(bundleFor(ALL_RULES));
    const spans = (text: string) =>
      e
        .preCall({ tool: "t", args: { text }, now: 1 })
        .violations.filter((v) => /(mysql_password_flag|sshpass_password)$/.test(v.rule ?? ""))
        .map((v) => text.slice(v.span?.start, v.span?.end));
    expect(spans("mysql -u root -pFirst1 -pSecond2 db")).toEqual(["First1", "Second2"]);
    expect(spans("mysql -pS3cret mysql -pOther9")).toEqual(["S3cret", "Other9"]);
    expect(spans("sshpass -p 'hunter2' ssh -p 22 host")).toEqual(["hunter2"]);
    expect(spans("mkdir -p a b c d e f g h mysql -p db")).toEqual([]);
  });
});

describe("back memos: contexts that run over their own heads", () => {
  // A custom type's context is a back part too. These can read a head (`k1`), so scans meet, in
  // states that do and do not accept less than the earlier scan's first state (the first two: an
  // engine that stopped at every such meeting, whatever the state, found fewer matches).
  const contexts = ["k1y?k1[ayz]{0,2}[ayz]{0,2}", "(?:a{1,2}k1[ayz]{0,2}k1|[ay]yk1a?)", "x(?:k1|a){0,4}", "(?:xk1|a)[ay]{0,2}(?:k1)?[ay]{0,3}", "z(?:[ay]k?1?){1,4} ?"];
  const pieces = ["a", "y", "z", "x", "k1", "k1", " "];
  it("random texts: the same answers with and without memos", { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.constantFrom(...contexts), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (context, seed) => {
        const rules = { pii_redaction: { enabled: true, categories: [], custom: [{ name: "ctx", pattern: "k[0-9]", context }] } };
        const a = engineWith(bundleFor(rules));
        const b = engineWith(bundleFor(rules, {}, { backMemos: false }));
        const r = prng(seed);
        for (let k = 0; k < 40; k++) {
          const text = Array.from({ length: 10 + Math.floor(r() * 60) }, () => pieces[Math.floor(r() * pieces.length)]).join("");
          expect(answerOf(a, text), `${context}: ${text}`).toBe(answerOf(b, text));
        }
      }),
      { numRuns: 120, seed: 20261128 },
    );
  });
});

describe("back memos: the work they save", () => {
  it("texts of flags: each unit read about once per rule, where scans read six arguments back (more shapes: accel.test.ts)", { timeout: 240_000 }, () => {
    // without gates (below), so that every `-p` is scanned back from
    const memo = engineWith(bundleFor(ALL_RULES, {}, { gates: false }));
    const none = engineWith(bundleFor(ALL_RULES, {}, { gates: false, backMemos: false }));
    // two rules take `-pab` (mysql, sshpass): each flag costs each a run (about five units) and
    // a backward scan that reads back to the last flag (about five), where it read six arguments
    const attached = "-pab ".repeat(4000);
    expect(workPerUnit(none, attached)).toBeGreaterThan(12);
    expect(workPerUnit(memo, attached)).toBeLessThan(5);
    const separate = "-p ab ".repeat(3000);
    expect(workPerUnit(none, separate)).toBeGreaterThan(7);
    expect(workPerUnit(memo, separate)).toBeLessThan(5);
  });
});

describe("gates: a flag is a candidate only after one of its commands", () => {
  it("the same answers with and without gates: differential texts and long command lines, byte for byte", { timeout: 180_000 }, () => {
    const a = engineWith(bundleFor(ALL_RULES));
    const b = engineWith(bundleFor(ALL_RULES, {}, { gates: false }));
    expectSameAnswers(a, b);
    expectSameAnswers(a, b, commandLineTexts(12, 200, 200, 3000), 150);
  });

  it("flags with no command of their rule before them cost no scan", { timeout: 60_000 }, () => {
    const gated = engineWith(bundleFor(ALL_RULES));
    const open = engineWith(bundleFor(ALL_RULES, {}, { gates: false }));
    for (const text of ["-pa ".repeat(5000), "-p a ".repeat(4000), "ssh -p 22 host; mkdir -p /tmp/x; ".repeat(600)]) {
      expect(workPerUnit(open, text), text.slice(0, 20)).toBeGreaterThan(0.5);
      expect(workPerUnit(gated, text), text.slice(0, 20)).toBe(0);
    }
    // a command more than a rule's longest match (600 units) before the flag is no context
    const far = `mysql ${"x".repeat(700)} -pS3cretPass`;
    expect(gated.preCall({ tool: "t", args: { text: far }, now: 1 }).violations).toEqual([]);
    expect(gated.preCall({ tool: "t", args: { text: "mysql -u root -pS3cretPass" }, now: 1 }).violations.length).toBe(1);
  });

  it("a split head set keeps a gate only where its heads and its rule's share a table", { timeout: 360_000 }, () => {
    // budgets that split every rule's heads over several tables: answers as with one table
    const texts = commandLineTexts(13, 80, 100, 1500);
    for (const budget of [2_000, 1_200]) {
      // (fresh engines for each budget: an answer holds the engine's call state)
      expectSameAnswers(engineWith(bundleFor(ALL_RULES, {}, { headSetMaxStates: budget })), engineWith(bundleFor(ALL_RULES)), texts, 60);
    }
  });
});

describe("back memos: the loader checks them", () => {
  // The section is the first difference between the bundles with and without memos: its count,
  // then one record (sshpass's back part: its first state, after a space, does not accept).
  const rules = { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true, categories: ["sshpass_password"] } } };
  const bundle = bundleFor(rules);
  const plain = bundleFor(rules, {}, { backMemos: false });
  let at = 0;
  while (bundle.bytes[at] === plain.bytes[at]) at++;
  const view = new DataView(bundle.bytes.buffer, bundle.bytes.byteOffset);
  const classes = view.getUint32(at + 8, true);
  const bits = at + 12;
  const masks = bits + 4 * classes + 4;
  const firstClass = Array.from({ length: classes }, (_, c) => view.getUint32(bits + 4 * c, true)).findIndex((b) => b !== 0);

  it("finds the section and refuses records out of order, wrong sizes and impossible masks", () => {
    expect(view.getUint32(at, true)).toBe(1);
    expect(firstClass).toBeGreaterThanOrEqual(0);
    expect(loadsChanged(bundle, () => {})).toBe(true);
    expect(loadsChanged(bundle, (v) => v.setUint32(at, 1 << 20, true))).toBe(false); // count past the data
    expect(loadsChanged(bundle, (v) => v.setUint32(at + 8, classes + 1, true))).toBe(false); // not its table's classes
    expect(loadsChanged(bundle, (v) => v.setUint32(bits + 4 * firstClass, 3, true))).toBe(false); // two bits for one state
    expect(loadsChanged(bundle, (v) => v.setUint32(masks, 1, true))).toBe(false); // the dead state with a bit
    // the first state must include itself
    const bit = view.getUint32(bits + 4 * firstClass, true);
    const states = view.getUint32(masks - 4, true);
    expect(loadsChanged(bundle, (v) => { for (let s = 1; s < states; s++) v.setUint32(masks + 4 * s, v.getUint32(masks + 4 * s, true) & ~bit, true); })).toBe(false);
    // a state given a bit, though it accepts where its first state does not (the start: empty back part)
    expect(loadsChanged(bundle, (v) => { for (let s = 1; s < states; s++) v.setUint32(masks + 4 * s, v.getUint32(masks + 4 * s, true) | bit, true); })).toBe(false);
  });
});

describe("gates: the loader checks them", () => {
  // sshpass's rule (a back part and a gate) and GitHub's classic tokens (neither): content
  // indices 0 and 1, in the order the secret rules are listed. A gate is marked in the head-group
  // entries: the rule's own head with state GATE_RULE, its command's heads with GATE_MARK.
  const rules = { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true, categories: ["github_pat", "sshpass_password"] } } };
  const bundle = bundleFor(rules);
  const view = new DataView(bundle.bytes.buffer, bundle.bytes.byteOffset);
  const GATE_MARK = (1 << 19) - 1;
  const GATE_RULE = (1 << 19) - 2;
  const entries = (word: number): number[] => {
    const out: number[] = [];
    for (let p = 0; p + 4 <= bundle.bytes.length; p++) if (view.getUint32(p, true) === word) out.push(p);
    return out;
  };
  const ruleEntries = entries(GATE_RULE * 4096 + 1);
  const markEntries = entries(GATE_MARK * 4096 + 1);

  it("finds the entries: sshpass's head, marked as gated, and its command's heads", () => {
    expect(ruleEntries.length).toBe(1);
    expect(markEntries.length).toBeGreaterThan(0);
    expect(loadsChanged(bundle, () => {})).toBe(true);
    // without its mark the rule is simply not gated: a weaker condition, the same answers
    expect(loadsChanged(bundle, (v) => v.setUint32(ruleEntries[0] as number, 1, true))).toBe(true);
  });

  it("refuses either mark on a rule without a back part", () => {
    expect(loadsChanged(bundle, (v) => v.setUint32(ruleEntries[0] as number, GATE_RULE * 4096, true))).toBe(false);
    expect(loadsChanged(bundle, (v) => v.setUint32(markEntries[0] as number, GATE_MARK * 4096, true))).toBe(false);
  });
});
