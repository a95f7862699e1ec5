/**
 * Entity families: PII types that are verified together by one automaton (engine side:
 * engine/assembly/entities.ts, "Families").
 *
 * Some twenty PII types are numbers (SSN, card, phone, tax and national IDs, routing numbers…).
 * With a head each, every number of a table of numbers was a candidate of most of them, and each
 * read the number again: a CSV of numbers ran at a sixth of the speed of prose. A family replaces
 * their heads with its own (the first units of their product, up to the shortest match of any
 * member, one head per kind of first unit: familyHeads) and their anchored automata with their
 * product: one run from the start reads the number once and tells, state by state, which members
 * accept (a mask). Each member then gets exactly the answer its own run would have given:
 *
 * - its longest match from the start is the last position where its bit was set (members are
 *   acyclic and never longer than their `maxLen`, so that limit never cuts a run);
 * - its own head was a necessary condition of its matches, and its boundary is checked on the unit
 *   before the start (`before`), so the family's heads only add starts where the member cannot
 *   match (or where its check refuses every match: `digitStartAfterWordRefused`);
 * - floors, checks and spans are the member's own, as before.
 *
 * The product is built the way head sets are (entities-set.ts): each member's pattern is followed
 * by a marker character U+10000+k, so after minimisation "member k accepts in state s" is "the
 * marker transition of s reaches a final state". For the 24 built-in numeric types it has 435
 * states.
 */
import { CharSet, DFA, type DFA as DfaNS } from "refa";
import { classesByTarget, distances, entityDfa, WORD_END_BASE, type Head } from "./entities-set.js";
import type { EntityDef } from "./entities.js";
import type { PiiPattern } from "./pii.js";
import { packTable, type CompiledDfa } from "./regex.js";

const MAX = 0x10ffff;
const BMP = 0xffff;
const MARKER_BASE = 0x10000;
/** Most members of a family: their accept masks are u32. */
export const FAMILY_MAX_MEMBERS = 32;
/** Longest run of a family's table (the engine refuses longer). */
export const FAMILY_MAX_LEN = 64;
/** Most states of a family's table; a larger product leaves the members with their own heads. */
const FAMILY_MAX_STATES = 4096;
/** Longest family head, in units (see familyHead). */
const FAMILY_HEAD_MAX_LENGTH = 7;
/** What a member's first unit may be: digits, and the `+` or `(` a phone number starts with. */
const FIRST_UNITS = CharSet.empty(MAX).union([{ min: 0x28, max: 0x28 }, { min: 0x2b, max: 0x2b }, { min: 0x30, max: 0x39 }]);
/** Member boundary codes in the bundle: no ASCII word unit before the start, no digit before it. */
export const BEFORE = { word: 1, digit: 2 } as const;
const DIGITS = CharSet.empty(MAX).union([{ min: 0x30, max: 0x39 }]);

export interface EntityFamily {
  /** Indices of the members in the policy's entity list, in mask-bit order. */
  readonly members: readonly number[];
  /** Per member: its boundary (BEFORE code), checked on the unit before the start. */
  readonly before: readonly number[];
  /** The anchored product automaton (table format: regex.ts). */
  readonly table: CompiledDfa;
  /** Per table state: the members accepting there (bit k = members[k]). */
  readonly masks: readonly number[];
  /** Longest match of any member: the longest run of the table. */
  readonly maxLen: number;
  /**
   * The family's heads in the head set: the product's first units after the members' boundaries,
   * as one head for the words that start with a digit and one for those that start with `+` or
   * `(` (when some member starts so), each after the loosest boundary of the members that can
   * start that way (see familyHeads). All of one length.
   */
  readonly heads: readonly Head[];
}

interface Candidate {
  readonly dfa: DFA;
  /**
   * Its first units (live transitions of the initial state), narrowed to the type's `headFirst`:
   * a condition its check puts on every match it accepts (credit_card: 2-6), so the member's run
   * stops at once on other starts, as its own head did.
   */
  readonly first: CharSet;
  /** Its longest match, in units. */
  readonly longest: number;
}

/** A member's boundaries, for the family's heads: before any start, and before a digit start. */
interface MemberBoundary {
  readonly before: number;
  readonly beforeDigit: number;
}

const memberCache = new Map<string, Candidate | null>();
const familyCache = new Map<string, Omit<EntityFamily, "members"> | null>();
const CACHE_MAX = 4096;

