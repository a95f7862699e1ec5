// The OS guard: run an external tool confined by seccomp-bpf, cgroups, rlimits, Landlock and a
// network namespace (Linux), and tell the caller exactly why it was stopped.
//
//   import { guard } from "enforcecore/guard";        (see docs/GUARD.md)
//   guard.capabilities()                              what this host can enforce, and why not
//   guard.check(profile)                              throws GuardUnavailableError if it cannot be enforced
//   await guard.spawn("python3", ["tool.py"], { memory_mb: 256, wall_seconds: 10, no_network: true })
//
// Refused syscalls are named by the launcher's supervisor (seccomp user notification, events on
// fd 5, guard/notify.ts), which also reports Landlock denials; where the kernel lacks it, by the
// kernel log (guard/kmsg.ts). docs/GUARD.md has the mechanism.
//
// Node (and Bun, Deno): the launcher protocol needs extra stdio descriptors (the status fd, the fd
// that carries the seccomp program, the supervisor's events), process 'exit' hooks and
// synchronous fs on cgroupfs.
import { type ChildProcess, execFileSync, spawn as nodeSpawn, type StdioOptions } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type CgroupLayout, CgroupSetupError, createLeaf, detectLayout, type Leaf, type LeafStats, sweepStale } from "./cgroups.js";
import { GuardSetupError, GuardUnavailableError, type MissingMechanism } from "./errors.js";
import { kmsgReadable, type SeccompRecord, seccompRecords, uptimeSeconds } from "./kmsg.js";
import { type FilesystemDenial, parseSupervisorEvents, type SupervisorReport } from "./notify.js";
import { LANDLOCK_SYSTEM_READ_ONLY, LANDLOCK_SYSTEM_READ_WRITE, type GuardProfileInput, type ResolvedProfile, resolveProfile } from "./profile.js";
import { type Arch, type CompiledFilter, compile as compileSeccomp, nodeArch, OBSERVE_OPS } from "./seccomp.js";

export { GuardSetupError, GuardUnavailableError, type MissingMechanism } from "./errors.js";
export { GuardProfileError, GuardProfileSchema, type GuardProfile, type GuardProfileInput, type ResolvedProfile, resolveProfile } from "./profile.js";
export type { SeccompRecord } from "./kmsg.js";
export type { FilesystemDenial } from "./notify.js";

// ---- types -------------------------------------------------------------------------------------

export interface Mechanism {
  available: boolean;
  /** Why not (absent when available). */
  reason?: string;
}

export interface GuardCapabilities {
  platform: NodeJS.Platform;
  arch: string;
  /** The launcher binary (build/guard/enforcecore-launcher). */
  launcher: Mechanism & { path: string | null };
  seccomp: Mechanism & { arch: Arch | null };
  landlock: Mechanism & { abi: number };
  networkNamespace: Mechanism;
  rlimits: Mechanism;
  cgroups: {
    layout: CgroupLayout["kind"];
    memory: Mechanism;
    pids: Mechanism;
    cpu: Mechanism;
    /** How the whole tree is killed: cgroup.kill, the v1 freezer, SIGKILL to each pid in a cgroup, or only the process group. */
    kill: "cgroup.kill" | "freezer" | "cgroup.procs" | "process-group";
    /** CPU time of the whole tree (cgroup accounting). */
    cpuAccounting: Mechanism;
  };
  /**
   * Naming the syscall a filter refused: `user_notif` (the launcher's supervisor receives every
   * refusal: all named, any user), else `kernel_log` (audit records in /dev/kmsg: root,
   * rate-limited), else none.
   */
  syscallAttribution: Mechanism & { mechanism: "user_notif" | "kernel_log" | null };
  /** Seccomp user notification with a supervisor in the launcher (kernel 5.5+; probed end to end). */
  userNotification: Mechanism;
  /** Reporting accesses Landlock denies as `filesystem` violations (needs Landlock and userNotification). */
  filesystemReporting: Mechanism;
  /** Run as another uid/gid (root). */
  setuid: Mechanism;
  /** Always available: enforced by this process. */
  wallTime: Mechanism;
  outputSize: Mechanism;
}

/** Why the guard stopped (or refused something to) a tool. */
export type ViolationType = "memory" | "pids" | "cpu_time" | "wall_time" | "output_size" | "file_size" | "syscall" | "network" | "filesystem";

export interface Violation {
  type: ViolationType;
  detail: string;
  /** The syscall, for `syscall`, `network` and `filesystem` (always with the supervisor; from the kernel log otherwise, when it names it). */
  syscall?: string;
  /** `filesystem`: the path Landlock denied (resolved, absolute). */
  path?: string;
  /** `filesystem`: read, write, create, remove or execute. */
  access?: FilesystemDenial["access"];
  /** How many times this was seen (supervisor only; 1 when not counted). */
  count?: number;
  /** The limit that was passed, in the profile's unit. */
  limit?: number;
}

