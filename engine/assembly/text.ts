// UTF-8 decoding and case folding. All case-insensitive comparison happens here, inside the
// engine, because hosts disagree with each other on Unicode case tables (wasm-notes §4).
import { casemap } from "~lib/util/casemap";
import { scratchAlloc } from "./memory";

// Decoder state: the last decoded code point and how many bytes it used.
export let dCp: u32 = 0;
export let dLen: u32 = 0;

/** Decodes one code point at p (< end). Invalid or truncated sequences decode as U+FFFD, 1 byte. */
export function decodeAt(p: usize, end: usize): void {
  const b0 = <u32>load<u8>(p);
  if (b0 < 0x80) { dCp = b0; dLen = 1; return; }
  let need: u32 = 0;
  let cp: u32 = 0;
  let min: u32 = 0;
  if ((b0 & 0xe0) == 0xc0) { need = 1; cp = b0 & 0x1f; min = 0x80; }
  else if ((b0 & 0xf0) == 0xe0) { need = 2; cp = b0 & 0x0f; min = 0x800; }
  else if ((b0 & 0xf8) == 0xf0) { need = 3; cp = b0 & 0x07; min = 0x10000; }
  else { dCp = 0xfffd; dLen = 1; return; }
  if (p + <usize>need >= end) { dCp = 0xfffd; dLen = 1; return; }
  for (let i: u32 = 1; i <= need; i++) {
    const b = <u32>load<u8>(p + i);
    if ((b & 0xc0) != 0x80) { dCp = 0xfffd; dLen = 1; return; }
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) { dCp = 0xfffd; dLen = 1; return; }
  dCp = cp;
  dLen = need + 1;
}

/** Simple lowercase of one code point, the engine's definition of case-insensitivity. */
export function foldCp(c: u32): u32 {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 32 : c;
  if (c == 0x130) return 0x69; // İ: compare as i (its full lowercase is i + U+0307)
  if (c == 0x3a3 || c == 0x3c2) return 0x3c3; // Σ and final ς compare as σ
  if (c >= 0x24b6 && c <= 0x24cf) return c + 26; // circled letters, not in casemap
  return <u32>(casemap(c, 0) & 0x1fffff);
}

/** Writes cp as UTF-8 at p; returns bytes written. */
export function encodeAt(p: usize, cp: u32): usize {
  if (cp < 0x80) { store<u8>(p, cp); return 1; }
  if (cp < 0x800) {
    store<u8>(p, 0xc0 | (cp >> 6)); store<u8>(p + 1, 0x80 | (cp & 0x3f)); return 2;
  }
  if (cp < 0x10000) {
    store<u8>(p, 0xe0 | (cp >> 12)); store<u8>(p + 1, 0x80 | ((cp >> 6) & 0x3f));
    store<u8>(p + 2, 0x80 | (cp & 0x3f)); return 3;
  }
  store<u8>(p, 0xf0 | (cp >> 18)); store<u8>(p + 1, 0x80 | ((cp >> 12) & 0x3f));
  store<u8>(p + 2, 0x80 | ((cp >> 6) & 0x3f)); store<u8>(p + 3, 0x80 | (cp & 0x3f)); return 4;
}

/** Case-folds UTF-8 [src, src+len) into dst (which must hold 4*len bytes); returns the new length. */
export function foldUtf8(src: usize, len: usize, dst: usize): usize {
  const end = src + len;
  let p = src;
  let q = dst;
  while (p < end) {
    decodeAt(p, end);
    p += dLen;
    q += encodeAt(q, foldCp(dCp));
  }
  return q - dst;
}

/** Number of UTF-16 code units in UTF-8 [p, p+len): the offset unit the host uses. */
export function utf16Length(p: usize, len: usize): i32 {
  const end = p + len;
  let n: i32 = 0;
  while (p < end) {
    decodeAt(p, end);
    p += dLen;
    n += dCp >= 0x10000 ? 2 : 1;
  }
  return n;
}

export function bytesEqual(a: usize, alen: usize, b: usize, blen: usize): bool {
  if (alen != blen) return false;
  return memory.compare(a, b, alen) == 0;
}

/** FNV-1a over bytes; only used for in-memory hash tables, never exposed. */
export function hashBytes(p: usize, len: usize): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i: usize = 0; i < len; i++) {
    h ^= <u32>load<u8>(p + i);
    h *= 0x01000193;
  }
  return h;
}

// The last decoded text: UTF-16 code units in scratch, and how many.
export let uPtr: usize = 0;
export let uLen: i32 = 0;

/** Decodes UTF-8 [p, p+len) into UTF-16 code units in scratch (uPtr/uLen). False when out of memory. */
export function toUnits(p: usize, len: usize): bool {
  const out = scratchAlloc(len * 2 + 2);
  if (out == 0) return false;
  const end = p + len;
  let n: usize = 0;
  while (p < end) {
    const b = load<u8>(p);
    if (b < 0x80) { store<u16>(out + (n << 1), b); n++; p++; continue; }
    decodeAt(p, end);
    p += dLen;
    if (dCp >= 0x10000) {
      store<u16>(out + (n << 1), 0xd800 + ((dCp - 0x10000) >> 10));
      store<u16>(out + ((n + 1) << 1), 0xdc00 + ((dCp - 0x10000) & 0x3ff));
      n += 2;
    } else {
      store<u16>(out + (n << 1), dCp);
      n++;
    }
  }
  uPtr = out;
  uLen = <i32>n;
  return true;
}