/** Longest path from the initial node to a final one over live nodes, or undefined on a cycle. */
function longestMatch(dfa: DFA, live: ReadonlyMap<DfaNS.Node, number>): number | undefined {
  const done = new Map<DfaNS.Node, number>();
  const open = new Set<DfaNS.Node>([dfa.initial]);
  const stack: { node: DfaNS.Node; targets: DfaNS.Node[] }[] = [{ node: dfa.initial, targets: targetsOf(dfa.initial, live) }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    const next = top.targets.pop();
    if (next !== undefined) {
      if (open.has(next)) return undefined;
      if (!done.has(next)) {
        open.add(next);
        stack.push({ node: next, targets: targetsOf(next, live) });
      }
      continue;
    }
    let best = dfa.finals.has(top.node) ? 0 : -1;
    for (const t of targetsOf(top.node, live)) best = Math.max(best, 1 + (done.get(t) as number));
    done.set(top.node, best);
    open.delete(top.node);
    stack.pop();
  }
  return done.get(dfa.initial);
}

function targetsOf(node: DfaNS.Node, live: ReadonlyMap<DfaNS.Node, number>): DfaNS.Node[] {
  const out = new Set<DfaNS.Node>();
  for (const [range, to] of node.out) if (range.min <= BMP && live.has(to)) out.add(to);
  return [...out];
}

/** The member's automaton, when the entity can join a family: else null. */
function candidateOf(e: EntityDef): Candidate | null {
  const extra = e as Partial<Pick<PiiPattern, "headNotAfter" | "headAfter" | "headFirst">>;
  if (e.kind !== "pii" || e.back !== undefined || extra.headNotAfter !== undefined || extra.headAfter !== undefined) return null;
  if ((e.boundary ?? "word") === "none") return null;
  const narrow = extra.headFirst === undefined ? undefined : CharSet.empty(MAX).union(extra.headFirst);
  const key = `${e.ci ? "i" : ""}\u0000${e.maxLen}\u0000${(extra.headFirst ?? []).map((r) => `${r.min}-${r.max}`).join(",")}\u0000${e.source}`;
  const known = memberCache.get(key);
  if (known !== undefined) return known;
  const dfa = entityDfa(e.source, e.ci ?? false);
  const live = distances(dfa);
  let first = CharSet.empty(MAX);
  for (const [range, to] of dfa.initial.out) if (range.min <= BMP && live.has(to)) first = first.union([{ min: range.min, max: Math.min(range.max, BMP) }]);
  if (narrow !== undefined) first = first.intersect(narrow);
  const longest = longestMatch(dfa, live);
  const fits = !first.isEmpty && first.without(FIRST_UNITS).isEmpty && longest !== undefined && longest <= e.maxLen && longest <= FAMILY_MAX_LEN;
  const out = fits ? { dfa, first, longest } : null;
  if (memberCache.size >= CACHE_MAX) memberCache.clear();
  memberCache.set(key, out);
  return out;
}

/**
 * The family of the policy's numeric PII types (at most FAMILY_MAX_MEMBERS, in entity order), or
 * undefined when fewer than two qualify or their product is over budget. `keys` identify each
 * entity's definition (the same keys as the head-set cache).
 */
export function numericFamily(entities: readonly EntityDef[], keys: readonly string[]): EntityFamily | undefined {
  const members: number[] = [];
  const parts: Candidate[] = [];
  for (const [i, e] of entities.entries()) {
    if (members.length === FAMILY_MAX_MEMBERS) break;
    const c = candidateOf(e);
    if (c === null) continue;
    members.push(i);
    parts.push(c);
  }
  if (members.length < 2) return undefined;
  // Cached by the members' definitions, not their positions (another policy may list them elsewhere).
  const key = members.map((i) => keys[i]).join("\u0001");
  let built = familyCache.get(key);
  if (built === undefined) {
    built = buildFamily(
      parts,
      members.map((i) => {
        const e = entities[i] as EntityDef & Partial<Pick<PiiPattern, "digitStartAfterWordRefused">>;
        const before = e.boundary === "digit" ? BEFORE.digit : BEFORE.word;
        return { before, beforeDigit: e.digitStartAfterWordRefused ? BEFORE.word : before };
      }),
    );
    if (familyCache.size >= 64) familyCache.clear();
    familyCache.set(key, built);
  }
  return built === null ? undefined : { ...built, members };
}

