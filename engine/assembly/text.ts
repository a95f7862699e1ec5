// UTF-8 decoding and case folding. All case-insensitive comparison happens here, inside the
// engine, because hosts disagree with each other on Unicode case tables (wasm-notes §4).
import { casemap } from "~lib/util/casemap";
import { scratchAlloc } from "./memory";
import { asciiOfCp, expansionOf, ignorableCp, MAX_EXPANSION, mayExpand } from "./unicode-fold";

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

/** Number of UTF-16 code units in UTF-8 [p, p+len): the offset unit the host uses. */
export function utf16Length(p: usize, len: usize): i32 {
  const end = p + len;
  let n: i32 = 0;
  while (p < end) {
    // ASCII runs eight bytes at a time (one unit each); decodeAt decides everything else.
    while (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) { p += 8; n += 8; }
    if (p >= end) break;
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

// The last decoded text: UTF-16 code units in scratch, how many, and how many the buffer holds
// (one per UTF-8 byte, plus one: a text of 3-byte characters leaves two units of room per unit).
export let uPtr: usize = 0;
export let uLen: i32 = 0;
export let uCap: i32 = 0;

/** Decodes UTF-8 [p, p+len) into UTF-16 code units in scratch (uPtr/uLen). False when out of memory. */
export function toUnits(p: usize, len: usize): bool {
  const out = scratchAlloc(len * 2 + 2);
  if (out == 0) return false;
  const end = p + len;
  let n: usize = 0;
  while (p < end) {
    // ASCII runs, eight bytes at a time: each byte widened to one unit (interleaved with zeros).
    while (p + 8 <= end) {
      const v = load<u64>(p);
      if ((v & 0x8080808080808080) != 0) break;
      let lo = v & 0xffffffff;
      lo = (lo | (lo << 16)) & 0x0000ffff0000ffff;
      lo = (lo | (lo << 8)) & 0x00ff00ff00ff00ff;
      let hi = v >> 32;
      hi = (hi | (hi << 16)) & 0x0000ffff0000ffff;
      hi = (hi | (hi << 8)) & 0x00ff00ff00ff00ff;
      store<u64>(out + (n << 1), lo);
      store<u64>(out + (n << 1) + 8, hi);
      n += 8;
      p += 8;
    }
    if (p >= end) break;
    const b = <u32>load<u8>(p);
    if (b < 0x80) { store<u16>(out + (n << 1), b); n++; p++; continue; }
    if ((b & 0xf0) == 0xe0 && p + 2 < end) {
      // Three-byte sequences inline (most non-Latin scripts, zero-width and bidi characters), and
      // the ones right after it in this loop: a run of them skips the ASCII test per unit.
      // Each step reads the character and the next lead byte as one u32 (q + 3 < end: in bounds).
      let q = p;
      // Two characters per step where eight bytes can be read: both checked with one mask, both
      // valid (no overlong form, no surrogate: their lead and second byte tell), one store.
      // The last two characters decoded (their six bytes, and their units): a flood of one
      // character (zero-width, the usual way to pad a value) repeats them, and is copied.
      let lastBytes: u64 = u64.MAX_VALUE; // no six bytes equal it
      let lastUnits: u32 = 0;
      while (q + 8 <= end) {
        const w = load<u64>(q);
        if ((w & 0xffffffffffff) == lastBytes) {
          store<u32>(out + (n << 1), lastUnits);
          n += 2;
          q += 6;
          continue;
        }
        if ((w & 0xc0c0f0c0c0f0) != 0x8080e08080e0) break;
        const a = <u32>w;
        const b = <u32>(w >> 24);
        // Leads E0 and ED (low nibbles 0 and D) are the only ones that can start a sequence to
        // refuse: E0 needs a second byte from A0 (else overlong), ED one below A0 (else a
        // surrogate). One test for both characters; the exact one only for those leads.
        if ((((1 << (a & 0xf)) | (1 << (b & 0xf))) & 0x2001) != 0) {
          if (((a & 0xff) == 0xe0 && (a & 0x2000) == 0) || ((a & 0xff) == 0xed && (a & 0x2000) != 0)) break;
          if (((b & 0xff) == 0xe0 && (b & 0x2000) == 0) || ((b & 0xff) == 0xed && (b & 0x2000) != 0)) break;
        }
        const ca = ((a & 0x0f) << 12) | ((a >> 2) & 0xfc0) | ((a >> 16) & 0x3f);
        const cb = ((b & 0x0f) << 12) | ((b >> 2) & 0xfc0) | ((b >> 16) & 0x3f);
        lastBytes = w & 0xffffffffffff;
        lastUnits = ca | (cb << 16);
        store<u32>(out + (n << 1), lastUnits);
        n += 2;
        q += 6;
      }
      while (q + 3 < end) {
        const v = load<u32>(q);
        if ((v & 0xc0c0f0) != 0x8080e0) break;
        const cp = ((v & 0x0f) << 12) | ((v >> 2) & 0xfc0) | ((v >> 16) & 0x3f);
        if (cp < 0x800 || (cp & 0xf800) == 0xd800) break;
        store<u16>(out + (n << 1), cp);
        n++;
        q += 3;
        if (((v >> 24) & 0xf0) != 0xe0) break;
      }
      if (q != p) { p = q; continue; }
    }
    if ((b & 0xe0) == 0xc0) {
      // Two-byte sequences inline (Cyrillic, Greek, Arabic, Hebrew, accented Latin), a run at a
      // time: each step reads the character and the next lead byte (q + 2 < end: in bounds). A
      // lead of C0 or C1 (always overlong) stops the run and is left to decodeAt, which refuses it.
      let q = p;
      while (q + 2 < end) {
        const v = <u32>load<u16>(q) | (<u32>load<u8>(q + 2) << 16);
        if ((v & 0xc0e0) != 0x80c0 || (v & 0x1e) == 0) break;
        store<u16>(out + (n << 1), ((v & 0x1f) << 6) | ((v >> 8) & 0x3f));
        n++;
        q += 2;
        if (((v >> 16) & 0xe0) != 0xc0) break;
      }
      if (q != p) { p = q; continue; }
    }
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
  uCap = <i32>len + 1;
  return true;
}

// ---- evasion defences for entity detection ---------------------------------------------------------
//
// Before PII and secret rules look at a text, a normalised copy of its units is made, with the
// original span of every normalised unit, so matches map back to the exact original text:
//   - dropped: zero-width, bidi controls, soft hyphen, variation selectors, combining marks of every
//     block (astral ones and tag characters too), other default-ignorable characters;
//   - folded: full-width ASCII, Unicode spaces and dashes, Cyrillic and Greek look-alikes of Latin
//     letters, decimal digits of every script, and every character whose canonical or
//     compatibility decomposition is one ASCII character plus marks (é, ¹, ①, Ⓐ, ℂ, 𝐀, 𝟏);
//   - expanded: characters whose compatibility decomposition is 2..MAX_EXPANSION ASCII characters
//     (ﬁ → fi, ⑴ → (1), ⒈ → 1., ㎏ → kg, … → ..., ½ → 1/2; unicode-fold.ts);
//   - decoded (one level): %XX (UTF-8 sequences of 1-3 bytes) and HTML character references
//     (`&#64;`, `&#x40;`, and the named ones that spell ASCII punctuation: `&commat;`, `&period;`…).
// A text that contains none of '%', '&' or a non-ASCII unit is used as is. Otherwise the units are
// normalised in place, and an edit table records where the mapping to original offsets stops
// being the identity: memory stays proportional to the edits.
//
// Expansions make the normalised text longer than the units it came from, so writing in place
// could overtake reading. Before that happens, the unread units are moved once to the end of the
// buffer (toUnits sized it by UTF-8 bytes: an expanding character is 2-4 bytes, 1-2 units, so
// there are 1-2 units of room per such character, and more per other non-ASCII character). If
// expansions outgrow even that (a text of nothing but ⑽ or ㎯), the rest is written to a new
// buffer sized for the worst case of the unread units (MAX_EXPANSION each); if the arena cannot
// hold it, the call fails closed (out of memory), never writing past a buffer.

export let nPtr: usize = 0; // the normalised units: the units buffer, or the larger copy described above
export let nLen: i32 = 0; // how many
export let nIdentity = true;
// Edit entries (12 bytes): normalised index k, original end of unit k-1, and original start of
// unit k with the stride in its top bits (STRIDE_SHIFT): from k to the next entry, normalised unit
// k+j starts at start + j*stride and ends at its next unit's start. Stride 1 is the identity; a
// run of escapes of one length (`%41%42%43…`, `&#64;&#65;…`) or of folded surrogate pairs is one
// entry, not one per unit. (Packed, not a fourth field: a text of only expanding characters makes
// an entry per character, and needs no more memory than before.)
// An expansion's entry stores ~start (negative): every unit from k to the next entry comes from
// the one original character that starts there, and ends where the next entry's "end of unit
// k-1" says (an expansion always has a next entry: the unit after it, or the closing entry).
let nEdits: usize = 0;
let nEditCount: u32 = 0;
let nEditCap: u32 = 0;
const EDIT_SIZE: usize = 12;
// An original offset is below 2^26 (a text's units are at most its UTF-8 bytes, and the engine's
// memory is 64 MiB); a stride is at most 11 (`&#x` + seven hex digits + `;`, the longest escape).
const STRIDE_SHIFT: u32 = 27;
const START_MASK: i32 = (1 << STRIDE_SHIFT) - 1;
const EDIT_CHUNK: u32 = 1024; // entries per allocation (12 KiB, a multiple of the arena's alignment)

/**
 * Default-ignorable and formatting units that do not change what a text says to a reader.
 * Inlined, as fold() is: with fillBlock as their second caller, the optimiser stopped inlining
 * them into normalizeUnits, and percent escapes took 1.3-1.6x as long.
 */
// @ts-ignore: decorator
@inline function invisible(c: u32): bool {
  if (c < 0xad) return false;
  return c == 0xad || (c >= 0x300 && c <= 0x36f) || c == 0x34f || c == 0x61c || c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5
    || (c >= 0x180b && c <= 0x180f) || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x206f)
    || c == 0x3164 || (c >= 0xfe00 && c <= 0xfe0f) || c == 0xfeff || c == 0xffa0 || ignorableCp(c);
}

/** Zero-width, bidi-control and word-joiner units, the BOM, the soft hyphen, combining marks: a subset of invisible(). */
// @ts-ignore: decorator
@inline function commonInvisible(c: u32): bool {
  return c - 0x200b <= 4 || c - 0x202a <= 4 || c - 0x2060 <= 0xf || c - 0x300 <= 0x6f || c == 0xfeff || c == 0xad;
}

/** Whether the four units in v are all U+200B..U+200F (zero-width space, joiners, direction marks). */
// @ts-ignore: decorator
@inline function fourZeroWidth(v: u64): bool {
  if ((v & 0xff00ff00ff00ff00) != 0x2000200020002000) return false;
  // low byte L of each lane: L + 0x75 reaches bit 7 when L >= 0x0b, L + 0x70 when L >= 0x10
  const low = v & 0x00ff00ff00ff00ff;
  return ((low + 0x0075007500750075) & ~(low + 0x0070007000700070) & 0x0080008000800080) == 0x0080008000800080;
}

/** The ASCII look-alike of a unit, or the unit itself. */
// @ts-ignore: decorator
@inline function fold(c: u32): u32 {
  if (c < 0xa0) return c;
  if (c >= 0xff01 && c <= 0xff5e) return c - 0xfee0; // full-width ASCII
  if (c == 0xa0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f || c == 0x205f || c == 0x1680) return 0x20;
  if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0xfe58 || c == 0xfe63 || c == 0x2043) return 0x2d;
  if (c == 0xfe6b) return 0x40;
  if (c == 0x2024 || c == 0x3002 || c == 0xff61 || c == 0xfe52) return 0x2e;
  if ((c >= 0x660 && c <= 0x669) || (c >= 0x966 && c <= 0x96f)) return 0x30 + (c & 0xf) - (c >= 0x966 ? 6 : 0);
  if (c >= 0x6f0 && c <= 0x6f9) return 0x30 + c - 0x6f0;
  // Decompositions to one ASCII character, confusables' look-alikes (Cyrillic а, Greek Ι, ɑ Ꭺ ꓑ
  // օ) and letters that decompose to one with marks (ё ά ӓ), digits of every script (unicode-fold.ts).
  const a = asciiOfCp(c);
  return a != 0 ? a : c;
}

// What normalisation writes for each BMP unit that stands alone, or NOT_SIMPLE where the per-unit
// path must decide (dropped, decoded, a possible expansion, a surrogate, ASCII). Filled a block of
// 256 code points at a time, on the block's first sight, by the very functions that path calls,
// so the table cannot disagree with it: a block costs about 9 µs once per engine instance. Most
// units of most scripts then cost one load instead of the binary searches of fold() (CJK, Hangul,
// Cyrillic, Greek, Arabic, Devanagari prose).
const UNIT_FOLD: usize = memory.data(0x20000);
const BLOCK_FILLED: usize = memory.data(256);
const NOT_SIMPLE: u32 = 0xffff;
/** Off only in the build that test/redaction/unit-table.test.ts compares with (`--use ENGINE_NO_UNIT_TABLE=1`). */
// @ts-ignore: defined only by that build's --use
const UNIT_TABLE: bool = !isDefined(ENGINE_NO_UNIT_TABLE);

function fillBlock(b: u32): void {
  const table = UNIT_FOLD + (<usize>b << 9);
  for (let c = b << 8; c < (b + 1) << 8; c++) {
    let w = NOT_SIMPLE;
    if (c >= 0x80 && (c < 0xd800 || c > 0xdfff) && !invisible(c)) {
      const f = fold(c);
      if (f != c || !mayExpand(c)) w = f; // as normalizeUnits' per-unit path stores it
    }
    store<u16>(table + (<usize>(c & 0xff) << 1), w);
  }
  store<u8>(BLOCK_FILLED + <usize>b, 1);
}

/** What normalisation writes for the BMP unit c alone, or NOT_SIMPLE. */
// @ts-ignore: decorator
@inline function simpleUnit(c: u32): u32 {
  if (load<u8>(BLOCK_FILLED + <usize>(c >> 8)) == 0) fillBlock(c >> 8);
  return <u32>load<u16>(UNIT_FOLD + (<usize>c << 1));
}

/**
 * Writes the run of simple units that starts at original unit i (simple, non-ASCII) as normalised
 * units k, k+1, …; returns the index after it. Each unit is one unit in and one out, so after the
 * run's first unit the offset map needs no edit.
 */
function copySimpleRun(src: usize, dst: usize, i: i32, k: i32, n: i32): i32 {
  let j = i;
  while (j < n) {
    const d = <u32>load<u16>(src + (<usize>j << 1));
    if (d < 0x80) break;
    const w = simpleUnit(d);
    if (w == NOT_SIMPLE) break;
    store<u16>(dst + (<usize>(k + j - i) << 1), w);
    j++;
  }
  return j;
}

export function hexDigit(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return <i32>(l - 0x61 + 10);
  return -1;
}

/**
 * An ASCII control character (C0 or DEL), which an escape is not decoded to: no rule reads one, so
 * decoding it only breaks the text around it. A secret that holds `%` or `&#` (a Django key's
 * `…%02…`, `…&#3#…`) stays one match, and `john%00@example.com` stays an address.
 */
function isControl(c: u32): bool {
  return c < 0x20 || c == 0x7f;
}

// Result of a decoder: the code unit it decoded to, and how many original units it consumed.
let decVal: u32 = 0;
let decLen: i32 = 0;

/** `%XX` (one to three UTF-8 bytes making one BMP code point) at i. */
function percentAt(u: usize, n: i32, i: i32): bool {
  if (i + 2 >= n) return false;
  const h = hexDigit(<u32>load<u16>(u + (<usize>(i + 1) << 1)));
  const l = hexDigit(<u32>load<u16>(u + (<usize>(i + 2) << 1)));
  if (h < 0 || l < 0) return false;
  const b0 = <u32>((h << 4) | l);
  if (b0 < 0x80) {
    if (isControl(b0)) return false;
    decVal = b0;
    decLen = 3;
    return true;
  }
  const need = (b0 & 0xe0) == 0xc0 ? 1 : (b0 & 0xf0) == 0xe0 ? 2 : 0;
  if (need == 0) return false;
  let cp: u32 = need == 1 ? b0 & 0x1f : b0 & 0x0f;
  for (let k = 1; k <= need; k++) {
    const p = i + 3 * k;
    if (p + 2 >= n || <u32>load<u16>(u + (<usize>p << 1)) != 0x25) return false;
    const hh = hexDigit(<u32>load<u16>(u + (<usize>(p + 1) << 1)));
    const ll = hexDigit(<u32>load<u16>(u + (<usize>(p + 2) << 1)));
    if (hh < 0 || ll < 0) return false;
    const b = <u32>((hh << 4) | ll);
    if ((b & 0xc0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3f);
  }
  if ((need == 1 && cp < 0x80) || (need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))) return false;
  decVal = cp;
  decLen = 3 * (need + 1);
  return true;
}

// Named references that spell ASCII, as "name;" strings and the character each one stands for.
const ENTITY_NAMES = "amp;lt;gt;quot;apos;nbsp;commat;period;plus;lowbar;hyphen;dash;colon;sol;bsol;equals;lpar;rpar;num;dollar;percnt;comma;excl;quest;semi;ast;Hat;grave;verbar;lsqb;rsqb;lcub;rcub;tilde;";
const ENTITY_CHARS = "&<>\"' @.+_--:/\\=()#$%,!?;*^`|[]{}~";

/** An HTML character reference at i (`&#NN;`, `&#xHH;` — `;` optional — or a named one). */
function entityAt(u: usize, n: i32, i: i32): bool {
  if (i + 3 >= n) return false;
  let p = i + 1;
  let c = <u32>load<u16>(u + (<usize>p << 1));
  if (c == 0x23) {
    p++;
    let hex = false;
    c = p < n ? <u32>load<u16>(u + (<usize>p << 1)) : 0;
    if (c == 0x78 || c == 0x58) { hex = true; p++; }
    let v: u32 = 0;
    let digits = 0;
    while (p < n && digits < 7) {
      const d = hexDigit(<u32>load<u16>(u + (<usize>p << 1)));
      if (d < 0 || (!hex && d > 9)) break;
      v = v * (hex ? 16 : 10) + <u32>d;
      digits++;
      p++;
    }
    if (digits == 0 || isControl(v) || v > 0xffff || (v >= 0xd800 && v <= 0xdfff)) return false;
    if (p < n && <u32>load<u16>(u + (<usize>p << 1)) == 0x3b) p++;
    decVal = v;
    decLen = p - i;
    return true;
  }
  // named: compare with each "name;" of the list
  let k = 0;
  let idx = 0;
  while (k < ENTITY_NAMES.length) {
    let j = k;
    let q = i + 1;
    while (q < n && <u32>ENTITY_NAMES.charCodeAt(j) == <u32>load<u16>(u + (<usize>q << 1))) {
      if (ENTITY_NAMES.charCodeAt(j) == 0x3b) { decVal = <u32>ENTITY_CHARS.charCodeAt(idx); decLen = q + 1 - i; return true; }
      j++;
      q++;
    }
    while (ENTITY_NAMES.charCodeAt(k) != 0x3b) k++;
    k++;
    idx++;
  }
  return false;
}

function addEdit(k: i32, endPrev: i32, start: i32, stride: i32): bool {
  if (nEditCount == nEditCap) {
    // Chunks are allocated back to back (nothing else is allocated meanwhile: the one buffer that
    // expansions may need moves the table above itself), so the table stays contiguous.
    const p = scratchAlloc(<usize>EDIT_CHUNK * EDIT_SIZE);
    if (p == 0) return false;
    if (nEditCap == 0) nEdits = p;
    else if (p != nEdits + <usize>nEditCap * EDIT_SIZE) return false;
    nEditCap += EDIT_CHUNK;
  }
  const e = nEdits + <usize>nEditCount * EDIT_SIZE;
  store<i32>(e, k);
  store<i32>(e + 4, endPrev);
  store<i32>(e + 8, start < 0 ? start : start | (stride << STRIDE_SHIFT));
  nEditCount++;
  return true;
}

/** An ASCII unit that normalisation keeps as it is (anything but '%' and '&'). */
// @ts-ignore: decorator
@inline function plain(c: u32): bool {
  return c < 0x80 && c != 0x25 && c != 0x26;
}

/** Index of the first unit at or after `i` that is '%', '&' or non-ASCII (n if none): four units per step. */
function nextSpecial(u: usize, i: i32, n: i32): i32 {
  while (i < n) {
    while (i + 4 <= n) {
      const v = load<u64>(u + (<usize>i << 1));
      // Units 0x24-0x27 become zero lanes (xor 0x24, then the low two bits cleared); the zero-lane
      // test may also flag '$' and '\'' or lanes after a zero lane: the exact loop below decides.
      const x = (v ^ 0x0024002400240024) & ~(<u64>0x0003000300030003);
      const zero = (x - 0x0001000100010001) & ~x & 0x8000800080008000;
      if ((v & 0xff80ff80ff80ff80) != 0 || zero != 0) break;
      i += 4;
    }
    const lim = i + 4 < n ? i + 4 : n;
    while (i < lim) {
      if (!plain(<u32>load<u16>(u + (<usize>i << 1)))) return i;
      i++;
    }
  }
  return n;
}

// Where normalizeUnits reads (xSrc) and writes (xDst), shared with writeExpansion, its cold path
// (a function of its own keeps the loop that every other unit goes through small).
let xSrc: usize = 0;
let xDst: usize = 0;
let xInPlace = true;

/**
 * Writes the expansion of code point cp, the character at original unit i (len units), as
 * normalised units k, k+1, … with its edit entry; returns how many, 0 when cp does not expand, or
 * -1 when out of memory. While reading and writing share the buffer, an expansion that would
 * overtake reading first moves the unread units to the end of the buffer (once per text), and if
 * that is still not enough, continues into a new buffer sized for the worst case of the rest
 * (xSrc, xDst and xInPlace are updated).
 */
function writeExpansion(u: usize, n: i32, cap: i32, i: i32, len: i32, k: i32, cp: u32, lastEnd: i32): i32 {
  const x = expansionOf(cp);
  if (x == 0) return 0;
  if (!addEdit(k, lastEnd, ~i, 0)) return -1;
  let e = 0;
  while (e < MAX_EXPANSION && ((x >> <u64>(35 - 7 * e)) & 0x7f) != 0) e++;
  if (xInPlace && xDst + (<usize>(k + e) << 1) > xSrc + (<usize>(i + len) << 1)) {
    if (xSrc == u && cap > n) {
      // First time: the unread units move to the end of the buffer (one copy per text).
      memory.copy(u + (<usize>(i + cap - n) << 1), u + (<usize>i << 1), <usize>(n - i) << 1);
      xSrc = u + (<usize>(cap - n) << 1);
    }
    if (xDst + (<usize>(k + e) << 1) > xSrc + (<usize>(i + len) << 1)) {
      // Still no room: the rest goes to a new buffer, large enough whatever the unread units
      // expand to (at most MAX_EXPANSION units each). Too large for the arena: fail closed.
      let size = (<u64>k + <u64>e + <u64>(n - i - len) * <u64>MAX_EXPANSION) << 1;
      if (size > 0x40000000) size = 0x40000000; // above the engine's memory maximum: the allocation fails
      const p = scratchAlloc(<usize>size);
      if (p == 0) return -1;
      memory.copy(p, xDst, <usize>k << 1);
      xDst = p;
      xInPlace = false;
      if (nEditCap != 0) {
        // the edit table moves above the new buffer, so its chunks stay back to back
        const t = scratchAlloc(<usize>nEditCap * EDIT_SIZE);
        if (t == 0) return -1;
        memory.copy(t, nEdits, <usize>nEditCount * EDIT_SIZE);
        nEdits = t;
      }
    }
  }
  for (let j = 0; j < e; j++) store<u16>(xDst + (<usize>(k + j) << 1), <u32>(x >> <u64>(35 - 7 * j)) & 0x7f);
  return e;
}

/**
 * Normalises the units [u, u+2n) (a buffer of `cap` units) and records the offset map, or marks
 * the text as used as is (nIdentity). The result is nLen units at nPtr. False when out of memory.
 */
export function normalizeUnits(u: usize, n: i32, cap: i32): bool {
  nIdentity = true;
  nPtr = u;
  nLen = n;
  nEditCount = 0;
  nEditCap = 0;
  // Units before the first '%', '&' or non-ASCII unit are kept as they are (the identity map).
  const first = nextSpecial(u, 0, n);
  if (first >= n) return true;
  // Original unit i is read at src + 2i; normalised unit k is written at dst + 2k. While they share
  // the buffer (xInPlace), a write never passes the next unit to read.
  let src = u;
  let dst = u;
  xInPlace = true;
  let k: i32 = first;
  let i: i32 = first;
  let lastEnd: i32 = first;
  // The stride of the map's current run: a unit of that many original units that starts where the
  // last one ended continues it; any other needs an edit. 0 after an expansion (its span is
  // closed by the next entry).
  let stride: i32 = 1;
  while (i < n) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if (plain(c)) {
      // A run of plain ASCII units: copied down as they are; only its first unit can need an edit.
      if ((i != lastEnd || stride != 1) && !addEdit(k, lastEnd, i, 1)) return false;
      const j = nextSpecial(src, i + 1, n);
      if (dst + (<usize>k << 1) != src + (<usize>i << 1)) memory.copy(dst + (<usize>k << 1), src + (<usize>i << 1), <usize>(j - i) << 1);
      k += j - i;
      i = j;
      lastEnd = i;
      stride = 1;
      continue;
    }
    if (c >= 0xad && commonInvisible(c)) {
      // A run of the common removable units, dropped (as invisible() below would) in a tight loop.
      i++;
      while (i < n) {
        if (i + 4 <= n && fourZeroWidth(load<u64>(src + (<usize>i << 1)))) { i += 4; continue; }
        if (!commonInvisible(<u32>load<u16>(src + (<usize>i << 1)))) break;
        i++;
      }
      continue;
    }
    if (UNIT_TABLE && c >= 0x80 && simpleUnit(c) != NOT_SIMPLE) {
      // A run of units that stand for one unit each (a sentence in Cyrillic or CJK): written from
      // the table; only its first unit may need an edit.
      if ((i != lastEnd || stride != 1) && !addEdit(k, lastEnd, i, 1)) return false;
      const j = copySimpleRun(src, dst, i, k, n);
      k += j - i;
      i = j;
      lastEnd = i;
      stride = 1;
      continue;
    }
    let len: i32 = 1;
    let cand: u32 = 0; // a code point in a block that holds expansions (unicode-fold.ts mayExpand)
    if (c == 0x25 && percentAt(src, n, i)) {
      c = decVal;
      len = decLen;
      if (len == 3 && c < 0x80) {
        // A run of escapes of ASCII characters (`%41%42…`), decoded in a tight loop: one edit for
        // the run (stride 3), and no fold (ASCII is its own).
        if ((i != lastEnd || stride != 3) && !addEdit(k, lastEnd, i, 3)) return false;
        store<u16>(dst + (<usize>k << 1), c);
        k++;
        i += 3;
        while (i + 2 < n && <u32>load<u16>(src + (<usize>i << 1)) == 0x25) {
          const h = hexDigit(<u32>load<u16>(src + (<usize>(i + 1) << 1)));
          const l = hexDigit(<u32>load<u16>(src + (<usize>(i + 2) << 1)));
          if ((h | l) < 0) break;
          const b = <u32>((h << 4) | l);
          if (b >= 0x80 || isControl(b)) break;
          store<u16>(dst + (<usize>k << 1), b);
          k++;
          i += 3;
        }
        lastEnd = i;
        stride = 3;
        continue;
      }
    } else if (c == 0x26 && entityAt(src, n, i)) { c = decVal; len = decLen; }
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      // a surrogate pair: astral marks/tags are dropped, math alphanumerics folded, enclosed
      // alphanumerics (🄐 → (A)) expanded
      const lo = <u32>load<u16>(src + (<usize>(i + 1) << 1));
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
        if (ignorableCp(cp)) { c = 0x200b; len = 2; }
        else {
          const a = asciiOfCp(cp);
          if (a != 0) { c = a; len = 2; }
          else if (mayExpand(cp)) cand = cp;
        }
      }
    }
    if (cand == 0) {
      if (invisible(c)) { i += len; continue; }
      const f = fold(c);
      if (f != c || !mayExpand(c)) {
        if ((i != lastEnd || stride != len) && !addEdit(k, lastEnd, i, len)) return false;
        store<u16>(dst + (<usize>k << 1), f); // never past src + 2i: one unit written for at least one read
        k++;
        lastEnd = i + len;
        stride = len;
        i += len;
        continue;
      }
      cand = c;
    }
    // Rare: a character that may expand (looked up, and written if it does, by writeExpansion).
    const clen = cand >= 0x10000 ? 2 : len;
    xSrc = src;
    xDst = dst;
    const e = writeExpansion(u, n, cap, i, clen, k, cand, lastEnd);
    if (e < 0) return false;
    if (e > 0) {
      src = xSrc;
      dst = xDst;
      k += e;
      lastEnd = i + clen;
      stride = 0; // the next unit needs its own edit: it closes this expansion's span
      i += clen;
      continue;
    }
    // no expansion: the unit as it is (a high surrogate's low surrogate follows on its own)
    if ((i != lastEnd || stride != len) && !addEdit(k, lastEnd, i, len)) return false;
    store<u16>(dst + (<usize>k << 1), c);
    k++;
    lastEnd = i + len;
    stride = len;
    i += len;
  }
  if (stride == 0 && !addEdit(k, lastEnd, n, 0)) return false; // closes a final expansion
  nIdentity = false;
  nPtr = dst;
  nLen = k;
  return true;
}

