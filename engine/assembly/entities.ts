// Entity scanning (PII categories and secret rules): one pass over the text per head group
// (engine/compiler/entities-set.ts builds the tables), then, from each head occurrence, the rule's
// own tables and exact check. Per rule, matches are leftmost-longest among head occurrences, never
// overlapping, each accepted only if its check passes:
//
//   head at h → start s: h, or the leftmost start of the rule's part before the head (reverse
//   table, not below the end of the rule's previous match) → end e: the longest match of the
//   whole pattern from s, at most maxLen units long → check(s, e) → span (possibly narrowed).
//
// Work per text: one table step per unit per group, plus per head occurrence at most maxLen
// forward steps (or a comparison of at most that many units with the rule's previous failed run,
// see tryRule) and a backward scan that stops where the part before the head cannot continue
// (built-in back parts cannot contain their head's first character, so these scans do not overlap).
import { D_ACCEPT, D_ASCII, D_CLASSES, D_NRANGES, D_RANGES, D_STATES, D_TRANS, DFA_DESC_SIZE, classOfWide } from "./dfa";
import { persistAlloc, scratchAlloc } from "./memory";
import * as P from "./policy";
import { checkMatch, cS, cE, rejectsStart, setHead } from "./checks";

// Matches found in the current text: (rule, start, end) triples, then sorted by rule for reporting.
export let mPtr: usize = 0;
export let mCount: u32 = 0;
/** At most this many matches are kept per text: one more than the engine can report, so an overflow still shows. */
export const MAX_TEXT_MATCHES: u32 = 1025;

// Per rule, for the text being scanned (RS bytes each): generation stamp, floor (end of the previous
// match), a count used by sortByRule, and the memo of the rule's last forward run that ended in
// the dead state (see tryRule): where it started, how many units it read, its best end relative
// to its start (-1: none).
const RS: usize = 24;
const RS_GEN: usize = 0, RS_FLOOR: usize = 4, RS_COUNT: usize = 8, RS_MEMO_AT: usize = 12, RS_MEMO_LEN: usize = 16, RS_MEMO_BEST: usize = 20;
let ruleState: usize = 0;
let ruleStateRules: u32 = 0;
let generation: u32 = 0;
let sorted: usize = 0;
// These tables and the match table live in PERSIST, allocated at load and kept across calls: a
// slot whose stamp is not the current generation belongs to an earlier text and reads as empty,
// so nothing is cleared per call (clearing the slots at every call cost as much as the memo saved
// on short texts). When PERSIST had no room at load they are allocated per call in SCRATCH.
let persistentTables = false;

/** Per-call reset: scratch was reset, so tables allocated there are gone. */
export function entitiesReset(): void {
  winFrom = 0; // every request starts without a report window (evaluate.ts sets one per scan)
  winTo = i32.MAX_VALUE;
  if (persistentTables) return;
  ruleState = 0;
  ruleStateRules = 0;
  mPtr = 0;
  sorted = 0;
  generation = 0;
}

/** At load: the per-rule and match tables in PERSIST (zeroed), or none (then per call, in SCRATCH). */
function prepareMatchTables(): void {
  persistentTables = false;
  entitiesReset();
  const rs = persistAlloc(<usize>P.gNContent * RS + 16);
  const m = persistAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  const so = persistAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  if (rs == 0 || m == 0 || so == 0) return;
  ruleState = rs;
  mPtr = m;
  sorted = so;
  ruleStateRules = P.gNContent;
  persistentTables = true;
}

function ensureTables(): bool {
  if (ruleState != 0 && ruleStateRules == P.gNContent) return true;
  ruleState = scratchAlloc(<usize>P.gNContent * RS + 16);
  mPtr = scratchAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  sorted = scratchAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  if (ruleState == 0 || mPtr == 0 || sorted == 0) { ruleState = 0; return false; }
  memory.fill(ruleState, 0, <usize>P.gNContent * RS);
  ruleStateRules = P.gNContent;
  return true;
}

function floorOf(r: u32): i32 {
  const st = ruleState + <usize>r * RS;
  return load<u32>(st + RS_GEN) == generation ? load<i32>(st + RS_FLOOR) : 0;
}

