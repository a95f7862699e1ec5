// The loaded policy: parsed once from the bundle (format documented in engine/compiler/bundle.ts),
// fully validated, with derived tables in PERSIST. After a successful load, evaluation trusts every
// index and offset, so a malformed bundle is rejected here and can never cause a trap later.
import { readerInit, rdU8, rdU32, rdI32, rdI64, rdF64, rdBytes, rBad, rBadIsMemory, rp, setPos, fail } from "./reader";
import { persistAlloc, persistReset, bundlePtr, bundleLen } from "./memory";
import { readNameSet, readName } from "./names";
import { parseDfa, dfaStates, DFA_DESC_SIZE, D_ACCEPT, D_CLASSES, D_TRANS } from "./dfa";
import { CHECK_MAX, refusesDigitAfter } from "./checks";

export const MAGIC: u32 = 0x31424345; // "ECB1"
export const FORMAT: u32 = 18; // 2: content records with entity flags and head groups (redaction breadth); 3: entity families; 4: needed units; 5: family state after the head; 6: rule state after the head; 7: state needs; 8: checks token_trimmed, assign_trimmed and email; 9: check flag_value; 10: check flag_credential; 11: units ahead; 12: back memos; 13: checks assign_mixed and header_credential; 14: check pem; 15: check passphrase, quoted flag values; 16: check echo_value; 17: check pgpass; 18: check echo_credential
export const NONE: u32 = 0xffffffff;

export let gLoaded = false;
export let gErrorAt: i32 = -1;

export let gMode: u32 = 0; // 0 block, 1 log, 2 redact
export let gMaxInput: i32 = -1;
export let gMaxOutput: i32 = -1;
export let gMaxDepth: i32 = -1;
export let gMaxCost: i64 = -1;
export let gMaxCostPerCall: i64 = -1;
export let gAllowAll = true;
export let gAllowed: usize = 0;
export let gDenied: usize = 0;
export let gNetEnabled = false;
export let gDenyAllOther = true;
export let gAllowedDomains: usize = 0;
export let gDeniedDomains: usize = 0;
export let gNDfa: u32 = 0;
export let gDfas: usize = 0;
export let gNContent: u32 = 0;
// Per rule (18 × u32): searchDfa, reverseDfa (content) or backDfa (entity), action, appliesTo,
// anchoredDfa, kind, check, prefilterDfa, checkArg, maxLen, headLen (see engine/compiler/bundle.ts),
// then appliesTo as loaded: appliesTo itself is narrowed per call by a request's entity scope
// (evaluate.ts readScope) and restored from this copy before the next request; then the needed
// unit (distance from the head or NONE, 128 bits of ASCII, 1 when units from U+0080 up may be there),
// the state needs' index, the units ahead, and whether the back part is context only.
export let gContent: usize = 0;
export const CONTENT_SIZE: usize = 100;
export const C_SEARCH: usize = 0, C_REVERSE: usize = 4, C_ACTION: usize = 8, C_APPLIES: usize = 12, C_ANCHORED: usize = 16, C_KIND: usize = 20,
  C_CHECK: usize = 24, C_PREFILTER: usize = 28, C_ARG: usize = 32, C_MAXLEN: usize = 36, C_HEADLEN: usize = 40, C_LOADED_APPLIES: usize = 44,
  C_NEED_AT: usize = 48, C_NEED_ASCII: usize = 52, C_NEED_WIDE: usize = 68, C_NEEDS: usize = 72,
  C_AHEAD: usize = 76, C_AHEAD_ASCII: usize = 80, C_CONTEXT: usize = 96;