function buildFamily(parts: readonly Candidate[], bounds: readonly MemberBoundary[]): Omit<EntityFamily, "members"> | null {
  const before = bounds.map((b) => b.before);
  const lives = parts.map((p) => distances(p.dfa));
  const ids = parts.map((p) => new Map([...p.dfa.nodes()].map((n, i) => [n, i] as const)));
  type Tuple = readonly (DfaNS.Node | undefined)[];
  const keyOf = (t: Tuple): string => t.map((q, k) => (q === undefined ? -1 : (ids[k] as Map<DfaNS.Node, number>).get(q))).join(",");

  // Breadth-first over the tuples of member states reachable from the start (a member that died is
  // undefined). Every tuple with accepting members links to one final node on their markers.
  const builder = new DFA.Builder(new DFA.LimitedNodeFactory(FAMILY_MAX_STATES * 4));
  const final = builder.createNode();
  builder.makeFinal(final);
  const start: Tuple = parts.map((p) => p.dfa.initial);
  const nodeOf = new Map<string, DfaNS.Node>([[keyOf(start), builder.initial]]);
  const queue: { tuple: Tuple; node: DfaNS.Node }[] = [{ tuple: start, node: builder.initial }];
  for (let q = 0; q < queue.length; q++) {
    if (queue.length > FAMILY_MAX_STATES) return null;
    const { tuple, node } = queue[q] as (typeof queue)[number];
    const markers = tuple.flatMap((s, k) => (s !== undefined && (parts[k] as Candidate).dfa.finals.has(s) ? [{ min: MARKER_BASE + k, max: MARKER_BASE + k }] : []));
    if (markers.length > 0) builder.linkNodes(node, final, CharSet.empty(MAX).union(markers));
    // Elementary intervals of the BMP on which every member's transition is constant.
    const cuts = new Set<number>();
    for (const s of tuple) {
      if (s === undefined) continue;
      for (const [range] of s.out) {
        if (range.min > BMP) continue;
        cuts.add(range.min);
        cuts.add(Math.min(range.max, BMP) + 1);
      }
    }
    const bounds = [...cuts].sort((a, b) => a - b);
    const byTarget = new Map<string, { tuple: Tuple; ranges: { min: number; max: number }[] }>();
    for (let b = 0; b + 1 < bounds.length; b++) {
      const lo = bounds[b] as number;
      const next = tuple.map((s, k) => {
        const part = parts[k] as Candidate;
        // the first unit of an acyclic automaton is the only one read from its initial state
        if (s === part.dfa.initial && !part.first.has(lo)) return undefined;
        const to = s?.out.get(lo);
        return to !== undefined && (lives[k] as Map<DfaNS.Node, number>).has(to) ? to : undefined;
      });
      if (next.every((s) => s === undefined)) continue;
      const k = keyOf(next);
      const entry = byTarget.get(k) ?? { tuple: next, ranges: [] };
      entry.ranges.push({ min: lo, max: (bounds[b + 1] as number) - 1 });
      byTarget.set(k, entry);
    }
    for (const [k, { tuple: next, ranges }] of byTarget) {
      let to = nodeOf.get(k);
      if (to === undefined) {
        to = builder.createNode();
        nodeOf.set(k, to);
        queue.push({ tuple: next, node: to });
      }
      builder.linkNodes(node, to, CharSet.empty(MAX).union(ranges));
    }
  }
  const dfa = DFA.fromBuilder(builder, { maxCharacter: MAX });
  dfa.minimize();
  const maskOf = (n: DfaNS.Node): number => {
    let mask = 0;
    for (let k = 0; k < parts.length; k++) {
      const to = n.out.get(MARKER_BASE + k);
      if (to !== undefined && dfa.finals.has(to)) mask |= 1 << k;
    }
    return mask >>> 0;
  };
  const { stateNodes, ...table } = packTable("<numeric family>", dfa, "anchored", FAMILY_MAX_STATES, false, false, (n) => maskOf(n) !== 0);
  const stateOf = new Map(stateNodes.map((n, i) => [n, i + 1] as const));
  return {
    before,
    table,
    masks: [0, ...stateNodes.map(maskOf)],
    maxLen: Math.max(...parts.map((p) => p.longest)),
    heads: familyHeads(dfa, maskOf, (n) => stateOf.get(n) as number, parts, bounds),
  };
}

/**
 * The family's heads: one per kind of first unit (a digit; `+` or `(`), each after the loosest
 * boundary of the members that can start with such a unit. `phone` admits any unit but a digit
 * before its start, but its check refuses a digit start after a letter
 * (`digitStartAfterWordRefused`): so a digit after a letter starts no candidate, and the base64
 * runs of tokens, where most digits follow a letter, no longer walk the family head's states.
 */
