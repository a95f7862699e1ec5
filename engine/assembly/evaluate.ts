// One request in, one integer-only answer out. The pipeline order is fixed and documented in
// docs/ENGINE.md; every stage runs, so the answer lists every violation, not only the first.
import { readerInit, readerTrust, rdU8, rdU32, rdI64, rdF64, rdBytes, rBad, rp, rEnd, setPos } from "./reader";
import { MAX_REPORTS, OUT_CAP, outPtr, scratchAlloc, scratchReset, scratchFailed, inputPtr } from "./memory";
import { decodeAt, dCp, dLen, utf16Length, bytesEqual, toUnits, uPtr, uLen, uCap, normalizeUnits, nPtr, nLen, nIdentity, originalStart, originalEnd } from "./text";
import { setLookup, nameMatches } from "./names";
import { searchEnd, reverseStart, extendEnd, fullMatch, DFA_DESC_SIZE } from "./dfa";
import { nextUrl, uHost, uHostLen, uStart, uEnd, uNext } from "./url";
import * as P from "./policy";
import { foldName, isInvisibleModifier } from "./confusables";
import { checkMatch } from "./checks";
import { scanEntities, entitiesReset, entityScopeChanged, setReportWindow, prepareScanTables, mPtr, mCount } from "./entities";

// Request operations.
export const OP_PRE_CALL: u32 = 1;
export const OP_POST_CALL: u32 = 2;
export const OP_KILL_SWITCH: u32 = 3;
export const OP_RESET_STATE: u32 = 4;

// Violation types: stable integers, named in engine/abi.ts.
const V_TOOL_DENIED: u32 = 1, V_TOOL_NOT_ALLOWED: u32 = 2, V_DOMAIN_DENIED: u32 = 3, V_CONTENT: u32 = 4,
  V_RATE_LIMIT: u32 = 5, V_COST_LIMIT: u32 = 6, V_INPUT_SIZE: u32 = 7, V_OUTPUT_SIZE: u32 = 8,
  V_ARGUMENT: u32 = 9, V_KILL_SWITCH: u32 = 10, V_CALL_DEPTH: u32 = 11, V_INVALID_TOOL_NAME: u32 = 12,
  V_TOO_MANY: u32 = 13, V_PII: u32 = 14;

// Argument-rule detail codes.
const D_ALLOWED = 1, D_DENIED = 2, D_PATTERN = 3, D_DENIED_PATTERN = 4, D_MIN = 5, D_MAX = 6, D_MAXLEN = 7,
  D_REQUIRED = 8, D_TYPE = 9;

const ACT_BLOCK: u32 = 0, ACT_LOG: u32 = 1, ACT_REDACT: u32 = 2;

export const ERR_NOT_LOADED: i32 = -1;
export const ERR_BAD_REQUEST: i32 = -2;
export const ERR_NO_MEMORY: i32 = -3;

const VIOLATION_SIZE: usize = 28;
// The answer: u32 decision, u32 n, the n violations, then 16 bytes of state (finish).
const ANSWER_HEAD: usize = 8;
const ANSWER_TAIL: usize = 16;
// One more than the engine can report, so a text with too many matches blocks (too_many_violations).
const MAX_MATCHES_PER_TEXT: u32 = MAX_REPORTS + 1;
/** Violations an answer in OUT has room for; past them it moves to SCRATCH (growAnswer). */
const OUT_ROOM: u32 = <u32>((OUT_CAP - ANSWER_HEAD - ANSWER_TAIL) / VIOLATION_SIZE);

// Engine state: the only things that change between calls, and only through requests.
let sOpen: u32 = 0; // calls allowed and not yet reported finished
let sCost: i64 = 0;
// Estimates of calls that are running: reserved at pre-call, released at post-call, so that
// concurrent calls cannot together overspend a budget none of them exceeds alone.
let sReserved: i64 = 0;
let sKill = false;
let sNow: i64 = 0;

// Per-call values.
let nViolations: u32 = 0;
let anyBlock = false;
let anyRedact = false;
let anyLog = false;
let values: usize = 0; // per value: pathPtr, type, dataPtr, dataLen (16 bytes)
let nValues: u32 = 0;
// Where this call's answer is built, and how many violations fit there: OUT, until a call reports
// more than OUT_ROOM (a table of thousands of e-mail addresses), then a SCRATCH copy with twice
// the room. Per-call state: the host reads the address after each call (index.ts output_ptr).
let answerAt: usize = 0;
let answerRoom: u32 = 0;

/** The address of the last answer (OUT unless it outgrew it). */
export function answerPtr(): usize {
  return answerAt != 0 ? answerAt : outPtr();
}

