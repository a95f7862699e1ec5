// Scanning with DFA tables compiled in TypeScript (engine/compiler/regex.ts documents the format).
// Input is UTF-8; the automata run over UTF-16 code units (JS regex semantics), so each decoded
// code point feeds one unit, or two for a surrogate pair. Every scan is one pass: linear time.
import { decodeAt, dCp, dLen } from "./text";
import { rdU32, rdBytes, rBad, fail } from "./reader";

// Descriptor of one validated table, stored in PERSIST: 8 u32 fields.
const D_STATES = 0, D_CLASSES = 4, D_FLAGS = 8, D_ASCII = 12, D_NRANGES = 16, D_RANGES = 20, D_TRANS = 24, D_ACCEPT = 28;
export const DFA_DESC_SIZE: usize = 32;
export const FLAG_START_ANCHORED: u32 = 1;
export const FLAG_END_ANCHORED: u32 = 2;

/** Parses and fully validates one table at the reader position into descriptor `d`. */
export function parseDfa(d: usize): void {
  const states = rdU32();
  const classes = rdU32();
  const flags = rdU32();
  const ascii = rdBytes(128);
  const nRanges = rdU32();
  if (rBad || states < 2 || states > 65535 || classes < 1 || classes > 256 || flags > 3 || nRanges > 65536) { fail(); return; }
  const ranges = rdBytes(<usize>nRanges * 6);
  const trans = rdBytes(<usize>states * <usize>classes * 2);
  const accept = rdBytes(<usize>states);
  if (rBad) return;
  for (let i: usize = 0; i < 128; i++) if (<u32>load<u8>(ascii + i) >= classes) { fail(); return; }
  let prevHi: u32 = 0x7f;
  for (let i: usize = 0; i < <usize>nRanges; i++) {
    const lo = <u32>load<u16>(ranges + i * 6);
    const hi = <u32>load<u16>(ranges + i * 6 + 2);
    const cls = <u32>load<u8>(ranges + i * 6 + 4);
    if (lo <= prevHi || hi < lo || cls >= classes) { fail(); return; }
    prevHi = hi;
  }
  const cells = <usize>states * <usize>classes;
  for (let i: usize = 0; i < cells; i++) if (<u32>load<u16>(trans + i * 2) >= states) { fail(); return; }
  // State 0 is the dead state: it must loop to itself and never accept, so scans can stop early.
  for (let c: usize = 0; c < <usize>classes; c++) if (load<u16>(trans + c * 2) != 0) { fail(); return; }
  if (load<u8>(accept) != 0) { fail(); return; }
  store<u32>(d + D_STATES, states);
  store<u32>(d + D_CLASSES, classes);
  store<u32>(d + D_FLAGS, flags);
  store<u32>(d + D_ASCII, <u32>ascii);
  store<u32>(d + D_NRANGES, nRanges);
  store<u32>(d + D_RANGES, <u32>ranges);
  store<u32>(d + D_TRANS, <u32>trans);
  store<u32>(d + D_ACCEPT, <u32>accept);
}

export function dfaFlags(d: usize): u32 {
  return load<u32>(d + D_FLAGS);
}

/** Equivalence class of one UTF-16 code unit: a table for ASCII, binary search for the rest. */
function classOf(d: usize, u: u32): u32 {
  if (u < 128) return <u32>load<u8>(<usize>load<u32>(d + D_ASCII) + u);
  const ranges = <usize>load<u32>(d + D_RANGES);
  let lo: i32 = 0;
  let hi: i32 = <i32>load<u32>(d + D_NRANGES) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges + <usize>mid * 6;
    if (u < <u32>load<u16>(r)) hi = mid - 1;
    else if (u > <u32>load<u16>(r + 2)) lo = mid + 1;
    else return <u32>load<u8>(r + 4);
  }
  return 0;
}

function step(d: usize, s: u32, u: u32): u32 {
  const classes = load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  return <u32>load<u16>(trans + (<usize>s * <usize>classes + <usize>classOf(d, u)) * 2);
}

function accepting(d: usize, s: u32): bool {
  return load<u8>(<usize>load<u32>(d + D_ACCEPT) + s) != 0;
}

// Results of a scan, in bytes and in UTF-16 units (the host's offsets).
export let mByteStart: usize = 0;
export let mByteEnd: usize = 0;
export let mU16Start: i32 = 0;
export let mU16End: i32 = 0;

/**
 * Forward search from byte `from` (whose UTF-16 offset is `u16From`) for the earliest position
 * where a match ends. Returns true and sets mByteEnd/mU16End, or false. One pass.
 */
