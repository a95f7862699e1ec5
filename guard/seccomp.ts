// The seccomp-bpf compiler: a syscall policy → a classic BPF program, in TypeScript, without
// libseccomp. The launcher installs the bytes after PR_SET_NO_NEW_PRIVS, right before execve.
//
// Program shape (every conditional jump skips at most one instruction; longer jumps are `ja`, so
// no 8-bit jump offset can overflow however long the lists are):
//
//   ld arch
//   jeq AUDIT_ARCH_X86_64  → x86_64 section
//   jeq AUDIT_ARCH_AARCH64 → aarch64 section
//   ret KILL_PROCESS                          unknown architecture (i386 via int 0x80, arm32…): fail closed
//   section:  ld nr
//             [x86_64] jge 0x40000000 → deny  the x32 ABI shares AUDIT_ARCH_X86_64: refused
//             jeq NR ; ret ACTION              one pair per listed syscall
//             jeq NR ; ja BLOCK                syscalls whose arguments are checked (socket, socketpair, clone)
//             ret DEFAULT                      allow (deny-list mode) or deny (allow-list mode)
//   blocks:   ld args[0] LOW 32 BITS ; jeq AF_UNIX ; ret ALLOW ; ret DENY_NETWORK
//             ld args[0] LOW 32 BITS ; jset CLONE_NEW* ; ret DENY ; ret ALLOW
//
// Integer arguments are compared on their low 32 bits only: the kernel truncates `int family` and
// clone's flags to 32 bits, so comparing all 64 (what libseccomp 2.5.4 does with its 32-bit
// comparator) lets socket(0x1_00000002, …) open an AF_INET socket past a rule denying 2.
import { EnforceCoreError } from "../core/errors.js";
import * as bpf from "./bpf.js";
import { SYSCALLS_AARCH64, SYSCALLS_X86_64 } from "./syscalls.generated.js";

export const ARCHES = ["x86_64", "aarch64"] as const;
export type Arch = (typeof ARCHES)[number];

/** AUDIT_ARCH_* values (linux/audit.h): EM_X86_64 / EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE. */
export const AUDIT_ARCH: Readonly<Record<Arch, number>> = { x86_64: 0xc000003e, aarch64: 0xc00000b7 };
export const SYSCALL_TABLES: Readonly<Record<Arch, Readonly<Record<string, number>>>> = { x86_64: SYSCALLS_X86_64, aarch64: SYSCALLS_AARCH64 };

export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_KILL_THREAD = 0x00000000;
export const SECCOMP_RET_TRAP = 0x00030000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_USER_NOTIF = 0x7fc00000;
export const SECCOMP_RET_LOG = 0x7ffc0000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ACTION_FULL = 0xffff0000;
export const SECCOMP_RET_DATA = 0x0000ffff;

export const EPERM = 1;
export const ENOSYS = 38;
export const EAFNOSUPPORT = 97;
export const AF_UNIX = 1;
const X32_SYSCALL_BIT = 0x40000000;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (CLONE_NEWTIME is not a clone() flag: 0x80 is in the exit-signal byte). */
export const CLONE_NAMESPACE_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

export const SECCOMP_ACTIONS = ["errno", "kill", "log"] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];

/**
 * The default deny list: the dangerous families Docker's default profile refuses (moby
 * profiles/seccomp/default.json blocks these unless the container has the matching capability),
 * plus the new mount API and io_uring (which can open sockets and files without the syscalls the
 * filter sees). Names missing on an architecture are skipped there.
 */
export const DEFAULT_DENY_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  debugging: ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "perf_event_open"],
  mounts: ["mount", "umount", "umount2", "pivot_root", "chroot", "open_tree", "open_tree_attr", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "statmount", "listmount"],
  namespaces: ["unshare", "setns"],
  kernel_modules: ["init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms"],
  kexec_and_reboot: ["kexec_load", "kexec_file_load", "reboot"],
  bpf: ["bpf"],
  keyring: ["keyctl", "add_key", "request_key"],
  swap: ["swapon", "swapoff"],
  memory_tricks: ["userfaultfd", "move_pages", "process_madvise"],
  file_handles: ["open_by_handle_at", "name_to_handle_at"],
  clock_and_host: ["settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime", "sethostname", "setdomainname"],
  accounting_and_quotas: ["acct", "quotactl", "quotactl_fd", "lookup_dcookie", "nfsservctl", "syslog", "vhangup"],
  io_ports: ["iopl", "ioperm"],
  obsolete: ["uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old", "afs_syscall", "tuxcall", "security", "getpmsg", "putpmsg"],
  io_uring: ["io_uring_setup", "io_uring_enter", "io_uring_register"],
  new_process_api: ["clone3"],
  lsm: ["lsm_set_self_attr"],
};
export const DEFAULT_DENY: readonly string[] = Object.values(DEFAULT_DENY_FAMILIES).flat();

