/**
 * Policy regexes → DFA tables for the linear-time wasm scanner (engine/assembly/dfa.ts).
 *
 * Patterns are JS RegExp *source* (no flags; Annex B syntax, exactly what `new RegExp(source)` accepts)
 * and match over UTF-16 code units. They are validated with regexpp, turned into automata with refa
 * (parse → NFA → subset construction with a node limit → minimisation), and packed into the table
 * format below.
 *
 * Table format (little-endian):
 *
 *   u32 n_states        // includes the dead state 0; the start state is 1; only reachable states
 *   u32 n_classes       // 1..256 equivalence classes of UTF-16 code units
 *   u32 flags           // bit0 startAnchored, bit1 endAnchored
 *   u8[128] ascii_class // class of code units 0..127
 *   u32 n_ranges        // then n_ranges × { u16 lo, u16 hi (inclusive), u8 cls, u8 0 }, sorted by lo,
 *                       // non-overlapping, all within 0x80..0xFFFF; uncovered code units have class 0
 *   u16[n_states * n_classes] next state, row-major (state * n_classes + class)
 *   u8[n_states] accepting (1/0)
 *
 * The dead state 0 loops to itself on every class and never accepts. States are numbered in BFS
 * order from the start state, visiting classes in order; classes are numbered by their lowest code
 * unit (class 0 is reserved for the class that needs the most ranges, so it is left implicit). The
 * same pattern and options therefore always give byte-identical tables.
 *
 * Kinds:
 * - `anchored`: accepts exactly the strings the whole pattern matches.
 * - `search`:   the DFA of `[^]*(?:pattern)`; an accepting state after position i means a match
 *               ends at i. When every path of the pattern begins with `^`, no prefix is added and
 *               `startAnchored` is set (the scan may only start at position 0).
 * - `reverse`:  the reversed pattern, anchored: fed the text backwards from a match end E, an
 *               accepting state at position s means [s, E) matches. Keep the last one (leftmost).
 *
 * Anchors: `^` may appear only where nothing can precede it (first element of the pattern, or of a
 * group that is itself at the start, e.g. `(?:^|[^A-Za-z_])eval`). `$` may appear only where
 * nothing can follow it, and then it must end *every* path (sets `endAnchored`: the engine accepts
 * only at the end of the text); for "either here or at the end" write `(?:A[^]*|B)$`.
 * When only some paths begin with `^`, the search table treats the scan's starting position as the
 * start of the text (exact when scanning from 0), and the reverse table treats the `^` paths as
 * unanchored (it may report a start that is too far left in contrived patterns such as
 * `(?:^|-)a[^]*`).
 */
import { RegExpParser } from "@eslint-community/regexpp";
import type { AST } from "@eslint-community/regexpp";
import { DFA, JS, NFA, TooManyNodesError, type TransitionIterable } from "refa";
import { BudgetError, PatternError } from "../../core/errors.js";

export type DfaKind = "search" | "anchored" | "reverse";

export interface CompiledDfa {
  bytes: Uint8Array;
  states: number;
  classes: number;
  startAnchored: boolean;
  endAnchored: boolean;
}

export interface CompileOptions {
  caseInsensitive?: boolean;
  kind: DfaKind;
  /** Budget for the minimised table, dead state included. Default 4096, at most 65535 (u16 state ids). */
  maxStates?: number;
  /**
   * The table stops at its first accepting state (no transitions out of one): a `reverse` table
   * then finds the nearest start instead of the leftmost (a rule's back part that is context only,
   * whose start no answer depends on, entities.ts backStart). Default false.
   */
  firstAccept?: boolean;
}

export const DEFAULT_MAX_STATES = 4096;
/** State ids are u16 in the table. */
export const MAX_TABLE_STATES = 65535;
export const MAX_CLASSES = 256;
export const FLAG_START_ANCHORED = 1;
export const FLAG_END_ANCHORED = 2;

/** Longest accepted source, in UTF-16 code units. */
const MAX_SOURCE_LENGTH = 20_000;
/** Deepest accepted group/quantifier nesting. */
const MAX_NESTING = 200;
/** refa RE-AST node limit while parsing (large counted repetitions blow up here first). */
const MAX_AST_NODES = 50_000;
/** NFA node limit. */
const MAX_NFA_NODES = 100_000;
/** Raw (unminimised) DFA node limit: `max(RAW_MIN, maxStates × RAW_FACTOR)`, capped. */
const RAW_MIN = 10_000;
const RAW_FACTOR = 8;
const RAW_CAP = 200_000;
/**
 * Subset-construction work limit, total NFA states over all subsets built (see `guarded`):
 * `max(WORK_MIN, maxStates × WORK_FACTOR)`, about 3 M steps (≈ 1 s) at the default budget.
 */