function violation(type: u32, action: u32, rule: i32, value: i32, start: i32, end: i32, detail: i32): void {
  if (nViolations >= MAX_REPORTS) {
    // The list is full: fail closed rather than silently drop what could not be reported.
    anyBlock = true;
    const last = answerAt + ANSWER_HEAD + <usize>(MAX_REPORTS - 1) * VIOLATION_SIZE;
    store<u32>(last, V_TOO_MANY); store<u32>(last + 4, ACT_BLOCK);
    return;
  }
  // Out of memory: dropped, and the call answers ERR_NO_MEMORY (scratchFailed), never this list.
  if (nViolations == answerRoom && !growAnswer()) return;
  const v = answerAt + ANSWER_HEAD + <usize>nViolations * VIOLATION_SIZE;
  store<u32>(v, type);
  store<u32>(v + 4, action);
  store<i32>(v + 8, rule);
  store<i32>(v + 12, value);
  store<i32>(v + 16, start);
  store<i32>(v + 20, end);
  store<i32>(v + 24, detail);
  nViolations++;
  if (action == ACT_BLOCK) anyBlock = true;
  else if (action == ACT_REDACT) anyRedact = true;
  else anyLog = true;
}

/** Moves the answer's violations to SCRATCH with twice the room (at most MAX_REPORTS). False when memory is exhausted. */
function growAnswer(): bool {
  const room = answerRoom < MAX_REPORTS >> 1 ? answerRoom << 1 : MAX_REPORTS;
  const p = scratchAlloc(ANSWER_HEAD + <usize>room * VIOLATION_SIZE + ANSWER_TAIL);
  if (p == 0) return false;
  memory.copy(p + ANSWER_HEAD, answerAt + ANSWER_HEAD, <usize>nViolations * VIOLATION_SIZE);
  answerAt = p;
  answerRoom = room;
  return true;
}

/** Policy-wide action for violations that cannot be redacted (redact means block for them). */
function modeAction(): u32 {
  return P.gMode == ACT_LOG ? ACT_LOG : ACT_BLOCK;
}

function finish(): i32 {
  const o = answerAt;
  store<u32>(o, anyBlock ? 1 : anyRedact ? 3 : anyLog ? 2 : 0);
  store<u32>(o + 4, nViolations);
  const t = o + 8 + <usize>nViolations * VIOLATION_SIZE;
  store<u32>(t, sOpen);
  store<i64>(t + 4, sCost);
  store<u32>(t + 12, sKill ? 1 : 0);
  return <i32>(t + 16 - o);
}

// ---- request parsing ------------------------------------------------------------------------

let toolPtr: usize = 0;
let toolLen: usize = 0;
// The tool name case-folded (for allow lists), and also with look-alikes folded (for everything
// that restricts: deny lists, rate limits, argument rules). See names.ts readName.
let caseTool: usize = 0;
let caseToolLen: usize = 0;
let foldedTool: usize = 0;
let foldedToolLen: usize = 0;

/** Reads `u32 n` values (path + typed payload) into the `values` table. False when malformed. */
function readValues(): bool {
  nValues = rdU32();
  if (rBad || nValues > 1000000) return false;
  values = scratchAlloc(<usize>nValues * 16 + 16);
  if (values == 0) return false;
  for (let i: u32 = 0; i < nValues; i++) {
    const v = values + <usize>i * 16;
    store<u32>(v, <u32>rp);
    P.skipPath(false);
    const t = rdU8();
    store<u32>(v + 4, t);
    if (t == P.VT_STRING) {
      const len = rdU32();
      store<u32>(v + 12, len);
      store<u32>(v + 8, <u32>rdBytes(len));
    } else if (t == P.VT_NUMBER) {
      store<u32>(v + 8, <u32>rdBytes(8));
    } else if (t == P.VT_BOOL) {
      store<u32>(v + 8, <u32>rdBytes(1));
    } else if (t != P.VT_NULL) return false;
    if (rBad) return false;
  }
  return true;
}

function readTool(): bool {
  toolLen = rdU32();
  if (toolLen > 4096) return false;
  toolPtr = rdBytes(toolLen);
  if (rBad) return false;
  foldedTool = scratchAlloc(toolLen * 4 + 4);
  caseTool = scratchAlloc(toolLen * 4 + 4);
  if (foldedTool == 0 || caseTool == 0) return false;
  foldedToolLen = foldName(toolPtr, toolLen, foldedTool, true);
  caseToolLen = foldName(toolPtr, toolLen, caseTool, false);
  return true;
}

