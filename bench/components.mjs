// The Python original's component benchmarks (its eval/benchmarks.py `run_all`), measured here
// on enforcecore, each with p50/p95/p99/p99.9 and the original's published numbers beside ours.
//
//   node bench/components.mjs [--json] [--quick] [--out FILE]
//
// The original's figures come from its docs/benchmarks.md (Apple Silicon arm64, Python 3.14.2,
// 1,000 iterations after 100 warm-ups; see ../shared/reference/enforcecore-inventory.md §6.6):
// another machine and another language, so the ratio is indicative only. Where our component does
// different work from the original's (the rate limiter and the resource guard are inside the
// engine's decision or around the tool call here, not separate objects), the row says so in
// `what`, and a baseline row beside it shows the cost without the component.
//
// Reported, never asserted. Exit 1 only when the benchmark itself is broken (dist/ missing, or a
// call gets a decision other than the one it is meant to time).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { machineInfo, machineLine, measure, measureAsync, timerOverheadNs } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const JSON_OUT = argv.includes("--json");
const OUT = argv.includes("--out") ? argv[argv.indexOf("--out") + 1] : null;
const log = (m) => process.stderr.write(`${m}\n`);

let api;
try {
  api = await import(join(here, "../dist/node.js"));
} catch (e) {
  log(`bench/components.mjs: cannot import dist/node.js (run \`npm run build\` first): ${e.message}`);
  process.exit(1);
}
const { compilePolicyObject, createEnforcer, loadEngineSync, openAuditTrail, redactSpans, replacementFor, verifyAuditTrail } = api;

const N = QUICK ? { warm: 200, it: 2_000, asyncWarm: 100, asyncIt: 1_000, verifyIt: 20 } : { warm: 2_000, it: 20_000, asyncWarm: 1_000, asyncIt: 10_000, verifyIt: 200 };

/** The original's published numbers (docs/benchmarks.md), ms converted to µs. */
const ms = (p50, p95, p99, p999) => ({ p50: p50 * 1000, p95: p95 * 1000, p99: p99 * 1000, p999: p999 * 1000 });
export const ORIGINAL = {
  source: "EnforceCore (Python) docs/benchmarks.md: Apple Silicon arm64, Python 3.14.2, 1,000 iterations, 100 warm-up",
  rows: {
    policy_pre_call: ms(0.0118, 0.0196, 0.2275, 69.3257),
    policy_post_call: ms(0.0002, 0.0003, 0.0003, 0.0005),
    pii_redaction: ms(0.0279, 0.0357, 0.275, 0.7607),
    pii_clean_text: ms(0.0282, 0.0324, 0.0405, 0.0858),
    pii_long_text: ms(0.1286, 0.1563, 0.2204, 0.3584),
    audit_record: ms(0.0677, 0.1267, 0.2324, 1.5794),
    audit_verify_100: ms(1.1136, 1.3251, 1.4568, 1.4568),
    guard_overhead: ms(0.0002, 0.0003, 0.0003, 0.0032),
    rate_limiter: ms(0.0003, 0.0005, 0.0016, 0.0256),
    secret_detection: ms(0.0117, 0.0119, 0.0166, 0.0655),
    policy_allowlist_100: ms(0.0194, 0.0243, 0.3412, 0.9967),
    policy_allowlist_1000: ms(0.0503, 0.0624, 0.1042, 0.1875),
    policy_allowlist_10000: ms(0.4081, 0.5582, 0.7181, 1.979),
    enforcer_e2e: ms(0.0561, 0.2566, 0.8919, 3.1739),
    enforcer_e2e_with_pii: ms(0.0929, 0.4322, 0.8068, 0.9326),
  },
};

const results = [];
const add = (id, what, r) => {
  const o = ORIGINAL.rows[id];
  results.push({ id, what, ...r, original: o ?? null, ratioP50: o ? Number((r.p50 / o.p50).toPrecision(3)) : null });
  log(`  ${id}: p50 ${r.p50} µs, p99 ${r.p99} µs`);
};
const opts = { warmup: N.warm, iterations: N.it };
const aopts = { warmup: N.asyncWarm, iterations: N.asyncIt };

