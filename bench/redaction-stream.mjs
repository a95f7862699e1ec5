// Streaming redaction throughput (core/redact-stream.ts) against redacting the same text in one
// call, on 0.5 MB of mixed prose with PII and secrets, for chunk sizes from 16 units (token-sized
// LLM deltas) to 64 KiB. Two policies: the default PII categories (hold-back H = 328 units) and
// every PII category plus every secret rule (H = 65,543: the PEM rules' maxLen), the latter also
// with `maxMatchLength: 16384` (H = 16,392, the default before PEM blocks were held whole), in the
// same run, so the cost of holding back a whole PEM block is measured under the same load.
//
// A `dense` section streams a CSV of e-mails and phones (a finding every ~17 units: thousands per
// window) under every rule. An engine that reports 1,024 findings per call (before ABI 2) then
// asks for each window's findings in several report ranges, each rescanning the window
// (docs/REDACTION.md, "Streaming"); the shipped engine reports 65,536 and makes one call per
// window. Its reference is the one-shot result computed by report ranges of the whole text.
//
//   npm run build && node bench/redaction-stream.mjs [--quick] [--out file.json] [--dist path/to/node.js]
//
// `--dist` measures another build (e.g. one made from an earlier commit) with the same texts; a
// stream that fails is reported as `{ error: code }` (before report windows, the dense text threw
// redaction_stream_overflow).
//
// Prints one JSON object: per policy and chunk size, MB/s (median of the runs, after a warm-up),
// p50/p99 time per push call, and whether the output equals the one-shot redaction; then the
// time of whole short streams (`shortReplies`: a 2 KB reply, shared and fresh scan engines).
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { xorshift32 } from "../build/tsc/eval/redaction/checksums.js";

const args = process.argv.slice(2);
const DIST = args.includes("--dist") ? pathToFileURL(args[args.indexOf("--dist") + 1]).href : "../dist/node.js";
const { compilePolicyObject, createStreamRedactor, loadEngineSync, redactSpans, replacementFor } = await import(DIST);
const QUICK = args.includes("--quick");
const OUT = args.includes("--out") ? args[args.indexOf("--out") + 1] : null;
const RUNS = QUICK ? 3 : 7;