/**
 * Probed by common runtimes, which fall back when they get ENOSYS: glibc's posix_spawn/fork try
 * clone3 (its flags are in memory, so a filter cannot check them for namespace bits), and libuv
 * (Node) tries io_uring. These answer ENOSYS whatever the action, so `kill` does not kill every
 * Node or glibc program that merely probes them.
 */
export const ENOSYS_WHEN_DENIED: ReadonlySet<string> = new Set(["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"]);

/**
 * Path-taking syscalls the supervisor observes under Landlock (`landlock.report_denials`), with the
 * launcher's operation code for each (guard/launcher/launcher.c, OP_*: which arguments are the
 * directory fd and the path, and which access they need). renameat2 shares renameat's layout.
 */
export const OBSERVE_OPS: Readonly<Record<string, number>> = {
  open: 1, openat: 2, openat2: 3, creat: 4, mkdir: 5, mkdirat: 6, mknod: 7, mknodat: 8, unlink: 9, rmdir: 10, unlinkat: 11,
  rename: 12, renameat: 13, renameat2: 13, link: 14, linkat: 15, symlink: 16, symlinkat: 17, truncate: 18, execve: 19, execveat: 20,
};

/** Syscalls the launcher itself needs after the filter is installed (allow-list mode adds them). */
export const LAUNCHER_NEEDS: readonly string[] = ["execve", "exit", "exit_group", "write"];

export interface SeccompSpec {
  /** deny_list: everything is allowed except the denied; allow_list: only `allow` (plus LAUNCHER_NEEDS). */
  mode: "deny_list" | "allow_list";
  /** Deny DEFAULT_DENY (deny_list mode). */
  defaultDeny: boolean;
  allow: readonly string[];
  deny: readonly string[];
  action: SeccompAction;
  /** socket()/socketpair(): only AF_UNIX; io_uring denied. */
  noNetwork: boolean;
  /**
   * Send every refusal to the launcher's supervisor (SECCOMP_RET_USER_NOTIF) instead of answering
   * it in the kernel: the supervisor names it and applies `action` itself. One program, installed
   * with SECCOMP_FILTER_FLAG_NEW_LISTENER, followed in the stream by the supervisor's table.
   */
  notify?: boolean;
  /** With `notify`: syscalls (keys of OBSERVE_OPS) the supervisor observes and lets through. */
  observe?: readonly string[];
}

/** One row of the supervisor's table: how to answer a notification for (arch, nr). */
export interface NotifyEntry {
  /** AUDIT_ARCH_* value; 0: the default for any notification no other row matches (allow-list mode). */
  arch: number;
  nr: number;
  kind: "deny" | "observe";
  /** deny: the errno answered under action `errno`; observe: the OP_* code. */
  value: number;
}

export interface ArchPlan {
  /** Denied outright, sorted by number. */
  denied: { name: string; nr: number; ret: number }[];
  /** Allowed outright (allow-list mode). */
  allowed: { name: string; nr: number }[];
  /** Allowed with an argument check. */
  checked: { name: string; nr: number; kind: "socket_family" | "clone_flags" }[];
  /** Allowed, but sent to the supervisor first (notify mode, Landlock observation). */
  observed: { name: string; nr: number; op: number }[];
  defaultRet: number;
  /** Names of the spec that do not exist on this architecture (ignored there). */
  missing: string[];
}

export interface SeccompProgram {
  insns: bpf.Insn[];
  /** Installed with SECCOMP_FILTER_FLAG_LOG: its SECCOMP_RET_ERRNO answers reach the kernel log. */
  log: boolean;
  /** Installed with SECCOMP_FILTER_FLAG_NEW_LISTENER (notify mode): its notifications go to the supervisor. */
  listener?: boolean;
}

