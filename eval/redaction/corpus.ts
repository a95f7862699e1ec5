// The labeled redaction corpus: synthetic records with known spans for every PII type and a sample
// of secret rules, some disguised by the evasions the engine undoes, plus clean records of
// near-misses that must stay untouched. Deterministic: the same seed gives the same corpus.
import { int, PII_VALUES, pick, prng, SECRET_VALUES, type Rand, type Value } from "./values.js";

export interface GoldSpan {
  readonly type: string;
  readonly kind: "pii" | "secret";
  readonly start: number;
  readonly end: number;
  /** The evasion applied to the value, if any. */
  readonly disguise: string | null;
}

export interface CorpusRecord {
  readonly id: number;
  readonly text: string;
  readonly spans: readonly GoldSpan[];
  /** A clean record: no span, and nothing in it may be redacted. */
  readonly clean: boolean;
}

const LEAD = ["Customer note:", "Ticket #4821 -", "From the CRM export:", "Re: your request,", "Log line:", "Form submission", "Please update", "Record"];
const LINK = [" and ", ", ", "; ", " / ", " - then ", ". Also ", "\n", " (see ", " with "];
const LABEL: Record<string, string[]> = {
  email: ["mail", "e-mail", "contact"], phone: ["call", "phone", "tel"], ssn: ["SSN", "social security no."], credit_card: ["card", "paid with"],
  ip_address: ["from IP", "host"], passport: ["passport"], iban: ["IBAN", "account"], ipv6: ["addr", "client"], mac_address: ["MAC", "device"],
  us_routing_number: ["routing", "ABA"], uk_nino: ["NI number", "NINO"], ca_sin: ["SIN"], btc_address: ["BTC", "wallet"], eth_address: ["ETH wallet", "send to"],
  us_ein: ["EIN", "employer id"], es_dni: ["DNI"], es_nie: ["NIE"], it_fiscal_code: ["codice fiscale", "CF"], in_pan: ["PAN"], in_aadhaar: ["Aadhaar", "UID"],
  br_cpf: ["CPF"], nl_bsn: ["BSN"], phone_intl: ["mobile", "call"], uk_postcode: ["postcode", "deliver to"], vin: ["VIN", "vehicle"], us_itin: ["ITIN"],
  uk_nhs: ["NHS number", "NHS no"], de_tax_id: ["Steuer-ID", "IdNr"], fr_nir: ["NIR", "sécu"], sg_nric: ["NRIC", "FIN"], fi_hetu: ["HETU", "henkilötunnus"],
  pl_pesel: ["PESEL"], au_tfn: ["TFN"], us_npi: ["NPI"], cn_resident_id: ["ID card", "身份证"], se_personnummer: ["personnummer"], za_id: ["ID number", "SA ID"],
  au_medicare: ["Medicare"],
};

/** Evasions the engine's defences undo (docs/REDACTION.md); the gold span covers the disguised text. */
const DISGUISES: readonly [string, (v: string) => string | null][] = [
  // (bidi wraps the value: the engine's span runs from the first to the last visible unit, so the
  // gold span is the value inside the controls)
  ["zero-width", (v) => (v.length > 4 ? `${v.slice(0, 2)}\u200B${v.slice(2, 4)}\u200D${v.slice(4)}` : null)],
  ["fullwidth", (v) => (/[0-9]/.test(v) ? v.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))) : null)],
  ["percent", (v) => (v.includes("@") ? v.replace(/@/g, "%40") : null)],
  ["html-entity", (v) => (v.includes("@") ? v.replace(/@/g, "&#64;") : v.includes("-") ? v.replace(/-/g, "&#45;") : null)],
  ["nfd-marks", (v) => (/[0-9]/.test(v) ? v.replace(/[0-9]/, (d) => `${d}\u0332`) : null)],
  ["bidi", (v) => `\u2066${v}\u2069`],
];

// ---- clean text: near-misses that must not be redacted ------------------------------------------

