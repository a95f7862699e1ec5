// Evasion defences: each trick that hides PII or a secret from a naive matcher, found anyway, with
// the span mapped back onto the original text (so redaction removes exactly the disguised value).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnforcer } from "../../hosts/node/index.js";
import { detect, engineWith } from "./helpers.js";

const CATS = ["email", "phone", "ssn", "credit_card", "ip_address"];
const on = () => engineWith({ categories: CATS, secrets: { enabled: true, categories: ["aws_access_key", "github_pat", "stripe_secret_key"] } });
const off = () => engineWith({ categories: CATS, normalize: false, secrets: { enabled: true, categories: ["aws_access_key"] } });

/** Detects in `prefix + value + suffix` and expects exactly one match, of `rule`, spanning the whole disguised value. */
function expectFound(value: string, rule: string, prefix = "see ", suffix = " now") {
  const text = `${prefix}${value}${suffix}`;
  const found = detect(on(), text);
  expect(found.map((f) => [f.rule, f.start, f.end]), JSON.stringify(text)).toEqual([[rule, prefix.length, prefix.length + value.length]]);
}

async function redact(text: string, normalize = true): Promise<string> {
  const e = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: CATS, normalize } } } });
  let seen: unknown;
  await e.call("t", { text }, (a) => { seen = a; });
  return (seen as { text: string }).text;
}