export interface CompiledFilter {
  /** The main program (all rules when there is one program). */
  insns: bpf.Insn[];
  /** Every program, in installation order (the kernel runs all; the most restrictive answer wins). */
  programs: SeccompProgram[];
  /** What the launcher reads from --seccomp-fd: per program a u16 instruction count, a u16 flags word (bit 0: log, bit 1: listener), the instructions; in notify mode then the table (count 0xFFFF). */
  stream: Uint8Array;
  plans: Record<Arch, ArchPlan>;
  /** Refusals go to the supervisor (SECCOMP_RET_USER_NOTIF). */
  notify: boolean;
  /** The supervisor's table (notify mode; empty otherwise). */
  table: NotifyEntry[];
}

/** A seccomp profile that cannot be compiled (unknown syscall, bad action…). */
export class SeccompSpecError extends EnforceCoreError {
  constructor(message: string) {
    super("guard_profile", message);
  }
}

export function syscallNumber(arch: Arch, name: string): number | undefined {
  return SYSCALL_TABLES[arch][name];
}

export function syscallName(arch: Arch, nr: number): string | undefined {
  for (const [name, n] of Object.entries(SYSCALL_TABLES[arch])) if (n === nr) return name;
  return undefined;
}

export function archFromAudit(value: number): Arch | undefined {
  return ARCHES.find((a) => AUDIT_ARCH[a] === value >>> 0);
}

export function nodeArch(arch: string = process.arch): Arch | undefined {
  return arch === "x64" ? "x86_64" : arch === "arm64" ? "aarch64" : undefined;
}

const knownAnywhere = (name: string) => ARCHES.some((a) => name in SYSCALL_TABLES[a]);

/** Names unknown on every supported architecture (a typo in a policy is an error, not a no-op). */
export function unknownSyscalls(names: readonly string[]): string[] {
  return names.filter((n) => !knownAnywhere(n));
}

export function denyRet(action: SeccompAction, errno: number): number {
  if (action === "kill") return SECCOMP_RET_KILL_PROCESS;
  if (action === "log") return SECCOMP_RET_LOG;
  return (SECCOMP_RET_ERRNO | (errno & SECCOMP_RET_DATA)) >>> 0;
}

const RET_ENOSYS = (SECCOMP_RET_ERRNO | ENOSYS) >>> 0;

function retFor(action: SeccompAction, name: string, errno = EPERM): number {
  if (ENOSYS_WHEN_DENIED.has(name)) return RET_ENOSYS;
  return denyRet(action, errno);
}

