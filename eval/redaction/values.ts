// Generators of valid values for every PII type and a sample of secret rules, for the labeled
// redaction corpus (eval/redaction/corpus.ts). Each format's rules and checksum are written here
// from its specification, independently of the engine (engine/assembly/checks.ts), so the corpus
// measures the engine instead of agreeing with it by construction.
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { base58Address, githubStyleToken, luhnCheckDigit, prng, segwitAddress, verhoeffCheckDigit } from "./checksums.js";

export { prng };

export type Rand = () => number;

export const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const digits = (r: Rand, n: number): number[] => Array.from({ length: n }, () => int(r, 0, 9));
const str = (r: Rand, alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join("");
const pad = (n: number, w: number) => String(n).padStart(w, "0");
const UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOW = "abcdefghijklmnopqrstuvwxyz";
const DIG = "0123456789";
const B62 = `${DIG}${UP}${LOW}`;
const B64U = `${B62}_-`;
const HEX = "0123456789abcdef";
/**
 * A random token with at least one digit: `lo..hi` units of `alphabet`, a digit, then `lo-1..hi-1`
 * more. For the rules that want a digit and a letter in a value (token_value, env_token,
 * env_secret), which a random token of this length lacks in 1.5-6% of draws.
 */
const tokenWithDigit = (r: Rand, alphabet: string, lo: number, hi: number): string => `${str(r, alphabet, int(r, lo, hi))}${str(r, DIG, 1)}${str(r, alphabet, int(r, lo - 1, hi - 1))}`;

// Django's secret key generator alphabet (django.core.management.utils.get_random_secret_key)
const DJANGO = `${LOW}${DIG}!@#$%^&*(-_=+)`;

function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem;
}

