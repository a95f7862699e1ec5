/**
 * Multi-pattern scanning tables for entity rules (PII categories and secret rules; engine side in
 * engine/assembly/entities.ts).
 *
 * Unioning whole entity patterns into one automaton explodes (loose tails of many patterns can be
 * active at once, so the subset construction enumerates their combinations). Instead each rule
 * contributes its *head*: the first K characters of its pattern, as a few sequences of character
 * classes read off the pattern's own DFA (`ghp_`, `[sS][kK]_`, `[0-9][0-9][0-9]`, …), optionally
 * preceded by one boundary character class. All heads of a policy go into one search table whose
 * states carry the set of heads that end there (a multi-pattern DFA in the RegexSet/Hyperscan
 * sense); the engine reads the text once with it, and from each head occurrence runs that rule's
 * anchored table for the longest match, then the rule's exact check.
 *
 * Head sets are built as one NFA over characters 0..U+10FFFF: the alternatives of head i end with a
 * marker character U+10000+i that text (UTF-16 code units) never contains, so after subset
 * construction and minimisation "head i ends at this state" is exactly "the marker transition of
 * state s reaches a final state". Marker transitions are dropped when the table is packed.
 */
import type { DFA as DfaNS } from "refa";
import { CharSet, DFA, NFA, TooManyNodesError, type NoParent, type Concatenation, type Element } from "refa";
import { BudgetError, PatternError } from "../../core/errors.js";
import { guarded, packTable, parseSource, toNfa, validate, type CompiledDfa } from "./regex.js";

const BMP = 0xffff;
const MAX = 0x10ffff;
const MARKER_BASE = 0x10000;

/** What must hold right before a match starts, folded into the head as one character class. */
export type StartBoundary = "none" | "word" | "digit";

export interface Head {
  /** Class sequences, all of length `length` (boundary class excluded). */
  readonly paths: readonly (readonly CharSet[])[];
  readonly length: number;
  readonly boundary: StartBoundary;
  /** When set, replaces the boundary: the classes of the units right before the head (the last is next to it). */
  readonly before?: readonly CharSet[];
  /**
   * When set, the head's class sequences as an automaton (acyclic, every word `length` units
   * long), used instead of `paths`: a head with hundreds of sequences that share prefixes and
   * suffixes (the numeric family's, entity-families.ts) is far smaller this way, and so is the
   * head set's construction.
   */
  readonly words?: DFA;
  /**
   * With `words`: its words end on marker transitions (WORD_END_BASE + wordEndFrom + j) to its
   * final state rather than in final states, and wordEnds[j] is what the engine is told when a
   * word ending on marker j is found (the family's table state after the head). The head set keeps
   * the markers apart, so each of its states names at most one end; heads with ends in one set
   * must use disjoint markers.
   */
  readonly wordEnds?: readonly number[];
  /** With `wordEnds`: the first of its markers, relative to WORD_END_BASE (default 0). */
  readonly wordEndFrom?: number;
  /**
   * With `paths`: per path, what the engine is told when that path is found (the rule's table
   * state after the head; 0: nothing). The head set gives each distinct value its own marker, so
   * its states keep them apart, as they do word ends.
   */
  readonly pathEnds?: readonly number[];
}

/** First marker of a words head's ends (Head.wordEnds): above every head marker of a head set. */
export const WORD_END_BASE = 0x100000;

export interface HeadOptions {
  /** Longest head read off the pattern (default 8). */
  readonly maxLength?: number;
  /** Most class sequences in one head (default 4). */
  readonly maxPaths?: number;
  /**
   * Most class sequences when every class of every sequence is narrow (literal keywords such as
   * `auth|access|refresh|bearer…`). Default `maxPaths`. Literal alternatives add a handful of
   * states each to the head set, and a longer literal head fires far less often in prose than a
   * one-letter head (`[aA]`), each firing being a verification run of the rule.
   */
  readonly maxLiteralPaths?: number;
  /**
   * From this length on, the head stops before the first position where some class has more
   * than two characters (a literal letter in both cases counts as narrow). Default 4. Broad
   * classes deep in many heads make the head set explode; literal prefixes do not.
   */
  readonly broadDepth?: number;
}

const narrow = (set: CharSet): boolean => {
  let n = 0;
  for (const r of set.ranges) n += r.max - r.min + 1;
  return n <= 2;
};

