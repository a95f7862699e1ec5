// Two builds of the redaction engine, interleaved in one process (old, new, new, old, …), timed in
// CPU time: on a shared machine, wall-clock figures of runs minutes apart move with other people's
// load far more than with the change under test (see docs/REDACTION.md, Performance, round 3).
//
//   node bench/redaction-ab.mjs OLD_ROOT NEW_ROOT [--rounds N] [shape …]
//
// A root is a checkout (or a copy of one) after `npm run build`: its dist/ and build/tsc/. Each side
// compiles the policy with its own compiler (every PII category and secret rule, evasion defences
// on) and loads its own engine. Shapes: "mixed" (the 1 MB reference of bench/redaction.mjs),
// "mixed 1 KB" (its first 1,000 characters), the adversarial and the non-ASCII shapes of
// bench/redaction-texts.mjs;
// a shape argument keeps the shapes whose name contains it. Each measurement is about 2 MB of text
// (repeated calls for shorter shapes); the figure is the median of the rounds (min in parentheses).
// Prints one JSON object; a side that reports a different number of findings is flagged.
import { ADVERSARIAL, NON_ASCII, adversarialCalls, mixedText } from "./redaction-texts.mjs";

const args = process.argv.slice(2);
const roundsAt = args.indexOf("--rounds");
const ROUNDS = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 15;
const positional = args.filter((a, i) => !a.startsWith("--") && (roundsAt < 0 || i !== roundsAt + 1));
const [oldRoot, newRoot, ...filters] = positional;
if (!oldRoot || !newRoot) {
  console.error("usage: node bench/redaction-ab.mjs OLD_ROOT NEW_ROOT [--rounds N] [shape …]");
  process.exit(2);
}

async function side(root) {
  const m = await import(`${root}/dist/node.js`);
  const { PII_PATTERNS } = await import(`${root}/build/tsc/engine/compiler/pii.js`);
  const policy = { name: "bench-redaction", rules: { pii_redaction: { enabled: true, categories: PII_PATTERNS.map((p) => p.category), secrets: { enabled: true } } } };
  const engine = m.loadEngineSync();
  engine.loadPolicy(m.compilePolicyObject(policy));
  const scan = (text) => engine.preCall({ tool: "t", args: { text }, now: 1 }).violations.length;
  // builds before ABI 2 reported at most 1,024 findings per call
  return Object.assign(scan, { maxReports: engine.maxReports ?? 1024 });
}
const sides = { old: await side(oldRoot), new: await side(newRoot) };
/** Both builds scan the same calls: as many as the one with fewer reports per call needs. */
const maxReports = Math.min(sides.old.maxReports, sides.new.maxReports);

const MB = 1_000_000;
const mixed = mixedText(MB);
const shapes = [
  ["mixed", [mixed]],
  ["mixed 1 KB", [mixed.slice(0, 1000)]],
  ...Object.entries(ADVERSARIAL).map(([name, make]) => [name, adversarialCalls(make(MB), sides.new, maxReports)]),
  ...Object.entries(NON_ASCII).map(([name, make]) => [name, [make(MB)]]),
].filter(([name]) => name === "mixed" || filters.length === 0 || filters.some((f) => name.includes(f)));

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpuMs = (fn) => {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const rows = [];
for (const [name, calls] of shapes) {
  const units = calls.reduce((n, t) => n + t.length, 0);
  const reps = Math.max(1, Math.round((2 * MB) / units));
  const run = (scan) => () => {
    for (let i = 0; i < reps; i++) for (const t of calls) scan(t);
  };
  const count = (scan) => calls.reduce((n, t) => n + scan(t), 0);
  const findings = { old: count(sides.old), new: count(sides.new) };
  for (let i = 0; i < 3; i++) {
    run(sides.old)();
    run(sides.new)();
  }
  // The order alternates per round: the side measured second ran up to 6% faster on 1 KB calls
  // when both sides were the same build (caches warmed by the first), which biased every row.
  const ms = { old: [], new: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ["old", "new"] : ["new", "old"];
    for (const side of order) ms[side].push(cpuMs(run(sides[side])));
  }
  const mbps = (t) => round((units * reps) / 1e3 / t, 1);
  rows.push({
    shape: name,
    units,
    ...(calls.length > 1 ? { unitsPerCall: calls[0].length } : {}),
    old: { cpuMs: round(median(ms.old)), minMs: round(Math.min(...ms.old)), mbPerSec: mbps(median(ms.old)), findings: findings.old },
    new: { cpuMs: round(median(ms.new)), minMs: round(Math.min(...ms.new)), mbPerSec: mbps(median(ms.new)), findings: findings.new },
    newOverOld: round(median(ms.new) / median(ms.old), 3),
    ...(findings.old !== findings.new ? { differentFindings: true } : {}),
  });
}
// Flatness per side, in CPU time: every shape's MB/s over the 1 MB mixed-text figure.
const ref = rows.find((r) => r.shape === "mixed");
for (const r of rows) {
  r.old.ratio = round(r.old.mbPerSec / ref.old.mbPerSec);
  r.new.ratio = round(r.new.mbPerSec / ref.new.mbPerSec);
}
console.log(JSON.stringify({ node: process.version, rounds: ROUNDS, oldRoot, newRoot, rows }, null, 2));
