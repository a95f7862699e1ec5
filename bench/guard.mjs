// OS guard benchmark: a sandboxed spawn of /bin/true versus a plain spawn, milliseconds per spawn.
//
//   node bench/guard.mjs            200 runs per case, JSON on stdout
//   node bench/guard.mjs --quick    30 runs per case (a smoke run: numbers not meaningful)
//   node bench/guard.mjs --runs N
//
// Every case awaits the child's exit the same way (async spawn, 'exit' event), one spawn at a time,
// after 10 untimed warm-up spawns each. The cases are interleaved (round-robin, one spawn of each
// per round) so that load from other processes hits all of them alike. Reported, never asserted;
// target: ≤ 5 ms overhead at p50. A second group (a fifth of the runs) measures what observing
// opens for Landlock reports costs per call (python3 opening a file 2000 times).
// Needs Linux and the launcher (node guard/build.mjs); imports the guard from build/tsc when the
// TypeScript build includes it, else straight from guard/*.ts through tsx.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { percentile } from "./harness.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const runsArg = argv.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(argv[runsArg + 1]) : argv.includes("--quick") ? 30 : 200;
const WARMUP = 10;

async function loadGuard() {
  const built = join(root, "build/tsc/guard/index.js");
  if (existsSync(built)) return import(pathToFileURL(built).href);
  const { register } = await import("tsx/esm/api");
  register();
  return import(pathToFileURL(join(root, "guard/index.ts")).href);
}

const plain = (cmd, args = []) =>
  new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    c.on("error", rej);
    c.on("exit", () => res());
  });

const r3 = (x) => Math.round(x * 1000) / 1000;
function summary(name, ms) {
  ms.sort((a, b) => a - b);
  return { name, runs: ms.length, p50_ms: r3(percentile(ms, 0.5)), p99_ms: r3(percentile(ms, 0.99)), mean_ms: r3(ms.reduce((a, b) => a + b, 0) / ms.length), min_ms: r3(ms[0]), max_ms: r3(ms[ms.length - 1]) };
}

if (process.platform !== "linux") {
  process.stderr.write("bench/guard.mjs: the guard's sandbox needs Linux\n");
  process.exit(0);
}
const guardMod = await loadGuard();
const caps = guardMod.capabilities();
if (!caps.launcher.available) {
  process.stderr.write(`bench/guard.mjs: ${caps.launcher.reason}\n`);
  process.exit(1);
}
const g =
  (profile, options = {}, cmd = "/bin/true", args = []) =>
  async () => {
    const r = await guardMod.spawn(cmd, args, profile, options);
    if (r.exitCode !== 0 || r.violations.length) throw new Error(`guarded ${cmd} failed: ${JSON.stringify(r)}`);
  };
const supervised = caps.userNotification.available;
const landlock = { read_only: [], read_write: ["/tmp"] };

/** Runs cases round-robin (one spawn of each per round) so that load from other processes hits all alike. */
async function group(cases, runs) {
  for (const [, fn] of cases) for (let i = 0; i < WARMUP; i++) await fn();
  const samples = cases.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (let c = 0; c < cases.length; c++) {
      const t0 = process.hrtime.bigint();
      await cases[c][1]();
      samples[c].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const results = cases.map(([name], c) => summary(name, samples[c]));
  const base = results[0].p50_ms;
  for (const r of results) {
    r.overhead_p50_ms = Math.round((r.p50_ms - base) * 1000) / 1000;
    process.stderr.write(`${r.name}: p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, overhead p50 ${r.overhead_p50_ms} ms\n`);
  }
  return results;
}

// /bin/true: the spawn overhead. With user notification the default profile runs the launcher's
// supervisor (a fork more); "kernel-log fallback" is the same profile without it.
const results = await group(
  [
    ["plain spawn", () => plain("/bin/true")],
    ["guard: launcher + tracking cgroup, no seccomp", g({ syscalls: false, drop_capabilities: false })],
    [`guard: default profile (seccomp deny list, drop caps, tracking cgroup)${supervised ? ", supervisor" : ""}`, g({})],
    ["guard: default profile, kernel-log fallback (no supervisor)", g({}, { supervisor: false })],
    ["guard: seccomp + no_network + memory/pids cgroups + rlimits", g({ no_network: true, memory_mb: 256, pids: 64, cpu_seconds: 10, file_size_mb: 64, open_files: 256, wall_seconds: 10 })],
    [`guard: + Landlock (system paths)${supervised ? ", denials reported (opens observed)" : ""}`, g({ no_network: true, landlock })],
    ["guard: + Landlock, report_denials: false", g({ no_network: true, landlock: { ...landlock, report_denials: false } })],
    ["guard: + network namespace", g({ no_network: true, network_namespace: true })],
  ],
  RUNS,
);

// What observing opens (Landlock reports) costs per call: a tool that opens a file OPENS times.
// The difference between the two guarded cases, divided by OPENS, is the supervisor's round trip.
const OPENS = 2000;
const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; // no PATH shim in the plain case
const py = ["-S", "-c", `import os\nfor _ in range(${OPENS}): os.close(os.open('/etc/hostname', os.O_RDONLY))`];
const openHeavy = await group(
  [
    [`plain spawn: python3, ${OPENS} opens`, () => plain(python, py)],
    [`guard: python3, ${OPENS} opens, Landlock, report_denials: false`, g({ cwd: "/tmp", landlock: { ...landlock, report_denials: false } }, {}, python, py)],
    [`guard: python3, ${OPENS} opens, Landlock, denials reported (opens observed)`, g({ cwd: "/tmp", landlock }, {}, python, py)],
  ],
  Math.max(10, Math.round(RUNS / 5)),
);
const perOpen = (k) => Math.round(((openHeavy[2][k] - openHeavy[1][k]) / OPENS) * 1e6) / 1000; // µs
const observation = { opens: OPENS, per_open_us_p50: perOpen("p50_ms"), per_open_us_min: perOpen("min_ms") };
process.stderr.write(`observing an open: ${observation.per_open_us_p50} µs (p50), ${observation.per_open_us_min} µs (min)\n`);

const out = {
  benchmark: "guard-spawn",
  command: "/bin/true",
  target: "overhead <= 5 ms per spawn (p50)",
  machine: { platform: process.platform, arch: process.arch, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, kernel: os.release(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  cgroups: caps.cgroups.layout,
  landlock_abi: caps.landlock.abi,
  syscall_attribution: caps.syscallAttribution.mechanism,
  results,
  open_heavy: { command: `${python} ${py.join(" ")}`, results: openHeavy, observation },
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
