// Streaming redaction (core/redact-stream.ts): for any chunking of any text, the concatenated
// output equals redacting the whole text at once. Property-tested with texts full of PII, secrets
// and evasion sequences, cut at random places (1-unit chunks, inside surrogate pairs, inside
// zero-width runs, `%40`, `&#64;`, combining marks, compatibility expansions such as ﬁ ⒈ ⑽ ㎯).
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicyObject, createTokenVault, redactSpans, replacementFor, loadEngineSync, redactStream, redactTransformStream, createStreamRedactor, type CompiledBundle, type Replacement } from "../../hosts/node/index.js";
import { EngineFaultError, RedactionStreamError } from "../../core/errors.js";
import { streamHoldBack } from "../../core/redact-stream.js";
import { ALL_PII, githubStyleToken, prng } from "./helpers.js";
import { buildEngineVariant } from "../engine/helpers.js";
import { createEngineSync } from "../../engine/engine.js";

const PII = ["email", "phone", "ssn", "credit_card", "ip_address", "iban", "eth_address", "date_of_birth", "us_zip4", "phone_intl", "uk_postcode", "mac_address"];
const SECRETS = ["aws_access_key", "github_pat", "stripe_secret_key", "generic_api_key", "url_password", "slack_bot_token"];
const bundleOf = (strategy: string, extra: Record<string, unknown> = {}): CompiledBundle =>
  compilePolicyObject({ name: `stream-${strategy}`, rules: { pii_redaction: { enabled: true, categories: PII, strategy, secrets: { enabled: true, categories: SECRETS }, ...extra } } });
const BUNDLES = { placeholder: bundleOf("placeholder"), token: bundleOf("token"), mask: bundleOf("mask") };

const oneShotEngine = loadEngineSync();
// The shipped engine reports 65,536 findings per call, more than any window of these texts holds.
// The paths that split a window's report range run on an engine built to report only 1,024.
let lowCapModule: WebAssembly.Module;
beforeAll(() => {
  lowCapModule = new WebAssembly.Module(buildEngineVariant(["--use", "ENGINE_MAX_REPORTS=1024"]) as BufferSource);
}, 120_000);
/** Calls of low-cap engines answered too_many_violations (each makes the stream split a range). */
let lowCapOverflows = 0;
const lowCap = () => ({
  createEngine: () => {
    const e = createEngineSync(lowCapModule, { digest: "low-cap" });
    const postCall = e.postCall.bind(e);
    e.postCall = (req) => {
      const d = postCall(req);
      if (d.violations.some((v) => v.type === "too_many_violations")) lowCapOverflows++;
      return d;
    };
    return e;
  },
});
/** The reference: the whole text scanned in one engine call and redacted once. */
function whole(bundle: CompiledBundle, text: string, replace: Replacement): string {
  oneShotEngine.loadPolicy(bundle);
  const d = oneShotEngine.postCall({ tool: "redact", output: text, now: 0 });
  return redactSpans(text, d.violations, replace).value as string;
}

/**
 * The same reference for texts with more findings than one engine call reports: one call per range
 * of `step` units over the whole text, each reporting only the findings that start in its range
 * (the report window; every rule still runs over the whole text, so this is the one-shot result).
 */
function wholeByRanges(bundle: CompiledBundle, text: string, replace: Replacement, step = 2000): string {
  oneShotEngine.loadPolicy(bundle);
  const found = [];
  for (let from = 0; from < text.length; from += step) {
    const d = oneShotEngine.postCall({ tool: "redact", output: text, now: 0, reportWindow: { from, to: Math.min(text.length, from + step) } });
    if (d.violations.some((v) => v.type === "too_many_violations")) throw new Error(`reference range at ${from} too dense`);
    found.push(...d.violations);
  }
  return redactSpans(text, found, replace).value as string;
}

