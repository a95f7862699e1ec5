// The redaction corpus, run under Node, Deno and Bun (each through its own dist bundle): every
// PII category and secret rule, evasion defences, and each strategy. Every line it prints must be
// byte-identical across runtimes (test/redaction/runtimes.test.ts); the policies are compiled in
// each runtime, so the bundle digests also prove the entity compiler deterministic.
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const api = await import(`../../dist/${runtime}.js`);
const { xorshift32 } = await import("../../build/tsc/eval/redaction/checksums.js");

// xorshift32: integer-only, so every runtime draws the same sequence.
const rand = xorshift32(0x2545f491);
const pick = (xs) => xs[rand(xs.length)];

const VALUES = [
  "john@example.com", "(555) 123-4567", "123-45-6789", "4111 1111 1111 1111", "10.0.0.1", "AB1234567",
  "DE89 3704 0044 0532 0130 00", "2001:db8::8a2e:370:7334", "00:1A:2B:3C:4D:5E", "021000021", "AB 12 34 56 C", "130 692 544",
  "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "0x52908400098527886E0F7030069857D2E4169EE7", "date of birth: 1990-01-31", "12-3456789",
  "12345678Z", "X1234567L", "RSSMRA85T10A562S", "ABCPE1234F", "2341 2341 2346", "529.982.247-25", "111222333", "+44 20 7946 0958",
  "SW1A 1AA", "Springfield, IL 62704-1234", "1M8GDM9AXKP042788", "912-70-1234", "943 476 5919", "86095742719", "1 85 05 78 006 084 91",
  "S1234567D", "131052-308T", "44051401359", "123 456 782", "1234567893", "11010519491231002X", "811218-9876", "8001015009087", "2123 45670 1",
  "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
  "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "postgres://app:Tr0ub4dor3@db:5432/prod", "OPENAI_API_KEY=\"q8Zr2LmX0pV7sTbN4wEy\"", "Authorization: Basic YWRtaW46czNjcmV0IQ==",
  "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "glpat-Ab3dE5gH7jK9mN1pQ3sT", "npm_abcdefghijklmnopqrstuvwxyz0123456789",
  "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MbSXtgGBa9JkGJ9d\n-----END RSA PRIVATE KEY-----",
];
const DISGUISES = [
  (v) => v,
  (v) => v.replace(/(.)(.)/, "$1\u200B$2"),
  (v) => v.replace(/(.)(.)(.)/, "$1\u200B\u200C\u200D\u200E\u200F\u200B$2\uFEFF\u200B\u200D$3"), // zero-width runs (dropped four at a time)
  (v) => v.replace(/A/, "\u13AA").replace(/o/, "\u0585").replace(/e/, "\u0435"), // Cherokee Ꭺ, Armenian օ, Cyrillic е (confusables)
  (v) => v.replace(/@/g, "&#64;"),
  (v) => v.replace(/@/g, "%40"),
  (v) => v.replace(/[0-9]/, (d) => String.fromCharCode(0xff10 + Number(d))),
  (v) => v.replace(/o/, "\u043E"),
  (v) => `\u202E${v}\u202C`,
  // compatibility expansions: ligatures, ⒈-style and two-digit circled numbers, astral 🄀 (0.)
  (v) => v.replace("fi", "\uFB01").replace("st", "\uFB06").replace("1.", "\u2488").replace("0.", "\u{1F100}").replace("12", "\u246B").replace("45", "\u32BA"),
];
const FILLER = ["see", "note:", "é", "🎉", "mail", "then", "x", "—", "the", "ok", "\u2026", "\u247D", "\uFB03", "中文说明", "한국어 메모"];

const base = {
  enabled: true,
  categories: ["email", "phone", "ssn", "credit_card", "ip_address", "passport", "iban", "ipv6", "mac_address", "us_routing_number", "uk_nino", "ca_sin",
    "btc_address", "eth_address", "date_of_birth", "us_ein", "es_dni", "es_nie", "it_fiscal_code", "in_pan", "in_aadhaar", "br_cpf", "nl_bsn",
    "phone_intl", "uk_postcode", "us_zip4", "vin", "us_itin", "uk_nhs", "de_tax_id", "fr_nir", "sg_nric", "fi_hetu", "pl_pesel", "au_tfn", "us_npi",
    "cn_resident_id", "se_personnummer", "za_id", "au_medicare"],
  secrets: { enabled: true },
};

const texts = [];
for (const v of VALUES) for (const d of DISGUISES) texts.push(`${pick(FILLER)} ${d(v)} ${pick(FILLER)}`);
for (let i = 0; i < 200; i++) texts.push(Array.from({ length: 1 + rand(4) }, () => `${pick(FILLER)} ${pick(DISGUISES)(pick(VALUES))}`).join(" "));

const show = (x) => JSON.stringify(x);
/** FNV-1a of a string's UTF-16 units (32-bit, hex): long outputs as one short, comparable word. */
function fnv1a(x) {
  let h = 0x811c9dc5;
  for (let i = 0; i < x.length; i++) h = Math.imul(h ^ x.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}
for (const strategy of ["placeholder", "mask", "hash", "token", "remove"]) {
  const bundle = api.compilePolicyObject({ name: `redaction-${strategy}`, rules: { pii_redaction: { ...base, strategy } } });
  console.log(`policy ${strategy} ${bundle.digest} ${bundle.bytes.length}`);
  const engine = api.loadEngineSync();
  engine.loadPolicy(bundle);
  const replace = api.replacementFor(bundle.meta, strategy === "token" ? { vault: api.createTokenVault() } : strategy === "hash" ? { hmacKey: "corpus-key" } : {});
  for (const text of texts) {
    const d = engine.preCall({ tool: "t", args: { text }, now: 1 });
    const work = engine.lastScanWork(); // the engine's count of verification work: the same everywhere too
    const out = api.redactSpans({ text }, d.violations, replace);
    console.log(`${show(text)} -> ${show(out.value.text)} ${out.count} ${d.violations.map((v) => `${v.rule}@${v.span?.start}-${v.span?.end}`).join(",")} work=${work}`);
  }
  // One call with thousands of findings: an answer longer than the engine's fixed output region.
  const many = Array.from({ length: 4 }, () => texts.join("\n")).join("\n");
  const dm = engine.preCall({ tool: "t", args: { text: many }, now: 1 });
  const outMany = api.redactSpans({ text: many }, dm.violations, replace);
  console.log(`many ${strategy} ${dm.decision} ${dm.violations.length} ${fnv1a(outMany.value.text)} ${fnv1a(dm.violations.map((v) => `${v.rule}@${v.span?.start}-${v.span?.end}`).join(","))}`);
  // Streaming (each host's own redactStream export): all texts as one stream, in 7-unit chunks.
  const all = texts.join("\n");
  const r = api.createStreamRedactor({ bundle, replacement: api.replacementFor(bundle.meta, strategy === "token" ? { vault: api.createTokenVault() } : strategy === "hash" ? { hmacKey: "corpus-key" } : {}), scanEvery: 64 });
  let streamed = "";
  for (let i = 0; i < all.length; i += 7) streamed += r.push(all.slice(i, i + 7));
  streamed += r.flush();
  console.log(`stream ${strategy} ${show(streamed)}`);
}