const WORK_MIN = 1_000_000;
const WORK_FACTOR = 750;

const MAX_CHAR = 0xffff;
const regexpp = new RegExpParser({ strict: false, ecmaVersion: 2024 });

// ---------------------------------------------------------------------------------------------
// Validation

export interface AnchorInfo {
  /** `^` assertions, all in start position. */
  starts: AST.Assertion[];
  /** `$` assertions, all in end position. */
  ends: AST.Assertion[];
  /** Every path through the pattern begins with `^`. */
  allStart: boolean;
  /** Every path through the pattern ends with `$`. */
  allEnd: boolean;
}

function describe(node: AST.Node): string {
  const raw = node.raw.length > 40 ? `${node.raw.slice(0, 40)}…` : node.raw;
  return `${JSON.stringify(raw)} at index ${node.start}`;
}

export function parseSource(source: string): AST.Pattern {
  if (typeof source !== "string") throw new PatternError(String(source), "pattern must be a string");
  if (source.length > MAX_SOURCE_LENGTH) {
    throw new PatternError(source, `pattern is ${source.length} characters long; the limit is ${MAX_SOURCE_LENGTH}`);
  }
  let pattern: AST.Pattern;
  try {
    pattern = regexpp.parsePattern(source, 0, source.length, { unicode: false, unicodeSets: false });
  } catch (e) {
    if (e instanceof RangeError) throw new PatternError(source, `groups are nested too deeply to parse (${e.message})`);
    const err = e as { message?: string; index?: number };
    const at = typeof err.index === "number" ? ` (at index ${err.index})` : "";
    throw new PatternError(source, `${err.message ?? String(e)}${at}`);
  }
  // The engine's semantics are V8's. Anything V8 itself rejects is rejected too.
  try {
    new RegExp(source);
  } catch (e) {
    throw new PatternError(source, (e as Error).message);
  }
  return pattern;
}