export interface GuardUsage {
  wallMs: number;
  /** CPU time of the whole tree (cgroup accounting), null when not accounted. */
  cpuMs: number | null;
  /** Peak memory of the tree (cgroup; page cache included), null when no memory cgroup was used. */
  maxRssBytes: number | null;
}

export interface GuardResult {
  /** The tool's exit code, or null when it was ended by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout+stderr passed `output_bytes` and were cut there. */
  truncated: boolean;
  usage: GuardUsage;
  /** Why the guard stopped (or refused something to) the tool: the first of `violations`. */
  violation?: Violation;
  violations: Violation[];
  /** Syscalls the filter refused, logged or killed for: from the supervisor, else the kernel log (when readable). */
  denied: SeccompRecord[];
  /** Accesses Landlock denied (when reported: `capabilities().filesystemReporting`). */
  deniedPaths: FilesystemDenial[];
  /** The mechanisms applied to this run, e.g. ["seccomp", "cgroup:memory", "rlimit:CPU", "landlock"]. */
  confinement: string[];
  pid: number | null;
}

export interface SpawnOptions {
  /** Environment the allow list is applied to (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Bytes for stdin; default: stdin is /dev/null. */
  input?: string | Uint8Array;
  /** Aborting kills the whole tree; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called once the tool's process exists (its pid and cgroup directories). */
  onStart?: (info: { pid: number; cgroups: readonly string[] }) => void;
  /** Launcher binary (default: ENFORCECORE_LAUNCHER, else build/guard/enforcecore-launcher in the package). */
  launcherPath?: string;
  /** Internal / tests: force a kill strategy. */
  killStrategy?: "auto" | "freezer" | "cgroup.procs";
  /** Internal / tests: false runs without the supervisor (the kernel-log fallback of old kernels). */
  supervisor?: boolean;
}

// ---- launcher and host probing -----------------------------------------------------------------

const here = dirname(fileURLToPath(import.meta.url));

/** Where the launcher is: ENFORCECORE_LAUNCHER, else build/guard/ in the nearest package root. */
export function launcherPath(): string | null {
  const env = process.env.ENFORCECORE_LAUNCHER;
  if (env) return existsSync(env) ? resolve(env) : null;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, "build", "guard", "enforcecore-launcher");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

interface Probe {
  seccomp: boolean;
  seccompError?: string;
  landlock: number;
  landlockError?: string;
  netns: boolean;
  netnsError?: string;
  notify: boolean;
  notifyError?: string;
  euid: number;
}

let cachedCaps: GuardCapabilities | null = null;
let cachedLayout: CgroupLayout | null = null;
let cachedPath: string | null | undefined;

function probeLauncher(path: string): Probe | string {
  try {
    const text = execFileSync(path, ["--probe"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] });
    const kv = new Map(
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => {
          const i = l.indexOf(" ");
          return [l.slice(0, i), l.slice(i + 1)] as const;
        }),
    );
    return {
      seccomp: kv.get("seccomp") === "1",
      seccompError: kv.get("seccomp_error"),
      landlock: Number(kv.get("landlock") ?? 0),
      landlockError: kv.get("landlock_error"),
      netns: kv.get("netns") === "1",
      netnsError: kv.get("netns_error"),
      notify: kv.get("notify") === "1",
      notifyError: kv.get("notify_error"),
      euid: Number(kv.get("euid") ?? -1),
    };
  } catch (err) {
    return `the launcher at ${path} does not run: ${(err as Error).message.split("\n")[0]}`;
  }
}

const yes: Mechanism = { available: true };
const no = (reason: string): Mechanism => ({ available: false, reason });

