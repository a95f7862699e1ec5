// The launcher's protocol, driven directly: every failing step reports itself on the status fd,
// exits with its own code, and never runs the tool (fail closed).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as bpf from "../../guard/bpf.js";
import { compile } from "../../guard/seccomp.js";
import { buildLauncher, skipReason } from "./helpers.js";

let launcher = "";
let work = "";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  status: string;
  stdout: string;
  stderr: string;
}

function runLauncher(args: string[], seccomp?: Uint8Array): Promise<Run> {
  return new Promise((resolve, reject) => {
    const stdio: ("ignore" | "pipe")[] = ["ignore", "pipe", "pipe", "pipe"];
    if (seccomp) stdio.push("pipe");
    const child = spawn(launcher, args, { stdio });
    let status = "";
    let stdout = "";
    let stderr = "";
    (child.stdio[3] as Readable).on("data", (c: Buffer) => (status += c));
    child.stdout!.on("data", (c: Buffer) => (stdout += c));
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    if (seccomp) (child.stdio[4] as Writable).end(Buffer.from(seccomp));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, status, stdout, stderr }));
  });
}

const frame = (insns: bpf.Insn[], flags = 0) => {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(insns.length, 0);
  h.writeUInt16LE(flags, 2);
  return Buffer.concat([h, Buffer.from(bpf.encode(insns))]);
};

describe.skipIf(skipReason !== "")(`launcher protocol${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(() => {
    launcher = buildLauncher();
    work = mkdtempSync(join(tmpdir(), "enforcecore-launcher-test-"));
  }, 120_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("--probe reports this kernel", async () => {
    const r = await runLauncher(["--probe"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^os linux$/m);
    expect(r.stdout).toMatch(/^seccomp 1$/m);
    expect(r.stdout).toMatch(/^landlock \d+$/m);
  });

  it("success: the status fd closes without a byte and the tool's exit code is its own", async () => {
    const r = await runLauncher(["--status-fd", "3", "--env", "PATH", "--", "sh", "-c", "echo ok; exit 7"]);
    expect(r).toMatchObject({ code: 7, status: "", stdout: "ok\n" });
  });

  it.each([
    ["no status fd", ["--", "true"], 64, /^usage\t0\t--status-fd is required/],
    ["unknown option", ["--status-fd", "3", "--frobnicate", "--", "true"], 64, /^usage\t0\tunknown option --frobnicate/],
    ["bad rlimit", ["--status-fd", "3", "--rlimit", "STACK=1", "--", "true"], 64, /^usage\t0\tunknown rlimit STACK/],
    ["no command", ["--status-fd", "3", "--"], 64, /^usage\t0\tno command after --/],
    ["a cgroup that does not exist", ["--status-fd", "3", "--cgroup", "/sys/fs/cgroup/pids/enforcecore-does-not-exist", "--", "touch", "MARK"], 72, /^cgroup\t2\topening \/sys\/fs\/cgroup\/pids\/enforcecore-does-not-exist\/cgroup.procs/],
    ["a missing working directory", ["--status-fd", "3", "--cwd", "/nonexistent-enforcecore", "--", "touch", "MARK"], 75, /^cwd\t2\tchdir \/nonexistent-enforcecore/],
    ["a missing Landlock path", ["--status-fd", "3", "--landlock-ro", "/nonexistent-enforcecore", "--", "touch", "MARK"], 78, /^landlock\t2\topening \/nonexistent-enforcecore/],
    ["a missing command", ["--status-fd", "3", "--env", "PATH", "--", "enforcecore-no-such-tool"], 127, /^exec\t2\tenforcecore-no-such-tool: not found in PATH/],
  ] as const)("%s: its own exit code, one status line, the tool never runs", async (_name, args, code, line) => {
    const mark = join(work, `ran-${Math.random().toString(36).slice(2)}`);
    const r = await runLauncher(args.map((a) => (a === "MARK" ? mark : a)));
    expect(r.code).toBe(code);
    const report = (args as readonly string[]).includes("--status-fd") ? r.status : r.stderr; // without a status fd: stderr
    expect(report).toMatch(line);
    expect(report.split("\n").filter(Boolean)).toHaveLength(1);
    expect(existsSync(mark)).toBe(false);
  });

  it("a truncated seccomp stream fails closed (exit 70)", async () => {
    const full = frame(compile({ mode: "deny_list", defaultDeny: true, allow: [], deny: [], action: "errno", noNetwork: false }).insns);
    const r = await runLauncher(["--status-fd", "3", "--seccomp-fd", "4", "--", "true"], full.subarray(0, full.length - 5));
    expect(r.code).toBe(70);
    expect(r.status).toMatch(/^seccomp\t0\tprogram 0 truncated/);
  });

  it("an empty seccomp stream fails closed (the parent died before writing)", async () => {
    const r = await runLauncher(["--status-fd", "3", "--seccomp-fd", "4", "--", "true"], new Uint8Array(0));
    expect(r.code).toBe(70);
    expect(r.status).toMatch(/empty filter stream/);
  });

  it("a program the kernel refuses fails closed (exit 81, EINVAL)", async () => {
    const bad = [bpf.jump(bpf.BPF_JMP | bpf.BPF_JEQ | bpf.BPF_K, 0, 9, 0), bpf.stmt(bpf.BPF_RET | bpf.BPF_K, 0x7fff0000)];
    const r = await runLauncher(["--status-fd", "3", "--seccomp-fd", "4", "--", "true"], frame(bad));
    expect(r.code).toBe(81);
    expect(r.status).toMatch(/^seccomp\t22\tinstalling filter 1 of 1/);
  });

  it("the compiled filter works in the kernel: ptrace gets EPERM, AF_INET EAFNOSUPPORT even with high bits, AF_UNIX works", async () => {
    const f = compile({ mode: "deny_list", defaultDeny: true, allow: [], deny: [], action: "errno", noNetwork: true });
    const py = [
      "import ctypes, socket, errno",
      "libc = ctypes.CDLL(None, use_errno=True)",
      "def sc(*a):",
      "  r = libc.syscall(*[ctypes.c_long(x) for x in a]); return r if r >= 0 else -ctypes.get_errno()",
      "print(sc(101, 16, 1, 0, 0))", // ptrace(PTRACE_ATTACH, 1)
      "print(sc(41, 2, 1, 0))", // socket(AF_INET)
      "print(sc(41, 0x100000002, 1, 0))", // socket(0x1_00000002)
      "print(sc(41, 1, 1, 0) >= 0)", // socket(AF_UNIX)
    ].join("\n");
    const r = await runLauncher(["--status-fd", "3", "--env", "PATH", "--seccomp-fd", "4", "--", "python3", "-c", py], f.stream);
    expect(r.status).toBe("");
    expect(r.stdout.split("\n").filter(Boolean)).toEqual(["-1", "-97", "-97", "True"]);
  });

  it("drop-caps: the tool runs as root with no capabilities and cannot regain them", async () => {
    const r = await runLauncher(["--status-fd", "3", "--drop-caps", "--", "/bin/sh", "-c", "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)|^NoNewPrivs' /proc/self/status"]);
    expect(r.status).toBe("");
    for (const line of r.stdout.trim().split("\n")) {
      if (line.startsWith("NoNewPrivs")) expect(line).toMatch(/1$/);
      else expect(line).toMatch(/0000000000000000$/);
    }
  });
});
