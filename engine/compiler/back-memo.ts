/**
 * Back memos: which states of a reverse table (a rule's part before its head, read backwards from
 * the head) accept no more than a scan's first step does. The engine uses them to end a backward
 * scan where an earlier scan of the same rule failed (entities.ts backStart).
 *
 * Why: a command-line rule's back part is the command and up to six arguments before a flag
 * (`mysql -u root -pS3cret`: the head is `-p`). On `-pa -pa -pa …` every flag is a head, and each
 * backward scan reads over the flags before it, six arguments deep. But a scan that has read k
 * arguments has at most 6 − k left: what it can still accept is a subset of what a scan that has
 * read none can. So when scan B (later head) reaches the unit where scan A (earlier head, same
 * rule) took its first step, and A failed from there, B's state there accepts a subset of what A's
 * state accepted, A found no start in the text below it (down to A's floor, which B's is at least),
 * and neither can B. Each unit is then read about once per rule, whatever the text.
 *
 * A scan's first step reads the unit just before its head: from the start state, class c leads to
 * first[c]. For each distinct live first[c] (at most 32, bit j), state S gets bit j when
 * L(S) ⊆ L(first[c]); first_bit[c] is that bit (0: no first state, or none left). Inclusion is
 * decided on the product of the table with itself: (S, T) is not included when S accepts and T
 * does not, or some class leads S to a live state and T to the dead one or to a pair not included.
 * That answer is exact for a minimal table (every live state reaches an accepting one) and
 * conservative otherwise: a wrong "not included" only costs a memo, never an answer.
 */
import type { DfaTable } from "./dfa-sim.js";

export interface BackMemo {
  /** Per class: the bit of the state the start state reaches on it (0: dead, or past 32 first states). */
  readonly firstBit: readonly number[];
  /** Per state: bit j set when the state accepts no more than first state j (state 0: 0). */
  readonly masks: readonly number[];
}

/** Most product pairs explored per table; a table that needs more gets no memo (answers unchanged). */
const MAX_PAIRS = 1 << 20;

/**
 * The back memo of reverse table `t`, or undefined when it would never end a scan early: no state
 * other than a first state itself is included in a first state's language (the back part cannot
 * run over its own head), or the product is over MAX_PAIRS.
 */
export function backMemo(t: DfaTable): BackMemo | undefined {
  const { states, classes, trans } = t;
  const firsts: number[] = [];
  const firstBit = new Array<number>(classes).fill(0);
  for (let c = 0; c < classes; c++) {
    const f = trans[1 * classes + c] as number;
    if (f === 0) continue;
    let j = firsts.indexOf(f);
    if (j < 0 && firsts.length < 32) j = firsts.push(f) - 1;
    if (j >= 0) firstBit[c] = 2 ** j;
  }
  const excluded = excludedPairs(t, firsts);
  if (excluded === undefined) return undefined;
  const masks = new Array<number>(states).fill(0);
  let useful = false;
  for (let s = 1; s < states; s++) {
    for (const [j, f] of firsts.entries()) {
      if (excluded.has(s * states + f)) continue;
      masks[s] = (masks[s] as number) + 2 ** j;
      if (s !== f) useful = true;
    }
  }
  return useful ? { firstBit, masks } : undefined;
}

/**
 * The pairs (S, T), keyed S × states + T, for which L(S) ⊄ L(T), among the pairs reachable from
 * (S, first) for every live S and every first state; undefined past MAX_PAIRS. A pair is excluded
 * when it reaches a locally bad pair (S accepts and T does not, or S lives on a class that kills
 * T): found by walking the product's edges backwards from the bad pairs.
 */
function excludedPairs(t: DfaTable, firsts: readonly number[]): Set<number> | undefined {
  const { states, classes, trans, accepting } = t;
  const idOf = new Map<number, number>();
  const keys: number[] = [];
  const bad: number[] = [];
  let from = new Int32Array(1024);
  let to = new Int32Array(1024);
  let edges = 0;
  const id = (key: number): number => {
    let k = idOf.get(key);
    if (k === undefined) {
      k = keys.push(key) - 1;
      idOf.set(key, k);
    }
    return k;
  };
  for (let s = 1; s < states; s++) for (const f of firsts) id(s * states + f);
  for (let k = 0; k < keys.length; k++) {
    if (keys.length > MAX_PAIRS) return undefined;
    const key = keys[k] as number;
    const s = Math.floor(key / states);
    const q = key % states;
    if (accepting[s] === true && accepting[q] !== true) { bad.push(k); continue; }
    for (let c = 0; c < classes; c++) {
      const s2 = trans[s * classes + c] as number;
      if (s2 === 0) continue;
      const q2 = trans[q * classes + c] as number;
      if (q2 === 0) { bad.push(k); break; }
      if (edges === from.length) {
        from = grow(from);
        to = grow(to);
      }
      from[edges] = k;
      to[edges] = id(s2 * states + q2);
      edges++;
    }
  }
  // Edges by target (counting sort), then "reaches a bad pair" spread backwards.
  const start = new Int32Array(keys.length + 1);
  for (let e = 0; e < edges; e++) {
    const k = (to[e] as number) + 1;
    start[k] = (start[k] as number) + 1;
  }
  for (let k = 0; k < keys.length; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const fill = start.slice(0, keys.length);
  const predOf = new Int32Array(edges);
  for (let e = 0; e < edges; e++) {
    const k = to[e] as number;
    predOf[fill[k] as number] = from[e] as number;
    fill[k] = (fill[k] as number) + 1;
  }
  const isExcluded = new Uint8Array(keys.length);
  for (const k of bad) isExcluded[k] = 1;
  while (bad.length > 0) {
    const k = bad.pop() as number;
    for (let e = start[k] as number; e < (start[k + 1] as number); e++) {
      const p = predOf[e] as number;
      if (isExcluded[p] === 0) {
        isExcluded[p] = 1;
        bad.push(p);
      }
    }
  }
  const excluded = new Set<number>();
  for (let k = 0; k < keys.length; k++) if (isExcluded[k] === 1) excluded.add(keys[k] as number);
  return excluded;
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