export function validate(source: string, pattern: AST.Pattern): AnchorInfo {
  const starts: AST.Assertion[] = [];
  const ends: AST.Assertion[] = [];
  const fail = (node: AST.Node, what: string): never => {
    throw new PatternError(source, `${what}: ${describe(node)}`);
  };

  const visitAlternatives = (alts: AST.Alternative[], atStart: boolean, atEnd: boolean, depth: number): void => {
    if (depth > MAX_NESTING) fail(alts[0] ?? pattern, `groups are nested more than ${MAX_NESTING} deep`);
    for (const alt of alts) {
      const n = alt.elements.length;
      alt.elements.forEach((el, i) => {
        visitElement(el, atStart && i === 0, atEnd && i === n - 1, depth);
      });
    }
  };

  const visitCharacter = (ch: AST.Character): void => {
    if (ch.raw === "\\p" || ch.raw === "\\P") {
      fail(ch, "Unicode property escapes (\\p{…}, \\P{…}) need the u flag, which the engine does not support");
    }
    if (ch.raw === "\\u") {
      fail(ch, "\\u{…} code point escapes need the u flag, which the engine does not support (write \\uXXXX)");
    }
  };

  const visitElement = (el: AST.Element, atStart: boolean, atEnd: boolean, depth: number): void => {
    switch (el.type) {
      case "Character":
        visitCharacter(el);
        return;
      case "CharacterSet":
        if (el.kind === "property") fail(el, "Unicode property escapes are not supported");
        return;
      case "CharacterClass":
        for (const e of el.elements) {
          if (e.type === "Character") visitCharacter(e);
          else if (e.type === "CharacterClassRange") {
            visitCharacter(e.min);
            visitCharacter(e.max);
          } else if (e.type === "CharacterSet") {
            if (e.kind === "property") fail(e, "Unicode property escapes are not supported");
          } else {
            fail(e, "set operations and string literals in classes (v flag) are not supported");
          }
        }
        return;
      case "ExpressionCharacterClass":
        fail(el, "class set expressions (v flag) are not supported");
        return;
      case "Group":
      case "CapturingGroup":
        visitAlternatives(el.alternatives, atStart, atEnd, depth + 1);
        return;
      case "Quantifier":
        visitElement(el.element, false, false, depth + 1);
        return;
      case "Backreference":
        fail(el, "backreferences are not supported by the linear-time engine");
        return;
      case "Assertion":
        switch (el.kind) {
          case "start":
            if (!atStart) fail(el, "`^` is only supported at the very start of the pattern (anchor in the middle)");
            starts.push(el);
            return;
          case "end":
            if (!atEnd) fail(el, "`$` is only supported at the very end of the pattern (anchor in the middle)");
            ends.push(el);
            return;
          case "word":
            fail(el, "word-boundary assertions are not supported by the linear-time engine yet");
            return;
          case "lookahead":
            fail(el, "lookahead assertions are not supported by the linear-time engine");
            return;
          case "lookbehind":
            fail(el, "lookbehind assertions are not supported by the linear-time engine");
            return;
        }
        return;
      default: {
        // Modifiers and anything newer than the parser's ECMAScript version.
        const other = el as AST.Node;
        fail(other, `unsupported construct (${other.type})`);
      }
    }
  };

  visitAlternatives(pattern.alternatives, true, true, 0);

  // Whether every path through `alts` begins (ends) with the anchor kind. Anchors were checked to
  // be in start (end) position above, so only first (last) elements and unquantified groups matter.
  const every = (alts: AST.Alternative[], kind: "start" | "end"): boolean =>
    alts.every((alt) => {
      const el = kind === "start" ? alt.elements[0] : alt.elements[alt.elements.length - 1];
      if (el === undefined) return false;
      if (el.type === "Assertion") return el.kind === kind;
      if (el.type === "Group" || el.type === "CapturingGroup") return every(el.alternatives, kind);
      return false;
    });

  const allStart = starts.length > 0 && every(pattern.alternatives, "start");
  const allEnd = ends.length > 0 && every(pattern.alternatives, "end");
  if (ends.length > 0 && !allEnd) {
    const first = ends[0] as AST.Assertion;
    fail(
      first,
      "`$` must end every alternative of the pattern (one table has one end-anchoring flag); " +
        "to match either here or at the end of the text write `(?:A[^]*|B)$`",
    );
  }
  return { starts, ends, allStart, allEnd };
}

/**
 * Throws PatternError when `source` is malformed or uses syntax the linear-time engine does not
 * support (backreferences, lookaround, `\b`/`\B`, anchors in the middle, u/v-flag-only syntax).
 * Says nothing about the state budget: only compilePattern can tell.
 */
export function checkPattern(source: string): void {
  validate(source, parseSource(source));
}

// ---------------------------------------------------------------------------------------------
// Automata

/** Replaces the given anchors in `source` (by their AST offsets) with `replacement`. */
function replaceAnchors(source: string, anchors: readonly AST.Assertion[], replacement: (a: AST.Assertion) => string): string {
  let out = source;
  for (const a of [...anchors].sort((x, y) => y.start - x.start)) {
    out = out.slice(0, a.start) + replacement(a) + out.slice(a.end);
  }
  return out;
}

function budgetError(source: string, kind: DfaKind, what: string): BudgetError {
  return new BudgetError(`pattern ${JSON.stringify(source)} (${kind} DFA): ${what}`);
}

export function toNfa(source: string, rewritten: string, caseInsensitive: boolean, kind: DfaKind): NFA {
  const pattern = regexpp.parsePattern(rewritten, 0, rewritten.length, { unicode: false, unicodeSets: false });
  const flags = regexpp.parseFlags(caseInsensitive ? "i" : "");
  try {
    const { expression, maxCharacter } = JS.Parser.fromAst({ pattern, flags }).parse({
      backreferences: "throw",
      assertions: "throw",
      maxNodes: MAX_AST_NODES,
    });
    if (maxCharacter !== MAX_CHAR) throw new Error(`unexpected maxCharacter ${maxCharacter}`);
    return NFA.fromRegex(
      expression,
      { maxCharacter },
      { assertions: "throw", unknowns: "throw" },
      new NFA.LimitedNodeFactory(MAX_NFA_NODES),
    );
  } catch (e) {
    if (e instanceof TooManyNodesError) {
      throw budgetError(source, kind, `the automaton exceeds ${MAX_NFA_NODES} NFA nodes / ${MAX_AST_NODES} expression nodes while parsing (large counted repetitions?)`);
    }
    throw e;
  }
}