export const KIND_CONTENT: u32 = 0, KIND_PII: u32 = 1, KIND_SECRET: u32 = 2;
// Entity head groups (one multi-pattern table each), 48 bytes: dfa descriptor, member count,
// members (u32 rule indices), per-state list offsets (u32), lists (u32: count, then member positions),
// then the scan table derived at load (entities.ts prepareHeadTables; G_FAST = 0 when not built).
export let gNGroups: u32 = 0;
export let gGroups: usize = 0;
export const GROUP_SIZE: usize = 48;
export const G_DFA: usize = 0, G_NMEMBERS: usize = 4, G_MEMBERS: usize = 8, G_OFFSETS: usize = 12, G_LISTS: usize = 16,
  G_FAST: usize = 20, G_CLASSMAP: usize = 24, G_START: usize = 28, G_ACCEPT_FROM: usize = 32, G_ROW_BYTES: usize = 36, G_LIST_COLUMN: usize = 40;
// Entity families (engine/compiler/entity-families.ts), 52 bytes: dfa descriptor and index, longest
// run, head length, member count, members ({u32 rule, u32 before} pairs), per-state accept masks
// (u32), the members whose boundary is a word boundary (FM_WORD_MEMBERS) or a digit boundary
// (FM_DIGIT_MEMBERS), the members applying to the current scan's phase (set per scan), the
// memo of the family's last run (FAMILY_MEMO_SIZE bytes, entities.ts familyEnds) and the members
// whose check refuses a match followed by a digit (FM_DIGIT_AFTER_REFUSED, checks.ts
// refusesDigitAfter), then the needed units of its table's states (FM_NEEDS: its gStateNeeds
// entry, 0 when none). Where each state's derived row is: the derived table's F_STARTS (entities.ts).
export let gNFamilies: u32 = 0;
export let gFamilies: usize = 0;
export const FAMILY_SIZE: usize = 52;
export const FM_DFA: usize = 0, FM_INDEX: usize = 4, FM_MAXLEN: usize = 8, FM_HEADLEN: usize = 12, FM_N: usize = 16, FM_MEMBERS: usize = 20,
  FM_MASKS: usize = 24, FM_WORD_MEMBERS: usize = 28, FM_DIGIT_MEMBERS: usize = 32, FM_PHASE_MEMBERS: usize = 36, FM_MEMO: usize = 40,
  FM_DIGIT_AFTER_REFUSED: usize = 44, FM_NEEDS: usize = 48;
export const FAMILY_MEMO_SIZE: usize = 16 + 32 * 4;
/**
 * A head-group entry at or above this is a family's head, not a rule: entry - FAMILY_REF =
 * family index | state << FAMILY_STATE_SHIFT, the state being the family table's state after the
 * head (0: not given, the run reads the head again).
 */
export const FAMILY_REF: u32 = 0x80000000;
export const FAMILY_STATE_SHIFT: u32 = 6;
export const FAMILY_INDEX_MASK: u32 = 63;
/**
 * A head-group entry below FAMILY_REF is a rule: entry = content index | state << RULE_STATE_SHIFT,
 * the state being the rule's anchored table's state after the head (0: not given, the run reads
 * the head again). Only a rule whose match starts at its head (no back part) is given one.
 */
export const RULE_STATE_SHIFT: u32 = 12;
export const RULE_INDEX_MASK: u32 = 4095;
/**
 * States of a rule's head-group entry (engine/compiler/bundle.ts): GATE_MARK, a head of the rule's
 * gate (where it ends is recorded, nothing is run); GATE_RULE, the head of a rule with a gate (a
 * candidate only if a head of its gate ended within its longest match before it). Only for rules
 * with a back part, which are given no state after their head.
 */
export const GATE_MARK: u32 = (1 << 19) - 1;
export const GATE_RULE: u32 = (1 << 19) - 2;
/**
 * Needed units of table states (engine/compiler/state-needs.ts): per DFA index, the address of
 * its states' index (0 when no state of that table has any): per state, the address of its record
 * (0: none), each record as in the bundle: u32 n, then n × {u32 at, u32 ascii[4], u32 wide}, copied
 * out of the bundle. An index of addresses, not a record of STATE_NEEDS_MAX needs per state: the
 * rules' tables with needed units have some 20,000 states, 2 MB that way. entities.ts needsMet
 * reads them; a content record's C_NEEDS is its anchored table's index.
 */
