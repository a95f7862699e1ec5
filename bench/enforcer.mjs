// End-to-end overhead of an enforced call (issue 7's target): enforcer.call around a no-op tool,
// against calling the no-op directly, in the same process. `node bench/enforcer.mjs [--json] [--quick]`
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
const report = { machine: machineInfo(), command: `node bench/enforcer.mjs${quick ? " --quick" : ""}`, iterations: N, rows };
if (json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`machine: ${machineLine(report.machine)}\n`);
  console.log("| benchmark (µs) | p50 | p95 | p99 | p99.9 |\n|---|---:|---:|---:|---:|");
  for (const r of rows) console.log(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.p999.toFixed(1)} |`);
}
