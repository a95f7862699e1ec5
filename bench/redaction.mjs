// Redaction throughput: the engine with every PII category and secret rule, against V8 RegExp and
// re2js running the same patterns (detection only: they have no checks, no evasion defences).
//
//   npm run build && node bench/redaction.mjs [--quick] [--out file.json] [--no-peers] [--shape text]
//
// --no-peers skips V8 RegExp and re2js (engine figures only, much shorter); --shape keeps only the
// adversarial shapes whose name contains `text` (repeatable), and skips the size series unless one
// of them names `mixed`. The 1 MB mixed-text reference is always measured.
//
// Prints one JSON object. Texts are generated deterministically (seeded), so runs are comparable.
import { writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { RE2JS } from "re2js";
import { compilePolicyObject, loadEngineSync } from "../dist/node.js";
import { PII_PATTERNS } from "../build/tsc/engine/compiler/pii.js";
import { SECRET_RULES } from "../build/tsc/engine/compiler/secrets.js";
import { ADVERSARIAL, NON_ASCII, adversarialCalls, mixedText } from "./redaction-texts.mjs";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const OUT = args.includes("--out") ? args[args.indexOf("--out") + 1] : null;
const RUNS = QUICK ? 3 : 9;
const PEERS = !args.includes("--no-peers");
const SHAPES = args.flatMap((a, i) => (a === "--shape" && args[i + 1] !== undefined ? [args[i + 1]] : []));
const wanted = (name) => SHAPES.length === 0 || SHAPES.some((s) => name.includes(s));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
function time(fn, runs = RUNS, warmups = 1) {
  for (let i = 0; i < warmups; i++) fn();
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    result = fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), result };
}

// ---- the engine ------------------------------------------------------------------------------------------
const policy = { name: "bench-redaction", rules: { pii_redaction: { enabled: true, categories: PII_PATTERNS.map((p) => p.category), secrets: { enabled: true } } } };
const t0 = performance.now();
const bundle = compilePolicyObject(policy);
const compileMs = performance.now() - t0;
const engine = loadEngineSync();
engine.loadPolicy(bundle);
const scan = (text) => engine.preCall({ tool: "t", args: { text }, now: 1 }).violations.length;

// ---- peers: the same patterns ------------------------------------------------------------------------------
const RULES = [...PII_PATTERNS, ...SECRET_RULES].map((e) => ({ name: e.name, source: e.source, ci: e.ci ?? false }));
const v8 = [];
const re2 = [];
const failures = { v8: [], re2js: [] };
for (const rule of RULES) {
  try {
    v8.push(new RegExp(rule.source, rule.ci ? "gi" : "g"));
  } catch (e) {
    failures.v8.push(`${rule.name}: ${e.message}`);
  }
  try {
    re2.push(RE2JS.compile(rule.source, rule.ci ? RE2JS.CASE_INSENSITIVE : 0));
  } catch (e) {
    failures.re2js.push(`${rule.name}: ${e.message}`);
  }
}
function scanV8(text) {
  let n = 0;
  for (const re of v8) {
    re.lastIndex = 0;
    for (const _ of text.matchAll(re)) n++;
  }
  return n;
}
function scanRe2(text) {
  let n = 0;
  for (const p of re2) {
    const m = p.matcher(text);
    while (m.find()) n++;
  }
  return n;
}

// ---- 1 MB mixed text -----------------------------------------------------------------------------------------
const MB = 1_000_000;
const text = mixedText(MB);
const sha = createHash("sha256").update(text).digest("hex").slice(0, 16);
// The first calls after loading run unoptimised code and grow memory (20-30 ms instead of about 6):
// with one warm-up call, this figure, the reference of the flatness table, came out 10-40% low and
// inflated every ratio. Five warm-up calls put it level with the same text measured later.
const ours = time(() => scan(text), RUNS, 5);
const skipped = { ms: Number.NaN, result: null };
const theirsV8 = PEERS ? time(() => scanV8(text), QUICK ? 1 : 3) : skipped;
const theirsRe2 = PEERS ? time(() => scanRe2(text), 1) : skipped;
const mbps = (bytes, ms) => {
  const v = bytes / 1e6 / (ms / 1000);
  return round(v, v < 1 ? 3 : 1);
};

// ---- flatness over sizes -------------------------------------------------------------------------------------
const sizes = [];
const flat = (s) => new TextDecoder().decode(new TextEncoder().encode(s));
// (flat: a copy that is not a V8 sliced string of the whole, as a tool's own string would be)
// A size below 1 MB is measured on consecutive slices of the 1 MB mixed text (one call per slice),
// so every size scans text of the same density: one slice alone (the first kilobyte holds a
// finding, the next three none) would measure its own content, not the cost of calls of that size.
const piecesBySize = new Map(); // the flatness rounds below scan the same pieces
/** Scans `reps` consecutive pieces of the size's text (one call each), cycling. */
const scanPieces = (bytes, reps) => {
  const pieces = piecesBySize.get(bytes);
  for (let i = 0; i < reps; i++) scan(pieces[i % pieces.length]);
};
for (const bytes of !wanted("mixed") ? [] : QUICK ? [1_000, 100_000, 1_000_000] : [1_000, 10_000, 100_000, 1_000_000, 10_000_000]) {
  const whole = mixedText(Math.max(bytes, 1_000_000));
  piecesBySize.set(bytes, Array.from({ length: Math.floor(whole.length / bytes) }, (_, i) => flat(whole.slice(i * bytes, (i + 1) * bytes))));
  const reps = Math.max(3, Math.round(2e6 / bytes));
  const { ms } = time(() => scanPieces(bytes, reps), QUICK ? 3 : 5);
  sizes.push({ bytes, mbPerSec: mbps(bytes * reps, ms) });
}