const bmpSet = (ranges: readonly { min: number; max: number }[]): CharSet => CharSet.empty(MAX).union(ranges.filter((r) => r.min <= BMP).map((r) => ({ min: r.min, max: Math.min(r.max, BMP) })));
const WORD = [{ min: 0x30, max: 0x39 }, { min: 0x41, max: 0x5a }, { min: 0x5f, max: 0x5f }, { min: 0x61, max: 0x7a }];
const DIGIT = [{ min: 0x30, max: 0x39 }];
/** The BMP code units in `ranges`. */
export function bmpClass(ranges: readonly { min: number; max: number }[]): CharSet {
  return bmpSet(ranges);
}

/** BMP code units outside `ranges`: what may precede a head that can never follow them. */
export function notAfterClass(ranges: readonly { min: number; max: number }[]): CharSet {
  return bmpSet([{ min: 0, max: BMP }]).without(bmpSet(ranges));
}

/** Non-word (resp. non-digit) BMP code units: what may precede a start that needs a boundary. */
export function boundaryClass(b: Exclude<StartBoundary, "none">): CharSet {
  return bmpSet([{ min: 0, max: BMP }]).without(bmpSet(b === "word" ? WORD : DIGIT));
}

const dfaCache = new Map<string, DFA>();
const DFA_CACHE_MAX = 4096;

/**
 * The anchored, minimised automaton of an entity pattern (no anchors allowed: the engine decides
 * positions). Cached: a rule's head, its needed unit and its family membership all read it, and
 * callers only read it.
 */
export function entityDfa(source: string, ci: boolean): DFA {
  const key = `${ci ? "i" : ""}\u0000${source}`;
  const known = dfaCache.get(key);
  if (known !== undefined) return known;
  const dfa = buildEntityDfa(source, ci);
  if (dfaCache.size >= DFA_CACHE_MAX) dfaCache.clear();
  dfaCache.set(key, dfa);
  return dfa;
}

function buildEntityDfa(source: string, ci: boolean): DFA {
  const info = validate(source, parseSource(source));
  if (info.starts.length > 0 || info.ends.length > 0) throw new PatternError(source, "entity patterns cannot use `^` or `$`");
  const nfa = toNfa(source, source, ci, "anchored");
  const dfa = DFA.fromFA(guarded(nfa, { steps: 0 }, 1_000_000), new DFA.LimitedNodeFactory(20_000));
  dfa.minimize();
  return dfa;
}

/** Live nodes (those from which a final node is reachable) and shortest distance to a final. */
export function distances(dfa: DFA): Map<DfaNS.Node, number> {
  const nodes = [...dfa.nodes()];
  const preds = new Map<DfaNS.Node, DfaNS.Node[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) for (const [, to] of n.out) preds.get(to)?.push(n);
  const dist = new Map<DfaNS.Node, number>();
  let frontier = [...dfa.finals];
  for (const f of frontier) dist.set(f, 0);
  for (let d = 1; frontier.length > 0; d++) {
    const next: DfaNS.Node[] = [];
    for (const n of frontier) {
      for (const p of preds.get(n) ?? []) {
        if (!dist.has(p)) {
          dist.set(p, d);
          next.push(p);
        }
      }
    }
    frontier = next;
  }
  return dist;
}

/**
 * The head of a pattern: every match begins with one of `paths` (each `length` classes long), and
 * `length` is at most the shortest match. Paths are extended one class at a time while there are
 * at most `maxPaths` of them.
 */
export function headOf(source: string, ci: boolean, boundary: StartBoundary, opts: HeadOptions = {}): Head {
  const maxLength = opts.maxLength ?? 8;
  const maxPaths = opts.maxPaths ?? 4;
  const broadDepth = opts.broadDepth ?? 4;
  const maxLiteralPaths = Math.max(maxPaths, opts.maxLiteralPaths ?? maxPaths);
  const dfa = entityDfa(source, ci);
  const dist = distances(dfa);
  const minLen = dist.get(dfa.initial);
  if (minLen === undefined || minLen === 0) throw new PatternError(source, "an entity pattern must match something and never the empty string");
  type Path = { sets: CharSet[]; node: DfaNS.Node };
  let paths: Path[] = [{ sets: [], node: dfa.initial }];
  for (let depth = 0; depth < Math.min(maxLength, minLen); depth++) {
    const next: Path[] = [];
    for (const p of paths) for (const [to, set] of classesByTarget(p.node, dist)) next.push({ sets: [...p.sets, set], node: to });
    if (next.length > maxPaths && (next.length > maxLiteralPaths || !next.every((p) => p.sets.every(narrow)))) break;
    if (depth >= broadDepth && next.some((p) => !narrow(p.sets[depth] as CharSet))) break;
    paths = next;
  }
  if ((paths[0]?.sets.length ?? 0) > 0) return { paths: paths.map((p) => p.sets), length: paths[0]?.sets.length ?? 0, boundary };
  // Too many ways to start: one path whose classes are the unions, position by position, of
  // every way (a weaker but still necessary condition), over at most 3 characters.
  const sets = unitsByDistance(dfa, dist, Math.min(3, maxLength, minLen));
  return { paths: [sets], length: sets.length, boundary };
}