export let gStateNeeds: usize = 0;
export const STATE_NEEDS_MAX: u32 = 4;
export const STATE_NEED_SIZE: usize = 24;
export const STATE_NEED_MAX_AT: u32 = 64;
/** Units a rule's run reads before its needed unit is tested (engine/compiler/state-needs.ts RULE_NEED_STEPS). */
export const RULE_NEED_STEPS: u32 = 2;
/** Longest run of a family table (engine/compiler/entity-families.ts FAMILY_MAX_LEN). */
export const FAMILY_MAX_LEN: u32 = 64;
export const BEFORE_WORD: u32 = 1, BEFORE_DIGIT: u32 = 2;
/**
 * Back memos (engine/compiler/back-memo.ts): per DFA index, the address in the bundle of its
 * record (0: none): u32 classes, u32 first_bit[classes], u32 n_states, u32 mask[n_states]. Listed
 * only for reverse tables; entities.ts backStart reads the first bits, the masks go into the
 * derived table's rows.
 */
export let gBackMemos: usize = 0;
export let gNEntities: u32 = 0;
// Entity options: bit 0 = evasion defences (normalise units before entity detection).
export let gEntityFlags: u32 = 0;
export const EF_NORMALIZE: u32 = 1;
export let gNArg: u32 = 0;
export let gArgs: usize = 0;
export let gNRate: u32 = 0;
export let gRates: usize = 0;

// Argument-rule descriptor layout (80 bytes).
export const A_TOOL = 0, A_PATH = 12, A_FLAGS = 16, A_MIN = 24, A_MAX = 32, A_MAXLEN = 40, A_PATTERN = 44,
  A_DENIED_SEARCH = 48, A_DENIED_REVERSE = 52, A_ACTION = 56, A_ALLOWED = 60, A_NALLOWED = 64, A_DENIED = 68, A_NDENIED = 72;
export const ARG_SIZE: usize = 80;
export const F_MIN: u32 = 1, F_MAX: u32 = 2, F_MAXLEN: u32 = 4, F_REQUIRED: u32 = 8, F_PATTERN: u32 = 16, F_DENIED_PATTERN: u32 = 32,
  F_ALLOWED: u32 = 64, F_DENIED: u32 = 128;

// Rate-limit descriptor layout (40 bytes): name (ptr,len,kind), maxCalls, windowMs, ring, head, count.
export const R_NAME = 0, R_MAX = 12, R_WINDOW = 16, R_RING = 24, R_HEAD = 28, R_COUNT = 32;
export const RATE_SIZE: usize = 40;
const MAX_RING_TOTAL: u64 = 1 << 21;

export const VT_STRING: u32 = 0, VT_NUMBER: u32 = 1, VT_BOOL: u32 = 2, VT_NULL: u32 = 3;

function dfaIndex(allowNone: bool): u32 {
  const i = rdU32();
  if (i == NONE && allowNone) return NONE;
  if (i >= gNDfa) fail();
  return i;
}

/** Reads four u32 words (one bit per ASCII unit) into `at`; returns their union (0: no unit). */
function readAsciiBits(at: usize): u32 {
  let bits: u32 = 0;
  for (let k: usize = 0; k < 4; k++) {
    const word = rdU32();
    store<u32>(at + (k << 2), word);
    bits |= word;
  }
  return bits;
}

/** Skips one encoded value (u8 type + payload), validating it. */
export function skipValue(): void {
  const t = rdU8();
  if (t == VT_STRING) rdBytes(rdU32());
  else if (t == VT_NUMBER) rdF64();
  else if (t == VT_BOOL) { if (rdU8() > 1) fail(); }
  else if (t != VT_NULL) fail();
}

/** Skips one path (`u32 nseg`, then per segment `u32 len` + bytes; len NONE = `*`). */
export function skipPath(allowWildcard: bool): void {
  const n = rdU32();
  if (n > 64) { fail(); return; }
  for (let i: u32 = 0; i < n && !rBad; i++) {
    const len = rdU32();
    if (len == NONE) { if (!allowWildcard) fail(); continue; }
    rdBytes(len);
  }
}

