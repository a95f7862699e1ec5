// The launcher's protocol, driven directly: every failing step reports itself on the status fd,
// exits with its own code, and never runs the tool (fail closed).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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

function runLauncher(args: string[], seccomp?: Uint8Array, withEvents = false): Promise<Run & { events: string }> {
  return new Promise((resolve, reject) => {
    const stdio: ("ignore" | "pipe")[] = ["ignore", "pipe", "pipe", "pipe"];
    if (seccomp) stdio.push("pipe");
    if (withEvents) stdio.push("pipe");
    const child = spawn(launcher, args, { stdio });
    let status = "";
    let stdout = "";
    let stderr = "";
    let events = "";
    (child.stdio[3] as Readable).on("data", (c: Buffer) => (status += c));
    if (withEvents) ((child.stdio as readonly unknown[])[5] as Readable).on("data", (c: Buffer) => (events += c));
    child.stdout!.on("data", (c: Buffer) => (stdout += c));
    child.stderr!.on("data", (c: Buffer) => (stderr += c));
    if (seccomp) {
      const w = child.stdio[4] as Writable;
      w.on("error", () => {}); // the launcher may exit before reading (usage errors)
      w.end(Buffer.from(seccomp));
    }
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, status, stdout, stderr, events }));
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

  describe("the supervisor (seccomp user notification)", () => {
    const spec = { mode: "deny_list", defaultDeny: true, allow: [], deny: [], action: "errno", noNetwork: false } as const;
    const notifyArgs = (action = "errno") => ["--status-fd", "3", "--env", "PATH", "--seccomp-fd", "4", "--notify", action, "--events-fd", "5", "--"];

    it("--probe runs the whole mechanism once and says whether it works", async () => {
      const r = await runLauncher(["--probe"]);
      expect(r.stdout).toMatch(/^notify [01]$/m);
    });

    it("the supervisor answers for the tool: the events name the refusal, the exit is mirrored", async () => {
      const probe = await runLauncher(["--probe"]);
      if (!/^notify 1$/m.test(probe.stdout)) return;
      const f = compile({ ...spec, notify: true });
      const r = await runLauncher([...notifyArgs(), "python3", "-c", "import ctypes; l = ctypes.CDLL(None, use_errno=True); print(l.syscall(ctypes.c_long(165), 0, 0, 0, 0, 0), ctypes.get_errno()); raise SystemExit(9)"], f.stream, true);
      expect(r.status).toBe("");
      expect(r.stdout).toBe("-1 1\n"); // mount: EPERM, answered by the supervisor
      expect(r.code).toBe(9);
      const lines = r.events.trim().split("\n");
      expect(lines[0]).toMatch(/^T\t\d+$/);
      expect(lines).toContain(`S\t0\tc000003e\t165\terrno=1\t${lines[0]!.split("\t")[1]}\tpython3`);
      expect(lines.at(-1)).toBe("X\texit\t9");
    });

    it.each([
      ["--notify without --events-fd", ["--status-fd", "3", "--seccomp-fd", "4", "--notify", "errno", "--", "true"], 64, /^usage\t0\t--notify needs --events-fd/],
      ["--notify with a filter that has no listener", ["--status-fd", "3", "--seccomp-fd", "4", "--notify", "errno", "--events-fd", "2", "--", "touch", "MARK"], 70, /--notify without a listener program/],
    ] as const)("%s fails closed", async (_name, args, code, line) => {
      const mark = join(work, `ran-${Math.random().toString(36).slice(2)}`);
      const r = await runLauncher(args.map((a) => (a === "MARK" ? mark : a)), compile(spec).stream);
      expect(r.code).toBe(code);
      expect(r.status).toMatch(line);
      expect(existsSync(mark)).toBe(false);
    });

    it("a listener program that is not the last one, or without its table, fails closed", async () => {
      const f = compile({ ...spec, notify: true });
      const listener = frame(f.programs[0]!.insns, 2);
      const plain = frame(compile(spec).programs.at(-1)!.insns, 0);
      const table = Buffer.from(f.stream.subarray(4 + f.programs[0]!.insns.length * 8));
      const notLast = await runLauncher(notifyArgs().concat("true"), Buffer.concat([listener, plain, table]), true);
      expect(notLast.code).toBe(70);
      expect(notLast.status).toMatch(/the listener program must be the last one/);
      const noTable = await runLauncher(notifyArgs().concat("true"), listener, true);
      expect(noTable.code).toBe(70);
      expect(noTable.status).toMatch(/without the supervisor table/);
      const truncated = await runLauncher(notifyArgs().concat("true"), Buffer.concat([listener, table.subarray(0, table.length - 3)]), true);
      expect(truncated.code).toBe(70);
      expect(truncated.status).toMatch(/supervisor table truncated/);
    });
  });

  it("the tool still dies with its parent after --uid/--gid (the kernel clears PDEATHSIG on a credential change)", async () => {
    const py = [
      "import os, subprocess, sys, time",
      `p = subprocess.Popen([${JSON.stringify(launcher)}, "--status-fd", "2", "--pdeathsig", str(os.getpid()), "--uid", "65534", "--gid", "65534", "--", "sleep", "30"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)`,
      "print(p.pid, flush=True)",
      "time.sleep(0.5)",
      "os._exit(0)",
    ].join("\n");
    const r = await runLauncher(["--status-fd", "3", "--env", "PATH", "--", "python3", "-c", py]);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
      } catch {
        return false;
      }
    };
    const end = Date.now() + 3000;
    while (alive() && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
    const left = alive();
    if (left) process.kill(pid, "SIGKILL");
    expect(left).toBe(false);
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
