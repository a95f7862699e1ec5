// Pure rendering of a combined benchmark report (bench/all.mjs) as Markdown: the same JSON always
// gives the same text, so the README's performance table can be regenerated and checked for drift
// (scripts/perf-table.mjs, test/bench/perf-table.test.ts).

/** A number with 3 significant digits at most, fixed notation (no exponent), "–" when missing. */
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (x >= 1000) return Math.round(x).toLocaleString("en");
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toPrecision(2);
}

const esc = (s) => String(s).replace(/\|/g, "\\|").replace(/\n/g, " ");

/** Latency rows { name, p50, p95, p99, p999 } (µs) and throughput rows { name, value, unit } of one suite. */
export function rowsOf(suite) {
  const r = suite.report;
  const latency = [];
  const throughput = [];
  if (!r) return { latency, throughput };
  const lat = (name, x) => latency.push({ name, p50: x.p50, p95: x.p95 ?? null, p99: x.p99 ?? null, p999: x.p999 ?? null, original: x.original ?? null });
  switch (suite.name) {
    case "components":
      for (const x of r.results) lat(x.id, x);
      break;
    case "engine":
      for (const x of r.results.latency) lat(x.name, x);
      for (const x of r.results.allowlist ?? []) {
        lat(`${x.n} tools: listed name`, x.listed);
        lat(`${x.n} tools: unlisted name`, x.unlisted);
      }
      for (const t of r.targets ?? []) throughput.push({ name: `target: ${t.what} (goal ${t.goal}${t.pass ? "" : ", missed"})`, value: t.measured, unit: t.unit });
      break;
    case "enforcer":
      for (const x of r.rows) lat(x.name, x);
      for (const x of r.resultSets ?? []) throughput.push({ name: `enforced call redacting ${x.rows.toLocaleString("en")} rows (${x.findings.toLocaleString("en")} findings)`, value: x.rowsPerSec, unit: "rows/s" });
      break;
    case "guard":
      for (const x of r.results) latency.push({ name: x.name, p50: x.p50_ms * 1000, p95: null, p99: x.p99_ms * 1000, p999: null, original: null });
      break;
    case "redaction":
      for (const [k, v] of Object.entries(r.mixed1MB ?? {})) if (v && typeof v === "object" && "mbPerSec" in v) throughput.push({ name: `1 MB mixed text: ${k}`, value: v.mbPerSec, unit: "MB/s" });
      for (const s of r.sizes ?? []) throughput.push({ name: `enforcecore on ${s.bytes.toLocaleString("en")} bytes`, value: s.mbPerSec, unit: "MB/s" });
      if (r.short130) latency.push({ name: "130-character text, all PII and secret rules", p50: r.short130.p50us, p95: null, p99: r.short130.p99us, p999: null, original: null });
      break;
    case "audit-append":
      throughput.push({ name: `trail appends (${r.entries.toLocaleString("en")} entries, ${r.fsync})`, value: r.appendsPerSecond, unit: "entries/s" });
      throughput.push({ name: "trail verification", value: r.verifyEntriesPerSecond, unit: "entries/s" });
      if (r.proofVerify) lat(r.proofVerify.name, r.proofVerify);
      if (r.replay) throughput.push({ name: `replay of an enforced session (${r.replay.calls.toLocaleString("en")} calls, byte-identical: ${r.replay.identical})`, value: r.replay.callsPerSecond, unit: "calls/s" });
      break;
    default:
      walk(r, "", latency);
  }
  return { latency, throughput };
}

/**
 * Generic: every object with a numeric p50 (µs) becomes a row labelled by the path to it (keys,
 * and the `label`/`name` of labelled objects). Clock calibration (`timerOverheadNs`) is not a row.
 */
function walk(o, ctx, out) {
  if (Array.isArray(o)) {
    for (const x of o) walk(x, ctx, out);
    return;
  }
  if (!o || typeof o !== "object") return;
  const own = o.label ?? o.name ?? [o.engine, o.kind, o.bytes !== undefined ? `${o.bytes} B` : undefined, o.pattern, o.n].filter((x) => x !== undefined && x !== "").join(" ");
  const label = [ctx, own].filter(Boolean).join(": ");
  if (typeof o.p50 === "number") out.push({ name: label, p50: o.p50, p95: o.p95 ?? null, p99: o.p99 ?? null, p999: o.p999 ?? null, original: null });
  for (const [k, v] of Object.entries(o)) {
    if (!v || typeof v !== "object" || k === "timerOverheadNs" || k === "machine") continue;
    walk(v, Array.isArray(v) ? label : [label, k].filter(Boolean).join(": "), out);
  }
}