export function plan(spec: SeccompSpec, arch: Arch): ArchPlan {
  const table = SYSCALL_TABLES[arch];
  const unknown = unknownSyscalls([...spec.allow, ...spec.deny]);
  if (unknown.length) throw new SeccompSpecError(`unknown syscall${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`);
  const both = spec.allow.filter((n) => spec.deny.includes(n));
  if (both.length) throw new SeccompSpecError(`syscall${both.length > 1 ? "s" : ""} both allowed and denied: ${both.join(", ")}`);
  const missing = [...spec.allow, ...spec.deny].filter((n) => !(n in table));
  const denied = new Map<string, number>();
  const allowed = new Set<string>();
  const network = spec.noNetwork ? ["io_uring_setup", "io_uring_enter", "io_uring_register"] : [];

  if (spec.mode === "deny_list") {
    const list = [...(spec.defaultDeny ? DEFAULT_DENY : []), ...network].filter((n) => !spec.allow.includes(n));
    for (const n of [...list, ...spec.deny]) if (n in table) denied.set(n, retFor(spec.action, n));
  } else {
    for (const n of [...spec.allow, ...LAUNCHER_NEEDS]) if (n in table && !spec.deny.includes(n)) allowed.add(n);
    for (const n of network) allowed.delete(n);
    for (const n of spec.deny) if (n in table) denied.set(n, retFor(spec.action, n));
    // clone3 must fail with ENOSYS (not EPERM, not kill) for glibc to fall back to clone.
    if (!allowed.has("clone3") && "clone3" in table) denied.set("clone3", retFor(spec.action, "clone3"));
  }
  const isAllowed = (n: string) => (spec.mode === "deny_list" ? !denied.has(n) : allowed.has(n));

  const checked: ArchPlan["checked"] = [];
  if (spec.noNetwork) {
    for (const n of ["socket", "socketpair"]) {
      if (n in table && isAllowed(n)) {
        checked.push({ name: n, nr: table[n]!, kind: "socket_family" });
        allowed.delete(n);
      }
    }
  }
  // With namespaces denied, clone() may not create them either (clone3 answers ENOSYS above).
  if (!isAllowed("unshare") && "clone" in table && isAllowed("clone")) {
    checked.push({ name: "clone", nr: table.clone!, kind: "clone_flags" });
    allowed.delete("clone");
  }
  // Notify mode: every refusal but the ENOSYS probes goes to the supervisor, which applies the action.
  const notify = spec.notify === true;
  const toSupervisor = (ret: number) => (notify && ret !== RET_ENOSYS ? SECCOMP_RET_USER_NOTIF : ret);
  const observed: ArchPlan["observed"] = [];
  if (notify) {
    for (const n of new Set(spec.observe ?? [])) {
      const op = OBSERVE_OPS[n];
      if (op === undefined) throw new SeccompSpecError(`${n} cannot be observed (not a path-taking syscall the supervisor knows)`);
      if (!(n in table) || !isAllowed(n) || checked.some((c) => c.name === n)) continue;
      observed.push({ name: n, nr: table[n]!, op });
      allowed.delete(n);
    }
  } else if (spec.observe?.length) {
    throw new SeccompSpecError("observing syscalls needs notify mode (the supervisor)");
  }
  const deniedList = [...denied].map(([name, ret]) => ({ name, nr: table[name]!, ret: toSupervisor(ret) })).sort((a, b) => a.nr - b.nr);
  const allowedList = [...allowed].map((name) => ({ name, nr: table[name]! })).sort((a, b) => a.nr - b.nr);
  return {
    denied: deniedList,
    allowed: allowedList,
    checked: checked.sort((a, b) => a.nr - b.nr),
    observed: observed.sort((a, b) => a.nr - b.nr),
    defaultRet: spec.mode === "deny_list" ? SECCOMP_RET_ALLOW : toSupervisor(denyRet(spec.action, EPERM)),
    missing,
  };
}

/** A tiny assembler: instructions with symbolic `ja` targets, resolved at the end. */
class Asm {
  readonly insns: (bpf.Insn & { label?: string })[] = [];
  private readonly labels = new Map<string, number>();
  emit(ins: bpf.Insn): void {
    this.insns.push(ins);
  }
  jaTo(label: string): void {
    this.insns.push({ code: bpf.BPF_JMP | bpf.BPF_JA, jt: 0, jf: 0, k: 0, label });
  }
  mark(label: string): void {
    this.labels.set(label, this.insns.length);
  }
  finish(): bpf.Insn[] {
    return this.insns.map(({ label, ...ins }, pc) => {
      if (label === undefined) return ins;
      const target = this.labels.get(label);
      if (target === undefined || target <= pc) throw new Error(`bad label ${label}`);
      return { ...ins, k: target - pc - 1 };
    });
  }
}

const ld = (offset: number) => bpf.stmt(bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS, offset);
const ret = (value: number) => bpf.stmt(bpf.BPF_RET | bpf.BPF_K, value);
/** if (A == k) run the next instruction, else skip it. */
const ifEq = (k: number) => bpf.jump(bpf.BPF_JMP | bpf.BPF_JEQ | bpf.BPF_K, k, 0, 1);