/** The rule's state slot, claimed for the current text (fields of an earlier text are cleared). */
function slotOf(r: u32): usize {
  const st = ruleState + <usize>r * RS;
  if (load<u32>(st + RS_GEN) != generation) {
    store<u32>(st + RS_GEN, generation);
    store<i32>(st + RS_FLOOR, 0);
    store<u32>(st + RS_COUNT, 0);
    store<i32>(st + RS_MEMO_LEN, 0);
  }
  return st;
}

function setFloor(r: u32, f: i32): void {
  store<i32>(slotOf(r) + RS_FLOOR, f);
}

// Verification tables (each entity rule's anchored table, and the reverse table of its back part),
// derived at load like the head tables: u32 byte offsets of target rows, accepting states last, so
// a step is a class lookup, one load, and compares (dead: offset 0; accepting: >= F_ACCEPT_FROM).
// Per bundle table (indexed like P.gDfas): F_TABLE (0: not built, use the bundle's table),
// F_START (offset of the start state), F_ACCEPT_FROM.
let gFast: usize = 0;
const FAST_DESC: usize = 12;
const F_TABLE: usize = 0, F_START: usize = 4, F_ACCEPT_FROM: usize = 8;

/** Builds the derived table of bundle table `index` at `f`, or leaves F_TABLE = 0. Returns the bytes used. */
function deriveTable(index: u32, budget: usize): usize {
  const f = gFast + <usize>index * FAST_DESC;
  if (load<u32>(f + F_TABLE) != 0) return 0; // shared by several rules: built once
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  const states = <usize>load<u32>(d + D_STATES);
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const rowBytes = classes << 2;
  const bytes = states * rowBytes;
  if (bytes > budget) return 0;
  let nAccepting: usize = 0;
  for (let st: usize = 0; st < states; st++) if (load<u8>(accept + st) != 0) nAccepting++;
  const nOther = states - nAccepting;
  const renumber = persistAlloc(states << 2);
  const table = persistAlloc(bytes);
  if (renumber == 0 || table == 0) return 0;
  let a: usize = 0;
  let b: usize = nOther;
  for (let st: usize = 0; st < states; st++) store<u32>(renumber + (st << 2), <u32>(load<u8>(accept + st) != 0 ? b++ : a++));
  for (let st: usize = 0; st < states; st++) {
    const row = table + <usize>load<u32>(renumber + (st << 2)) * rowBytes;
    for (let c: usize = 0; c < classes; c++) {
      const to = <usize>load<u16>(trans + ((st * classes + c) << 1));
      store<u32>(row + (c << 2), <u32>(<usize>load<u32>(renumber + (to << 2)) * rowBytes));
    }
  }
  store<u32>(f + F_START, <u32>(<usize>load<u32>(renumber + 4) * rowBytes));
  store<u32>(f + F_ACCEPT_FROM, <u32>(nOther * rowBytes));
  store<u32>(f + F_TABLE, <u32>table);
  return bytes;
}

/** Derives the verification tables of every entity rule (after a successful load). Never fails. */
function prepareRuleTables(): void {
  gFast = persistAlloc(<usize>P.gNDfa * FAST_DESC + 16);
  if (gFast == 0) return;
  let left: usize = FAST_RULES_MAX_BYTES;
  for (let r: u32 = 0; r < P.gNContent; r++) {
    const c = P.gContent + <usize>r * P.CONTENT_SIZE;
    if (load<u32>(c + P.C_KIND) == P.KIND_CONTENT) continue;
    left -= deriveTable(load<u32>(c + P.C_ANCHORED), left);
    const back = load<u32>(c + P.C_REVERSE);
    if (back != P.NONE) left -= deriveTable(back, left);
  }
}
const FAST_RULES_MAX_BYTES: usize = 16 << 20;

/** Leftmost s >= floor with u[s..h) accepted by the reverse table `d` (fed backwards from h), or -1. */
function backStart(index: u32, u: usize, floor: i32, h: i32): i32 {
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  const ascii = <usize>load<u32>(d + D_ASCII);
  const f = gFast + <usize>index * FAST_DESC;
  const table = <usize>load<u32>(f + F_TABLE);
  if (table != 0) {
    const acceptFrom = <usize>load<u32>(f + F_ACCEPT_FROM);
    let off = <usize>load<u32>(f + F_START);
    let best: i32 = off >= acceptFrom ? h : -1;
    for (let i = h - 1; i >= floor; i--) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      off = <usize>load<u32>(table + (cls << 2) + off);
      if (off == 0) break;
      if (off >= acceptFrom) best = i;
    }
    return best;
  }
  return backStartTable(d, u, floor, h);
}

