// The texts of the redaction benchmarks (bench/redaction.mjs, bench/redaction-ab.mjs): seeded, so
// runs are comparable. mixedText draws from one generator: the same sequence of calls gives the
// same texts (bench/redaction.mjs's first call, 1 MB, is the reference of its flatness table).
import { piiPattern } from "../build/tsc/engine/compiler/pii.js";
import { adversarialText, walkerOf } from "../build/tsc/eval/redaction/adversary.js";
import { prng as mulberry32 } from "../build/tsc/eval/redaction/checksums.js";

const r = mulberry32(20260802);
const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
const pick = (xs) => xs[Math.floor(r() * xs.length)];
const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const rand = (n, alphabet = B62, g = r) => Array.from({ length: n }, () => alphabet[Math.floor(g() * alphabet.length)]).join("");

function luhn(prefix, length) {
  const d = [...prefix];
  while (d.length < length - 1) d.push(int(0, 9));
  let sum = 0;
  for (let i = d.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let v = d[i];
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return [...d, (10 - (sum % 10)) % 10].join("");
}
function crc32(s) {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}
function github() {
  const body = rand(30);
  let v = crc32(body);
  let check = "";
  for (let i = 0; i < 6; i++) {
    check = B62[v % 62] + check;
    v = Math.floor(v / 62);
  }
  return `ghp_${body}${check}`;
}
function iban() {
  const bban = Array.from({ length: 18 }, () => int(0, 9)).join("");
  let rem = 0;
  for (const ch of `${bban}131400`) rem = (rem * 10 + Number(ch)) % 97;
  return `DE${String(98 - rem).padStart(2, "0")}${bban}`.replace(/(.{4})(?=.)/g, "$1 ");
}

const WORDS = (
  "the agent reads a report about quarterly results and then drafts a short reply for the team while the scheduler waits on the queue " +
  "because every request needs review before anything leaves the sandbox so the operator checks logs metrics traces budgets and notes " +
  "from yesterday about the migration plan which moved three services into a new cluster with better isolation José Zoë Müller"
).split(" ");
const ENTITIES = [
  () => `Write to ${pick(WORDS).toLowerCase()}.${rand(4).toLowerCase()}@example${int(1, 9)}.org today.`,
  () => `Call (${int(201, 989)}) ${int(200, 999)}-${String(int(0, 9999)).padStart(4, "0")} after lunch.`,
  () => `Card ${luhn([4], 16).replace(/(\d{4})(?=\d)/g, "$1 ")} was charged.`,
  () => `Transfer to IBAN ${iban()} tomorrow.`,
  () => `SSN ${int(100, 665)}-${String(int(1, 99)).padStart(2, "0")}-${String(int(1, 9999)).padStart(4, "0")} on file.`,
  () => `Server ${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)} is up.`,
  () => `export AWS_ACCESS_KEY_ID=AKIA${rand(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}`,
  () => `token: ${github()}`,
  () => `stripe key sk_live_${rand(24)} rotated`,
  () => `Authorization: Bearer eyJ${rand(20)}.eyJ${rand(40)}.${rand(43)}`,
  () => `DATABASE_URL=postgres://app:${rand(12)}@db.internal:5432/prod`,
  () => `api_key = "${rand(32)}"`,
  () => `slack xoxb-${int(1e10, 9e10)}-${int(1e10, 9e10)}-${rand(24)} posted`,
];

/**
 * About `bytes` of prose with one entity sentence every ~2 KB (about 500 per MB), or sparser for
 * larger texts: one call reports at most 1,024 findings (more blocks the call), so every size
 * stays under it and the whole text is scanned.
 */
export function mixedText(bytes) {
  const gap = Math.max(2000, Math.ceil(bytes / 500));
  let s = "";
  let next = Math.min(600, gap / 2);
  let k = 0;
  while (s.length < bytes) {
    s += `${pick(WORDS)} `;
    if (s.length >= next) {
      s += `${ENTITIES[k++ % ENTITIES.length]()} `;
      next = s.length + int(gap * 0.75, gap * 1.25);
    }
  }
  return s.slice(0, bytes);
}

// ---- adversarial (ReDoS-shaped) inputs, by name: n units ---------------------------------------------
// Own generator, so adding shapes never changes the texts above.
const adv = mulberry32(20261125);
function randomRuns(n, next) {
  let s = "";
  while (s.length < n) s += next();
  return s.slice(0, n);
}
export const ADVERSARIAL = {
  "email local part without a domain": (n) => `${"a".repeat(n - 6)}@b.cc_`,
  "digit groups": (n) => "1234 ".repeat(n / 5),
  "colons (IPv6 heads)": (n) => ":".repeat(n),
  "repeated AKIA": (n) => "AKIA".repeat(n / 4),
  "repeated eyJ": (n) => "eyJ".repeat(n / 3),
  "api_key= chains": (n) => "api_key=".repeat(n / 8),
  "percent escapes": (n) => "%41".repeat(n / 3),
  "zero-width characters": (n) => "\u200B".repeat(n),
  "PEM header, no END": (n) => `-----BEGIN RSA PRIVATE KEY-----\n${"A".repeat(n - 32)}`,
  // The same two shapes without a period (each group or value drawn at random): every candidate
  // reads new units, so the engine's memo of the previous failed run (entities.ts) never applies.
  "digit groups 1xxx, random": (n) => randomRuns(n, () => `1${String(Math.floor(adv() * 1000)).padStart(3, "0")} `),
  "api_key= chains, random values": (n) => randomRuns(n, () => `api_key=${rand(7, "abcdefghijklmnopqrstuvwxyz0123456789", adv)}`),
  // Token heads inside one long run of their own body class: every candidate's run could read to
  // the rule's maxLen (12,100 units) without the jumps over runs of one class
  // (engine/assembly/entities.ts); before them this ran at 1.3-1.4 MB/s.
  "JWT heads inside one base64 run": (n) => randomRuns(n, () => `-eyJ${rand(20, B62, adv)}`),
  // Dense candidates: random digit groups, and text made from the SSN rule's own automaton
  // (eval/redaction/adversary.ts), where some twenty numeric ID rules are candidates at every group.
  // The groups hold some 27,000 findings per MB (phone numbers, SSNs, IDs), the walks some 1,500:
  // one call each (adversarialCalls).
  "digit soup: random groups of 1-11 digits": (n) => randomRuns(n, () => ` ${rand(1 + Math.floor(adv() * 11), "0123456789", adv)}`),
  "digit soup: walks of the SSN automaton": (n) => adversarialText(walkerOf(piiPattern("ssn")), { maxPiece: 64, separator: "" }, adv, n),
  // One-letter flags, and the commands whose `-p` is a password: every `-p` was a candidate of the
  // command-line password rules, each scanning back over six arguments (round 13); from round 14
  // each command is one, whose run reads up to six arguments (docs/REDACTION.md, round 14).
  "one-letter flags": (n) => "-pa ".repeat(n / 4),
  "password-flag commands": (n) => "mysql -pa ".repeat(n / 10),
  "sshpass and random arguments": (n) => randomRuns(n, () => `sshpass ${rand(3, "abcdefghijklmnopqrstuvwxyz", adv)} `),
  "mysql -p and random arguments": (n) => randomRuns(n, () => `mysql -p ${rand(1 + Math.floor(adv() * 6), "abcdefghijklmnopqrstuvwxyz", adv)} `),
  // Not adversarial, but the same cost: a table of numbers (a tool's CSV output) holds no finding
  // and still makes every number a candidate of the numeric rules whose heads it starts.
  "CSV of numbers": (n) => randomRuns(n, () => `${adv() < 0.2 ? "\n" : ","}${rand(1 + Math.floor(adv() * 6), "0123456789", adv)}${adv() < 0.5 ? `.${rand(2, "0123456789", adv)}` : ""}`),
};

/**
 * The calls a benchmark makes for an adversarial text: the whole text, or, when one call would
 * reach the engine's limit of `maxReports` findings (the call is then blocked and the scan stops
 * early), consecutive pieces of 16,000 units. The shipped engine reports 65,536 per call, so the
 * built-in shapes are scanned whole; an engine older than that reported 1,024.
 */
export function adversarialCalls(text, findings, maxReports) {
  if (findings(text) < maxReports) return [text];
  const pieces = [];
  for (let i = 0; i < text.length; i += 16_000) pieces.push(text.slice(i, i + 16_000));
  return pieces;
}

// ASCII texts skip normalisation; these do not: accented and ligature-spelled words (ﬁ → fi expands),
// Chinese and Cyrillic prose, and a worst case made only of expanding characters (the buffer is outgrown).
export const NON_ASCII = {
  "prose with accents and ligatures (ﬁ ﬂ …)": (bytes) => mixedText(bytes).replace(/e /g, "é ").replace(/fi/g, "\uFB01").replace(/fl/g, "\uFB02").replace(/\. /g, "\u2026 "),
  "Chinese prose with ASCII entities": (bytes) => mixedText(bytes).replace(/[a-z]{4,}/g, (w) => String.fromCharCode(...[...w].map((c) => 0x4e00 + c.charCodeAt(0) * 7))),
  "Cyrillic prose with ASCII entities": (bytes) => mixedText(bytes).replace(/[a-z]{4,}/g, (w) => String.fromCharCode(...[...w].map((c) => 0x430 + ((c.charCodeAt(0) * 7) % 32)))),
  "only expanding characters (⑽ ㎯ ﬃ …)": (bytes) => "\u247D\u33AF\uFB03\u2026".repeat(Math.round(bytes / 12)),
};
