/**
 * Needed units of a table state: units that every match has at fixed distances from where a run
 * stands in that state. The head set names the state the numeric family's table is in after its
 * head (entity-families.ts), and the engine tests these units before it starts the family's run
 * (entities.ts tryFamily, needsMet): a candidate whose text is wrong there costs a few loads
 * instead of the run's set-up, its steps, its memo and the members' loop. `1234 1567 …` made every
 * group a candidate (`phone`: `1 234 156 7890`) whose run died two units after the head, on the
 * space where a digit had to be. Rules get one needed unit per state, two units after their head
 * (ruleStateNeeds, bundle.ts tableStateNeeds).
 *
 * From state q, let layer d be the live states a run reaches in d units, and C_d the units on the
 * live transitions out of layer d. A match ending after reading m units has its unit at distance d
 * in C_d for every d < m. So every C_d with d < A, A being the fewest units that reach an
 * accepting state, is a condition every match from q meets; past A it is not (a shorter match may
 * end first). A state that accepts has none.
 */
import type { DfaTable } from "./dfa-sim.js";

/** A needed unit, `at` units after the run's start: ASCII unit c may be there when bit c of `ascii` is set, units from U+0080 up when `wide`. */
export interface StateNeed {
  readonly at: number;
  readonly ascii: readonly [number, number, number, number];
  readonly wide: boolean;
}

/** Most needed units per state (the engine's limit too: every passing candidate tests them all). */
export const STATE_NEEDS_MAX = 4;
/** Farthest distance looked at (the engine refuses `at` from this on). */
export const STATE_NEED_MAX_AT = 64;
/**
 * Widest class kept, in units: a test that refuses little costs every candidate that passes it
 * (given to the rules too, the tests of `generic_api_key`'s value class, some 70 units each, made
 * `api_key=` chains 27% slower).
 */
const NARROW = 16;
/** How many of the nearest distances are kept besides the narrowest one (runs mostly die early). */
const NEAREST = STATE_NEEDS_MAX - 1;

interface TableFacts {
  /** Per state: an accepting state is reachable from it. */
  readonly live: Uint8Array;
  /** Per class: its ASCII units (4 words of 32 bits) and whether any unit from U+0080 up is in it. */
  readonly ascii: readonly (readonly [number, number, number, number])[];
  readonly wide: readonly boolean[];
}

const factsCache = new WeakMap<DfaTable, TableFacts>();

function factsOf(t: DfaTable): TableFacts {
  const cached = factsCache.get(t);
  if (cached !== undefined) return cached;
  // Live states: backwards from the accepting ones.
  const into: number[][] = Array.from({ length: t.states }, () => []);
  for (let s = 0; s < t.states; s++) for (let c = 0; c < t.classes; c++) (into[t.trans[s * t.classes + c] as number] as number[]).push(s);
  const live = new Uint8Array(t.states);
  const queue: number[] = [];
  for (let s = 0; s < t.states; s++) if (t.accepting[s]) { live[s] = 1; queue.push(s); }
  for (let k = 0; k < queue.length; k++) for (const p of into[queue[k] as number] as number[]) if (!live[p]) { live[p] = 1; queue.push(p); }
  const ascii = Array.from({ length: t.classes }, () => [0, 0, 0, 0] as [number, number, number, number]);
  for (let c = 0; c < 128; c++) {
    const words = ascii[t.ascii[c] as number] as [number, number, number, number];
    words[c >> 5] = ((words[c >> 5] as number) | (1 << (c & 31))) >>> 0;
  }
  const wide = new Array<boolean>(t.classes).fill(false);
  // Units from U+0080 up: the table's ranges, and class 0 wherever they leave a gap.
  let next = 0x80;
  for (const r of t.ranges) {
    if (r.lo > next) wide[0] = true;
    wide[r.cls] = true;
    next = r.hi + 1;
  }
  if (next <= 0xffff) wide[0] = true;
  const facts = { live, ascii, wide };
  factsCache.set(t, facts);
  return facts;
}

function sizeOf(n: { ascii: readonly number[]; wide: boolean }): number {
  let size = n.wide ? 128 : 0;
  for (const w of n.ascii) for (let x = w >>> 0; x !== 0; x &= x - 1) size++;
  return size;
}