/**
 * Set by longestFrom: how many units the run read when its automaton died (the last one read
 * killed it), or 0 when it stopped at its limit (maxLen or the end of the text).
 */
let deadAfter: i32 = 0;

/** Whether the `len` units at a and at b are the same. */
function sameUnits(a: usize, b: usize, len: i32): bool {
  const bytes = <usize>len << 1;
  let k: usize = 0;
  for (; k + 8 <= bytes; k += 8) if (load<u64>(a + k) != load<u64>(b + k)) return false;
  for (; k < bytes; k += 2) if (load<u16>(a + k) != load<u16>(b + k)) return false;
  return true;
}

/** End of the longest match of anchored table `index` from s, looking at most `maxLen` units; -1 if none. */
function longestFrom(index: u32, u: usize, n: i32, s: i32, maxLen: i32): i32 {
  const f = gFast + <usize>index * FAST_DESC;
  const table = <usize>load<u32>(f + F_TABLE);
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  if (table == 0) return longestFromTable(d, u, n, s, maxLen);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const acceptFrom = <usize>load<u32>(f + F_ACCEPT_FROM);
  const limit = n - s > maxLen ? s + maxLen : n;
  let best: i32 = -1;
  let off = <usize>load<u32>(f + F_START);
  for (let i = s; i < limit; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    off = <usize>load<u32>(table + (cls << 2) + off);
    if (off == 0) { deadAfter = i + 1 - s; return best; }
    if (off >= acceptFrom) best = i + 1;
  }
  deadAfter = 0;
  return best;
}

/** backStart over the bundle's own table (when no derived table was built). */
function backStartTable(d: usize, u: usize, floor: i32, h: i32): i32 {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  let s: usize = 1;
  let best: i32 = load<u8>(accept + 1) != 0 ? h : -1;
  for (let i = h - 1; i >= floor; i--) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) break;
    if (load<u8>(accept + s) != 0) best = i;
  }
  return best;
}

/** longestFrom over the bundle's own table (when no derived table was built). */
function longestFromTable(d: usize, u: usize, n: i32, s: i32, maxLen: i32): i32 {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const limit = n - s > maxLen ? s + maxLen : n;
  let best: i32 = -1;
  let st: usize = 1;
  for (let i = s; i < limit; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    st = <usize>load<u16>(trans + ((st * classes + cls) << 1));
    if (st == 0) { deadAfter = i + 1 - s; return best; }
    if (load<u8>(accept + st) != 0) best = i + 1;
  }
  deadAfter = 0;
  return best;
}

const MEMO_MIN_UNITS: i32 = 4;

// The report window of the current text, in its normalised units: only matches that start in
// [winFrom, winTo) are recorded (and so counted toward MAX_TEXT_MATCHES). Everything else of the
// scan is unchanged: tryRule still moves the rule's floor past a match it does not record, and a
// rule's matches are found in position order, each from the previous one's floor, so whether an
// earlier match was recorded cannot change any later one (nor a later one an earlier one): the
// matches recorded with a window are exactly those recorded without one, filtered by start.
let winFrom: i32 = 0;
let winTo: i32 = i32.MAX_VALUE;

/** Sets the report window of the next scanEntities (normalised units; [0, i32.MAX_VALUE): everything). */
export function setReportWindow(from: i32, to: i32): void {
  winFrom = from;
  winTo = to;
}

function record(r: u32, s: i32, e: i32): void {
  if (s < winFrom || s >= winTo) return; // outside the report window: not reported, not counted
  if (mCount >= MAX_TEXT_MATCHES) return;
  const m = mPtr + <usize>mCount * 12;
  store<u32>(m, r);
  store<i32>(m + 4, s);
  store<i32>(m + 8, e);
  mCount++;
}