class SubsetWorkExceeded extends Error {}

/**
 * The NFA as refa's DFA construction sees it, counting the work: with `stableOut`, refa asks for
 * the out-transitions of every NFA state of every subset it builds, so the count is the total size
 * of all subsets. Bounding it bounds time and memory deterministically (the raw-state limit alone
 * does not: `[^]*[a-z]{0,30000}` has few raw states but each is a huge subset).
 */
export function guarded(nfa: NFA, work: { steps: number }, limit: number): TransitionIterable<NFA.ReadonlyNode> {
  return {
    maxCharacter: nfa.maxCharacter,
    transitionIterator: () => {
      const it = nfa.transitionIterator();
      return {
        initial: it.initial,
        isFinal: it.isFinal,
        stableOut: true,
        getOut: (state) => {
          if (++work.steps > limit) throw new SubsetWorkExceeded();
          return it.getOut(state);
        },
      };
    },
  };
}

function buildDfa(source: string, info: AnchorInfo, opts: Required<CompileOptions>, rawLimit: number, workLimit: number): { dfa: DFA; startAnchored: boolean; endAnchored: boolean } {
  const anchors = [...info.starts, ...info.ends];
  // Every anchor satisfied (they are at the edges, so `(?:)` is exact for full matches).
  const ignored = replaceAnchors(source, anchors, () => "(?:)");
  const ci = opts.caseInsensitive;
  let nfa: NFA;
  let startAnchored = info.allStart;
  const endAnchored = info.allEnd;
  switch (opts.kind) {
    case "anchored":
      nfa = toNfa(source, ignored, ci, opts.kind);
      break;
    case "reverse":
      nfa = toNfa(source, ignored, ci, opts.kind);
      nfa.reverse();
      break;
    case "search": {
      nfa = toNfa(source, ignored, ci, opts.kind);
      if (info.starts.length === 0) {
        nfa.prepend(NFA.all({ maxCharacter: MAX_CHAR }));
      } else if (!info.allStart) {
        // Some paths begin with `^`: L(^-paths and free paths, from 0) ∪ [^]*·L(free paths).
        const free = toNfa(source, replaceAnchors(source, anchors, (a) => (a.kind === "start" ? "[]" : "(?:)")), ci, opts.kind);
        free.prepend(NFA.all({ maxCharacter: MAX_CHAR }));
        nfa.unionInto(free);
        startAnchored = false;
      }
      break;
    }
  }
  let dfa: DFA;
  const work = { steps: 0 };
  try {
    dfa = DFA.fromFA(guarded(nfa, work, workLimit), new DFA.LimitedNodeFactory(rawLimit));
  } catch (e) {
    if (e instanceof TooManyNodesError) {
      throw budgetError(source, opts.kind, `subset construction exceeded ${rawLimit} raw states (budget ${opts.maxStates} minimised states)`);
    }
    if (e instanceof SubsetWorkExceeded) {
      throw budgetError(source, opts.kind, `subset construction exceeded ${workLimit} steps (very large NFA state sets, typically a long counted repetition)`);
    }
    throw e;
  }
  dfa.minimize();
  if (opts.firstAccept) {
    for (const f of dfa.finals) f.out.clear();
    dfa.minimize();
  }
  return { dfa, startAnchored, endAnchored };
}

// ---------------------------------------------------------------------------------------------
// Tables

type Node = DFA.Node;

/**
 * Packs a minimised DFA. Transitions on characters above U+FFFF are ignored (the scanner reads
 * UTF-16 code units; multi-pattern tables put their pattern markers there, see entities-set.ts).
 * `acceptOf` overrides which nodes accept; `stateNodes[i]` is the node of table state i + 1.
 */