function streamed(bundle: CompiledBundle, chunks: readonly string[], replace: Replacement, scanEvery?: number, extra: Record<string, unknown> = {}): string {
  const r = createStreamRedactor({ bundle, replacement: replace, ...(scanEvery === undefined ? {} : { scanEvery }), ...extra });
  let out = "";
  for (const c of chunks) out += r.push(c);
  return out + r.flush();
}

// Values (valid, so they are redacted) and disguises (evasion defences the engine undoes).
const VALUES = [
  "john.doe@example.com", "first.stuff@example.com", "(555) 123-4567", "123-45-6789", "4111 1111 1111 1111", "10.0.0.1", "DE89 3704 0044 0532 0130 00",
  "0x52908400098527886E0F7030069857D2E4169EE7", "date of birth: 1990-01-31", "Springfield, IL 62704-1234", "+44 20 7946 0958", "SW1A 1AA",
  "00:1A:2B:3C:4D:5E", "AKIAIOSFODNN7EXAMPLE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "api_key = \"q8Zr2LmX0pV7sTbN4wEy\"",
  "postgres://app:Tr0ub4dor3@db:5432/prod", "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", githubStyleToken("ghp_", prng(1)),
];
const DISGUISES: ((v: string) => string)[] = [
  (v) => v,
  (v) => v.replace(/(.)(.)(.)/, "$1\u200B$2\u200C\u200D$3"),
  (v) => v.replace(/@/g, "%40"),
  (v) => v.replace(/@/g, "&#64;"),
  (v) => v.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
  (v) => [...v].join("\u0301"),
  (v) => v.replace(/[0-9]/, (d) => String.fromCodePoint(0x1d7ce + Number(d))),
  (v) => `\u202E${v}\u202C`,
  // glued to word characters and digits: boundary checks must see the same neighbours in a stream
  (v) => `x${v}`,
  (v) => `9${v}`,
  (v) => `${v}b`,
  (v) => `_\u200B${v}`,
  // compatibility expansions (one character, several normalised units): ligatures, ⒈-style and
  // two-digit circled numbers, astral 🄀 (0.), and expanding characters glued to the value
  (v) => v.replace("fi", "\uFB01").replace("st", "\uFB06").replace("ff", "\uFB00").replace("1.", "\u2488").replace("0.", "\u{1F100}"),
  (v) => v.replace(/12|45|11/g, (d) => String.fromCharCode(d === "12" ? 0x246b : d === "45" ? 0x32ba : 0x246a)),
  (v) => `\u2474${v}\u2026`,
  (v) => `\u33AF${v}\u2100`,
];
const FILLER = ["see", "note:", "é", "🎉", "mail", "then", "100%", "R&D", "x", "—", "\n", "  ", "1234", "v1.2.3", "😀😀", "a\u0308", "\uFEFF", "\uFB03", "\u2026", "\u247D", "\u33AF", "\u{1F110}", "\u00BD"];

const piece = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...VALUES), fc.integer({ min: 0, max: DISGUISES.length - 1 })).map(([v, d]) => (DISGUISES[d] as (v: string) => string)(v)) },
  { weight: 4, arbitrary: fc.constantFrom(...FILLER) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
);
const textOf = (minLength: number, maxLength: number) =>
  fc.array(piece, { minLength, maxLength }).chain((pieces) => fc.array(fc.constantFrom(" ", "", ", ", "\t"), { minLength: pieces.length, maxLength: pieces.length }).map((seps) => pieces.map((p, i) => p + seps[i]).join("")));
// Long enough (about 400-2,000 units) to cross the hold-back (428 units here) several times.
const text = textOf(40, 160);

/** Random cut points (UTF-16 offsets, so surrogate pairs and escape sequences get split too). */
function chunkify(t: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (t.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(t.slice(prev, c));
    prev = c;
  }
  out.push(t.slice(prev));
  return out;
}

