// Entity scanning (PII categories and secret rules): one pass over the text per head group
// (engine/compiler/entities-set.ts builds the tables), then, from each head occurrence, the rule's
// own tables and exact check. Per rule, matches are leftmost-longest among head occurrences, never
// overlapping, each accepted only if its check passes:
//
//   head at h (a gated rule's: only after a head of its gate within reach, see gateOpen) → end e:
//   the longest match from h of the whole pattern, or of the part after the back part → start s:
//   h, or the leftmost start of the back part before h (reverse table, not below the end of the
//   rule's previous match; the nearest start, for a back part that is context only) → check(s,
//   e), e at most maxLen units from s → span (possibly narrowed).
//
// Work per text: one table step per unit per group, plus per head occurrence a forward run of at
// most maxLen units (or a comparison of at most that many units with the rule's previous failed
// run, see tryRule) in which loop and segment states are crossed in one jump (see "Runs of one
// class"), and a backward scan that stops where the part before the head cannot continue, or
// where the rule's last scan that found nothing stood in a state that accepted at least as much
// (see backStart): scans of a back part that can run over the rule's own head (the command-line
// password rules) do not read the same units again.
import { D_ACCEPT, D_ASCII, D_CLASSES, D_NRANGES, D_RANGES, D_STATES, D_TRANS, DFA_DESC_SIZE, classOfWide } from "./dfa";
import { MAX_REPORTS, persistAlloc, persistAllocOptional, persistMark, persistRewind, scratchAlloc } from "./memory";
import * as P from "./policy";
import { checkMatch, cS, cE, rejectsStart, setHead } from "./checks";

// Matches found in the current text: (rule, start, end) triples, then sorted by rule for reporting.
export let mPtr: usize = 0;
export let mCount: u32 = 0;
/** At most this many matches are kept per text: one more than the engine can report, so an overflow still shows. */
export const MAX_TEXT_MATCHES: u32 = MAX_REPORTS + 1;
// The match table: MATCH_BASE entries in PERSIST, enough for nearly every text; a text with more
// moves it to SCRATCH with twice the room (growMatches), kept for the rest of the call. mLimit is
// MAX_TEXT_MATCHES, or the count reached when memory ran out (the scan stops; the call fails closed).
const MATCH_BASE: u32 = 1025;
let mBase: usize = 0;
let mRoom: u32 = 0;
let mLimit: u32 = MAX_TEXT_MATCHES;

// Per rule, for the text being scanned (RS bytes each): generation stamp, floor (end of the previous
// match), a count used by sortByRule, and the memo of the rule's last forward run that ended in
// the dead state (see tryRule): where it started, how many units it read, its best end relative
// to its start (-1: none); then the stretch last searched for the rule's units ahead (aheadMet);
// then the back memo of its last backward scan that found no start (backStart): the unit of its
// first step and the bit of the state it stepped to (0: none); then where a head of its gate last
// ended (tryRule; GATE_NONE: none yet).
const RS: usize = 48;
const RS_GEN: usize = 0, RS_FLOOR: usize = 4, RS_COUNT: usize = 8, RS_MEMO_AT: usize = 12, RS_MEMO_LEN: usize = 16, RS_MEMO_BEST: usize = 20,
  RS_AHEAD_FROM: usize = 24, RS_AHEAD_TO: usize = 28, RS_AHEAD_HIT: usize = 32, RS_BACK_AT: usize = 36, RS_BACK_BIT: usize = 40, RS_GATE: usize = 44;
/** RS_GATE before any head of the gate: far enough back that no head is within a rule's reach of it. */
const GATE_NONE: i32 = -0x40000000;
let ruleState: usize = 0;
let generation: u32 = 0;
let sorted: usize = 0;
// These tables and the match table live in PERSIST, allocated at load and kept across calls: a
// slot whose stamp is not the current generation belongs to an earlier text and reads as empty,
// so nothing is cleared per call (clearing the slots at every call cost as much as the memo saved
// on short texts). A policy whose tables do not fit is not loaded (prepareScanTables).

/** Per-call reset. */
export function entitiesReset(): void {
  scanWork = 0;
  mPtr = mBase;
  mRoom = MATCH_BASE;
  mLimit = MAX_TEXT_MATCHES;
  winFrom = 0; // every request starts without a report window (evaluate.ts sets one per scan)
  winTo = i32.MAX_VALUE;
}