export function machineText(m) {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}-${m.arch}, Node ${m.node}`;
}

/** The full Markdown of `enforcecore bench`: one latency and one throughput table per suite. */
export function toMarkdown(all) {
  const L = [`## enforcecore benchmarks${all.quick ? " (--quick: smoke run, numbers not meaningful)" : ""}`, ""];
  L.push(`- Machine: ${machineText(all.machine)}; load average ${all.machine.loadavg.join(" / ")} at the start`);
  L.push(`- Date: ${all.date}; command: \`${all.command}\`; ${(all.durationMs / 1000).toFixed(1)} s`);
  L.push("- Times in µs (nearest-rank percentiles); the suites' own JSON has more (mean, stdev, min, max, notes).", "");
  for (const s of all.suites) {
    L.push(`### ${s.name} (\`${s.command}\`)`, "");
    if (!s.ok) {
      L.push(`Failed (exit ${s.exitCode}): ${esc(s.error ?? "")}`, "");
      continue;
    }
    const { latency, throughput } = rowsOf(s);
    if (latency.length) {
      const withOriginal = latency.some((x) => x.original);
      L.push(`| benchmark | p50 | p95 | p99 | p99.9 |${withOriginal ? " original p50 | original p99 |" : ""}`, `|---|---:|---:|---:|---:|${withOriginal ? "---:|---:|" : ""}`);
      for (const x of latency) L.push(`| ${esc(x.name)} | ${fmt(x.p50)} | ${fmt(x.p95)} | ${fmt(x.p99)} | ${fmt(x.p999)} |${withOriginal ? ` ${fmt(x.original?.p50)} | ${fmt(x.original?.p99)} |` : ""}`);
      L.push("");
    }
    if (throughput.length) {
      L.push("| measure | value | unit |", "|---|---:|---|");
      for (const x of throughput) L.push(`| ${esc(x.name)} | ${fmt(x.value)} | ${esc(x.unit)} |`);
      L.push("");
    }
  }
  return L.join("\n");
}

/** The original's component names, in its order, with the label the README shows. */
export const README_COMPONENTS = [
  ["policy_pre_call", "policy pre-call (3 allowed / 2 denied tools)"],
  ["policy_post_call", "policy post-call"],
  ["pii_redaction", "PII redaction, 93 characters, 3 entities"],
  ["pii_clean_text", "PII scan, clean text"],
  ["pii_long_text", "PII redaction, 1.7 KB, 40 entities"],
  ["secret_detection", "secret detection (every secret rule)"],
  ["rate_limiter", "rate limiter (inside the decision)"],
  ["policy_allowlist_100", "allow list of 100 tools"],
  ["policy_allowlist_1000", "allow list of 1,000 tools"],
  ["policy_allowlist_10000", "allow list of 10,000 tools"],
  ["audit_record", "audit record (file, batched fsync)"],
  ["audit_verify_100", "audit verify, 100 entries"],
  ["guard_overhead", "guard overhead (enforced call with resource limits)"],
  ["enforcer_e2e", "end to end, enforced call"],
  ["enforcer_e2e_with_pii", "end to end with PII redaction"],
];

/**
 * The README's performance block: the machine, then the original's component benchmarks with ours
 * beside them. Needs the "components" suite in the report.
 */
export function readmeTable(all, file = "bench/results/all.json") {
  const comp = all.suites.find((s) => s.name === "components" && s.ok);
  if (!comp) throw new Error("the report has no successful 'components' suite: run `enforcecore bench --only components` (or all suites)");
  const byId = new Map(comp.report.results.map((r) => [r.id, r]));
  const m = all.machine;
  const its = comp.report.results.map((r) => r.iterations);
  const samples = `${Math.min(...its).toLocaleString("en")}–${Math.max(...its).toLocaleString("en")} samples per row`;
  const L = [];
  L.push(
    `Generated by \`node scripts/perf-table.mjs\` from \`${file}\` (\`${all.command}\`, ${all.date.slice(0, 10)}) on ${machineText(m)}, load average ${m.loadavg.join(" / ")} at the start; ${samples}${all.quick ? ". **A `--quick` run** on a shared, noisy VM: indicative, not reference numbers" : ""}.`,
  );
  L.push(`Times in µs. The original's numbers are its published ones (${comp.report.original.source}): another machine and language, so the ratio is only indicative.`, "");
  L.push("| component | p50 | p95 | p99 | p99.9 | original p50 | original p99 | ours / original (p50) |", "|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const [id, label] of README_COMPONENTS) {
    const r = byId.get(id);
    if (!r) {
      L.push(`| ${label} | not measured | | | | | | |`);
      continue;
    }
    L.push(`| ${label} | ${fmt(r.p50)} | ${fmt(r.p95)} | ${fmt(r.p99)} | ${fmt(r.p999)} | ${fmt(r.original?.p50)} | ${fmt(r.original?.p99)} | ${r.ratioP50 === null ? "–" : `${fmt(r.ratioP50)}×`} |`);
  }
  const engine = all.suites.find((s) => s.name === "engine" && s.ok);
  if (engine) {
    L.push("", "Targets (`bench/run.mjs`, the 100-rule policy; reported, not asserted):", "", "| target | measured | goal | result |", "|---|---:|---|---|");
    for (const t of engine.report.targets) L.push(`| ${esc(t.what)} | ${fmt(t.measured)} ${esc(t.unit)} | ${esc(t.goal)} | ${t.pass ? "pass" : "**miss**"} |`);
  }
  return L.join("\n");
}

export const START = "<!-- perf:start -->";
export const END = "<!-- perf:end -->";

/** Replaces the text between the markers (exclusive) with `block`. Throws if the markers are missing. */
export function replaceBetween(text, block) {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < 0 || b < a) throw new Error(`the markers ${START} … ${END} are missing or out of order`);
  return `${text.slice(0, a + START.length)}\n${block}\n${text.slice(b)}`;
}

/** The block currently between the markers (for the drift check). */
export function blockBetween(text) {
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < 0 || b < a) return null;
  return text.slice(a + START.length, b).replace(/^\n/, "").replace(/\n$/, "");
}