/** Tries rule r at head position h; records a match and moves the rule's floor when it passes. */
function tryRule(r: u32, u: usize, n: i32, h: i32): void {
  const floor = floorOf(r);
  if (h < floor) return;
  const c = P.gContent + <usize>r * P.CONTENT_SIZE;
  let s = h;
  const back = load<u32>(c + P.C_REVERSE);
  if (back != P.NONE) {
    s = backStart(back, u, floor, h);
    if (s < 0) return;
  }
  const check = load<u32>(c + P.C_CHECK);
  if (rejectsStart(check, u, n, s)) return; // the check would refuse any match from s
  // The rule's last forward run that died read `len` units from `at`. The automaton is
  // deterministic: a run from s over the same units takes the same steps and dies at the same
  // offset, with the same best end (relative), provided its limit (maxLen, end of text) lets it
  // read them all. Periodic texts (ReDoS shapes: `1234 1234 …`, `api_key=api_key=…`) repeat the
  // same failed run at every period; comparing units is a few independent loads, where the run is
  // one dependent table load per unit. Same answer, by construction.
  const maxLen = <i32>load<u32>(c + P.C_MAXLEN);
  const st = slotOf(r);
  const len = load<i32>(st + RS_MEMO_LEN);
  let e: i32;
  if (len != 0 && len <= maxLen && len <= n - s && sameUnits(u + (<usize>load<i32>(st + RS_MEMO_AT) << 1), u + (<usize>s << 1), len)) {
    const rel = load<i32>(st + RS_MEMO_BEST);
    e = rel < 0 ? -1 : s + rel;
  } else {
    e = longestFrom(load<u32>(c + P.C_ANCHORED), u, n, s, maxLen);
    // Runs shorter than MEMO_MIN_UNITS cost about what the comparison does: not kept.
    if (deadAfter >= MEMO_MIN_UNITS) {
      store<i32>(st + RS_MEMO_AT, s);
      store<i32>(st + RS_MEMO_LEN, deadAfter);
      store<i32>(st + RS_MEMO_BEST, e < 0 ? -1 : e - s);
    }
  }
  if (e <= h) return;
  setHead(h);
  if (!checkMatch(check, load<u32>(c + P.C_ARG), u, n, s, e)) return;
  record(r, cS, cE);
  setFloor(r, cE > h ? cE : h + 1);
}

// ---- head tables for scanning, derived at load ---------------------------------------------------------
//
// The bundle's head table is u16 target states, indexed state × classes + class. For the scan the
// loader derives, per head group, a table of u32 *byte offsets* of the target row (no multiply in
// the loop), a class byte for every BMP unit (no branch, no binary search), and a state order in
// which every accepting state comes after every other one, so "any head ends here?" is one compare
// of the offset against a threshold instead of a load. An accepting state's row has one more
// column: the address of its list of heads (a division of the offset by the row size cost a
// third of the time of every candidate). Same automaton, same answers; a group whose
// derived table would exceed FAST_GROUP_MAX_BYTES (or the total FAST_TOTAL_MAX_BYTES) is scanned
// with the bundle's table directly.
const FAST_GROUP_MAX_BYTES: usize = 8 << 20;
const FAST_TOTAL_MAX_BYTES: usize = 16 << 20;

/**
 * Derives the scan tables of every head group and entity rule (after a successful load). Never
 * fails: a table it cannot build (memory, size caps) is scanned from the bundle's own table.
 */
export function prepareScanTables(): void {
  prepareRuleTables();
  prepareHeadTables();
  prepareMatchTables();
}

