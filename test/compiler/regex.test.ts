import { describe, expect, it } from "vitest";
import { BudgetError, PatternError } from "../../core/errors.js";
import { checkPattern, compilePattern, type DfaKind } from "../../engine/compiler/regex.js";
import { findAll, fullMatch, parseTable, reverseStart, searchFirstEnd } from "../../engine/compiler/dfa-sim.js";
import { assertCanonical, classVector } from "./table-helpers.js";

function rejects(source: string): PatternError {
  let caught: unknown;
  try {
    checkPattern(source);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(PatternError);
  // compilePattern rejects the same way, for every kind.
  for (const kind of ["search", "anchored", "reverse"] as const) {
    expect(() => compilePattern(source, { kind })).toThrow(PatternError);
  }
  const err = caught as PatternError;
  expect(err.code).toBe("pattern_unsupported");
  expect(err.pattern).toBe(source);
  expect(err.message).toContain(JSON.stringify(source));
  return err;
}

describe("unsupported and malformed patterns", () => {
  const cases: [string, RegExp, number][] = [
    ["^^a", /anchor in the middle/, 1],
    [String.raw`(a)\1`, /backreferences are not supported/, 3],
    [String.raw`(?<x>a)\k<x>`, /backreferences are not supported/, 7],
    ["a(?=b)", /lookahead assertions are not supported/, 1],
    ["a(?!b)", /lookahead assertions are not supported/, 1],
    ["(?<=a)b", /lookbehind assertions are not supported/, 0],
    ["(?<!a)b", /lookbehind assertions are not supported/, 0],
    [String.raw`\bfoo`, /word-boundary assertions are not supported by the linear-time engine yet/, 0],
    [String.raw`foo\B`, /word-boundary assertions are not supported by the linear-time engine yet/, 3],
    ["a^b", /anchor in the middle/, 1],
    ["a$b", /anchor in the middle/, 1],
    ["(?:a^)", /anchor in the middle/, 4],
    ["(^a)*", /anchor in the middle/, 1],
    ["a*^b", /anchor in the middle/, 2],
    ["(?:a$)+", /anchor in the middle/, 4],
    ["a$|b", /`\$` must end every alternative/, 1],
    ["(?:a|$)b", /anchor in the middle/, 5],
    ["(?:a|b$)$", /anchor in the middle/, 6],
    [String.raw`\p{L}`, /need the u flag/, 0],
    [String.raw`[\P{L}]`, /need the u flag/, 1],
    [String.raw`\u{1F600}`, /need the u flag/, 0],
  ];
  for (const [source, message, index] of cases) {
    it(`rejects ${source}`, () => {
      const err = rejects(source);
      expect(err.message).toMatch(message);
      expect(err.message).toContain(`at index ${index}`);
    });
  }

  for (const source of ["(", "a)", "[a", "a{2,1}", "*a", "a**", "(?<n>a)(?<n>b)", "(?i:a)", "\\"]) {
    it(`rejects malformed ${JSON.stringify(source)} with the parser's message`, () => {
      const err = rejects(source);
      expect(err.message).toMatch(/Invalid regular expression/);
      expect(err.message).toMatch(/at index \d+/);
    });
  }

  it("rejects non-string sources and unknown kinds", () => {
    expect(() => checkPattern(42 as unknown as string)).toThrow(PatternError);
    expect(() => compilePattern("a", { kind: "forward" as DfaKind })).toThrow(PatternError);
  });

  it("accepts what the linear-time engine supports", () => {
    for (const source of [
      "",
      "a|",
      "(?:)",
      "abc",
      String.raw`\d+\.\d*`,
      String.raw`[^\s\S]`,
      String.raw`[\b]`,
      String.raw`\w\W\s\S\D`,
      "(?<name>a|b)+?c{2}d{1,}e{1,3}?",
      "^a|^b",
      "(?:^|[^A-Za-z_])eval\\s*\\(",
      "(?:^a|^b)$",
      "(?:(?:^a)|^b)c",
      "(?:a$|b$)",
      "a{,3}", // Annex B: literal "{,3}", as V8 reads it
      "]",
      String.raw`\1`, // Annex B octal escape (no groups), as V8 reads it
      String.raw`\cJ\x41\u0042\0`,
      "\\/",
    ]) {
      expect(() => checkPattern(source), source).not.toThrow();
      for (const kind of ["search", "anchored", "reverse"] as const) compilePattern(source, { kind });
    }
  });
});

describe("budget", () => {
  it("throws BudgetError past maxStates, naming the pattern and the counts", () => {
    const source = "a[ab]{8}"; // 2^9 search states
    const ok = compilePattern(source, { kind: "search" });
    expect(ok.states).toBeGreaterThan(512);
    let caught: unknown;
    try {
      compilePattern(source, { kind: "search", maxStates: 100 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(BudgetError);
    expect((caught as BudgetError).code).toBe("budget_exceeded");
    expect((caught as BudgetError).message).toContain(JSON.stringify(source));
    expect((caught as BudgetError).message).toMatch(/100/);
    // The anchored and reverse forms of the same pattern stay small.
    expect(compilePattern(source, { kind: "anchored", maxStates: 100 }).states).toBeLessThan(20);
    expect(compilePattern(source, { kind: "reverse", maxStates: 100 }).states).toBeLessThan(20);
  });

  it("stops subset construction early on an exponential blow-up", () => {
    const source = "[ab]*a[ab]{30}"; // 2^31 states: must not be attempted
    const t0 = Date.now();
    expect(() => compilePattern(source, { kind: "search" })).toThrow(BudgetError);
    expect(() => compilePattern(source, { kind: "search" })).toThrow(/raw states/);
    expect(Date.now() - t0).toBeLessThan(20_000); // sanity only: it is bounded by the node limit
  });

  it("bounds the subset-construction work (few raw states, huge state sets)", () => {
    const t0 = Date.now();
    expect(() => compilePattern("[a-z]{0,30000}", { kind: "search" })).toThrow(/subset construction exceeded \d+ steps/);
    expect(() => compilePattern("(?:a|b|ab){0,2000}c", { kind: "reverse" })).toThrow(BudgetError);
    expect(Date.now() - t0).toBeLessThan(20_000); // sanity only: it is bounded by a step count
  });

  it("rejects absurd nesting and length as PatternError", () => {
    expect(() => checkPattern(`${"(".repeat(300)}a${")".repeat(300)}`)).toThrow(/nested more than 200 deep/);
    expect(() => checkPattern(`${"(".repeat(9000)}${")".repeat(9000)}`)).toThrow(PatternError);
    expect(() => checkPattern("a".repeat(20_001))).toThrow(/limit is 20000/);
  });

  it("stops huge counted repetitions while building the NFA", () => {
    expect(() => compilePattern("[a-z]{1,60000}", { kind: "anchored" })).toThrow(BudgetError);
    expect(() => compilePattern("(?:(?:a{100}){100}){100}", { kind: "anchored" })).toThrow(BudgetError);
  });

  it("counts the dead state and validates maxStates", () => {
    expect(compilePattern("abc", { kind: "anchored" }).states).toBe(5);
    expect(compilePattern("abc", { kind: "anchored", maxStates: 5 }).states).toBe(5);
    expect(() => compilePattern("abc", { kind: "anchored", maxStates: 4 })).toThrow(BudgetError);
    expect(() => compilePattern("abc", { kind: "anchored", maxStates: 1 })).toThrow(BudgetError);
    expect(() => compilePattern("abc", { kind: "anchored", maxStates: 2.5 })).toThrow(BudgetError);
  });
});

describe("tables", () => {
  const sources = ["abc", "a|a[^z]*z", "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+", "é+[^\\u0100-\\uFFFF]", ""];
  it("are byte-identical across compilations", () => {
    for (const source of sources) {
      for (const kind of ["search", "anchored", "reverse"] as const) {
        for (const caseInsensitive of [false, true]) {
          const a = compilePattern(source, { kind, caseInsensitive });
          const b = compilePattern(source, { kind, caseInsensitive });
          expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
        }
      }
    }
  });

  it("are canonical (BFS order, minimal states and classes) and parse back", () => {
    for (const source of sources) {
      for (const kind of ["search", "anchored", "reverse"] as const) {
        const d = compilePattern(source, { kind });
        const t = assertCanonical(d.bytes);
        expect(t.states).toBe(d.states);
        expect(t.classes).toBe(d.classes);
      }
    }
  });

  it("have the documented layout", () => {
    const d = compilePattern("ab", { kind: "anchored" });
    const v = new DataView(d.bytes.buffer, d.bytes.byteOffset);
    expect(v.getUint32(0, true)).toBe(4); // dead, start, after a, after ab
    expect(v.getUint32(4, true)).toBe(3); // other, a, b
    expect(v.getUint32(8, true)).toBe(0);
    expect(d.bytes[12 + 0x61]).toBe(1);
    expect(d.bytes[12 + 0x62]).toBe(2);
    expect(d.bytes[12 + 0x63]).toBe(0);
    expect(v.getUint32(140, true)).toBe(0); // no ranges: everything above 0x7F is class 0
    const trans = Array.from({ length: 12 }, (_, i) => v.getUint16(144 + i * 2, true));
    expect(trans).toEqual([0, 0, 0, /* start */ 0, 2, 0, /* a */ 0, 0, 3, /* ab */ 0, 0, 0]);
    expect(Array.from(d.bytes.subarray(168))).toEqual([0, 0, 0, 1]);
    expect(d.bytes.length).toBe(172);
  });

  it("puts the class with the most ranges in class 0", () => {
    // Outside the listed units everything is "other"; the non-ASCII units get explicit ranges.
    const d = compilePattern("[é\\u4e00\\uffff]", { kind: "anchored" });
    const t = parseTable(d.bytes);
    const v = classVector(t);
    expect(v[0x41]).toBe(0);
    expect(v[0x1234]).toBe(0);
    expect(v[0xe9]).toBe(v[0x4e00]);
    expect(v[0xe9]).not.toBe(0);
    expect(t.ranges.map((r) => [r.lo, r.hi])).toEqual([
      [0xe9, 0xe9],
      [0x4e00, 0x4e00],
      [0xffff, 0xffff],
    ]);
    // A negated class: the big class is "not in the set".
    const n = parseTable(compilePattern("[^é]", { kind: "anchored" }).bytes);
    expect(n.ranges).toEqual([{ lo: 0xe9, hi: 0xe9, cls: 1 }]);
  });

  it("empty language: the start state is dead", () => {
    const d = compilePattern("[]", { kind: "search" });
    expect(d.states).toBe(2);
    expect(searchFirstEnd(d, "anything")).toBe(-1);
    assertCanonical(d.bytes);
  });
});

describe("semantics", () => {
  const tables = (source: string, caseInsensitive = false) => ({
    search: compilePattern(source, { kind: "search", caseInsensitive }),
    anchored: compilePattern(source, { kind: "anchored", caseInsensitive }),
    reverse: compilePattern(source, { kind: "reverse", caseInsensitive }),
  });

  it("search reports the earliest end, reverse the leftmost start", () => {
    const t = tables("b+|ab");
    expect(searchFirstEnd(t.search, "xxabbb")).toBe(4); // "ab" and "b" both end at 4
    expect(reverseStart(t.reverse, "xxabbb", 4)).toBe(2);
    expect(fullMatch(t.anchored, "ab")).toBe(true);
    expect(fullMatch(t.anchored, "abb")).toBe(false);
    expect(findAll(t.search, t.reverse, "xxabbb ab")).toEqual([
      [2, 4],
      [4, 5],
      [5, 6],
      [7, 9],
    ]);
  });

  it("case-insensitive uses JS (non-unicode) case folding", () => {
    const t = tables("straße|é", true);
    expect(searchFirstEnd(t.search, "STRAßE")).toBe(6);
    expect(searchFirstEnd(t.search, "É")).toBe(1);
    expect(searchFirstEnd(t.search, "strasse")).toBe(-1);
    // /s/i does not match U+017F (ſ) without the u flag; /k/i does not match U+212A (K).
    const k = tables("sk", true);
    expect(searchFirstEnd(k.search, "ſK")).toBe(-1);
    expect(searchFirstEnd(k.search, "SK")).toBe(2);
  });

  it("`.` excludes line terminators; [^] does not", () => {
    const dot = tables("a.b");
    for (const lt of ["\n", "\r", "\u2028", "\u2029"]) expect(searchFirstEnd(dot.search, `a${lt}b`)).toBe(-1);
    expect(searchFirstEnd(dot.search, "a\u{1F600}b")).toBe(-1); // two code units
    expect(searchFirstEnd(tables("a..b").search, "a\u{1F600}b")).toBe(4);
    expect(searchFirstEnd(tables("a[^]b").search, "a\nb")).toBe(3);
  });

  it("all-`^` patterns are start-anchored and get no search prefix", () => {
    const t = tables("^ab|^c");
    expect(t.search.startAnchored).toBe(true);
    expect(t.search.endAnchored).toBe(false);
    expect(searchFirstEnd(t.search, "abx")).toBe(2);
    expect(searchFirstEnd(t.search, "xab")).toBe(-1);
    expect(searchFirstEnd(t.search, "cab", 1)).toBe(-1); // may only start at 0
  });

  it("`$` sets endAnchored: the search accepts only at the end", () => {
    const t = tables("ab$|b$");
    expect(t.search.endAnchored).toBe(true);
    expect(searchFirstEnd(t.search, "abab")).toBe(4);
    expect(searchFirstEnd(t.search, "aba")).toBe(-1);
    expect(reverseStart(t.reverse, "abab", 4)).toBe(2);
    const e = tables("a*$");
    expect(searchFirstEnd(e.search, "")).toBe(0);
    expect(searchFirstEnd(e.search, "b")).toBe(1);
  });

  it("mixed `^`: exact search from position 0", () => {
    const t = tables("(?:^|[^A-Za-z_])eval\\(", true);
    expect(t.search.startAnchored).toBe(false);
    expect(searchFirstEnd(t.search, "eval(x)")).toBe(5);
    expect(searchFirstEnd(t.search, "x = EVAL(1)")).toBe(9);
    expect(searchFirstEnd(t.search, "medieval(")).toBe(-1);
    expect(searchFirstEnd(t.search, "_eval(")).toBe(-1);
    expect(reverseStart(t.reverse, "eval(x)", 5)).toBe(0);
    expect(reverseStart(t.reverse, "x = EVAL(1)", 9)).toBe(3);
  });
});
