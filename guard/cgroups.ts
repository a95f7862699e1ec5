// Control groups for the OS guard: detect the layout, make one leaf per spawned tool, set its
// limits, kill everything in it, read why it died, remove it.
//
// Layouts (detected from /proc/self/mountinfo and /proc/self/cgroup, once per process):
//   v2      one cgroup2 hierarchy: a leaf under the process's own cgroup (or a configured
//           delegated directory) holds the memory/pids/cpu limits, and cgroup.kill ends the tree.
//   hybrid  v1 controllers plus a cgroup2 mount (this CI machine: v1 memory, pids, cpu…, a
//           cgroup2 mount with only hugetlb): limits in v1 leaves under the process's own v1
//           cgroups; a leaf in the cgroup2 mount tracks the tree (cgroup.kill, cpu.stat).
//   v1      v1 only: limits in v1 leaves; the freezer (or repeated SIGKILL over cgroup.procs)
//           ends the tree; cpuacct accounts CPU time.
//   none    nothing writable: every cgroup-backed field is unavailable (the profile check says so).
//
// The launcher writes its own pid into every leaf's cgroup.procs before it execs the tool, so the
// first instruction of the tool already runs limited. Leaves are named
// enforcecore-<pid-namespace inode>-<host pid>-<sequence>; a leaf whose host process is dead (a
// crashed Node) is swept by the next guard in the same pid namespace.
import { EnforceCoreError } from "../core/errors.js";
import { accessSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type CgroupVersion = 1 | 2;
export type LayoutKind = "v2" | "hybrid" | "v1" | "none";
export type Controller = "memory" | "pids" | "cpu" | "cpuacct" | "freezer";

/** A directory under which leaves can be made, with the controllers a leaf there gets. */
export interface CgroupParent {
  dir: string;
  version: CgroupVersion;
  /** Controllers usable in a leaf here (v2: enabled in dir/cgroup.subtree_control). */
  controllers: Controller[];
}

export interface CgroupLayout {
  kind: LayoutKind;
  /** Where each controller's leaves go (absent: unavailable; see `reasons`). */
  controllers: Partial<Record<Controller, CgroupParent>>;
  /** cgroup2 directory used to track and kill the tree (cgroup.kill, cpu.stat, cgroup.events). */
  tracking: CgroupParent | null;
  /** Whether the tracking group has cgroup.kill (kernel >= 5.14). */
  cgroupKill: boolean;
  /** Why a controller (or "tracking") is unavailable. */
  reasons: Partial<Record<Controller | "tracking", string>>;
}

export interface DetectOptions {
  /** Prefix for every path read or written (tests point it at a fake tree). Default "". */
  fsRoot?: string;
  /** A delegated cgroup2 directory to use as the parent of leaves (v2), e.g. from ENFORCECORE_CGROUP_ROOT. */
  v2Parent?: string;
  /** Contents of /proc/self/mountinfo and /proc/self/cgroup (tests). */
  mountinfo?: string;
  procCgroup?: string;
}

const CONTROLLERS: readonly Controller[] = ["memory", "pids", "cpu", "cpuacct", "freezer"];

interface Mount {
  mountpoint: string;
  root: string;
  fstype: "cgroup" | "cgroup2";
  controllers: string[];
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct) => String.fromCharCode(Number.parseInt(oct, 8)));
}

export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(" ");
    const right = line.slice(dash + 3).split(" ");
    const fstype = right[0];
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    const root = unescapeMountinfo(left[3] ?? "/");
    const mountpoint = unescapeMountinfo(left[4] ?? "");
    const superOpts = (right[2] ?? "").split(",");
    const controllers = fstype === "cgroup" ? superOpts.filter((o) => (CONTROLLERS as readonly string[]).includes(o)) : [];
    mounts.push({ mountpoint, root, fstype, controllers });
  }
  return mounts;
}

/** /proc/self/cgroup: hierarchy → path. Key "" is the cgroup2 hierarchy, else the comma-joined controllers. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) out.set(m[1] === "0" && m[2] === "" ? "" : m[2]!, m[3]!);
  }
  return out;
}

/** The directory of our own cgroup in a mount, or null if our cgroup is outside what the mount shows. */
function ownDir(mount: Mount, ownPath: string): string | null {
  const root = mount.root === "/" ? "" : mount.root;
  if (root && ownPath !== root && !ownPath.startsWith(`${root}/`)) return null;
  const dir = join(mount.mountpoint, ownPath.slice(root.length));
  return dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
}