/** At load: the per-rule and match tables in PERSIST (zeroed). False when PERSIST has no room. */
function prepareMatchTables(): bool {
  entitiesReset();
  familyPhase = 0;
  generation = 0;
  accelGen = 0;
  const rs = persistAlloc(<usize>P.gNContent * RS + 16);
  const m = persistAlloc(<usize>MATCH_BASE * 12 + 16);
  const so = persistAlloc(<usize>MATCH_BASE * 12 + 16);
  ruleState = rs;
  mBase = m;
  mPtr = m;
  sorted = so;
  return rs != 0 && m != 0 && so != 0;
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
    store<i32>(st + RS_AHEAD_TO, -1);
    store<u32>(st + RS_BACK_BIT, 0);
    store<i32>(st + RS_GATE, GATE_NONE);
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
// F_START (offset of the start state), F_ACCEPT_FROM, F_ACCEL_FROM and F_ACCEL_SPAN (the offsets
// of the accelerated states, see "Runs of one class" below), F_ACCEL_COL (byte offset of a row's
// acceleration columns), F_MEMO and F_SLOTS (the run memos of the accelerated states, and how many),
// F_STARTS (where each bundle state's row is, for runs that start after the head; 0: not kept).
let gFast: usize = 0;
const FAST_DESC: usize = 48;
const F_TABLE: usize = 0, F_START: usize = 4, F_ACCEPT_FROM: usize = 8, F_ACCEL_FROM: usize = 12, F_ACCEL_SPAN: usize = 16, F_ACCEL_COL: usize = 20, F_MEMO: usize = 24, F_SLOTS: usize = 28,
  F_STARTS: usize = 32;

// ---- Runs of one class ----------------------------------------------------------------------------
//
// A rule's forward run costs one table step per unit, and runs from successive head occurrences
// may cover the same units: `-eyJ…-eyJ…` with no `.` made every JWT candidate read 12,100 units
// (its maxLen), 100× the cost of ordinary text. Most long runs sit in one of two kinds of state:
//
//   loop:    the state goes to itself on a set S of classes (`[A-Za-z0-9_-]{10,}` once saturated);
//   segment: a chain of k >= SEGMENT_MIN states, each going on the same set S to the next one and
//            dying on anything else, all accepting or all not (`[A-Za-z0-9]{186}`, the first 10
//            states of `{10,}`); the state after the chain is its exit.
//
// In either, the run's next steps depend only on where the run of units in S ends, so the engine
// finds that end (a loop over units with no dependency between iterations) and jumps: a loop to
// the end of the run, a segment to its exit (or, when the run ends inside it, to the death or the
// limit there). Each accelerated state remembers, per text, the last run it found ([from, to),
// and whether the unit at `to` ends it or the scan stopped at a limit): a later query from inside
// it is answered at once, or extended from `to`. Candidates come in position order, so each
// state's queries move forward and every unit is scanned about once per accelerated state.
// Same steps, same answers (test/redaction/accel.test.ts compares with the plain interpreter).
const SEGMENT_MIN: u32 = 8;
/** Units a run reads with plain steps before it looks for loops and segments (see longestFrom). */
const ACCEL_AFTER: i32 = 16;
/** Then it looks for them again after every ACCEL_EVERY plain steps (one compare per block, not per step). */
const ACCEL_EVERY: i32 = 8;
/** Extra row columns of a derived verification table: kind | slot << 2, segment length, stay target, exit. */
const ACCEL_COLS: usize = 4;
const A_KIND: usize = 0, A_LEN: usize = 4, A_STAY: usize = 8, A_EXIT: usize = 12;
/** A family table has no jumps: its first extra column holds the state's accept mask instead. */
const A_MASK: usize = 0;
const KIND_LOOP: u32 = 1, KIND_SEGMENT: u32 = 2;
/**
 * Run memo of one accelerated state (per text, stamped with accelGen): from, to, closed; then,
 * fixed at load, the slot of its peer (see linkPeers).
 */
const MEMO_SIZE: usize = 20;
const M_GEN: usize = 0, M_FROM: usize = 4, M_TO: usize = 8, M_CLOSED: usize = 12, M_PEER: usize = 16;
/** The bytes of a memo that change per text (M_PEER does not). */
const MEMO_RUN_BYTES: usize = 16;
/** linkPeers compares a state with at most this many loop states of its table (the first ones): bounded load time. */
const PEER_LOOPS: usize = 16;
const peerLoops: usize = memory.data(<i32>PEER_LOOPS * 4);
/** Stamp of the run memos and the family memos: one per scanned text. */
let accelGen: u32 = 0;

/**
 * Sets both per-text stamps: only test builds export it (engine/assembly/testing/stamps.ts), so that
 * a test can put them next to their wrap at 2^32 texts, whose handling no test could reach otherwise.
 */
export function setStamps(v: u32): void {
  generation = v;
  accelGen = v;
}

/**
 * Units read by the verification runs of the current text (table steps, units compared by the
 * memo of failed runs, units scanned for runs of one class, backward steps): a deterministic
 * measure of the work beyond the head scan (exported as scan_work, read by tests and benchmarks).
 */
export let scanWork: u32 = 0;

/**
 * Builds the derived table of bundle table `index` at `f`, or leaves F_TABLE = 0. Returns the bytes
 * used. `jumps`: mark its loop and segment states (forward tables; backStart never jumps).
 * `masks` (a family table, never with jumps): per bundle state, its accept mask, kept in the
 * row's A_MASK column. `starts` (0: none): states × u32, filled with each state's row offset and
 * kept as F_STARTS (see deriveWithStarts).
 */
function deriveTable(index: u32, budget: usize, jumps: bool, masks: usize = 0, starts: usize = 0): usize {
  const f = gFast + <usize>index * FAST_DESC;
  if (load<u32>(f + F_TABLE) != 0) return 0; // shared by several rules: built once
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  const states = <usize>load<u32>(d + D_STATES);
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const rowBytes = (classes + ACCEL_COLS) << 2;
  const bytes = states * rowBytes;
  if (bytes > budget) return 0;
  // The state classes and new numbers are temporaries: the table and the memos are built above
  // them, then moved down over them (rows hold offsets relative to the table, so it can move).
  const mark = persistMark();
  const info = persistAllocOptional(states * INFO_SIZE);
  const renumber = persistAllocOptional(states << 2);
  if (info == 0 || renumber == 0) { persistRewind(mark); return 0; }
  const nSlots = jumps ? classifyStates(d, info) : 0;
  const built = persistAllocOptional(bytes);
  const builtMemo = persistAllocOptional(<usize>nSlots * MEMO_SIZE + 16);
  if (built == 0 || builtMemo == 0) { persistRewind(mark); return 0; }
  if (nSlots != 0) linkPeers(d, info, builtMemo);
  // New numbers by group: 0 non-accepting plain (the dead state 0 stays first), 1 non-accepting
  // accelerated, 2 accepting accelerated, 3 accepting plain. So "accepting" is one range
  // (>= F_ACCEPT_FROM) and "accelerated" is one range (F_ACCEL_FROM, F_ACCEL_SPAN).
  const n0 = countGroup(info, accept, states, 0);
  const n1 = countGroup(info, accept, states, 1);
  const n2 = countGroup(info, accept, states, 2);
  let next0: usize = 0;
  let next1 = n0;
  let next2 = n0 + n1;
  let next3 = n0 + n1 + n2;
  for (let st: usize = 0; st < states; st++) {
    const g = groupOf(info, accept, st);
    const id = g == 0 ? next0++ : g == 1 ? next1++ : g == 2 ? next2++ : next3++;
    store<u32>(renumber + (st << 2), <u32>(id * rowBytes)); // the new row's byte offset
  }
  // The starts: where each bundle state's row is (the head set names states by bundle number).
  if (starts != 0) memory.copy(starts, renumber, states << 2);
  for (let st: usize = 0; st < states; st++) {
    const row = built + <usize>load<u32>(renumber + (st << 2));
    for (let c: usize = 0; c < classes; c++) store<u32>(row + (c << 2), load<u32>(renumber + (<usize>load<u16>(trans + ((st * classes + c) << 1)) << 2)));
    const cols = row + (classes << 2);
    if (masks != 0) store<u32>(cols + A_MASK, load<u32>(masks + (st << 2)));
    const kind = load<u32>(info + st * INFO_SIZE + I_KIND);
    if (kind == 0) continue;
    store<u32>(cols + A_KIND, kind);
    store<u32>(cols + A_LEN, load<u32>(info + st * INFO_SIZE + I_LEN));
    store<u32>(cols + A_STAY, load<u32>(renumber + (<usize>load<u32>(info + st * INFO_SIZE + I_STAY) << 2)));
    store<u32>(cols + A_EXIT, load<u32>(renumber + (<usize>load<u32>(info + st * INFO_SIZE + I_EXIT) << 2)));
  }
  store<u32>(f + F_START, load<u32>(renumber + 4));
  store<u32>(f + F_ACCEPT_FROM, <u32>((n0 + n1) * rowBytes));
  store<u32>(f + F_ACCEL_FROM, <u32>(n0 * rowBytes));
  store<u32>(f + F_ACCEL_SPAN, <u32>((n1 + n2) * rowBytes));
  store<u32>(f + F_ACCEL_COL, <u32>(classes << 2));
  store<u32>(f + F_SLOTS, nSlots);
  const kept = builtMemo + <usize>nSlots * MEMO_SIZE + 16 - built;
  memory.copy(mark, built, kept);
  persistRewind(mark + kept);
  store<u32>(f + F_MEMO, <u32>(mark + (builtMemo - built)));
  store<u32>(f + F_STARTS, <u32>starts);
  store<u32>(f + F_TABLE, <u32>mark);
  return bytes;
}

// Per state of a bundle table, while deriving it (INFO_SIZE bytes): kind | slot << 2 (0: plain),
// segment length, the stay target (loop: itself; segment: the next state), the segment's exit.
const INFO_SIZE: usize = 16;
const I_KIND: usize = 0, I_LEN: usize = 4, I_STAY: usize = 8, I_EXIT: usize = 12;
const LEN_OPEN: u32 = 0xffffffff; // being walked
const LEN_NONE: u32 = 0xfffffffe; // on a cycle of forced states: left plain

function groupOf(info: usize, accept: usize, st: usize): usize {
  const accel = load<u32>(info + st * INFO_SIZE + I_KIND) != 0;
  if (load<u8>(accept + st) == 0) return accel ? 1 : 0;
  return accel ? 2 : 3;
}

function countGroup(info: usize, accept: usize, states: usize, g: usize): usize {
  let k: usize = 0;
  for (let st: usize = 0; st < states; st++) if (groupOf(info, accept, st) == g) k++;
  return k;
}

/** The one live target of state st (every non-dead transition goes there), or 0. */
function forcedTarget(trans: usize, classes: usize, st: usize): usize {
  let target: usize = 0;
  for (let c: usize = 0; c < classes; c++) {
    const t = <usize>load<u16>(trans + ((st * classes + c) << 1));
    if (t == 0) continue;
    if (target != 0 && t != target) return 0;
    target = t;
  }
  return target == st ? 0 : target;
}

/** Whether states a and b live on the same classes (die on the same ones). */
function sameLiveClasses(trans: usize, classes: usize, a: usize, b: usize): bool {
  for (let c: usize = 0; c < classes; c++) {
    if ((load<u16>(trans + ((a * classes + c) << 1)) != 0) != (load<u16>(trans + ((b * classes + c) << 1)) != 0)) return false;
  }
  return true;
}

/**
 * Marks the loop and segment states of table d in `info` (see "Runs of one class") and numbers
 * their run memos. Returns how many memo slots the table needs. Linear in the table's size: each
 * chain of forced states is walked twice.
 */
function classifyStates(d: usize, info: usize): u32 {
  const states = <usize>load<u32>(d + D_STATES);
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  // forced states: their one target (I_STAY); length still unknown (I_LEN = 0)
  for (let st: usize = 1; st < states; st++) store<u32>(info + st * INFO_SIZE + I_STAY, <u32>forcedTarget(trans, classes, st));
  for (let q: usize = 1; q < states; q++) {
    const iq = info + q * INFO_SIZE;
    if (load<u32>(iq + I_STAY) == 0 || load<u32>(iq + I_LEN) != 0) continue;
    // Pass 1: follow the chain of forced states that die on the same classes and accept alike.
    let x = q;
    let count: u32 = 0;
    let tailLen: u32 = 0;
    let tailExit: usize = 0;
    let cycle = false;
    while (true) {
      store<u32>(info + x * INFO_SIZE + I_LEN, LEN_OPEN);
      count++;
      const r = <usize>load<u32>(info + x * INFO_SIZE + I_STAY);
      const continues = load<u32>(info + r * INFO_SIZE + I_STAY) != 0 && load<u8>(accept + r) == load<u8>(accept + x) && sameLiveClasses(trans, classes, x, r);
      if (!continues) { tailExit = r; break; }
      const rl = load<u32>(info + r * INFO_SIZE + I_LEN);
      if (rl == LEN_OPEN || rl == LEN_NONE) { cycle = rl == LEN_OPEN; tailExit = r; break; }
      if (rl != 0) { tailLen = rl; tailExit = <usize>load<u32>(info + r * INFO_SIZE + I_EXIT); break; }
      x = r;
    }
    // Pass 2: lengths and exits along the chain (a chain that closes on itself stays plain).
    x = q;
    for (let j: u32 = 0; j < count; j++) {
      const ix = info + x * INFO_SIZE;
      store<u32>(ix + I_LEN, cycle ? LEN_NONE : count - j + tailLen);
      store<u32>(ix + I_EXIT, <u32>tailExit);
      x = <usize>load<u32>(ix + I_STAY);
    }
  }
  // kinds and memo slots
  let slots: u32 = 0;
  for (let st: usize = 1; st < states; st++) {
    const is = info + st * INFO_SIZE;
    let self = false;
    for (let c: usize = 0; c < classes && !self; c++) self = <usize>load<u16>(trans + ((st * classes + c) << 1)) == st;
    const len = load<u32>(is + I_LEN);
    if (self) {
      store<u32>(is + I_KIND, KIND_LOOP | (slots++ << 2));
      store<u32>(is + I_STAY, <u32>st);
      store<u32>(is + I_EXIT, 0);
    } else if (load<u32>(is + I_STAY) != 0 && len != LEN_NONE && len >= SEGMENT_MIN) {
      store<u32>(is + I_KIND, KIND_SEGMENT | (slots++ << 2));
    } else {
      store<u32>(is + I_KIND, 0);
    }
  }
  return slots;
}

/** Whether state st, accelerated as `kind`, stays in its run on class c (loop: to itself; segment: to any live target). */
function staysOn(trans: usize, classes: usize, st: usize, kind: u32, c: usize): bool {
  const t = <usize>load<u16>(trans + ((st * classes + c) << 1));
  return (kind & 3) == KIND_LOOP ? t == st : t != 0;
}

/**
 * Gives every run memo of table d its peer (M_PEER): the memo of the table's first loop state that
 * stays on the same classes, or its own. A query that its own memo cannot answer reads the peer's
 * before scanning: after `eyJ`, jwt's first ten base64url units are a segment and the rest a loop
 * on the same units, so the next candidate's segment finds its run in the loop's memo instead of
 * scanning ten units again. A peer's memo is only read, never written, by the states that name
 * it: each memo still moves forward only, and every unit is scanned at most once per memo.
 */
function linkPeers(d: usize, info: usize, memo: usize): void {
  const states = <usize>load<u32>(d + D_STATES);
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  let loops: usize = 0;
  for (let q: usize = 1; q < states && loops < PEER_LOOPS; q++) {
    if ((load<u32>(info + q * INFO_SIZE + I_KIND) & 3) == KIND_LOOP) store<u32>(peerLoops + (loops++ << 2), <u32>q);
  }
  for (let st: usize = 1; st < states; st++) {
    const kind = load<u32>(info + st * INFO_SIZE + I_KIND);
    if (kind == 0) continue;
    let peer = kind >> 2;
    for (let j: usize = 0; j < loops; j++) {
      const q = <usize>load<u32>(peerLoops + (j << 2));
      if (q == st) break; // the first loop on these classes is its own peer
      const qk = load<u32>(info + q * INFO_SIZE + I_KIND);
      let same = true;
      for (let c: usize = 0; c < classes && same; c++) same = staysOn(trans, classes, st, kind, c) == staysOn(trans, classes, q, qk, c);
      if (same) {
        peer = qk >> 2;
        break;
      }
    }
    store<u32>(memo + <usize>(kind >> 2) * MEMO_SIZE + M_PEER, peer);
  }
}

/** Derives the verification tables of every entity rule (after a successful load). Never fails. */
function prepareRuleTables(): void {
  let left: usize = FAST_RULES_MAX_BYTES;
  for (let r: u32 = 0; r < P.gNContent; r++) {
    const c = P.gContent + <usize>r * P.CONTENT_SIZE;
    if (load<u32>(c + P.C_KIND) == P.KIND_CONTENT) continue;
    const anchored = load<u32>(c + P.C_ANCHORED);
    const back = load<u32>(c + P.C_REVERSE);
    // A rule with a back part is given no state after its head (the loader refuses one), so its
    // table needs no starts.
    left -= back == P.NONE ? deriveWithStarts(anchored, left, true, 0) : deriveTable(anchored, left, true);
    if (back != P.NONE) left -= deriveTable(back, left, false, backMemoMasks(back));
  }
  for (let k: u32 = 0; k < P.gNFamilies; k++) {
    const fm = P.gFamilies + <usize>k * P.FAMILY_SIZE;
    left -= deriveWithStarts(load<u32>(fm + P.FM_INDEX), left, false, <usize>load<u32>(fm + P.FM_MASKS));
  }
}

/**
 * deriveTable for a forward table, with the starts of its states (F_STARTS), for runs that start
 * after the head (tryRule, familyRun). Without room for them (F_STARTS = 0), such runs start from
 * the table's start and read the head again: the same answers.
 */
function deriveWithStarts(index: u32, budget: usize, jumps: bool, masks: usize): usize {
  const mark = persistMark();
  const starts = persistAllocOptional(<usize>load<u32>(P.gDfas + <usize>index * DFA_DESC_SIZE + D_STATES) << 2);
  const used = deriveTable(index, budget, jumps, masks, starts);
  if (used == 0) persistRewind(mark); // not built here (built already, or no room): its starts are not needed
  return used;
}
const FAST_RULES_MAX_BYTES: usize = 16 << 20;

/**
 * Leftmost s >= floor with u[s..h) accepted by the reverse table `index` (fed backwards from h), or
 * -1. `st`: the rule's slot, for its back memo (compiler: back-memo.ts). A back part that can run
 * over the rule's own head (a command and its arguments before a flag: `-pa -pa …`) makes each
 * scan read over the heads before it; but when this scan stands, at the unit where the rule's
 * last failed scan took its first step, in a state that accepts no more than that scan's state
 * there (its mask has that state's bit), it can find no start below either: that scan found none
 * down to its floor, and floors only rise. It stops there.
 */
function backStart(index: u32, u: usize, floor: i32, h: i32, st: usize): i32 {
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  const memo = <usize>load<u32>(P.gBackMemos + (<usize>index << 2));
  const stopBit = memo != 0 ? load<u32>(st + RS_BACK_BIT) : 0;
  const stopAt = stopBit != 0 ? load<i32>(st + RS_BACK_AT) : -1; // -1: never (i >= floor >= 0)
  const f = gFast + <usize>index * FAST_DESC;
  const table = <usize>load<u32>(f + F_TABLE);
  let best: i32;
  if (table != 0) {
    const ascii = <usize>load<u32>(d + D_ASCII);
    const acceptFrom = <usize>load<u32>(f + F_ACCEPT_FROM);
    const maskCol = <usize>load<u32>(f + F_ACCEL_COL) + A_MASK;
    let off = <usize>load<u32>(f + F_START);
    best = off >= acceptFrom ? h : -1;
    let i = h - 1;
    for (; i >= floor; i--) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      off = <usize>load<u32>(table + (cls << 2) + off);
      if (off == 0) break;
      if (off >= acceptFrom) best = i;
      if (i == stopAt && (load<u32>(table + off + maskCol) & stopBit) != 0) break;
    }
    scanWork += <u32>(h - i);
  } else {
    best = backStartTable(d, u, floor, h, stopAt, stopBit, backMemoMasks(index));
  }
  if (best < 0 && memo != 0 && h > floor) {
    // This scan found no start: the next one may stop where it took its first step.
    const c = <u32>load<u16>(u + (<usize>(h - 1) << 1));
    const cls = c < 128 ? <usize>load<u8>(<usize>load<u32>(d + D_ASCII) + c) : <usize>classOfWide(d, c);
    store<i32>(st + RS_BACK_AT, h - 1);
    store<u32>(st + RS_BACK_BIT, load<u32>(memo + 4 + (cls << 2)));
  }
  return best;
}