/**
 * The needed units of a run from state `state` of table `t` (at most STATE_NEEDS_MAX): the
 * narrowest class of all distances (the farthest of equally narrow ones: a value too short for
 * its rule shows there) and the nearest ones, each of at most NARROW units, narrowest first.
 * Empty when the state accepts, is dead, or no distance has so narrow a class.
 */
export function stateNeeds(t: DfaTable, state: number): StateNeed[] {
  const found: (StateNeed & { size: number })[] = [];
  for (const need of classesByDistance(t, state)) {
    const size = sizeOf(need);
    if (size <= NARROW) found.push({ ...need, size });
  }
  if (found.length === 0) return [];
  let best = found[0] as (typeof found)[number];
  for (const f of found) if (f.size <= best.size) best = f;
  const kept = found.filter((f) => f !== best).slice(0, NEAREST);
  kept.push(best);
  // Most selective first (the engine stops at the first unit that fails), the farther of equally narrow ones.
  return kept.sort((a, b) => a.size - b.size || b.at - a.at).map(({ at, ascii, wide }) => ({ at, ascii, wide }));
}

/**
 * From state `state`: for each distance d before the first possible end (and below
 * STATE_NEED_MAX_AT), the units on the live transitions out of the states a run reaches in d
 * units. None when the state accepts or is dead.
 */
function* classesByDistance(t: DfaTable, state: number): Generator<StateNeed> {
  if (state <= 0 || state >= t.states || t.accepting[state]) return;
  const facts = factsOf(t);
  if (!facts.live[state]) return;
  let layer = new Set<number>([state]);
  for (let d = 0; d < STATE_NEED_MAX_AT; d++) {
    const ascii: [number, number, number, number] = [0, 0, 0, 0];
    let wide = false;
    const next = new Set<number>();
    let accepts = false;
    for (const s of layer) {
      for (let c = 0; c < t.classes; c++) {
        const to = t.trans[s * t.classes + c] as number;
        if (!facts.live[to]) continue;
        next.add(to);
        accepts ||= t.accepting[to] === true;
        const words = facts.ascii[c] as readonly number[];
        for (let k = 0; k < 4; k++) ascii[k] = ((ascii[k] as number) | (words[k] as number)) >>> 0;
        wide ||= facts.wide[c] === true;
      }
    }
    yield { at: d, ascii, wide };
    // A match may end after this unit: the units after it are not needed by that one.
    if (accepts || next.size === 0) return;
    layer = next;
  }
}

/**
 * Units a rule's run reads before the engine tests the needed unit of the state it is then in
 * (entities.ts tryRule). A rule's head may end before the units that tell a value from a key
 * (`api_ke` + `y=`: the key may go on, `api_key_id=`), so the state after the head needs nothing
 * that refuses much; two units on, after the operator, the value's length shows.
 */
export const RULE_NEED_STEPS = 2;
/** Widest class a rule's needed unit may have, in ASCII units (none from U+0080 up). */
const RULE_NEED_MAX_UNITS = 100;

/**
 * The needed unit of a rule's run in state `state` of its table `t`: the farthest distance before
 * the first possible end whose class has at most RULE_NEED_MAX_UNITS units, none of them from
 * U+0080 up (a value too short for its rule shows there: `api_key=` and seven characters, then the
 * next key's `=`, where a value of at least 15 needs a value character). Unlike stateNeeds, a wide
 * ASCII class is kept: the rule's run would read every unit up to that distance to learn the
 * same, where the test is one load. Empty when the state accepts, is dead, or has no such class.
 */
export function ruleStateNeeds(t: DfaTable, state: number): StateNeed[] {
  let best: StateNeed | undefined;
  for (const need of classesByDistance(t, state)) if (!need.wide && sizeOf(need) <= RULE_NEED_MAX_UNITS) best = need;
  return best === undefined ? [] : [best];
}

/**
 * Punctuation from the rarest in text to the most common (a rough order, for choosing between
 * units every match contains): a unit the text seldom has makes the engine's search for it reach
 * far, and refuse every candidate of a long stretch without one.
 */
const RARITY = "`^~|\\{}[]<>$%&*!?#@;+=)('\"/_:,-.";

/** Fewer units a run may read before the unit class every match contains: not worth a search. */
const AHEAD_MIN_REACH = 256;

