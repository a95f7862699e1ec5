// A/B of two engine builds on the redaction path, in one process: each text is scanned by both,
// calls alternated in both orders, so the shared machine's load hits both alike.
//
//   node bench/ab-redaction.mjs <old build's dist/node.js> <new build's dist/node.js>
//
// (build the old commit in a scratch copy: `git archive <commit> | tar -x -C /tmp/old`, link
// node_modules, `npm run build`). Prints JSON: per text, MB/s of each (medians of 101 calls after
// 20 warm-up pairs) and the median of the per-pair time ratios new/old (1.00 = no change). One
// call reports at most 1,024 findings, so the prose holds about 600 entities per MB.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [oldPath, newPath] = process.argv.slice(2);
if (!oldPath || !newPath) throw new Error("usage: node bench/ab-redaction.mjs <old dist/node.js> <new dist/node.js>");
const load = async (p) => import(pathToFileURL(resolve(p)).href);
const A = await load(oldPath);
const B = await load(newPath);
const { PII_PATTERNS } = await import("../build/tsc/engine/compiler/pii.js");
const { prng } = await import("../build/tsc/eval/redaction/checksums.js");
const policy = { name: "ab", rules: { pii_redaction: { enabled: true, categories: PII_PATTERNS.map((p) => p.category), secrets: { enabled: true } } } };
const ea = A.loadEngineSync();
ea.loadPolicy(A.compilePolicyObject(policy));
const eb = B.loadEngineSync();
eb.loadPolicy(B.compilePolicyObject(policy));

const r = prng(7);
const WORDS = ["the", "report", "meeting", "customer", "invoice", "shipping", "profile", "first", "flow", "office", "data", "field"];
const ENTITIES = ["john.doe@example.com", "(555) 123-4567", "123-45-6789", "4111 1111 1111 1111", "10.0.0.1", "AKIAIOSFODNN7EXAMPLE"];
function prose(bytes) {
  let s = "";
  while (s.length < bytes) {
    s += `${WORDS[Math.floor(r() * WORDS.length)]} `;
    if (r() < 0.004) s += `${ENTITIES[Math.floor(r() * ENTITIES.length)]} `;
  }
  return s.slice(0, bytes);
}
const MB = 1_000_000;
const base = prose(MB);
const TEXTS = {
  "ASCII prose": base,
  "percent escapes": "%41".repeat(MB / 3),
  "HTML entities": "&#64;".repeat(MB / 5),
  "zero-width": "\u200B".repeat(MB / 3),
  "accents (é)": base.replace(/e /g, "é "),
  "ligatures (ﬁ ﬂ ﬀ)": base.replace(/fi/g, "\uFB01").replace(/fl/g, "\uFB02").replace(/ff/g, "\uFB00"),
  Chinese: base.replace(/[a-z]{4,}/g, (w) => String.fromCharCode(...[...w].map((c) => 0x4e00 + c.charCodeAt(0) * 7))),
  "only expanding (⑽㎯ﬃ…)": "\u247D\u33AF\uFB03\u2026".repeat(MB / 12),
};

const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const rows = [];
for (const [name, text] of Object.entries(TEXTS)) {
  const run = (e) => {
    const t0 = performance.now();
    const n = e.preCall({ tool: "t", args: { text }, now: 1 }).violations.length;
    return [performance.now() - t0, n];
  };
  for (let i = 0; i < 20; i++) {
    run(ea);
    run(eb);
  }
  const ta = [];
  const tb = [];
  const ratios = [];
  let found = "";
  for (let i = 0; i < 101; i++) {
    const [a, b] = i & 1 ? [run(ea), run(eb)] : [run(eb), run(ea)].reverse();
    ta.push(a[0]);
    tb.push(b[0]);
    ratios.push(b[0] / a[0]);
    found = `${a[1]}/${b[1]}`;
  }
  const bytes = Buffer.byteLength(text);
  rows.push({ text: name, utf8Bytes: bytes, oldMBs: +(bytes / 1e3 / median(ta)).toFixed(1), newMBs: +(bytes / 1e3 / median(tb)).toFixed(1), medianRatio: +median(ratios).toFixed(3), findings: found });
}
console.log(JSON.stringify({ node: process.version, old: oldPath, new: newPath, rows }, null, 2));
