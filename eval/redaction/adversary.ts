// Adversarial texts for one entity rule, made from its own automaton: pieces that keep the rule's
// anchored DFA alive for as long as possible (a random walk over its live transitions), glued
// with separators, so that head occurrences fall inside earlier candidates' runs. This is the
// shape that makes verification runs overlap (`-eyJ…-eyJ…` for JWTs, digit groups for the
// numeric IDs); the tests bound the engine's work on it (test/redaction/accel.test.ts) and
// bench/redaction.mjs reports its throughput.
import type { EntityDef } from "../../engine/compiler/entities.js";
import { type DfaTable, parseTable } from "../../engine/compiler/dfa-sim.js";
import { compilePattern } from "../../engine/compiler/regex.js";

export interface WalkShape {
  /** Longest piece: each is a walk of 1..maxPiece units. */
  readonly maxPiece: number;
  /** Put before every piece ("" glues them). */
  readonly separator: string;
}

/** The shapes the tests and the benchmark try for every rule. */
export const WALK_SHAPES: readonly WalkShape[] = [
  { maxPiece: 8, separator: " " },
  { maxPiece: 24, separator: "-" },
  { maxPiece: 200, separator: " " },
  { maxPiece: 64, separator: "" },
];

/** A rule's anchored automaton with one printable unit per class (ASCII first), for walks. */
export interface Walker {
  readonly table: DfaTable;
  readonly units: readonly (readonly string[])[];
}

export function walkerOf(rule: Pick<EntityDef, "source" | "ci">): Walker {
  const table = parseTable(compilePattern(rule.source, { kind: "anchored", caseInsensitive: rule.ci ?? false }));
  const units: string[][] = Array.from({ length: table.classes }, () => []);
  for (let c = 0x20; c < 0x7f; c++) units[table.ascii[c] as number]?.push(String.fromCharCode(c));
  for (const r of table.ranges) if (units[r.cls]?.length === 0) units[r.cls]?.push(String.fromCharCode(r.lo));
  return { table, units };
}

/** A random walk of at most `len` units from the start state that never enters the dead state. */
export function walk(w: Walker, random: () => number, len: number): string {
  const { table, units } = w;
  let state = 1;
  let out = "";
  for (let k = 0; k < len; k++) {
    const live: number[] = [];
    for (let c = 0; c < table.classes; c++) if (table.trans[state * table.classes + c] !== 0 && (units[c]?.length ?? 0) > 0) live.push(c);
    if (live.length === 0) break;
    const c = live[Math.floor(random() * live.length)] as number;
    const choices = units[c] as readonly string[];
    out += choices[Math.floor(random() * choices.length)];
    state = table.trans[state * table.classes + c] as number;
  }
  return out;
}

/** `length` units of walks of the rule, shaped by `shape`. */
export function adversarialText(w: Walker, shape: WalkShape, random: () => number, length: number): string {
  let s = "";
  while (s.length < length) s += shape.separator + walk(w, random, 1 + Math.floor(random() * shape.maxPiece));
  return s.slice(0, length);
}