/** A reverse table's back-memo masks (policy.ts gBackMemos: a state's bits), or 0 when it has none. */
function backMemoMasks(index: u32): usize {
  const memo = <usize>load<u32>(P.gBackMemos + (<usize>index << 2));
  return memo == 0 ? 0 : memo + 8 + (<usize>load<u32>(memo) << 2);
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

/**
 * End of the longest match of anchored table `index` from s, looking at most `maxLen` units; -1 if
 * none. `after` (0: none) is the bundle state the table is in at `at` (after the head, at >= s):
 * the run reads on from there instead of reading [s, at) again. No match ends inside a head (a
 * head is never longer than the shortest match), so the head's end is the only end before `at`.
 */
function longestFrom(index: u32, u: usize, n: i32, s: i32, maxLen: i32, after: u32, at: i32): i32 {
  const f = gFast + <usize>index * FAST_DESC;
  const table = <usize>load<u32>(f + F_TABLE);
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  if (table == 0) return longestFromTable(d, u, n, s, maxLen, after, at);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const acceptFrom = <usize>load<u32>(f + F_ACCEPT_FROM);
  const accelFrom = <usize>load<u32>(f + F_ACCEL_FROM);
  const accelSpan = <usize>load<u32>(f + F_ACCEL_SPAN);
  const limit = n - s > maxLen ? s + maxLen : n;
  const starts = <usize>load<u32>(f + F_STARTS);
  let off = <usize>load<u32>(f + F_START);
  let i = s;
  if (after != 0 && starts != 0) {
    off = <usize>load<u32>(starts + (<usize>after << 2));
    i = at;
  }
  const from = i;
  let best: i32 = i > s && off >= acceptFrom ? i : -1;
  let jumped: i32 = 0; // units crossed by jumps (their scans count in runEnd): steps = i - from - jumped
  // Plain steps up to `stop`, then a look for a jump. Most runs die within a few units: the first
  // look comes after ACCEL_AFTER units (a jump costs more than a short run), then one every
  // ACCEL_EVERY plain steps (a compare per block, not per step). A jump is never needed for the
  // answer, only for the work.
  let stop = limit - from > ACCEL_AFTER ? from + ACCEL_AFTER : limit;
  // A run that starts in a loop or segment (a token's body right after its head) looks at once.
  if (off - accelFrom < accelSpan) stop = from;
  while (true) {
    for (; i < stop; i++) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      off = <usize>load<u32>(table + (cls << 2) + off);
      if (off == 0) { scanWork += <u32>(i + 1 - from - jumped); deadAfter = i + 1 - s; return best; }
      if (off >= acceptFrom) best = i + 1;
    }
    if (i >= limit) break;
    if (off - accelFrom < accelSpan) {
      // A loop or segment state: jump over the run of units it stays on (see "Runs of one class").
      const cols = table + off + <usize>load<u32>(f + F_ACCEL_COL);
      const kind = load<u32>(cols + A_KIND);
      const len = <i32>load<u32>(cols + A_LEN);
      const isLoop = (kind & 3) == KIND_LOOP;
      // a segment needs to know only whether the run of units covers it: no scan past its end
      const scanTo = isLoop || limit - i <= len ? limit : i + len;
      const end = runEnd(f, d, table + off, kind >> 2, <usize>load<u32>(cols + A_STAY), u, i, scanTo);
      if (isLoop) {
        if (end > i && off >= acceptFrom) best = end;
        jumped += end - i;
        i = end;
        if (i >= limit) break;
        // the unit at i leaves the loop: plain steps next, never the loop again here
      } else if (end - i >= len) {
        // the whole segment: its states accept alike, so the last one inside it is at i + len - 1
        if (off >= acceptFrom && len >= 2) best = i + len - 1;
        jumped += len;
        i += len;
        off = <usize>load<u32>(cols + A_EXIT);
        if (off >= acceptFrom) best = i;
        stop = i; // the exit may be a loop or a segment: look again at once
        continue;
      } else {
        // the run of units ends inside the segment: at the limit, or on a unit that kills it
        if (end > i && off >= acceptFrom) best = end;
        scanWork += <u32>(i - from - jumped);
        deadAfter = end < limit ? end + 1 - s : 0;
        return best;
      }
    }
    stop = limit - i > ACCEL_EVERY ? i + ACCEL_EVERY : limit;
  }
  scanWork += <u32>(i - from - jumped);
  deadAfter = 0;
  return best;
}