/** What this host can enforce, and why not. Computed once per process (pass `refresh` to redo). */
export function capabilities(options: { refresh?: boolean } = {}): GuardCapabilities {
  if (cachedCaps && !options.refresh) return cachedCaps;
  const platform = process.platform;
  const path = launcherPath();
  cachedPath = path;
  const linux = platform === "linux";
  const notLinux = `not Linux (${platform})`;
  const noLauncher = platform === "win32" ? "Windows has no launcher" : "the launcher is not built: run `node guard/build.mjs` (needs cc)";
  const probe = path ? probeLauncher(path) : noLauncher;
  const launcherOk = typeof probe !== "string";
  const p = launcherOk ? (probe as Probe) : null;
  const arch = nodeArch();

  let layout: CgroupLayout | null = null;
  let cgroupWhy = notLinux;
  if (linux) {
    try {
      layout = detectLayout({ v2Parent: process.env.ENFORCECORE_CGROUP_ROOT || undefined });
      sweepStale(layout);
    } catch (err) {
      cgroupWhy = `cgroup detection failed: ${(err as Error).message}`;
    }
  }
  cachedLayout = layout;
  const ctl = (c: "memory" | "pids" | "cpu"): Mechanism => {
    if (!layout) return no(cgroupWhy);
    if (!launcherOk) return no(probe as string);
    return layout.controllers[c] ? yes : no(layout.reasons[c] ?? `no ${c} controller`);
  };
  const kill: GuardCapabilities["cgroups"]["kill"] = layout?.tracking && layout.cgroupKill ? "cgroup.kill" : layout?.controllers.freezer ? "freezer" : layout && (layout.controllers.pids || layout.controllers.memory) ? "cgroup.procs" : "process-group";

  const caps: GuardCapabilities = {
    platform,
    arch: process.arch,
    launcher: launcherOk ? { available: true, path } : { available: false, path, reason: probe as string },
    seccomp: !linux
      ? { available: false, reason: notLinux, arch: null }
      : !arch
        ? { available: false, reason: `no syscall table for ${process.arch} (x86_64 and aarch64 only)`, arch: null }
        : !p
          ? { available: false, reason: probe as string, arch }
          : p.seccomp
            ? { available: true, arch }
            : { available: false, reason: `seccomp filters are refused by this kernel (${p.seccompError ?? "unknown error"})`, arch },
    landlock: !linux ? { available: false, reason: notLinux, abi: 0 } : !p ? { available: false, reason: probe as string, abi: 0 } : p.landlock > 0 ? { available: true, abi: p.landlock } : { available: false, reason: `Landlock is not enabled in this kernel (${p.landlockError ?? "ABI 0"})`, abi: 0 },
    networkNamespace: !linux ? no(notLinux) : !p ? no(probe as string) : p.netns ? yes : no(`unshare(CLONE_NEWNET) failed: ${p.netnsError ?? "unknown"}${p.euid !== 0 ? " (not root, and unprivileged user namespaces are disabled)" : ""}`),
    rlimits: platform === "win32" ? no("Windows has no setrlimit") : launcherOk ? yes : no(probe as string),
    cgroups: {
      layout: layout?.kind ?? "none",
      memory: ctl("memory"),
      pids: ctl("pids"),
      cpu: ctl("cpu"),
      kill,
      cpuAccounting: layout && (layout.tracking || layout.controllers.cpuacct) ? yes : no(layout ? "no cgroup2 tracking group and no cpuacct controller" : cgroupWhy),
    },
    syscallAttribution: p?.notify
      ? { available: true, mechanism: "user_notif" }
      : linux && kmsgReadable()
        ? { available: true, mechanism: "kernel_log" }
        : { available: false, mechanism: null, reason: linux ? `no seccomp user notification (${p?.notifyError ?? (probe as string)}) and /dev/kmsg is not readable (needs CAP_SYSLOG or kernel.dmesg_restrict=0): a SIGSYS is reported without the syscall's name` : notLinux },
    userNotification: !linux ? no(notLinux) : !p ? no(probe as string) : p.notify ? yes : no(`seccomp user notification does not work here (${p.notifyError ?? "unknown"}; needs kernel 5.5+)`),
    filesystemReporting: !linux ? no(notLinux) : !p ? no(probe as string) : !(p.landlock > 0) ? no("no Landlock") : p.notify ? yes : no(`needs seccomp user notification (${p.notifyError ?? "unknown"}; kernel 5.5+)`),
    setuid: p && p.euid === 0 ? yes : no(p ? "not root" : typeof probe === "string" ? probe : notLinux),
    wallTime: yes,
    outputSize: yes,
  };
  cachedCaps = caps;
  return caps;
}

/** The mechanisms a profile needs that this host lacks (empty: it can be enforced). */
export function missingMechanisms(profileInput: GuardProfileInput | ResolvedProfile, caps = capabilities()): MissingMechanism[] {
  const profile = resolveProfile(profileInput);
  const out: MissingMechanism[] = [];
  const need = (field: string, mechanism: string, m: Mechanism) => {
    if (!m.available) out.push({ field, mechanism, reason: m.reason ?? "unavailable" });
  };
  if (profile.syscalls) need("syscalls", "seccomp", caps.seccomp);
  if (profile.no_network) need("no_network", "seccomp", caps.seccomp);
  if (profile.network_namespace) need("network_namespace", "a network namespace", caps.networkNamespace);
  if (profile.memory_mb !== null) need("memory_mb", "the cgroup memory controller", caps.cgroups.memory);
  if (profile.pids !== null) need("pids", "the cgroup pids controller", caps.cgroups.pids);
  if (profile.cpu_percent !== null) need("cpu_percent", "the cgroup cpu controller", caps.cgroups.cpu);
  for (const [field, v] of [
    ["cpu_seconds", profile.cpu_seconds],
    ["file_size_mb", profile.file_size_mb],
    ["open_files", profile.open_files],
    ["address_space_mb", profile.address_space_mb],
    ["nproc", profile.nproc],
  ] as const) {
    if (v !== null) need(field, "setrlimit (the launcher)", caps.rlimits);
  }
  if (profile.landlock) need("landlock", "Landlock", caps.landlock);
  if (profile.landlock?.report_denials === true) need("landlock.report_denials", "seccomp user notification (the launcher's supervisor)", caps.filesystemReporting);
  if (profile.uid !== null || profile.gid !== null) need(profile.uid !== null ? "uid" : "gid", "root (setuid/setgid)", caps.setuid);
  if (profile.drop_capabilities && caps.platform === "linux") need("drop_capabilities", "the launcher", caps.launcher);
  if (profile.cwd !== null && !existsDir(profile.cwd)) out.push({ field: "cwd", mechanism: "a directory", reason: `${profile.cwd} is not a directory` });
  return out;
}

function existsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Validates a profile and throws GuardUnavailableError if this host cannot enforce all of it. */
export function check(profileInput: GuardProfileInput | ResolvedProfile): ResolvedProfile {
  const profile = resolveProfile(profileInput);
  const missing = missingMechanisms(profile);
  if (missing.length) throw new GuardUnavailableError(missing);
  return profile;
}

// ---- filter cache ------------------------------------------------------------------------------

const filterCache = new Map<string, CompiledFilter>();
const OBSERVED_SYSCALLS = Object.keys(OBSERVE_OPS);
/**
 * The filter for a profile. `supervised`: refusals go to the launcher's supervisor (user
 * notification); `observe`: it also sees the path-taking syscalls, to report Landlock denials.
 */
function filterFor(profile: ResolvedProfile, supervised: boolean, observe: boolean): CompiledFilter | null {
  if (!profile.syscalls && !profile.no_network && !observe) return null;
  const s = profile.syscalls ?? { mode: "deny_list" as const, default_deny: false, allow: [], deny: [], action: "errno" as const };
  const key = JSON.stringify([s, profile.no_network, supervised, observe]);
  let f = filterCache.get(key);
  if (!f) {
    f = compileSeccomp({ mode: s.mode, defaultDeny: s.default_deny, allow: s.allow, deny: s.deny, action: s.action, noNetwork: profile.no_network, notify: supervised, observe: observe ? OBSERVED_SYSCALLS : [] });
    if (filterCache.size > 64) filterCache.clear();
    filterCache.set(key, f);
  }
  return f;
}

// ---- spawn -------------------------------------------------------------------------------------

const MIB = 1024 * 1024;

function envAllowed(name: string, allow: readonly string[]): boolean {
  return allow.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** The launcher's argument vector for a profile (exported for tests and `explain`). */
export function launcherArgs(profile: ResolvedProfile, command: string, args: readonly string[], extra: { cgroups: readonly string[]; seccompFd: number | null; parentPid: number; landlockAbi: number; notify?: { action: "errno" | "kill" | "log"; eventsFd: number } }): string[] {
  const a: string[] = ["--status-fd", "3"];
  if (process.platform === "linux") a.push("--pdeathsig", String(extra.parentPid));
  if (extra.seccompFd !== null) {
    a.push("--seccomp-fd", String(extra.seccompFd));
    if (extra.notify) a.push("--notify", extra.notify.action, "--events-fd", String(extra.notify.eventsFd));
  }
  for (const d of extra.cgroups) a.push("--cgroup", d);
  a.push("--rlimit", "CORE=0");
  if (profile.cpu_seconds !== null) {
    const s = Math.max(1, Math.ceil(profile.cpu_seconds));
    a.push("--rlimit", `CPU=${s}:${s + 1}`);
  }
  if (profile.file_size_mb !== null) a.push("--rlimit", `FSIZE=${Math.floor(profile.file_size_mb * MIB)}`);
  if (profile.open_files !== null) a.push("--rlimit", `NOFILE=${profile.open_files}`);
  if (profile.address_space_mb !== null) a.push("--rlimit", `AS=${profile.address_space_mb * MIB}`);
  if (profile.nproc !== null) a.push("--rlimit", `NPROC=${profile.nproc}`);
  if (profile.network_namespace) a.push("--netns-lo");
  if (profile.gid !== null) a.push("--gid", String(profile.gid));
  if (profile.uid !== null) a.push("--uid", String(profile.uid));
  if (profile.cwd !== null) a.push("--cwd", profile.cwd);
  for (const e of profile.env_allow) a.push("--env", e);
  if (profile.landlock) {
    a.push("--landlock");
    if (extra.landlockAbi >= 6) a.push("--landlock-scope");
    const ro = [...profile.landlock.read_only, ...(profile.landlock.system_paths ? LANDLOCK_SYSTEM_READ_ONLY : [])];
    const rw = [...profile.landlock.read_write, ...(profile.landlock.system_paths ? LANDLOCK_SYSTEM_READ_WRITE : [])];
    // A path that does not exist grants nothing; the launcher refuses missing paths, so skip them here.
    for (const p of new Set(ro)) if (existsSync(p)) a.push("--landlock-ro", p);
    for (const p of new Set(rw)) if (existsSync(p)) a.push("--landlock-rw", p);
  }
  if (profile.drop_capabilities && process.platform === "linux") a.push("--drop-caps");
  a.push("--", command, ...args);
  return a;
}

class OutputBuffer {
  readonly chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] };
  total = 0;
  truncated = false;
  constructor(readonly cap: number) {}
  /** Returns false once the cap is passed. */
  push(which: "stdout" | "stderr", chunk: Buffer): boolean {
    const room = this.cap - this.total;
    if (chunk.length > room) {
      if (room > 0) this.chunks[which].push(chunk.subarray(0, room));
      this.total = this.cap;
      this.truncated = true;
      return false;
    }
    this.chunks[which].push(chunk);
    this.total += chunk.length;
    return true;
  }
  text(which: "stdout" | "stderr"): string {
    return Buffer.concat(this.chunks[which]).toString("utf8");
  }
}