/**
 * Tool names are identifiers: 1-256 bytes of valid UTF-8 with no control, whitespace, zero-width,
 * bidi, combining-mark or variation-selector characters (each a way to make a denied name look
 * like an allowed one). Look-alike letters are folded for matching (confusables.ts).
 */
function toolNameValid(): bool {
  if (toolLen == 0 || toolLen > 256) return false;
  const end = toolPtr + toolLen;
  let p = toolPtr;
  while (p < end) {
    decodeAt(p, end);
    const c = dCp;
    p += dLen;
    if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0xfffd) return false;
    if (c == 0x1680 || (c >= 0x2000 && c <= 0x200f) || (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x206f)) return false;
    if (c == 0x3000 || c == 0xfeff || c == 0x180e || isInvisibleModifier(c)) return false;
  }
  return true;
}

// ---- per-call entity scope ----------------------------------------------------------------------

// Whether a request narrowed the entity rules (C_APPLIES differs from C_LOADED_APPLIES somewhere).
let scoped = false;

/** Undoes the previous request's scope. Runs before every request, so even a trap cannot leave one behind. */
function restoreScope(): void {
  if (!scoped) return;
  for (let r: u32 = 0; r < P.gNContent; r++) {
    const c = P.gContent + <usize>r * P.CONTENT_SIZE;
    store<u32>(c + P.C_APPLIES, load<u32>(c + P.C_LOADED_APPLIES));
  }
  scoped = false;
  entityScopeChanged();
}

// The request's report window (readReportWindow), in original UTF-16 units of its one string value.
let rwOn = false;
let rwFrom: i32 = 0;
let rwTo: i32 = 0;

/**
 * The optional last sections of a pre- or post-call request. First the scope: `u32 words`
 * (= ceil(rules / 32)), then a bit set over the bundle's content-rule indices naming the PII and
 * secret rules that do not apply to this call's tool (per-tool overrides, which the host
 * resolves). Those rules are not run on keys or values, exactly as if the bundle lacked them;
 * every other rule still runs. A bit on a content rule, or past the last rule, makes the request
 * malformed. Absent: every rule applies (requests recorded before the section existed replay
 * unchanged). Then, optionally, the report window (readReportWindow); a request that has one also
 * carries a scope (all zero when no rule is excluded). True when well formed.
 */
function readScope(): bool {
  rwOn = false;
  if (rp == rEnd) return true;
  const words = rdU32();
  if (rBad || words != (P.gNContent + 31) >> 5) return false;
  const bits = rdBytes(<usize>words * 4);
  if (rBad) return false;
  if (rp != rEnd && !readReportWindow()) return false;
  for (let wi: u32 = 0; wi < words; wi++) {
    const word = load<u32>(bits + <usize>wi * 4);
    if (word == 0) continue;
    for (let b: u32 = 0; b < 32; b++) {
      if ((word & (<u32>1 << b)) == 0) continue;
      const r = (wi << 5) + b;
      if (r >= P.gNContent) return false;
      const c = P.gContent + <usize>r * P.CONTENT_SIZE;
      if (load<u32>(c + P.C_KIND) == P.KIND_CONTENT) return false;
      store<u32>(c + P.C_APPLIES, 0);
      scoped = true;
      entityScopeChanged();
    }
  }
  return true;
}

/**
 * `u32 from, u32 to`, the last section: only content and entity matches whose original start lies
 * in [from, to) are reported for the request's value (streaming asks for the findings of the part
 * it emits, not of its context and tail, so the 1,024-report cap counts only those). Every rule
 * still runs over the whole text, so what is reported is exactly the findings without a window,
 * filtered by start. The request must hold exactly one value, a string (keys are scanned as
 * always), and from <= to <= its length in UTF-16 units; anything else is malformed. Checked here,
 * before any state changes, so a malformed window is refused as a whole.
 */
function readReportWindow(): bool {
  const from = rdU32();
  const to = rdU32();
  if (rBad || rp != rEnd || from > to || nValues != 1) return false;
  if (load<u32>(values + 4) != P.VT_STRING) return false;
  const len = load<u32>(values + 12);
  // UTF-16 units never outnumber UTF-8 bytes: the exact count only when that does not decide it.
  if (to > len || <u32>utf16Length(<usize>load<u32>(values + 8), <usize>len) < to) return false;
  rwOn = true;
  rwFrom = <i32>from;
  rwTo = <i32>to;
  return true;
}

