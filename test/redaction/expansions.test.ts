// Compatibility expansions as an evasion defence (engine/assembly/text.ts normalizeUnits with the
// EXPAND table of unicode-fold.ts): characters whose NFKC form is several ASCII characters (ﬁ → fi,
// ⒈ → 1., ㉑ → 21, ㏒ → log, … → ..., ½ → 1/2). Each family hides a value without the defences and
// is found with them, its span covering exactly the original characters; a span that starts or
// ends inside an expansion covers the whole character; worst-case texts never trap the engine.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnforcer } from "../../hosts/node/index.js";
// @ts-expect-error: plain ESM script without types
import { unicodeFoldTables } from "../../scripts/gen-unicode-fold.mjs";
import { detect, engineWith } from "./helpers.js";

const CATS = ["email", "phone", "ssn", "credit_card", "ip_address", "date_of_birth"];
const SECRETS = { enabled: true, categories: ["aws_access_key", "stripe_secret_key"] };
const on = () => engineWith({ categories: CATS, secrets: SECRETS });
const off = () => engineWith({ categories: CATS, normalize: false, secrets: SECRETS });

const EXPAND = (unicodeFoldTables() as { expand: [number, string][] }).expand;

function expectEvasion(value: string, rule: string, prefix = "see ", suffix = " now") {
  const text = `${prefix}${value}${suffix}`;
  const at = [rule, prefix.length, prefix.length + value.length];
  expect(detect(off(), text).map((f) => [f.rule, f.start, f.end]), `hidden without normalisation: ${JSON.stringify(text)}`).not.toContainEqual(at);
  expect(detect(on(), text).map((f) => [f.rule, f.start, f.end]), JSON.stringify(text)).toEqual([at]);
}

async function redact(text: string): Promise<string> {
  const e = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: CATS } } } });
  let seen: unknown;
  await e.call("t", { text }, (a) => { seen = a; });
  return (seen as { text: string }).text;
}

