// The seccomp compiler, checked without a kernel: every program is decoded and run in the BPF
// interpreter of guard/bpf.ts, for both architectures, and checked with the kernel's rules.
import { describe, expect, it } from "vitest";
import * as bpf from "../../guard/bpf.js";
import {
  ARCHES,
  AUDIT_ARCH,
  type Arch,
  compile,
  DEFAULT_DENY,
  describeRet,
  EAFNOSUPPORT,
  ENOSYS,
  EPERM,
  evaluate,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_LOG,
  SECCOMP_RET_USER_NOTIF,
  OBSERVE_OPS,
  type SeccompSpec,
  SeccompSpecError,
  SYSCALL_TABLES,
  syscallName,
  syscallNumber,
} from "../../guard/seccomp.js";
import { SYSCALLS_AARCH64, SYSCALLS_X86_64 } from "../../guard/syscalls.generated.js";

const spec = (over: Partial<SeccompSpec> = {}): SeccompSpec => ({ mode: "deny_list", defaultDeny: true, allow: [], deny: [], action: "errno", noNetwork: false, ...over });
const errno = (e: number) => (SECCOMP_RET_ERRNO | e) >>> 0;

describe("syscall tables (generated from the kernel headers)", () => {
  it("has the well-known numbers of both architectures", () => {
    expect(SYSCALLS_X86_64).toMatchObject({ read: 0, socket: 41, ptrace: 101, mount: 165, execve: 59, clone: 56, clone3: 435, io_uring_setup: 425 });
    expect(SYSCALLS_AARCH64).toMatchObject({ read: 63, socket: 198, ptrace: 117, mount: 40, execve: 221, clone: 220, clone3: 435, openat: 56 });
    // aarch64 has no legacy open/fork/umount; x86_64 has them
    expect(SYSCALLS_AARCH64.open).toBeUndefined();
    expect(SYSCALLS_AARCH64.fork).toBeUndefined();
    expect(SYSCALLS_X86_64.open).toBe(2);
    expect(Object.keys(SYSCALLS_X86_64).length).toBeGreaterThan(350);
    expect(Object.keys(SYSCALLS_AARCH64).length).toBeGreaterThan(300);
  });

  it("numbers are unique per architecture", () => {
    for (const arch of ARCHES) {
      const nrs = Object.values(SYSCALL_TABLES[arch]);
      expect(new Set(nrs).size).toBe(nrs.length);
      expect(syscallName(arch, syscallNumber(arch, "socket")!)).toBe("socket");
    }
  });
});