/** A node's BMP transitions grouped by target, one class per target (only live targets when `live` is given). */
export function classesByTarget(node: DfaNS.Node, live?: ReadonlyMap<DfaNS.Node, number>): Map<DfaNS.Node, CharSet> {
  const byTarget = new Map<DfaNS.Node, { min: number; max: number }[]>();
  for (const [range, to] of node.out) {
    if ((live !== undefined && !live.has(to)) || range.min > BMP) continue;
    const list = byTarget.get(to) ?? [];
    list.push(range);
    byTarget.set(to, list);
  }
  return new Map([...byTarget].map(([to, ranges]) => [to, bmpSet(ranges)]));
}

/**
 * For each distance d < `count` from the start of a match: the BMP units some match has there
 * (the live transitions out of the states live paths reach in d units). `live`: from distances().
 */
function unitsByDistance(dfa: DFA, live: ReadonlyMap<DfaNS.Node, number>, count: number): CharSet[] {
  const sets: CharSet[] = [];
  let level = new Set<DfaNS.Node>([dfa.initial]);
  for (let d = 0; d < count; d++) {
    let set = CharSet.empty(MAX);
    const next = new Set<DfaNS.Node>();
    for (const node of level) {
      for (const [range, to] of node.out) {
        if (!live.has(to) || range.min > BMP) continue;
        set = set.union([{ min: range.min, max: Math.min(range.max, BMP) }]);
        next.add(to);
      }
    }
    sets.push(set);
    level = next;
  }
  return sets;
}

/**
 * A unit every match has at a fixed distance from its head: the engine tests it before running
 * the rule (entities.ts tryRule), so a candidate whose text is too short or wrong there costs one
 * load instead of a run. `ascii` holds one bit per ASCII unit (bit c of word c >> 5) that may be
 * there; `wide` says whether units from U+0080 up may (the class is kept to that precision: a
 * coarser necessary condition is still a necessary condition).
 */
export interface NeededUnit {
  readonly at: number;
  readonly ascii: readonly [number, number, number, number];
  readonly wide: boolean;
}

/** How far from the head a needed unit is looked for (a match's shortest length bounds it too). */
const NEED_MAX_AT = 64;

/**
 * The needed unit of an entity rule whose head is `headLength` units of `rest` (its whole pattern
 * when it has no back part), or undefined. At each distance d from the head, the units that some
 * match can have there are the live transitions out of the states a live path reaches in d units;
 * the narrowest such class beyond the head is kept (the farthest of equally narrow ones: `vin`'s
 * seventeenth unit refuses every shorter number). A rule with a back part runs `rest` from its
 * head (entities.ts tryRule), so its units are where this says whatever the back part reads.
 * A class that admits units from U+0080 up refuses little, and each candidate that passes pays
 * for the test: kept only when `broad` and no narrower class is found, the nearest such class,
 * for rules whose candidates cost a gate, a run and a backward scan (the `-p` of a password flag
 * needs any unit but a space two units on: `-p dbname` prompts).
 */