function readAction(): u32 {
  const a = rdU32();
  if (a > 2) fail();
  return a;
}

function isEntity(r: u32): bool {
  return r < gNContent && load<u32>(gContent + <usize>r * CONTENT_SIZE + C_KIND) != KIND_CONTENT;
}

/** The families section: each member an entity rule, each mask within the members and true to the table's accepting states. */
function readFamilies(): void {
  gNFamilies = rdU32();
  if (gNFamilies > 64) fail();
  gFamilies = rBad ? 0 : persistAlloc(<usize>gNFamilies * FAMILY_SIZE + 16);
  if (gFamilies == 0) { fail(); return; }
  for (let i: u32 = 0; i < gNFamilies && !rBad; i++) {
    const f = gFamilies + <usize>i * FAMILY_SIZE;
    const dfa = dfaIndex(false);
    if (rBad) return;
    const desc = gDfas + <usize>dfa * DFA_DESC_SIZE;
    store<u32>(f + FM_DFA, <u32>desc);
    store<u32>(f + FM_INDEX, dfa);
    const maxLen = rdU32();
    const headLen = rdU32();
    const n = rdU32();
    if (maxLen < 1 || maxLen > FAMILY_MAX_LEN || headLen < 1 || headLen > 64 || n < 1 || n > 32) { fail(); return; }
    store<u32>(f + FM_MAXLEN, maxLen);
    store<u32>(f + FM_HEADLEN, headLen);
    const memo = persistAlloc(FAMILY_MEMO_SIZE);
    if (memo == 0) { fail(); return; }
    store<u32>(f + FM_MEMO, <u32>memo);
    store<u32>(f + FM_N, n);
    const members = rdBytes(<usize>n * 8);
    store<u32>(f + FM_MEMBERS, <u32>members);
    if (rBad) return;
    let word: u32 = 0;
    let digit: u32 = 0;
    let digitAfter: u32 = 0;
    for (let k: u32 = 0; k < n; k++) {
      const r = load<u32>(members + <usize>k * 8);
      const before = load<u32>(members + <usize>k * 8 + 4);
      if (!isEntity(r) || before > BEFORE_DIGIT) { fail(); return; }
      if (before == BEFORE_WORD) word |= 1 << k;
      if (before == BEFORE_DIGIT) digit |= 1 << k;
      const c = gContent + <usize>r * CONTENT_SIZE;
      if (refusesDigitAfter(load<u32>(c + C_CHECK), load<u32>(c + C_ARG))) digitAfter |= 1 << k;
    }
    store<u32>(f + FM_WORD_MEMBERS, word);
    store<u32>(f + FM_DIGIT_MEMBERS, digit);
    store<u32>(f + FM_DIGIT_AFTER_REFUSED, digitAfter);
    const nStates = rdU32();
    if (rBad || nStates != dfaStates(desc)) { fail(); return; }
    const masks = rdBytes(<usize>nStates * 4);
    store<u32>(f + FM_MASKS, <u32>masks);
    if (rBad) return;
    const all: u32 = n == 32 ? 0xffffffff : (<u32>1 << n) - 1;
    const accept = <usize>load<u32>(desc + D_ACCEPT);
    for (let st: u32 = 0; st < nStates; st++) {
      const mask = load<u32>(masks + <usize>st * 4);
      if ((mask & ~all) != 0 || (mask != 0) != (load<u8>(accept + st) != 0)) { fail(); return; }
    }
  }
}

/**
 * The back-memos section: records in dfa order, each table once, with its own class and state
 * counts; each first bit 0 or one bit; mask[0] = 0; the state class c leads to from the start has
 * first_bit[c] in its own mask; a state that has a first state's bit accepts only if that one does.
 */