/**
 * The first normalised unit whose original start is >= x (nLen when none). originalStart is
 * non-decreasing (the units of an expansion share their character's start; every other unit
 * starts after the one before it), so the normalised units whose original start lies in [a, b)
 * are exactly [atOrAfter(a), atOrAfter(b)): an expansion or a removed sequence straddling a bound
 * falls wholly on the side of its start, and no match that starts in the window is dropped.
 * Binary search: no recursion, O(log² n) per bound.
 */
function normalisedAtOrAfter(x: i32, n: i32): i32 {
  let lo: i32 = 0;
  let hi: i32 = n;
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (originalStart(mid) >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

// ---- content, network and argument checks ---------------------------------------------------------

/**
 * Every match of content rules and entity rules (PII, secrets) that apply to `phase` in one text,
 * decoded once. Content rules: earliest end, leftmost start, longest end (docs/ENGINE.md); entity
 * rules: engine/assembly/entities.ts.
 */
function scanContent(text: usize, len: usize, valueIdx: i32, isKey: bool, phase: u32): void {
  if (P.gNContent == 0 || !toUnits(text, len)) return;
  const u = uPtr;
  const n = uLen;
  const cap = uCap;
  // The report window applies to the value's text (original units), never to keys.
  const windowed = rwOn && !isKey;
  const wFrom: i32 = windowed ? rwFrom : 0;
  const wTo: i32 = windowed ? rwTo : i32.MAX_VALUE;
  if (P.gNContent > P.gNEntities) {
    // Prefilter results for this text: 0 not run yet, 1 no match, 2 match (one byte per table).
    const seen = scratchAlloc(<usize>P.gNDfa);
    if (seen == 0) return;
    memory.fill(seen, 0, <usize>P.gNDfa);
    for (let r: u32 = 0; r < P.gNContent; r++) {
      const c = P.gContent + <usize>r * P.CONTENT_SIZE;
      if (load<u32>(c + P.C_KIND) != P.KIND_CONTENT || (load<u32>(c + P.C_APPLIES) & phase) == 0) continue;
      const pre = load<u32>(c + P.C_PREFILTER);
      if (pre != P.NONE) {
        if (load<u8>(seen + pre) == 0) store<u8>(seen + pre, searchEnd(P.gDfas + <usize>pre * DFA_DESC_SIZE, u, n, 0) >= 0 ? 2 : 1);
        if (load<u8>(seen + pre) == 1) continue; // the union of this group cannot match: no rule in it can
      }
      const search = P.gDfas + <usize>load<u32>(c + P.C_SEARCH) * DFA_DESC_SIZE;
      const reverse = P.gDfas + <usize>load<u32>(c + P.C_REVERSE) * DFA_DESC_SIZE;
      const anchored = P.gDfas + <usize>load<u32>(c + P.C_ANCHORED) * DFA_DESC_SIZE;
      let action = load<u32>(c + P.C_ACTION);
      if (isKey && action == ACT_REDACT) action = ACT_BLOCK; // a key cannot be redacted in place
      const check = load<u32>(c + P.C_CHECK);
      const arg = load<u32>(c + P.C_ARG);
      let from: i32 = 0;
      let count: u32 = 0;
      while (from <= n) {
        // Earliest end, then the leftmost start of a match ending there, then the longest end
        // from that start: each step is one linear pass.
        const first = searchEnd(search, u, n, from);
        if (first < 0) break;
        const start = reverseStart(reverse, u, from, first);
        const end = extendEnd(anchored, u, n, start, first);
        if (!checkMatch(check, arg, u, n, start, end)) {
          // Not a valid match: look again from the unit after its start.
          from = start + 1;
          continue;
        }
        // Outside the report window: neither reported nor counted, and the search goes on from
        // its end exactly as if it had been (so later matches are those found without a window).
        if (isKey) { violation(V_CONTENT, action, <i32>r, valueIdx, -1, -1, 1); count++; }
        else if (start >= wFrom && start < wTo) { violation(V_CONTENT, action, <i32>r, valueIdx, start, end, 0); count++; }
        if (count >= MAX_MATCHES_PER_TEXT || action != ACT_REDACT) break; // one report per rule unless redacting
        from = end > from ? end : from + 1;
      }
    }
  }
  if (P.gNEntities == 0) return;
  // Entities are matched on the normalised units (evasion defences); spans map back to the original.
  let eu = u;
  let en = n;
  let mapped = false;
  if ((P.gEntityFlags & P.EF_NORMALIZE) != 0) {
    // In place (or, when expansions outgrow the buffer, partly copied): content rules have
    // already read the original units.
    if (!normalizeUnits(u, n, cap)) return;
    eu = nPtr;
    en = nLen;
    mapped = !nIdentity;
  }
  // The window in normalised units (record() in entities.ts filters on a match's normalised start).
  if (windowed) setReportWindow(mapped ? normalisedAtOrAfter(wFrom, en) : wFrom, mapped ? normalisedAtOrAfter(wTo, en) : wTo);
  else setReportWindow(0, i32.MAX_VALUE);
  if (!scanEntities(eu, en, phase)) return;
  let last: u32 = P.NONE;
  for (let i: u32 = 0; i < mCount; i++) {
    const m = mPtr + <usize>i * 12;
    const r = load<u32>(m);
    if (mapped) {
      const s = load<i32>(m + 4);
      const e = load<i32>(m + 8);
      store<i32>(m + 4, originalStart(s));
      store<i32>(m + 8, originalEnd(e - 1));
    }
    let action = load<u32>(P.gContent + <usize>r * P.CONTENT_SIZE + P.C_ACTION);
    if (isKey) {
      // A key cannot be redacted in place: one blocking report per rule.
      if (r == last) continue;
      last = r;
      violation(V_PII, action == ACT_REDACT ? ACT_BLOCK : action, <i32>r, valueIdx, -1, -1, 1);
    } else violation(V_PII, action, <i32>r, valueIdx, load<i32>(m + 4), load<i32>(m + 8), 0);
  }
}

function scanUrls(text: usize, len: usize, valueIdx: i32, isKey: bool): void {
  let from: usize = 0;
  while (from < len && nextUrl(text, len, from)) {
    const denied = setLookup(P.gDeniedDomains, uHost, uHostLen);
    let bad = denied >= 0;
    let rule = denied;
    if (!bad && P.gDenyAllOther && setLookup(P.gAllowedDomains, uHost, uHostLen) < 0) { bad = true; rule = -1; }
    if (bad) {
      const s = isKey ? -1 : utf16Length(text, uStart);
      const e = isKey ? -1 : s + utf16Length(text + uStart, uEnd - uStart);
      violation(V_DOMAIN_DENIED, modeAction(), rule, valueIdx, s, e, isKey ? 1 : 0);
    }
    from = uNext;
  }
}

/** Visits the value's string payload and its key segments with the content and URL scanners. */
function scanValue(i: u32, phase: u32, urls: bool): void {
  const v = values + <usize>i * 16;
  // Keys first: an attacker controls them as much as the values.
  setPos(<usize>load<u32>(v));
  const nseg = rdU32();
  for (let s: u32 = 0; s < nseg; s++) {
    const len = <usize>rdU32();
    const p = rdBytes(len);
    scanContent(p, len, <i32>i, true, phase);
    if (urls) scanUrls(p, len, <i32>i, true);
  }
  const t = load<u32>(v + 4);
  if (t == P.VT_NUMBER) {
    scanInteger(load<f64>(<usize>load<u32>(v + 8)), i, phase);
    return;
  }
  if (t != P.VT_STRING) return;
  const p = <usize>load<u32>(v + 8);
  const len = <usize>load<u32>(v + 12);
  scanContent(p, len, <i32>i, false, phase);
  if (urls) scanUrls(p, len, <i32>i, false);
}

// 2^53 - 1: above it a double no longer holds every integer, and JS prints exponents past 1e21.
const MAX_SAFE: f64 = 9007199254740991;

/**
 * An integer value is scanned as its decimal text, exactly as JS prints it (what JSON.stringify,
 * and so a model, sees): an SSN, phone or card number stored as a number is still PII. Spans are
 * offsets in that text. Fractions and unsafe integers are not scanned (their text is not unique).
 */
function scanInteger(x: f64, i: u32, phase: u32): void {
  if (x != floor<f64>(x) || abs<f64>(x) > MAX_SAFE) return;
  let n = <i64>x;
  const neg = n < 0;
  if (neg) n = -n;
  const buf = scratchAlloc(20);
  if (buf == 0) return;
  let at: usize = 20;
  do {
    at--;
    store<u8>(buf + at, <u8>(48 + <i32>(n % 10)));
    n /= 10;
  } while (n > 0);
  if (neg) {
    at--;
    store<u8>(buf + at, 45);
  }
  scanContent(buf + at, 20 - at, <i32>i, false, phase);
}

/** Compares a value path with a rule path: 0 no match, 1 equal, 2 the value lies below the rule path. */
function pathRelation(valuePath: usize, rulePath: usize): i32 {
  setPos(rulePath);
  const rn = rdU32();
  const rs = rp;
  setPos(valuePath);
  const vn = rdU32();
  if (vn < rn) return 0;
  let vp = rp;
  let rq = rs;
  for (let k: u32 = 0; k < rn; k++) {
    const rlen = load<u32>(rq); rq += 4;
    const vlen = load<u32>(vp); vp += 4;
    if (rlen != P.NONE) {
      if (!bytesEqual(rq, <usize>rlen, vp, <usize>vlen)) return 0;
      rq += <usize>rlen;
    }
    vp += <usize>vlen;
  }
  return vn == rn ? 1 : 2;
}

/** Type-aware equality of a request value with an encoded policy value at `p`; sets rp past it. */
function valueEquals(v: usize, p: usize): bool {
  setPos(p);
  const t = rdU8();
  const vt = load<u32>(v + 4);
  if (t == P.VT_STRING) {
    const len = <usize>rdU32();
    const sp = rdBytes(len);
    return vt == P.VT_STRING && bytesEqual(sp, len, <usize>load<u32>(v + 8), <usize>load<u32>(v + 12));
  }
  if (t == P.VT_NUMBER) {
    const x = rdF64();
    return vt == P.VT_NUMBER && load<f64>(<usize>load<u32>(v + 8)) == x;
  }
  if (t == P.VT_BOOL) {
    const b = rdU8();
    return vt == P.VT_BOOL && <u32>load<u8>(<usize>load<u32>(v + 8)) == b;
  }
  return vt == P.VT_NULL;
}

function anyEquals(v: usize, list: usize, n: u32): bool {
  let p = list;
  for (let k: u32 = 0; k < n; k++) {
    if (valueEquals(v, p)) return true;
    p = rp;
  }
  return false;
}

function checkArgument(r: u32, a: usize, v: usize, i: u32): void {
  const flags = load<u32>(a + P.A_FLAGS);
  const act = load<u32>(a + P.A_ACTION) == ACT_LOG ? ACT_LOG : ACT_BLOCK;
  const t = load<u32>(v + 4);
  const ri = <i32>r;
  const vi = <i32>i;
  if ((flags & P.F_ALLOWED) != 0 && !anyEquals(v, <usize>load<u32>(a + P.A_ALLOWED), load<u32>(a + P.A_NALLOWED))) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_ALLOWED);
  if ((flags & P.F_DENIED) != 0 && anyEquals(v, <usize>load<u32>(a + P.A_DENIED), load<u32>(a + P.A_NDENIED))) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_DENIED);
  if ((flags & (P.F_MIN | P.F_MAX)) != 0) {
    if (t != P.VT_NUMBER) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_TYPE);
    else {
      const x = load<f64>(<usize>load<u32>(v + 8));
      // NaN fails both comparisons and is therefore reported: fail closed.
      if ((flags & P.F_MIN) != 0 && !(x >= load<f64>(a + P.A_MIN))) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_MIN);
      if ((flags & P.F_MAX) != 0 && !(x <= load<f64>(a + P.A_MAX))) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_MAX);
    }
  }
  if ((flags & (P.F_MAXLEN | P.F_PATTERN | P.F_DENIED_PATTERN)) != 0) {
    if (t != P.VT_STRING) { violation(V_ARGUMENT, act, ri, vi, -1, -1, D_TYPE); return; }
    if (!toUnits(<usize>load<u32>(v + 8), <usize>load<u32>(v + 12))) return;
    const u = uPtr;
    const n = uLen;
    if ((flags & P.F_MAXLEN) != 0 && n > <i32>load<u32>(a + P.A_MAXLEN)) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_MAXLEN);
    if ((flags & P.F_PATTERN) != 0 && !fullMatch(P.gDfas + <usize>load<u32>(a + P.A_PATTERN) * DFA_DESC_SIZE, u, n)) violation(V_ARGUMENT, act, ri, vi, -1, -1, D_PATTERN);
    if ((flags & P.F_DENIED_PATTERN) != 0) {
      const end = searchEnd(P.gDfas + <usize>load<u32>(a + P.A_DENIED_SEARCH) * DFA_DESC_SIZE, u, n, 0);
      if (end >= 0) {
        const start = reverseStart(P.gDfas + <usize>load<u32>(a + P.A_DENIED_REVERSE) * DFA_DESC_SIZE, u, 0, end);
        violation(V_ARGUMENT, act, ri, vi, start, end, D_DENIED_PATTERN);
      }
    }
  }
}

