/**
 * Policy → bundle: the binary the wasm engine loads. Layout (little-endian; `name` = u8 kind,
 * u32 len, UTF-8 bytes; `list` = u32 count then items):
 *
 *   u32 magic "ECB1", u32 format 7, u32 on_violation (0 block, 1 log, 2 redact)
 *   i32 max_input_bytes, i32 max_output_bytes, i32 max_call_depth      (-1 = no limit)
 *   i64 max_cost_micros, i64 max_cost_per_call_micros                  (-1 = no limit)
 *   u32 allow_all_tools, list<name> allowed_tools, list<name> denied_tools
 *   u32 network_enabled, u32 deny_all_other, list<name> allowed_domains, list<name> denied_domains
 *   list<u32 size + DFA table> dfas                                    (format: regex.ts)
 *   list<{u32 search_dfa, u32 reverse_dfa, u32 action, u32 applies_to, u32 anchored_dfa,
 *         u32 kind (0 content rule, 1 PII, 2 secret), u32 check (engine/assembly/checks.ts),
 *         u32 prefilter_dfa, u32 check_arg, u32 max_len, u32 head_len,
 *         u32 need_at, u32 need_ascii[4], u32 need_wide, u32 ahead, u32 ahead_ascii[4], u32 context}> content_rules
 *     content rules: search, reverse and anchored tables, optional prefilter, max_len = head_len = 0,
 *     need_at = NONE and the rest 0;
 *     entity rules (PII, secrets; engine/compiler/entities.ts): search = prefilter = NONE, reverse =
 *     the table of the part before the head (NONE: the match starts at the head), anchored = the
 *     whole pattern, max_len = longest match in UTF-16 units, head_len = head length in units,
 *     need_at = NONE or the distance from the head's start of a unit every match has
 *     (entities-set.ts neededUnit): ASCII unit c may be there when bit c of need_ascii is set, a
 *     unit from U+0080 up when need_wide = 1; ahead = 1 when every match contains one of the ASCII
 *     units of ahead_ascii (state-needs.ts aheadUnits; only for a rule without a back part that is
 *     not a family member), else 0 and no bits (bundle format 11); context = 1 when the part before
 *     the head is context only (EntityDef.nearestStart): its reverse table ends at the nearest
 *     start, and its backward scan may read into the rule's previous match (format 12)
 *   u32 entity_flags (bit 0: evasion defences, `pii_redaction.normalize`)
 *   list<{u32 dfa, u32 max_len, u32 head_len, u32 n, {u32 rule, u32 before}[n], u32 n_states, u32 mask[n_states]}> families
 *     entity rules verified together (entity-families.ts): dfa = the anchored product of their
 *     patterns, mask[s] = the members accepting in state s (bit k = rule[k]), max_len = its longest
 *     run, head_len = the family head's length, before = the member's boundary (1: no ASCII word
 *     unit before the start, 2: no digit); members have no head of their own
 *   list<{u32 dfa, u32 n, u32 rule[n], u32 n_states, u32 offset[n_states], u32 n_list, u32 list[n_list]}> head_groups
 *     one multi-pattern search table over entity heads: for state s, list[offset[s]] = count, then
 *     that many indices into rule[] (the heads that end in state s); list[0] = 0. rule[i] is a
 *     content index | t << 12 for an entity rule without a back part, or 0x80000000 + (a family
 *     index | t << 6) for the family's head, t being the state the rule's anchored table (the
 *     family's table) is in after the head (0: not given; the head set names it, so the run
 *     reads on from there); t = GATE_MARK (2^19 - 1) for a head of a rule's gate, GATE_RULE
 *     (2^19 - 2) for the head of a rule with a gate, a candidate only if a head of its gate ended
 *     within max_len units before it (EntityDef.gate; only for rules with a back part)
 *   list<{u32 dfa, u32 state, u32 n, {u32 at, u32 ascii[4], u32 wide}[n]}> state_needs
 *     in (dfa, state) order, each pair once, 1 <= n <= 4: units every match of table dfa has, `at`
 *     units after where a run in `state` stands (state-needs.ts); listed for the family table's
 *     states that head-group entries name, and for the states a rule's table reaches RULE_NEED_STEPS
 *     units after the head states its entries name (tableStateNeeds), and tested by the engine before
 *     the family's or the rule's run. ASCII unit c may be there when bit c of ascii is set, a unit
 *     from U+0080 up when wide = 1
 *   list<{u32 dfa, u32 classes, u32 first_bit[classes], u32 n_states, u32 mask[n_states]}> back_memos
 *     in dfa order, for the reverse tables of entity rules' back parts whose memo can end a scan
 *     (back-memo.ts): bit j of mask[s] set when state s accepts no more than the j-th state the
 *     start state reaches in one step, first_bit[c] the bit of the state class c leads to (0:
 *     none) (bundle format 12)
 *   list<argument rule> argument_rules                                 (see writeArgumentRule)
 *   list<{name, u32 max_calls, i64 window_ms}> rate_limits
 *   canonical JSON metadata (the resolved policy, for the host's messages and settings), then its u32 length
 *
 * Name kinds: 0 exact, 1 glob (`*`, `?`), 2 domain suffix (`*.example.com`), 3 global.
 * The same policy always compiles to the same bytes, so the bundle's SHA-256 identifies it.
 */
