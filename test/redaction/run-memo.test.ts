// The engine remembers, per rule, its last forward run that died (engine/assembly/entities.ts
// tryRule) and answers a later start over the same units from that memo instead of running the
// automaton again. That must never change an answer: here the engine's spans are compared with a
// plain model of the per-rule semantics (try every start at or after the previous match's end;
// the longest match of the anchored table, read with the reference interpreter dfa-sim.ts; keep
// it if the check passes), on periodic texts — where the memo is used at every period — with a
// few units changed, so the memo's window sometimes matches and sometimes differs by one unit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { piiPattern } from "../../engine/compiler/pii.js";
import { engineFor } from "../engine/helpers.js";
import { detect, modelSpans, ruleModel } from "./helpers.js";

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isWord = (c: string | undefined): boolean => c !== undefined && /[0-9A-Za-z_]/.test(c);

// phone (pii.ts): no digit right before or after; no word character touching a digit at either
// end; bare digits (ten, or eleven after a 1) only with an area code from 2-9, and not a constant
// of code (checks.ts impersonalNumber); not digits around one `.` (a decimal), nor either part of
// a decimal number; not a number code or a changelog writes (checks.ts codeNumber: a negative
// literal, a commit's hash after `(merge ` or as a link's code text, an issue comment's anchor).
const phone = piiPattern("phone")!;
const WORD = 1n << 32n;
const impersonal = (m: string): boolean => {
  if (!/^[0-9]+$/.test(m)) return false;
  const x = BigInt(m);
  if (x === 0n) return false;
  if (/^(.)\1*$/.test(m)) return true; // one digit repeated
  // eight or more digits counting up or down, 9 to 0 and 0 to 9 included
  const step = (d: number) => [...m].every((c, i) => i === 0 || Number(c) === (Number(m[i - 1]) + d + 10) % 10);
  if (m.length >= 8 && (step(1) || step(-1))) return true;
  if ((x & (x - 1n)) === 0n || (x & (x + 1n)) === 0n || (x & 0xffffn) === 0n) return true;
  if (x < WORD && x >= WORD - 0x10000n) return true; // a small negative 32-bit integer
  const rest = WORD - x;
  return x < WORD && (rest & (rest - 1n)) === 0n;
};
const PHONE = ruleModel(phone.source, phone.maxLen, (t, s, e) => {
  const m = t.slice(s, e);
  if (e - s === 10 && (t[s] === "0" || t[s] === "1")) return false;
  if (impersonal(m)) return false;
  if (/(?:^|[^A-Za-z])commits?\/$/.test(t.slice(0, s))) return false; // a commit's short hash in a URL
  if (isDigit(t[s])) {
    const before = t.slice(Math.max(0, s - 13), s);
    if (/[=&|([{,;:?!~^*/+<> \t]-$/.test(before) || /\(merge $/.test(before) || before.endsWith("issuecomment-")) return false;
    if (before.endsWith("[`") && t.startsWith("`](", e)) return false;
  }
  if (/^1[01][0-9]{9}$/.test(m)) return false;
  if (/^[0-9]*\.[0-9]*$/.test(m)) return false;
  if (t[s - 1] === "." && isDigit(t[s - 2]) && isDigit(t[s])) return false;
  if (t[e] === "." && isDigit(t[e + 1]) && isDigit(t[e - 1])) return false;
  if (isDigit(t[s - 1]) || isDigit(t[e])) return false;
  if (isDigit(t[s]) && isWord(t[s - 1])) return false;
  if (isDigit(t[e - 1]) && isWord(t[e])) return false;
  return true;
});
// A custom type whose runs often accept and then read on before dying (the memo keeps the best
// end too), with a length bound the check applies (custom: boundary none, min_len 9).
const KEY_SOURCE = "k[a-z_]{0,6}=[a-z0-9]{3,12}";
const KEY = ruleModel(KEY_SOURCE, 20, (_t, s, e) => e - s >= 9);

const policy = { pii_redaction: { enabled: true, categories: ["phone"], custom: [{ name: "memo_key", pattern: KEY_SOURCE, boundary: "none", min_len: 9 }] } };

/** A unit string repeated, then a few units replaced: the texts the memo is used on, and its near misses. */
const periodic = (alphabet: readonly string[]) =>
  fc
    .tuple(fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 14 }), fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...alphabet)), { maxLength: 3 }))
    .map(([unit, times, edits]) => {
      const chars = [...unit.join("").repeat(times)];
      for (const [at, c] of edits) chars[at % chars.length] = c;
      return chars.join("");
    });

const PHONE_ALPHABET = ["1", "2", "5", "9", "0", " ", "-", ".", "(", ")", "+", "x", "555", "123", "4567", "1234 "];
const KEY_ALPHABET = ["k", "_", "=", "a", "z", "0", "7", " ", "key=", "kk", "abc", "=="];

describe("per-rule memo of failed forward runs", () => {
  const engine = engineFor(policy);
  const found = (t: string, rule: string) => detect(engine, t).filter((f) => f.rule === rule).map((f) => [f.start, f.end]);

  it("phone: the same spans as the model on periodic digit texts with edits", () => {
    let spans = 0;
    fc.assert(
      fc.property(periodic(PHONE_ALPHABET), (t) => {
        const want = modelSpans(PHONE, t);
        spans += want.length;
        expect(found(t, "phone")).toEqual(want);
      }),
      { numRuns: 3000, seed: 20261125 },
    );
    expect(spans).toBeGreaterThan(100);
  });

  it("a custom type that accepts before its run dies: the same spans as the model", () => {
    let spans = 0;
    fc.assert(
      fc.property(periodic(KEY_ALPHABET), (t) => {
        const want = modelSpans(KEY, t);
        spans += want.length;
        expect(found(t, "memo_key")).toEqual(want);
      }),
      { numRuns: 3000, seed: 20261126 },
    );
    expect(spans).toBeGreaterThan(100);
  });

  it("the issue's shapes, long enough for the memo to be used thousands of times", () => {
    for (const t of ["1234 ".repeat(4000), `${"1234 ".repeat(3000)}1 234 567 8901 ${"1234 ".repeat(10)}`, "555-123-4567x".repeat(500), "555-123-4567 ".repeat(500)]) {
      expect(found(t, "phone")).toEqual(modelSpans(PHONE, t));
    }
    for (const t of ["k_=abc1=".repeat(3000), `${"k_=abc1=".repeat(3000)}k_=abcdefgh `, "key=aaaaaaaaaa=".repeat(1000)]) {
      expect(found(t, "memo_key")).toEqual(modelSpans(KEY, t));
    }
  });
});
