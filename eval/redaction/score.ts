// Scores the engine on the labeled corpus (eval/redaction/corpus.ts).
//
// Per type, the engine runs with ONLY that PII category or secret rule enabled, over the whole
// corpus (every other type's values and the clean near-misses are its negatives): a finding is a
// true positive when its span is exactly a gold span of that type. Then one run with every PII
// category and every secret rule enabled measures what redaction cares about: the share of gold
// spans fully covered by some finding (of any type), and findings in clean records.
import type { Engine } from "../../engine/engine.js";
import type { CorpusRecord } from "./corpus.js";

/** Makes an engine with `pii_redaction` (the policy's section) loaded. */
export type EngineFor = (piiRedaction: Record<string, unknown>) => Engine;

export interface TypeScore {
  readonly type: string;
  readonly kind: "pii" | "secret";
  readonly gold: number;
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  /** Recall on the disguised (evasion) values only, or null if there were none. */
  readonly disguisedRecall: number | null;
}

export interface CorpusScore {
  readonly records: number;
  readonly cleanRecords: number;
  readonly goldSpans: number;
  readonly perType: readonly TypeScore[];
  /** Every category and rule on: gold spans fully inside some finding. */
  readonly coverage: number;
  /** Every category and rule on: clean records with no finding, and the rules that fired in the others. */
  readonly cleanUntouched: number;
  readonly cleanFindings: Readonly<Record<string, number>>;
}

interface Finding {
  readonly record: number;
  readonly rule: string;
  readonly start: number;
  readonly end: number;
}

const BATCH = 32;

function findings(engine: Engine, records: readonly CorpusRecord[]): Finding[] {
  const out: Finding[] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    const d = engine.preCall({ tool: "corpus", args: Object.fromEntries(batch.map((r) => [`r${r.id}`, r.text])), now: 1 });
    if (d.violations.some((v) => v.type === "too_many_violations")) throw new Error("corpus batch over the engine's findings limit");
    for (const v of d.violations) {
      if (v.type !== "pii" || !v.span || !v.path || !v.rule) continue;
      out.push({ record: Number(String(v.path[0]).slice(1)), rule: v.rule.split(".").pop() as string, start: v.span.start, end: v.span.end });
    }
  }
  return out;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

export function scoreCorpus(records: readonly CorpusRecord[], engineFor: EngineFor, types: { pii: readonly string[]; secret: readonly string[] }): CorpusScore {
  const perType: TypeScore[] = [];
  const all = [...types.pii.map((t) => [t, "pii"] as const), ...types.secret.map((t) => [t, "secret"] as const)];
  for (const [type, kind] of all) {
    const engine = engineFor(kind === "pii" ? { categories: [type] } : { categories: [], secrets: { enabled: true, categories: [type] } });
    const found = findings(engine, records).filter((f) => f.rule === type);
    const gold = records.flatMap((r) => r.spans.filter((s) => s.type === type).map((s) => ({ ...s, record: r.id })));
    const key = (x: { record: number; start: number; end: number }) => `${x.record}:${x.start}:${x.end}`;
    const goldKeys = new Set(gold.map(key));
    const foundKeys = new Set(found.map(key));
    const tp = [...foundKeys].filter((k) => goldKeys.has(k)).length;
    const disguised = gold.filter((g) => g.disguise !== null);
    perType.push({
      type,
      kind,
      gold: gold.length,
      tp,
      fp: foundKeys.size - tp,
      fn: gold.length - tp,
      precision: ratio(tp, foundKeys.size),
      recall: ratio(tp, gold.length),
      disguisedRecall: disguised.length === 0 ? null : disguised.filter((g) => foundKeys.has(key(g))).length / disguised.length,
    });
  }
  const everything = engineFor({ categories: [...types.pii], secrets: { enabled: true } });
  const found = findings(everything, records);
  const byRecord = new Map<number, Finding[]>();
  for (const f of found) byRecord.set(f.record, [...(byRecord.get(f.record) ?? []), f]);
  let covered = 0;
  let goldSpans = 0;
  const cleanFindings: Record<string, number> = {};
  let cleanUntouched = 0;
  for (const r of records) {
    const fs = byRecord.get(r.id) ?? [];
    if (r.clean) {
      if (fs.length === 0) cleanUntouched++;
      for (const f of fs) cleanFindings[f.rule] = (cleanFindings[f.rule] ?? 0) + 1;
      continue;
    }
    for (const s of r.spans) {
      goldSpans++;
      if (fs.some((f) => f.start <= s.start && f.end >= s.end)) covered++;
    }
  }
  const cleanRecords = records.filter((r) => r.clean).length;
  return { records: records.length, cleanRecords, goldSpans, perType, coverage: ratio(covered, goldSpans), cleanUntouched: ratio(cleanUntouched, cleanRecords), cleanFindings };
}

/** The score as a Markdown table (docs/REDACTION.md publishes it). */
export function scoreTable(s: CorpusScore): string {
  const pct = (x: number | null) => (x === null ? "—" : `${(100 * x).toFixed(1)}%`);
  const lines = ["| type | kind | gold | TP | FP | FN | precision | recall | recall (disguised) |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const t of s.perType) lines.push(`| \`${t.type}\` | ${t.kind} | ${t.gold} | ${t.tp} | ${t.fp} | ${t.fn} | ${pct(t.precision)} | ${pct(t.recall)} | ${pct(t.disguisedRecall)} |`);
  return lines.join("\n");
}
