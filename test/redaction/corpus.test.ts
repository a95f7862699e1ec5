// The labeled corpus (eval/redaction/corpus.ts): per-type precision and recall, coverage with
// everything enabled, and clean near-misses left untouched must not fall below the floors measured
// when they were last accepted (test/redaction/corpus-floors.json, written by
// `npx tsx eval/redaction-corpus.ts --write-floors test/redaction/corpus-floors.json`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildCorpus, CORPUS_PII_TYPES, CORPUS_SECRET_TYPES } from "../../eval/redaction/corpus.js";
import { scoreCorpus } from "../../eval/redaction/score.js";
import { PII_PATTERNS } from "../../engine/compiler/pii.js";
import { engineFor } from "../engine/helpers.js";

interface Floors {
  seed: number;
  perType: number;
  coverage: number;
  cleanUntouched: number;
  types: Record<string, { precision: number; recall: number; disguisedRecall: number | null }>;
}
const floors = JSON.parse(readFileSync(new URL("./corpus-floors.json", import.meta.url), "utf8")) as Floors;

describe("labeled redaction corpus", () => {
  const records = buildCorpus({ seed: floors.seed, perType: floors.perType });

  it("is deterministic and labels every PII type and the sampled secret rules", () => {
    expect(buildCorpus({ seed: floors.seed, perType: 3 })).toEqual(buildCorpus({ seed: floors.seed, perType: 3 }));
    expect([...CORPUS_PII_TYPES].sort()).toEqual(PII_PATTERNS.map((p) => p.category).sort());
    expect(CORPUS_SECRET_TYPES.length).toBeGreaterThanOrEqual(25);
    for (const r of records) for (const s of r.spans) expect(s.end).toBeGreaterThan(s.start);
    expect(records.filter((r) => r.clean).length).toBeGreaterThanOrEqual(500);
  });

  it("per-type precision and recall, coverage and clean text stay at or above their floors", () => {
    const score = scoreCorpus(records, (pii) => engineFor({ pii_redaction: { enabled: true, ...pii } }), { pii: CORPUS_PII_TYPES, secret: CORPUS_SECRET_TYPES });
    const below: string[] = [];
    for (const t of score.perType) {
      const f = floors.types[t.type];
      if (!f) {
        below.push(`${t.type}: no floor recorded`);
        continue;
      }
      if (t.precision < f.precision) below.push(`${t.type} precision ${t.precision.toFixed(3)} < ${f.precision}`);
      if (t.recall < f.recall) below.push(`${t.type} recall ${t.recall.toFixed(3)} < ${f.recall}`);
      if (f.disguisedRecall !== null && (t.disguisedRecall ?? 0) < f.disguisedRecall) below.push(`${t.type} disguised recall ${t.disguisedRecall} < ${f.disguisedRecall}`);
    }
    if (score.coverage < floors.coverage) below.push(`coverage ${score.coverage} < ${floors.coverage}`);
    if (score.cleanUntouched < floors.cleanUntouched) below.push(`clean untouched ${score.cleanUntouched} < ${floors.cleanUntouched}`);
    expect(below).toEqual([]);
  }, 120_000);
});