function checkArguments(): void {
  for (let r: u32 = 0; r < P.gNArg; r++) {
    const a = P.gArgs + <usize>r * P.ARG_SIZE;
    if (!nameMatches(a + P.A_TOOL, foldedTool, foldedToolLen)) continue;
    const rulePath = <usize>load<u32>(a + P.A_PATH);
    let present = false;
    for (let i: u32 = 0; i < nValues; i++) {
      const v = values + <usize>i * 16;
      const rel = pathRelation(<usize>load<u32>(v), rulePath);
      if (rel == 0) continue;
      present = true;
      // A constraint on a scalar must not be dodged by sending an object or array there instead.
      if (rel == 2) violation(V_ARGUMENT, load<u32>(a + P.A_ACTION) == ACT_LOG ? ACT_LOG : ACT_BLOCK, <i32>r, <i32>i, -1, -1, D_TYPE);
      else checkArgument(r, a, v, i);
    }
    if (!present && (load<u32>(a + P.A_FLAGS) & P.F_REQUIRED) != 0) {
      violation(V_ARGUMENT, load<u32>(a + P.A_ACTION) == ACT_LOG ? ACT_LOG : ACT_BLOCK, <i32>r, -1, -1, -1, D_REQUIRED);
    }
  }
}

// ---- rate limits (sliding window over host-supplied time) -------------------------------------