function assemble(plans: Record<Arch, ArchPlan>, spec: SeccompSpec): bpf.Insn[] {
  const netRet = spec.notify ? SECCOMP_RET_USER_NOTIF : denyRet(spec.action, EAFNOSUPPORT);
  const nsRet = spec.notify ? SECCOMP_RET_USER_NOTIF : denyRet(spec.action, EPERM);
  const a = new Asm();
  a.emit(ld(bpf.OFFSET_ARCH));
  for (const arch of ARCHES) {
    a.emit(ifEq(AUDIT_ARCH[arch]));
    a.jaTo(`arch_${arch}`);
  }
  a.emit(ret(SECCOMP_RET_KILL_PROCESS));
  for (const arch of ARCHES) {
    const p = plans[arch];
    a.mark(`arch_${arch}`);
    a.emit(ld(bpf.OFFSET_NR));
    if (arch === "x86_64") {
      a.emit(bpf.jump(bpf.BPF_JMP | bpf.BPF_JGE | bpf.BPF_K, X32_SYSCALL_BIT, 0, 1));
      a.emit(ret(denyRet(spec.action, ENOSYS)));
    }
    for (const d of p.denied) {
      a.emit(ifEq(d.nr));
      a.emit(ret(d.ret));
    }
    for (const c of p.checked) {
      a.emit(ifEq(c.nr));
      a.jaTo(`${arch}_${c.name}`);
    }
    for (const o of p.observed) {
      a.emit(ifEq(o.nr));
      a.emit(ret(SECCOMP_RET_USER_NOTIF));
    }
    for (const al of p.allowed) {
      a.emit(ifEq(al.nr));
      a.emit(ret(SECCOMP_RET_ALLOW));
    }
    a.emit(ret(p.defaultRet));
    for (const c of p.checked) {
      a.mark(`${arch}_${c.name}`);
      a.emit(ld(bpf.argLow(0)));
      if (c.kind === "socket_family") {
        a.emit(ifEq(AF_UNIX));
        a.emit(ret(SECCOMP_RET_ALLOW));
        a.emit(ret(netRet));
      } else {
        a.emit(bpf.jump(bpf.BPF_JMP | bpf.BPF_JSET | bpf.BPF_K, CLONE_NAMESPACE_FLAGS, 0, 1));
        a.emit(ret(nsRet));
        a.emit(ret(SECCOMP_RET_ALLOW));
      }
    }
  }
  const insns = a.finish();
  const problems = bpf.check(insns);
  if (problems.length) throw new Error(`internal error: generated filter is invalid: ${problems.join("; ")}`);
  return insns;
}

/**
 * Compiles a spec into programs covering x86_64 and aarch64; any other architecture is killed.
 *
 * With action `errno` there are two programs: the probes that must answer ENOSYS (clone3,
 * io_uring_*) in one installed WITHOUT the log flag, everything else in one installed WITH it, so
 * that the kernel log names the real refusals and is not flooded by every glibc/libuv start-up
 * (the kernel rate-limits those records to about 10 per 5 s). Otherwise one program.
 */
export function compile(spec: SeccompSpec): CompiledFilter {
  if (!SECCOMP_ACTIONS.includes(spec.action)) throw new SeccompSpecError(`unknown action ${spec.action}`);
  const plans = { x86_64: plan(spec, "x86_64"), aarch64: plan(spec, "aarch64") };
  let programs: SeccompProgram[];
  const table: NotifyEntry[] = [];
  if (spec.notify) {
    // One program: no log flag is needed (the supervisor names refusals), so the ENOSYS probes need
    // no program of their own.
    programs = [{ insns: assemble(plans, spec), log: false, listener: true }];
    for (const arch of ARCHES) {
      const p = plans[arch];
      const a = AUDIT_ARCH[arch];
      for (const d of p.denied) if (d.ret === SECCOMP_RET_USER_NOTIF) table.push({ arch: a, nr: d.nr, kind: "deny", value: EPERM });
      for (const c of p.checked) table.push({ arch: a, nr: c.nr, kind: "deny", value: c.kind === "socket_family" ? EAFNOSUPPORT : EPERM });
      for (const o of p.observed) table.push({ arch: a, nr: o.nr, kind: "observe", value: o.op });
    }
    if (spec.mode === "allow_list") table.push({ arch: 0, nr: 0xffffffff, kind: "deny", value: EPERM });
  } else if (spec.action === "errno") {
    const isProbe = (d: { ret: number }) => d.ret === RET_ENOSYS;
    const main = {} as Record<Arch, ArchPlan>;
    const probes = {} as Record<Arch, ArchPlan>;
    for (const arch of ARCHES) {
      const p = plans[arch];
      const probeEntries = p.denied.filter(isProbe);
      main[arch] = {
        ...p,
        denied: p.denied.filter((d) => !isProbe(d)),
        // allow-list mode denies by default: the probes must pass this program (the other answers ENOSYS)
        allowed: p.defaultRet === SECCOMP_RET_ALLOW ? p.allowed : [...p.allowed, ...probeEntries.map(({ name, nr }) => ({ name, nr }))],
      };
      probes[arch] = { denied: probeEntries, allowed: [], checked: [], observed: [], defaultRet: SECCOMP_RET_ALLOW, missing: [] };
    }
    programs = [{ insns: assemble(probes, spec), log: false }, { insns: assemble(main, spec), log: true }];
  } else {
    programs = [{ insns: assemble(plans, spec), log: false }];
  }
  const parts: Uint8Array[] = [];
  for (const prog of programs) {
    const header = new Uint8Array(4);
    new DataView(header.buffer).setUint16(0, prog.insns.length, true);
    new DataView(header.buffer).setUint16(2, (prog.log ? 1 : 0) | (prog.listener ? 2 : 0), true);
    parts.push(header, bpf.encode(prog.insns));
  }
  if (spec.notify) parts.push(encodeTable(table));
  const stream = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    stream.set(p, off);
    off += p.length;
  }
  return { insns: programs[programs.length - 1]!.insns, programs, stream, plans, notify: spec.notify === true, table };
}