function readBackMemos(): void {
  const count = rdU32();
  if (count > 1 << 16) fail();
  gBackMemos = rBad ? 0 : persistAlloc(<usize>gNDfa * 4 + 16);
  if (gBackMemos == 0) { fail(); return; }
  let prevDfa: u32 = 0;
  for (let i: u32 = 0; i < count && !rBad; i++) {
    const dfa = dfaIndex(false);
    const rec = rp;
    const classes = rdU32();
    if (rBad) return;
    const d = gDfas + <usize>dfa * DFA_DESC_SIZE;
    if (classes != load<u32>(d + D_CLASSES) || (i > 0 && dfa <= prevDfa)) { fail(); return; }
    prevDfa = dfa;
    const bits = rdBytes(<usize>classes * 4);
    const states = rdU32();
    if (rBad) return;
    if (states != dfaStates(d)) { fail(); return; }
    const masks = rdBytes(<usize>states * 4);
    if (rBad) return;
    const trans = <usize>load<u32>(d + D_TRANS);
    const accept = <usize>load<u32>(d + D_ACCEPT);
    if (load<u32>(masks) != 0) { fail(); return; }
    for (let c: usize = 0; c < <usize>classes; c++) {
      const bit = load<u32>(bits + (c << 2));
      if (bit == 0) continue;
      const first = <usize>load<u16>(trans + ((<usize>classes + c) << 1));
      if (popcnt(bit) != 1 || first == 0 || (load<u32>(masks + (first << 2)) & bit) == 0) { fail(); return; }
      for (let st: usize = 1; st < <usize>states; st++) {
        if ((load<u32>(masks + (st << 2)) & bit) != 0 && load<u8>(accept + st) != 0 && load<u8>(accept + first) == 0) { fail(); return; }
      }
    }
    store<u32>(gBackMemos + (<usize>dfa << 2), <u32>rec);
  }
}

/** The state-needs section: records in (dfa, state) order, each pair once, each state one its table has (not the dead one). */
function readStateNeeds(): void {
  const count = rdU32();
  if (count > 1 << 20) fail();
  gStateNeeds = rBad ? 0 : persistAlloc(<usize>gNDfa * 4 + 16);
  if (gStateNeeds == 0) { fail(); return; }
  let prevDfa: u32 = 0;
  let prevState: u32 = 0;
  for (let i: u32 = 0; i < count && !rBad; i++) {
    const dfa = dfaIndex(false);
    const state = rdU32();
    const rec = rp;
    const n = rdU32();
    if (rBad) return;
    const states = dfaStates(gDfas + <usize>dfa * DFA_DESC_SIZE);
    if (state == 0 || state >= states || n < 1 || n > STATE_NEEDS_MAX || (i > 0 && (dfa < prevDfa || (dfa == prevDfa && state <= prevState)))) { fail(); return; }
    prevDfa = dfa;
    prevState = state;
    const needs = rdBytes(<usize>n * STATE_NEED_SIZE);
    if (rBad) return;
    for (let k: u32 = 0; k < n; k++) {
      const e = needs + <usize>k * STATE_NEED_SIZE;
      if (load<u32>(e) >= STATE_NEED_MAX_AT || load<u32>(e + 20) > 1) { fail(); return; }
    }
    const slot = gStateNeeds + (<usize>dfa << 2);
    let index = <usize>load<u32>(slot);
    if (index == 0) {
      index = persistAlloc(<usize>states * 4);
      if (index == 0) { fail(); return; }
      store<u32>(slot, <u32>index);
    }
    const copy = persistAlloc(4 + <usize>n * STATE_NEED_SIZE);
    if (copy == 0) { fail(); return; }
    memory.copy(copy, rec, 4 + <usize>n * STATE_NEED_SIZE);
    store<u32>(index + (<usize>state << 2), <u32>copy);
  }
}

/** load's answers besides 0: the bundle is malformed (gErrorAt = the offset), or its tables do not fit in the engine's memory. */
export const LOAD_MALFORMED: i32 = -1;
export const LOAD_NO_MEMORY: i32 = -3;