function luhnFails(r: Rand): string {
  for (;;) {
    const d = [4, ...Array.from({ length: 15 }, () => int(r, 0, 9))];
    let sum = 0;
    for (let i = d.length - 1, dbl = false; i >= 0; i--, dbl = !dbl) {
      let v = d[i] as number;
      if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 !== 0) return d.join("").replace(/(\d{4})(?=\d)/g, "$1 ");
  }
}
const hex = (r: Rand, n: number) => Array.from({ length: n }, () => "0123456789abcdef"[int(r, 0, 15)]).join("");
const NEAR_MISSES: readonly ((r: Rand) => string)[] = [
  (r) => `card number ${luhnFails(r)} was declined`,
  (r) => `release v${int(r, 0, 9)}.${int(r, 0, 30)}.${int(r, 0, 99)} is out`,
  (r) => `request id ${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`,
  (r) => `commit ${hex(r, 40)} merged`,
  (r) => `sha256 ${hex(r, 64)}`,
  (r) => `meeting on ${2000 + int(r, 0, 25)}-${String(int(r, 1, 12)).padStart(2, "0")}-${String(int(r, 1, 28)).padStart(2, "0")} at ${int(r, 8, 18)}:00`,
  (r) => `order #${int(r, 100000, 999999)} shipped, ${int(r, 2, 40)} items, total $${int(r, 10, 999)}.${String(int(r, 0, 99)).padStart(2, "0")}`,
  (r) => `listening on localhost:${int(r, 1024, 65535)}`,
  (r) => `invalid SSN 000-${String(int(r, 10, 99))}-${String(int(r, 1000, 9999))} rejected`,
  (r) => `area 666-${String(int(r, 10, 99))}-${String(int(r, 1000, 9999))} is never issued`,
  (r) => `IPv4-like ${int(r, 256, 999)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 0, 255)} is not an address`,
  (r) => `five groups ${Array.from({ length: 5 }, () => hex(r, 2).toUpperCase()).join(":")} only`,
  (r) => `zip ${int(r, 10000, 99999)} without a plus-four`,
  () => `api_key = "\${API_KEY}" from the environment`,
  () => `password: "<your password here>"`,
  () => `token=xxxxxxxxxxxxxxxxxxxxxxxx`,
  (r) => `see https://example.com/docs/${hex(r, 6)}?page=${int(r, 1, 9)}`,
  (r) => `std::vector<int> v(${int(r, 1, 99)}); time 12:30:45`,
  (r) => `ISBN 978-${int(r, 0, 9)}-${int(r, 100, 999)}-${int(r, 10000, 99999)}-${int(r, 0, 9)}`,
  (r) => `the ratio was ${int(r, 1, 9)}/${int(r, 10, 99)} and ${int(r, 10, 99)}% of ${int(r, 100, 999)}`,
  (r) => `temperature ${int(r, -20, 40)}°C, pressure ${int(r, 950, 1050)} hPa, wind ${int(r, 0, 99)} km/h`,
  (r) => `0x${hex(r, 39)} is one digit short`,
  () => `ghp_${"A".repeat(36)} is a placeholder`,
  () => `AKIA${"X".repeat(16)} (example key shape)`,
  (r) => `call ext. ${int(r, 100, 9999)} or room ${int(r, 100, 999)}`,
  (r) => `build ${int(r, 1, 9)}.${int(r, 0, 9)}.${int(r, 0, 9)}.${int(r, 1000, 9999)}-beta`,
  (r) => `{"nextPageToken": "C${hex(r, 30)}", "tokenizer": "bert-base-uncased-whole-word-masking"}`,
  () => `"token": "authentication-required-for-this-endpoint"`,
];

// ---- records ----------------------------------------------------------------------------------

function generate(gen: (r: Rand) => Value | string, r: Rand): { text: string; redact: string } {
  const v = gen(r);
  return typeof v === "string" ? { text: v, redact: v } : { text: v.text, redact: v.redact ?? v.text };
}

export interface CorpusOptions {
  readonly seed?: number;
  /** Values generated per PII type and per secret rule. */
  readonly perType?: number;
  /** Clean near-miss records. */
  readonly clean?: number;
  /** Share of values that get an evasion disguise (0-1). */
  readonly disguised?: number;
}

/** Builds the corpus: records of 1-4 labeled values in prose, and clean near-miss records. */
export function buildCorpus(options: CorpusOptions = {}): CorpusRecord[] {
  const r = prng(options.seed ?? 20261125);
  const perType = options.perType ?? 50;
  const disguised = options.disguised ?? 0.15;
  // One queue of (type, kind) occurrences, shuffled, then cut into records.
  const queue: { type: string; kind: "pii" | "secret" }[] = [];
  for (const type of Object.keys(PII_VALUES)) for (let i = 0; i < perType; i++) queue.push({ type, kind: "pii" });
  for (const type of Object.keys(SECRET_VALUES)) for (let i = 0; i < perType; i++) queue.push({ type, kind: "secret" });
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [queue[i], queue[j]] = [queue[j] as (typeof queue)[number], queue[i] as (typeof queue)[number]];
  }
  const records: CorpusRecord[] = [];
  let q = 0;
  while (q < queue.length) {
    const n = Math.min(int(r, 1, 4), queue.length - q);
    let text = `${pick(r, LEAD)} `;
    const spans: GoldSpan[] = [];
    for (let k = 0; k < n; k++, q++) {
      const { type, kind } = queue[q] as (typeof queue)[number];
      const gen = kind === "pii" ? (PII_VALUES[type] as (r: Rand) => Value | string) : (SECRET_VALUES[type] as (r: Rand) => Value | string);
      let { text: vt, redact } = generate(gen, r);
      let disguise: string | null = null;
      if (kind === "pii" && vt === redact && r() < disguised) {
        const [name, f] = pick(r, DISGUISES);
        const d = f(vt);
        if (d !== null) {
          redact = name === "bidi" ? vt : d;
          vt = d;
          disguise = name;
        }
      }
      if (k > 0) text += pick(r, LINK);
      const label = kind === "pii" && type !== "date_of_birth" && type !== "us_zip4" ? `${pick(r, LABEL[type] ?? ["value"])} ` : "";
      text += label;
      const at = text.length + vt.indexOf(redact);
      text += vt;
      spans.push({ type, kind, start: at, end: at + redact.length, disguise });
    }
    text += pick(r, [".", "", " - thanks.", ")", " end"]);
    records.push({ id: records.length, text, spans, clean: false });
  }
  const nClean = options.clean ?? 600;
  for (let i = 0; i < nClean; i++) {
    const parts = Array.from({ length: int(r, 1, 3) }, () => pick(r, NEAR_MISSES)(r));
    records.push({ id: records.length, text: `${pick(r, LEAD)} ${parts.join(pick(r, LINK))}.`, spans: [], clean: true });
  }
  return records;
}

export const CORPUS_PII_TYPES = Object.keys(PII_VALUES);
export const CORPUS_SECRET_TYPES = Object.keys(SECRET_VALUES);
