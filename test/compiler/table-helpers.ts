// Structural checks of compiled tables, shared by the compiler tests.
import { parseTable, type DfaTable } from "../../engine/compiler/dfa-sim.js";

/** Class of every code unit 0..0xFFFF, straight from the table. */
export function classVector(t: DfaTable): Uint8Array {
  const v = new Uint8Array(0x10000);
  for (let u = 0; u < 128; u++) v[u] = t.ascii[u] as number;
  for (const r of t.ranges) v.fill(r.cls, r.lo, r.hi + 1);
  return v;
}

/** Throws unless the table is canonical: BFS-numbered, minimal in states and in classes. */
export function assertCanonical(bytes: Uint8Array): DfaTable {
  const t = parseTable(bytes);
  const { states, classes, trans } = t;
  const next = (s: number, c: number): number => trans[s * classes + c] as number;

  // Every class is used by some code unit.
  const used = new Set(classVector(t));
  if (used.size !== classes) throw new Error(`only ${used.size} of ${classes} classes are used`);

  // BFS from 1 over classes in order gives the identity numbering.
  const seen = new Map<number, number>([[1, 1]]);
  const order = [1];
  for (let q = 0; q < order.length; q++) {
    const s = order[q] as number;
    for (let c = 0; c < classes; c++) {
      const n = next(s, c);
      if (n !== 0 && !seen.has(n)) {
        seen.set(n, order.length + 1);
        order.push(n);
      }
    }
  }
  if (order.length !== states - 1) throw new Error(`${states - 1 - order.length} unreachable states`);
  order.forEach((s, i) => {
    if (s !== i + 1) throw new Error(`state ${s} is visited as number ${i + 1}`);
  });

  // Moore refinement: no two distinct states are equivalent.
  let block: number[] = t.accepting.map((a, s) => (s === 0 ? 0 : a ? 2 : 1));
  for (;;) {
    const ids = new Map<string, number>();
    const nb = block.map((b, s) => {
      const key = [b, ...Array.from({ length: classes }, (_, c) => block[next(s, c)])].join(",");
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      return id;
    });
    const changed = new Set(nb).size !== new Set(block).size;
    block = nb;
    if (!changed) break;
  }
  // A state that cannot reach acceptance is equivalent to the dead state.
  const live = new Set<number>();
  let grew = true;
  for (let s = 0; s < states; s++) if (t.accepting[s]) live.add(s);
  while (grew) {
    grew = false;
    for (let s = 1; s < states; s++) {
      if (live.has(s)) continue;
      for (let c = 0; c < classes; c++) {
        if (live.has(next(s, c))) {
          live.add(s);
          grew = true;
          break;
        }
      }
    }
  }
  if (live.size === 0) {
    if (states !== 2) throw new Error("empty language needs exactly the dead state and the start state");
  } else {
    for (let s = 1; s < states; s++) if (!live.has(s)) throw new Error(`state ${s} is dead but not state 0`);
    if (new Set(block).size !== states) throw new Error("two states are equivalent: the table is not minimal");
  }

  // No two classes behave the same in every state.
  const columns = new Set<string>();
  for (let c = 0; c < classes; c++) {
    columns.add(Array.from({ length: states }, (_, s) => next(s, c)).join(","));
  }
  if (columns.size !== classes) throw new Error("two classes are equivalent: classes are not minimal");
  return t;
}