function rateApplies(r: usize): bool {
  return nameMatches(r + P.R_NAME, foldedTool, foldedToolLen);
}

/** Drops timestamps that left the window; returns how many calls remain inside it. */
function rateExpire(r: usize): u32 {
  const cap = load<u32>(r + P.R_MAX);
  const ring = <usize>load<u32>(r + P.R_RING);
  const window = load<i64>(r + P.R_WINDOW);
  let head = load<u32>(r + P.R_HEAD);
  let count = load<u32>(r + P.R_COUNT);
  while (count > 0 && load<i64>(ring + <usize>head * 8) <= sNow - window) {
    head = head + 1 == cap ? 0 : head + 1;
    count--;
  }
  store<u32>(r + P.R_HEAD, head);
  store<u32>(r + P.R_COUNT, count);
  return count;
}

function rateRecord(r: usize): void {
  const cap = load<u32>(r + P.R_MAX);
  const ring = <usize>load<u32>(r + P.R_RING);
  const head = load<u32>(r + P.R_HEAD);
  const count = load<u32>(r + P.R_COUNT);
  if (count >= cap) return; // only reachable in log mode, where an over-limit call proceeds
  const slot = (head + count) % cap;
  store<i64>(ring + <usize>slot * 8, sNow);
  store<u32>(r + P.R_COUNT, count + 1);
}

