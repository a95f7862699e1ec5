// Unicode normalisation as an evasion defence (engine/assembly/unicode-fold.ts, hooked into
// text.ts normalizeUnits): composed vs decomposed forms, marks outside U+0300-U+036F, compatibility
// forms (NFKC; expansions to several characters: expansions.test.ts), digits of other scripts,
// astral math alphanumerics and tag characters. Each evasion is shown to hide the value with
// `normalize: false` and to be found, with its span mapped back to
// the original text, with the defences on.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM script without types
import { expansionWord, LOOKALIKES, unicodeFoldTables } from "../../scripts/gen-unicode-fold.mjs";
import { readFileSync } from "node:fs";
import { detect, engineWith } from "./helpers.js";

const CATS = ["email", "phone", "ssn", "credit_card", "ip_address"];
const on = () => engineWith({ categories: CATS, secrets: { enabled: true, categories: ["aws_access_key", "stripe_secret_key"] } });
const off = () => engineWith({ categories: CATS, normalize: false, secrets: { enabled: true, categories: ["aws_access_key", "stripe_secret_key"] } });

function expectEvasion(value: string, rule: string) {
  const text = `see ${value} now`;
  expect(detect(off(), text).filter((f) => f.rule === rule && f.start === 4 && f.end === 4 + value.length), `hidden without normalisation: ${JSON.stringify(value)}`).toEqual([]);
  expect(detect(on(), text).map((f) => [f.rule, f.start, f.end]), JSON.stringify(text)).toEqual([[rule, 4, 4 + value.length]]);
}

/** The code points `jo<c>n@example.com` (in `see … now`) is not found with, as one e-mail, whole. */
function notFoundWhole(e: ReturnType<typeof on>, cps: readonly number[]): string[] {
  const missed: string[] = [];
  for (const cp of cps) {
    const value = `jo${String.fromCodePoint(cp)}n@example.com`;
    const found = detect(e, `see ${value} now`);
    if (found.length !== 1 || found[0]!.start !== 4 || found[0]!.end !== 4 + value.length) missed.push(`U+${cp.toString(16)} ${String.fromCodePoint(cp)}`);
  }
  return missed;
}

const nfd = (s: string) => s.normalize("NFD");
/** `mark` after every character but the last (a finding ends at its last visible unit, docs/REDACTION.md). */
const marks = (s: string, mark: string) => [...s].join(mark);
const mapDigits = (s: string, zero: number) => s.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));