describe("redactStream: concat(redactStream(chunks)) === redact(concat(chunks))", () => {
  it("property: random texts with PII, secrets and evasions; random chunkings; small scan batches", () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 80 }), fc.constantFrom("placeholder", "token", "mask"), fc.constantFrom(1, 7, 64, undefined), (t, cuts, strategy, scanEvery) => {
        const bundle = BUNDLES[strategy as keyof typeof BUNDLES];
        const rep = () => replacementFor(bundle.meta, { vault: createTokenVault() });
        const expected = whole(bundle, t, rep());
        const got = streamed(bundle, chunkify(t, cuts), rep(), scanEvery);
        if (got !== expected) throw new Error(`mismatch\n text ${JSON.stringify(t)}\n cuts ${JSON.stringify(cuts)}\n want ${JSON.stringify(expected)}\n got  ${JSON.stringify(got)}`);
        return true;
      }),
      { numRuns: 400, seed: 20261125 },
    );
  });

  it("property: one-unit chunks, a scan and a cut after every unit (every position is a cut once)", () => {
    fc.assert(
      fc.property(text, (t) => {
        const bundle = BUNDLES.placeholder;
        const rep = replacementFor(bundle.meta);
        const got = streamed(bundle, [...t.split("")], rep, 1);
        const want = whole(bundle, t, rep);
        if (got !== want) throw new Error(`mismatch\n text ${JSON.stringify(t)}\n want ${JSON.stringify(want)}\n got  ${JSON.stringify(got)}`);
        return true;
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it("long texts across many windows, default batching (hold-back and batch sizes as in production), and as one chunk", () => {
    const bundle = BUNDLES.token;
    const r = (() => { let a = 0x2545f491; return () => { a ^= a << 13; a >>>= 0; a ^= a >>> 17; a ^= a << 5; a >>>= 0; return a; }; })();
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) parts.push(i % 5 === 0 ? (DISGUISES[r() % DISGUISES.length] as (v: string) => string)(VALUES[r() % VALUES.length] as string) : (FILLER[r() % FILLER.length] as string));
    const t = parts.join(" ");
    const expected = whole(bundle, t, replacementFor(bundle.meta, { vault: createTokenVault() }));
    for (const size of [1, 3, 17, 256, 4096, t.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < t.length; i += size) chunks.push(t.slice(i, i + size));
      expect(streamed(bundle, chunks, replacementFor(bundle.meta, { vault: createTokenVault() })), `chunk size ${size}`).toBe(expected);
    }
    expect(expected).not.toContain("john.doe@example.com");
  });

  it("property: dense PII (more findings per window than one engine call reports: 1,024 here), random chunkings and batches", () => {
    const dense = fc
      .array(fc.tuple(fc.constantFrom("a@b.io", "123-45-6789", "10.0.0.1", "x@y.co", "AKIAIOSFODNN7EXAMPLE", "(555) 123-4567"), fc.nat(DISGUISES.length - 1), fc.constantFrom(",", " ", "\n", ";\u200B", " é ")), { minLength: 300, maxLength: 1500, size: "max" })
      .map((rows) => rows.map(([v, d, sep]) => (DISGUISES[d] as (v: string) => string)(v) + sep).join(""));
    let overCap = 0;
    lowCapOverflows = 0;
    fc.assert(
      fc.property(dense, fc.array(fc.nat(), { maxLength: 30 }), fc.constantFrom(undefined, 3000, 20_000), (t, cuts, scanEvery) => {
        const bundle = BUNDLES.placeholder;
        const rep = replacementFor(bundle.meta);
        const want = wholeByRanges(bundle, t, rep);
        if ((want.match(/</g)?.length ?? 0) > 1024) overCap++;
        const got = streamed(bundle, chunkify(t, cuts), rep, scanEvery, lowCap());
        if (got !== want) throw new Error(`mismatch (scanEvery ${scanEvery})\n text ${JSON.stringify(t)}\n cuts ${JSON.stringify(cuts)}`);
        return true;
      }),
      { numRuns: 40, seed: 31337 },
    );
    // the generator does reach past what one call reports (so windows of 20,000 units split)
    expect(overCap).toBeGreaterThan(5);
    expect(lowCapOverflows).toBeGreaterThan(0);
  });

  it("a CSV of 20,000 e-mails and phones under every rule (H = 65,543): chunks of 1, 7, 4,096 and 100,000 units", () => {
    const bundle = compilePolicyObject({ name: "every-rule", rules: { pii_redaction: { enabled: true, categories: ALL_PII, secrets: { enabled: true } } } });
    expect(streamHoldBack(bundle)).toBe(65_535 + 8);
    const rows: string[] = [];
    for (let i = 0; i < 20_000; i++) rows.push(`user${i}@example.com,(555) 2${String(i % 100).padStart(2, "0")}-${String(i).padStart(4, "0").slice(-4)}\n`);
    const t = rows.join("");
    const rep = replacementFor(bundle.meta);
    // the reference, three times: one engine call (40,000 findings), 200 rows at a time (400
    // findings per call), and by report ranges of the whole text
    const want = whole(bundle, t, rep);
    let byRows = "";
    for (let i = 0; i < rows.length; i += 200) byRows += whole(bundle, rows.slice(i, i + 200).join(""), rep);
    expect(want === byRows).toBe(true);
    expect(want === wholeByRanges(bundle, t, rep, 10_000)).toBe(true);
    expect(want.slice(0, 24)).toBe("<EMAIL>,<PHONE>\n<EMAIL>,");
    lowCapOverflows = 0;
    for (const size of [1, 7, 4096, 100_000]) {
      const chunks: string[] = [];
      for (let i = 0; i < t.length; i += size) chunks.push(t.slice(i, i + size));
      expect(streamed(bundle, chunks, rep) === want, `chunk size ${size}`).toBe(true);
      // an engine that reports 1,024 findings per call overflows on every window: its report ranges split
      if (size >= 4096) expect(streamed(bundle, chunks, rep, undefined, lowCap()) === want, `chunk size ${size}, 1,024 reports`).toBe(true);
    }
    expect(lowCap().createEngine().maxReports).toBe(1024);
    expect(lowCapOverflows).toBeGreaterThan(0);
    // flush() alone (the whole text pending at the end) splits its reports the same way
    const r = createStreamRedactor({ bundle, replacement: rep, scanEvery: 1 << 20, ...lowCap() });
    expect(r.push(t.slice(0, 300_000)) + r.flush() === wholeByRanges(bundle, t.slice(0, 300_000), rep, 10_000)).toBe(true);
  }, 360_000);

  it("a hold-back capped below the longest rule (maxMatchLength) also reports the context's findings: dense text still streams", () => {
    const bundle = compilePolicyObject({ name: "capped", rules: { pii_redaction: { enabled: true, categories: ["email", "ssn"], secrets: { enabled: true, categories: ["private_key"] } } } });
    const t = "a@b.io 123-45-6789 ".repeat(8000);
    const rep = replacementFor(bundle.meta);
    const want = wholeByRanges(bundle, t, rep);
    for (const size of [5, 50_000]) {
      const chunks: string[] = [];
      for (let i = 0; i < t.length; i += size) chunks.push(t.slice(i, i + size));
      expect(streamed(bundle, chunks, rep, 4096, { maxMatchLength: 512 }) === want, `chunk size ${size}`).toBe(true);
    }
  });

  it("async iterables and web TransformStreams give the same output", async () => {
    const bundle = BUNDLES.placeholder;
    const t = `mail john.doe@example.com or ${"x ".repeat(900)} call (555) 123-4567, key AKIAIOSFODNN7EXAMPLE`;
    const expected = whole(bundle, t, replacementFor(bundle.meta));
    async function* gen() { for (let i = 0; i < t.length; i += 13) yield t.slice(i, i + 13); }
    let a = "";
    for await (const piece of redactStream(gen(), { bundle })) a += piece;
    expect(a).toBe(expected);
    const rs = new ReadableStream<string>({ start(c) { for (let i = 0; i < t.length; i += 29) c.enqueue(t.slice(i, i + 29)); c.close(); } });
    let b = "";
    const reader = rs.pipeThrough(redactTransformStream({ bundle })).getReader();
    for (;;) { const { done, value } = await reader.read(); if (done) break; b += value; }
    expect(b).toBe(expected);
  });

  it("memory stays bounded: pending text never exceeds H + batch + one chunk on a long stream", () => {
    const bundle = BUNDLES.placeholder;
    const H = streamHoldBack(bundle);
    const r = createStreamRedactor({ bundle });
    const line = "contact john.doe@example.com or 123-45-6789 about the order; nothing else here. ";
    let maxPending = 0;
    let out = 0;
    for (let i = 0; i < 20_000; i++) {
      out += r.push(line).length;
      maxPending = Math.max(maxPending, r.pending);
    }
    out += r.flush().length;
    expect(out).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(H + Math.max(1024, H) + line.length);
    expect(r.holdBack).toBe(H);
  });

  it("memory stays bounded with `remove` (empty output) and with large chunks: context + pending only", () => {
    const bundle = compilePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, strategy: "remove" } } });
    const H = streamHoldBack(bundle);
    const all = "john.doe@example.com ".repeat(50_000); // 1 MB of addresses
    for (const size of [7, 4096, 100_000]) {
      const r = createStreamRedactor({ bundle });
      let maxBuffered = 0;
      let out = "";
      for (let i = 0; i < all.length; i += size) {
        out += r.push(all.slice(i, i + size));
        maxBuffered = Math.max(maxBuffered, r.buffered);
      }
      out += r.flush();
      expect(out.replace(/ /g, "")).toBe("");
      // context (K = H, plus at most one unit sequence) + pending (H + batch) + one chunk
      expect(maxBuffered, `chunk ${size}`).toBeLessThanOrEqual(2 * H + Math.max(1024, H) + size + 64);
    }
  });

  it("a flood of invisible characters without visible text fails closed past maxBuffer, or cuts with onOverflow: flush", () => {
    const bundle = BUNDLES.placeholder;
    const H = streamHoldBack(bundle);
    const r = createStreamRedactor({ bundle, maxBuffer: 4 * H });
    expect(() => { for (let i = 0; i < 10 * H; i++) r.push("\u200B"); }).toThrow(RedactionStreamError);
    const f = createStreamRedactor({ bundle, maxBuffer: 4 * H, onOverflow: "flush" });
    let out = "";
    for (let i = 0; i < 10 * H; i++) out += f.push("\u200B");
    out += f.flush();
    expect(out).toBe("\u200B".repeat(10 * H));
  });

  it("streams of one bundle share one scan engine: interleaved in any order, each gives its own output", () => {
    const bundle = BUNDLES.placeholder;
    let made = 0;
    const createEngine = () => {
      made++;
      return loadEngineSync();
    };
    const texts = fc.sample(textOf(60, 160), { numRuns: 3, seed: 7 });
    const phases = ["output", "input", "output"] as const;
    const solo = texts.map((t, i) => streamed(bundle, chunkify(t, [17, 230, 231, 900]), replacementFor(bundle.meta), 64, { phase: phases[i] }));
    const rs = texts.map((_, i) => createStreamRedactor({ bundle, scanEvery: 64, phase: phases[i], createEngine }));
    const outs = texts.map(() => "");
    const chunks = texts.map((t) => t.match(/[\s\S]{1,9}/g) ?? []);
    for (let k = 0; chunks.some((c) => k < c.length); k++) {
      for (let i = 0; i < rs.length; i++) if (k < chunks[i]!.length) outs[i] += rs[i]!.push(chunks[i]![k]!);
    }
    for (let i = 0; i < rs.length; i++) outs[i] += rs[i]!.flush();
    expect(outs).toEqual(solo);
    expect(made).toBe(1);
    // another bundle gets an instance of its own
    const r = createStreamRedactor({ bundle: BUNDLES.mask, scanEvery: 64, createEngine });
    expect(r.push(texts[0]!) + r.flush()).toBe(whole(BUNDLES.mask, texts[0]!, replacementFor(BUNDLES.mask.meta)));
    expect(made).toBe(2);
  });

  it("a scan engine that faulted is dropped: the next stream gets a fresh one", () => {
    const bundle = BUNDLES.placeholder;
    let made = 0;
    const createEngine = () => {
      const e = loadEngineSync();
      if (made++ === 0) {
        e.postCall = () => {
          throw new EngineFaultError("engine trapped: simulated");
        };
      }
      return e;
    };
    const t = "mail john.doe@example.com now ".repeat(50);
    expect(() => createStreamRedactor({ bundle, scanEvery: 64, createEngine }).push(t)).toThrow(EngineFaultError);
    const r = createStreamRedactor({ bundle, scanEvery: 64, createEngine });
    expect(r.push(t) + r.flush()).toBe(whole(bundle, t, replacementFor(bundle.meta)));
    expect(made).toBe(2);
  });

  it("per-tool overrides apply to streams of that tool", () => {
    const bundle = compilePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, categories: ["email", "ssn"], per_tool: { chat: { categories: ["ssn"], strategy: "mask" } } } } });
    const r = createStreamRedactor({ bundle, tool: "chat" });
    expect(r.push("a@b.io 123-45-6789 ") + r.flush()).toBe("a@b.io ***-**-**** ");
    const s = createStreamRedactor({ bundle, tool: "other" });
    expect(s.push("a@b.io 123-45-6789 ") + s.flush()).toBe("<EMAIL> <SSN> ");
  });

  // compiles every secret rule: about 2-5 s, more on a slower or busier machine than the default timeout allows
  it("the hold-back is the longest enabled rule (capped) plus a margin", { timeout: 60_000 }, () => {
    expect(streamHoldBack(compilePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, categories: ["ssn"] } } }))).toBe(11 + 8);
    expect(streamHoldBack(compilePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, categories: PII } } }))).toBe(320 + 8); // email
    expect(streamHoldBack(compilePolicyObject({ name: "p", rules: { pii_redaction: { enabled: true, secrets: { enabled: true } } } }))).toBe(65_535 + 8); // PEM keys: the longest maxLen a rule may have
  });
});

