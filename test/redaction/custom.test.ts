// Custom PII types (`pii_redaction.custom`) compiled to entity rules and checked in the engine
// (CHECK.custom: boundaries, lengths, checksums), and per-tool overrides applied by the enforcer.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileBundle } from "../../engine/compiler/bundle.js";
import { BudgetError, PolicyValidationError } from "../../core/errors.js";
import { createEnforcer } from "../../hosts/node/index.js";
import { parsePolicyObject } from "../../policies/loader.js";
import { detect, engineWith, luhnCheckDigit, mod1110CheckDigit, prng, verhoeffCheckDigit } from "./helpers.js";

const custom = (c: Record<string, unknown>[], extra: Record<string, unknown> = {}) => engineWith({ categories: ["email"], custom: c, ...extra });
const texts = (e: ReturnType<typeof custom>, t: string) => detect(e, t).map((f) => `${f.rule}:${f.text}`);

// Independent references for the two ISO 7064 checks not in helpers.ts.
function mod97Valid(s: string): boolean {
  let rem = 0;
  for (const ch of s.replace(/[^0-9A-Za-z]/g, "")) {
    const v = /[0-9]/.test(ch) ? Number(ch) : ch.toUpperCase().charCodeAt(0) - 55;
    rem = (rem * (v > 9 ? 100 : 10) + v) % 97;
  }
  return rem === 1;
}
function mod112Check(digits: readonly number[]): string {
  let p = 0;
  for (const d of digits) p = ((p + d) * 2) % 11;
  const c = (12 - p) % 11;
  return c === 10 ? "X" : String(c);
}