function validDate(y: number, m: number, d: number): boolean {
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return m >= 1 && m <= 12 && d >= 1 && d <= (days[m - 1] as number);
}
function date(r: Rand, from = 1940, to = 2005): [number, number, number] {
  for (;;) {
    const y = int(r, from, to);
    const m = int(r, 1, 12);
    const d = int(r, 1, 31);
    if (validDate(y, m, d)) return [y, m, d];
  }
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const b64url = (s: string) => Buffer.from(s).toString("base64url");

/**
 * A generated value: `text` goes into the record; `redact` is the part that must be redacted
 * (the whole text unless the type keeps context, e.g. `DOB: <date>` or `api_key = "<value>"`).
 */
export interface Value {
  readonly text: string;
  readonly redact?: string;
}

type Gen = (r: Rand) => Value | string;

const IT_ODD: Record<string, number> = Object.fromEntries(
  "0:1 1:0 2:5 3:7 4:9 5:13 6:15 7:17 8:19 9:21 A:1 B:0 C:5 D:7 E:9 F:13 G:15 H:17 I:19 J:21 K:2 L:4 M:18 N:20 O:11 P:3 Q:6 R:8 S:12 T:14 U:16 V:10 W:22 X:25 Y:24 Z:23".split(" ").map((p) => [p.split(":")[0] as string, Number(p.split(":")[1])]),
);
const itEven = (c: string) => (/[0-9]/.test(c) ? Number(c) : c.charCodeAt(0) - 65);

const VIN_ALPHA = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const vinValue = (c: string) => (/[0-9]/.test(c) ? Number(c) : ({ A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 } as Record<string, number>)[c] as number);
const VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const STATES = ["CA", "NY", "TX", "IL", "WA", "MA", "FL", "OR"];

/** Every PII category: generators of valid values in the formats the detector documents. */
export const PII_VALUES: Record<string, Gen> = {
  email: (r) => `${str(r, LOW, int(r, 3, 8))}${pick(r, ["", ".", "_", "+"])}${str(r, LOW + DIG, int(r, 2, 6))}@${str(r, LOW, int(r, 4, 9))}.${pick(r, ["com", "org", "io", "co.uk", "de", "net"])}`,
  phone: (r) => {
    const a = `${int(r, 2, 9)}${int(r, 0, 9)}${int(r, 0, 9)}`;
    const e = `${int(r, 2, 9)}${int(r, 0, 9)}${int(r, 0, 9)}`;
    const n = digits(r, 4).join("");
    return pick(r, [`(${a}) ${e}-${n}`, `${a}-${e}-${n}`, `${a}.${e}.${n}`, `+1 ${a} ${e} ${n}`]);
  },
  ssn: (r) => {
    let area = int(r, 1, 899);
    if (area === 666) area = 667;
    return `${pad(area, 3)}-${pad(int(r, 1, 99), 2)}-${pad(int(r, 1, 9999), 4)}`;
  },
  credit_card: (r) => {
    if (r() < 0.2) {
      const body = [3, pick(r, [4, 7]), ...digits(r, 12)];
      const s = [...body, luhnCheckDigit(body)].join("");
      return `${s.slice(0, 4)} ${s.slice(4, 10)} ${s.slice(10)}`;
    }
    const prefix = pick(r, [[4], [5, int(r, 1, 5)], [6, 0, 1, 1], [3, 5, 3, 0]]);
    const body = [...prefix, ...digits(r, 15 - prefix.length)];
    const s = [...body, luhnCheckDigit(body)].join("");
    const sep = pick(r, [" ", "-", ""]);
    return s.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
  },
  // (not 127/8: loopback names no host, and the check refuses it by design)
  ip_address: (r) => `${((a) => (a >= 127 ? a + 1 : a))(int(r, 1, 222))}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`,
  passport: (r) => `${str(r, UP, int(r, 1, 2))}${digits(r, int(r, 6, 9)).join("")}`,
  iban: (r) => {
    const [cc, bban] = pick(r, [["DE", () => digits(r, 18).join("")], ["FR", () => digits(r, 23).join("")], ["NL", () => `${str(r, UP, 4)}${digits(r, 10).join("")}`], ["GB", () => `${str(r, UP, 4)}${digits(r, 14).join("")}`], ["ES", () => digits(r, 20).join("")], ["BE", () => digits(r, 12).join("")], ["CH", () => digits(r, 17).join("")]] as [string, () => string][]);
    const b = bban();
    const iban = `${cc}${pad(98 - mod97(`${b}${cc}00`), 2)}${b}`;
    return r() < 0.5 ? iban.replace(/(.{4})(?=.)/g, "$1 ") : iban;
  },
  ipv6: (r) => {
    const groups = Array.from({ length: 8 }, () => int(r, 0, 0xffff).toString(16));
    groups[0] = pick(r, ["2001", "fe80", "2a00", "2607"]);
    if (r() < 0.5) return groups.join(":");
    const at = int(r, 2, 6);
    return `${groups.slice(0, at).join(":")}::${groups.slice(at + 2).join(":")}`;
  },
  mac_address: (r) => {
    const g = Array.from({ length: 6 }, () => str(r, "0123456789ABCDEF", 2));
    return g.join(pick(r, [":", "-"]));
  },
  us_routing_number: (r) => {
    for (;;) {
      const p = pick(r, [int(r, 1, 12), int(r, 21, 32), int(r, 61, 72), 80]);
      const d = [...pad(p, 2).split("").map(Number), ...digits(r, 6)];
      const s = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]!);
      const check = (10 - (s % 10)) % 10;
      return [...d, check].join("");
    }
  },
  uk_nino: (r) => {
    for (;;) {
      const a = pick(r, "ABCEGHJKLMNOPRSTWXYZ".split(""));
      const b = pick(r, "ABCEGHJKLMNPRSTWXYZ".split(""));
      if (["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].includes(a + b)) continue;
      const n = digits(r, 6).join("");
      return r() < 0.5 ? `${a}${b} ${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4)} ${pick(r, ["A", "B", "C", "D"])}` : `${a}${b}${n}${pick(r, ["A", "B", "C", "D"])}`;
    }
  },
  ca_sin: (r) => {
    const body = [pick(r, [1, 2, 3, 4, 5, 6, 7, 9]), ...digits(r, 7)];
    const s = [...body, luhnCheckDigit(body)].join("");
    const sep = pick(r, [" ", "-"]);
    return `${s.slice(0, 3)}${sep}${s.slice(3, 6)}${sep}${s.slice(6)}`;
  },
  btc_address: (r) => {
    const payload = Array.from({ length: 20 }, () => int(r, 0, 255));
    const k = int(r, 0, 2);
    return k === 0 ? base58Address(pick(r, [0, 5]), payload) : k === 1 ? segwitAddress(0, payload) : segwitAddress(1, Array.from({ length: 32 }, () => int(r, 0, 255)));
  },
  eth_address: (r) => {
    const hex = str(r, HEX, 40);
    if (r() < 0.3) return `0x${hex}`;
    const h = bytesToHex(keccak_256(new TextEncoder().encode(hex)));
    return `0x${[...hex].map((c, i) => (/[a-f]/.test(c) && Number.parseInt(h[i] as string, 16) >= 8 ? c.toUpperCase() : c)).join("")}`;
  },
  date_of_birth: (r) => {
    const [y, m, d] = date(r);
    const dt = pick(r, [`${y}-${pad(m, 2)}-${pad(d, 2)}`, `${pad(d, 2)}/${pad(m, 2)}/${y}`, `${MONTHS[m - 1]} ${d}, ${y}`, `${d} ${MONTHS[m - 1]} ${y}`]);
    const ctx = pick(r, ["date of birth: ", "DOB ", "born on ", "Birthday: ", "D.O.B. ", '"dob": "', "date_of_birth=", "birthDate: '"]);
    return { text: `${ctx}${dt}`, redact: dt };
  },
  us_ein: (r) => `${pad(pick(r, [int(r, 1, 6), int(r, 10, 16), int(r, 20, 27), int(r, 30, 48), int(r, 50, 68), int(r, 71, 77), int(r, 80, 88), int(r, 90, 95)]), 2)}-${digits(r, 7).join("")}`,
  es_dni: (r) => {
    const n = int(r, 10000000, 99999999);
    return `${n}${"TRWAGMYFPDXBNJZSQVHLCKE"[n % 23]}`;
  },
  es_nie: (r) => {
    const p = int(r, 0, 2);
    const n = int(r, 0, 9999999);
    return `${"XYZ"[p]}${pad(n, 7)}${"TRWAGMYFPDXBNJZSQVHLCKE"[Number(`${p}${pad(n, 7)}`) % 23]}`;
  },
  it_fiscal_code: (r) => {
    const [y, m, d] = date(r);
    const day = r() < 0.5 ? d : d + 40;
    const body = `${str(r, UP, 6)}${pad(y % 100, 2)}${"ABCDEHLMPRST"[m - 1]}${pad(day, 2)}${str(r, UP, 1)}${digits(r, 3).join("")}`;
    let sum = 0;
    for (let i = 0; i < 15; i++) sum += i % 2 === 0 ? (IT_ODD[body[i] as string] as number) : itEven(body[i] as string);
    return `${body}${UP[sum % 26]}`;
  },
  in_pan: (r) => `${str(r, UP, 3)}${pick(r, "ABCFGHLJPT".split(""))}${str(r, UP, 1)}${digits(r, 4).join("")}${str(r, UP, 1)}`,
  in_aadhaar: (r) => {
    const body = [int(r, 2, 9), ...digits(r, 10)];
    const s = [...body, verhoeffCheckDigit(body)].join("");
    return r() < 0.7 ? s.replace(/(\d{4})(?=\d)/g, "$1 ") : s;
  },
  br_cpf: (r) => {
    for (;;) {
      const nine = digits(r, 9);
      const d1 = ((nine.reduce((a, x, i) => a + x * (10 - i), 0) * 10) % 11) % 10;
      const ten = [...nine, d1];
      const d2 = ((ten.reduce((a, x, i) => a + x * (11 - i), 0) * 10) % 11) % 10;
      const s = [...ten, d2].join("");
      if (/^(\d)\1+$/.test(s)) continue;
      return r() < 0.7 ? `${s.slice(0, 3)}.${s.slice(3, 6)}.${s.slice(6, 9)}-${s.slice(9)}` : s;
    }
  },
  nl_bsn: (r) => {
    for (;;) {
      const d = digits(r, 8);
      const s = d.reduce((a, x, i) => a + x * (9 - i), 0);
      const check = s % 11;
      if (check > 9 || d.every((x) => x === 0)) continue;
      return [...d, check].join("");
    }
  },
  phone_intl: (r) => {
    const [cc, groups] = pick(r, [["44", [2, 4, 4]], ["33", [1, 2, 2, 2, 2]], ["49", [2, 7]], ["81", [1, 4, 4]], ["61", [1, 4, 4]], ["34", [3, 3, 3]], ["39", [2, 4, 4]], ["91", [5, 5]]] as [string, number[]][]);
    return `+${cc} ${groups.map((n, i) => (i === 0 ? String(int(r, 1, 9)) + digits(r, n - 1).join("") : digits(r, n).join(""))).join(" ")}`;
  },
  uk_postcode: (r) => {
    const A = "ABCDEFGHIJKLMNOPRSTUWYZ";
    const B = "ABCDEFGHKLMNOPQRSTUVWXY";
    const inward = `${int(r, 0, 9)}${str(r, "ABDEFGHJLNPQRSTUWXYZ", 2)}`;
    const outward = pick(r, [`${str(r, A, 1)}${int(r, 1, 9)}`, `${str(r, A, 1)}${int(r, 10, 99)}`, `${str(r, A, 1)}${str(r, B, 1)}${int(r, 1, 9)}`, `${str(r, A, 1)}${str(r, B, 1)}${int(r, 10, 99)}`, `${str(r, A, 1)}${int(r, 1, 9)}${str(r, "ABCDEFGHJKPSTUW", 1)}`, `${str(r, A, 1)}${str(r, B, 1)}${int(r, 1, 9)}${str(r, "ABEHMNPRVWXY", 1)}`]);
    return `${outward} ${inward}`;
  },
  us_zip4: (r) => {
    const code = `${pad(int(r, 1001, 99950), 5)}-${pad(int(r, 1, 9999), 4)}`;
    const ctx = pick(r, [`${pick(r, ["Springfield", "Austin", "Portland"])}, ${pick(r, STATES)} `, "ZIP code: ", "zip ", "postal code "]);
    return { text: `${ctx}${code}`, redact: code };
  },
  vin: (r) => {
    const chars = Array.from({ length: 17 }, () => pick(r, VIN_ALPHA.split("")));
    chars[8] = "0";
    const sum = chars.reduce((a, c, i) => a + vinValue(c) * (VIN_W[i] as number), 0);
    chars[8] = sum % 11 === 10 ? "X" : String(sum % 11);
    return chars.join("");
  },
  us_itin: (r) => `9${pad(int(r, 0, 99), 2)}-${pad(pick(r, [int(r, 50, 65), int(r, 70, 88), int(r, 90, 92), int(r, 94, 99)]), 2)}-${pad(int(r, 0, 9999), 4)}`,
  uk_nhs: (r) => {
    for (;;) {
      const d = digits(r, 9);
      const c = 11 - (d.reduce((a, x, i) => a + x * (10 - i), 0) % 11);
      if (c === 10) continue;
      const s = [...d, c === 11 ? 0 : c].join("");
      return r() < 0.6 ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : s;
    }
  },
  de_tax_id: (r) => {
    for (;;) {
      const set = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].sort(() => r() - 0.5).slice(0, 9);
      const ten = [...set, set[int(r, 0, 8)] as number].sort(() => r() - 0.5);
      if (ten[0] === 0) continue;
      let product = 10;
      for (const x of ten) {
        let s = (x + product) % 10;
        if (s === 0) s = 10;
        product = (s * 2) % 11;
      }
      const c = 11 - product;
      return [...ten, c === 10 ? 0 : c].join("");
    }
  },
  fr_nir: (r) => {
    const dept = pick(r, ["75", "13", "2A", "2B", "69", "33"]);
    const head = `${pick(r, [1, 2])}${pad(int(r, 0, 99), 2)}${pad(int(r, 1, 12), 2)}${dept}${digits(r, 6).join("")}`;
    const key = pad(Number(97n - (BigInt(head.replace("2A", "19").replace("2B", "18")) % 97n)), 2);
    const s = `${head}${key}`;
    return r() < 0.5 ? `${s[0]} ${s.slice(1, 3)} ${s.slice(3, 5)} ${s.slice(5, 7)} ${s.slice(7, 10)} ${s.slice(10, 13)} ${s.slice(13)}` : s;
  },
  sg_nric: (r) => {
    const p = pick(r, ["S", "T", "F", "G"]);
    const d = digits(r, 7);
    const sum = d.reduce((a, x, i) => a + x * ([2, 7, 6, 5, 4, 3, 2][i] as number), 0) + (p === "T" || p === "G" ? 4 : 0);
    return `${p}${d.join("")}${(p === "S" || p === "T" ? "JZIHGFEDCBA" : "XWUTRQPNMLK")[sum % 11]}`;
  },
  fi_hetu: (r) => {
    const [y, m, d] = date(r, 1940, 2020);
    const ind = pad(int(r, 2, 899), 3);
    const n = Number(`${pad(d, 2)}${pad(m, 2)}${pad(y % 100, 2)}${ind}`);
    return `${pad(d, 2)}${pad(m, 2)}${pad(y % 100, 2)}${y >= 2000 ? "A" : "-"}${ind}${"0123456789ABCDEFHJKLMNPRSTUVWXY"[n % 31]}`;
  },
  pl_pesel: (r) => {
    const [y, m, d] = date(r, 1940, 2020);
    const body = `${pad(y % 100, 2)}${pad(m + (y >= 2000 ? 20 : 0), 2)}${pad(d, 2)}${digits(r, 4).join("")}`;
    const w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    const s = body.split("").reduce((a, c, i) => a + Number(c) * (w[i] as number), 0);
    return `${body}${(10 - (s % 10)) % 10}`;
  },
  au_tfn: (r) => {
    for (;;) {
      const d = digits(r, 9);
      const w = [1, 4, 3, 7, 5, 8, 6, 9, 10];
      if (d.reduce((a, x, i) => a + x * (w[i] as number), 0) % 11 !== 0 || d[0] === 0) continue;
      const s = d.join("");
      return r() < 0.5 ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : s;
    }
  },
  us_npi: (r) => {
    const nine = [pick(r, [1, 2]), ...digits(r, 8)];
    return [...nine, luhnCheckDigit([8, 0, 8, 4, 0, ...nine])].join("");
  },
  cn_resident_id: (r) => {
    const [y, m, d] = date(r);
    const body = `${pick(r, ["110105", "310101", "440301", "510104"])}${y}${pad(m, 2)}${pad(d, 2)}${digits(r, 3).join("")}`;
    const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const s = body.split("").reduce((a, c, i) => a + Number(c) * (w[i] as number), 0);
    return `${body}${"10X98765432"[s % 11]}`;
  },
  se_personnummer: (r) => {
    const [y, m, d] = date(r);
    const body = `${pad(y % 100, 2)}${pad(m, 2)}${pad(d, 2)}${digits(r, 3).join("")}`;
    const c = luhnCheckDigit(body.split("").map(Number));
    return `${body.slice(0, 6)}-${body.slice(6)}${c}`;
  },
  za_id: (r) => {
    const [y, m, d] = date(r);
    const body = `${pad(y % 100, 2)}${pad(m, 2)}${pad(d, 2)}${pad(int(r, 0, 9999), 4)}${pick(r, [0, 1])}8`;
    return `${body}${luhnCheckDigit(body.split("").map(Number))}`;
  },
  au_medicare: (r) => {
    const d = [int(r, 2, 6), ...digits(r, 7)];
    const w = [1, 3, 7, 9, 1, 3, 7, 9];
    const c = d.reduce((a, x, i) => a + x * (w[i] as number), 0) % 10;
    const s = `${d.join("")}${c}${int(r, 1, 9)}`;
    return r() < 0.6 ? `${s.slice(0, 4)} ${s.slice(4, 9)} ${s.slice(9)}` : s;
  },
};