describe("evasion defences", () => {
  it("zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) inside the value", () => {
    expectFound("jo\u200Bhn@exa\u200Cmple.c\u200Dom", "email");
    expectFound("555\u2060-123-\uFEFF4567", "phone");
    expectFound("AKIA\u200BIOSFODNN7EXAMPLE", "aws_access_key");
  });

  it("bidi controls (embeddings, overrides, isolates, marks)", () => {
    expectFound("123-45-\u202E6789", "ssn");
    expectFound("4111\u2066 1111 1111\u2069 1111", "credit_card");
    expectFound("10.0.\u200F0.1", "ip_address");
  });

  it("soft hyphens, variation selectors and combining marks", () => {
    expectFound("4111\u00AD1111\u00AD1111\u00AD1111", "credit_card");
    expectFound("jose\u0301@example.com", "email");
    expectFound("10.0.0\uFE0F.1", "ip_address");
  });

  it("full-width letters, digits and punctuation", () => {
    expectFound("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email");
    expectFound("１２３－４５－６７８９", "ssn");
    expectFound("ＡＫＩＡＩＯＳＦＯＤＮＮ７ＥＸＡＭＰＬＥ", "aws_access_key");
  });

  it("Cyrillic and Greek look-alike letters", () => {
    expectFound("j\u043Ehn@ex\u0430mple.com", "email"); // о, а
    expectFound("\u0410KIAIOSFODNN7EXAMPLE", "aws_access_key"); // А
    expectFound("j\u03BFhn@example.com", "email"); // ο
  });

  it("Unicode spaces and dashes, Arabic-Indic and Devanagari digits", () => {
    expectFound("123\u201045\u20136789", "ssn");
    expectFound("4111\u20091111\u00A01111\u30001111", "credit_card");
    expectFound("\u0661\u0662\u0663-\u0664\u0665-\u0666\u0667\u0668\u0669", "ssn");
    const devanagari = (t: string) => t.replace(/[0-9]/g, (d) => String.fromCharCode(0x966 + Number(d)));
    expectFound(devanagari("(555) 123-4567"), "phone");
  });

  it("URL encoding, including multi-byte UTF-8 sequences", () => {
    expectFound("john%40example.com", "email");
    expectFound("john%40example%2Ecom", "email");
    // an encoded zero-width space before the value is dropped, and is not part of the span
    expect(detect(on(), "see %E2%80%8Bjohn%40example.com now").map((f) => f.text)).toEqual(["john%40example.com"]);
    expectFound("jo%E2%80%8Bhn%40example.com", "email");
    expectFound("sk_live_%34eC39HqLyjWDarjtT1zdp7dc", "stripe_secret_key");
  });

  it("HTML character references, numeric and named", () => {
    expectFound("john&#64;example.com", "email");
    expectFound("john&#x40;example&#46;com", "email");
    expectFound("john&commat;example&period;com", "email");
    expectFound("123&#45;45&hyphen;6789", "ssn");
  });

  it("an escape of a control character stays as written: decoding it would only break the text around it", () => {
    // `%00` or `&#3;` decoded would end the local part; as written they are part of it
    expect(detect(on(), "mail john%00@example.com now").map((f) => f.text)).toEqual(["john%00@example.com"]);
    expect(detect(on(), "mail john%1F@example.com now").map((f) => f.text)).toEqual(["john%1F@example.com"]);
    expect(detect(on(), "mail jo%7Fhn@example.com now").map((f) => f.text)).toEqual(["jo%7Fhn@example.com"]);
    expect(detect(on(), "a &#3;b@example.com").map((f) => f.text)).toEqual(["b@example.com"]);
    // a space still decodes: `123%2045%206789` is an SSN
    expectFound("123%2045%206789", "ssn");
  });

  it("redaction removes the disguised value exactly (the original's `<EMAIL>.com` bug is gone)", async () => {
    expect(await redact("write john&#64;example.com today")).toBe("write <EMAIL> today");
    expect(await redact("write jo\u200Bhn@example.com\u200B today")).toBe("write <EMAIL>\u200B today");
    expect(await redact("😀 call ５５５-１２３-４５６７ 😀")).toBe("😀 call <PHONE> 😀");
    expect(await redact("ssn&nbsp;123-45-6789")).toBe("ssn&nbsp;<SSN>");
  });

  it("can be switched off (pii_redaction.normalize: false)", async () => {
    expect(detect(off(), "AKIA\u200BIOSFODNN7EXAMPLE and john%40example.com")).toEqual([]);
    expect(await redact("john&#64;example.com", false)).toBe("john&#64;example.com");
    expect(await redact("john@example.com", false)).toBe("<EMAIL>");
  });

  it("texts without %, & or non-ASCII are scanned as they are; decoding is one level only", () => {
    expect(detect(on(), "john%2540example.com")).toEqual([]);
    expect(detect(on(), "john&amp;#64;example.com")).toEqual([]);
    expect(detect(on(), "100% sure & fine: a@b.io").map((f) => f.text)).toEqual(["a@b.io"]);
  });

  it("property: invisible characters sprinkled anywhere inside never hide the value, and the span covers it", () => {
    const invisibles = ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u202A", "\u202C", "\u2066", "\u2069", "\u200E", "\u200F"];
    const values: [string, string][] = [["john.doe@example.org", "email"], ["123-45-6789", "ssn"], ["4111 1111 1111 1111", "credit_card"], ["AKIAIOSFODNN7EXAMPLE", "aws_access_key"]];
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...invisibles)), { maxLength: 6 }), ([value, rule], inserts) => {
        let v = value;
        for (const [at, ch] of inserts) {
          const k = 1 + (at % (v.length - 1));
          v = v.slice(0, k) + ch + v.slice(k);
        }
        const text = `x ${v} y`;
        const found = detect(on(), text);
        return found.length === 1 && found[0]!.rule === rule && found[0]!.start === 2 && found[0]!.end === 2 + v.length;
      }),
      { numRuns: 300, seed: 99 },
    );
  });

  it("property: runs of zero-width units of any length and alignment are dropped, and the spaces beside them are not", () => {
    // Runs are dropped four units at a time where they can be (text.ts fourZeroWidth): the spaces
    // U+2002..U+200A sit right below U+200B in the same block, and a run that swallowed one would
    // join `x` or `y` to the value and move its span.
    const spaces = [" ", "\r", "\u2002", "\u2009", "\u200A", "\u3000"];
    const values: [string, string][] = [["john.doe@example.org", "email"], ["123-45-6789", "ssn"], ["AKIAIOSFODNN7EXAMPLE", "aws_access_key"]];
    // Every alignment of a space inside a run of U+200B (the unit before it, the three after it).
    for (const space of spaces) {
      for (let a = 0; a <= 8; a++) {
        for (let b = 0; b <= 8; b++) expectFound("john.doe@example.org", "email", `x${"\u200B".repeat(a)}${space}${"\u200B".repeat(b)}`, `${"\u200D".repeat(b)}${space}${"\u200C".repeat(a)}y`);
      }
    }
    // …and of a hyphen (U+2010, right above them): `123-456789` is not an SSN.
    for (let a = 0; a <= 8; a++) {
      for (let b = 0; b <= 8; b++) {
        const dash = `${"\u200F".repeat(a)}\u2010${"\u200E".repeat(b)}`;
        expectFound(`123-45${dash}6789`, "ssn", "x ", " y");
      }
    }
    // Mostly U+200B..U+200F (the units dropped four at a time), sometimes other invisible ones.
    const zeroWidth = fc.oneof({ arbitrary: fc.constantFrom("\u200B", "\u200C", "\u200D", "\u200E", "\u200F"), weight: 6 }, { arbitrary: fc.constantFrom("\u2060", "\uFEFF", "\u00AD", "\u0301"), weight: 1 });
    const run = fc.array(zeroWidth, { maxLength: 9 }).map((units) => units.join(""));
    const space = fc.constantFrom(...spaces);
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.array(fc.tuple(fc.nat(), run), { maxLength: 4 }), run, space, run, run, space, run, ([value, rule], inserts, r1, s1, r2, r3, s2, r4) => {
        let v = value;
        for (const [at, units] of inserts) {
          const k = 1 + (at % (v.length - 1));
          v = v.slice(0, k) + units + v.slice(k);
        }
        const before = `x${r1}${s1}${r2}`;
        const found = detect(on(), `${before}${v}${r3}${s2}${r4}y`);
        return found.length === 1 && found[0]!.rule === rule && found[0]!.start === before.length && found[0]!.end === before.length + v.length;
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it("property: a value whose characters each wear an escape, a full-width or a math form is found, and its span is exactly the disguised text", () => {
    // Runs of escapes of one length map to original offsets by a stride (text.ts: one edit per
    // run, not per unit): a run that starts before the value, ends inside it or changes length at
    // any character must still give the value's exact span.
    const values: [string, string][] = [["john.doe@example.org", "email"], ["123-45-6789", "ssn"], ["4111 1111 1111 1111", "credit_card"], ["AKIAIOSFODNN7EXAMPLE", "aws_access_key"]];
    const hex = (c: string) => c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
    const math = (c: string) => {
      const x = c.charCodeAt(0);
      if (x >= 0x41 && x <= 0x5a) return String.fromCodePoint(0x1d400 + x - 0x41);
      if (x >= 0x61 && x <= 0x7a) return String.fromCodePoint(0x1d41a + x - 0x61);
      if (x >= 0x30 && x <= 0x39) return String.fromCodePoint(0x1d7ce + x - 0x30);
      return c;
    };
    const forms: ((c: string, i: number) => string)[] = [
      (c) => c,
      (c) => `%${hex(c)}`,
      (c) => `&#${c.charCodeAt(0)};`,
      (c) => `&#x${hex(c)};`,
      (c) => (c === " " ? "\u3000" : String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
      math,
      // inside the value only: an invisible unit before its first character is not part of its span
      (c, i) => (i > 0 ? `\u200B${c}` : c),
    ];
    const form = fc.nat(forms.length - 1);
    // Runs of one form are what the stride maps: half the time, a character keeps the form of the
    // one before it.
    const disguise = (text: string, picks: [number, boolean][]) => {
      let form = 0;
      return [...text].map((c, i) => {
        const [f, same] = picks[i % picks.length]!;
        if (!same || i === 0) form = f;
        return forms[form]!(c, i);
      });
    };
    fc.assert(
      fc.property(fc.constantFrom(...values), fc.array(fc.tuple(form, fc.boolean()), { minLength: 1, maxLength: 24 }), fc.nat(3), fc.nat(3), ([value, rule], picks, a, b) => {
        const before = `x${disguise(" ".repeat(1 + a), picks).join("")}`;
        const v = disguise(value, picks.slice(a % picks.length).concat(picks.slice(0, a % picks.length))).join("");
        const after = `${disguise(" ".repeat(1 + b), picks).join("")}y`;
        const found = detect(on(), `${before}${v}${after}`);
        return found.length === 1 && found[0]!.rule === rule && found[0]!.start === before.length && found[0]!.end === before.length + v.length;
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