export function neededUnit(rest: string, ci: boolean, headLength: number, broad = false): NeededUnit | undefined {
  const dfa = entityDfa(rest, ci);
  const live = distances(dfa);
  const minLen = live.get(dfa.initial);
  if (minLen === undefined || minLen === 0) return undefined;
  const units = unitsByDistance(dfa, live, Math.min(minLen, NEED_MAX_AT));
  // Size: the ASCII units allowed, plus 128 when any wider unit is (such a class refuses little).
  let best: { at: number; set: CharSet; wide: boolean; size: number } | undefined;
  let nearestBroad: typeof best;
  for (const [d, set] of units.entries()) {
    if (d < headLength) continue;
    const wide = set.ranges.some((r) => r.max >= 0x80);
    let size = wide ? 128 : 0;
    for (const r of set.ranges) size += Math.max(0, Math.min(r.max, 0x7f) - r.min + 1);
    if (size < 128 && (best === undefined || size <= best.size)) best = { at: d, set, wide, size };
    // A broad class refuses what a run would die on at once: the nearest one (after `-p`, a space).
    if (broad && size >= 128 && size < 256 && nearestBroad === undefined) nearestBroad = { at: d, set, wide, size };
  }
  best ??= nearestBroad;
  if (best === undefined) return undefined;
  const ascii: [number, number, number, number] = [0, 0, 0, 0];
  for (let c = 0; c < 128; c++) if (best.set.has(c)) ascii[c >> 5] = ((ascii[c >> 5] as number) | (1 << (c & 31))) >>> 0;
  return { at: best.at, ascii, wide: best.wide };
}

export interface CompiledHeadSet extends CompiledDfa {
  /** Per table state (index = state id): the heads (indices into the input) that end there. */
  readonly members: readonly (readonly number[])[];
  /**
   * Per table state: for each head ending there with a value (Head.wordEnds, Head.pathEnds), that
   * value (at most one per head and state), or undefined when no such head ends there.
   */
  readonly ends: readonly (ReadonlyMap<number, number> | undefined)[];
}

/** First marker of the path ends (Head.pathEnds) of a head set: above every word end's marker. */
const PATH_END_BASE = WORD_END_BASE + 0x8000;

const cls = (characters: CharSet): NoParent<Element> => ({ type: "CharacterClass", characters });

/**
 * Subset-construction steps a head set may take per state of its budget (regex.ts `guarded`):
 * what bounds its build time, whatever the heads. Every built-in rule's head in one set takes
 * 28.4 million steps (the family's heads and the rules' paths end on markers of the state they
 * lead to: entity-families.ts, head-states.ts), under the 41.0 million this gives the default
 * budget of 16,384 states (20.2 million without the rules' path ends; 27.1 and 19.3 after round
 * 20, 24.5 and 17.6 after round 19, whose rules' heads round 20's grew by 2.6 million). 2,000
 * until round 21, whose first rules took the set to 27.6 million against the test's line of 27.9 (the
 * build of every rule still takes 9-11 s; a hostile policy's head set stops at 41.0 million
 * steps, where 32.8 stopped it before). 1,100 until round 14's
 * command-line password rules (19.9 million then), 1,300 until round 17's rules (20.9 million),
 * 1,500 until round 19's: round 18 had taken the set to 24.4 million against 24.6, and round 19's
 * flag rules past it, so the set was built without its path ends (a different answer nowhere, but
 * `api_key=` with random values 1.5 times slower, one-letter flags 2 times). 2,000 left a margin
 * of 25% after round 19 and 17% after round 20; head-states.test.ts fails when the built-in rules
 * leave less than 15%. The first compile of every built-in rule takes 9-11 s on this machine.
 */
const HEAD_SET_WORK_PER_STATE = 2500;

/**
 * One search table for all heads. Throws BudgetError when it would have more than `maxStates`
 * states (the caller then splits the heads over several tables).
 */