describe("Unicode normalisation (evasion defences)", () => {
  it("composed and decomposed forms normalise alike (NFC é and NFD e + U+0301 both fold to e)", () => {
    const composed = "jos\u00E9@\u00E9xample.com";
    expectEvasion(composed, "email");
    expectEvasion(nfd(composed), "email");
    expect(nfd(composed)).not.toBe(composed);
    expectEvasion("\u00C5KIAIOSFODNN7EXAMPLE", "aws_access_key"); // Å (A + ring, precomposed)
    expectEvasion(nfd("\u00C5KIAIOSFODNN7EXAMPLE"), "aws_access_key");
  });

  it("digits and letters followed by combining marks of any block, not only U+0300-U+036F", () => {
    expectEvasion(marks("123-45-6789", "\u20E3"), "ssn"); // combining enclosing keycap (U+20D0 block)
    expectEvasion(marks("4111 1111 1111 1111", "\u1AB0"), "credit_card"); // diacritical marks extended
    expectEvasion(marks("10.0.0.1", "\u1DC0"), "ip_address"); // supplement
    expectEvasion(marks("555-123-4567", "\uFE20"), "phone"); // half marks
    expectEvasion(marks("john@example.com", "\u0489"), "email"); // Cyrillic enclosing mark
  });

  it("compatibility forms (NFKC): superscripts, circled and parenthesised-free enclosed forms, letterlike, Roman numerals", () => {
    expectEvasion("\u00B9\u00B2\u00B3-\u2074\u2075-\u2076\u2077\u2078\u2079", "ssn"); // ¹²³-⁴⁵-⁶⁷⁸⁹
    expectEvasion("\u2081\u2080.\u2080.\u2080.\u2081", "ip_address"); // subscripts ₁₀.₀.₀.₁
    expectEvasion("\u24D9\u24DE\u24D7\u24DD@example.com", "email"); // ⓙⓞⓗⓝ
    expectEvasion("\u2460\u2461\u2462-\u2463\u2464-\u2465\u2466\u2467\u2468", "ssn"); // ①②③-④⑤-⑥⑦⑧⑨
    expectEvasion("AK\u2160AIOSFODNN7EXAMPLE", "aws_access_key"); // Roman numeral one as I
    expectEvasion("john@\u212Fxample.com", "email"); // ℯ script small e
  });

  it("decimal digits of other scripts (Bengali, Thai, Khmer, Mongolian, …)", () => {
    expectEvasion(mapDigits("123-45-6789", 0x9e6), "ssn"); // Bengali
    expectEvasion(mapDigits("(555) 123-4567", 0xe50), "phone"); // Thai
    expectEvasion(mapDigits("4111 1111 1111 1111", 0x17e0), "credit_card"); // Khmer
    expectEvasion(mapDigits("10.0.0.1", 0x1810), "ip_address"); // Mongolian
  });

  it("astral characters: math alphanumerics fold, tag characters and astral marks are dropped", () => {
    const bold = (s: string) => [...s].map((c) => (/[A-Z]/.test(c) ? String.fromCodePoint(0x1d400 + c.charCodeAt(0) - 65) : /[0-9]/.test(c) ? String.fromCodePoint(0x1d7ce + Number(c)) : c)).join("");
    expectEvasion(bold("AKIAIOSFODNN7EXAMPLE"), "aws_access_key");
    expectEvasion(bold("123-45-6789"), "ssn");
    expectEvasion(marks("123-45-6789", "\u{E0041}"), "ssn"); // tag character A
    expectEvasion(marks("123-45-6789", "\u{1D167}"), "ssn"); // musical combining mark (astral Mn)
  });

  it("look-alikes from Unicode's confusables: Cherokee, Lisu, Armenian, IPA, Cyrillic and Greek", () => {
    // A K Ӏ A Ӏ Օ S F Օ D N N 7 E X A M P L E: Cherokee, Cyrillic palochka, Armenian, Lisu
    expectEvasion("\u13AA\u13E6\u04C0\u13AA\u04C0\u0555\u13DA\uA4DD\u0555\u13A0\uA4E0\uA4E0" + "7" + "\u13AC\uA4EB\u13AA\u13B7\u13E2\u13DE\u13AC", "aws_access_key");
    expectEvasion("AK\uA4F2AIOSFODNN7EXAMPLE", "aws_access_key"); // Lisu ꓲ reads as I, not as confusables' l
    expectEvasion("\u0251nn.\u04BB\u0585@ex\u0251mple.com", "email"); // IPA ɑ, Cyrillic һ, Armenian օ
    expectEvasion("j\u03C3hn@example.com", "email"); // Greek σ
    expectEvasion("10\uA60E0\uA60E0\uA60E1", "ip_address"); // Vai full stop ꘎ as the dots
    // Greek Ι is a capital, so I (confusables give l).
    expectEvasion("AK\u0399AIOSFODNN7EXAMPLE", "aws_access_key");
  });

  it("every letter look-alike the table holds is folded by the engine (an e-mail with it inside is found whole)", () => {
    const letters = (LOOKALIKES as [number, number][]).filter(([, a]) => /[A-Za-z]/.test(String.fromCharCode(a)));
    expect(letters.length).toBeGreaterThan(1000);
    expect(notFoundWhole(on(), letters.map(([cp]) => cp))).toEqual([]);
  });

  it("every letter that decomposes to a look-alike with marks is folded as it (ά ἀ ё ӓ ў: an e-mail with it inside is found whole)", () => {
    const e = on();
    const lookalike = new Map(LOOKALIKES as [number, number][]);
    const marked: number[] = [];
    for (let cp = 0xa0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff || lookalike.has(cp)) continue;
      const s = String.fromCodePoint(cp);
      const k = [...s.normalize("NFKD").replace(/\p{M}/gu, "")];
      if (k.length !== 1 || (k[0] as string).codePointAt(0)! < 0x80 || /\p{Nd}/u.test(s)) continue;
      const a = lookalike.get((k[0] as string).codePointAt(0)!);
      if (a !== undefined && /[A-Za-z]/.test(String.fromCharCode(a))) marked.push(cp);
    }
    expect(marked.length).toBeGreaterThan(200);
    for (const ch of ["\u03AC", "\u1F00", "\u0451", "\u04D3", "\u045E", "\u0407"]) expect(marked, ch).toContain(ch.codePointAt(0));
    expect(notFoundWhole(e, marked)).toEqual([]);
    const plain = off();
    const hidden: string[] = [];
    for (const cp of marked) {
      const value = `jo${String.fromCodePoint(cp)}n@example.com`;
      if (detect(plain, `see ${value} now`).some((f) => f.start === 4 && f.end === 4 + value.length)) hidden.push(`U+${cp.toString(16)}`);
    }
    expect(hidden).toEqual([]); // without the defences, none of them is found whole
  }, 60_000);

  it("redaction replaces exactly the disguised original", async () => {
    const { createEnforcer } = await import("../../hosts/node/index.js");
    const e = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: CATS } } } });
    let seen: unknown;
    await e.call("t", { text: "x \u2460\u2461\u2462-\u2463\u2464-\u2465\u2466\u2467\u2468 \u{1D400} y" }, (a) => { seen = a; });
    expect((seen as { text: string }).text).toBe("x <SSN> \u{1D400} y");
  });

  it("property: NFC, NFD, NFKC and NFKD forms of a text with accents give the same findings, mapped to each form's own offsets", () => {
    const accents = ["\u00E9", "\u00F1", "\u00FC", "\u00C5", "\u1E9B\u0323", "\uFB01"];
    const values = ["jos\u00E9.m\u00FCller@example.com", "123-45-6789", "AKIAIOSFODNN7EXAMPLE", "4111 1111 1111 1111"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...accents, " ", "a", "."), { maxLength: 6 }), fc.constantFrom(...values), fc.array(fc.constantFrom(...accents, " ", "b"), { maxLength: 6 }), (pre, value, post) => {
        const base = `${pre.join("")} ${value} ${post.join("")}`;
        const forms = (["NFC", "NFD", "NFKC", "NFKD"] as const).map((f) => base.normalize(f));
        const results = forms.map((t) => detect(on(), t).map((f) => [f.rule, f.text.normalize("NFKC")]));
        return results.every((r) => JSON.stringify(r) === JSON.stringify(results[0])) && (results[0] as unknown[]).length >= 1;
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it("the committed tables are what this runtime's Unicode data gives (scripts/gen-unicode-fold.mjs)", () => {
    const t = unicodeFoldTables() as { compat: [number, number][]; expand: [number, string][]; digits: [number, number][]; ignore: [number, number][]; unicode: string };
    const src = readFileSync(new URL("../../engine/assembly/unicode-fold.ts", import.meta.url), "utf8");
    const header = /Unicode ([0-9.]+)\)/.exec(src)?.[1];
    const count = (name: string) => Number(new RegExp(`const ${name}_N: i32 = ([0-9]+);`).exec(src)?.[1]);
    if (header !== t.unicode) return; // another Unicode version: the engine keeps its committed tables
    expect([count("COMPAT"), count("EXPAND"), count("DIGITS"), count("IGNORE")]).toEqual([t.compat.length, t.expand.length, t.digits.length, t.ignore.length]);
    const table = (name: string) => {
      const body = new RegExp(`const ${name}: usize = memory\\.data<u(?:32|64)>\\(\\[([^\\]]*)\\]\\);`).exec(src)?.[1] ?? "";
      return (body.match(/0x[0-9a-f]+/g) ?? []).map((h) => BigInt(h));
    };
    expect(table("COMPAT")).toEqual(t.compat.map(([cp, a]) => BigInt(((cp << 8) | a) >>> 0)));
    expect(table("EXPAND")).toEqual(t.expand.map(expansionWord));
    expect(table("DIGITS")).toEqual(t.digits.flat().map(BigInt));
    expect(table("IGNORE")).toEqual(t.ignore.flat().map(BigInt));
    const blocks = table("EXPAND_BLOCKS").map(Number);
    for (const [cp] of t.expand) expect((blocks[cp >> 13] as number) & (1 << ((cp >> 8) & 31)), `block of U+${cp.toString(16)}`).not.toBe(0);
  });

  it("expansions: exactly the code points whose NFKC form, each character folded by the committed tables, is 2+ printable ASCII characters", () => {
    const t = unicodeFoldTables() as { compat: [number, number][]; expand: [number, string][]; digits: [number, number][]; unicode: string };
    const src = readFileSync(new URL("../../engine/assembly/unicode-fold.ts", import.meta.url), "utf8");
    if (/Unicode ([0-9.]+)\)/.exec(src)?.[1] !== t.unicode) return;
    const single = new Map(t.compat);
    const isIgnorable = (s: string) => /\p{M}|\p{Default_Ignorable_Code_Point}/u.test(s);
    // the engine's per-character folding: drop marks, fold one character (é → e, ⁄ → /, ¹ → 1)
    const foldChar = (ch: string) => {
      const c = ch.codePointAt(0) as number;
      if (c < 0x80) return ch;
      if (isIgnorable(ch)) return "";
      const a = single.get(c) ?? single.get(ch.normalize("NFD").codePointAt(0) as number);
      return a === undefined ? ch : String.fromCharCode(a);
    };
    const want = new Map(t.expand);
    const got: [number, string][] = [];
    for (let cp = 0xa0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const s = String.fromCodePoint(cp);
      if (isIgnorable(s) || single.has(cp) || /\p{Nd}/u.test(s)) continue;
      const k = [...s.normalize("NFKC")].map(foldChar).join("");
      if (k.length >= 2 && /^[\x21-\x7e]+$/.test(k)) got.push([cp, k]);
    }
    expect(new Map(got)).toEqual(want);
    // the documented examples, the maximum, and the look-alike slashes
    for (const [ch, x] of [["\uFB01", "fi"], ["\u2474", "(1)"], ["\u2488", "1."], ["\u249C", "(a)"], ["\u338F", "kg"], ["\u2026", "..."], ["\u2116", "No"], ["\u00BD", "1/2"], ["\u01C4", "DZ"], ["\u0132", "IJ"], ["\u33AF", "rad/s2"], ["\u{1F110}", "(A)"]] as const) {
      expect(want.get(ch.codePointAt(0) as number), ch).toBe(x);
    }
    expect(Math.max(...t.expand.map(([, x]) => x.length))).toBe(6);
    expect([single.get(0x2044), single.get(0x2215)]).toEqual([0x2f, 0x2f]);
    expect(want.has(0xfdfa)).toBe(false); // 18 characters, Arabic
  }, 60_000);
});