describe("compatibility expansions (NFKC forms of several ASCII characters)", () => {
  it("ligatures in e-mail addresses and secret bodies (ﬁ ﬀ ﬂ ﬃ ﬄ ﬅ ﬆ)", () => {
    expectEvasion("\uFB01rst.last@example.com", "email"); // ﬁrst
    expectEvasion("o\uFB03ce@\uFB02ower\uFB06.com", "email"); // oﬃce@ﬂowerﬆ.com
    expectEvasion("ba\uFB04e@e\uFB05ate.org", "email"); // baﬄe@eﬅate.org
    expectEvasion("sk_live_4eC39\uFB00HqLyjWDarjtT1zdp7dc", "stripe_secret_key"); // ﬀ in the key body
  });

  it("digits with punctuation: full-stop forms ⒈-⒛, circled and two-digit numbers ⑩-⑳ ㉑-㊿, astral 🄂", () => {
    expectEvasion("\u2488\u2489\u248A4", "ip_address"); // ⒈⒉⒊4 = 1.2.3.4
    expectEvasion("\u2491\u2491\u24911", "ip_address"); // ⒑⒑⒑1 = 10.10.10.1
    expectEvasion("55\u248C12\u248A4567", "phone"); // 55⒌12⒊4567 = 555.123.4567
    expectEvasion("\u246B3-\u32BA-6789", "ssn"); // ⑫3-㊺-6789
    expectEvasion("5\u32BA-\u246B3-\u32BA67", "phone"); // 5㊺-⑫3-㊺67
    expectEvasion("\u32B6\u246A \u246A\u246A \u246A\u246A \u246A\u246A", "credit_card"); // ㊶⑪ ⑪⑪ ⑪⑪ ⑪⑪
  });

  it("squared units, letterlike and Latin digraphs (㏒ ㎖ № ǆ Ĳ), fractions with the fraction slash (½)", () => {
    expectEvasion("\u33D2in@example.com", "email"); // ㏒in = login
    expectEvasion("\u01C6@example.com", "email"); // ǆ = dz
    expectEvasion("\u0132ssel@example.nl", "email"); // Ĳ = IJ
    expectEvasion("\u2116.smith@example.com", "email"); // № = No
    expectEvasion("\u00BD/1990", "date_of_birth", "DOB: ", ""); // ½ = 1⁄2, and U+2044 reads as '/'
    expectEvasion("1\u20442\u20441990", "date_of_birth", "DOB: ", ""); // the fraction slash on its own
  });

  it("escapes that decode to an expanding character expand too (&#xFB01; %EF%AC%81)", () => {
    expectEvasion("&#xFB01;rst@example.com", "email");
    // '%' may occur in an e-mail local part, so the raw form already matches: the span is what counts
    expect(detect(on(), "see %EF%AC%81rst@example.com now").map((f) => f.text)).toEqual(["%EF%AC%81rst@example.com"]);
    expectEvasion("&#9352;&#9353;&#x248A;4", "ip_address"); // ⒈⒉⒊4
  });

  it("a span ending inside an expansion covers the whole character (10.0.0.⒈ is 10.0.0.1 + '.')", async () => {
    expect(detect(on(), "ip 10.0.0.\u2488 x").map((f) => [f.rule, f.text])).toEqual([["ip_address", "10.0.0.\u2488"]]);
    expect(await redact("ip 10.0.0.\u2488 x")).toBe("ip <IP_ADDRESS> x");
  });

  it("a span starting inside an expansion covers the whole character (℀ is a/c: the e-mail starts at c)", async () => {
    expect(detect(off(), "a/c@example.com").map((f) => f.text)).toEqual(["c@example.com"]); // the ASCII reading
    expect(detect(on(), "x \u2100@example.com").map((f) => [f.rule, f.start, f.end])).toEqual([["email", 2, 15]]);
    expect(await redact("x \u2100@example.com y")).toBe("x <EMAIL> y");
    // ⒜ is (a): the e-mail starts after the ')' of the same character, so the character stays out
    expect(detect(on(), "\u249Cjohn@example.com").map((f) => [f.start, f.end])).toEqual([[1, 17]]);
  });

  it("expansions next to a value are not part of its span (…, ‥, 🄐, ⑽ before and after)", async () => {
    expect(detect(on(), "see 1.2.3.4\u2026 and \u2025 john@example.com\u2026").map((f) => f.text).sort()).toEqual(["1.2.3.4", "john@example.com"]);
    // ‥ is "..", which an e-mail local part may contain: as in the ASCII text, it is part of the match
    expect(detect(off(), "..john@example.com").map((f) => f.text)).toEqual(["..john@example.com"]);
    expect(detect(on(), "\u2025john@example.com").map((f) => f.text)).toEqual(["\u2025john@example.com"]);
    expect(detect(on(), "\u{1F110} \u247D \u{1F110}john@example.com \u247D").map((f) => [f.start, f.end])).toEqual([[7, 23]]);
    expect(await redact("\u{1F110}john@example.com\u2026 \u2474123-45-6789\u2474")).toBe("\u{1F110}<EMAIL>\u2026 \u2474<SSN>\u2474");
  });

  it("every expansion in the table reaches the scanner as its ASCII characters (one custom type per expansion)", () => {
    const esc = (s: string) => s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
    const e = engineWith({ categories: [], custom: EXPAND.map(([cp, x]) => ({ name: `x${cp.toString(16)}`, pattern: `Q${esc(x)}Q`, boundary: "none" })) });
    const text = EXPAND.map(([cp]) => `Q${String.fromCodePoint(cp)}Q`).join(" ");
    const found = new Map<number, string[]>();
    for (const f of detect(e, text)) found.set(f.start, [...(found.get(f.start) ?? []), f.rule]);
    let at = 0;
    for (const [cp, x] of EXPAND) {
      const width = String.fromCodePoint(cp).length + 2;
      // every type whose expansion is the same string matches (ǆ and ǳ are both dz), and only those
      const same = EXPAND.filter(([, y]) => y === x).map(([c]) => `x${c.toString(16)}`);
      expect(found.get(at)?.sort(), `U+${cp.toString(16)} → ${x}`).toEqual(same.sort());
      expect(detect(e, `Q${String.fromCodePoint(cp)}Q`).every((f) => f.start === 0 && f.end === width)).toBe(true);
      at += width + 1;
    }
  }, 60_000);

  it("property: the NFKC form and the raw form of a text give findings over the same original characters", () => {
    const values = ["first.last@example.com", "office@flowers.com", "1.2.3.4", "10.10.10.1", "123-45-6789", "555.123.4567", "4111 1111 1111 1111", "12.13.14.15"];
    // Expanding characters, and ASCII runs they can stand for (applied to values at random places).
    const swaps: [string, string][] = [["fi", "\uFB01"], ["ff", "\uFB00"], ["ffi", "\uFB03"], ["fl", "\uFB02"], ["st", "\uFB06"], ["1.", "\u2488"], ["2.", "\u2489"], ["3.", "\u248A"], ["10.", "\u2491"], ["12", "\u246B"], ["13", "\u246C"], ["45", "\u32BA"], ["11", "\u246A"], ["15", "\u246E"], ["14.", "\u2495"]];
    const disguise = (v: string, picks: number[]) => {
      let out = v;
      for (const p of picks) {
        const [from, to] = swaps[p % swaps.length] as [string, string];
        out = out.replace(from, to);
      }
      return out;
    };
    const filler = fc.constantFrom(" ", "see", "a", "\u2026", "\u2025", "\u2474", "\u247D", "\u249C", "\u2100", "\u00BD", "\u33AF", "\u{1F110}", "\u2122", "\u01C4", "x", ".", "-", "1");
    const piece = fc.oneof(fc.tuple(fc.constantFrom(...values), fc.array(fc.nat(), { maxLength: 4 })).map(([v, p]) => disguise(v, p)), filler);
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const raw = pieces.join(" ");
        // NFKC per character, remembering which original character each unit came from.
        const cps = [...raw];
        let nfkc = "";
        const charOfNfkc: number[] = [];
        const charOfRaw: number[] = [];
        cps.forEach((ch, i) => {
          const k = ch.normalize("NFKC");
          nfkc += k;
          for (let j = 0; j < k.length; j++) charOfNfkc.push(i);
          for (let j = 0; j < ch.length; j++) charOfRaw.push(i);
        });
        const chars = (text: string, of: number[]) => detect(on(), text).map((f) => `${f.rule}:${of[f.start]}-${of[f.end - 1]}`);
        const a = chars(raw, charOfRaw);
        const b = chars(nfkc, charOfNfkc);
        // spans in the raw text never split a surrogate pair (🄐 is one)
        for (const f of detect(on(), raw)) expect(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(f.text)).toBe(false);
        expect(a, JSON.stringify(raw)).toEqual(b);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe("buffers: expansions lengthen the text", () => {
  const WIDEST = EXPAND.reduce((m, [, x]) => Math.max(m, x.length), 0);
  const widest = String.fromCodePoint((EXPAND.find(([, x]) => x.length === WIDEST) as [number, string])[0]); // ㎯ → rad/s2

  it("the widest expansion is the documented maximum (6: ㎯ → rad/s2)", () => {
    expect([WIDEST, widest]).toEqual([6, "\u33AF"]);
  });

  it("a long text of nothing but the widest expansions, with values inside, is scanned correctly", () => {
    const run = widest.repeat(100_000);
    const text = `${run} 123-45-6789 ${run} \u2488\u2489\u248A4 ${run}`;
    expect(detect(on(), text).map((f) => [f.rule, f.start, f.end])).toEqual([
      ["ssn", run.length + 1, run.length + 12],
      ["ip_address", 2 * run.length + 14, 2 * run.length + 18],
    ]);
  });

  it("edits recorded before and after the buffer is outgrown map back correctly (the edit table moves once)", () => {
    // Zero-width characters (an edit per unit after each), then ⑽ (3 more units each) until the
    // room left by UTF-8 decoding runs out, then more edits.
    const zw = "x\u200B".repeat(3_000);
    const text = `123-45-6789 ${zw} 234-56-7890 ${"\u247D".repeat(20_000)} 345-67-8901 ${zw} 456-78-9012 ${"\u2474".repeat(100)}`;
    const want = ["123-45-6789", "234-56-7890", "345-67-8901", "456-78-9012"];
    expect(detect(on(), text).map((f) => f.text)).toEqual(want);
    expect(detect(on(), text).map((f) => f.start)).toEqual(want.map((v) => text.indexOf(v)));
  });

  it("near the engine's memory limit: scans correctly or fails closed (engine_fault), never traps; the engine answers afterwards", () => {
    const e = on();
    const outcomes: string[] = [];
    for (const mb of [2, 6, 12, 20]) {
      const n = Math.floor((mb * 1_000_000) / 3);
      const text = `${widest.repeat(n)} 123-45-6789`;
      try {
        const found = detect(e, text);
        expect(found.map((f) => [f.rule, f.start])).toEqual([["ssn", n + 1]]);
        outcomes.push(`${mb}:ok`);
      } catch (err) {
        expect((err as { code?: string }).code, String(err)).toBe("engine_fault");
        outcomes.push(`${mb}:fault`);
      }
      expect(detect(e, "then 123-45-6789").map((f) => f.text)).toEqual(["123-45-6789"]);
    }
    // small texts always fit; the largest cannot (64 MiB of engine memory)
    expect(outcomes[0]).toBe("2:ok");
    expect(outcomes.at(-1)).toBe("20:fault");
  }, 120_000);
});