function engineFor(policy) {
  const e = loadEngineSync();
  e.loadPolicy(compilePolicyObject(policy));
  return e;
}
function expect(d, kind, what) {
  const ok = kind === "allow" ? d.allowed : kind === "deny" ? !d.allowed : d.decision === kind;
  if (!ok) {
    log(`benchmark setup: ${what}: expected ${kind}, got ${d.decision} (${d.violations.map((v) => v.reason).join("; ")})`);
    process.exit(1);
  }
}

const machine = machineInfo();
log(`machine: ${machineLine(machine)}`);
const timer = timerOverheadNs(QUICK ? 10_000 : 100_000);
const t0 = Date.now();
let now = 1_000_000;
const tick = () => (now += 1000);

// ---- policy pre-call and post-call: the original's 3 allowed / 2 denied rotation -----------------
{
  const policy = { name: "bench-policy", rules: { allowed_tools: ["search_web", "calculator", "get_weather"], denied_tools: ["execute_shell", "delete_file"] } };
  const e = engineFor(policy);
  const calls = [
    { tool: "search_web", args: { query: "enforcecore" }, allow: true },
    { tool: "execute_shell", args: { command: "ls" }, allow: false },
    { tool: "calculator", args: { expression: "2 + 2" }, allow: true },
    { tool: "delete_file", args: { path: "/tmp/x" }, allow: false },
    { tool: "get_weather", args: { city: "Paris" }, allow: true },
  ];
  for (const c of calls) {
    const d = e.preCall({ tool: c.tool, args: c.args, now: tick() });
    expect(d, c.allow ? "allow" : "deny", c.tool);
    if (d.allowed) e.postCall({ tool: c.tool, output: "ok", now });
  }
  let i = 0;
  let open = null;
  add(
    "policy_pre_call",
    "engine.preCall, allow/deny lists of 3 + 2 tools, rotating 3 allowed / 2 denied calls",
    measure(
      "policy pre-call",
      () => {
        const c = calls[i++ % calls.length];
        open = c.allow ? c.tool : null;
        e.preCall({ tool: c.tool, args: c.args, now: tick() });
      },
      { ...opts, between: () => open && e.postCall({ tool: open, output: "ok", now }) },
    ),
  );
  add(
    "policy_post_call",
    "engine.postCall on a short string result (output checks run; the original's post-call checked nothing)",
    measure("policy post-call", () => e.postCall({ tool: "search_web", output: "3 results for enforcecore", now }), {
      ...opts,
      between: () => e.preCall({ tool: "search_web", args: { query: "enforcecore" }, now: tick() }),
    }),
  );
}

// ---- PII: detect (engine) + apply the mask strategy (host), as one redaction ------------------------
{
  const policy = { name: "bench-pii", rules: { pii_redaction: { enabled: true, categories: ["email", "phone", "ssn", "credit_card", "ip_address"], strategy: "mask" } } };
  const bundle = compilePolicyObject(policy);
  const e = loadEngineSync();
  e.loadPolicy(bundle);
  const repl = replacementFor(bundle.meta);
  const redact = (text) => {
    const d = e.preCall({ tool: "redact", args: text, now: 0 });
    const spans = d.violations.filter((v) => v.span);
    return spans.length ? redactSpans(text, spans, repl).value : text;
  };
  e.preCall({ tool: "redact", args: "warm", now: 0 });
  const short = "Contact john.doe@example.com or call (555) 123-4567, SSN 123-45-6789, for the account review."; // ~100 chars
  const clean = "The quarterly report shows steady growth across all regions, with no incidents reported this time.";
  const para =
    "Customer record: Jane Roe (jane.roe@example.org, +1 415-555-0134) paid with 4111 1111 1111 1111 from 192.168.10.24; " +
    "her SSN 078-05-1120 is on file. The follow-up call is scheduled for next week with the billing team. ";
  const long = para.repeat(8);
  const check = (text, n) => {
    const d = e.preCall({ tool: "redact", args: text, now: 0 });
    if (d.violations.filter((v) => v.span).length !== n) {
      log(`benchmark setup: expected ${n} PII spans, got ${d.violations.length}`);
      process.exit(1);
    }
  };
  check(short, 3);
  check(clean, 0);
  check(long, 40);
  add("pii_redaction", `detect + mask 3 entities (email, phone, SSN) in ${short.length} characters; 5 categories`, measure("pii short", () => redact(short), opts));
  add("pii_clean_text", `scan ${clean.length} characters with no PII; 5 categories`, measure("pii clean", () => redact(clean), opts));
  add("pii_long_text", `detect + mask 40 entities in ${long.length} characters (8 × a paragraph)`, measure("pii long", () => redact(long), opts));
}