describe("compiled filters, run in the interpreter", () => {
  const f = compile(spec({ noNetwork: true }));

  it("passes the kernel's checks and fits the limit", () => {
    expect(bpf.check(f.insns)).toEqual([]);
    expect(f.insns.length).toBeLessThan(bpf.BPF_MAXINSNS);
    for (const p of f.programs) expect(bpf.check(p.insns)).toEqual([]);
  });

  it("errno: the ENOSYS probes sit in an unlogged program, real refusals in a logged one; the stream frames both", () => {
    expect(f.programs.map((p) => p.log)).toEqual([false, true]);
    const [probe, main] = f.programs;
    expect(bpf.run(probe!.insns, { nr: 435, arch: AUDIT_ARCH.x86_64 })).toBe(errno(ENOSYS)); // clone3
    expect(bpf.run(main!.insns, { nr: 435, arch: AUDIT_ARCH.x86_64 })).toBe(SECCOMP_RET_ALLOW);
    expect(bpf.run(probe!.insns, { nr: 101, arch: AUDIT_ARCH.x86_64 })).toBe(SECCOMP_RET_ALLOW); // ptrace
    expect(bpf.run(main!.insns, { nr: 101, arch: AUDIT_ARCH.x86_64 })).toBe(errno(EPERM));
    // stream: [u16 count][u16 flags][insns]…
    const view = new DataView(f.stream.buffer, f.stream.byteOffset, f.stream.byteLength);
    let off = 0;
    const decoded: { insns: bpf.Insn[]; log: boolean }[] = [];
    while (off < f.stream.length) {
      const n = view.getUint16(off, true);
      const flags = view.getUint16(off + 2, true);
      decoded.push({ insns: bpf.decode(f.stream.subarray(off + 4, off + 4 + n * 8)), log: flags === 1 });
      off += 4 + n * 8;
    }
    expect(decoded).toEqual(f.programs);
    expect(compile(spec({ action: "kill" })).programs.map((p) => p.log)).toEqual([false]);
  });

  it("kills any other architecture (i386 via int 0x80, arm32, riscv…)", () => {
    for (const arch of [0x40000003 /* i386 */, 0x40000028 /* arm */, 0xc00000f3 /* riscv64 */, 0]) {
      expect(bpf.run(f.insns, { nr: 0, arch })).toBe(SECCOMP_RET_KILL_PROCESS);
      expect(bpf.run(f.insns, { nr: 41, arch })).toBe(SECCOMP_RET_KILL_PROCESS);
    }
  });

  it.each(ARCHES)("%s: denies every default family, allows ordinary calls", (arch: Arch) => {
    for (const name of DEFAULT_DENY) {
      if (!(name in SYSCALL_TABLES[arch])) continue;
      const expected = ["clone3", "io_uring_setup", "io_uring_enter", "io_uring_register"].includes(name) ? errno(ENOSYS) : errno(EPERM);
      expect([name, describeRet(evaluate(f, arch, name))]).toEqual([name, describeRet(expected)]);
    }
    for (const name of ["read", "write", "openat", "mmap", "execve", "exit_group", "futex", "connect", "bind", "accept4", "rt_sigaction"]) {
      expect([name, evaluate(f, arch, name)]).toEqual([name, SECCOMP_RET_ALLOW]);
    }
  });

  it.each(ARCHES)("%s: no_network allows only AF_UNIX, comparing the LOW 32 bits of the family", (arch: Arch) => {
    expect(evaluate(f, arch, "socket", [1])).toBe(SECCOMP_RET_ALLOW); // AF_UNIX
    expect(evaluate(f, arch, "socket", [2])).toBe(errno(EAFNOSUPPORT)); // AF_INET
    expect(evaluate(f, arch, "socket", [10])).toBe(errno(EAFNOSUPPORT)); // AF_INET6
    expect(evaluate(f, arch, "socket", [16])).toBe(errno(EAFNOSUPPORT)); // AF_NETLINK
    expect(evaluate(f, arch, "socket", [17])).toBe(errno(EAFNOSUPPORT)); // AF_PACKET
    // the libseccomp 2.5.4 bug: the kernel reads `int family`, i.e. 2 here
    expect(evaluate(f, arch, "socket", [0x1_00000002n])).toBe(errno(EAFNOSUPPORT));
    expect(evaluate(f, arch, "socket", [0xffffffff_00000001n])).toBe(SECCOMP_RET_ALLOW); // truncates to AF_UNIX: allowed, as the kernel sees it
    expect(evaluate(f, arch, "socketpair", [1])).toBe(SECCOMP_RET_ALLOW);
    expect(evaluate(f, arch, "socketpair", [2])).toBe(errno(EAFNOSUPPORT));
  });

  it.each(ARCHES)("%s: clone() may not create namespaces; clone3 answers ENOSYS", (arch: Arch) => {
    const SIGCHLD = 17;
    expect(evaluate(f, arch, "clone", [SIGCHLD])).toBe(SECCOMP_RET_ALLOW); // fork()
    expect(evaluate(f, arch, "clone", [0x003d0f00])).toBe(SECCOMP_RET_ALLOW); // pthread_create flags
    for (const flag of [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000]) {
      expect(evaluate(f, arch, "clone", [flag | SIGCHLD])).toBe(errno(EPERM));
      expect(evaluate(f, arch, "clone", [BigInt(flag) | 0xabcd_00000000n])).toBe(errno(EPERM));
    }
    expect(evaluate(f, arch, "clone3")).toBe(errno(ENOSYS));
  });

  it("refuses x32 syscalls (same AUDIT_ARCH as x86_64)", () => {
    expect(bpf.run(f.insns, { nr: 0x40000000 + 41, arch: AUDIT_ARCH.x86_64 })).toBe(errno(ENOSYS));
    expect(bpf.run(f.insns, { nr: 0x40000000, arch: AUDIT_ARCH.x86_64 })).toBe(errno(ENOSYS));
  });

  it("actions: kill → KILL_PROCESS, log → LOG; the probed syscalls still answer ENOSYS under kill", () => {
    const k = compile(spec({ action: "kill", noNetwork: true }));
    expect(evaluate(k, "x86_64", "ptrace")).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(evaluate(k, "aarch64", "socket", [2])).toBe(SECCOMP_RET_KILL_PROCESS);
    expect(evaluate(k, "x86_64", "io_uring_setup")).toBe(errno(ENOSYS));
    expect(evaluate(k, "x86_64", "clone3")).toBe(errno(ENOSYS));
    const l = compile(spec({ action: "log" }));
    expect(evaluate(l, "x86_64", "mount")).toBe(SECCOMP_RET_LOG);
    expect(evaluate(l, "x86_64", "clone3")).toBe(errno(ENOSYS)); // probes answer ENOSYS under every action
  });

  it("explicit allow removes from the default list; explicit deny adds", () => {
    const g = compile(spec({ allow: ["ptrace"], deny: ["chmod", "fchmodat", "fchmodat2"] }));
    for (const arch of ARCHES) {
      expect(evaluate(g, arch, "ptrace")).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(g, arch, "fchmodat")).toBe(errno(EPERM));
      expect(evaluate(g, arch, "fchmodat2")).toBe(errno(EPERM));
      expect(evaluate(g, arch, "mount")).toBe(errno(EPERM));
    }
    expect(evaluate(g, "x86_64", "chmod")).toBe(errno(EPERM));
    expect(g.plans.aarch64.missing).toEqual(["chmod"]); // no chmod on aarch64: skipped there
  });

  it("without the default list, nothing but the explicit denials", () => {
    const g = compile(spec({ defaultDeny: false, deny: ["kill"] }));
    expect(evaluate(g, "x86_64", "ptrace")).toBe(SECCOMP_RET_ALLOW);
    expect(evaluate(g, "x86_64", "kill")).toBe(errno(EPERM));
    expect(evaluate(g, "x86_64", "clone", [0x10000000])).toBe(SECCOMP_RET_ALLOW); // unshare allowed → clone unchecked
  });

  it("allow_list mode: only the listed syscalls (plus what the launcher needs)", () => {
    const g = compile(spec({ mode: "allow_list", allow: ["read", "brk", "socket"], noNetwork: true }));
    for (const arch of ARCHES) {
      expect(evaluate(g, arch, "read")).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(g, arch, "execve")).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(g, arch, "exit_group")).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(g, arch, "openat")).toBe(errno(EPERM));
      expect(evaluate(g, arch, "socket", [1])).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(g, arch, "socket", [2])).toBe(errno(EAFNOSUPPORT));
      expect(evaluate(g, arch, "clone3")).toBe(errno(ENOSYS));
    }
  });

  it("a long allow list still has no out-of-range jump", () => {
    const all = Object.keys(SYSCALLS_X86_64).filter((n) => !["ptrace"].includes(n));
    const g = compile(spec({ mode: "allow_list", allow: all }));
    expect(bpf.check(g.insns)).toEqual([]);
    expect(evaluate(g, "x86_64", "ptrace")).toBe(errno(EPERM));
    expect(evaluate(g, "x86_64", "write")).toBe(SECCOMP_RET_ALLOW);
  });

  it("refuses unknown names and contradictions", () => {
    expect(() => compile(spec({ deny: ["not_a_syscall"] }))).toThrow(SeccompSpecError);
    expect(() => compile(spec({ allow: ["ptrace"], deny: ["ptrace"] }))).toThrow(/both allowed and denied/);
  });

  it("the interpreter agrees with hand-written programs", () => {
    const prog = [bpf.stmt(bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS, bpf.argHigh(1)), bpf.jump(bpf.BPF_JMP | bpf.BPF_JGT | bpf.BPF_K, 5, 0, 1), bpf.stmt(bpf.BPF_RET | bpf.BPF_K, 1), bpf.stmt(bpf.BPF_RET | bpf.BPF_K, 2)];
    expect(bpf.check(prog)).toEqual([]);
    expect(bpf.run(prog, { nr: 0, arch: 0, args: [0, 6n << 32n] })).toBe(1);
    expect(bpf.run(prog, { nr: 0, arch: 0, args: [0, 5n << 32n] })).toBe(2);
    expect(bpf.check([bpf.stmt(bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS, 64), bpf.stmt(bpf.BPF_RET | bpf.BPF_K, 0)])[0]).toMatch(/outside seccomp_data/);
    expect(bpf.check([bpf.jump(bpf.BPF_JMP | bpf.BPF_JEQ, 0, 5, 0), bpf.stmt(bpf.BPF_RET | bpf.BPF_K, 0)])[0]).toMatch(/past the end/);
    expect(bpf.check([bpf.stmt(bpf.BPF_LD | bpf.BPF_W | bpf.BPF_ABS, 0)])).toContain("the last instruction is not a return");
  });

  it("compiles fast (a cache is still used per profile)", () => {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) compile(spec({ noNetwork: true, deny: ["kill"] }));
    expect((performance.now() - t0) / 50).toBeLessThan(5);
  });
});