// ---- operations ------------------------------------------------------------------------------------

const PHASE_INPUT: u32 = 1;
const PHASE_OUTPUT: u32 = 2;

function preCall(): i32 {
  if (!readTool()) return ERR_BAD_REQUEST;
  const costEstimate = rdI64();
  const inputBytes = rdU32();
  const depth = rdU32();
  if (rBad || !readValues() || !readScope() || costEstimate < 0) return ERR_BAD_REQUEST;
  readerTrust();
  const mode = modeAction();
  if (sKill) violation(V_KILL_SWITCH, ACT_BLOCK, -1, -1, -1, -1, 0);
  if (!toolNameValid()) {
    violation(V_INVALID_TOOL_NAME, ACT_BLOCK, -1, -1, -1, -1, 0);
    return finish();
  }
  // Nesting depth is the caller's (only the host can see an async call chain); it is part of the
  // recorded request, so replay reproduces it.
  if (P.gMaxDepth >= 0 && depth >= <u32>P.gMaxDepth) violation(V_CALL_DEPTH, mode, -1, -1, <i32>depth, P.gMaxDepth, 0);
  if (P.gMaxInput >= 0 && inputBytes > <u32>P.gMaxInput) violation(V_INPUT_SIZE, mode, -1, -1, <i32>inputBytes, P.gMaxInput, 0);
  const denied = setLookup(P.gDenied, foldedTool, foldedToolLen);
  if (denied >= 0) violation(V_TOOL_DENIED, mode, denied, -1, -1, -1, 0);
  else if (!P.gAllowAll && setLookup(P.gAllowed, caseTool, caseToolLen) < 0) violation(V_TOOL_NOT_ALLOWED, mode, -1, -1, -1, -1, 0);
  checkArguments();
  for (let i: u32 = 0; i < nValues; i++) scanValue(i, PHASE_INPUT, P.gNetEnabled);
  for (let r: u32 = 0; r < P.gNRate; r++) {
    const d = P.gRates + <usize>r * P.RATE_SIZE;
    if (!rateApplies(d)) continue;
    const inWindow = rateExpire(d);
    if (inWindow >= load<u32>(d + P.R_MAX)) violation(V_RATE_LIMIT, mode, <i32>r, -1, <i32>inWindow, <i32>load<u32>(d + P.R_MAX), 0);
  }
  if (P.gMaxCostPerCall >= 0 && costEstimate > P.gMaxCostPerCall) violation(V_COST_LIMIT, mode, -1, -1, -1, -1, 1);
  if (P.gMaxCost >= 0 && (sCost + sReserved >= P.gMaxCost || costEstimate > P.gMaxCost - sCost - sReserved)) violation(V_COST_LIMIT, mode, -1, -1, -1, -1, 0);
  if (scratchFailed) return ERR_NO_MEMORY;
  // State changes only for a call that will run, so a blocked call leaves nothing to roll back.
  if (!anyBlock) {
    for (let r: u32 = 0; r < P.gNRate; r++) {
      const d = P.gRates + <usize>r * P.RATE_SIZE;
      if (rateApplies(d)) rateRecord(d);
    }
    sOpen++;
    sReserved += costEstimate;
  }
  return finish();
}