/**
 * First position in [i, limit) whose unit leaves the accelerated state at `row` (memo `slot` of
 * table f): its class's transition is not `stay`. Or `limit`. Answered from the state's run memo
 * when i is inside the run it remembers; otherwise scanned, and remembered.
 */
function runEnd(f: usize, d: usize, row: usize, slot: u32, stay: usize, u: usize, i: i32, limit: i32): i32 {
  const memos = <usize>load<u32>(f + F_MEMO);
  const m = memos + <usize>slot * MEMO_SIZE;
  let j = i;
  let known: usize = covers(m, i) ? m : 0;
  if (known == 0) {
    // its own memo does not know this run: its peer's may (linkPeers), which is read, not written
    const p = memos + <usize>load<u32>(m + M_PEER) * MEMO_SIZE;
    if (p != m && covers(p, i)) known = p;
    store<u32>(m + M_GEN, accelGen);
    store<i32>(m + M_FROM, i);
  }
  if (known != 0) {
    const to = load<i32>(known + M_TO);
    const closed = load<u32>(known + M_CLOSED);
    if (closed != 0 || to >= limit) {
      if (known != m) {
        store<i32>(m + M_TO, to);
        store<u32>(m + M_CLOSED, closed);
      }
      return to < limit ? to : limit;
    }
    j = to; // the remembered run stopped at an earlier limit: read on from there
  }
  const ascii = <usize>load<u32>(d + D_ASCII);
  const start = j;
  // Four ASCII units a step, one branch for the four (their loads do not depend on each other);
  // the unit-by-unit loop below finds where the run ends inside the last four.
  for (; j + 4 <= limit; j += 4) {
    const v = load<u64>(u + (<usize>j << 1));
    if ((v & 0xff80ff80ff80ff80) != 0) break;
    const r0 = <usize>load<u32>(row + (<usize>load<u8>(ascii + <usize>(v & 0x7f)) << 2));
    const r1 = <usize>load<u32>(row + (<usize>load<u8>(ascii + <usize>((v >> 16) & 0x7f)) << 2));
    const r2 = <usize>load<u32>(row + (<usize>load<u8>(ascii + <usize>((v >> 32) & 0x7f)) << 2));
    const r3 = <usize>load<u32>(row + (<usize>load<u8>(ascii + <usize>((v >> 48) & 0x7f)) << 2));
    if (((r0 ^ stay) | (r1 ^ stay) | (r2 ^ stay) | (r3 ^ stay)) != 0) break;
  }
  for (; j < limit; j++) {
    const c = <u32>load<u16>(u + (<usize>j << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    if (<usize>load<u32>(row + (cls << 2)) != stay) break;
  }
  scanWork += <u32>(j - start);
  store<i32>(m + M_TO, j);
  store<u32>(m + M_CLOSED, j < limit ? 1 : 0);
  return j;
}

/** Whether run memo m, of the current text, holds a run of its units that position i is in (or ends). */
@inline function covers(m: usize, i: i32): bool {
  return load<u32>(m + M_GEN) == accelGen && load<i32>(m + M_FROM) <= i && i <= load<i32>(m + M_TO);
}

/** backStart over the bundle's own table (when no derived table was built); `masks`: its back-memo masks (backMemoMasks; read only at stopAt). */
function backStartTable(d: usize, u: usize, floor: i32, h: i32, stopAt: i32, stopBit: u32, masks: usize): i32 {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  let s: usize = 1;
  let best: i32 = load<u8>(accept + 1) != 0 ? h : -1;
  let i = h - 1;
  for (; i >= floor; i--) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    s = <usize>load<u16>(trans + ((s * classes + cls) << 1));
    if (s == 0) break;
    if (load<u8>(accept + s) != 0) best = i;
    if (i == stopAt && (load<u32>(masks + (s << 2)) & stopBit) != 0) break;
  }
  scanWork += <u32>(h - i);
  return best;
}

/** longestFrom over the bundle's own table (when no derived table was built). */
function longestFromTable(d: usize, u: usize, n: i32, s: i32, maxLen: i32, after: u32, at: i32): i32 {
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const limit = n - s > maxLen ? s + maxLen : n;
  const from = after != 0 ? at : s;
  let st: usize = after != 0 ? <usize>after : 1;
  let best: i32 = after != 0 && load<u8>(accept + st) != 0 ? at : -1;
  for (let i = from; i < limit; i++) {
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    st = <usize>load<u16>(trans + ((st * classes + cls) << 1));
    if (st == 0) { scanWork += <u32>(i + 1 - from); deadAfter = i + 1 - s; return best; }
    if (load<u8>(accept + st) != 0) best = i + 1;
  }
  scanWork += <u32>(limit - from);
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
  if (mCount >= mLimit) return;
  if (mCount == mRoom && !growMatches()) return;
  const m = mPtr + <usize>mCount * 12;
  store<u32>(m, r);
  store<i32>(m + 4, s);
  store<i32>(m + 8, e);
  mCount++;
}

/** Moves the match table to SCRATCH with twice the room. False (and the scan stops) when memory is exhausted. */
function growMatches(): bool {
  const room = mRoom < MAX_TEXT_MATCHES >> 1 ? mRoom << 1 : MAX_TEXT_MATCHES;
  const p = scratchAlloc(<usize>room * 12);
  if (p == 0) {
    mLimit = mCount;
    return false;
  }
  memory.copy(p, mPtr, <usize>mCount * 12);
  mPtr = p;
  mRoom = room;
  return true;
}

/**
 * A rule's head ends at unit i. `entry` is its head-group entry: the rule's index, and the (bundle)
 * state its anchored table is in after the head (0: not known). Decoded here, not in the head
 * loop that calls it (register pressure there, see tryFamily). Records a match and moves the
 * rule's floor when one passes its check.
 */
function tryRule(entry: u32, u: usize, n: i32, i: i32, phase: u32): void {
  const r = entry & P.RULE_INDEX_MASK;
  const c = P.gContent + <usize>r * P.CONTENT_SIZE;
  if ((load<u32>(c + P.C_APPLIES) & phase) == 0) return;
  // A head of the rule's gate (its command's first units): recorded, nothing else. A head of the
  // rule itself is then a candidate only with one ended within its longest match before it: one
  // load for every `-p` of every other command, where a backward scan read its arguments.
  // (Marked in the entry, not the rule's record: a load there cost every other rule's candidates
  // 4% of `api_key=` chains.)
  const tag = entry >> P.RULE_STATE_SHIFT;
  if (tag >= P.GATE_RULE && !gateOpen(tag, r, c, i)) return;
  const h = i + 1 - <i32>load<u32>(c + P.C_HEADLEN);
  const floor = floorOf(r);
  if (h < floor) return;
  // A unit every match has at a fixed distance from its head (compiler: entities-set.ts
  // neededUnit): a `.` seven units on for a Discord token, a 17th VIN unit. One load refuses the
  // numbers of a table that would each have cost a run, or a backward scan.
  const needAt = load<u32>(c + P.C_NEED_AT);
  if (needAt != P.NONE) {
    const at = h + <i32>needAt;
    if (at >= n) return;
    const unit = <u32>load<u16>(u + (<usize>at << 1));
    if (!unitIn(c + P.C_NEED_ASCII, c + P.C_NEED_WIDE, unit)) return;
  }
  const maxLen = <i32>load<u32>(c + P.C_MAXLEN);
  if (load<u32>(c + P.C_AHEAD) != 0 && !aheadMet(c, r, u, n, h, maxLen)) return;
  const back = load<u32>(c + P.C_REVERSE);
  const st = slotOf(r);
  const check = load<u32>(c + P.C_CHECK);
  if (back == P.NONE && rejectsStart(check, u, n, h)) return; // the check would refuse any match from h
  // The match runs forward from the head: the rule's anchored table is its whole pattern, or for a
  // rule with a back part the part from the head on (compiler: bundle.ts). So the run comes
  // first, and the backward scan for the start s only for a candidate whose run found an end
  // (`mysql -p dbname`, a `-p` followed by a space, costs no scan).
  // The rule's last forward run that died read `len` units from `at`. The automaton is
  // deterministic: a run from h over the same units takes the same steps and dies at the same
  // offset, with the same best end (relative), provided its limit (maxLen, end of text) lets it
  // read them all. Periodic texts (ReDoS shapes: `1234 1234 …`, `api_key=api_key=…`) repeat the
  // same failed run at every period; comparing units is a few independent loads, where the run is
  // one dependent table load per unit. Same answer, by construction.
  const len = load<i32>(st + RS_MEMO_LEN);
  let e: i32;
  if (len != 0 && len <= maxLen && len <= n - h && sameUnits(u + (<usize>load<i32>(st + RS_MEMO_AT) << 1), u + (<usize>h << 1), len)) {
    scanWork += <u32>len;
    const rel = load<i32>(st + RS_MEMO_BEST);
    e = rel < 0 ? -1 : h + rel;
  } else {
    // Tested after the memo: a periodic text (`api_key=api_key=…`) is answered there at once.
    const after = tag >= P.GATE_RULE ? 0 : tag; // a gated rule's entry names no state
    const needs = <usize>load<u32>(c + P.C_NEEDS);
    if (after != 0 && needs != 0 && !ruleNeedsMet(load<u32>(c + P.C_ANCHORED), needs, after, u, n, i + 1)) return;
    e = longestFrom(load<u32>(c + P.C_ANCHORED), u, n, h, maxLen, after, i + 1);
    // Runs shorter than MEMO_MIN_UNITS cost about what the comparison does: not kept.
    if (deadAfter >= MEMO_MIN_UNITS) {
      store<i32>(st + RS_MEMO_AT, h);
      store<i32>(st + RS_MEMO_LEN, deadAfter);
      store<i32>(st + RS_MEMO_BEST, e < 0 ? -1 : e - h);
    }
  }
  if (e <= h) return;
  let s = h;
  if (back != P.NONE) {
    // A back part that is context only (a command before its flag) is no part of any span: it may
    // reach into the previous match, whose own context it may be (`mysql -pA1 -pB2`).
    s = backStart(back, u, load<u32>(c + P.C_CONTEXT) != 0 ? 0 : floor, h, st);
    if (s < 0 || rejectsStart(check, u, n, s)) return;
    // The match may be at most maxLen units long from s: the longest end within that (rarely
    // shorter than the run's, which read up to maxLen units from h).
    if (e - s > maxLen) {
      e = longestFrom(load<u32>(c + P.C_ANCHORED), u, n, h, maxLen - (h - s), 0, h);
      if (e <= h) return;
    }
  }
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
 * The engine built for the fallback tests (scripts/build-engine.mjs `--use
 * ENGINE_NO_DERIVED_TABLES=1`, never shipped) derives no table, so that every scan runs on the
 * bundle's own tables: the path a policy whose derived tables exceed their caps or PERSIST takes.
 */
// @ts-ignore: defined only by that build's --use
const DERIVED_TABLES: bool = !isDefined(ENGINE_NO_DERIVED_TABLES);

/**
 * After a successful parse: the match tables, which every scan needs (false when PERSIST has no
 * room for them: the load then fails), then the derived scan tables of every entity rule and head
 * group, which are optional (a table not built, for lack of memory or over its cap, is scanned
 * from the bundle's own table, with the same answers).
 */
export function prepareScanTables(): bool {
  if (!prepareMatchTables()) return false;
  // The descriptors of the derived tables are required (zeroed: F_TABLE 0, "not built", for every
  // table), so that a scan never has to ask whether they exist.
  gFast = persistAlloc(<usize>P.gNDfa * FAST_DESC + 16);
  if (gFast == 0) return false;
  if (!DERIVED_TABLES) return true;
  prepareRuleTables();
  prepareHeadTables();
  return true;
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
    const mark = persistMark();
    const renumber = persistAllocOptional(states << 2);
    const fast = persistAllocOptional(bytes);
    const classMap = persistAllocOptional(65536);
    if (renumber == 0 || fast == 0 || classMap == 0) { persistRewind(mark); return; }
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

/** Tries, in list order, the rules (and families) whose heads end at unit i (list = count, then member positions). False when the match table is full. */
// @ts-ignore: decorator
@inline function headsEndAt(list: usize, members: usize, u: usize, n: i32, i: i32, phase: u32): bool {
  const count = load<u32>(list);
  for (let k: u32 = 1; k <= count; k++) {
    const r = load<u32>(members + (<usize>load<u32>(list + (<usize>k << 2)) << 2));
    if (r >= P.FAMILY_REF) tryFamily(r - P.FAMILY_REF, u, n, i);
    else if ((r >> P.RULE_STATE_SHIFT) != P.GATE_RULE || gateSeen(r & P.RULE_INDEX_MASK, i)) tryRule(r, u, n, i, phase);
    if (mCount >= mLimit) return false;
  }
  return true;
}

// ---- Families ----------------------------------------------------------------------------------------
//
// The numeric PII types share one head and one anchored table, their product (compiler side and
// the argument why each member gets its own answer: engine/compiler/entity-families.ts). From the
// family's head at s, one run reads the number once; each state's mask says which members accept
// there, so a member's longest match is the last position where its bit was set. Then each member
// that accepted, applies to this phase, has its boundary before s and is not below its floor gets
// its check, as in tryRule. A table of numbers cost some twenty runs per number before.

/**
 * Per family member (i32 each), the end of its longest match in the current run (valid for the
 * bits the run set). Static data: the engine has no heap (memory.ts).
 */
const familyBest: usize = memory.data(32 * 4);

/**
 * The phase FM_PHASE_MEMBERS were last set for (0: not set since the rules' scope last changed).
 * They depend only on the phase and on C_APPLIES, which changes at load and when a request
 * narrows the rules or the next one restores them (entityScopeChanged): so they are set once for
 * a run of calls with the same scope, not at every call (about 0.05 µs of a short call).
 */
let familyPhase: u32 = 0;

/** The rules that apply (C_APPLIES) changed: the families' phase masks must be set again. */
export function entityScopeChanged(): void {
  familyPhase = 0;
}

/** Sets FM_PHASE_MEMBERS of every family: the members that apply to `phase` under this request's scope. */
function setFamilyPhase(phase: u32): void {
  for (let k: u32 = 0; k < P.gNFamilies; k++) {
    const fm = P.gFamilies + <usize>k * P.FAMILY_SIZE;
    const pairs = <usize>load<u32>(fm + P.FM_MEMBERS);
    const n = load<u32>(fm + P.FM_N);
    let mask: u32 = 0;
    for (let m: u32 = 0; m < n; m++) {
      const r = load<u32>(pairs + (<usize>m << 3));
      if ((load<u32>(P.gContent + <usize>r * P.CONTENT_SIZE + P.C_APPLIES) & phase) != 0) mask |= <u32>1 << m;
    }
    store<u32>(fm + P.FM_PHASE_MEMBERS, mask);
  }
}

/**
 * Whether `unit` is in a class of needed units: bit `unit` of the four words at `ascii` for an
 * ASCII unit; for a unit from U+0080 up, the u32 flag at `wideAt` (read only then; 0: no flag,
 * no such unit is in the class).
 */
// @ts-ignore: decorator
@inline function unitIn(ascii: usize, wideAt: usize, unit: u32): bool {
  return unit < 128 ? ((load<u32>(ascii + (<usize>(unit >> 5) << 2)) >> (unit & 31)) & 1) != 0 : wideAt != 0 && load<u32>(wideAt) != 0;
}

/**
 * Whether the text meets the needed units (compiler: state-needs.ts) of state `state` of a table
 * whose per-state records are at `table` (0: none; policy.ts gStateNeeds), for a run that starts
 * at unit `at`. When it does not, the run finds no match: every match has a unit of its class at
 * each distance given.
 */
// @ts-ignore: decorator
@inline function needsMet(table: usize, state: u32, u: usize, n: i32, at: i32): bool {
  if (table == 0) return true;
  const rec = <usize>load<u32>(table + (<usize>state << 2));
  if (rec == 0) return true;
  const k = <usize>load<u32>(rec);
  for (let j: usize = 0; j < k; j++) {
    const e = rec + 4 + j * P.STATE_NEED_SIZE;
    const p = at + load<i32>(e);
    if (p >= n) return false;
    const unit = <u32>load<u16>(u + (<usize>p << 1));
    if (!unitIn(e + 4, e + 20, unit)) return false;
  }
  return true;
}

/**
 * Whether a head of gated rule r's gate ended in this text at all (its slot is this text's), and
 * within the rule's longest match before its own head ending at i: gateOpen's answer for a head
 * of the rule, read without the call. A flag without its command (`-pa -pa …`, `-p` in prose) is
 * refused here, before tryRule; that call was most of such a text's time.
 */
// @ts-ignore: decorator
@inline function gateSeen(r: u32, i: i32): bool {
  const st = ruleState + <usize>r * RS;
  if (load<u32>(st + RS_GEN) != generation) return false;
  const c = P.gContent + <usize>r * P.CONTENT_SIZE;
  return i + 1 - <i32>load<u32>(c + P.C_HEADLEN) - load<i32>(st + RS_GATE) <= <i32>load<u32>(c + P.C_MAXLEN);
}

/**
 * A gated rule's head-group entry ending at unit i (tag: its state field). GATE_MARK, a head of
 * the rule's gate: records where it ended; no candidate. GATE_RULE, the rule's own head: a
 * candidate only if a head of its gate ended within the rule's longest match before it.
 */
function gateOpen(tag: u32, r: u32, c: usize, i: i32): bool {
  const st = slotOf(r);
  if (tag == P.GATE_MARK) {
    store<i32>(st + RS_GATE, i + 1);
    return false;
  }
  const h = i + 1 - <i32>load<u32>(c + P.C_HEADLEN);
  return h - load<i32>(st + RS_GATE) <= <i32>load<u32>(c + P.C_MAXLEN);
}

/**
 * Whether the text has, within rule r's longest match from its head at h, one of the units every
 * match of the rule contains (compiler: state-needs.ts aheadUnits: a JWT's `.`). Heads of one rule
 * come in position order, so the rule's slot remembers the stretch last searched,
 * [RS_AHEAD_FROM, RS_AHEAD_TO) without any such unit, and whether one is at RS_AHEAD_TO: a later
 * head inside it reads on from its end, and each unit of the text is searched at most once per
 * rule. `-eyJ` heads inside one base64 run with no `.` were each a run of the JWT
 * rule to its limit (12,100 units, crossed in jumps, about 44 ns a head); now a load or two.
 */
function aheadMet(c: usize, r: u32, u: usize, n: i32, h: i32, maxLen: i32): bool {
  const limit = n - h > maxLen ? h + maxLen : n;
  const st = slotOf(r);
  let from = load<i32>(st + RS_AHEAD_FROM);
  let j = load<i32>(st + RS_AHEAD_TO);
  if (j >= 0 && from <= h && h <= j) {
    if (j >= limit) return false; // none in [h, limit)
    if (load<u32>(st + RS_AHEAD_HIT) != 0) return true; // one at j, inside the match's reach
  } else {
    from = h;
    j = h;
  }
  const start = j;
  for (; j < limit; j++) {
    const unit = <u32>load<u16>(u + (<usize>j << 1));
    if (unitIn(c + P.C_AHEAD_ASCII, 0, unit)) break;
  }
  scanWork += <u32>(j - start);
  store<i32>(st + RS_AHEAD_FROM, from);
  store<i32>(st + RS_AHEAD_TO, j);
  store<u32>(st + RS_AHEAD_HIT, j < limit ? 1 : 0);
  return j < limit;
}

/**
 * Whether a rule's run from state `state` at unit `at` (after its head) may find a match, by the
 * needed unit (compiler: state-needs.ts ruleStateNeeds) of the state its table is in RULE_NEED_STEPS
 * units on: a head may end inside a key that can go on (`api_ke`), and two units later, after the
 * operator, a value too short for the rule shows (`api_key=` and seven units, then the next key's
 * `=`). The steps are read on the bundle's table. False only when no match can exist: every state
 * on the way refuses to end one, and the run dies or the needed unit is not there.
 */
function ruleNeedsMet(index: u32, needs: usize, state: u32, u: usize, n: i32, at: i32): bool {
  const d = P.gDfas + <usize>index * DFA_DESC_SIZE;
  const accept = <usize>load<u32>(d + D_ACCEPT);
  const classes = <usize>load<u32>(d + D_CLASSES);
  const trans = <usize>load<u32>(d + D_TRANS);
  const ascii = <usize>load<u32>(d + D_ASCII);
  let st = <usize>state;
  let i = at;
  for (let k: u32 = 0; k < P.RULE_NEED_STEPS; k++) {
    if (load<u8>(accept + st) != 0 || i >= n) return true;
    const c = <u32>load<u16>(u + (<usize>i << 1));
    const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
    st = <usize>load<u16>(trans + ((st * classes + cls) << 1));
    i++;
    if (st == 0) { scanWork += <u32>(i - at); return false; }
  }
  scanWork += <u32>(i - at);
  return load<u8>(accept + st) != 0 || needsMet(needs, <u32>st, u, n, i);
}

/**
 * A family's head ends at unit i. `ref` is its head-group entry less FAMILY_REF: the family's
 * index, and the (bundle) state its table is in after the head (0: not known). Decoded here, not
 * in the head loop that calls it: two more live values there made the head scan of every text
 * some 15% slower (register pressure in the compiled loop). A text without the units every match
 * from that state has (its needed units) is no candidate: on random `1xxx` groups, where each
 * group's run died two units after the head, no run is left.
 */
function tryFamily(ref: u32, u: usize, n: i32, i: i32): void {
  const fm = P.gFamilies + <usize>(ref & P.FAMILY_INDEX_MASK) * P.FAMILY_SIZE;
  const after = ref >> P.FAMILY_STATE_SHIFT;
  const s = i + 1 - <i32>load<u32>(fm + P.FM_HEADLEN);
  if (s < 0) return; // only in a bundle whose head length disagrees with its head table
  let live = load<u32>(fm + P.FM_PHASE_MEMBERS);
  if (s > 0) {
    // the members' boundaries (the family head's own is the loosest of them)
    const c = <u32>load<u16>(u + (<usize>(s - 1) << 1));
    if (c - 0x30 < 10) live &= ~(load<u32>(fm + P.FM_WORD_MEMBERS) | load<u32>(fm + P.FM_DIGIT_MEMBERS));
    else if ((c | 0x20) - 0x61 < 26 || c == 0x5f) live &= ~load<u32>(fm + P.FM_WORD_MEMBERS);
  }
  if (live == 0) return;
  if (after != 0 && !needsMet(<usize>load<u32>(fm + P.FM_NEEDS), after, u, n, i + 1)) return;
  let todo = familyEnds(fm, u, n, s, after) & live;
  const pairs = <usize>load<u32>(fm + P.FM_MEMBERS);
  const digitAfterRefused = load<u32>(fm + P.FM_DIGIT_AFTER_REFUSED);
  while (todo != 0) {
    const k = <u32>ctz(todo);
    todo &= todo - 1;
    const e = load<i32>(familyBest + (<usize>k << 2));
    if (e <= s) continue;
    // Its check would refuse the match at once: it runs into a digit (a longer number). Most
    // longest matches in a table of numbers do: 62% of the checks of digit soup, 91% of SSN walks.
    // Tested before the floor, which reads the rule's state.
    if (e < n && ((digitAfterRefused >> k) & 1) != 0 && <u32>load<u16>(u + (<usize>e << 1)) - 0x30 < 10) continue;
    const r = load<u32>(pairs + (<usize>k << 3));
    if (s < floorOf(r)) continue;
    const c = P.gContent + <usize>r * P.CONTENT_SIZE;
    setHead(s);
    if (!checkMatch(load<u32>(c + P.C_CHECK), load<u32>(c + P.C_ARG), u, n, s, e)) continue;
    record(r, cS, cE);
    setFloor(r, cE > s ? cE : s + 1);
    if (mCount >= mLimit) return;
  }
}

// The memo of a family's last run (per text, stamped with accelGen): where it started,
// how many units decided it, the members that accepted and their ends relative to the start. A
// run decided by the same units takes the same steps: periodic texts (`1234 1234 …`) repeat it at
// every period, and comparing units is cheaper than reading them with the table (as for rules, see
// tryRule).
const MF_GEN: usize = 0, MF_AT: usize = 4, MF_LEN: usize = 8, MF_ACCEPTED: usize = 12, MF_ENDS: usize = 16;

/** For every member that accepts from s, familyBest = the end of its longest match. Returns those members. */
function familyEnds(fm: usize, u: usize, n: i32, s: i32, after: u32): u32 {
  const memo = <usize>load<u32>(fm + P.FM_MEMO);
  const len = load<i32>(memo + MF_LEN);
  if (load<u32>(memo + MF_GEN) == accelGen && len != 0 && len <= n - s && sameUnits(u + (<usize>load<i32>(memo + MF_AT) << 1), u + (<usize>s << 1), len)) {
    scanWork += <u32>len;
    const accepted = load<u32>(memo + MF_ACCEPTED);
    let m = accepted;
    while (m != 0) {
      const k = ctz(m);
      store<i32>(familyBest + (<usize>k << 2), s + load<i32>(memo + MF_ENDS + (<usize>k << 2)));
      m &= m - 1;
    }
    return accepted;
  }
  const accepted = familyRun(fm, u, n, s, after);
  if (familyRead >= MEMO_MIN_UNITS) {
    store<u32>(memo + MF_GEN, accelGen);
    store<i32>(memo + MF_AT, s);
    store<i32>(memo + MF_LEN, familyRead);
    store<u32>(memo + MF_ACCEPTED, accepted);
    let m = accepted;
    while (m != 0) {
      const k = ctz(m);
      store<i32>(memo + MF_ENDS + (<usize>k << 2), load<i32>(familyBest + (<usize>k << 2)) - s);
      m &= m - 1;
    }
  }
  return accepted;
}

/** familyBest = end for every member in `m`. */
// @ts-ignore: decorator
@inline function setEnds(m: u32, end: i32): void {
  while (m != 0) {
    store<i32>(familyBest + (<usize>ctz(m) << 2), end);
    m &= m - 1;
  }
}

/** Set by familyRun: the units that decided the run (its death, or its longest run), or 0 when the text ended first. */
let familyRead: i32 = 0;

/**
 * Runs the family's table from s (at most its longest run, FM_MAXLEN units): for each member that
 * accepts, familyBest = the end of its longest match. Returns the members that accepted. With
 * `after` (the state the head set saw the table reach after the head), the run starts there,
 * after the head's units, instead of reading them again.
 */
function familyRun(fm: usize, u: usize, n: i32, s: i32, after: u32): u32 {
  const index = load<u32>(fm + P.FM_INDEX);
  const d = <usize>load<u32>(fm + P.FM_DFA);
  const ascii = <usize>load<u32>(d + D_ASCII);
  const maxLen = <i32>load<u32>(fm + P.FM_MAXLEN);
  const limit = n - s > maxLen ? s + maxLen : n;
  const f = gFast + <usize>index * FAST_DESC;
  const table = <usize>load<u32>(f + F_TABLE);
  const starts = <usize>load<u32>(f + F_STARTS);
  let accepted: u32 = 0;
  let i = s;
  let from = s; // where the steps begin (after the head when `after` is used)
  if (table != 0) {
    const acceptFrom = <usize>load<u32>(f + F_ACCEPT_FROM);
    const maskCol = <usize>load<u32>(f + F_ACCEL_COL) + A_MASK;
    let off = <usize>load<u32>(f + F_START);
    if (after != 0 && starts != 0) {
      off = <usize>load<u32>(starts + (<usize>after << 2));
      i = s + <i32>load<u32>(fm + P.FM_HEADLEN);
      if (off >= acceptFrom) {
        accepted = load<u32>(table + off + maskCol);
        setEnds(accepted, i);
      }
    }
    from = i;
    for (; i < limit; i++) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      off = <usize>load<u32>(table + (cls << 2) + off);
      if (off == 0) break;
      if (off < acceptFrom) continue;
      const m = load<u32>(table + off + maskCol);
      accepted |= m;
      setEnds(m, i + 1);
    }
  } else {
    // the bundle's own table (no derived table was built)
    const classes = <usize>load<u32>(d + D_CLASSES);
    const trans = <usize>load<u32>(d + D_TRANS);
    const masks = <usize>load<u32>(fm + P.FM_MASKS);
    let st: usize = 1;
    if (after != 0) {
      st = <usize>after;
      i = s + <i32>load<u32>(fm + P.FM_HEADLEN);
      accepted = load<u32>(masks + (st << 2));
      setEnds(accepted, i);
    }
    from = i;
    for (; i < limit; i++) {
      const c = <u32>load<u16>(u + (<usize>i << 1));
      const cls = c < 128 ? <usize>load<u8>(ascii + c) : <usize>classOfWide(d, c);
      st = <usize>load<u16>(trans + ((st * classes + cls) << 1));
      if (st == 0) break;
      const m = load<u32>(masks + (st << 2));
      accepted |= m;
      setEnds(m, i + 1);
    }
  }
  scanWork += <u32>(i < limit ? i + 1 - from : i - from);
  familyRead = i < limit ? i + 1 - s : limit - s == maxLen ? maxLen : 0;
  return accepted;
}

/**
 * Scans the units [u, u+2n) with every head group, for the entity rules that apply to `phase`.
 * Matches are left in (mPtr, mCount), ordered by rule and then position. False when out of memory.
 */
export function scanEntities(u: usize, n: i32, phase: u32): bool {
  mCount = 0;
  if (P.gNGroups == 0) return true;
  generation++;
  if (generation == 0) {
    // the stamp wrapped: a slot could carry the new one from 2^32 texts ago
    memory.fill(ruleState, 0, <usize>P.gNContent * RS);
    generation = 1;
  }
  accelGen++;
  if (accelGen == 0) {
    clearRunMemos(); // the same for the run memos
    accelGen = 1;
  }
  if (phase != familyPhase) {
    setFamilyPhase(phase);
    familyPhase = phase;
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

function clearRunMemos(): void {
  for (let k: u32 = 0; k < P.gNFamilies; k++) memory.fill(<usize>load<u32>(P.gFamilies + <usize>k * P.FAMILY_SIZE + P.FM_MEMO), 0, P.FAMILY_MEMO_SIZE);
  for (let k: u32 = 0; k < P.gNDfa; k++) {
    const f = gFast + <usize>k * FAST_DESC;
    if (load<u32>(f + F_TABLE) == 0) continue;
    const memos = <usize>load<u32>(f + F_MEMO);
    for (let slot: u32 = 0; slot < load<u32>(f + F_SLOTS); slot++) memory.fill(memos + <usize>slot * MEMO_SIZE, 0, MEMO_RUN_BYTES);
  }
}

/** Stable insertion of the matches into rule order (within a rule they are already in position order). */
function sortByRule(): void {
  if (mCount < 2) return;
  // A table that outgrew PERSIST needs as large a copy (without memory the call fails closed).
  const to = mCount <= MATCH_BASE ? sorted : scratchAlloc(<usize>mCount * 12);
  if (to == 0) return;
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
    memory.copy(to + <usize>at * 12, m, 12);
  }
  memory.copy(mPtr, to, <usize>mCount * 12);
  clearCounts(minRule, maxRule);
}

function clearCounts(lo: u32, hi: u32): void {
  for (let r = lo; r <= hi; r++) {
    const st = ruleState + <usize>r * RS;
    if (load<u32>(st + RS_GEN) == generation) store<u32>(st + RS_COUNT, 0);
  }
}