/**
 * A unit class every match of table `t` contains somewhere (entities.ts aheadMet): the classes of
 * punctuation only (no letter, digit, space or unit from U+0080 up) without whose transitions no
 * accepting state is reachable from the start, one class or two; the rarest such choice. A JWT
 * has a `.` after a body of any length. Only when a run can read more than AHEAD_MIN_REACH units
 * (a loop) before it: the search for the unit costs about a unit of work per unit of text where
 * the unit is frequent (`=` in `api_key=` chains: 1.6 times their time), and repays only where a
 * run without it is long. The class's ASCII units (one bit each, as a needed unit's), or undefined.
 */
export function aheadUnits(t: DfaTable): StateNeed["ascii"] | undefined {
  const facts = factsOf(t);
  const allowed: { cls: number; rank: number }[] = [];
  for (let c = 1; c < t.classes; c++) {
    if (facts.wide[c]) continue;
    let rank = 0;
    let ok = false;
    for (let u = 0; u < 128; u++) {
      if (t.ascii[u] !== c) continue;
      const r = RARITY.indexOf(String.fromCharCode(u));
      if (r < 0) { ok = false; break; }
      ok = true;
      rank = Math.max(rank, r);
    }
    if (ok) allowed.push({ cls: c, rank });
  }
  allowed.sort((a, b) => a.rank - b.rank);
  const acceptsWithout = (without: ReadonlySet<number>): boolean => {
    const seen = new Uint8Array(t.states);
    const queue = [1];
    seen[1] = 1;
    for (let k = 0; k < queue.length; k++) {
      const s = queue[k] as number;
      if (t.accepting[s]) return true;
      for (let c = 0; c < t.classes; c++) {
        if (without.has(c)) continue;
        const to = t.trans[s * t.classes + c] as number;
        if (to !== 0 && !seen[to]) { seen[to] = 1; queue.push(to); }
      }
    }
    return false;
  };
  let best: { set: number[]; rank: number } | undefined;
  for (const a of allowed) if (!acceptsWithout(new Set([a.cls]))) { best = { set: [a.cls], rank: a.rank }; break; }
  if (best === undefined) {
    for (let i = 0; i < allowed.length; i++) {
      for (let j = i + 1; j < allowed.length; j++) {
        const x = allowed[i] as { cls: number; rank: number }, y = allowed[j] as { cls: number; rank: number };
        const rank = Math.max(x.rank, y.rank);
        if ((best === undefined || rank < best.rank) && !acceptsWithout(new Set([x.cls, y.cls]))) best = { set: [x.cls, y.cls], rank };
      }
    }
  }
  if (best === undefined || reachWithout(t, new Set(best.set)) <= AHEAD_MIN_REACH) return undefined;
  const ascii: [number, number, number, number] = [0, 0, 0, 0];
  for (const c of best.set) {
    const words = facts.ascii[c] as readonly number[];
    for (let k = 0; k < 4; k++) ascii[k] = ((ascii[k] as number) | (words[k] as number)) >>> 0;
  }
  return ascii;
}

/** The most units a run from the start can read on live states without a class of `without` (Infinity through a loop). */
function reachWithout(t: DfaTable, without: ReadonlySet<number>): number {
  const live = factsOf(t).live;
  const memo = new Map<number, number>();
  const onPath = new Set<number>();
  // iterative depth-first search: the deepest reach from each state, a loop on the path is unbounded
  const visit = (root: number): number => {
    const stack: { s: number; c: number; best: number }[] = [{ s: root, c: 0, best: 0 }];
    onPath.add(root);
    let result = 0;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { s: number; c: number; best: number };
      if (top.c < t.classes) {
        const c = top.c++;
        if (without.has(c)) continue;
        const to = t.trans[top.s * t.classes + c] as number;
        if (to === 0 || !live[to]) continue;
        if (onPath.has(to)) return Infinity;
        const known = memo.get(to);
        if (known !== undefined) { top.best = Math.max(top.best, 1 + known); continue; }
        onPath.add(to);
        stack.push({ s: to, c: 0, best: 0 });
      } else {
        stack.pop();
        onPath.delete(top.s);
        memo.set(top.s, top.best);
        result = top.best;
        const parent = stack[stack.length - 1];
        if (parent !== undefined) parent.best = Math.max(parent.best, 1 + top.best);
      }
    }
    return result;
  };
  return visit(1);
}