describe("notify mode (the launcher's supervisor answers refusals)", () => {
  const N = SECCOMP_RET_USER_NOTIF;

  it("every refusal goes to the supervisor, except the ENOSYS probes; allowed calls stay in the kernel", () => {
    for (const action of ["errno", "kill", "log"] as const) {
      const f = compile(spec({ action, noNetwork: true, notify: true }));
      expect(f.programs).toHaveLength(1);
      expect(f.programs[0]!.listener).toBe(true);
      for (const arch of ARCHES) {
        for (const name of ["ptrace", "mount", "bpf", "keyctl", "unshare"]) expect(evaluate(f, arch, name), `${arch} ${name}`).toBe(N);
        expect(evaluate(f, arch, "socket", [2, 1, 0])).toBe(N);
        expect(evaluate(f, arch, "socket", [1, 1, 0])).toBe(SECCOMP_RET_ALLOW);
        expect(evaluate(f, arch, "clone3")).toBe(errno(ENOSYS));
        expect(evaluate(f, arch, "read")).toBe(SECCOMP_RET_ALLOW);
      }
    }
  });

  it("the table gives each refusal its errno (EAFNOSUPPORT for socket families) and each observed call its operation", () => {
    const f = compile(spec({ noNetwork: true, notify: true, observe: Object.keys(OBSERVE_OPS) }));
    for (const arch of ARCHES) {
      const rows = f.table.filter((r) => r.arch === AUDIT_ARCH[arch]);
      const row = (name: string) => rows.find((r) => r.nr === syscallNumber(arch, name));
      expect(row("ptrace")).toMatchObject({ kind: "deny", value: EPERM });
      expect(row("socket")).toMatchObject({ kind: "deny", value: EAFNOSUPPORT });
      expect(row("clone")).toMatchObject({ kind: "deny", value: EPERM });
      expect(row("openat")).toMatchObject({ kind: "observe", value: OBSERVE_OPS.openat });
      expect(row("clone3")).toBeUndefined(); // answered in the kernel
      // every row the kernel can send is a notification of this program, and vice versa
      // (0x10000002: AF_INET-ish for socket, CLONE_NEWUSER for clone)
      for (const r of rows) expect(bpf.run(f.insns, { nr: r.nr, arch: r.arch, args: [0x10000002] }), `${arch} ${r.nr}`).toBe(N);
      expect(evaluate(f, arch, "openat")).toBe(N);
      expect(evaluate(f, arch, "read")).toBe(SECCOMP_RET_ALLOW);
    }
    expect(f.table.some((r) => r.arch === 0)).toBe(false); // deny-list mode has no default row
  });

  it("an observed syscall that is also denied stays denied", () => {
    const f = compile(spec({ deny: ["openat"], notify: true, observe: ["openat"] }));
    for (const arch of ARCHES) expect(f.table.find((r) => r.arch === AUDIT_ARCH[arch] && r.nr === syscallNumber(arch, "openat"))).toMatchObject({ kind: "deny" });
  });

  it("allow-list mode: the default is a notification, with a default row in the table", () => {
    const f = compile(spec({ mode: "allow_list", allow: ["read"], notify: true }));
    for (const arch of ARCHES) {
      expect(evaluate(f, arch, "openat")).toBe(N);
      expect(evaluate(f, arch, "read")).toBe(SECCOMP_RET_ALLOW);
      expect(evaluate(f, arch, "execve")).toBe(SECCOMP_RET_ALLOW);
    }
    expect(f.table).toContainEqual({ arch: 0, nr: 0xffffffff, kind: "deny", value: EPERM });
  });

  it("the stream carries the listener flag and the table after the program", () => {
    const f = compile(spec({ notify: true, observe: ["openat"] }));
    const v = new DataView(f.stream.buffer, f.stream.byteOffset, f.stream.byteLength);
    expect(v.getUint16(0, true)).toBe(f.insns.length);
    expect(v.getUint16(2, true)).toBe(2);
    const t = 4 + f.insns.length * 8;
    expect([v.getUint16(t, true), v.getUint16(t + 2, true), v.getUint32(t + 4, true)]).toEqual([0xffff, 1, f.table.length]);
    expect(f.stream.length).toBe(t + 8 + 12 * f.table.length);
  });

  it("observing needs notify mode, and only known path-taking syscalls", () => {
    expect(() => compile(spec({ observe: ["openat"] }))).toThrow(SeccompSpecError);
    expect(() => compile(spec({ notify: true, observe: ["read"] }))).toThrow(/cannot be observed/);
  });
});