function familyHeads(dfa: DFA, maskOf: (n: DfaNS.Node) => number, stateOf: (n: DfaNS.Node) => number, parts: readonly Candidate[], bounds: readonly MemberBoundary[]): Head[] {
  const length = headLength(dfa, maskOf);
  const loosest = (xs: readonly number[]): "word" | "digit" => (xs.includes(BEFORE.digit) ? "digit" : "word");
  const digitStarts = parts.flatMap((p, k) => (p.first.intersect(DIGITS).isEmpty ? [] : [(bounds[k] as MemberBoundary).beforeDigit]));
  const otherStarts = parts.flatMap((p, k) => (p.first.without(DIGITS).isEmpty ? [] : [(bounds[k] as MemberBoundary).before]));
  const heads: Head[] = [];
  let from = 0;
  for (const [first, starts] of [[DIGITS, digitStarts], [FIRST_UNITS.without(DIGITS), otherStarts]] as const) {
    if (starts.length === 0) continue;
    const head = familyHead(dfa, stateOf, length, first, loosest(starts), from);
    if ((head.wordEnds?.length ?? 0) === 0) continue;
    from += head.wordEnds?.length ?? 0;
    heads.push(head);
  }
  return heads;
}

/** Units before any member can accept: the table's depth where some state first accepts, at most FAMILY_HEAD_MAX_LENGTH. */
function headLength(dfa: DFA, maskOf: (n: DfaNS.Node) => number): number {
  let layer = new Set<DfaNS.Node>([dfa.initial]);
  let length = 0;
  while (length < FAMILY_HEAD_MAX_LENGTH && ![...layer].some((n) => maskOf(n) !== 0)) {
    const next = new Set<DfaNS.Node>();
    for (const state of layer) for (const [to] of classesByTarget(state)) next.add(to);
    layer = next;
    length++;
  }
  return length;
}

/**
 * A family head: the words of `length` units that start with a unit of `first`, read off the
 * product table. `length` is the shortest match of any member, at most FAMILY_HEAD_MAX_LENGTH
 * (no member accepts sooner, so every match of every member begins with such a word). It is the
 * product table cut at that depth, kept as an automaton (the words, listed one by one, are
 * hundreds: as alternatives they made the head set's construction several times the work). A
 * longer head costs the head set a few hundred states and spares the engine a run at every number
 * too short or too odd for any member: in a table of numbers (`12,4.50,873`) nine candidates in
 * ten die within seven units.
 *
 * Each word ends on the marker of the table state it leads to (markers `from`, `from` + 1, …; see
 * Head.wordEnds): the head set then tells the engine where the product stands after the head, and
 * the run reads on from there instead of reading the head's units again (a number seven units in
 * and three more to its death cost ten steps, now three).
 */
function familyHead(dfa: DFA, stateOf: (n: DfaNS.Node) => number, length: number, first: CharSet, boundary: "word" | "digit", from: number): Head {
  // The layers of the table, one builder node per (state, depth): the words end in the last
  // layer's nodes, each linked to the final node by the marker of its state.
  const builder = new DFA.Builder(new DFA.LimitedNodeFactory(FAMILY_MAX_STATES * FAMILY_HEAD_MAX_LENGTH + 2));
  let layer = new Map<DfaNS.Node, DfaNS.Node>([[dfa.initial, builder.initial]]);
  for (let depth = 0; depth < length; depth++) {
    const next = new Map<DfaNS.Node, DfaNS.Node>();
    for (const [state, node] of layer) {
      for (const [to, set] of classesByTarget(state)) {
        const units = depth === 0 ? set.intersect(first) : set;
        if (units.isEmpty) continue;
        let target = next.get(to);
        if (target === undefined) {
          target = builder.createNode();
          next.set(to, target);
        }
        builder.linkNodes(node, target, units);
      }
    }
    layer = next;
  }
  const final = builder.createNode();
  builder.makeFinal(final);
  const ends: number[] = [];
  for (const [state, node] of layer) {
    const marker = WORD_END_BASE + from + ends.length;
    builder.linkNodes(node, final, CharSet.empty(MAX).union([{ min: marker, max: marker }]));
    ends.push(stateOf(state));
  }
  const words = DFA.fromBuilder(builder, { maxCharacter: MAX });
  words.minimize();
  return { paths: [], words, wordEnds: ends, wordEndFrom: from, length, boundary };
}
