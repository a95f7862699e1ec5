// Seeded PRNGs (also used by the benchmarks and the component corpus) and reference
// implementations of the checksums the engine verifies, shared by the redaction corpus
// (eval/redaction/values.ts) and the redaction test suites (test/redaction/helpers.ts). Written
// independently of engine/assembly/checks.ts, so what uses them is differential.
import { createHash } from "node:crypto";

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

/**
 * Deterministic integer PRNG (xorshift32): draws in [0, n). Integer-only, so Node, Deno and Bun
 * draw the same sequence (the cross-runtime redaction corpus, the audit sessions, the stream bench).
 */
export function xorshift32(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

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

