// Precision and recall of redaction on the labeled synthetic corpus (eval/redaction/corpus.ts).
//
//   npx tsx eval/redaction-corpus.ts [--json] [--out file.json] [--seed N] [--per-type N] [--write-floors file.json]
//
// Prints a Markdown table (per PII type and sampled secret rule) and the overall coverage, or
// with --json one JSON object. Needs the built engine (`npm run build`, or
// `node scripts/build-engine.mjs`).
import { writeFileSync } from "node:fs";
import { compilePolicyObject, loadEngineSync } from "../hosts/node/index.js";
import { buildCorpus, CORPUS_PII_TYPES, CORPUS_SECRET_TYPES } from "./redaction/corpus.js";
import { scoreCorpus, scoreTable } from "./redaction/score.js";

const args = process.argv.slice(2);
const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const seed = Number(opt("--seed") ?? 20261125);
const perType = Number(opt("--per-type") ?? 50);

const t0 = performance.now();
const records = buildCorpus({ seed, perType });
const score = scoreCorpus(
  records,
  (pii) => {
    const engine = loadEngineSync();
    engine.loadPolicy(compilePolicyObject({ name: "corpus", rules: { pii_redaction: { enabled: true, ...pii } } }));
    return engine;
  },
  { pii: CORPUS_PII_TYPES, secret: CORPUS_SECRET_TYPES },
);
const result = { seed, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), ...score, perType: score.perType, valuesPerType: perType };
const json = JSON.stringify(result, null, 2);
// --write-floors FILE: the measured values, rounded down to whole percent (the totals over every
// span and clean record to 0.1%: one span in 4,000 is 0.025%), become the regression floors that
// test/redaction/corpus.test.ts asserts.
if (opt("--write-floors")) {
  const down = (x: number | null, step = 100) => (x === null ? null : Math.floor(x * step) / step);
  const floors = {
    seed,
    perType,
    coverage: down(score.coverage, 1000),
    cleanUntouched: down(score.cleanUntouched, 1000),
    types: Object.fromEntries(score.perType.map((t) => [t.type, { precision: down(t.precision), recall: down(t.recall), disguisedRecall: down(t.disguisedRecall) }])),
  };
  writeFileSync(opt("--write-floors") as string, `${JSON.stringify(floors, null, 2)}\n`);
}
if (opt("--out")) writeFileSync(opt("--out") as string, `${json}\n`);
if (args.includes("--json")) console.log(json);
else {
  console.log(`corpus: seed ${seed}, ${score.records} records (${score.cleanRecords} clean), ${score.goldSpans} labeled spans\n`);
  console.log(scoreTable(score));
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  console.log(`\nall categories and rules on: ${pct(score.coverage)} of labeled spans covered; ${pct(score.cleanUntouched)} of clean records untouched`);
  console.log(`findings in clean records: ${JSON.stringify(score.cleanFindings)}`);
}