const EVENTS_CAP = 8 * MIB;

const SIGNAL_VIOLATION: Partial<Record<NodeJS.Signals, ViolationType>> = { SIGXCPU: "cpu_time", SIGXFSZ: "file_size" };

/**
 * Runs `command args` under `profile` and resolves with what happened. Rejects with
 * GuardProfileError (bad profile), GuardUnavailableError (this host cannot enforce it) or
 * GuardSetupError (a confinement step failed: the tool did not run). Never runs the tool with
 * less confinement than the profile asks for.
 */
export async function spawn(command: string, args: readonly string[] = [], profileInput: GuardProfileInput | ResolvedProfile = {}, options: SpawnOptions = {}): Promise<GuardResult> {
  const profile = check(profileInput);
  const caps = capabilities();
  const launcher = options.launcherPath ?? cachedPath ?? null;
  const useLauncher = launcher !== null && caps.launcher.available && process.platform !== "win32";
  // The supervisor names refusals and observes Landlock denials, where the kernel has user notification.
  const supervised = useLauncher && caps.userNotification.available && options.supervisor !== false && (profile.syscalls !== null || profile.no_network || profile.landlock !== null);
  const observe = supervised && profile.landlock !== null && profile.landlock.report_denials !== false;
  const filter = filterFor(profile, supervised, observe);
  options.signal?.throwIfAborted();

  let leaf: Leaf | null = null;
  const confinement: string[] = [];
  if (useLauncher && cachedLayout && cachedLayout.kind !== "none") {
    try {
      leaf = createLeaf(cachedLayout, { kill: options.killStrategy ?? "auto", memoryBytes: profile.memory_mb !== null ? profile.memory_mb * MIB : null, pids: profile.pids, cpuPercent: profile.cpu_percent });
    } catch (err) {
      if (err instanceof CgroupSetupError) throw new GuardSetupError(`cgroup:${err.controller}`, 0, err.message, { cause: err });
      throw err;
    }
    if (leaf.dir("tracking")) confinement.push("cgroup:tracking");
    for (const c of ["memory", "pids", "cpu"] as const) if (leaf.dir(c)) confinement.push(`cgroup:${c}`);
  }
  try {
    return await run(command, args, profile, options, { launcher: useLauncher ? launcher : null, filter, leaf, confinement, caps, supervised: supervised && filter !== null, observe });
  } finally {
    if (leaf && !leaf.isRemoved) {
      await leaf.killAll();
      await leaf.remove();
    }
  }
}

interface RunContext {
  launcher: string | null;
  filter: CompiledFilter | null;
  leaf: Leaf | null;
  confinement: string[];
  caps: GuardCapabilities;
  /** The launcher forks a supervisor that receives the filter's notifications (events on fd 5). */
  supervised: boolean;
  observe: boolean;
}