function prepareHeadTables(): void {
  let total: usize = 0;
  for (let g: u32 = 0; g < P.gNGroups; g++) {
    const gp = P.gGroups + <usize>g * P.GROUP_SIZE;
    store<u32>(gp + P.G_FAST, 0);
    const d = <usize>load<u32>(gp + P.G_DFA);
    const states = <usize>load<u32>(d + D_STATES);
    const classes = <usize>load<u32>(d + D_CLASSES);
    const trans = <usize>load<u32>(d + D_TRANS);
    const ascii = <usize>load<u32>(d + D_ASCII);
    const accept = <usize>load<u32>(d + D_ACCEPT);
    const rowBytes = (classes + 1) << 2; // the last column: the head list of an accepting state
    const bytes = states * rowBytes;
    if (bytes > FAST_GROUP_MAX_BYTES || total + bytes > FAST_TOTAL_MAX_BYTES) continue;
    // New state numbers: non-accepting states first (the dead state 0 stays 0), accepting ones after.
    let nAccepting: usize = 0;
    for (let st: usize = 0; st < states; st++) if (load<u8>(accept + st) != 0) nAccepting++;
    const nOther = states - nAccepting;
    const renumber = persistAlloc(states << 2);
    const fast = persistAlloc(bytes);
    const classMap = persistAlloc(65536);
    if (renumber == 0 || fast == 0 || classMap == 0) return;
    let a: usize = 0;
    let b: usize = nOther;
    for (let st: usize = 0; st < states; st++) store<u32>(renumber + (st << 2), <u32>(load<u8>(accept + st) != 0 ? b++ : a++));
    const offsets = <usize>load<u32>(gp + P.G_OFFSETS);
    const lists = <usize>load<u32>(gp + P.G_LISTS);
    for (let st: usize = 0; st < states; st++) {
      const id = <usize>load<u32>(renumber + (st << 2));
      const row = fast + id * rowBytes;
      for (let c: usize = 0; c < classes; c++) {
        const to = <usize>load<u16>(trans + ((st * classes + c) << 1));
        store<u32>(row + (c << 2), <u32>(<usize>load<u32>(renumber + (to << 2)) * rowBytes));
      }
      store<u32>(row + (classes << 2), id >= nOther ? <u32>(lists + (<usize>load<u32>(offsets + (st << 2)) << 2)) : 0);
    }
    // Class of every BMP unit: ASCII from the table's map, the rest from its ranges (default class 0).
    memory.copy(classMap, ascii, 128);
    const ranges = <usize>load<u32>(d + D_RANGES);
    const nRanges = <usize>load<u32>(d + D_NRANGES);
    for (let k: usize = 0; k < nRanges; k++) {
      const r = ranges + k * 6;
      const lo = <usize>load<u16>(r);
      const hi = <usize>load<u16>(r + 2);
      memory.fill(classMap + lo, load<u8>(r + 4), hi - lo + 1);
    }
    // A virtual NUL before the text: heads that need a boundary before them can match at 0.
    const start = <usize>load<u16>(trans + ((classes + <usize>load<u8>(ascii)) << 1));
    store<u32>(gp + P.G_CLASSMAP, <u32>classMap);
    store<u32>(gp + P.G_START, <u32>(<usize>load<u32>(renumber + (start << 2)) * rowBytes));
    store<u32>(gp + P.G_ACCEPT_FROM, <u32>(nOther * rowBytes));
    store<u32>(gp + P.G_ROW_BYTES, <u32>rowBytes);
    store<u32>(gp + P.G_LIST_COLUMN, <u32>(classes << 2));
    store<u32>(gp + P.G_FAST, <u32>fast);
    total += bytes;
  }
}

/** Tries, in list order, the rules whose heads end at unit i (list = count, then member positions). False when the match table is full. */
// @ts-ignore: decorator
@inline function headsEndAt(list: usize, members: usize, u: usize, n: i32, i: i32, phase: u32): bool {
  const count = load<u32>(list);
  for (let k: u32 = 1; k <= count; k++) {
    const r = load<u32>(members + (<usize>load<u32>(list + (<usize>k << 2)) << 2));
    const c2 = P.gContent + <usize>r * P.CONTENT_SIZE;
    if ((load<u32>(c2 + P.C_APPLIES) & phase) == 0) continue;
    tryRule(r, u, n, i + 1 - <i32>load<u32>(c2 + P.C_HEADLEN));
    if (mCount >= MAX_TEXT_MATCHES) return false;
  }
  return true;
}

/**
 * Scans the units [u, u+2n) with every head group, for the entity rules that apply to `phase`.
 * Matches are left in (mPtr, mCount), ordered by rule and then position. False when out of memory.
 */