/**
 * Parses the bundle written at bundlePtr(). Returns 0, LOAD_MALFORMED, or LOAD_NO_MEMORY when an
 * allocation failed before anything wrong was read (gErrorAt: the offset where reading stopped).
 */
export function loadBundle(): i32 {
  gLoaded = false;
  persistReset();
  const base = bundlePtr();
  const len = bundleLen();
  readerInit(base, len);
  if (rdU32() != MAGIC || rdU32() != FORMAT) { gErrorAt = 0; return LOAD_MALFORMED; }
  gMode = readAction();
  gMaxInput = rdI32();
  gMaxOutput = rdI32();
  gMaxDepth = rdI32();
  gMaxCost = rdI64();
  gMaxCostPerCall = rdI64();
  gAllowAll = rdU32() != 0;
  gAllowed = readNameSet(false);
  gDenied = readNameSet(true);
  gNetEnabled = rdU32() != 0;
  gDenyAllOther = rdU32() != 0;
  gAllowedDomains = readNameSet(false);
  gDeniedDomains = readNameSet(true);

  gNDfa = rdU32();
  if (gNDfa > 4096) fail();
  gDfas = rBad ? 0 : persistAlloc(<usize>gNDfa * DFA_DESC_SIZE);
  if (gDfas == 0) fail();
  for (let i: u32 = 0; i < gNDfa && !rBad; i++) {
    const size = rdU32();
    const start = rp;
    parseDfa(gDfas + <usize>i * DFA_DESC_SIZE);
    if (!rBad && rp - start != <usize>size) fail();
  }

  gNContent = rdU32();
  if (gNContent > 4096) fail();
  gContent = rBad ? 0 : persistAlloc(<usize>gNContent * CONTENT_SIZE + 16);
  if (gContent == 0) fail();
  gNEntities = 0;
  for (let i: u32 = 0; i < gNContent && !rBad; i++) {
    const c = gContent + <usize>i * CONTENT_SIZE;
    store<u32>(c + C_SEARCH, dfaIndex(true));
    store<u32>(c + C_REVERSE, dfaIndex(true));
    store<u32>(c + C_ACTION, readAction());
    const applies = rdU32();
    if (applies < 1 || applies > 3) fail();
    store<u32>(c + C_APPLIES, applies);
    store<u32>(c + C_LOADED_APPLIES, applies);
    store<u32>(c + C_ANCHORED, dfaIndex(false));
    const kind = rdU32();
    const check = rdU32();
    if (kind > KIND_SECRET || check > CHECK_MAX) fail();
    store<u32>(c + C_KIND, kind);
    store<u32>(c + C_CHECK, check);
    store<u32>(c + C_PREFILTER, dfaIndex(true));
    store<u32>(c + C_ARG, rdU32());
    const maxLen = rdU32();
    const headLen = rdU32();
    store<u32>(c + C_MAXLEN, maxLen);
    store<u32>(c + C_HEADLEN, headLen);
    const needAt = rdU32();
    store<u32>(c + C_NEED_AT, needAt);
    const needBits = readAsciiBits(c + C_NEED_ASCII);
    const needWide = rdU32();
    store<u32>(c + C_NEED_WIDE, needWide);
    if (needWide > 1 || (needAt == NONE && (needBits | needWide) != 0)) fail();
    const ahead = rdU32();
    store<u32>(c + C_AHEAD, ahead);
    const aheadBits = readAsciiBits(c + C_AHEAD_ASCII);
    // units ahead: only for an entity rule that starts at its head, and then some unit
    if (ahead > 1 || (ahead == 0) != (aheadBits == 0) || (ahead != 0 && (kind == KIND_CONTENT || load<u32>(c + C_REVERSE) != NONE))) fail();
    // a back part that is context only: an entity rule's, and then one it has
    const context = rdU32();
    store<u32>(c + C_CONTEXT, context);
    if (context > 1 || (context != 0 && (kind == KIND_CONTENT || load<u32>(c + C_REVERSE) == NONE))) fail();
    if (kind == KIND_CONTENT) {
      // content rules: scanned with search + reverse + anchored tables
      if (load<u32>(c + C_SEARCH) == NONE || load<u32>(c + C_REVERSE) == NONE || maxLen != 0 || headLen != 0 || needAt != NONE) fail();
    } else {
      // entities: found from their heads; reverse is the optional table of the part before the head
      if (load<u32>(c + C_SEARCH) != NONE || load<u32>(c + C_PREFILTER) != NONE || maxLen < 1 || maxLen > 65535 || headLen < 1 || headLen > 64) fail();
      if (needAt != NONE && needAt >= maxLen) fail();
      gNEntities++;
    }
  }

  gEntityFlags = rdU32();
  if (gEntityFlags > 1) fail();
  readFamilies();
  gNGroups = rdU32();
  if (gNGroups > 256) fail();
  gGroups = rBad ? 0 : persistAlloc(<usize>gNGroups * GROUP_SIZE + 16);
  if (gGroups == 0) fail();
  for (let i: u32 = 0; i < gNGroups && !rBad; i++) {
    const g = gGroups + <usize>i * GROUP_SIZE;
    const dfa = dfaIndex(false);
    if (rBad) break;
    const desc = gDfas + <usize>dfa * DFA_DESC_SIZE;
    store<u32>(g + G_DFA, <u32>desc);
    const nMembers = rdU32();
    if (nMembers < 1 || nMembers > 4096) { fail(); break; }
    store<u32>(g + G_NMEMBERS, nMembers);
    const members = rdBytes(<usize>nMembers * 4);
    store<u32>(g + G_MEMBERS, <u32>members);
    for (let m: u32 = 0; m < nMembers && !rBad; m++) {
      const r = load<u32>(members + <usize>m * 4);
      if (r >= FAMILY_REF) {
        const k = (r - FAMILY_REF) & FAMILY_INDEX_MASK;
        if (k >= gNFamilies || (r - FAMILY_REF) >> FAMILY_STATE_SHIFT >= dfaStates(<usize>load<u32>(gFamilies + <usize>k * FAMILY_SIZE + FM_DFA))) fail();
      }
      else {
        const rule = r & RULE_INDEX_MASK;
        const after = r >> RULE_STATE_SHIFT;
        if (!isEntity(rule)) fail();
        else if (after != 0) {
          const c = gContent + <usize>rule * CONTENT_SIZE;
          if (after >= GATE_RULE) {
            if (load<u32>(c + C_REVERSE) == NONE) fail();
          } else if (load<u32>(c + C_REVERSE) != NONE || after >= dfaStates(gDfas + <usize>load<u32>(c + C_ANCHORED) * DFA_DESC_SIZE)) fail();
        }
      }
    }
    const nStates = rdU32();
    if (rBad || nStates != dfaStates(desc)) { fail(); break; }
    const offsets = rdBytes(<usize>nStates * 4);
    store<u32>(g + G_OFFSETS, <u32>offsets);
    const nList = rdU32();
    if (nList < 1 || nList > 16777216) { fail(); break; }
    const lists = rdBytes(<usize>nList * 4);
    store<u32>(g + G_LISTS, <u32>lists);
    if (rBad) break;
    for (let st: u32 = 0; st < nStates && !rBad; st++) {
      const off = load<u32>(offsets + <usize>st * 4);
      if (off >= nList) { fail(); break; }
      const count = load<u32>(lists + <usize>off * 4);
      if (<u64>off + <u64>count >= <u64>nList) { fail(); break; }
      for (let k: u32 = 1; k <= count; k++) if (load<u32>(lists + <usize>(off + k) * 4) >= nMembers) { fail(); break; }
    }
  }

  readStateNeeds();
  readBackMemos();
  for (let k: u32 = 0; k < gNFamilies && !rBad; k++) {
    const f = gFamilies + <usize>k * FAMILY_SIZE;
    store<u32>(f + FM_NEEDS, load<u32>(gStateNeeds + (<usize>load<u32>(f + FM_INDEX) << 2)));
  }
  for (let r: u32 = 0; r < gNContent && !rBad; r++) {
    const c = gContent + <usize>r * CONTENT_SIZE;
    store<u32>(c + C_NEEDS, load<u32>(gStateNeeds + (<usize>load<u32>(c + C_ANCHORED) << 2)));
  }

  gNArg = rdU32();
  if (gNArg > 65536) fail();
  gArgs = rBad ? 0 : persistAlloc(<usize>gNArg * ARG_SIZE + 16);
  if (gArgs == 0) fail();
  for (let i: u32 = 0; i < gNArg && !rBad; i++) {
    const a = gArgs + <usize>i * ARG_SIZE;
    readName(a + A_TOOL, true);
    store<u32>(a + A_PATH, <u32>rp);
    skipPath(true);
    const flags = rdU32();
    if (flags > 255) fail();
    store<u32>(a + A_FLAGS, flags);
    store<f64>(a + A_MIN, rdF64());
    store<f64>(a + A_MAX, rdF64());
    store<u32>(a + A_MAXLEN, rdU32());
    store<u32>(a + A_PATTERN, dfaIndex(true));
    store<u32>(a + A_DENIED_SEARCH, dfaIndex(true));
    store<u32>(a + A_DENIED_REVERSE, dfaIndex(true));
    if ((flags & F_PATTERN) != 0 && load<u32>(a + A_PATTERN) == NONE) fail();
    if ((flags & F_DENIED_PATTERN) != 0 && (load<u32>(a + A_DENIED_SEARCH) == NONE || load<u32>(a + A_DENIED_REVERSE) == NONE)) fail();
    store<u32>(a + A_ACTION, readAction());
    const nAllowed = rdU32();
    store<u32>(a + A_ALLOWED, <u32>rp);
    store<u32>(a + A_NALLOWED, nAllowed);
    if (nAllowed > 65536) fail();
    for (let k: u32 = 0; k < nAllowed && !rBad; k++) skipValue();
    const nDenied = rdU32();
    store<u32>(a + A_DENIED, <u32>rp);
    store<u32>(a + A_NDENIED, nDenied);
    if (nDenied > 65536) fail();
    for (let k: u32 = 0; k < nDenied && !rBad; k++) skipValue();
  }

  gNRate = rdU32();
  if (gNRate > 4096) fail();
  gRates = rBad ? 0 : persistAlloc(<usize>gNRate * RATE_SIZE + 16);
  if (gRates == 0) fail();
  let ringTotal: u64 = 0;
  for (let i: u32 = 0; i < gNRate && !rBad; i++) {
    const r = gRates + <usize>i * RATE_SIZE;
    readName(r + R_NAME, true);
    const maxCalls = rdU32();
    const windowMs = rdI64();
    if (maxCalls < 1 || maxCalls > 1000000 || windowMs < 1) { fail(); break; }
    ringTotal += <u64>maxCalls;
    if (ringTotal > MAX_RING_TOTAL) { fail(); break; }
    store<u32>(r + R_MAX, maxCalls);
    store<i64>(r + R_WINDOW, windowMs);
    const ring = persistAlloc(<usize>maxCalls * 8);
    if (ring == 0) { fail(); break; }
    store<u32>(r + R_RING, <u32>ring);
  }

  // Host metadata (names, reasons) then its u32 length: opaque here, but it must end the bundle exactly.
  if (!rBad && (base + len - rp < 4 || <usize>load<u32>(base + len - 4) != base + len - 4 - rp)) fail();
  if (!rBad) setPos(base + len);
  if (rBad) { gErrorAt = <i32>(rp - base); return rBadIsMemory ? LOAD_NO_MEMORY : LOAD_MALFORMED; }
  gErrorAt = -1;
  gLoaded = true;
  return 0;
}

/** Forgets a bundle that parsed but whose scan tables could not be built (load answers LOAD_NO_MEMORY). */
export function unloadBundle(): void {
  gLoaded = false;
}