export function searchEnd(d: usize, text: usize, len: usize, from: usize, u16From: i32): bool {
  const end = text + len;
  const endAnchored = (dfaFlags(d) & FLAG_END_ANCHORED) != 0;
  if ((dfaFlags(d) & FLAG_START_ANCHORED) != 0 && from != 0) return false;
  let s: u32 = 1;
  let p = text + from;
  let u16 = u16From;
  if (accepting(d, s) && (!endAnchored || p == end)) { mByteEnd = p - text; mU16End = u16; return true; }
  while (p < end) {
    decodeAt(p, end);
    const cp = dCp;
    p += dLen;
    if (cp >= 0x10000) {
      s = step(d, s, 0xd800 + ((cp - 0x10000) >> 10));
      s = step(d, s, 0xdc00 + ((cp - 0x10000) & 0x3ff));
      u16 += 2;
    } else {
      s = step(d, s, cp);
      u16 += 1;
    }
    if (s == 0) return false;
    if (accepting(d, s) && (!endAnchored || p == end)) { mByteEnd = p - text; mU16End = u16; return true; }
  }
  return false;
}

/** Whole-value match with an anchored table. */
export function fullMatch(d: usize, text: usize, len: usize): bool {
  const end = text + len;
  let s: u32 = 1;
  let p = text;
  while (p < end) {
    decodeAt(p, end);
    const cp = dCp;
    p += dLen;
    if (cp >= 0x10000) {
      s = step(d, s, 0xd800 + ((cp - 0x10000) >> 10));
      s = step(d, s, 0xdc00 + ((cp - 0x10000) & 0x3ff));
    } else {
      s = step(d, s, cp);
    }
    if (s == 0) return false;
  }
  return accepting(d, s);
}

/**
 * From a match end (byte `endB`, UTF-16 `endU`) runs the reversed, anchored table backwards and
 * keeps the last accepting position: the leftmost start of a match ending there. Never goes
 * before byte `floor`. Sets mByteStart/mU16Start (equal to the end when nothing accepts).
 */
export function reverseStart(d: usize, text: usize, floor: usize, endB: usize, endU: i32): void {
  let s: u32 = 1;
  let p = text + endB;
  let u16 = endU;
  mByteStart = endB;
  mU16Start = endU;
  if (accepting(d, s)) { mByteStart = endB; mU16Start = endU; }
  const lo = text + floor;
  while (p > lo) {
    // Step back to the first byte of the previous code point.
    let q = p - 1;
    while (q > lo && (load<u8>(q) & 0xc0) == 0x80 && p - q < 4) q--;
    decodeAt(q, p);
    let cp = dCp;
    if (q + dLen != p) { cp = 0xfffd; q = p - 1; } // stray continuation byte: one U+FFFD per byte
    p = q;
    if (cp >= 0x10000) {
      s = step(d, s, 0xdc00 + ((cp - 0x10000) & 0x3ff));
      s = step(d, s, 0xd800 + ((cp - 0x10000) >> 10));
      u16 -= 2;
    } else {
      s = step(d, s, cp);
      u16 -= 1;
    }
    if (s == 0) return;
    if (accepting(d, s)) { mByteStart = p - text; mU16Start = u16; }
  }
}

/** How far past the earliest end a match may be extended: keeps every scan O(n · 1024). */
export const MAX_EXTEND_UNITS: i32 = 1024;

/**
 * From a match start (byte `startB`, UTF-16 `startU`) runs the anchored table forwards and keeps
 * the last accepting position, at least the known end (`endB`, `endU`): the longest match from
 * that start, looking at most MAX_EXTEND_UNITS code units beyond the known end. Sets mByteEnd/mU16End.
 */
export function extendEnd(d: usize, text: usize, len: usize, startB: usize, startU: i32, endB: usize, endU: i32): void {
  const end = text + len;
  const endAnchored = (dfaFlags(d) & FLAG_END_ANCHORED) != 0;
  mByteEnd = endB;
  mU16End = endU;
  let s: u32 = 1;
  let p = text + startB;
  let u16 = startU;
  while (p < end && u16 < endU + MAX_EXTEND_UNITS) {
    decodeAt(p, end);
    const cp = dCp;
    p += dLen;
    if (cp >= 0x10000) {
      s = step(d, s, 0xd800 + ((cp - 0x10000) >> 10));
      s = step(d, s, 0xdc00 + ((cp - 0x10000) & 0x3ff));
      u16 += 2;
    } else {
      s = step(d, s, cp);
      u16 += 1;
    }
    if (s == 0) return;
    if (accepting(d, s) && u16 > mU16End && (!endAnchored || p == end)) { mByteEnd = p - text; mU16End = u16; }
  }
}