// ---- secret detection -----------------------------------------------------------------------------
{
  const e = engineFor({ name: "bench-secrets", rules: { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true } } } });
  const text = "deploy step: export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE before running the sync job tonight";
  const d = e.preCall({ tool: "t", args: text, now: 0 });
  expect(d, "redact", "secret text");
  add("secret_detection", `engine scan of ${text.length} characters with one AWS key, every secret rule`, measure("secret detection", () => e.preCall({ tool: "t", args: text, now: 0 }), opts));
}

// ---- rate limiter: inside the engine's decision ------------------------------------------------------
{
  const base = engineFor({ name: "bench-empty", rules: {} });
  const rl = engineFor({
    name: "bench-rate",
    rules: { rate_limits: { enabled: true, per_tool: { search_web: { max_calls: 100_000, window_seconds: 60 } }, global_limit: { max_calls: 100_000, window_seconds: 60 } } },
  });
  const call = { tool: "search_web", args: { query: "x" } };
  expect(rl.preCall({ ...call, now: tick() }), "allow", "rate-limited call");
  rl.postCall({ tool: call.tool, output: null, now });
  add(
    "rate_limiter",
    "engine.preCall with per-tool and global rate windows (the limiter is part of the decision; see the baseline row)",
    measure("rate limiter", () => rl.preCall({ ...call, now: tick() }), { ...opts, between: () => rl.postCall({ tool: call.tool, output: null, now }) }),
  );
  results.push({
    id: "baseline_pre_call_empty",
    what: "baseline: engine.preCall with an empty policy (same call)",
    ...measure("baseline", () => base.preCall({ ...call, now: tick() }), { ...opts, between: () => base.postCall({ tool: call.tool, output: null, now }) }),
    original: null,
    ratioP50: null,
  });
}

// ---- allow lists of 100 / 1,000 / 10,000 tools -----------------------------------------------------
for (const n of [100, 1_000, 10_000]) {
  const tools = Array.from({ length: n }, (_, i) => `svc${String(i).padStart(5, "0")}_action`);
  const e = engineFor({ name: `allow-${n}`, rules: { allowed_tools: tools } });
  const listed = tools[n - 1];
  expect(e.preCall({ tool: listed, args: {}, now: 1 }), "allow", listed);
  e.postCall({ tool: listed, output: null, now: 1 });
  add(
    `policy_allowlist_${n}`,
    `engine.preCall, ${n.toLocaleString("en")} exact names allowed, the last one called`,
    measure(`allowlist ${n}`, () => e.preCall({ tool: listed, args: {}, now: 1 }), { ...opts, between: () => e.postCall({ tool: listed, output: null, now: 1 }) }),
  );
}

