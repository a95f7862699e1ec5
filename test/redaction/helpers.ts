// Shared helpers for the redaction suites: an engine per policy, detection as (rule, text) pairs,
// a seeded PRNG, and reference implementations of the checksums the engine verifies (written
// independently of engine/assembly/checks.ts, so the suites are differential).
import { createHash } from "node:crypto";
import { RegExpParser, type AST } from "@eslint-community/regexpp";
import { PII_PATTERNS } from "../../engine/compiler/pii.js";
import type { Engine } from "../../engine/engine.js";
import { engineFor } from "../engine/helpers.js";

export const ALL_PII = PII_PATTERNS.map((p) => p.category);

const engines = new Map<string, Engine>();
/** One engine per policy shape (compiling every rule once per suite). */
export function engineWith(piiRedaction: Record<string, unknown>, extra: Record<string, unknown> = {}): Engine {
  const key = JSON.stringify([piiRedaction, extra]);
  let e = engines.get(key);
  if (!e) {
    e = engineFor({ pii_redaction: { enabled: true, ...piiRedaction }, ...extra });
    engines.set(key, e);
  }
  return e;
}

export interface Found {
  readonly rule: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** What the engine reports in `text` (rule = last segment of the rule path), in report order. */
export function detect(engine: Engine, text: string): Found[] {
  const d = engine.preCall({ tool: "t", args: { text }, now: 1 });
  return d.violations
    .filter((v) => v.span && v.rule)
    .map((v) => ({ rule: (v.rule as string).split(".").pop() as string, text: text.slice(v.span!.start, v.span!.end), start: v.span!.start, end: v.span!.end }));
}

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const digitsOf = (r: () => number, n: number): number[] => Array.from({ length: n }, () => int(r, 0, 9));
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

// ---- reference checksums --------------------------------------------------------------------------

export function luhnCheckDigit(body: readonly number[]): number {
  let sum = 0;
  for (let i = body.length - 1, dbl = true; i >= 0; i--, dbl = !dbl) {
    let v = body[i] as number;
    if (dbl) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
  }
  return (10 - (sum % 10)) % 10;
}

const VD = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VP = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const VINV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];
export function verhoeffCheckDigit(body: readonly number[]): number {
  let c = 0;
  for (let i = 0; i < body.length; i++) c = VD[c]![VP[(i + 1) % 8]![body[body.length - 1 - i]!]!]!;
  return VINV[c]!;
}