describe("custom PII types", () => {
  it("a plain pattern, word-bounded by default, with the type's placeholder", async () => {
    const e = custom([{ name: "employee_id", pattern: "EMP-[0-9]{6}" }]);
    expect(texts(e, "ids EMP-123456 and xEMP-123456 and EMP-1234567")).toEqual(["employee_id:EMP-123456"]);
    const enf = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, custom: [{ name: "employee_id", pattern: "EMP-[0-9]{6}" }] } } } });
    let seen: unknown;
    await enf.call("t", { note: "EMP-123456 / a@b.io" }, (a) => { seen = a; });
    expect(seen).toEqual({ note: "<EMPLOYEE_ID> / <EMAIL>" });
  });

  it("validators: luhn, mod97, verhoeff, mod11_2, mod11_10 accept valid values and reject a changed digit", () => {
    const r = prng(3);
    const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10));
    const flip = (s: string) => s.replace(/[0-9](?=[^0-9]*$)/, (d) => String((Number(d) + 1) % 10));
    const cases: [string, string, () => string][] = [
      ["luhn", "L[0-9]{10}", () => { const b = digits(9); return `L${b.join("")}${luhnCheckDigit(b)}`; }],
      ["verhoeff", "V[0-9]{10}", () => { const b = digits(9); return `V${b.join("")}${verhoeffCheckDigit(b)}`; }],
      ["mod11_10", "H[0-9]{11}", () => { const b = digits(10); return `H${b.join("")}${mod1110CheckDigit(b)}`; }],
      ["mod11_2", "[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]", () => { const b = digits(15); const s = `${b.join("")}${mod112Check(b)}`; return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12)}`; }],
      ["mod97", "[0-9]{8}AB[0-9]{2}", () => {
        const body = `${digits(8).join("")}AB`;
        let rem = 0;
        for (const ch of body) { const v = /[0-9]/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55; rem = (rem * (v > 9 ? 100 : 10) + v) % 97; }
        return `${body}${String((((1 - rem * 100) % 97) + 97) % 97).padStart(2, "0")}`;
      }],
    ];
    for (const [validator, pattern, gen] of cases) {
      const e = custom([{ name: "x", pattern, validator }]);
      for (let i = 0; i < 40; i++) {
        const v = gen();
        if (validator === "mod97") expect(mod97Valid(v)).toBe(true);
        expect(texts(e, `val ${v} end`), `${validator} ${v}`).toEqual([`x:${v}`]);
        const bad = flip(v);
        expect(texts(e, `val ${bad} end`), `${validator} ${bad}`).toEqual([]);
      }
    }
  });

  it("ORCID-style MOD 11-2 with an X check character", () => {
    const e = custom([{ name: "orcid", pattern: "[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]", validator: "mod11_2" }]);
    expect(texts(e, "orcid 0000-0002-1694-233X and 0000-0002-1825-0097")).toEqual(["orcid:0000-0002-1694-233X", "orcid:0000-0002-1825-0097"]);
    expect(texts(e, "orcid 0000-0002-1694-2339")).toEqual([]);
  });

  it("context is required before the value and is not redacted; case-insensitive option", () => {
    const e = custom([{ name: "member", pattern: "[0-9]{8}", context: "member (?:no|number)[.:]? ?", case_insensitive: true }]);
    expect(texts(e, "Member No: 12345678, but 87654321 alone is not")).toEqual(["member:12345678"]);
    expect(detect(e, "member number 12345678")[0]).toMatchObject({ start: 14, end: 22 });
  });

  it("length bounds and boundaries (word, digit, none)", () => {
    const e = custom([{ name: "k", pattern: "K[0-9]+", max_len: 8, min_len: 5 }]);
    expect(texts(e, "K123 K1234 K1234567 K12345678")).toEqual(["k:K1234", "k:K1234567"]);
    const d = custom([{ name: "d", pattern: "[0-9]{6}", boundary: "digit" }]);
    expect(texts(d, "a123456b 1234567")).toEqual(["d:123456"]);
    const n = custom([{ name: "n", pattern: "[0-9]{6}", boundary: "none" }]);
    expect(texts(n, "a123456b")).toEqual(["n:123456"]);
  });

  it("custom types pass through the evasion defences like built-ins", () => {
    const e = custom([{ name: "employee_id", pattern: "EMP-[0-9]{6}" }]);
    expect(texts(e, "see ＥＭＰ－１２３４５６ and EMP-12\u200B3456")).toEqual(["employee_id:ＥＭＰ－１２３４５６", "employee_id:EMP-12\u200B3456"]);
  });

  it("a pattern over the automaton budget fails compile, not a call", () => {
    const policy = parsePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, custom: [{ name: "big", pattern: "[a-z]{0,60}x[a-z]{60}", max_len: 200 }] } } }).policy;
    expect(() => compileBundle(policy)).toThrow(BudgetError);
  });

  it("property: the engine's Luhn gate agrees with the reference on random 12-digit values", () => {
    const e = custom([{ name: "l", pattern: "[0-9]{12}", validator: "luhn" }]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 12, maxLength: 12 }), (ds) => {
        const v = ds.join("");
        const valid = luhnCheckDigit(ds.slice(0, 11)) === ds[11];
        return (texts(e, `x ${v} y`).length === 1) === valid;
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe("per-tool overrides", () => {
  const policy = {
    name: "p",
    rules: {
      pii_redaction: {
        enabled: true,
        categories: ["email"],
        custom: [{ name: "employee_id", pattern: "EMP-[0-9]{6}", strategy: "mask", mask: "EMP-******" }],
        secrets: { enabled: false },
        per_tool: {
          send_email: { categories: ["ssn"], strategy: "hash" },
          "db_*": { secrets: { enabled: true, categories: ["aws_access_key"] } },
          internal_log: { enabled: false },
        },
      },
    },
  };
  const text = "a@b.io 123-45-6789 EMP-123456 AKIAIOSFODNN7EXAMPLE";
  async function run(tool: string): Promise<string> {
    const e = createEnforcer({ policy });
    let seen: { text: string } | undefined;
    await e.call(tool, { text }, (a: { text: string }) => { seen = a; });
    return (seen as { text: string }).text;
  }

  it("no override: the section's categories, custom types and strategy", async () => {
    expect(await run("other")).toBe("<EMAIL> 123-45-6789 EMP-****** AKIAIOSFODNN7EXAMPLE");
  });
  it("an override's categories replace the section's (ssn only, hashed), even ones the section leaves out", async () => {
    expect(await run("send_email")).toMatch(/^a@b\.io \[SHA256:[0-9a-f]{16}\] EMP-123456 AKIAIOSFODNN7EXAMPLE$/);
  });
  it("a glob override turns secret rules on for matching tools only", async () => {
    expect(await run("db_query")).toBe("<EMAIL> 123-45-6789 EMP-****** <AWS_ACCESS_KEY>");
  });
  it("enabled: false leaves the tool's values untouched", async () => {
    expect(await run("internal_log")).toBe(text);
  });
  it("outputs are scoped by the same override", async () => {
    const e = createEnforcer({ policy });
    expect(await e.call("internal_log", {}, () => text)).toBe(text);
    expect(await e.call("other", {}, () => text)).toBe("<EMAIL> 123-45-6789 EMP-****** AKIAIOSFODNN7EXAMPLE");
  });
  it("an override naming an unknown category fails compile with its path", () => {
    const bad = parsePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, per_tool: { t: { categories: ["emial"] } } } } }).policy;
    expect(() => compileBundle(bad)).toThrow(PolicyValidationError);
  });

  it("the shipped example policies/examples/pii_custom.yaml does what its comments say", async () => {
    const { compilePolicyFile } = await import("../../hosts/node/index.js");
    const bundle = compilePolicyFile(new URL("../../policies/examples/pii_custom.yaml", import.meta.url).pathname);
    const e = createEnforcer({ policy: bundle });
    const emp = `EMP-123456-${luhnCheckDigit([1, 2, 3, 4, 5, 6])}`;
    const text = `a@b.io ${emp} member no: 12345678 orcid 0000-0002-1694-233X`;
    const run = async (tool: string) => {
      let seen: { t: string } | undefined;
      await e.call(tool, { t: text }, (a: { t: string }) => { seen = a; });
      return (seen as { t: string }).t;
    };
    expect(await run("other")).toMatch(/^<EMAIL> <EMPLOYEE_ID> member no: <MEMBER_NUMBER> orcid \[SHA256:[0-9a-f]{16}\]$/);
    expect(await run("send_email")).toBe("a@b.io EMP-******-* member no: ******** orcid 0000-0002-1694-233X");
    expect(await run("log_audit")).toMatch(/^<EMAIL_1> <EMPLOYEE_ID_1> member no: <MEMBER_NUMBER_1> orcid \[SHA256:/);
    expect(await run("calculator")).toBe(text);
  });
});