/** A sample of secret rules (the rule name is the type). */
export const SECRET_VALUES: Record<string, Gen> = {
  aws_access_key: (r) => `${pick(r, ["AKIA", "ASIA"])}${str(r, `${UP}234567`, 16)}`,
  aws_secret_key: (r) => {
    const v = str(r, `${B62}/+`, 40);
    return { text: pick(r, [`aws_secret_access_key = ${v}`, `aws configure set aws_secret_access_key ${v}`]), redact: v };
  },
  github_pat: (r) => githubStyleToken("ghp_", r),
  github_oauth_token: (r) => githubStyleToken("gho_", r),
  npm_token: (r) => githubStyleToken("npm_", r),
  gitlab_pat: (r) => `glpat-${str(r, `${B62}_-`, 20)}`,
  slack_bot_token: (r) => `xoxb-${digits(r, 11).join("")}-${digits(r, 13).join("")}-${str(r, B62, 24)}`,
  stripe_secret_key: (r) => `sk_${pick(r, ["live", "test"])}_${str(r, B62, 24)}`,
  stripe_restricted_key: (r) => `rk_live_${str(r, B62, 24)}`,
  gcp_api_key: (r) => `AIza${str(r, B64U, 35)}`,
  anthropic_api_key: (r) => `sk-ant-api03-${str(r, B64U, 93)}AA`,
  openai_project_key: (r) => `sk-proj-${str(r, B64U, 48)}`,
  sendgrid_api_key: (r) => `SG.${str(r, B64U, 22)}.${str(r, B64U, 43)}`,
  huggingface_token: (r) => `hf_${str(r, UP + LOW, 34)}`,
  twilio_api_key: (r) => `SK${str(r, HEX, 32)}`,
  shopify_access_token: (r) => `shpat_${str(r, HEX, 32)}`,
  digitalocean_pat: (r) => `dop_v1_${str(r, HEX, 64)}`,
  docker_hub_pat: (r) => `dckr_pat_${str(r, B64U, 27)}`,
  pypi_token: (r) => `pypi-AgEIcHlwaS5vcmc${str(r, B64U, 60)}`,
  jwt: (r) => `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify({ sub: str(r, DIG, 10), name: str(r, LOW, 6), iat: int(r, 1.5e9, 1.8e9) }))}.${str(r, B64U, 43)}`,
  private_key: (r) => {
    const label = pick(r, ["RSA ", "EC ", "", "OPENSSH ", "ENCRYPTED "]);
    return `-----BEGIN ${label}PRIVATE KEY-----\n${Array.from({ length: int(r, 3, 8) }, () => str(r, `${B62}+/`, 64)).join("\n")}\n-----END ${label}PRIVATE KEY-----`;
  },
  url_password: (r) => {
    const pw = `${str(r, B62, int(r, 8, 16))}`;
    return { text: `${pick(r, ["https", "ftp", "sftp"])}://${str(r, LOW, 5)}:${pw}@${str(r, LOW, 6)}.example.com/x`, redact: pw };
  },
  database_url: (r) => {
    const pw = str(r, B62, int(r, 8, 16));
    return { text: `${pick(r, ["postgres", "mysql", "mongodb+srv", "redis"])}://${str(r, LOW, 5)}:${pw}@db.${str(r, LOW, 5)}.internal:5432/app`, redact: pw };
  },
  generic_api_key: (r) => {
    const v = `${str(r, B62, int(r, 20, 40))}`;
    // (`API_KEY=…` is also an env_secret: scored per rule, that finding would count as a false positive)
    return { text: `${pick(r, ["api_key", "apiKey", "Api-Key", "x-api-key"])}${pick(r, [" = ", ": ", "="])}"${v}"`, redact: v };
  },
  generic_password: (r) => {
    const v = `${str(r, UP + LOW, int(r, 6, 10))}${str(r, DIG, 3)}!`;
    return { text: `${pick(r, ["password", "passwd", "pwd", "db_pass"])}${pick(r, [" = ", ": ", "="])}"${v}"`, redact: v };
  },
  token_value: (r) => {
    const v = tokenWithDigit(r, `${B62}_-`, 10, 24);
    return { text: pick(r, [`wss://rt.example.com/socket?token=${v}`, `{"token": "${v}", "expires_in": 3600}`, `token: ${v}`]), redact: v };
  },
  // (`X-CSRF-Token: …` and `DISCORD_BOT_TOKEN=…` are found by two rules each, token_value or
  // env_token too: scored per rule, the other rule's finding would count as a false positive.)
  named_token: (r) => {
    const v = str(r, `${B62}_-`, int(r, 20, 48));
    return { text: `${pick(r, ["id_token", "session_token", "csrfToken", "client_token", "deployToken"])}${pick(r, [" = ", ": ", "="])}"${v}"`, redact: v };
  },
  env_token: (r) => {
    const v = tokenWithDigit(r, B62, 12, 20);
    // (not a service of named_token's list, `SLACK_TOKEN`: that is also a named_token)
    return { text: `${pick(r, ["CI_JOB", "VAULT", "ARGOCD", "INFLUX", "GRAFANA_SA"])}_TOKEN=${v}`, redact: v };
  },
  env_secret: (r) => {
    const v = tokenWithDigit(r, B62, 12, 20);
    return { text: `${pick(r, ["PLAID_SECRET", "SUMO_ACCESS_KEY", "FINICITY_APP_KEY", "ALGOLIA_ADMIN_KEY", "NEW_RELIC_LICENSE_KEY"])}=${v}`, redact: v };
  },
  signed_url_signature: (r) => {
    const v = str(r, HEX, 64);
    return { text: `https://b${str(r, LOW, 5)}.s3.amazonaws.com/report.csv?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${v}`, redact: v };
  },
  authorization_header: (r) => {
    const v = pick(r, [str(r, HEX, 40), `${str(r, B62, 20)}-${str(r, B62, 20)}`]);
    return { text: `${pick(r, ["Authorization", "authorization"])}: ${pick(r, ["Token", "token", "SSWS", "Api-Key"])} ${v}`, redact: v };
  },
  session_cookie: (r) => {
    const v = pick(r, [str(r, HEX.toUpperCase(), 32), str(r, DIG + LOW, 26)]);
    return { text: `${pick(r, ["Cookie: ", "Set-Cookie: "])}${pick(r, ["JSESSIONID", "PHPSESSID", "sessionid", "ASP.NET_SessionId"])}=${v}; Path=/`, redact: v };
  },
  url_query_credential: (r) => {
    const v = str(r, HEX, 32);
    return { text: `https://api.${str(r, LOW, 6)}.com/v1/items?${pick(r, ["key", "auth", "access_key"])}=${v}&limit=10`, redact: v };
  },
  sql_password: (r) => {
    const v = `${str(r, UP + LOW, int(r, 6, 10))}${str(r, DIG, 2)}`;
    return { text: pick(r, [`CREATE USER 'app'@'%' IDENTIFIED BY '${v}';`, `ALTER ROLE svc WITH LOGIN PASSWORD '${v}';`]), redact: v };
  },
  netrc_password: (r) => {
    const v = `${str(r, UP + LOW + DIG, int(r, 10, 20))}`;
    return { text: `machine ${str(r, LOW, 6)}.example.com login ${str(r, LOW, 5)} password ${v}`, redact: v };
  },
  htpasswd_password: (r) => {
    const v = `${str(r, UP + LOW, int(r, 6, 10))}${str(r, DIG, 2)}`;
    return { text: pick(r, [`htpasswd -b${pick(r, ["", "c", "B"])} /etc/nginx/.htpasswd ${str(r, LOW, 5)} ${v}`, `htpasswd -nb${pick(r, ["", "B"])} ${str(r, LOW, 5)} '${v}' >> .htpasswd`]), redact: v };
  },
  django_insecure_key: (r) => `django-insecure-${str(r, DJANGO, 50)}`,
  // (without the prefix: with it, django_insecure_key finds the same value)
  django_secret_key: (r) => {
    const v = str(r, DJANGO, 50);
    return { text: pick(r, [`SECRET_KEY = '${v}'`, `DJANGO_SECRET_KEY=${v}`]), redact: v };
  },
  basic_auth: (r) => {
    const v = b64(`${str(r, LOW, 6)}:${str(r, B62, 12)}`);
    return { text: `Authorization: Basic ${v}`, redact: v };
  },
  bearer_token: (r) => {
    // (not ending in `.`: the rule leaves a final `.` to the sentence)
    const v = `${str(r, `${B62}._-`, int(r, 23, 59))}${str(r, B62, 1)}`;
    return { text: `Authorization: Bearer ${v}`, redact: v };
  },
};