export function scanEntities(u: usize, n: i32, phase: u32): bool {
  mCount = 0;
  if (P.gNGroups == 0) return true;
  if (!ensureTables()) return false;
  generation++;
  if (generation == 0) {
    // the stamp wrapped: a slot could carry the new one from 2^32 texts ago
    memory.fill(ruleState, 0, <usize>P.gNContent * RS);
    generation = 1;
  }
  for (let g: u32 = 0; g < P.gNGroups; g++) {
    const gp = P.gGroups + <usize>g * P.GROUP_SIZE;
    const members = <usize>load<u32>(gp + P.G_MEMBERS);
    const lists = <usize>load<u32>(gp + P.G_LISTS);
    const fast = <usize>load<u32>(gp + P.G_FAST);
    if (fast != 0) {
      // One load per unit for its class, one for the next row, one compare for "heads end here".
      const classMap = <usize>load<u32>(gp + P.G_CLASSMAP);
      const acceptFrom = <usize>load<u32>(gp + P.G_ACCEPT_FROM);
      const listColumn = <usize>load<u32>(gp + P.G_LIST_COLUMN);
      let off = <usize>load<u32>(gp + P.G_START);
      for (let i = 0; i < n; i++) {
        const c = <usize>load<u16>(u + (<usize>i << 1));
        off = <usize>load<u32>(fast + (<usize>load<u8>(classMap + c) << 2) + off);
        if (off < acceptFrom) continue;
        if (!headsEndAt(<usize>load<u32>(fast + off + listColumn), members, u, n, i, phase)) return true;
      }
      continue;
    }
    const d = <usize>load<u32>(gp + P.G_DFA);
    const offsets = <usize>load<u32>(gp + P.G_OFFSETS);
    const classes = <usize>load<u32>(d + D_CLASSES);
    const trans = <usize>load<u32>(d + D_TRANS);
    const ascii = <usize>load<u32>(d + D_ASCII);
    const accept = <usize>load<u32>(d + D_ACCEPT);
    // A virtual NUL before the text: heads that need a boundary before them can match at 0.
    let st = <usize>load<u16>(trans + ((classes + <usize>load<u8>(ascii)) << 1));
    for (let i = 0; i < n; i++) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      st = <usize>load<u16>(trans + ((st * classes + cls) << 1));
      if (load<u8>(accept + st) == 0) continue;
      if (!headsEndAt(lists + (<usize>load<u32>(offsets + (st << 2)) << 2), members, u, n, i, phase)) return true;
    }
  }
  sortByRule();
  return true;
}

/** Stable insertion of the matches into rule order (within a rule they are already in position order). */
function sortByRule(): void {
  if (mCount < 2) return;
  // Counting sort over the rules present: counts live in the rule-state slots (RS_COUNT).
  let minRule: u32 = 0xffffffff;
  let maxRule: u32 = 0;
  for (let i: u32 = 0; i < mCount; i++) {
    const r = load<u32>(mPtr + <usize>i * 12);
    if (r < minRule) minRule = r;
    if (r > maxRule) maxRule = r;
    const st = ruleState + <usize>r * RS;
    store<u32>(st + RS_COUNT, load<u32>(st + RS_COUNT) + 1);
  }
  if (minRule == maxRule) { clearCounts(minRule, maxRule); return; }
  // prefix sums: the count becomes the next output index of the rule
  let next: u32 = 0;
  for (let r = minRule; r <= maxRule; r++) {
    const st = ruleState + <usize>r * RS;
    if (load<u32>(st + RS_GEN) != generation) continue;
    const c = load<u32>(st + RS_COUNT);
    store<u32>(st + RS_COUNT, next);
    next += c;
  }
  for (let i: u32 = 0; i < mCount; i++) {
    const m = mPtr + <usize>i * 12;
    const st = ruleState + <usize>load<u32>(m) * RS;
    const at = load<u32>(st + RS_COUNT);
    store<u32>(st + RS_COUNT, at + 1);
    memory.copy(sorted + <usize>at * 12, m, 12);
  }
  memory.copy(mPtr, sorted, <usize>mCount * 12);
  clearCounts(minRule, maxRule);
}

function clearCounts(lo: u32, hi: u32): void {
  for (let r = lo; r <= hi; r++) {
    const st = ruleState + <usize>r * RS;
    if (load<u32>(st + RS_GEN) == generation) store<u32>(st + RS_COUNT, 0);
  }
}
