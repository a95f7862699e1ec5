// Name sets: tool allow/deny lists, domain lists, rate-limit keys. Entries are folded once at
// load (case and look-alikes, confusables.ts). Exact names go into an open-addressing hash table, so a 10,000-name allow list costs the
// same per lookup as a 10-name one; globs (`*`, `?`) and domain wildcards are scanned in order.
import { rdU8, rdU32, rdBytes, rBad, fail } from "./reader";
import { persistAlloc } from "./memory";
import { bytesEqual, hashBytes } from "./text";
import { foldName } from "./confusables";

export const KIND_EXACT: u32 = 0;
export const KIND_GLOB: u32 = 1;
export const KIND_SUFFIX: u32 = 2; // domain wildcard `*.example.com`, stored as `example.com`
export const KIND_GLOBAL: u32 = 3; // the global rate limit: matches every tool

// Set descriptor (PERSIST): n, entries, hashCap, hash, nPattern, patternIdx — 6 u32.
// Entry: ptr, len, kind — 3 u32.
const S_N = 0, S_ENTRIES = 4, S_CAP = 8, S_HASH = 12, S_NPAT = 16, S_PAT = 20;

export const MAX_NAME_BYTES: u32 = 1024;

/**
 * Reads one `{u8 kind, u32 len, bytes}` name and folds it into PERSIST; writes ptr,len,kind at `e`.
 * `lookalikes`: also fold look-alike letters (confusables.ts). Used for everything that restricts
 * (deny lists, rate-limit keys, argument rules), never for allow lists: a look-alike of an allowed
 * name must not inherit its permission.
 */
export function readName(e: usize, lookalikes: bool): void {
  const kind = rdU8();
  const len = rdU32();
  if (rBad || kind > KIND_GLOBAL || len > MAX_NAME_BYTES) { fail(); return; }
  const src = rdBytes(len);
  if (rBad) return;
  const dst = persistAlloc(<usize>len * 4 + 1);
  if (dst == 0) { fail(); return; }
  store<u32>(e, <u32>dst);
  store<u32>(e + 4, <u32>foldName(src, len, dst, lookalikes));
  store<u32>(e + 8, kind);
}

/** Parses a `u32 n, name × n` list into a set; returns its descriptor (0 on failure). */
export function readNameSet(lookalikes: bool): usize {
  const n = rdU32();
  if (rBad || n > 1000000) { fail(); return 0; }
  const desc = persistAlloc(24);
  const entries = persistAlloc(<usize>n * 12);
  if (desc == 0 || entries == 0) { fail(); return 0; }
  let nPattern: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    readName(entries + <usize>i * 12, lookalikes);
    if (rBad) return 0;
    if (load<u32>(entries + <usize>i * 12 + 8) != KIND_EXACT) nPattern++;
  }
  let cap: u32 = 8;
  while (cap < n * 2) cap <<= 1;
  const hash = persistAlloc(<usize>cap * 4);
  const pat = persistAlloc(<usize>nPattern * 4 + 4);
  if (hash == 0 || pat == 0) { fail(); return 0; }
  let k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const e = entries + <usize>i * 12;
    if (load<u32>(e + 8) != KIND_EXACT) { store<u32>(pat + <usize>k * 4, i); k++; continue; }
    const p = <usize>load<u32>(e);
    const len = <usize>load<u32>(e + 4);
    let slot = hashBytes(p, len) & (cap - 1);
    // Keep the first occurrence: later duplicates do not shadow its index.
    while (true) {
      const v = load<u32>(hash + <usize>slot * 4);
      if (v == 0) { store<u32>(hash + <usize>slot * 4, i + 1); break; }
      const o = entries + <usize>(v - 1) * 12;
      if (bytesEqual(<usize>load<u32>(o), <usize>load<u32>(o + 4), p, len)) break;
      slot = (slot + 1) & (cap - 1);
    }
  }
  store<u32>(desc + S_N, n);
  store<u32>(desc + S_ENTRIES, <u32>entries);
  store<u32>(desc + S_CAP, cap);
  store<u32>(desc + S_HASH, <u32>hash);
  store<u32>(desc + S_NPAT, nPattern);
  store<u32>(desc + S_PAT, <u32>pat);
  return desc;
}

export function setSize(desc: usize): u32 {
  return load<u32>(desc + S_N);
}

/**
 * Glob match over folded UTF-8: `*` matches any run, `?` one code point. Iterative with a single
 * backtrack point (the classic wildcard algorithm): no recursion, O(|p|·|s|) worst case on names
 * that are at most MAX_NAME_BYTES long.
 */
export function globMatch(pat: usize, plen: usize, s: usize, slen: usize): bool {
  let pi: usize = 0, si: usize = 0;
  let starP: isize = -1, starS: usize = 0;
  while (si < slen) {
    if (pi < plen) {
      const c = load<u8>(pat + pi);
      if (c == 0x2a) { starP = <isize>pi; pi++; starS = si; continue; }
      if (c == 0x3f) { pi++; si++; while (si < slen && (load<u8>(s + si) & 0xc0) == 0x80) si++; continue; }
      if (c == load<u8>(s + si)) { pi++; si++; continue; }
    }
    if (starP < 0) return false;
    pi = <usize>starP + 1;
    starS++;
    while (starS < slen && (load<u8>(s + starS) & 0xc0) == 0x80) starS++;
    si = starS;
  }
  while (pi < plen && load<u8>(pat + pi) == 0x2a) pi++;
  return pi == plen;
}

/** Whether entry `e` matches the folded name; domains also match by label suffix. */
function entryMatches(e: usize, name: usize, len: usize): bool {
  const p = <usize>load<u32>(e);
  const plen = <usize>load<u32>(e + 4);
  const kind = load<u32>(e + 8);
  if (kind == KIND_GLOBAL) return true;
  if (kind == KIND_EXACT) return bytesEqual(p, plen, name, len);
  if (kind == KIND_GLOB) return globMatch(p, plen, name, len);
  // KIND_SUFFIX: `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`.
  if (len <= plen + 1) return false;
  return load<u8>(name + len - plen - 1) == 0x2e && bytesEqual(p, plen, name + len - plen, plen);
}

/** Index of the first entry matching a folded name (exact hits first), or -1. */
export function setLookup(desc: usize, name: usize, len: usize): i32 {
  const entries = <usize>load<u32>(desc + S_ENTRIES);
  const cap = load<u32>(desc + S_CAP);
  const hash = <usize>load<u32>(desc + S_HASH);
  let slot = hashBytes(name, len) & (cap - 1);
  while (true) {
    const v = load<u32>(hash + <usize>slot * 4);
    if (v == 0) break;
    const o = entries + <usize>(v - 1) * 12;
    if (bytesEqual(<usize>load<u32>(o), <usize>load<u32>(o + 4), name, len)) return <i32>(v - 1);
    slot = (slot + 1) & (cap - 1);
  }
  const nPat = load<u32>(desc + S_NPAT);
  const pat = <usize>load<u32>(desc + S_PAT);
  for (let k: u32 = 0; k < nPat; k++) {
    const i = load<u32>(pat + <usize>k * 4);
    if (entryMatches(entries + <usize>i * 12, name, len)) return <i32>i;
  }
  return -1;
}

/** Whether a single stored name (ptr,len,kind triple at `e`) matches a folded name. */
export function nameMatches(e: usize, name: usize, len: usize): bool {
  return entryMatches(e, name, len);
}