// ---- enforcer end to end (audit off, as the original measured), guard overhead, audit on -----------
{
  const noop = (a) => a;
  const plain = createEnforcer({ policy: { name: "e2e", rules: { allowed_tools: ["search_web"], denied_tools: ["execute_shell"] } } });
  const withPii = createEnforcer({ policy: { name: "e2e-pii", rules: { allowed_tools: ["search_web"], pii_redaction: { enabled: true } } } });
  const limited = createEnforcer({
    policy: { name: "e2e-limits", rules: { allowed_tools: ["search_web"], denied_tools: ["execute_shell"], resource_limits: { max_call_duration_seconds: 30, max_cost_usd: 1000 } } },
  });
  const args = { query: "weather in Paris" };
  const piiArgs = { query: "weather in Paris", contact: "write to jane@example.com or call (555) 123-4567" };
  const out = await withPii.call("search_web", piiArgs, noop);
  if (JSON.stringify(out).includes("jane@example.com")) {
    log("benchmark setup: PII was not redacted");
    process.exit(1);
  }
  add("enforcer_e2e", "enforcer.call around a no-op tool: pre-call, tool, post-call (no audit, as the original)", await measureAsync("e2e", () => plain.call("search_web", args, noop), aopts));
  add("enforcer_e2e_with_pii", "the same with PII redaction of 2 entities in the arguments", await measureAsync("e2e pii", () => withPii.call("search_web", piiArgs, noop), aopts));
  add(
    "guard_overhead",
    "enforcer.call with resource limits (a 30 s time-limit race + cost budget) around the no-op tool; compare with enforcer_e2e",
    await measureAsync("guard", () => limited.call("search_web", args, noop), aopts),
  );
  results.push({
    id: "baseline_direct_call",
    what: "baseline: awaiting the no-op tool directly",
    ...(await measureAsync("direct", async () => noop(args), aopts)),
    original: null,
    ratioP50: null,
  });

  // Audit record: one entry through a real trail file (batched fsync, the default); a sample that
  // triggers a flush awaits it, so flushes land in the tail.
  const dir = mkdtempSync(join(tmpdir(), "ec-bench-audit-"));
  try {
    const trail = await openAuditTrail({ path: join(dir, "trail.jsonl") });
    const record = {
      callId: "call-1",
      time: 1_767_225_600_000,
      tool: "search_web",
      tenant: null,
      outcome: "allowed",
      violations: [],
      redactions: { input: 0, output: 0 },
      policyDigest: "a".repeat(64),
      engineDigest: "b".repeat(64),
      durationMs: 1,
      error: null,
      requests: [new Uint8Array([1, 0, 0, 0, 7])],
      args,
      result: { hits: [1, 2, 3] },
    };
    add(
      "audit_record",
      "trail.record: canonical JSON entry, SHA-256 digests, Merkle leaf, batched write + fsync to a temporary file",
      await measureAsync(
        "audit record",
        (i) => {
          const r = trail.record({ ...record, callId: `call-${i}` });
          return r ?? undefined;
        },
        aopts,
      ),
    );
    const audited = createEnforcer({ policy: { name: "e2e-audit", rules: { allowed_tools: ["search_web"] } }, audit: trail });
    results.push({
      id: "enforcer_e2e_with_audit",
      what: "ours: enforcer.call with the audit trail on (entry + Merkle leaf per call, batched fsync)",
      ...(await measureAsync("e2e audit", () => audited.call("search_web", args, noop), aopts)),
      original: null,
      ratioP50: null,
    });
    await trail.close();

    const small = join(dir, "hundred.jsonl");
    const t100 = await openAuditTrail({ path: small, fsync: "none" });
    for (let i = 0; i < 100; i++) await t100.record({ ...record, callId: `c${i}`, time: record.time + i });
    await t100.close();
    const v = await verifyAuditTrail(small);
    if (!v.ok || v.size !== 100) {
      log(`benchmark setup: the 100-entry trail does not verify: ${JSON.stringify(v.problem)}`);
      process.exit(1);
    }
    add("audit_verify_100", "verifyAuditTrail of a 100-entry trail file: read, parse, leaf hashes, Merkle root, checkpoint", await measureAsync("verify 100", () => verifyAuditTrail(small), { warmup: 10, iterations: N.verifyIt }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const report = {
  schema: 1,
  benchmark: "components",
  date: new Date().toISOString(),
  command: `node bench/components.mjs${argv.length ? ` ${argv.join(" ")}` : ""}`,
  quick: QUICK,
  durationMs: Date.now() - t0,
  machine: { ...machine, loadavgEnd: machineInfo().loadavg },
  timerOverheadNs: timer,
  original: { source: ORIGINAL.source },
  results,
  notes: [
    "Times in µs; percentiles nearest rank, per call (batch 1).",
    "original = the Python original's published numbers on another machine; ratioP50 = ours / original at p50.",
  ],
};
const json = `${JSON.stringify(report, null, 2)}\n`;
if (OUT) {
  mkdirSync(dirname(resolve(OUT)), { recursive: true });
  writeFileSync(resolve(OUT), json);
}
if (JSON_OUT) process.stdout.write(json);
else {
  const f = (x) => (x === null || x === undefined ? "–" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const L = [`machine: ${machineLine(machine)}${QUICK ? " (--quick: smoke run)" : ""}`, "", "| component (µs) | p50 | p95 | p99 | p99.9 | original p50 | original p99 | ours/original p50 |", "|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const r of results) L.push(`| ${r.id} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.original?.p50)} | ${f(r.original?.p99)} | ${r.ratioP50 ?? "–"} |`);
  process.stdout.write(`${L.join("\n")}\n`);
}