import canonicalize from "canonicalize";
import type { CharSet } from "refa";
import { ByteWriter } from "../abi.js";
import { BUNDLE_FORMAT, BUNDLE_MAGIC, digestOf, type BundleMeta, type CompiledBundle } from "../bundle-format.js";
import { compilePattern } from "./regex.js";
import { BUILTIN_CONTENT_RULES } from "./builtin-rules.js";
import { policyEntities } from "./policy-entities.js";
import { bmpClass, compileHeadSet, headOf, neededUnit, notAfterClass, type CompiledHeadSet, type Head, type NeededUnit } from "./entities-set.js";
import { CHECK, type EntityDef } from "./entities.js";
import { numericFamily, type EntityFamily } from "./entity-families.js";
import { parseTable, type DfaTable as DfaSimTable } from "./dfa-sim.js";
import { headPathStates } from "./head-states.js";
import { backMemo, type BackMemo } from "./back-memo.js";
import { aheadUnits, RULE_NEED_STEPS, ruleStateNeeds, stateNeeds, type StateNeed } from "./state-needs.js";
import type { PiiPattern } from "./pii.js";
import type { CompiledDfa } from "./regex.js";
import { BudgetError, PolicyValidationError } from "../../core/errors.js";
import type { Policy } from "../../policies/schema.js";

const NONE = 0xffffffff;
/** A head-group entry that stands for family 0 (bit 31 set; entries below it are content indices). */
const FAMILY_REF = 0x80000000;
/** In a head-group entry of a family: the family table's state after the head, shifted by this (0: not given). */
const FAMILY_STATE_SHIFT = 6;
/** In a head-group entry of a rule (below FAMILY_REF): the rule's anchored table state after the head, shifted by this (0: not given). */
const RULE_STATE_SHIFT = 12;
/**
 * In a rule's head-group entry, these states mark a head of its gate (EntityDef.gate: the engine
 * records where it ended) and the head of a rule with a gate (a candidate only after one).
 */
const GATE_MARK = (1 << 19) - 1;
const GATE_RULE = (1 << 19) - 2;

/** The length of a family's heads (one length for all: the engine finds the start from it). */
function familyHeadLength(family: Pick<EntityFamily, "heads">): number {
  const lengths = new Set(family.heads.map((h) => h.length));
  if (lengths.size !== 1) throw new Error(`internal error: a family's heads have lengths ${[...lengths].join(", ")}`);
  return [...lengths][0] as number;
}

/** Hard ceilings per policy, checked when compiling, never while answering a call. */
export const BUNDLE_BUDGET = { maxBytes: 32 * 1024 * 1024, maxDfaStates: 4096, maxTotalDfaStates: 200_000 } as const;

const KIND_EXACT = 0;
const KIND_GLOB = 1;
const KIND_SUFFIX = 2;
const KIND_GLOBAL = 3;

const ACTION_CODE = { block: 0, log: 1, redact: 2 } as const;
const APPLIES_CODE = { input: 1, output: 2, both: 3 } as const;

function toolName(w: ByteWriter, entry: string): void {
  w.u8(/[*?]/.test(entry) ? KIND_GLOB : KIND_EXACT).str(entry);
}

/**
 * Domains are stored the way a WHATWG URL parser prints hosts (lower case, punycode, canonical
 * IPv4/IPv6), which is also how the engine normalises the hosts it extracts.
 */
export function normalizeDomain(entry: string): { kind: number; host: string } {
  const wildcard = entry.startsWith("*.");
  const raw = wildcard ? entry.slice(2) : entry;
  let host: string;
  try {
    host = new URL(`http://${raw.includes(":") && !raw.startsWith("[") ? `[${raw}]` : raw}/`).hostname;
  } catch {
    throw new PolicyValidationError("invalid domain in policy", [{ path: [], message: `${JSON.stringify(entry)} is not a valid host name` }]);
  }
  // IPv4-mapped IPv6 is the IPv4 host: the engine compares it that way (engine/assembly/url.ts).
  const mapped = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (mapped) {
    const [hi, lo] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
    host = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return { kind: wildcard ? KIND_SUFFIX : KIND_EXACT, host: host.replace(/\.$/, "") };
}

function domainList(w: ByteWriter, entries: readonly string[]): string[] {
  w.u32(entries.length);
  const out: string[] = [];
  for (const e of entries) {
    const { kind, host } = normalizeDomain(e);
    w.u8(kind).str(host);
    out.push(kind === KIND_SUFFIX ? `*.${host}` : host);
  }
  return out;
}

/** Collects DFA tables, de-duplicated, and enforces the per-policy state budget. */
class DfaTable {
  readonly tables: Uint8Array[] = [];
  private readonly byKey = new Map<string, number>();
  private totalStates = 0;

  readonly anchoredAtEnd: boolean[] = [];
  readonly states: number[] = [];

  add(source: string, kind: "search" | "anchored" | "reverse", caseInsensitive: boolean, maxStates: number = BUNDLE_BUDGET.maxDfaStates, firstAccept = false): number {
    const key = `${kind}${firstAccept ? "-first" : ""}\u0000${caseInsensitive ? "i" : ""}\u0000${source}`;
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const dfa = cachedPattern(`${key}\u0000${maxStates}`, () => compilePattern(source, { kind, caseInsensitive, maxStates, firstAccept }));
    return this.addCompiled(key, source, dfa);
  }

  private readonly parsedTables = new Map<number, DfaSimTable>();

  /** Table `index`, parsed (entity rules' heads are walked on their anchored tables). */
  parsed(index: number): DfaSimTable {
    const known = this.parsedTables.get(index);
    if (known !== undefined) return known;
    const t = parseTable(this.tables[index] as Uint8Array);
    this.parsedTables.set(index, t);
    return t;
  }

  /** Adds a table compiled elsewhere (entity head sets). */
  addCompiled(key: string, source: string, dfa: CompiledDfa): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    this.anchoredAtEnd.push(dfa.endAnchored);
    this.states.push(dfa.states);
    this.totalStates += dfa.states;
    if (this.totalStates > BUNDLE_BUDGET.maxTotalDfaStates) {
      throw new BudgetError(`policy patterns need more than ${BUNDLE_BUDGET.maxTotalDfaStates} automaton states in total (at ${JSON.stringify(source)})`);
    }
    this.tables.push(dfa.bytes);
    this.byKey.set(key, this.tables.length - 1);
    return this.tables.length - 1;
  }

  /** Like add, but a pattern over budget yields NONE instead of an error (for optional tables). */
  tryAdd(source: string, kind: "search", caseInsensitive: boolean, maxStates: number): number {
    try {
      return this.add(source, kind, caseInsensitive, maxStates);
    } catch (err) {
      if (err instanceof BudgetError) return NONE;
      throw err;
    }
  }
}