function run(command: string, args: readonly string[], profile: ResolvedProfile, options: SpawnOptions, ctx: RunContext): Promise<GuardResult> {
  const { leaf, filter, confinement } = ctx;
  const baseEnv = options.env ?? process.env;
  const stdinMode = options.input !== undefined ? "pipe" : "ignore";
  let child: ChildProcess;
  const started = performance.now();
  const startUptime = uptimeSeconds();
  if (ctx.launcher) {
    const cgroups = leaf ? leaf.dirs : [];
    const notify = ctx.supervised ? { action: profile.syscalls?.action ?? ("errno" as const), eventsFd: 5 } : undefined;
    const argv = launcherArgs(profile, command, args, { cgroups, seccompFd: filter ? 4 : null, parentPid: process.pid, landlockAbi: ctx.caps.landlock.abi, notify });
    if (profile.syscalls || profile.no_network) confinement.push(`seccomp:${profile.syscalls?.action ?? "errno"}`);
    if (ctx.supervised) confinement.push("supervisor");
    if (ctx.observe) confinement.push("landlock:report");
    if (profile.no_network) confinement.push("no_network");
    if (profile.network_namespace) confinement.push("netns");
    if (profile.landlock) confinement.push(`landlock:abi${ctx.caps.landlock.abi}`);
    if (profile.drop_capabilities) confinement.push("drop_capabilities");
    for (let i = 0; i < argv.length; i++) if (argv[i] === "--rlimit") confinement.push(`rlimit:${argv[i + 1]!.split("=")[0]}`);
    const stdio: StdioOptions = [stdinMode, "pipe", "pipe", "pipe"];
    if (filter) stdio.push("pipe");
    if (notify) stdio.push("pipe");
    child = nodeSpawn(ctx.launcher, argv, { stdio, env: baseEnv as NodeJS.ProcessEnv, detached: true, windowsHide: true });
    if (filter) {
      const fd4 = child.stdio[4] as Writable | null;
      fd4?.on("error", () => {}); // the launcher reports a short program itself
      fd4?.end(Buffer.from(filter.stream));
    }
  } else {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined && envAllowed(k, profile.env_allow)) env[k] = v;
    child = nodeSpawn(command, [...args], { stdio: [stdinMode, "pipe", "pipe"], env, cwd: profile.cwd ?? undefined, detached: process.platform !== "win32", windowsHide: true });
    confinement.push("direct-spawn");
  }
  if (options.input !== undefined) {
    child.stdin?.on("error", () => {});
    child.stdin?.end(typeof options.input === "string" ? Buffer.from(options.input) : options.input);
  }

  const out = new OutputBuffer(profile.output_bytes);
  const guardKills: Violation[] = [];
  let statusText = "";
  let killed = false;

  const killTree = () => {
    killed = true;
    if (leaf) leaf.killOnce();
    if (child.pid) {
      if (process.platform === "win32") {
        try {
          nodeSpawn("taskkill", ["/pid", String(child.pid), "/T", "/F"], { stdio: "ignore", windowsHide: true }).on("error", () => {});
        } catch {
          /* best effort */
        }
      } else {
        try {
          process.kill(-child.pid, "SIGKILL"); // the process group (detached: its own session)
        } catch {
          /* gone */
        }
      }
      try {
        child.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
  };
  const stopFor = (v: Violation) => {
    if (guardKills.length === 0) guardKills.push(v);
    killTree();
  };

  const onData = (which: "stdout" | "stderr") => (chunk: Buffer) => {
    if (out.truncated) return;
    if (!out.push(which, chunk)) stopFor({ type: "output_size", detail: `stdout+stderr passed ${profile.output_bytes} bytes`, limit: profile.output_bytes });
  };
  child.stdout?.on("data", onData("stdout"));
  child.stderr?.on("data", onData("stderr"));
  const status = child.stdio[3] as Readable | null | undefined;
  status?.on("data", (c: Buffer) => {
    statusText += c.toString("utf8");
  });
  // The supervisor's events (fd 5): bounded, like the tool's output (the supervisor itemises at most 256).
  const events = ctx.supervised ? ((child.stdio as readonly unknown[])[5] as Readable | null | undefined) : null;
  const eventChunks: Buffer[] = [];
  let eventBytes = 0;
  events?.on("data", (c: Buffer) => {
    if (eventBytes < EVENTS_CAP) eventChunks.push(c);
    eventBytes += c.length;
  });

  const timers: NodeJS.Timeout[] = [];
  if (profile.wall_seconds !== null) {
    const t = setTimeout(() => stopFor({ type: "wall_time", detail: `still running after ${profile.wall_seconds} s of wall time`, limit: profile.wall_seconds! }), profile.wall_seconds * 1000);
    timers.push(t);
  }
  if (profile.cpu_seconds !== null && leaf && leaf.cpuUsec() !== null) {
    const limitUsec = profile.cpu_seconds * 1e6;
    const t = setInterval(() => {
      const used = leaf.cpuUsec();
      if (used !== null && used > limitUsec) stopFor({ type: "cpu_time", detail: `the process tree used ${(used / 1e6).toFixed(2)} s of CPU, limit ${profile.cpu_seconds} s`, limit: profile.cpu_seconds! });
    }, 100);
    timers.push(t);
  }
  const onAbort = () => killTree();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const ended = (s: Readable | null | undefined) =>
    new Promise<void>((r) => {
      if (!s || s.readableEnded || s.destroyed) return r();
      s.once("close", () => r());
      s.once("end", () => r());
    });

  return new Promise<GuardResult>((resolvePromise, rejectPromise) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      cleanupTimers();
      killTree();
      rejectPromise(err);
    };
    const cleanupTimers = () => {
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.once("error", (err) => fail(new GuardSetupError("spawn", (err as NodeJS.ErrnoException).errno ?? 0, `cannot start ${ctx.launcher ?? command}: ${err.message}`, { cause: err })));
    child.once("spawn", () => {
      if (child.pid) options.onStart?.({ pid: child.pid, cgroups: leaf ? [...leaf.dirs] : [] });
    });
    child.once("exit", (code, signal) => {
      void (async () => {
        const wallMs = performance.now() - started;
        cleanupTimers();
        // The status fd is close-on-exec: it is at EOF now (exec'd or launcher exited).
        await ended(status);
        await ended(events);
        // Survivors (grandchildren) die with the group; they may hold stdout/stderr open.
        if (leaf) {
          leaf.procs();
          await leaf.killAll();
        } else if (child.pid && process.platform !== "win32") {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            /* none left */
          }
        }
        const streamsClosed = Promise.all([ended(child.stdout), ended(child.stderr)]);
        const timeout = new Promise<void>((r) => setTimeout(r, 2000).unref());
        await Promise.race([streamsClosed, timeout]);
        child.stdout?.destroy();
        child.stderr?.destroy();
        const stats: LeafStats | null = leaf ? leaf.stats() : null;
        if (leaf) {
          const left = await leaf.remove();
          if (left.length) return fail(new GuardSetupError("cgroup-cleanup", 16, `could not remove ${left.join(", ")}`));
        }
        if (settled) return;
        if (options.signal?.aborted) return fail(options.signal.reason);
        const line = statusText.split("\n")[0]?.trim();
        if (line) {
          const [step = "launcher", errno = "0", ...msg] = line.split("\t");
          return fail(new GuardSetupError(step, Number(errno) || 0, msg.join("\t") || line));
        }
        try {
          settled = true;
          const report = ctx.supervised ? parseSupervisorEvents(Buffer.concat(eventChunks).toString("utf8")) : null;
          resolvePromise(classify({ code, signal, wallMs, stats, profile, guardKills, out, pid: child.pid ?? null, confinement, startUptime, leaf, killedByGuard: killed, attribution: ctx.caps.syscallAttribution.available, report }));
        } catch (err) {
          rejectPromise(err);
        }
      })();
    });
  });
}