/** The supervisor's table as the launcher reads it: u16 0xFFFF, u16 version 1, u32 count, 12-byte rows. */
export function encodeTable(table: readonly NotifyEntry[]): Uint8Array {
  const out = new Uint8Array(8 + 12 * table.length);
  const v = new DataView(out.buffer);
  v.setUint16(0, 0xffff, true);
  v.setUint16(2, 1, true);
  v.setUint32(4, table.length, true);
  table.forEach((e, i) => {
    const o = 8 + 12 * i;
    v.setUint32(o, e.arch >>> 0, true);
    v.setUint32(o + 4, e.nr >>> 0, true);
    v.setUint16(o + 8, e.kind === "deny" ? 1 : 2, true);
    v.setUint16(o + 10, e.value, true);
  });
  return out;
}

/** The kernel's precedence of actions: lower (as a signed 32-bit number) wins. */
function precedence(value: number): number {
  return (value & SECCOMP_RET_ACTION_FULL) | 0;
}

/** Runs every program like the kernel does and combines the answers (the most restrictive wins). */
export function runAll(programs: readonly { insns: readonly bpf.Insn[] }[], data: bpf.SeccompData): number {
  let result = SECCOMP_RET_ALLOW;
  // The kernel walks from the most recently installed filter; on a tie the first one met wins.
  for (const prog of [...programs].reverse()) {
    const r = bpf.run(prog.insns, data);
    if (precedence(r) < precedence(result)) result = r;
  }
  return result >>> 0;
}

/** Describes a return value: "allow", "kill_process", "errno(1)", "log", … */
export function describeRet(value: number): string {
  const action = (value & SECCOMP_RET_ACTION_FULL) >>> 0;
  if (action === SECCOMP_RET_ALLOW) return "allow";
  if (action === SECCOMP_RET_KILL_PROCESS) return "kill_process";
  if (action === SECCOMP_RET_KILL_THREAD) return "kill_thread";
  if (action === SECCOMP_RET_LOG) return "log";
  if (action === SECCOMP_RET_USER_NOTIF) return "user_notif";
  if (action === SECCOMP_RET_TRAP) return "trap";
  if (action === SECCOMP_RET_ERRNO) return `errno(${value & SECCOMP_RET_DATA})`;
  return `0x${value.toString(16)}`;
}

/** Evaluates a compiled filter for a named syscall (test and `explain` helper). */
export function evaluate(filter: CompiledFilter | readonly bpf.Insn[], arch: Arch, name: string, args: readonly (bigint | number)[] = []): number {
  const nr = syscallNumber(arch, name);
  if (nr === undefined) throw new Error(`${name} does not exist on ${arch}`);
  const data = { nr, arch: AUDIT_ARCH[arch], args };
  return Array.isArray(filter) ? bpf.run(filter, data) : runAll((filter as CompiledFilter).programs, data);
}
