// Scanning with DFA tables compiled in TypeScript (engine/compiler/regex.ts documents the format).
// Input is UTF-8; the automata run over UTF-16 code units (JS regex semantics), so each decoded
// code point feeds one unit, or two for a surrogate pair. Every scan is one pass: linear time.
import { rdU32, rdBytes, rBad, fail } from "./reader";

// Descriptor of one validated table, stored in PERSIST: 8 u32 fields.
export const D_STATES = 0, D_CLASSES = 4, D_FLAGS = 8, D_ASCII = 12, D_NRANGES = 16, D_RANGES = 20, D_TRANS = 24, D_ACCEPT = 28;
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

export function dfaStates(d: usize): u32 {
  return load<u32>(d + D_STATES);
}

/** Equivalence class of a non-ASCII UTF-16 code unit: binary search over the ranges. */
export function classOfWide(d: usize, u: u32): u32 {
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

// The scanners below run over text already decoded to UTF-16 code units (text.ts toUnits), so a
// string is decoded once however many tables scan it; offsets are unit indices, the host's unit.
// Table pointers are hoisted into locals: each step is a class lookup, a load and a compare.

/**
 * Earliest position >= `from` where a match ends, or -1. One forward pass.
 * A scan resumed at `from` > 0 treats `from` as the start of text for `^` paths.
 */
export function searchEnd(d: usize, u: usize, n: i32, from: i32): i32 {
  const flags = load<u32>(d + D_FLAGS);
  if ((flags & FLAG_START_ANCHORED) != 0 && from != 0) return -1;
  const endAnchored = (flags & FLAG_END_ANCHORED) != 0;
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  let s: usize = 1;
  if (load<u8>(accept + s) != 0 && (!endAnchored || from == n)) return from;
  for (let i = from; i < n; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) return -1;
    if (load<u8>(accept + s) != 0 && (!endAnchored || i + 1 == n)) return i + 1;
  }
  return -1;
}

/** Whether the whole text matches an anchored table. */
export function fullMatch(d: usize, u: usize, n: i32): bool {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  let s: usize = 1;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) return false;
  }
  return load<u8>(<usize>load<u32>(d + D_ACCEPT) + s) != 0;
}

/**
 * From a match end, runs the reversed anchored table backwards (not below `floor`) and returns
 * the last accepting position: the leftmost start of a match ending there (`end` if none).
 */
export function reverseStart(d: usize, u: usize, floor: i32, end: i32): i32 {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  let s: usize = 1;
  let start = end;
  for (let i = end - 1; i >= floor; i--) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) break;
    if (load<u8>(accept + s) != 0) start = i;
  }
  return start;
}

/** How far past the earliest end a match may be extended: keeps every scan O(n · 1024). */
export const MAX_EXTEND_UNITS: i32 = 1024;

/**
 * From a match start, runs the anchored table forwards and returns the last accepting position
 * (at least `end`): the longest match from that start, looking at most MAX_EXTEND_UNITS beyond `end`.
 */
export function extendEnd(d: usize, u: usize, n: i32, start: i32, end: i32): i32 {
  const endAnchored = (load<u32>(d + D_FLAGS) & FLAG_END_ANCHORED) != 0;
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const limit = end + MAX_EXTEND_UNITS < n ? end + MAX_EXTEND_UNITS : n;
  let best = end;
  let s: usize = 1;
  for (let i = start; i < limit; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) break;
    if (load<u8>(accept + s) != 0 && i + 1 > best && (!endAnchored || i + 1 == n)) best = i + 1;
  }
  return best;
}