/**
 * Prefilters: one search table for the union of the content patterns that share a case flag
 * (end-anchored ones excepted: one table has one end flag). A text that the union does not match
 * skips every rule of the group, so a clean text costs one pass instead of one pass per rule.
 * A union over the state budget is simply not built; its rules are then scanned one by one.
 */
function addPrefilters(dfas: DfaTable, rules: { source: string; ci: boolean; search: number }[]): number[] {
  const prefilterOf = rules.map(() => NONE);
  for (const ci of [true, false]) {
    // Patterns whose own automaton is large (long counted repeats) would blow up any union:
    // they are scanned on their own. The rest are unioned, halving a group that is over budget.
    const members = rules.map((r, i) => ({ r, i })).filter(({ r }) => r.ci === ci && !dfas.anchoredAtEnd[r.search] && (dfas.states[r.search] ?? 0) <= PREFILTER_MEMBER_STATES);
    const queue = [members];
    while (queue.length > 0) {
      const group = queue.shift()!;
      if (group.length < 2) continue;
      const union = dfas.tryAdd(group.map(({ r }) => `(?:${r.source})`).join("|"), "search", ci, PREFILTER_MAX_STATES);
      if (union !== NONE) for (const { i } of group) prefilterOf[i] = union;
      else queue.push(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
    }
  }
  return prefilterOf;
}

/**
 * Compiled tables are pure functions of (pattern, kind, flags, budget): processes that compile many
 * policies (hosts, tests, hot reload) reuse them. Bounded: cleared when it holds too many entries.
 */
const patternCache = new Map<string, CompiledDfa>();
const PATTERN_CACHE_MAX = 4096;
function cachedPattern(key: string, build: () => CompiledDfa): CompiledDfa {
  const hit = patternCache.get(key);
  if (hit) return hit;
  const dfa = build();
  if (patternCache.size >= PATTERN_CACHE_MAX) patternCache.clear();
  patternCache.set(key, dfa);
  return dfa;
}

/** Back memos by table bytes (the pattern cache hands out the same bytes for the same table). */
const backMemoCache = new WeakMap<Uint8Array, BackMemo | null>();
function backMemoOf(dfas: DfaTable, index: number): BackMemo | undefined {
  const bytes = dfas.tables[index] as Uint8Array;
  let memo = backMemoCache.get(bytes);
  if (memo === undefined) {
    memo = backMemo(dfas.parsed(index)) ?? null;
    backMemoCache.set(bytes, memo);
  }
  return memo ?? undefined;
}

const headCache = new Map<string, { head: Head; need: NeededUnit | undefined }>();
/** Longest head of a rule that starts with a run of digits (see entityHead). */
const DIGIT_HEAD_MAX = 16;
const DIGITS = bmpClass([{ min: 0x30, max: 0x39 }]);
const digitsOnly = (c: CharSet): boolean => !c.isEmpty && c.without(DIGITS).isEmpty;
/** The head with its first class narrowed to `ranges` (paths left empty are dropped). */
function narrowFirst(h: Head, ranges: NonNullable<PiiPattern["headFirst"]>): Head {
  const keep = bmpClass(ranges);
  const paths = h.paths.map((p) => [(p[0] as CharSet).intersect(keep), ...p.slice(1)]).filter((p) => !(p[0] as CharSet).isEmpty);
  return paths.length === 0 ? h : { ...h, paths };
}
const notAfterKey = (ranges: readonly { readonly min: number; readonly max: number }[] | undefined): string => (ranges === undefined ? "" : ranges.map((r) => `${r.min}-${r.max}`).join(","));
/**
 * The head of an entity rule, the unit its matches need beyond it (entities-set.ts neededUnit),
 * and the key of everything they were built from (head and head-set caches).
 */
function entityHead(e: EntityDef): { head: Head; need: NeededUnit | undefined; key: string } {
  // PII heads may run through classes (digits) for 5 positions (4 with a back part); secret heads
  // stop at the end of their literal prefix after 2 (entities-set.ts HeadOptions.broadDepth). The
  // fifth class is what tells `1234 ` (a card group) from `123456789` (nine-digit IDs): without it
  // every digit group was a candidate for some twenty numeric rules.
  const broadDepth = (e as Partial<Pick<PiiPattern, "headBroadDepth">>).headBroadDepth ?? (e.kind === "pii" ? (e.back === undefined ? 5 : 4) : 2);
  // Rules that start at their head may have up to 16 literal alternatives in it (keyword lists).
  // A longer or narrower head only drops positions where the rule cannot match, so answers stay
  // the same; rules with a back part keep their heads, so the positions they are tried at (and
  // the span a check narrows to) stay exactly as they were.
  const maxLiteralPaths = e.back === undefined ? 16 : 4;
  // A built-in PII type may name units its head never follows (pii.ts headNotAfter): a boundary
  // of its own, folded into the head the same way.
  const notAfter = (e as Partial<Pick<PiiPattern, "headNotAfter">>).headNotAfter;
  const after = (e as Partial<Pick<PiiPattern, "headAfter">>).headAfter;
  const first = e.back === undefined ? (e as Partial<Pick<PiiPattern, "headFirst">>).headFirst : undefined;
  const maxPaths = (e as Partial<Pick<PiiPattern, "headPaths">>).headPaths;
  // (digitStartAfterWordRefused changes no head of its own, only the numeric family's, which is
  // cached by these keys.)
  const digitStart = (e as Partial<Pick<PiiPattern, "digitStartAfterWordRefused">>).digitStartAfterWordRefused ? "d" : "";
  const key = `${e.ci ? "i" : ""}${digitStart}\u0000${maxPaths ?? "4"}\u0000${e.boundary ?? "word"}\u0000${notAfterKey(notAfter)}\u0000${notAfterKey(first)}\u0000${(after ?? []).map(notAfterKey).join("|")}\u0000${e.headLength ?? "auto"}\u0000${broadDepth}\u0000${maxLiteralPaths}\u0000${e.back ?? ""}\u0000${e.rest ?? e.source}`;
  const known = headCache.get(key);
  if (known) return { ...known, key };
  let h = headOf(e.rest ?? e.source, e.ci ?? false, e.boundary ?? "word", { maxLength: e.headLength ?? 8, broadDepth, maxLiteralPaths, ...(maxPaths === undefined ? {} : { maxPaths }) });
  // A PII head of digits alone (`[0-9]{9}`, `[12][0-9]{9}`, the first digits of `[0-9]{8}-?[A-Z]`)
  // runs on while it stays one path of digit classes, up to DIGIT_HEAD_MAX: a number shorter
  // than the rule's digit run is then no candidate. In a table of numbers every number was a
  // candidate of some ten such rules, each reading it (a CSV of numbers: 26 → 32 MB/s); the
  // head set grows by a digit counter (the bundle by about 3 KB).
  if (e.kind === "pii" && e.back === undefined && e.headLength === undefined && h.paths.length === 1 && (h.paths[0] ?? []).every(digitsOnly)) {
    const longer = headOf(e.rest ?? e.source, e.ci ?? false, e.boundary ?? "word", { maxLength: DIGIT_HEAD_MAX, broadDepth: DIGIT_HEAD_MAX, maxPaths: 1, maxLiteralPaths: 1 });
    if (longer.paths.length === 1 && longer.length > h.length && (longer.paths[0] ?? []).every(digitsOnly)) h = longer;
  }
  if (notAfter !== undefined) h = { ...h, before: [notAfterClass(notAfter)] };
  if (after !== undefined) h = { ...h, before: after.map(bmpClass) };
  if (first !== undefined) h = narrowFirst(h, first);
  const need = neededUnit(e.rest ?? e.source, e.ci ?? false, h.length, e.back !== undefined);
  if (headCache.size >= PATTERN_CACHE_MAX) headCache.clear();
  headCache.set(key, { head: h, need });
  return { head: h, need, key };
}

/** Most states of one head-set table; a policy whose heads need more is split over several tables. */
export const HEAD_SET_MAX_STATES = 16384;
const setCache = new Map<string, CompiledHeadSet>();

/**
 * Groups entity heads into head-set tables: all in one when it fits the budget, else split in
 * halves until each part fits. Returns, per group, the table and the indices of its members.
 */
function headGroups(heads: readonly Head[], keys: readonly string[], maxStates: number): { table: CompiledHeadSet; members: number[] }[] {
  const out: { table: CompiledHeadSet; members: number[] }[] = [];
  const queue: number[][] = [heads.map((_, i) => i)];
  while (queue.length > 0) {
    const group = queue.shift() as number[];
    if (group.length === 0) continue;
    const key = `${maxStates}\u0002${group.map((i) => keys[i]).join("\u0001")}`;
    let table = setCache.get(key);
    if (!table) {
      try {
        table = compileGroup(group.map((i) => heads[i] as Head), maxStates);
      } catch (err) {
        if (!(err instanceof BudgetError) || group.length === 1) throw err;
        queue.push(group.slice(0, group.length >> 1), group.slice(group.length >> 1));
        continue;
      }
      if (setCache.size >= 64) setCache.clear();
      setCache.set(key, table);
    }
    out.push({ table, members: group });
  }
  return out;
}

/**
 * One head-set table. The rules' path ends (head-states.ts) only save each run its head's units,
 * and they cost the table's construction more work (the built-in rules: 21.6 million subset steps
 * against 16.0): heads that fit the budget only without them are built without them, not split
 * over two tables, each of which would cost a pass over every text.
 */
function compileGroup(heads: readonly Head[], maxStates: number): CompiledHeadSet {
  try {
    return compileHeadSet(heads, maxStates);
  } catch (err) {
    if (!(err instanceof BudgetError) || !heads.some((h) => h.pathEnds !== undefined)) throw err;
    return compileHeadSet(heads.map(withoutPathEnds), maxStates);
  }
}

function withoutPathEnds(h: Head): Head {
  const { pathEnds, ...rest } = h;
  return pathEnds === undefined ? h : rest;
}

/** Largest single-pattern search automaton that joins a prefilter union, and largest union. */
const PREFILTER_MEMBER_STATES = 128;
const PREFILTER_MAX_STATES = 1024;

type Scalar = string | number | boolean;

/** Splits `a.b.*` into segments; `*` (null) matches any one key. */
export function splitArgumentPath(path: string): (string | null)[] {
  return path.split(".").map((s) => (s === "*" ? null : s));
}

function limit(v: number | null | undefined): number {
  return v === null || v === undefined ? -1 : v;
}

function costLimit(usd: number | null | undefined): bigint {
  return usd === null || usd === undefined ? -1n : BigInt(Math.round(usd * 1e6));
}

export interface BundleOptions {
  /**
   * Verify the numeric PII types as one family (entity-families.ts). Default true; false gives
   * each its own head and run, with the same answers (tests and benchmarks compare the two).
   */
  readonly families?: boolean;
  /**
   * Most states of one head-set table (default HEAD_SET_MAX_STATES). Heads that need more are split
   * over several tables, scanned one after the other, with the same answers; tests lower it to
   * exercise that path with the built-in rules.
   */
  readonly headSetMaxStates?: number;
  /**
   * Give entity rules their needed unit (entities-set.ts neededUnit), tested by the engine before
   * a run. Default true; false leaves every rule without one, with the same answers (tests compare
   * the two).
   */
  readonly neededUnits?: boolean;
  /**
   * Let the head set name each rule's table state after its head (head-states.ts), so that runs
   * read on from there. Default true; false makes every run read its head again, with the same
   * answers (tests compare the two).
   */
  readonly headStates?: boolean;
  /**
   * Give the family table's states that the head set names their needed units (state-needs.ts),
   * tested by the engine before the family's run from such a state, and the assignment rules'
   * states two units after their heads theirs. Default true; false leaves them out, with the same
   * answers (tests compare the two).
   */
  readonly stateNeeds?: boolean;
  /**
   * Give each rule whose match starts at its head a unit class every match contains
   * (state-needs.ts aheadUnits): the engine refuses a candidate with none of them within the
   * rule's longest match, searching each stretch of text once per rule. Default true; false
   * leaves them out, with the same answers (tests compare the two).
   */
  readonly aheadUnits?: boolean;
  /**
   * Give the reverse tables of rules' back parts their back memos (back-memo.ts): the engine ends
   * a backward scan where an earlier failed scan of the rule stood in a state that accepts at
   * least as much. Default true; false leaves them out, with the same answers (tests compare the two).
   */
  readonly backMemos?: boolean;
  /**
   * Give rules with a gate (EntityDef.gate: the command before a password flag) heads that record
   * where it last ended; a head of the rule with none within its longest match before it is no
   * candidate. Default true; false leaves them out, with the same answers (tests compare the two).
   */
  readonly gates?: boolean;
}

/** Units of a gate's heads (`mysql`: `mysql`; `mariadb-dump`: `maria`). */
const GATE_HEAD_LENGTH = 5;

/** The head with, per path, the state table `t` is in after it (0 where not one state). */
function withPathEnds(head: Head, t: DfaSimTable): Head {
  if (head.words !== undefined) return head;
  const pathEnds = headPathStates(t, head.paths);
  // (writeHeadGroup checks that each state fits the rule's head-group entry.)
  if (pathEnds.every((x) => x === 0)) return head;
  return { ...head, pathEnds };
}

export function compileBundle(policy: Policy, options: BundleOptions = {}): CompiledBundle {
  const r = policy.rules;
  const mode = policy.on_violation;
  const dfas = new DfaTable();

  // Patterns first: their tables are referenced by index from later sections.
  const contentRules = r.content_rules.enabled ? r.content_rules.block_patterns : [];
  const content = contentRules.map((rule) => {
    const builtin = BUILTIN_CONTENT_RULES.find((b) => b.name === rule.name);
    const source = rule.pattern ?? builtin?.source;
    if (source === undefined) throw new PolicyValidationError("content rule without pattern", [{ path: ["rules", "content_rules"], message: `rule ${rule.name} has no pattern and is not a built-in` }]);
    return {
      source,
      ci: true,
      search: dfas.add(source, "search", true),
      reverse: dfas.add(source, "reverse", true),
      anchored: dfas.add(source, "anchored", true),
      action: ACTION_CODE[rule.action ?? mode],
      applies: APPLIES_CODE[rule.applies_to ?? "both"],
      kind: 0,
      check: 0,
      arg: 0,
      maxLen: 0,
      headLen: 0,
      need: undefined as NeededUnit | undefined,
      ahead: undefined as StateNeed["ascii"] | undefined,
      context: false,
      meta: { name: rule.name, description: rule.description ?? builtin?.description ?? "", kind: "content" as "content" | "pii" | "secret" },
    };
  });
  const prefilters = addPrefilters(dfas, content);
  // PII categories and secret rules are entity rules: matches are always redacted (never blocked),
  // after exact checks in the engine; the host applies the policy's strategy to each span.
  const entities: EntityDef[] = policyEntities(r); // built-in categories, custom types, secret rules
  const entityHeads = entities.map(entityHead);
  // Each entity's key for the head-set and family caches: everything its head was built from (the
  // source, length, depth and conditions), not just its name: a custom type's name does not
  // identify its pattern, and a cache must never pair a table with heads of another length.
  const entityKeys = entities.map((e, i) => `${e.kind}:${e.name}\u0000${entityHeads[i]?.key}`);
  // The numeric PII types share one head and one automaton (entity-families.ts).
  const family = options.families === false ? undefined : numericFamily(entities, entityKeys);
  const familyKey = family ? `family\u0000${family.members.map((i) => entityKeys[i]).join("\u0001")}` : "";
  const inFamily = new Set(family?.members);
  // Heads of the head set and what each stands for: an entity rule (its content index) or the family.
  const heads: Head[] = [];
  const headKeys: string[] = [];
  const headRefs: number[] = [];
  /** Content index of a rule with a gate → the index of its gate's head in `heads`. */
  const gateHeads = new Map<number, number>();
  const firstEntity = content.length;
  for (const [j, h] of (family?.heads ?? []).entries()) {
    heads.push(h);
    headKeys.push(`${familyKey}\u0000${j}`);
    headRefs.push(FAMILY_REF);
  }
  for (const [i, e] of entities.entries()) {
    const ci = e.ci ?? false;
    const head = (entityHeads[i] as { head: Head }).head;
    // A rule with a back part runs forward from its head (entities.ts tryRule): its anchored
    // table is the part from the head on.
    const anchored = dfas.add(e.back !== undefined ? (e.rest as string) : e.source, "anchored", ci);
    if (!inFamily.has(i)) {
      // A rule whose match starts at its head: the head set names the table's state after it.
      const starts = e.back === undefined && e.rest === undefined && options.headStates !== false;
      heads.push(starts ? withPathEnds(head, dfas.parsed(anchored)) : head);
      headKeys.push(`${entityKeys[i] as string}${starts ? "\u0000s" : ""}`);
      headRefs.push(firstEntity + i);
      if (e.gate !== undefined && e.back !== undefined && options.gates !== false) {
        // Short heads of the gate (the command's first units) suffice: a necessary condition.
        gateHeads.set(firstEntity + i, heads.length);
        heads.push(headOf(e.gate, ci, "word", { maxLength: GATE_HEAD_LENGTH, broadDepth: 2, maxLiteralPaths: 16 }));
        headKeys.push(`${entityKeys[i] as string}\u0000gate`);
        headRefs.push(firstEntity + i + GATE_MARK * (1 << RULE_STATE_SHIFT));
      }
    }
    content.push({
      source: e.source,
      ci,
      search: NONE,
      reverse: e.back !== undefined ? dfas.add(e.back, "reverse", ci, BUNDLE_BUDGET.maxDfaStates, e.nearestStart === true) : NONE,
      anchored,
      action: ACTION_CODE.redact,
      applies: r.redact_output ? APPLIES_CODE.both : APPLIES_CODE.input,
      kind: e.kind === "pii" ? 1 : 2,
      check: e.check,
      arg: e.arg ?? 0,
      maxLen: e.maxLen,
      headLen: inFamily.has(i) && family ? familyHeadLength(family) : head.length,
      need: options.neededUnits === false ? undefined : (entityHeads[i] as { need: NeededUnit | undefined }).need,
      context: e.nearestStart === true,
      // only where the match starts at the head and the rule runs on its own (not a family
      // member); not for assignments, whose operator is right after the head (state needs instead)
      ahead: options.aheadUnits === false || e.back !== undefined || inFamily.has(i) || ASSIGNMENTS.has(e.check) ? undefined : aheadUnits(dfas.parsed(anchored)),
      meta: { name: e.name, description: e.kind === "pii" ? `PII: ${e.name}` : `secret: ${e.description}`, kind: e.kind },
    });
  }
  const families = family
    ? [{ ...family, dfa: dfas.addCompiled(familyKey, "<numeric family>", family.table), rules: family.members.map((i) => firstEntity + i) }]
    : [];
  const split = headGroups(heads, headKeys, options.headSetMaxStates ?? HEAD_SET_MAX_STATES);
  // A gate works only when its heads are scanned with the rule's own, in one pass in text order:
  // where the split put them apart, the rule has none (its gate's heads record for nothing).
  for (const [rule, gateHead] of gateHeads) {
    const ruleHead = headRefs.indexOf(rule);
    if (split.some((g) => g.members.includes(ruleHead) && g.members.includes(gateHead))) headRefs[ruleHead] = rule + GATE_RULE * (1 << RULE_STATE_SHIFT);
  }
  const groups = split.map((g, gi) => ({
    dfa: dfas.addCompiled(`heads\u0000${gi}\u0000${g.members.map((i) => headKeys[i]).join(",")}`, "<entity heads>", g.table),
    table: g.table,
    rules: g.members.map((i) => headRefs[i] as number),
  }));

  const argRules: { tool: string; path: string; c: NonNullable<Policy["rules"]["argument_rules"]>[string][string]; pattern: number; deniedSearch: number; deniedReverse: number }[] = [];
  for (const [tool, byPath] of Object.entries(r.argument_rules ?? {})) {
    for (const [path, c] of Object.entries(byPath)) {
      argRules.push({
        tool,
        path,
        c,
        pattern: c.pattern !== undefined ? dfas.add(c.pattern, "anchored", false) : NONE,
        deniedSearch: c.denied_pattern !== undefined ? dfas.add(c.denied_pattern, "search", false) : NONE,
        deniedReverse: c.denied_pattern !== undefined ? dfas.add(c.denied_pattern, "reverse", false) : NONE,
      });
    }
  }

  const rate: { key: string; kind: number; max_calls: number; window_seconds: number }[] = [];
  if (r.rate_limits.enabled) {
    for (const [key, l] of Object.entries(r.rate_limits.per_tool)) rate.push({ key, kind: /[*?]/.test(key) ? KIND_GLOB : KIND_EXACT, ...l });
    if (r.rate_limits.global_limit) rate.push({ key: "*", kind: KIND_GLOBAL, ...r.rate_limits.global_limit });
  }

  const w = new ByteWriter();
  w.u32(BUNDLE_MAGIC).u32(BUNDLE_FORMAT).u32(ACTION_CODE[mode]);
  w.i32(limit(r.max_input_size_bytes)).i32(limit(r.max_output_size_bytes)).i32(limit(r.max_call_depth));
  w.i64(costLimit(r.resource_limits.max_cost_usd)).i64(costLimit(r.resource_limits.max_cost_per_call_usd));
  w.u32(r.allowed_tools === null ? 1 : 0);
  const allowed = r.allowed_tools ?? [];
  w.u32(allowed.length);
  for (const t of allowed) toolName(w, t);
  w.u32(r.denied_tools.length);
  for (const t of r.denied_tools) toolName(w, t);
  w.u32(r.network.enabled ? 1 : 0).u32(r.network.deny_all_other ? 1 : 0);
  const allowedDomains = domainList(w, r.network.allowed_domains);
  const deniedDomains = domainList(w, r.network.denied_domains);

  w.u32(dfas.tables.length);
  for (const t of dfas.tables) w.u32(t.length).bytes(t);
  w.u32(content.length);
  for (const [i, c] of content.entries()) {
    w.u32(c.search).u32(c.reverse).u32(c.action).u32(c.applies).u32(c.anchored).u32(c.kind).u32(c.check).u32(prefilters[i] ?? NONE);
    w.u32(c.arg).u32(c.maxLen).u32(c.headLen);
    w.u32(c.need?.at ?? NONE);
    for (const word of c.need?.ascii ?? [0, 0, 0, 0]) w.u32(word);
    w.u32(c.need?.wide ? 1 : 0);
    w.u32(c.ahead !== undefined ? 1 : 0);
    for (const word of c.ahead ?? [0, 0, 0, 0]) w.u32(word);
    w.u32(c.context ? 1 : 0);
  }
  w.u32(r.pii_redaction.normalize ? 1 : 0);
  w.u32(families.length);
  for (const f of families) {
    w.u32(f.dfa).u32(f.maxLen).u32(familyHeadLength(f)).u32(f.rules.length);
    for (const [k, rule] of f.rules.entries()) w.u32(rule).u32(f.before[k] as number);
    w.u32(f.masks.length);
    for (const m of f.masks) w.u32(m);
  }
  w.u32(groups.length);
  const entries = groups.flatMap((g) => writeHeadGroup(w, g.dfa, g.rules, g.table));
  const needs = options.stateNeeds === false ? [] : tableStateNeeds(entries, families, content, dfas);
  w.u32(needs.length);
  for (const x of needs) {
    w.u32(x.dfa).u32(x.state).u32(x.needs.length);
    for (const need of x.needs) {
      w.u32(need.at);
      for (const word of need.ascii) w.u32(word);
      w.u32(need.wide ? 1 : 0);
    }
  }
  const backs = options.backMemos === false ? [] : [...new Set(content.filter((c) => c.kind !== 0 && c.reverse !== NONE).map((c) => c.reverse))].sort((a, b) => a - b);
  const memos = backs.flatMap((dfa) => {
    const memo = backMemoOf(dfas, dfa);
    return memo === undefined ? [] : [{ dfa, memo }];
  });
  w.u32(memos.length);
  for (const { dfa, memo } of memos) {
    w.u32(dfa).u32(memo.firstBit.length);
    for (const bit of memo.firstBit) w.u32(bit);
    w.u32(memo.masks.length);
    for (const m of memo.masks) w.u32(m);
  }
  w.u32(argRules.length);
  for (const a of argRules) writeArgumentRule(w, a.tool, a.path, a.c, a.pattern, a.deniedSearch, a.deniedReverse, mode === "log" ? 1 : 0);
  w.u32(rate.length);
  for (const l of rate) w.u8(l.kind).str(l.kind === KIND_GLOBAL ? "" : l.key).u32(l.max_calls).i64(BigInt(Math.max(1, Math.round(l.window_seconds * 1000))));

  const meta: BundleMeta = {
    format: BUNDLE_FORMAT,
    policy,
    index: {
      contentRules: content.map((c) => c.meta),
      argumentRules: argRules.map((a) => ({ tool: a.tool, path: a.path })),
      rateLimits: rate.map(({ key, max_calls, window_seconds }) => ({ key, max_calls, window_seconds })),
      allowedDomains,
      deniedDomains,
    },
  };
  // Metadata goes last, followed by its length, so a host can read it without parsing the rest.
  const metaBytes = new TextEncoder().encode(canonicalize(meta) ?? "null");
  w.bytes(metaBytes).u32(metaBytes.length);
  if (w.length > BUNDLE_BUDGET.maxBytes) throw new BudgetError(`compiled policy is ${w.length} bytes, over the ${BUNDLE_BUDGET.maxBytes}-byte budget`);
  const bytes = w.copy();
  return { bytes, digest: digestOf(bytes), meta };
}

/**
 * One head group: its table, its rules, and per table state the list of heads ending there. A
 * head that ends in a state with a value (CompiledHeadSet ends: the table state after the head)
 * is listed there as one more rule entry per value: FAMILY_REF + family | state << 6 for the
 * family, rule | state << 12 for a rule.
 */
function writeHeadGroup(w: ByteWriter, dfa: number, heads: readonly number[], table: CompiledHeadSet): number[] {
  const rules = [...heads];
  const entryOf = new Map<number, number>(); // entry → its position in rules
  const listed = table.members.map((m, s) => {
    const ends = table.ends[s];
    if (ends === undefined) return m;
    return m.map((p) => {
      const end = ends.get(p);
      if (end === undefined) return p;
      const head = heads[p] as number;
      const shift = head >= FAMILY_REF ? FAMILY_STATE_SHIFT : RULE_STATE_SHIFT;
      if (end >= 1 << (32 - 1 - shift) || (head < FAMILY_REF && head >= 1 << RULE_STATE_SHIFT)) throw new Error(`internal error: state ${end} of head ${head} does not fit a head entry`);
      const entry = head + end * (1 << shift);
      let at = entryOf.get(entry);
      if (at === undefined) {
        at = rules.length;
        rules.push(entry);
        entryOf.set(entry, at);
      }
      return at;
    });
  });
  w.u32(dfa).u32(rules.length);
  for (const r of rules) w.u32(r);
  const lists: number[] = [0];
  const offsetOf = new Map<string, number>([["", 0]]);
  const offsets = listed.map((m) => {
    const key = m.join(",");
    let off = offsetOf.get(key);
    if (off === undefined) {
      off = lists.length;
      lists.push(m.length, ...m);
      offsetOf.set(key, off);
    }
    return off;
  });
  if (offsets.length !== table.states) throw new Error(`internal error: ${offsets.length} member lists for ${table.states} states`);
  w.u32(offsets.length);
  for (const o of offsets) w.u32(o);
  w.u32(lists.length);
  for (const x of lists) w.u32(x);
  return rules;
}

/**
 * The needed units (state-needs.ts) of the table states the engine tests before a run, in
 * (table, state) order, each once; states without any are left out. For the family: the states
 * its head-group entries name. For an assignment rule (`key = value`) whose entry names the state
 * after its head: the states RULE_NEED_STEPS units on, one unit each (ruleStateNeeds), which the
 * engine reaches with that many steps of the rule's table (entities.ts tryRule). The rules' own
 * states after the head are not used: a head may end inside a key that can go on (`api_ke`), and
 * round 9 measured their narrow units costing `api_key=` chains 11% for no shape's gain. Other
 * rules get none: their candidates mostly pass such a test (a JWT head inside a base64 run: 8%
 * slower with one), where an assignment's value that runs into the next key fails it.
 */
function tableStateNeeds(entries: readonly number[], families: readonly { dfa: number }[], content: readonly { anchored: number; check: number }[], dfas: DfaTable): { dfa: number; state: number; needs: StateNeed[] }[] {
  const out = new Map<string, { dfa: number; state: number; needs: StateNeed[] }>();
  const add = (dfa: number, state: number, needs: (t: DfaSimTable, s: number) => StateNeed[]) => {
    if (!out.has(`${dfa},${state}`)) out.set(`${dfa},${state}`, { dfa, state, needs: needs(dfas.parsed(dfa), state) });
  };
  for (const e of entries) {
    if (e >= FAMILY_REF) {
      const state = Math.floor((e - FAMILY_REF) / (1 << FAMILY_STATE_SHIFT));
      const family = families[(e - FAMILY_REF) % (1 << FAMILY_STATE_SHIFT)];
      if (state !== 0 && family !== undefined) add(family.dfa, state, stateNeeds);
      continue;
    }
    const head = Math.floor(e / (1 << RULE_STATE_SHIFT));
    const rule = content[e % (1 << RULE_STATE_SHIFT)];
    if (head === 0 || head >= GATE_RULE || rule === undefined || !ASSIGNMENTS.has(rule.check)) continue;
    const dfa = rule.anchored;
    const t = dfas.parsed(dfa);
    let layer = new Set([head]);
    for (let k = 0; k < RULE_NEED_STEPS; k++) {
      const next = new Set<number>();
      for (const st of layer) for (let c = 0; c < t.classes; c++) if (t.trans[st * t.classes + c] !== 0) next.add(t.trans[st * t.classes + c] as number);
      layer = next;
    }
    for (const st of layer) add(dfa, st, ruleStateNeeds);
  }
  return [...out.values()].sort((a, b) => a.dfa - b.dfa || a.state - b.state).filter((x) => x.needs.length > 0);
}

/** The checks of `key = value` rules (secrets.ts assign, bearer_token, cli_secret_flag). */
const ASSIGNMENTS = new Set<number>([CHECK.assign, CHECK.assign_trimmed, CHECK.assign_mixed]);

const F_MIN = 1, F_MAX = 2, F_MAXLEN = 4, F_REQUIRED = 8, F_PATTERN = 16, F_DENIED_PATTERN = 32, F_ALLOWED = 64, F_DENIED = 128;

interface ArgumentConstraint {
  allowed_values?: Scalar[] | undefined;
  denied_values?: Scalar[] | undefined;
  pattern?: string | undefined;
  denied_pattern?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
  max_length?: number | undefined;
  required?: boolean | undefined;
}

/**
 * name tool, path (u32 nseg, per segment u32 len + bytes, len 0xFFFFFFFF = `*`), u32 flags,
 * f64 min, f64 max, u32 max_length, u32 pattern_dfa, u32 denied_search_dfa, u32 denied_reverse_dfa,
 * u32 action, list<value> allowed_values, list<value> denied_values.
 */
function writeArgumentRule(w: ByteWriter, tool: string, path: string, c: ArgumentConstraint, pattern: number, deniedSearch: number, deniedReverse: number, action: number): void {
  toolName(w, tool);
  w.path(splitArgumentPath(path));
  let flags = 0;
  if (c.min !== undefined) flags |= F_MIN;
  if (c.max !== undefined) flags |= F_MAX;
  if (c.max_length !== undefined) flags |= F_MAXLEN;
  if (c.required) flags |= F_REQUIRED;
  if (c.pattern !== undefined) flags |= F_PATTERN;
  if (c.denied_pattern !== undefined) flags |= F_DENIED_PATTERN;
  if (c.allowed_values !== undefined) flags |= F_ALLOWED;
  if (c.denied_values !== undefined) flags |= F_DENIED;
  w.u32(flags).f64(c.min ?? 0).f64(c.max ?? 0).u32(c.max_length ?? 0);
  w.u32(pattern).u32(deniedSearch).u32(deniedReverse).u32(action);
  w.u32(c.allowed_values?.length ?? 0);
  for (const v of c.allowed_values ?? []) w.value(v);
  w.u32(c.denied_values?.length ?? 0);
  for (const v of c.denied_values ?? []) w.value(v);
}