export function packTable(
  source: string,
  dfa: DFA,
  kind: DfaKind,
  maxStates: number,
  startAnchored: boolean,
  endAnchored: boolean,
  acceptOf?: (node: DFA.Node) => boolean,
): CompiledDfa & { stateNodes: DFA.Node[] } {
  // 1. Reachable nodes, and the live ones (those that can reach a final node). Everything else is
  //    the dead state 0.
  const nodes: Node[] = [...dfa.nodes()];
  const index = new Map<Node, number>();
  nodes.forEach((n, i) => {
    index.set(n, i);
  });
  const preds: number[][] = nodes.map(() => []);
  nodes.forEach((n, i) => {
    for (const [, to] of n.out) {
      const j = index.get(to);
      if (j !== undefined) preds[j]?.push(i);
    }
  });
  const live = new Array<boolean>(nodes.length).fill(false);
  const work: number[] = [];
  for (const f of dfa.finals) {
    const i = index.get(f);
    if (i !== undefined && !live[i]) {
      live[i] = true;
      work.push(i);
    }
  }
  while (work.length > 0) {
    const i = work.pop() as number;
    for (const p of preds[i] ?? []) {
      if (!live[p]) {
        live[p] = true;
        work.push(p);
      }
    }
  }
  const target = (n: Node, ch: number): number => {
    const to = n.out.get(ch);
    if (to === undefined) return -1;
    const j = index.get(to) as number;
    return live[j] ? j : -1;
  };

  // 2. Elementary intervals: split [0, 0xFFFF] at every transition boundary (and at 0x80).
  const cuts = new Set<number>([0, 0x80, MAX_CHAR + 1]);
  nodes.forEach((n, i) => {
    if (!live[i]) return;
    for (const [r] of n.out) {
      if (r.min > MAX_CHAR) continue;
      cuts.add(r.min);
      cuts.add(Math.min(r.max, MAX_CHAR) + 1);
    }
  });
  const bounds = [...cuts].sort((a, b) => a - b);
  const nIntervals = bounds.length - 1;

  // 3. Partition refinement: two intervals share a class iff every live node sends them to the
  //    same place. Refine by one node at a time; keys stay small.
  let cls = new Array<number>(nIntervals).fill(0);
  for (let i = 0; i < nodes.length; i++) {
    if (!live[i]) continue;
    const n = nodes[i] as Node;
    const ids = new Map<string, number>();
    const next = new Array<number>(nIntervals);
    for (let k = 0; k < nIntervals; k++) {
      const key = `${cls[k]},${target(n, bounds[k] as number)}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      next[k] = id;
    }
    cls = next;
  }

  // 4. Canonical class numbering. Class 0 is implicit for code units >= 0x80, so give it to the
  //    class with the most maximal runs above 0x7F (ties: lowest first code unit). The others are
  //    numbered by their lowest code unit.
  const nRaw = new Set(cls).size;
  const firstUnit = new Array<number>(nRaw).fill(Infinity);
  const runs = new Array<number>(nRaw).fill(0);
  for (let k = 0; k < nIntervals; k++) {
    const c = cls[k] as number;
    const lo = bounds[k] as number;
    if (lo < (firstUnit[c] as number)) firstUnit[c] = lo;
    if (lo >= 0x80 && (k === 0 || cls[k - 1] !== c || lo === 0x80)) runs[c] = (runs[c] as number) + 1;
  }
  const byFirst = [...Array(nRaw).keys()].sort((a, b) => (firstUnit[a] as number) - (firstUnit[b] as number));
  let zero = byFirst[0] as number;
  for (const c of byFirst) if ((runs[c] as number) > (runs[zero] as number)) zero = c;
  const classOfRaw = new Array<number>(nRaw);
  classOfRaw[zero] = 0;
  let nextClass = 1;
  for (const c of byFirst) if (c !== zero) classOfRaw[c] = nextClass++;
  const nClasses = nRaw;
  if (nClasses > MAX_CLASSES) {
    throw budgetError(source, kind, `${nClasses} character classes; the table format allows ${MAX_CLASSES}`);
  }
  const representative = new Array<number>(nClasses);
  for (let c = 0; c < nRaw; c++) representative[classOfRaw[c] as number] = firstUnit[c] as number;

  // 5. States in BFS order from the start over classes in order. The dead state is 0.
  const initial = index.get(dfa.initial) as number;
  const stateOf = new Map<number, number>(); // node index → state id
  const order: number[] = [initial];
  stateOf.set(initial, 1);
  const rows: number[][] = [];
  for (let q = 0; q < order.length; q++) {
    const ni = order[q] as number;
    const row = new Array<number>(nClasses).fill(0);
    if (live[ni]) {
      const n = nodes[ni] as Node;
      for (let c = 0; c < nClasses; c++) {
        const t = target(n, representative[c] as number);
        if (t < 0) continue;
        let s = stateOf.get(t);
        if (s === undefined) {
          s = order.length + 1;
          stateOf.set(t, s);
          order.push(t);
          if (s + 1 > maxStates) {
            throw budgetError(source, kind, `more than ${maxStates} states after minimisation (budget ${maxStates})`);
          }
        }
        row[c] = s;
      }
    }
    rows.push(row);
  }
  const nStates = order.length + 1;
  if (nStates > maxStates) {
    throw budgetError(source, kind, `${nStates} states after minimisation (budget ${maxStates})`);
  }

  // 6. Ranges above 0x7F that are not class 0, merged.
  const ranges: { lo: number; hi: number; c: number }[] = [];
  const ascii = new Uint8Array(128);
  for (let k = 0; k < nIntervals; k++) {
    const lo = bounds[k] as number;
    const hi = (bounds[k + 1] as number) - 1;
    const c = classOfRaw[cls[k] as number] as number;
    if (lo < 0x80) {
      for (let u = lo; u <= hi && u < 0x80; u++) ascii[u] = c;
      continue;
    }
    if (c === 0) continue;
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.c === c && last.hi + 1 === lo) last.hi = hi;
    else ranges.push({ lo, hi, c });
  }

  // 7. Bytes.
  const size = 12 + 128 + 4 + ranges.length * 6 + nStates * nClasses * 2 + nStates;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let p = 0;
  view.setUint32(p, nStates, true);
  view.setUint32(p + 4, nClasses, true);
  view.setUint32(p + 8, (startAnchored ? FLAG_START_ANCHORED : 0) | (endAnchored ? FLAG_END_ANCHORED : 0), true);
  p += 12;
  bytes.set(ascii, p);
  p += 128;
  view.setUint32(p, ranges.length, true);
  p += 4;
  for (const r of ranges) {
    view.setUint16(p, r.lo, true);
    view.setUint16(p + 2, r.hi, true);
    bytes[p + 4] = r.c;
    bytes[p + 5] = 0;
    p += 6;
  }
  p += nClasses * 2; // dead state row: all zeros
  for (const row of rows) {
    for (const s of row) {
      view.setUint16(p, s, true);
      p += 2;
    }
  }
  bytes[p++] = 0; // dead state never accepts
  for (const ni of order) bytes[p++] = (acceptOf ? acceptOf(nodes[ni] as Node) : dfa.finals.has(nodes[ni] as Node)) ? 1 : 0;
  if (p !== size) throw new Error(`internal error: table size ${p} != ${size}`);
  return { bytes, states: nStates, classes: nClasses, startAnchored, endAnchored, stateNodes: order.map((ni) => nodes[ni] as Node) };
}

/**
 * Compiles one pattern into a DFA table (see the module comment for the format and the kinds).
 * Throws PatternError for unsupported or malformed syntax and BudgetError when the minimised table
 * would have more than `maxStates` states (or more than 256 classes, or construction blows up).
 */
export function compilePattern(source: string, options: CompileOptions): CompiledDfa {
  const kind = options.kind;
  if (kind !== "search" && kind !== "anchored" && kind !== "reverse") {
    throw new PatternError(String(source), `unknown DFA kind ${JSON.stringify(kind)}`);
  }
  const requested = options.maxStates ?? DEFAULT_MAX_STATES;
  if (!Number.isInteger(requested) || requested < 2) {
    throw new BudgetError(`maxStates must be an integer >= 2, got ${String(requested)}`);
  }
  const maxStates = Math.min(requested, MAX_TABLE_STATES);
  const pattern = parseSource(source);
  const info = validate(source, pattern);
  const opts: Required<CompileOptions> = { caseInsensitive: options.caseInsensitive ?? false, kind, maxStates, firstAccept: options.firstAccept ?? false };
  const rawLimit = Math.min(RAW_CAP, Math.max(RAW_MIN, maxStates * RAW_FACTOR));
  const workLimit = Math.max(WORK_MIN, maxStates * WORK_FACTOR);
  const { dfa, startAnchored, endAnchored } = buildDfa(source, info, opts, rawLimit, workLimit);
  const { stateNodes: _nodes, ...table } = packTable(source, dfa, kind, maxStates, startAnchored, endAnchored);
  return table;
}