// PEM private keys: the two PEM rules have maxLen 65,535, the longest any rule may have. The
// hold-back covers it (H = 65,543), so a key block of any length up to maxLen is found whole
// whatever the chunking, with `\n` newlines (which private_key_fragment also matches) and with
// JSON-escaped `\\n` (which it does not: there only private_key holds the block together).
describe("redactStream: PEM private keys up to maxLen across cuts", () => {
  const pemBundle = (rules: string[]) =>
    compilePolicyObject({ name: `pem-${rules.join("-")}`, rules: { pii_redaction: { enabled: true, categories: ["email"], secrets: { enabled: true, categories: rules } } } });
  const PEM = { both: pemBundle(["private_key", "private_key_fragment", "aws_access_key"]), whole: pemBundle(["private_key"]) };
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  /** A PEM block of about `units` UTF-16 units (64-character lines), newlines real or JSON-escaped. */
  function pemBlock(units: number, seed: number, escaped: boolean, end = true): string {
    const r = prng(seed);
    const nl = escaped ? "\\n" : "\n";
    const head = `-----BEGIN RSA PRIVATE KEY-----${nl}`;
    const tail = `-----END RSA PRIVATE KEY-----`;
    let body = "";
    while (head.length + body.length + tail.length < units) {
      let line = "";
      for (let i = 0; i < 64; i++) line += B64[Math.floor(r() * 64)];
      body += line + nl;
    }
    return head + body + (end ? tail : "");
  }
  const filler = (n: number, seed: number) => {
    const r = prng(seed);
    let s = "";
    // a finding every ~500 units: the one-shot reference must stay under 1,024 findings per call
    while (s.length < n) s += `${r() < 0.01 ? (r() < 0.5 ? "mail a@b.io" : "AKIAIOSFODNN7EXAMPLE") : ["note", "ok", "x", "-", "BEGIN"][Math.floor(r() * 5)]} `;
    return s.slice(0, n);
  };

  it("property: blocks up to maxLen (and just past it) inside text, split at random points", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 65_600 }),
        fc.integer({ min: 0, max: 90_000 }),
        fc.boolean(),
        fc.constantFrom("both", "whole"),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        (size, before, escaped, which, cuts, seed) => {
          const bundle = PEM[which as keyof typeof PEM];
          const t = `${filler(before, seed)}key: ${pemBlock(size, seed, escaped)} then ${filler(70_000, seed + 1)}`;
          const rep = replacementFor(bundle.meta);
          const want = whole(bundle, t, rep);
          const got = streamed(bundle, chunkify(t, cuts), rep);
          if (got !== want) throw new Error(`mismatch: block of ${size} units after ${before}, escaped ${escaped}, rules ${which}, cuts ${JSON.stringify(cuts.map((c) => c % (t.length + 1)))}`);
          return true;
        },
      ),
      { numRuns: 24, seed: 65_535 },
    );
  });

  it("a block longer than 16,384 units with JSON-escaped newlines, cut in its middle, is redacted whole", () => {
    const bundle = PEM.whole;
    const t = `${filler(20_000, 1)}"private_key": "${pemBlock(40_000, 2, true)}" ${filler(100_000, 3)}`;
    const rep = replacementFor(bundle.meta);
    const want = whole(bundle, t, rep);
    expect(want).toContain('"private_key": "<PRIVATE_KEY>"');
    expect(want).not.toContain("-----BEGIN");
    for (const cut of [40_000, 50_000, 59_000]) expect(streamed(bundle, [t.slice(0, cut), t.slice(cut)], rep), `cut at ${cut}`).toBe(want);
  });

  it("one-unit chunks with a scan every 512 units across a shorter block", () => {
    for (const [which, escaped] of [["both", false], ["whole", true]] as const) {
      const bundle = PEM[which];
      const t = `${filler(66_000, 4)} ${pemBlock(3_000, 5, escaped)} ${filler(68_000, 6)}`;
      const rep = replacementFor(bundle.meta);
      expect(streamed(bundle, t.split(""), rep, 512), `${which} escaped ${escaped}`).toBe(whole(bundle, t, rep));
    }
  });

  it("memory stays bounded on an endless block without an END line (both rules, and private_key alone)", () => {
    for (const [which, escaped] of [["both", false], ["whole", false], ["both", true]] as const) {
      const bundle = PEM[which];
      const H = streamHoldBack(bundle);
      expect(H).toBe(65_535 + 8);
      const r = createStreamRedactor({ bundle });
      const body = pemBlock(4_000_000, 7, escaped, false); // 4 M units, no END line
      const size = 1_000;
      let maxBuffered = 0;
      let out = 0;
      for (let i = 0; i < body.length; i += size) {
        out += r.push(body.slice(i, i + size)).length;
        maxBuffered = Math.max(maxBuffered, r.buffered);
      }
      out += r.flush().length;
      expect(out, which).toBeGreaterThan(0);
      expect(maxBuffered, `${which} escaped ${escaped}`).toBeLessThanOrEqual(2 * H + Math.max(1024, H) + size + 64);
    }
  });
});