/** ISO 13616 check digits for a country and BBAN. */
export function ibanOf(country: string, bban: string): string {
  const rearranged = `${bban}${country}00`;
  let rem = 0;
  for (const ch of rearranged) {
    const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return `${country}${String(98 - rem).padStart(2, "0")}${bban}`;
}

export function cpfOf(nine: readonly number[]): string {
  const d1 = ((nine.reduce((a, d, i) => a + d * (10 - i), 0) * 10) % 11) % 10;
  const ten = [...nine, d1];
  const d2 = ((ten.reduce((a, d, i) => a + d * (11 - i), 0) * 10) % 11) % 10;
  return [...ten, d2].join("");
}

/** ISO 7064 MOD 11,10 (German tax ID). */
export function mod1110CheckDigit(body: readonly number[]): number {
  let product = 10;
  for (const d of body) {
    let sum = (d + product) % 10;
    if (sum === 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const c = 11 - product;
  return c === 10 ? 0 : c;
}

const BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
function polymod(values: readonly number[]): number {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk = (chk ^ G[i]!) >>> 0;
  }
  return chk;
}
/** A segwit address (BIP 173 / 350) for a witness version and program. */
export function segwitAddress(version: number, program: readonly number[]): string {
  const data = [version];
  let acc = 0;
  let bits = 0;
  for (const b of program) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) data.push((acc << (5 - bits)) & 31);
  const hrp = [3, 3, 0, 2, 3];
  const c = version === 0 ? 1 : 0x2bc830a3;
  const mod = (polymod([...hrp, ...data, 0, 0, 0, 0, 0, 0]) ^ c) >>> 0;
  const check = Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31);
  return `bc1${[...data, ...check].map((v) => BECH[v]).join("")}`;
}

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** Base58Check of version byte + 20-byte payload. */
export function base58Address(version: number, payload: readonly number[]): string {
  const body = Buffer.from([version, ...payload]);
  const check = createHash("sha256").update(createHash("sha256").update(body).digest()).digest().subarray(0, 4);
  const bytes = Buffer.concat([body, check]);
  let n = BigInt(`0x${bytes.toString("hex")}`);
  let out = "";
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** crc32 (IEEE) of an ASCII string. */
export function crc32(s: string): number {
  let c = 0xffffffff;
  for (let i = 0; i < s.length; i++) {
    c ^= s.charCodeAt(i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

const B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** A GitHub-format token: prefix + 30 random base62 + base62 CRC32 of those 30 (6 digits). */
export function githubStyleToken(prefix: string, r: () => number): string {
  const body = Array.from({ length: 30 }, () => B62[Math.floor(r() * 62)]).join("");
  let v = crc32(body);
  let check = "";
  for (let i = 0; i < 6; i++) {
    check = B62[v % 62] + check;
    v = Math.floor(v / 62);
  }
  return `${prefix}${body}${check}`;
}

// ---- random strings matching a pattern (test-only; recursion is fine here) ----------------------------


const parser = new RegExpParser({ strict: false, ecmaVersion: 2024 });
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => /[A-Za-z0-9_.\-+/=]/.test(c));

function classMembers(el: AST.CharacterClass): string[] {
  const inSet = (ch: string): boolean =>
    el.elements.some((e) => {
      if (e.type === "Character") return String.fromCharCode(e.value) === ch;
      if (e.type === "CharacterClassRange") return ch.charCodeAt(0) >= e.min.value && ch.charCodeAt(0) <= e.max.value;
      if (e.type === "CharacterSet") return e.kind === "digit" ? /\d/.test(ch) !== e.negate : e.kind === "word" ? /\w/.test(ch) !== e.negate : e.kind === "space" ? /\s/.test(ch) !== e.negate : false;
      return false;
    });
  if (el.negate) return PRINTABLE.filter((c) => !inSet(c));
  const out: string[] = [];
  for (const e of el.elements) {
    if (e.type === "Character") out.push(String.fromCharCode(e.value));
    else if (e.type === "CharacterClassRange") for (let c = e.min.value; c <= e.max.value && c < 0x7f; c++) out.push(String.fromCharCode(c));
    else if (e.type === "CharacterSet") out.push(...(e.kind === "digit" ? "0123456789".split("") : e.kind === "space" ? [" "] : "abcXYZ019_".split("")));
  }
  return out.filter((c) => c !== "\n" && c !== "\r" && c !== "\t");
}

/** A random string of the pattern's language (open repeats get up to `extra` more than their minimum). */
export function sampleOf(source: string, r: () => number, extra = 8): string {
  const ast = parser.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  const gen = (node: AST.Node): string => {
    switch (node.type) {
      case "Pattern":
      case "Group":
      case "CapturingGroup":
        return gen(pick(r, node.alternatives));
      case "Alternative":
        return node.elements.map(gen).join("");
      case "Quantifier": {
        const max = node.max === Number.POSITIVE_INFINITY ? node.min + extra : Math.min(node.max, node.min + extra);
        const n = int(r, node.min, max);
        return Array.from({ length: n }, () => gen(node.element)).join("");
      }
      case "Character":
        return String.fromCharCode(node.value);
      case "CharacterClass":
        return pick(r, classMembers(node));
      case "CharacterSet":
        if (node.kind === "digit") return String(int(r, 0, 9));
        if (node.kind === "space") return " ";
        if (node.kind === "word") return pick(r, "abcdefXYZ0123_".split(""));
        if (node.kind === "any") return "x";
        return "x";
      default:
        throw new Error(`sampleOf: unsupported ${node.type}`);
    }
  };
  return gen(ast);
}

/** Shannon entropy in bits per character (float; the reference for the engine's integer gate). */
export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

export function charClasses(s: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(s)).length;
}