const rnd = xorshift32(0x2545f491);
const WORDS = "the agent reads a report about quarterly results and drafts a reply for the team while the scheduler waits José Zoë Müller 😀".split(" ");
const VALUES = ["john.doe@example.com", "(555) 123-4567", "123-45-6789", "4111 1111 1111 1111", "10.0.0.1", "DE89 3704 0044 0532 0130 00", "AKIAIOSFODNN7EXAMPLE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "jo\u200Bhn&#64;example.com"];
function text(units) {
  const parts = [];
  let n = 0;
  while (n < units) {
    const p = rnd(120) === 0 ? VALUES[rnd(VALUES.length)] : WORDS[rnd(WORDS.length)];
    parts.push(p);
    n += p.length + 1;
  }
  return parts.join(" ").slice(0, units);
}

// 512 Ki units with a value every ~120 words: about 650 values, so that the one-shot reference stays
// under 1,024 findings per call (what engines before ABI 2 report; `--dist` may measure one).
const T = text(QUICK ? 131_072 : 524_288);
const MB = new TextEncoder().encode(T).length / 1e6;
const policies = {
  default_pii: compilePolicyObject({ name: "bench-default", rules: { pii_redaction: { enabled: true } } }),
  all_pii_and_secrets: compilePolicyObject({
    name: "bench-all",
    rules: {
      pii_redaction: {
        enabled: true,
        categories: ["email", "phone", "ssn", "credit_card", "ip_address", "passport", "iban", "ipv6", "mac_address", "us_routing_number", "uk_nino", "ca_sin", "btc_address", "eth_address", "date_of_birth", "us_ein", "es_dni", "es_nie", "it_fiscal_code", "in_pan", "in_aadhaar", "br_cpf", "nl_bsn", "phone_intl", "uk_postcode", "us_zip4", "vin", "us_itin", "uk_nhs", "de_tax_id", "fr_nir", "sg_nric", "fi_hetu", "pl_pesel", "au_tfn", "us_npi", "cn_resident_id", "se_personnummer", "za_id", "au_medicare"],
        secrets: { enabled: true },
      },
    },
  }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

// [name, bundle, stream options]
const variants = [
  ["default_pii", policies.default_pii, {}],
  ["all_pii_and_secrets", policies.all_pii_and_secrets, {}],
  ["all_pii_and_secrets_capped_16384", policies.all_pii_and_secrets, { maxMatchLength: 16_384 }],
];
const results = {};
for (const [name, bundle, streamOptions] of variants) {
  const engine = loadEngineSync();
  engine.loadPolicy(bundle);
  const oneShot = () => {
    const d = engine.postCall({ tool: "redact", output: T, now: 0 });
    if (d.violations.some((v) => v.type === "too_many_violations")) throw new Error("bench text too dense for one engine call");
    return redactSpans(T, d.violations, replacementFor(bundle.meta)).value;
  };
  const expected = oneShot();
  const times = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    oneShot();
    if (i > 0) times.push(performance.now() - t0);
  }
  const row = { holdBack: createStreamRedactor({ bundle, ...streamOptions }).holdBack, one_shot_MBps: +(MB / (median(times) / 1000)).toFixed(1), chunks: {} };
  for (const size of [16, 256, 4096, 65536]) {
    const chunks = [];
    for (let i = 0; i < T.length; i += size) chunks.push(T.slice(i, i + size));
    const runTimes = [];
    let push = [];
    let equal = true;
    for (let i = 0; i < RUNS + 1; i++) {
      const r = createStreamRedactor({ bundle, ...streamOptions });
      const pushes = [];
      let out = "";
      const t0 = performance.now();
      for (const c of chunks) {
        const p0 = performance.now();
        out += r.push(c);
        pushes.push(performance.now() - p0);
      }
      out += r.flush();
      const dt = performance.now() - t0;
      if (i > 0) {
        runTimes.push(dt);
        push = push.concat(pushes);
        equal &&= out === expected;
      }
    }
    row.chunks[size] = { MBps: +(MB / (median(runTimes) / 1000)).toFixed(1), push_p50_us: +(pct(push, 50) * 1000).toFixed(1), push_p99_us: +(pct(push, 99) * 1000).toFixed(1), equals_one_shot: equal };
  }
  results[name] = row;
}

// ---- dense PII: more findings per window than one engine call reports ----
const D = (() => {
  const rows = [];
  let n = 0;
  for (let i = 0; n < (QUICK ? 131_072 : 524_288); i++) {
    const row = `user${i}@example.com,(555) 2${String(i % 100).padStart(2, "0")}-${String(i).padStart(4, "0").slice(-4)}\n`;
    rows.push(row);
    n += row.length;
  }
  return rows.join("");
})();
const DMB = new TextEncoder().encode(D).length / 1e6;
/** The one-shot reference by report ranges (null when this build has no report window). */
function denseReference(bundle) {
  const engine = loadEngineSync();
  engine.loadPolicy(bundle);
  const found = [];
  for (let from = 0; from < D.length; from += 10_000) {
    const d = engine.postCall({ tool: "redact", output: D, now: 0, reportWindow: { from, to: Math.min(D.length, from + 10_000) } });
    if (d.violations.some((v) => v.type === "too_many_violations")) return null;
    found.push(...d.violations);
  }
  return redactSpans(D, found, replacementFor(bundle.meta)).value;
}
const dense = {};
for (const [name, bundle] of [["default_pii", policies.default_pii], ["all_pii_and_secrets", policies.all_pii_and_secrets]]) {
  const expected = denseReference(bundle);
  const row = { holdBack: createStreamRedactor({ bundle }).holdBack, findings: D.split("\n").length * 2 - 2, chunks: {} };
  for (const size of [16, 4096, 65536]) {
    const chunks = [];
    for (let i = 0; i < D.length; i += size) chunks.push(D.slice(i, i + size));
    const runTimes = [];
    let calls = 0;
    let equal = expected !== null;
    let error = null;
    for (let i = 0; i < RUNS + 1 && error === null; i++) {
      let n = 0;
      const createEngine = () => {
        const e = loadEngineSync();
        const post = e.postCall.bind(e);
        e.postCall = (req) => {
          n++;
          return post(req);
        };
        return e;
      };
      const r = createStreamRedactor({ bundle, createEngine });
      let out = "";
      const t0 = performance.now();
      try {
        for (const c of chunks) out += r.push(c);
        out += r.flush();
      } catch (err) {
        error = err.code ?? String(err);
        break;
      }
      const dt = performance.now() - t0;
      if (i > 0) {
        runTimes.push(dt);
        calls = n;
        equal &&= out === expected;
      }
    }
    row.chunks[size] = error !== null ? { error } : { MBps: +(DMB / (median(runTimes) / 1000)).toFixed(1), engine_calls: calls, equals_one_shot: expected === null ? null : equal };
  }
  dense[name] = row;
}

// ---- short replies: one stream per LLM reply ----
// A 2 KB reply with two values, pushed in 16-unit chunks: the time of one whole stream, as an
// enforcer's streamed tool result pays it per call. `shared`: the host's engine factory, whose
// streams share one scan engine per bundle; `fresh`: a new factory per stream, so each stream
// loads the policy into an engine of its own (every stream did before engines were shared).
const REPLY = "Sure! I have updated the record for Jane (jane.doe@example.com, (555) 123-4567). Anything else? ".repeat(20);
const replyChunks = REPLY.match(/[\s\S]{1,16}/g);
const shortReplies = {};
for (const [name, bundle] of [["default_pii", policies.default_pii], ["all_pii_and_secrets", policies.all_pii_and_secrets]]) {
  const row = { units: REPLY.length };
  for (const [mode, options] of [["shared", () => ({})], ["fresh", () => ({ createEngine: () => loadEngineSync() })]]) {
    const ms = [];
    for (let i = 0; i < (QUICK ? 20 : 100) + 5; i++) {
      const t0 = performance.now();
      const r = createStreamRedactor({ bundle, ...options() });
      let out = "";
      for (const c of replyChunks) out += r.push(c);
      out += r.flush();
      if (i >= 5) ms.push(performance.now() - t0);
      if (out.includes("jane.doe@example.com")) throw new Error("a short reply was not redacted");
    }
    row[mode] = { stream_p50_ms: +pct(ms, 50).toFixed(2), stream_p99_ms: +pct(ms, 99).toFixed(2) };
  }
  shortReplies[name] = row;
}

const out = { bench: "redaction-stream", node: process.version, mb: +MB.toFixed(2), runs: RUNS, results, dense: { mb: +DMB.toFixed(2), results: dense }, shortReplies };
console.log(JSON.stringify(out, null, 2));
if (OUT) writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
