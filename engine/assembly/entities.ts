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
// forward steps and a backward scan that stops where the part before the head cannot continue
// (built-in back parts cannot contain their head's first character, so these scans do not overlap).
import { D_ACCEPT, D_ASCII, D_CLASSES, D_TRANS, DFA_DESC_SIZE, classOfWide } from "./dfa";
import { scratchAlloc } from "./memory";
import * as P from "./policy";
import { checkMatch, cS, cE, setHead } from "./checks";

// Matches found in the current text: (rule, start, end) triples, then sorted by rule for reporting.
export let mPtr: usize = 0;
export let mCount: u32 = 0;
/** At most this many matches are kept per text: one more than the engine can report, so an overflow still shows. */
export const MAX_TEXT_MATCHES: u32 = 1025;

// Per rule, for the text being scanned: generation stamp, floor (end of the previous match).
let ruleState: usize = 0;
let ruleStateRules: u32 = 0;
let generation: u32 = 0;
let sorted: usize = 0;

/** Per-call reset (scratch was reset: the tables above are gone). */
export function entitiesReset(): void {
  ruleState = 0;
  ruleStateRules = 0;
  mPtr = 0;
  sorted = 0;
  generation = 0;
}

function ensureTables(): bool {
  if (ruleState != 0 && ruleStateRules == P.gNContent) return true;
  ruleState = scratchAlloc(<usize>P.gNContent * 12 + 16);
  mPtr = scratchAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  sorted = scratchAlloc(<usize>MAX_TEXT_MATCHES * 12 + 16);
  if (ruleState == 0 || mPtr == 0 || sorted == 0) { ruleState = 0; return false; }
  memory.fill(ruleState, 0, <usize>P.gNContent * 12);
  ruleStateRules = P.gNContent;
  return true;
}

function floorOf(r: u32): i32 {
  const st = ruleState + <usize>r * 12;
  return load<u32>(st) == generation ? load<i32>(st + 4) : 0;
}

function setFloor(r: u32, f: i32): void {
  const st = ruleState + <usize>r * 12;
  if (load<u32>(st) != generation) { store<u32>(st, generation); store<u32>(st + 8, 0); }
  store<i32>(st + 4, f);
}

/** Leftmost s >= floor with u[s..h) accepted by the reverse table `d` (fed backwards from h), or -1. */
function backStart(d: usize, u: usize, floor: i32, h: i32): i32 {
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

/** End of the longest match of the anchored table `d` from s, looking at most `maxLen` units; -1 if none. */
function longestFrom(d: usize, u: usize, n: i32, s: i32, maxLen: i32): i32 {
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
    if (st == 0) break;
    if (load<u8>(accept + st) != 0) best = i + 1;
  }
  return best;
}

function record(r: u32, s: i32, e: i32): void {
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
    s = backStart(P.gDfas + <usize>back * DFA_DESC_SIZE, u, floor, h);
    if (s < 0) return;
  }
  const e = longestFrom(P.gDfas + <usize>load<u32>(c + P.C_ANCHORED) * DFA_DESC_SIZE, u, n, s, <i32>load<u32>(c + P.C_MAXLEN));
  if (e <= h) return;
  setHead(h);
  if (!checkMatch(load<u32>(c + P.C_CHECK), load<u32>(c + P.C_ARG), u, n, s, e)) return;
  record(r, cS, cE);
  setFloor(r, cE > h ? cE : h + 1);
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
  for (let g: u32 = 0; g < P.gNGroups; g++) {
    const gp = P.gGroups + <usize>g * P.GROUP_SIZE;
    const d = <usize>load<u32>(gp + P.G_DFA);
    const members = <usize>load<u32>(gp + P.G_MEMBERS);
    const offsets = <usize>load<u32>(gp + P.G_OFFSETS);
    const lists = <usize>load<u32>(gp + P.G_LISTS);
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
      const list = lists + (<usize>load<u32>(offsets + (st << 2)) << 2);
      const count = load<u32>(list);
      for (let k: u32 = 1; k <= count; k++) {
        const r = load<u32>(members + (<usize>load<u32>(list + (<usize>k << 2)) << 2));
        const c2 = P.gContent + <usize>r * P.CONTENT_SIZE;
        if ((load<u32>(c2 + P.C_APPLIES) & phase) == 0) continue;
        tryRule(r, u, n, i + 1 - <i32>load<u32>(c2 + P.C_HEADLEN));
        if (mCount >= MAX_TEXT_MATCHES) return true;
      }
    }
  }
  sortByRule();
  return true;
}

/** Stable insertion of the matches into rule order (within a rule they are already in position order). */
function sortByRule(): void {
  if (mCount < 2) return;
  // Counting sort over the rules present: counts live in the rule-state slots (+8).
  let minRule: u32 = 0xffffffff;
  let maxRule: u32 = 0;
  for (let i: u32 = 0; i < mCount; i++) {
    const r = load<u32>(mPtr + <usize>i * 12);
    if (r < minRule) minRule = r;
    if (r > maxRule) maxRule = r;
    const st = ruleState + <usize>r * 12;
    store<u32>(st + 8, load<u32>(st + 8) + 1);
  }
  if (minRule == maxRule) { clearCounts(minRule, maxRule); return; }
  // prefix sums: slot +8 becomes the next output index of the rule
  let next: u32 = 0;
  for (let r = minRule; r <= maxRule; r++) {
    const st = ruleState + <usize>r * 12;
    if (load<u32>(st) != generation) continue;
    const c = load<u32>(st + 8);
    store<u32>(st + 8, next);
    next += c;
  }
  for (let i: u32 = 0; i < mCount; i++) {
    const m = mPtr + <usize>i * 12;
    const st = ruleState + <usize>load<u32>(m) * 12;
    const at = load<u32>(st + 8);
    store<u32>(st + 8, at + 1);
    memory.copy(sorted + <usize>at * 12, m, 12);
  }
  memory.copy(mPtr, sorted, <usize>mCount * 12);
  clearCounts(minRule, maxRule);
}

function clearCounts(lo: u32, hi: u32): void {
  for (let r = lo; r <= hi; r++) {
    const st = ruleState + <usize>r * 12;
    if (load<u32>(st) == generation) store<u32>(st + 8, 0);
  }
}