/** Index of the last edit whose normalised index is <= k, or -1. */
function editAtOrBefore(k: i32): i32 {
  let lo: i32 = 0;
  let hi: i32 = <i32>nEditCount - 1;
  let found: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (load<i32>(nEdits + <usize>mid * EDIT_SIZE) <= k) { found = mid; lo = mid + 1; }
    else hi = mid - 1;
  }
  return found;
}

/** Original offset of the first unit of normalised unit k. */
export function originalStart(k: i32): i32 {
  if (nIdentity) return k;
  const x = editAtOrBefore(k);
  if (x < 0) return k;
  const e = nEdits + <usize>x * EDIT_SIZE;
  const start = load<i32>(e + 8);
  if (start < 0) return ~start; // inside an expansion: its character's start
  return (start & START_MASK) + (k - load<i32>(e)) * (start >> STRIDE_SHIFT);
}

/** Original offset one past the last unit of normalised unit k. */
export function originalEnd(k: i32): i32 {
  if (nIdentity) return k + 1;
  const x = editAtOrBefore(k + 1);
  if (x < 0) return k + 1;
  const e = nEdits + <usize>x * EDIT_SIZE;
  const at = load<i32>(e);
  if (at == k + 1) return load<i32>(e + 4);
  const start = load<i32>(e + 8);
  // inside an expansion (not its last unit): its character's end, recorded by the next entry
  if (start < 0) return load<i32>(e + EDIT_SIZE + 4);
  return (start & START_MASK) + (k + 1 - at) * (start >> STRIDE_SHIFT);
}