// ---- adversarial (ReDoS-shaped) inputs --------------------------------------------------------------------------
const adversarial = [];
const adversarialTexts = new Map(); // name → the calls of its 1 MB text, for the flatness rounds below
const scanCalls = (calls) => {
  let n = 0;
  for (const t of calls) n += scan(t);
  return n;
};
for (const [name, make] of Object.entries(ADVERSARIAL)) {
  if (!wanted(name)) continue;
  const big = make(MB);
  const calls = adversarialCalls(big, scan, engine.maxReports);
  adversarialTexts.set(name, calls);
  const small = make(20_000);
  const smallCalls = adversarialCalls(small, scan, engine.maxReports); // (it scans once to count: not in the timed runs)
  const e1 = time(() => scanCalls(calls), 3);
  const v = PEERS ? time(() => scanV8(small), 1) : skipped;
  const q = PEERS ? time(() => scanRe2(small), 1) : skipped;
  adversarial.push({
    name,
    ...(calls.length > 1 ? { unitsPerCall: calls[0].length } : {}),
    enforcecore1MB: mbps(big.length, e1.ms),
    enforcecore20KB: mbps(small.length, time(() => scanCalls(smallCalls), 5).ms),
    v8_20KB: mbps(small.length, v.ms),
    re2js_20KB: mbps(small.length, q.ms),
  });
}

// ---- non-ASCII text (the evasion defences' normalisation path) ---------------------------------------------------------
const nonAscii = [];
for (const [name, make] of Object.entries(NON_ASCII)) {
  const t = make(MB);
  const bytes = Buffer.byteLength(t);
  const { ms, result } = time(() => scan(t), QUICK ? 3 : 5);
  nonAscii.push({ name: `${name}, 1 MB`, utf8Bytes: bytes, ms: round(ms, 2), mbPerSec: mbps(bytes, ms), findings: result });
}

// ---- short inputs ----------------------------------------------------------------------------------------------------
const short = "Hi, this is Ann (ann.lee@example.com, 555-201-3344); my card is 4111 1111 1111 1111 and key AKIAIOSFODNN7EXAMPLE.".padEnd(130, " ");
// Warmed up first, like every other measure here: the sections before leave a garbage-collection
// cycle running (the peers allocate hundreds of MB), which otherwise lands on these few milliseconds.
for (let i = 0; i < 2000; i++) scan(short);
const shortUs = [];
for (let i = 0; i < 5000; i++) {
  const a = performance.now();
  scan(short);
  shortUs.push((performance.now() - a) * 1000);
}

// ---- flatness: every size and every adversarial shape against the 1 MB mixed-text figure --------------------------
// The issue's target: within ±20% of it (ratio 0.8-1.2) from 1 KB to 10 MB and on adversarial inputs.
// Each ratio comes from rounds that alternate the reference (one call on the 1 MB mixed text) and
// the row (about 1 MB of its input), timed in CPU time, median of the per-round ratios: on this
// shared machine a reference taken once drifts with the load by 10-40% against figures taken
// seconds later, which a ratio of two separate measures inherits.
const reference = mbps(text.length, ours.ms);
const cpuMs = (fn) => {
  const t0 = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
function interleavedRatio(run, bytes) {
  const ratios = [];
  for (let i = 0; i < (QUICK ? 5 : 11); i++) {
    const ref = cpuMs(() => scan(text));
    const row = cpuMs(run);
    ratios.push(bytes / row / (text.length / ref));
  }
  return round(median(ratios), 2);
}
const flatRows = [];
for (const bytes of piecesBySize.keys()) {
  const reps = Math.max(1, Math.round(MB / bytes));
  flatRows.push({ input: `mixed text, ${bytes >= 1e6 ? `${bytes / 1e6} MB` : `${bytes / 1e3} KB`}`, ratio: interleavedRatio(() => scanPieces(bytes, reps), bytes * reps) });
}
for (const [name, calls] of adversarialTexts) {
  const units = calls.reduce((n, t) => n + t.length, 0);
  flatRows.push({ input: `${name}, 1 MB`, ratio: interleavedRatio(() => scanCalls(calls), units) });
}
const flatness = flatRows.map((row) => ({ ...row, within20pct: row.ratio >= 0.8 && row.ratio <= 1.2, notSlower: row.ratio >= 0.8 }));

const result = {
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  rules: { pii: PII_PATTERNS.length, secrets: SECRET_RULES.length },
  policy: { compileMs: round(compileMs), bundleBytes: bundle.bytes.length },
  mixed1MB: {
    bytes: text.length,
    sha256: sha,
    enforcecore: { ms: round(ours.ms, 2), mbPerSec: mbps(text.length, ours.ms), matches: ours.result, note: `preCall on one 1 MB value: UTF-8 encode, copy, decode, evasion defences, ${RULES.length} rules, checks, report` },
    v8RegExp: { ms: round(theirsV8.ms, 2), mbPerSec: mbps(text.length, theirsV8.ms), matches: theirsV8.result, note: "matchAll per pattern, no checks" },
    re2js: { ms: round(theirsRe2.ms, 2), mbPerSec: mbps(text.length, theirsRe2.ms), matches: theirsRe2.result, note: "Matcher.find per pattern, no checks" },
  },
  sizes,
  adversarial,
  flatness: { referenceMbPerSec: reference, method: "CPU time, rounds alternating the 1 MB mixed text and the row, median of per-round ratios", rows: flatness },
  nonAscii,
  short130: { p50us: round(median(shortUs), 2), p99us: round(pct(shortUs, 0.99), 2) },
  peerCompileFailures: failures,
};
const json = JSON.stringify(result, null, 2);
if (OUT) writeFileSync(OUT, `${json}\n`);
console.log(json);
