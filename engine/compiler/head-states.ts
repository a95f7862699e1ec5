/**
 * Where a rule's anchored table stands after its head. The engine used to start every run at the
 * head and read the head's units again with the rule's table; when the head set tells it the
 * table's state after the head (Head.pathEnds, bundle head-group entries `rule | state << 12`),
 * the run reads on from there. `api_key=…` read 23 units per candidate, 8 of them its head.
 *
 * The state is found on the compiled table itself (the bytes the engine runs), not on the
 * automaton the head was read from: each path's classes are fed to the table as sets, and a path
 * gets a state only when every unit sequence it stands for leads to that one state. A path that
 * leads to several states (a table that is not minimal, a head made of unions), or to the dead
 * state for some of its units, gets 0: its run reads the head again, as before.
 */
import type { CharSet } from "refa";
import type { DfaTable } from "./dfa-sim.js";

const BMP = 0xffff;

/** The table's classes of the BMP units in `set`. */
function classesOf(t: DfaTable, set: CharSet): Set<number> {
  const out = new Set<number>();
  for (const { min, max } of set.ranges) {
    if (min > BMP) break;
    const hi = Math.min(max, BMP);
    for (let c = min; c <= Math.min(hi, 0x7f); c++) out.add(t.ascii[c] as number);
    if (hi < 0x80) continue;
    // Wide units: the table's ranges, and class 0 in the gaps between them.
    let at = Math.max(min, 0x80);
    for (const r of t.ranges) {
      if (r.hi < at) continue;
      if (r.lo > hi) break;
      if (r.lo > at) out.add(0);
      out.add(r.cls);
      at = r.hi + 1;
      if (at > hi) break;
    }
    if (at <= hi) out.add(0);
  }
  return out;
}

/**
 * Per path of a head (each `length` classes), the one state of table `t` that every unit sequence
 * of the path leads to from the start, or 0 when there is not exactly one live such state.
 */
export function headPathStates(t: DfaTable, paths: readonly (readonly CharSet[])[]): number[] {
  return paths.map((path) => {
    let states = new Set<number>([1]);
    for (const set of path) {
      const classes = classesOf(t, set);
      const next = new Set<number>();
      for (const st of states) for (const c of classes) next.add(t.trans[st * t.classes + c] as number);
      if (next.has(0) || next.size === 0) return 0;
      states = next;
    }
    return states.size === 1 ? ([...states][0] as number) : 0;
  });
}
