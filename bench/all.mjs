// Runs every benchmark suite of bench/ as a child process (one at a time, so they do not compete
// for the cores), collects their JSON into one report, and renders it (bench/summary.mjs).
//
//   node bench/all.mjs [--quick] [--json] [--out FILE] [--only NAME[,NAME]...]
//
// `enforcecore bench` imports runSuites() from here and adds a progress line and colour. Each suite
// is the script a developer runs by hand (`node bench/<script> …`); this file only knows how to
// ask each for JSON. A failed suite is recorded (exit code, last stderr lines) and the others still
// run; the exit code is 1 when any suite failed, 2 on bad usage.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { machineInfo } from "./harness.mjs";
import { toMarkdown } from "./summary.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/** name → script and the arguments that make it print one JSON document on stdout. */
export const SUITES = [
  { name: "components", script: "components.mjs", args: ["--json"], quickArgs: ["--quick"], what: "the Python original's component benchmarks, with its numbers beside ours" },
  { name: "engine", script: "run.mjs", args: ["--json", "--no-write"], quickArgs: ["--quick"], what: "engine decision latency, allow-list scaling, cold start, compile, sizes" },
  { name: "enforcer", script: "enforcer.mjs", args: ["--json"], quickArgs: ["--quick"], what: "end-to-end enforced call overhead" },
  { name: "peers", script: "peers.mjs", args: ["--json", "--no-write"], quickArgs: ["--quick"], what: "cedar-wasm, V8 RegExp and re2js side by side" },
  { name: "redaction", script: "redaction.mjs", args: [], quickArgs: ["--quick"], what: "redaction throughput by input size, adversarial inputs" },
  { name: "audit-append", script: "audit-append.mjs", args: ["--json"], quickArgs: ["--quick"], what: "audit trail appends and verification per second, inclusion-proof verification, replay speed" },
  { name: "guard", script: "guard.mjs", args: [], quickArgs: ["--quick"], what: "sandboxed spawn against a plain spawn (Linux)", platforms: ["linux"] },
];

export class BenchUsageError extends Error {}

/** Resolves --only names (comma-separated or repeated) against SUITES; throws on an unknown name. */
export function selectSuites(only = []) {
  const names = only.flatMap((o) => o.split(",")).map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!SUITES.some((s) => s.name === n)) throw new BenchUsageError(`unknown benchmark suite ${JSON.stringify(n)}; one of: ${SUITES.map((s) => s.name).join(", ")}`);
  return names.length ? SUITES.filter((s) => names.includes(s.name)) : SUITES;
}

function runOne(suite, quick, hooks) {
  const args = [join(here, suite.script), ...suite.args, ...(quick ? suite.quickArgs : [])];
  const command = `node bench/${suite.script}${[...suite.args, ...(quick ? suite.quickArgs : [])].map((a) => ` ${a}`).join("")}`;
  return new Promise((res) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, args, { cwd: resolve(here, ".."), stdio: ["ignore", "pipe", "pipe"] });
    const out = [];
    let errTail = "";
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => {
      errTail = (errTail + b.toString("utf8")).slice(-4000);
      const last = errTail.trimEnd().split("\n").at(-1) ?? "";
      hooks.onOutput?.(suite, last);
    });
    child.on("error", (e) => res({ name: suite.name, script: suite.script, command, ok: false, exitCode: null, durationMs: Date.now() - t0, report: null, error: e.message }));
    child.on("close", (code) => {
      const durationMs = Date.now() - t0;
      const text = Buffer.concat(out).toString("utf8");
      let report = null;
      let error = null;
      try {
        report = JSON.parse(text);
      } catch (e) {
        error = `stdout is not JSON (${e.message})`;
      }
      if (code !== 0) error = errTail.trim().split("\n").slice(-3).join(" / ") || `exit ${code}`;
      res({ name: suite.name, script: suite.script, command, ok: code === 0 && report !== null, exitCode: code, durationMs, report: code === 0 ? report : null, error });
    });
  });
}

/**
 * Runs the selected suites one after the other. hooks: onStart(suite, i, n), onOutput(suite, line),
 * onEnd(result, i, n). Resolves with the combined report.
 */
export async function runSuites({ quick = false, only = [], command = "node bench/all.mjs" } = {}, hooks = {}) {
  const selected = selectSuites(only);
  const t0 = Date.now();
  const machine = machineInfo();
  const suites = [];
  for (let i = 0; i < selected.length; i++) {
    const s = selected[i];
    if (s.platforms && !s.platforms.includes(process.platform)) {
      const r = { name: s.name, script: s.script, command: `node bench/${s.script}`, ok: false, exitCode: null, durationMs: 0, report: null, error: `skipped: needs ${s.platforms.join(" or ")}` };
      suites.push(r);
      hooks.onEnd?.(r, i, selected.length);
      continue;
    }
    hooks.onStart?.(s, i, selected.length);
    const r = await runOne(s, quick, hooks);
    suites.push(r);
    hooks.onEnd?.(r, i, selected.length);
  }
  return { schema: "enforcecore-bench/1", date: new Date(t0).toISOString(), command, quick, durationMs: Date.now() - t0, machine, suites };
}

/** Writes the report to FILE (creating its folder). */
export function writeReport(file, report) {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(resolve(file), `${JSON.stringify(report, null, 2)}\n`);
}

export { toMarkdown };

// ---- run directly -----------------------------------------------------------------------------------
if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const argv = process.argv.slice(2);
  const only = [];
  let out = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") only.push(argv[++i] ?? "");
    else if (argv[i] === "--out") out = argv[++i];
  }
  if (!existsSync(join(here, "../dist/node.js"))) {
    process.stderr.write("dist/node.js is missing: run `npm run build` first.\n");
    process.exit(1);
  }
  try {
    const report = await runSuites(
      { quick: argv.includes("--quick"), only, command: `node bench/all.mjs${argv.length ? ` ${argv.join(" ")}` : ""}` },
      { onStart: (s, i, n) => process.stderr.write(`[${i + 1}/${n}] ${s.name} …\n`), onEnd: (r) => process.stderr.write(`  ${r.name}: ${r.ok ? "ok" : `FAILED: ${r.error}`} (${(r.durationMs / 1000).toFixed(1)} s)\n`) },
    );
    if (out) writeReport(out, report);
    process.stdout.write(argv.includes("--json") ? `${JSON.stringify(report, null, 2)}\n` : `${toMarkdown(report)}\n`);
    process.exitCode = report.suites.every((s) => s.ok || s.error?.startsWith("skipped")) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`bench/all.mjs: ${e.message}\n`);
    process.exitCode = 2;
  }
}
