// Renders a bench/run.mjs JSON report as Markdown (pure: the same report gives the same text).
import { machineLine } from "./harness.mjs";

const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const row = (r, label = r.name) => `| ${label} | ${r.iterations}${r.batch > 1 ? ` × ${r.batch}` : ""} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.p999)} | ${f(r.mean)} | ${f(r.min)} | ${f(r.max)} |`;
const head = "| benchmark | samples | p50 | p95 | p99 | p99.9 | mean | min | max |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|";
const ms = (r, label = r.name) => `| ${label} | ${r.iterations} | ${(r.p50 / 1000).toFixed(3)} | ${(r.p95 / 1000).toFixed(3)} | ${(r.max / 1000).toFixed(3)} |`;
const msHead = "| step | samples | p50 | p95 | max |\n|---|---:|---:|---:|---:|";

export function toMarkdown(report) {
  const { results, targets, machine, timerOverheadNs: timer } = report;
  const L = [];
  L.push(`## enforcecore benchmarks${report.quick ? " (--quick: smoke run, numbers not meaningful)" : ""}`, "");
  L.push(`- Machine: ${machineLine(machine)} at the start, ${machine.loadavgEnd.join(" / ")} at the end`);
  L.push(`- Command: \`${report.command}\` (${report.date}, ${(report.durationMs / 1000).toFixed(1)} s)`);
  L.push(`- Engine: ${report.engine.wasmBytes} bytes, sha256 ${report.engine.digest.slice(0, 16)}…; policy: ${report.policy.source} (${report.policy.bundleBytes}-byte bundle)`);
  L.push(`- Clock: one \`process.hrtime.bigint()\` pair costs ${timer.p50} ns (p50), ${timer.p99} ns (p99); it is inside every batch-1 sample.`);
  L.push("- Times in µs unless the heading says ms. `samples × n` means each sample ran n calls and was divided by n (percentiles of batch means).", "");
  L.push("### Targets (reported, not asserted)", "", "| target | measured | goal | result | note |", "|---|---:|---|---|---|");
  for (const t of targets) L.push(`| ${t.what} | ${t.measured} ${t.unit} | ${t.goal}${t.unit === "ms" || t.unit === "µs" ? ` ${t.unit}` : ""} | ${t.pass ? "pass" : "**miss**"} | ${t.note} |`);
  L.push("", `### Decision latency, ${report.policy.source} (µs, Node, JS↔wasm boundary included)`, "", head);
  for (const r of results.latency) L.push(row(r));
  if (results.ablation?.length) {
    L.push("", "### Where the time goes: the same calls with parts of the policy removed (µs)", "", head);
    for (const r of results.ablation) L.push(row(r));
  }
  L.push("", "### Boundary cost: the engine vs a plain-JS allow/deny list check (µs; only the tool lists of the 100-rule policy)", "", head);
  for (const r of results.boundary) L.push(row(r));
  L.push("", "The comparison with `@cedar-policy/cedar-wasm` on the same machine is `node bench/peers.mjs`.", "");
  L.push("### Allow-list size (exact names; µs)", "", "| tools | bundle bytes | compile ms | load µs (p50) | listed p50 | listed p99 | unlisted p50 | unlisted p99 |", "|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results.allowlist) L.push(`| ${r.n} | ${r.bundleBytes} | ${r.compileMs} | ${f(r.loadP50Us)} | ${f(r.listed.p50)} | ${f(r.listed.p99)} | ${f(r.unlisted.p50)} | ${f(r.unlisted.p99)} |`);
  L.push("", `10,000 / 10 p50 ratio: listed ${results.allowlistRatio.listed}×, unlisted ${results.allowlistRatio.unlisted}×.`, "");
  L.push("### Cold start, in this process (ms; each sample compiles a distinct module)", "", msHead);
  for (const r of results.cold) L.push(ms(r));
  const cp = results.coldProcess;
  L.push("", `### Cold start, fresh process (ms; ${cp.processes} processes, \`bench/cold-child.mjs\`)`, "", msHead);
  for (const [k, r] of Object.entries(cp.phases)) L.push(ms(r, k));
  L.push(ms(cp.total, cp.total.name), ms(cp.totalWithFirstDecision, cp.totalWithFirstDecision.name));
  if (cp.totalWithoutDigest) L.push(ms(cp.totalWithoutDigest, cp.totalWithoutDigest.name));
  L.push("", "### Policy compile, YAML file → bundle (ms)", "", "| policy | samples | p50 | p95 | max | bundle bytes |", "|---|---:|---:|---:|---:|---:|");
  for (const r of results.compile) L.push(`| ${r.file} | ${r.iterations} | ${(r.p50 / 1000).toFixed(2)} | ${(r.p95 / 1000).toFixed(2)} | ${(r.max / 1000).toFixed(2)} | ${r.bundleBytes} |`);
  const s = results.sizes.wasm;
  L.push("", "### Sizes", "", `- engine.wasm: ${s.bytes} bytes (${(s.bytes / 1024).toFixed(1)} KiB; gzip -9 ${s.gzipBytes}, brotli ${s.brotliBytes})${s.distFileBytes !== null && s.distFileBytes !== s.bytes ? `; dist/engine.wasm is ${s.distFileBytes} bytes` : ""}`);
  L.push(`- bundles (bytes): ${results.sizes.bundles.map((b) => `${b.policy} ${b.bytes}`).join(", ")}`, "");
  return L.join("\n");
}
