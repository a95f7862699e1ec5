// End-to-end overhead of an enforced call (issue 7's target): enforcer.call around a no-op tool,
// against calling the no-op directly, in the same process; then whole calls whose tool returns a
// result set of 1,000 or 20,000 rows to redact. `node bench/enforcer.mjs [--json] [--quick]`
// Targets (reported, not asserted): policy + redaction p50 <= 30 us, p99 <= 100 us.
import { createEnforcer } from "../dist/node.js";
import { gc, machineInfo, machineLine, summarize } from "./harness.mjs";

const quick = process.argv.includes("--quick");
const json = process.argv.includes("--json");
const N = quick ? 2_000 : 50_000;
const WARM = quick ? 500 : 5_000;

/** Async samples: each awaits one call; percentiles are per call. */
async function measureAsync(name, fn) {
  for (let i = 0; i < WARM; i++) await fn();
  gc();
  const samples = new Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - t0);
  }
  return summarize(name, samples);
}

const noop = (args) => args;
const args = { query: "weather in Paris", contact: "write to jane@example.com", url: "https://en.wikipedia.org/wiki/Paris" };
const policy = {
  name: "bench",
  rules: {
    allowed_tools: ["search_web"],
    denied_tools: ["execute_shell"],
    pii_redaction: { enabled: true },
    network: { enabled: true, allowed_domains: ["*.wikipedia.org"] },
    content_rules: { enabled: true, block_patterns: [] },
  },
};
const enforcer = createEnforcer({ policy });

const rows = [
  await measureAsync("direct call of the no-op tool (await)", async () => noop(args)),
  await measureAsync("enforced call: policy + content rules + PII redaction (1 email)", () => enforcer.call("search_web", args, noop)),
  await measureAsync("enforced call, clean arguments", () => enforcer.call("search_web", { query: "weather in Paris" }, noop)),
  await measureAsync("enforced call, denied tool (error thrown)", () => enforcer.call("execute_shell", {}, noop).catch(() => {})),
];
// Result sets: a tool that returns rows with an e-mail address and a phone number each, every
// value redacted on the way out (docs/REDACTION.md, "Strategies": one copy per container). Whole
// calls, milliseconds: tool, post-call scan of every value, redacted copy of the result.
const rowsEnforcer = createEnforcer({ policy: { name: "bench-rows", rules: { pii_redaction: { enabled: true, categories: ["email", "phone"] }, redact_output: true } } });
const resultSets = [];
for (const n of quick ? [1_000] : [1_000, 20_000]) {
  const data = Array.from({ length: n }, (_, i) => ({ id: i, email: `user${i}@example.com`, phone: `(555) 2${String(i % 100).padStart(2, "0")}-${String(i % 10_000).padStart(4, "0")}`, note: "regular customer" }));
  const call = () => rowsEnforcer.call("db_query", {}, () => data);
  for (let i = 0; i < 2; i++) await call();
  gc();
  const samples = [];
  for (let i = 0; i < (quick ? 3 : n > 5_000 ? 9 : 31); i++) {
    const t0 = process.hrtime.bigint();
    const out = await call();
    samples.push(Number(process.hrtime.bigint() - t0));
    if (out[n - 1].email !== "<EMAIL>") throw new Error("a result set was not redacted");
  }
  const s = summarize(`${n} rows`, samples);
  resultSets.push({ rows: n, findings: 2 * n, runs: s.iterations, p50Ms: +(s.p50 / 1000).toFixed(1), maxMs: +(s.max / 1000).toFixed(1), rowsPerSec: Math.round(n / (s.p50 / 1e6)) });
}

const report = { machine: machineInfo(), command: `node bench/enforcer.mjs${quick ? " --quick" : ""}`, iterations: N, rows, resultSets };
if (json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`machine: ${machineLine(report.machine)}\n`);
  console.log("| benchmark (µs) | p50 | p95 | p99 | p99.9 |\n|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p999.toFixed(1)} |`);
  console.log("\n| result set redacted by enforcer.call | findings | p50 ms | max ms | rows/s |\n|---|---:|---:|---:|---:|");
  for (const r of resultSets) console.log(`| ${r.rows.toLocaleString("en-US")} rows | ${r.findings.toLocaleString("en-US")} | ${r.p50Ms} | ${r.maxMs} | ${r.rowsPerSec.toLocaleString("en-US")} |`);
}