export function compileHeadSet(heads: readonly Head[], maxStates: number): CompiledHeadSet {
  if (heads.length === 0 || heads.length > MAX - MARKER_BASE) throw new BudgetError(`a head set needs 1..${MAX - MARKER_BASE} heads`);
  const alternatives: NoParent<Concatenation>[] = [];
  const automata: NFA[] = [];
  // Heads with word ends: their end markers, which must not overlap (one marker, one meaning).
  const ends = heads.flatMap((h, i) => (h.wordEnds ?? []).map((value, j) => ({ head: i, marker: WORD_END_BASE + (h.wordEndFrom ?? 0) + j, value })));
  if (ends.some((x) => x.marker >= PATH_END_BASE) || new Set(ends.map((x) => x.marker)).size !== ends.length || heads.length >= WORD_END_BASE - MARKER_BASE) throw new Error("internal error: heads with word ends must use disjoint markers, and a head set fewer heads than its markers");
  // Heads with path ends: one marker per distinct value of each head, numbered here.
  const pathMarker = heads.map((h, i) => {
    const byValue = new Map<number, number>();
    for (const value of h.pathEnds ?? []) {
      if (value === 0 || byValue.has(value)) continue;
      const marker = PATH_END_BASE + ends.length;
      if (marker > MAX) throw new BudgetError("a head set has more path ends than markers");
      ends.push({ head: i, marker, value });
      byValue.set(value, marker);
    }
    return byValue;
  });
  heads.forEach((h, i) => {
    const marker = CharSet.empty(MAX).union([{ min: MARKER_BASE + i, max: MARKER_BASE + i }]);
    const before: NoParent<Element>[] = [];
    if (h.before !== undefined) for (const b of h.before) before.push(cls(b));
    else if (h.boundary !== "none") before.push(cls(boundaryClass(h.boundary)));
    if (h.words !== undefined) {
      const nfa = NFA.fromRegex([{ type: "Concatenation", elements: before }], { maxCharacter: MAX });
      nfa.append(h.words);
      if (h.wordEnds === undefined) nfa.append(NFA.fromCharSet(marker));
      automata.push(nfa);
      return;
    }
    if (h.pathEnds !== undefined && h.pathEnds.length !== h.paths.length) throw new Error("internal error: a head's path ends do not match its paths");
    h.paths.forEach((path, j) => {
      const end = pathMarker[i]?.get(h.pathEnds?.[j] ?? 0);
      const last = end === undefined ? marker : CharSet.empty(MAX).union([{ min: end, max: end }]);
      alternatives.push({ type: "Concatenation", elements: [...before, ...path.map(cls), cls(last)] });
    });
  });
  const nfa = NFA.fromRegex(alternatives, { maxCharacter: MAX });
  for (const a of automata) nfa.unionInto(a);
  // Unanchored: any BMP text before a head (markers never occur in text).
  const prefix: NoParent<Concatenation> = {
    type: "Concatenation",
    elements: [{ type: "Quantifier", lazy: false, min: 0, max: Infinity, alternatives: [{ type: "Concatenation", elements: [cls(bmpSet([{ min: 0, max: BMP }]))] }] }],
  };
  nfa.prepend(NFA.fromRegex([prefix], { maxCharacter: MAX }));
  const raw = Math.min(200_000, Math.max(20_000, maxStates * 8));
  let dfa: DFA;
  try {
    dfa = DFA.fromFA(guarded(nfa, { steps: 0 }, Math.max(2_000_000, maxStates * HEAD_SET_WORK_PER_STATE)), new DFA.LimitedNodeFactory(raw));
  } catch (e) {
    if (e instanceof TooManyNodesError || (e instanceof Error && e.constructor.name === "SubsetWorkExceeded")) {
      throw new BudgetError(`entity head set of ${heads.length} rules exceeds the automaton budget while building`);
    }
    throw e;
  }
  dfa.minimize();
  // Per node, the heads that end there and the values of those with ends, read once off its
  // marker transitions (packing and listing both ask): a walk of each node's transitions, not a
  // lookup per head and marker (with the rules' path ends, 500-odd markers per node).
  const endOf = new Map(ends.map((e) => [e.marker, e]));
  const ending = new Map<DfaNS.Node, { members: number[]; ends: Map<number, number> | undefined }>();
  const endingAt = (n: DfaNS.Node) => {
    const known = ending.get(n);
    if (known !== undefined) return known;
    const members: number[] = [];
    let here: Map<number, number> | undefined;
    for (const [range, to] of n.out) {
      if (range.max < MARKER_BASE || !dfa.finals.has(to)) continue;
      for (let c = Math.max(range.min, MARKER_BASE); c <= range.max; c++) {
        if (c < WORD_END_BASE) {
          members.push(c - MARKER_BASE);
          continue;
        }
        const end = endOf.get(c);
        if (end === undefined) continue;
        // A head's words or paths are the text's last `length` units, each set of them disjoint
        // from the others of its head (the family's heads start with different units, a rule's
        // paths lead to different states): one head ending twice in one state is a bug.
        here ??= new Map();
        if (here.has(end.head) || members.includes(end.head)) throw new Error("internal error: a head-set state ends one head twice");
        here.set(end.head, end.value);
        members.push(end.head);
      }
    }
    const found = { members: members.sort((a, b) => a - b), ends: here };
    ending.set(n, found);
    return found;
  };
  const packed = packTable("<entity heads>", dfa, "search", maxStates, false, false, (n) => endingAt(n).members.length > 0);
  const { stateNodes, ...table } = packed;
  return {
    ...table,
    members: [[], ...stateNodes.map((n) => endingAt(n).members)],
    ends: [undefined, ...stateNodes.map((n) => endingAt(n).ends)],
  };
}