interface ClassifyInput {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stats: LeafStats | null;
  profile: ResolvedProfile;
  guardKills: Violation[];
  out: OutputBuffer;
  pid: number | null;
  confinement: string[];
  startUptime: number;
  leaf: Leaf | null;
  killedByGuard: boolean;
  attribution: boolean;
  /** The supervisor's events (null: no supervisor, the kernel log is the fallback). */
  report: SupervisorReport | null;
}

/** A signal number as Node names it ("SIGSYS"), or null. */
function signalName(n: number): NodeJS.Signals | null {
  for (const [name, v] of Object.entries(osConstants.signals)) if (v === n) return name as NodeJS.Signals;
  return null;
}

function classify(input: ClassifyInput): GuardResult {
  const { profile, stats, report } = input;
  // With a supervisor, the tool is its child: how the TOOL ended and its pid come from the events
  // (the supervisor mirrors both, but a supervisor killed by the guard cannot).
  const i = { ...input };
  if (report?.exit) {
    if ("code" in report.exit) [i.code, i.signal] = [report.exit.code, null];
    else [i.code, i.signal] = [null, signalName(report.exit.signal) ?? input.signal];
  }
  if (report?.toolPid) i.pid = report.toolPid;
  const violations: Violation[] = [...i.guardKills];
  const cpuMs = stats?.cpuUsec != null ? stats.cpuUsec / 1000 : null;
  const usage: GuardUsage = { wallMs: Math.round(i.wallMs * 100) / 100, cpuMs: cpuMs !== null ? Math.round(cpuMs * 100) / 100 : null, maxRssBytes: stats?.memoryPeakBytes ?? null };

  // Syscalls the filter refused: every one from the supervisor; else from the kernel log (only
  // looked at when something went wrong or the action is `log`: reading the ring buffer costs a
  // few milliseconds).
  let denied: SeccompRecord[] = [];
  const filtered = profile.syscalls !== null || profile.no_network;
  if (report) {
    denied = report.syscalls.map((e) => ({ pid: e.pid, comm: e.comm, uptime: i.startUptime, arch: e.arch, nr: e.nr, syscall: e.syscall, action: e.action, signal: e.action === "kill_process" ? 31 : 0, count: e.count }));
  } else if (filtered && i.attribution && i.pid !== null && (i.signal === "SIGSYS" || (i.code !== 0 && i.code !== null) || profile.syscalls?.action === "log")) {
    const pids = new Set<number>([i.pid, ...(i.leaf?.seenPids ?? [])]);
    denied = seccompRecords(pids, i.startUptime - 1).slice(-64);
  }
  const networkCall = (r: SeccompRecord) => profile.no_network && (r.syscall === "socket" || r.syscall === "socketpair" || r.syscall.startsWith("io_uring"));
  const times = (n: number | undefined) => (n && n > 1 ? `, ${n} times` : "");
  const asViolation = (r: SeccompRecord, fatal: boolean): Violation => {
    const net = networkCall(r);
    const how = fatal ? "killed the tool (SIGSYS)" : r.action === "log" ? "was logged (action log)" : `was refused with ${r.action}`;
    const v: Violation = { type: net ? "network" : "syscall", syscall: r.syscall, detail: `${r.syscall}() ${how}${net ? ": no_network allows only AF_UNIX sockets" : ""} (pid ${r.pid}, ${r.comm}${times(r.count)})` };
    if (r.count !== undefined) v.count = r.count;
    return v;
  };

  if (i.signal === "SIGSYS") {
    const fatal = [...denied].reverse().find((r) => r.pid === i.pid && r.action === "kill_process") ?? denied.find((r) => r.action === "kill_process");
    violations.push(fatal ? asViolation(fatal, true) : { type: "syscall", detail: `killed by SIGSYS: a denied system call${i.attribution ? "" : " (the kernel log is not readable, so its name is unknown)"}` });
  }
  const sigType = i.signal ? SIGNAL_VIOLATION[i.signal] : undefined;
  if (sigType === "cpu_time") violations.push({ type: "cpu_time", detail: `killed by SIGXCPU: passed ${profile.cpu_seconds} s of CPU time (RLIMIT_CPU)`, limit: profile.cpu_seconds ?? undefined });
  if (sigType === "file_size") violations.push({ type: "file_size", detail: `killed by SIGXFSZ: wrote past ${profile.file_size_mb} MiB (RLIMIT_FSIZE)`, limit: profile.file_size_mb ?? undefined });
  if (i.signal === "SIGKILL" && profile.cpu_seconds !== null && !i.killedByGuard && cpuMs !== null && cpuMs >= profile.cpu_seconds * 1000) {
    violations.push({ type: "cpu_time", detail: `killed at the RLIMIT_CPU hard limit after ${(cpuMs / 1000).toFixed(2)} s of CPU`, limit: profile.cpu_seconds });
  }
  if (stats && stats.oomKills > 0) violations.push({ type: "memory", detail: `${stats.oomKills} process${stats.oomKills > 1 ? "es" : ""} killed by the OOM killer at the ${profile.memory_mb} MiB limit`, limit: profile.memory_mb ?? undefined });
  if (stats && stats.pidsMaxHits > 0) violations.push({ type: "pids", detail: `${stats.pidsMaxHits} fork${stats.pidsMaxHits > 1 ? "s" : ""} refused at the limit of ${profile.pids} processes`, limit: profile.pids ?? undefined });
  if (i.signal !== "SIGSYS") {
    const seen = new Set<string>();
    for (const r of denied) {
      const key = `${r.syscall}:${r.action}`;
      if (seen.has(key) || r.action === "allow") continue;
      seen.add(key);
      violations.push(asViolation(r, false));
    }
  }
  const deniedPaths = report?.files ?? [];
  for (const f of deniedPaths) {
    violations.push({ type: "filesystem", path: f.path, access: f.access, syscall: f.syscall, count: f.count, detail: `${f.access} ${f.path}: denied by Landlock (${f.syscall}, pid ${f.pid}, ${f.comm}${times(f.count)})` });
  }
  if (report && report.dropped > 0) violations.push({ type: "syscall", detail: `${report.dropped} more distinct refused syscalls or denied paths (the supervisor itemises 256)`, count: report.dropped });
  const result: GuardResult = {
    exitCode: i.code,
    signal: i.signal,
    stdout: i.out.text("stdout"),
    stderr: i.out.text("stderr"),
    truncated: i.out.truncated,
    usage,
    violations,
    denied,
    deniedPaths,
    confinement: i.confinement,
    pid: i.pid,
  };
  if (violations[0]) result.violation = violations[0];
  return result;
}

/** The guard as one object: `guard.capabilities()`, `guard.check(profile)`, `guard.spawn(…)`. */
export const guard = { capabilities, check, spawn, missingMechanisms, resolveProfile, launcherPath };
export default guard;
