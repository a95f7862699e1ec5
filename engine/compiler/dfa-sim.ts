/**
 * Reference interpreter of the DFA table format documented in ./regex.ts. Pure TypeScript, no
 * cleverness: tests use it as the model of what the wasm scanner (engine/assembly/dfa.ts) must do,
 * and the compiler reads its own anchored tables with it (head-states.ts: where a rule's table
 * stands after each head path). Text is a JS string, read as UTF-16 code units; all positions
 * are code-unit offsets.
 */

export interface DfaTable {
  states: number;
  classes: number;
  startAnchored: boolean;
  endAnchored: boolean;
  /** Class of code units 0..127. */
  ascii: Uint8Array;
  /** Sorted, non-overlapping, within 0x80..0xFFFF; uncovered units are class 0. */
  ranges: { lo: number; hi: number; cls: number }[];
  /** next state = trans[state * classes + class] */
  trans: Uint16Array;
  accepting: boolean[];
}

type TableInput = Uint8Array | { bytes: Uint8Array };

/** Parses and validates a table (the same checks the wasm engine makes). Throws Error if malformed. */
export function parseTable(input: TableInput): DfaTable {
  const bytes = input instanceof Uint8Array ? input : input.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const need = (n: number): void => {
    if (p + n > bytes.length) throw new Error(`DFA table truncated at byte ${p}`);
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(p, true);
    p += 4;
    return v;
  };
  const states = u32();
  const classes = u32();
  const flags = u32();
  if (states < 2 || states > 65535) throw new Error(`bad state count ${states}`);
  if (classes < 1 || classes > 256) throw new Error(`bad class count ${classes}`);
  if (flags > 3) throw new Error(`bad flags ${flags}`);
  need(128);
  const ascii = bytes.slice(p, p + 128);
  p += 128;
  for (const c of ascii) if (c >= classes) throw new Error(`ASCII class ${c} out of range`);
  const nRanges = u32();
  const ranges: DfaTable["ranges"] = [];
  let prevHi = 0x7f;
  for (let i = 0; i < nRanges; i++) {
    need(6);
    const lo = view.getUint16(p, true);
    const hi = view.getUint16(p + 2, true);
    const cls = bytes[p + 4] as number;
    const pad = bytes[p + 5] as number;
    p += 6;
    if (lo <= prevHi || hi < lo || cls >= classes || pad !== 0) throw new Error(`bad range #${i}`);
    prevHi = hi;
    ranges.push({ lo, hi, cls });
  }
  const trans = new Uint16Array(states * classes);
  need(trans.length * 2);
  for (let i = 0; i < trans.length; i++) {
    const t = view.getUint16(p, true);
    p += 2;
    if (t >= states) throw new Error(`transition ${i} to state ${t} out of range`);
    trans[i] = t;
  }
  need(states);
  const accepting: boolean[] = [];
  for (let s = 0; s < states; s++) {
    const a = bytes[p++] as number;
    if (a > 1) throw new Error(`accepting flag ${a} of state ${s} is not 0/1`);
    accepting.push(a === 1);
  }
  if (p !== bytes.length) throw new Error(`${bytes.length - p} trailing bytes`);
  for (let c = 0; c < classes; c++) if (trans[c] !== 0) throw new Error("dead state 0 must loop to itself");
  if (accepting[0]) throw new Error("dead state 0 must not accept");
  return {
    states,
    classes,
    startAnchored: (flags & 1) !== 0,
    endAnchored: (flags & 2) !== 0,
    ascii,
    ranges,
    trans,
    accepting,
  };
}

export function classOf(t: DfaTable, unit: number): number {
  if (unit < 128) return t.ascii[unit] as number;
  for (const r of t.ranges) if (unit >= r.lo && unit <= r.hi) return r.cls;
  return 0;
}

export function step(t: DfaTable, state: number, unit: number): number {
  return t.trans[state * t.classes + classOf(t, unit)] as number;
}

function table(input: TableInput | DfaTable): DfaTable {
  return "trans" in input ? input : parseTable(input);
}

/**
 * Search table: the smallest end position E >= from such that a match ends at E (the scan starts
 * at `from` as if it were the start of the text), or -1. A startAnchored table only matches when
 * from is 0; an endAnchored table only accepts at the end of the text.
 */
export function searchFirstEnd(input: TableInput | DfaTable, text: string, from = 0): number {
  const t = table(input);
  if (t.startAnchored && from !== 0) return -1;
  const ok = (i: number, s: number): boolean => t.accepting[s] === true && (!t.endAnchored || i === text.length);
  let s = 1;
  if (ok(from, s)) return from;
  for (let i = from; i < text.length; i++) {
    s = step(t, s, text.charCodeAt(i));
    if (s === 0) return -1;
    if (ok(i + 1, s)) return i + 1;
  }
  return -1;
}

/** Anchored table: does the whole text match? */
export function fullMatch(input: TableInput | DfaTable, text: string): boolean {
  const t = table(input);
  let s = 1;
  for (let i = 0; i < text.length; i++) {
    s = step(t, s, text.charCodeAt(i));
    if (s === 0) return false;
  }
  return t.accepting[s] === true;
}

/**
 * Reverse table: fed text[end-1], text[end-2], … down to `floor`, returns the smallest s such that
 * the table accepts after reading text[s..end) backwards (the leftmost start of a match ending at
 * `end`), or -1 when there is none.
 */
export function reverseStart(input: TableInput | DfaTable, text: string, end: number, floor = 0): number {
  const t = table(input);
  let s = 1;
  let best = t.accepting[s] === true ? end : -1;
  for (let i = end - 1; i >= floor; i--) {
    s = step(t, s, text.charCodeAt(i));
    if (s === 0) break;
    if (t.accepting[s] === true) best = i;
  }
  return best;
}

/**
 * All non-overlapping matches, left to right, the way a scanner uses the pair of tables: earliest
 * end with the search table, then the leftmost start of a match ending there with the reverse
 * table; the next search starts at that end (one unit later after an empty match). Linear time.
 */
export function findAll(search: TableInput | DfaTable, reverse: TableInput | DfaTable, text: string): [number, number][] {
  const st = table(search);
  const rt = table(reverse);
  const out: [number, number][] = [];
  let from = 0;
  while (from <= text.length) {
    const end = searchFirstEnd(st, text, from);
    if (end < 0) break;
    const start = reverseStart(rt, text, end, from);
    out.push([start < 0 ? end : start, end]);
    from = end > from ? end : end + 1;
  }
  return out;
}