function postCall(): i32 {
  if (!readTool()) return ERR_BAD_REQUEST;
  const cost = rdI64();
  const release = rdI64();
  const outputBytes = rdU32();
  if (rBad || !readValues() || !readScope() || cost < 0 || release < 0) return ERR_BAD_REQUEST;
  readerTrust();
  const mode = modeAction();
  if (sOpen > 0) sOpen--;
  sReserved = release > sReserved ? 0 : sReserved - release;
  sCost = cost > i64.MAX_VALUE - sCost ? i64.MAX_VALUE : sCost + cost;
  if (P.gMaxCostPerCall >= 0 && cost > P.gMaxCostPerCall) violation(V_COST_LIMIT, mode, -1, -1, -1, -1, 1);
  if (P.gMaxOutput >= 0 && outputBytes > <u32>P.gMaxOutput) violation(V_OUTPUT_SIZE, mode, -1, -1, <i32>outputBytes, P.gMaxOutput, 0);
  for (let i: u32 = 0; i < nValues; i++) scanValue(i, PHASE_OUTPUT, false);
  if (scratchFailed) return ERR_NO_MEMORY;
  return finish();
}

function resetState(): void {
  sOpen = 0;
  sCost = 0;
  sReserved = 0;
  sKill = false;
  sNow = 0;
  for (let r: u32 = 0; r < P.gNRate; r++) {
    const d = P.gRates + <usize>r * P.RATE_SIZE;
    store<u32>(d + P.R_HEAD, 0);
    store<u32>(d + P.R_COUNT, 0);
  }
}

/** Evaluates the request of `len` bytes at inputPtr(); returns the answer's length at answerPtr(), or an error (< 0). */
export function evaluateRequest(len: usize): i32 {
  if (!P.gLoaded) return ERR_NOT_LOADED;
  if (inputPtr() == 0) return ERR_BAD_REQUEST;
  scratchReset(len);
  entitiesReset();
  restoreScope();
  nViolations = 0;
  answerAt = outPtr();
  answerRoom = OUT_ROOM < MAX_REPORTS ? OUT_ROOM : MAX_REPORTS;
  anyBlock = false;
  anyRedact = false;
  anyLog = false;
  nValues = 0;
  readerInit(inputPtr(), len);
  const op = rdU32();
  const now = rdI64();
  if (rBad) return ERR_BAD_REQUEST;
  // Time never runs backwards for the engine: a host clock stepping back cannot reopen a window.
  if (now > sNow) sNow = now;
  if (op == OP_PRE_CALL) return preCall();
  if (op == OP_POST_CALL) return postCall();
  if (op == OP_KILL_SWITCH) {
    const on = rdU32();
    if (rBad || rp != rEnd || on > 1) return ERR_BAD_REQUEST;
    sKill = on == 1;
    return finish();
  }
  if (op == OP_RESET_STATE) {
    if (rp != rEnd) return ERR_BAD_REQUEST;
    resetState();
    return finish();
  }
  return ERR_BAD_REQUEST;
}

/**
 * Loads the bundle written in BUNDLE, for both entries (index.ts, component.ts): parse and
 * validate it, build its scan tables, start with fresh state (the new policy's rate windows and
 * budgets are its own). 0, P.LOAD_MALFORMED (load_error_offset says where) or P.LOAD_NO_MEMORY;
 * after a failure no policy is loaded.
 */
export function loadPolicy(): i32 {
  const r = P.loadBundle();
  if (r != 0) return r;
  if (!prepareScanTables()) {
    P.unloadBundle();
    return P.LOAD_NO_MEMORY;
  }
  scoped = false; // the new policy's rules were loaded with their own appliesTo
  resetState();
  return 0;
}