/** mkdir + rmdir of a probe leaf: the only sure test that leaves can be made here. */
function probeMkdir(dir: string): string | null {
  const probe = join(dir, `enforcecore-probe-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return `cannot create a child cgroup in ${dir} (${code}${code === "EACCES" || code === "EPERM" ? ": not writable by this user; delegate a subtree or run as root" : code === "EROFS" ? ": cgroupfs is mounted read-only" : ""})`;
  }
  try {
    rmdirSync(probe);
  } catch {
    // a leaf we cannot remove is reported, never left silently: try again later via the sweep
  }
  return null;
}

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

export function detectLayout(options: DetectOptions = {}): CgroupLayout {
  const fsRoot = options.fsRoot ?? "";
  const mountinfo = options.mountinfo ?? readText("/proc/self/mountinfo") ?? "";
  const procCgroup = options.procCgroup ?? readText("/proc/self/cgroup") ?? "";
  const mounts = parseMountinfo(mountinfo);
  const own = parseProcCgroup(procCgroup);
  const layout: CgroupLayout = { kind: "none", controllers: {}, tracking: null, cgroupKill: false, reasons: {} };
  const p = (dir: string) => fsRoot + dir;

  const v1 = mounts.filter((m) => m.fstype === "cgroup" && m.controllers.length > 0);
  const v2 = mounts.find((m) => m.fstype === "cgroup2");
  const v1Controllers = new Set(v1.flatMap((m) => m.controllers));

  // ---- cgroup2: tracking, and the controllers v1 does not hold ----
  if (v2) {
    const ownPath = own.get("");
    let dir = options.v2Parent ?? (ownPath !== undefined ? ownDir(v2, ownPath) : null);
    if (options.v2Parent && !options.v2Parent.startsWith(v2.mountpoint)) dir = null;
    if (!dir) {
      layout.reasons.tracking = options.v2Parent ? `${options.v2Parent} is not inside the cgroup2 mount ${v2.mountpoint}` : "our cgroup2 path is outside the cgroup2 mount (a cgroup namespace?)";
    } else {
      const why = probeMkdir(p(dir));
      if (why) layout.reasons.tracking = why;
      else {
        const available = (readText(p(join(dir, "cgroup.controllers"))) ?? "").trim().split(/\s+/).filter(Boolean);
        let enabled = (readText(p(join(dir, "cgroup.subtree_control"))) ?? "").trim().split(/\s+/).filter(Boolean);
        const wanted = (["memory", "pids", "cpu"] as const).filter((c) => !v1Controllers.has(c) && available.includes(c) && !enabled.includes(c));
        if (wanted.length) {
          // Allowed where this cgroup has no processes of its own (a delegated parent, or the root).
          try {
            writeFileSync(p(join(dir, "cgroup.subtree_control")), wanted.map((c) => `+${c}`).join(" "));
          } catch (err) {
            for (const c of wanted) layout.reasons[c] = `cannot enable ${c} in ${dir}/cgroup.subtree_control (${(err as NodeJS.ErrnoException).code}): the cgroup holds processes; run inside a delegated cgroup (ENFORCECORE_CGROUP_ROOT)`;
          }
          enabled = (readText(p(join(dir, "cgroup.subtree_control"))) ?? "").trim().split(/\s+/).filter(Boolean);
        }
        const controllers = (["memory", "pids", "cpu"] as const).filter((c) => enabled.includes(c) && !v1Controllers.has(c));
        const parent: CgroupParent = { dir: p(dir), version: 2, controllers: [...controllers] };
        layout.tracking = parent;
        layout.cgroupKill = hasFile(p(dir), "cgroup.kill") || existsChildFile(p(dir), "cgroup.kill");
        for (const c of controllers) layout.controllers[c] = parent;
        for (const c of ["memory", "pids", "cpu"] as const) {
          if (!controllers.includes(c) && !v1Controllers.has(c) && !layout.reasons[c]) layout.reasons[c] = available.includes(c) ? `${c} is not enabled in ${dir}/cgroup.subtree_control` : `the cgroup2 hierarchy offers no ${c} controller here (cgroup.controllers: ${available.join(" ") || "empty"})`;
        }
      }
    }
  } else {
    layout.reasons.tracking = "no cgroup2 mount";
  }

  // ---- cgroup v1 controllers ----
  for (const m of v1) {
    const key = [...own.keys()].find((k) => k.split(",").some((c) => m.controllers.includes(c)));
    const ownPath = key !== undefined ? own.get(key) : undefined;
    const dir = ownPath !== undefined ? ownDir(m, ownPath) : null;
    for (const c of m.controllers as Controller[]) {
      if (!dir) {
        layout.reasons[c] = `our ${c} cgroup is outside the mount ${m.mountpoint}`;
        continue;
      }
      const why = probeMkdir(p(dir));
      if (why) layout.reasons[c] = why;
      else layout.controllers[c] = { dir: p(dir), version: 1, controllers: m.controllers as Controller[] };
    }
  }
  for (const c of CONTROLLERS) if (!layout.controllers[c] && !layout.reasons[c]) layout.reasons[c] = `no ${c} controller is mounted`;

  const anyV1 = CONTROLLERS.some((c) => layout.controllers[c]?.version === 1);
  layout.kind = layout.tracking && anyV1 ? "hybrid" : layout.tracking ? "v2" : anyV1 ? "v1" : "none";
  return layout;
}

function hasFile(dir: string, file: string): boolean {
  try {
    accessSync(join(dir, file));
    return true;
  } catch {
    return false;
  }
}

function existsChildFile(dir: string, file: string): boolean {
  // The root cgroup has no cgroup.kill; children do (kernel >= 5.14). Check in a probe child.
  const probe = join(dir, `enforcecore-probe-${process.pid}-k`);
  try {
    mkdirSync(probe);
  } catch {
    return false;
  }
  try {
    accessSync(join(probe, file));
    return true;
  } catch {
    return false;
  } finally {
    try {
      rmdirSync(probe);
    } catch {
      /* swept later */
    }
  }
}

// ---- leaves ------------------------------------------------------------------------------------

export type KillStrategy = "auto" | "freezer" | "cgroup.procs";

export interface LeafLimits {
  /** How to kill the tree: auto (cgroup.kill, else freezer, else SIGKILL over cgroup.procs) or forced (tests). */
  kill?: KillStrategy;
  memoryBytes?: number | null;
  pids?: number | null;
  /** Percent of one CPU (cpu.max / cfs quota). */
  cpuPercent?: number | null;
}

export interface LeafStats {
  /** Processes killed by the OOM killer because of the memory limit. */
  oomKills: number;
  /** Forks refused because of pids.max. */
  pidsMaxHits: number;
  /** CPU time of the whole tree, microseconds (null: no accounting). */
  cpuUsec: number | null;
  /** Peak memory of the tree (cgroup memory, page cache included), bytes. */
  memoryPeakBytes: number | null;
}

export class CgroupSetupError extends EnforceCoreError {
  constructor(
    readonly controller: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super("guard_setup", message, options);
  }
}

let seq = 0;
let nsId: string | null = null;
function pidNamespaceId(): string {
  if (nsId === null) {
    try {
      nsId = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1] ?? "0";
    } catch {
      nsId = "0";
    }
  }
  return nsId;
}

const LEAF_RE = /^enforcecore-(\d+)-(\d+)-\d+$/;
const live = new Set<Leaf>();

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readProcs(dir: string): number[] {
  const text = readText(join(dir, "cgroup.procs"));
  if (text === null) return [];
  return text
    .split("\n")
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

function parseKeyed(text: string | null): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** The cgroups of one spawned tool. */
export class Leaf {
  /** Directories, one per hierarchy joined (the launcher writes its pid into each). */
  readonly dirs: string[] = [];
  private readonly byController = new Map<Controller | "tracking", string>();
  private removed = false;
  kill: KillStrategy = "auto";
  /** Every pid seen in the tree (for attributing kernel log records). */
  readonly seenPids = new Set<number>();

  constructor(
    readonly layout: CgroupLayout,
    readonly name: string,
  ) {}

  dir(c: Controller | "tracking"): string | undefined {
    return this.byController.get(c);
  }

  /** @internal */
  add(c: Controller | "tracking", parent: CgroupParent): string {
    const dir = join(parent.dir, this.name);
    if (!this.dirs.includes(dir)) {
      mkdirSync(dir);
      this.dirs.push(dir);
    }
    this.byController.set(c, dir);
    return dir;
  }

  /** Pids currently in the tree (any hierarchy). */
  procs(): number[] {
    const all = new Set<number>();
    for (const d of this.dirs) for (const pid of readProcs(d)) all.add(pid);
    for (const pid of all) this.seenPids.add(pid);
    return [...all];
  }

  /** Sends SIGKILL to every process in the tree, once (cgroup.kill, else freezer, else each pid). */
  killOnce(): void {
    const tracking = this.dir("tracking");
    if (tracking && this.layout.cgroupKill && this.kill === "auto") {
      try {
        this.procs();
        writeFileSync(join(tracking, "cgroup.kill"), "1");
        return;
      } catch {
        /* fall through */
      }
    }
    const freezer = this.dir("freezer");
    if (freezer && this.kill !== "cgroup.procs") {
      try {
        writeFileSync(join(freezer, "freezer.state"), "FROZEN");
        for (let i = 0; i < 50 && (readText(join(freezer, "freezer.state")) ?? "").trim() !== "FROZEN"; i++) sleepSync(1);
        for (const pid of this.procs()) killPid(pid);
        writeFileSync(join(freezer, "freezer.state"), "THAWED");
        return;
      } catch {
        /* fall through */
      }
    }
    for (const pid of this.procs()) killPid(pid);
  }

  isEmpty(): boolean {
    return this.dirs.every((d) => readProcs(d).length === 0);
  }

  /** Kills the tree until it is empty (a fork bomb races a plain SIGKILL loop). */
  async killAll(timeoutMs = 5000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (let round = 0; Date.now() < end; round++) {
      if (this.isEmpty()) return true;
      this.killOnce();
      await sleep(round < 10 ? 1 : 10);
    }
    return this.isEmpty();
  }

  killAllSync(timeoutMs = 2000): boolean {
    const end = Date.now() + timeoutMs;
    for (let round = 0; Date.now() < end; round++) {
      if (this.isEmpty()) return true;
      this.killOnce();
      sleepSync(round < 10 ? 1 : 10);
    }
    return this.isEmpty();
  }

  stats(): LeafStats {
    const s: LeafStats = { oomKills: 0, pidsMaxHits: 0, cpuUsec: null, memoryPeakBytes: null };
    const mem = this.dir("memory");
    if (mem) {
      const v2 = this.layout.controllers.memory?.version === 2;
      if (v2) {
        const ev = parseKeyed(readText(join(mem, "memory.events")));
        s.oomKills = ev.get("oom_kill") ?? 0;
        const peak = readText(join(mem, "memory.peak"));
        s.memoryPeakBytes = peak !== null && /^\d+/.test(peak.trim()) ? Number(peak.trim()) : null;
      } else {
        s.oomKills = parseKeyed(readText(join(mem, "memory.oom_control"))).get("oom_kill") ?? 0;
        const peak = readText(join(mem, "memory.max_usage_in_bytes"));
        s.memoryPeakBytes = peak !== null ? Number(peak.trim()) : null;
      }
    }
    const pids = this.dir("pids");
    if (pids) s.pidsMaxHits = parseKeyed(readText(join(pids, "pids.events"))).get("max") ?? 0;
    s.cpuUsec = this.cpuUsec();
    return s;
  }

  /** CPU time of the whole tree so far, microseconds, or null without accounting. */
  cpuUsec(): number | null {
    const tracking = this.dir("tracking");
    if (tracking) {
      const v = parseKeyed(readText(join(tracking, "cpu.stat"))).get("usage_usec");
      if (v !== undefined) return v;
    }
    const acct = this.dir("cpuacct");
    if (acct) {
      const ns = readText(join(acct, "cpuacct.usage"));
      if (ns !== null && /^\d+/.test(ns.trim())) return Math.round(Number(ns.trim()) / 1000);
    }
    return null;
  }

  /** Removes every directory (they must be empty). Returns the ones that could not be removed. */
  removeSync(retryMs = 500): string[] {
    const end = Date.now() + retryMs;
    const left: string[] = [];
    // Deepest first is irrelevant (one level), but keep order stable.
    for (const d of this.dirs) {
      for (;;) {
        try {
          rmdirSync(d);
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ENOENT") break;
          if (code === "EBUSY" && Date.now() < end) {
            this.killOnce();
            sleepSync(2);
            continue;
          }
          left.push(d);
          break;
        }
      }
    }
    if (left.length === 0) {
      this.removed = true;
      live.delete(this);
      updateSignalHandlers();
    }
    return left;
  }

  async remove(retryMs = 2000): Promise<string[]> {
    const end = Date.now() + retryMs;
    for (;;) {
      const left = this.removeSync(0);
      if (left.length === 0 || Date.now() >= end) return left;
      this.killOnce();
      await sleep(5);
    }
  }

  get isRemoved(): boolean {
    return this.removed;
  }
}

function writeChecked(dir: string, file: string, value: string, controller: string): void {
  const path = join(dir, file);
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw new CgroupSetupError(controller, `cannot write ${value.trim()} to ${path} (${(err as NodeJS.ErrnoException).code})`, { cause: err });
  }
}

/**
 * Creates the leaf cgroups for one tool and writes its limits. Throws CgroupSetupError (after
 * removing what it made) when a limit cannot be set: the caller must not run the tool then.
 */
export function createLeaf(layout: CgroupLayout, limits: LeafLimits): Leaf {
  const name = `enforcecore-${pidNamespaceId()}-${process.pid}-${++seq}`;
  const leaf = new Leaf(layout, name);
  leaf.kill = limits.kill ?? "auto";
  live.add(leaf);
  updateSignalHandlers();
  try {
    if (layout.tracking) leaf.add("tracking", layout.tracking);
    const memory = limits.memoryBytes ?? null;
    if (memory !== null) {
      const parent = layout.controllers.memory;
      if (!parent) throw new CgroupSetupError("memory", layout.reasons.memory ?? "no memory controller");
      const dir = leaf.add("memory", parent);
      if (parent.version === 2) {
        writeChecked(dir, "memory.max", String(memory), "memory");
        tryWrite(dir, "memory.swap.max", "0");
        tryWrite(dir, "memory.oom.group", "1");
      } else {
        writeChecked(dir, "memory.limit_in_bytes", String(memory), "memory");
        const got = Number(readText(join(dir, "memory.limit_in_bytes"))?.trim());
        // The kernel rounds to pages; anything above the request is a failure to limit.
        if (!(got <= memory)) throw new CgroupSetupError("memory", `memory.limit_in_bytes reads ${got}, asked ${memory}`);
        tryWrite(dir, "memory.memsw.limit_in_bytes", String(memory));
        tryWrite(dir, "memory.swappiness", "0");
      }
    }
    const pids = limits.pids ?? null;
    if (pids !== null) {
      const parent = layout.controllers.pids;
      if (!parent) throw new CgroupSetupError("pids", layout.reasons.pids ?? "no pids controller");
      const dir = leaf.add("pids", parent);
      writeChecked(dir, "pids.max", String(pids), "pids");
      const got = readText(join(dir, "pids.max"))?.trim();
      if (got !== String(pids)) throw new CgroupSetupError("pids", `pids.max reads ${got}, asked ${pids}`);
    }
    const cpu = limits.cpuPercent ?? null;
    if (cpu !== null) {
      const parent = layout.controllers.cpu;
      if (!parent) throw new CgroupSetupError("cpu", layout.reasons.cpu ?? "no cpu controller");
      const dir = leaf.add("cpu", parent);
      const period = 100_000;
      const quota = Math.max(1000, Math.round((cpu / 100) * period));
      if (parent.version === 2) writeChecked(dir, "cpu.max", `${quota} ${period}`, "cpu");
      else {
        writeChecked(dir, "cpu.cfs_period_us", String(period), "cpu");
        writeChecked(dir, "cpu.cfs_quota_us", String(quota), "cpu");
      }
    }
    if (leaf.kill === "freezer") {
      if (!layout.controllers.freezer) throw new CgroupSetupError("freezer", layout.reasons.freezer ?? "no freezer controller");
      leaf.add("freezer", layout.controllers.freezer);
    }
    if (!layout.tracking) {
      // Without a cgroup2 tracking group: cpuacct for CPU time, freezer to stop the tree while
      // killing it, and at least one hierarchy so the tree can be found at all.
      if (layout.controllers.cpuacct && !leaf.dir("cpuacct")) leaf.add("cpuacct", layout.controllers.cpuacct);
      if (layout.controllers.freezer && !leaf.dir("freezer")) leaf.add("freezer", layout.controllers.freezer);
      if (leaf.dirs.length === 0 && layout.controllers.pids) leaf.add("pids", layout.controllers.pids);
    }
    return leaf;
  } catch (err) {
    leaf.killAllSync(500);
    leaf.removeSync();
    throw err instanceof CgroupSetupError ? err : new CgroupSetupError("cgroup", `cannot create ${name}: ${(err as Error).message}`, { cause: err });
  }
}

function tryWrite(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch {
    /* optional knob (swap accounting off, older kernel) */
  }
}

// ---- cleanup on exit, signals, and of crashed hosts ----------------------------------------------

/** Kills and removes every live leaf, synchronously (process 'exit', signals). */
export function cleanupAllSync(): void {
  for (const leaf of [...live]) {
    try {
      leaf.killAllSync(1000);
      leaf.removeSync(500);
    } catch {
      /* best effort at exit */
    }
  }
}

let exitHookInstalled = false;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
let signalHandlersOn = false;

function onSignal(sig: NodeJS.Signals): void {
  cleanupAllSync();
  // Ours was the only listener: behave as if we had never listened (die of the signal).
  if (process.listenerCount(sig) <= 1) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    signalHandlersOn = false;
    process.kill(process.pid, sig);
  }
}

function updateSignalHandlers(): void {
  if (!exitHookInstalled) {
    process.on("exit", cleanupAllSync);
    exitHookInstalled = true;
  }
  const want = live.size > 0;
  if (want && !signalHandlersOn) {
    for (const s of SIGNALS) process.on(s, onSignal);
    signalHandlersOn = true;
  } else if (!want && signalHandlersOn) {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    signalHandlersOn = false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes leaves left by guard hosts (same pid namespace) that died without cleaning up. */
export function sweepStale(layout: CgroupLayout): string[] {
  const removed: string[] = [];
  const parents = new Set<string>();
  if (layout.tracking) parents.add(layout.tracking.dir);
  for (const c of CONTROLLERS) {
    const p = layout.controllers[c];
    if (p) parents.add(p.dir);
  }
  const ns = pidNamespaceId();
  for (const parent of parents) {
    let names: string[];
    try {
      names = readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      const m = LEAF_RE.exec(name);
      if (!m || m[1] !== ns || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
      const dir = join(parent, name);
      for (let i = 0; i < 20 && readProcs(dir).length > 0; i++) {
        for (const pid of readProcs(dir)) killPid(pid);
        sleepSync(2);
      }
      try {
        rmdirSync(dir);
        removed.push(dir);
      } catch {
        /* still busy: next sweep */
      }
    }
  }
  return removed;
}

/** Live leaves of this process (tests check that none is left behind). */
export function liveLeaves(): readonly Leaf[] {
  return [...live];
}

/** Leaf directories of this process that exist on disk, live or not (tests). */
export function leafDirsOnDisk(layout: CgroupLayout, pid = process.pid): string[] {
  const out: string[] = [];
  const parents = new Set<string>([layout.tracking?.dir, ...CONTROLLERS.map((c) => layout.controllers[c]?.dir)].filter((d): d is string => !!d));
  for (const parent of parents) {
    try {
      for (const name of readdirSync(parent)) {
        const m = LEAF_RE.exec(name);
        if (m && Number(m[2]) === pid) out.push(join(parent, name));
      }
    } catch {
      /* unreadable parent */
    }
  }
  return out;
}
