// Profiles, capability checks and the launcher command line: no kernel needed.
import { describe, expect, it } from "vitest";
import { GuardUnavailableError } from "../../guard/errors.js";
import { type GuardCapabilities, launcherArgs, missingMechanisms } from "../../guard/index.js";
import { DEFAULT_ENV_ALLOW, GuardProfileError, GuardProfileSchema, resolveProfile } from "../../guard/profile.js";
import { EnforceCoreError } from "../../core/errors.js";

const yes = { available: true };
const no = (reason: string) => ({ available: false, reason });

function caps(over: Partial<GuardCapabilities> = {}): GuardCapabilities {
  return {
    platform: "linux",
    arch: "x64",
    launcher: { available: true, path: "/x/enforcecore-launcher" },
    seccomp: { available: true, arch: "x86_64" },
    landlock: { available: true, abi: 7 },
    networkNamespace: yes,
    rlimits: yes,
    cgroups: { layout: "hybrid", memory: yes, pids: yes, cpu: yes, kill: "cgroup.kill", cpuAccounting: yes },
    syscallAttribution: { available: true, mechanism: "user_notif" },
    userNotification: yes,
    filesystemReporting: yes,
    setuid: yes,
    wallTime: yes,
    outputSize: yes,
    ...over,
  };
}

const macos = caps({
  platform: "darwin",
  arch: "arm64",
  seccomp: { available: false, reason: "not Linux (darwin)", arch: null },
  landlock: { available: false, reason: "not Linux (darwin)", abi: 0 },
  networkNamespace: no("not Linux (darwin)"),
  cgroups: { layout: "none", memory: no("not Linux (darwin)"), pids: no("not Linux (darwin)"), cpu: no("not Linux (darwin)"), kill: "process-group", cpuAccounting: no("not Linux (darwin)") },
  setuid: no("not root"),
});
const windows = caps({ ...macos, platform: "win32", launcher: { available: false, path: null, reason: "Windows has no launcher" }, rlimits: no("Windows has no setrlimit") });

describe("guard profiles", () => {
  it("applies defaults once: the default deny list, errno, a 16 MiB output cap, a small env allow list", () => {
    const p = resolveProfile({});
    expect(p.syscalls).toEqual({ mode: "deny_list", default_deny: true, allow: [], deny: [], action: "errno" });
    expect(p.output_bytes).toBe(16 * 1024 * 1024);
    expect(p.env_allow).toEqual(DEFAULT_ENV_ALLOW);
    expect(p.drop_capabilities).toBe(true);
    expect(p.memory_mb).toBeNull();
    expect(resolveProfile({ syscalls: false }).syscalls).toBeNull();
    expect(resolveProfile(p)).toBe(p); // already resolved: not validated again
  });

  it("refuses unknown keys, unknown syscalls, contradictions, relative paths — all at once", () => {
    const err = (() => {
      try {
        resolveProfile({ memory: 5, syscalls: { deny: ["ptrace", "not_a_syscall"], allow: ["ptrace"] }, cwd: "tmp", landlock: { read_only: ["etc"] }, pids: 0 });
      } catch (e) {
        return e as GuardProfileError;
      }
    })();
    expect(err).toBeInstanceOf(GuardProfileError);
    const text = err!.message;
    expect(text).toMatch(/memory/);
    expect(text).toMatch(/unknown syscall not_a_syscall/);
    expect(text).toMatch(/both allowed and denied: ptrace/);
    expect(text).toMatch(/cwd: must be an absolute path/);
    expect(text).toMatch(/landlock\.read_only\.0: must be an absolute path/);
    expect(text).toMatch(/pids/);
  });

  it("is a plain zod schema (usable as rules.guard in a policy)", () => {
    expect(GuardProfileSchema.safeParse({ no_network: true, memory_mb: 64 }).success).toBe(true);
    expect(GuardProfileSchema.safeParse({ no_network: "yes" }).success).toBe(false);
  });
});

describe("what a host can enforce", () => {
  it("Linux with everything: nothing missing", () => {
    expect(missingMechanisms({ no_network: true, memory_mb: 64, pids: 8, cpu_seconds: 1, landlock: { read_only: ["/usr"] }, network_namespace: true }, caps())).toEqual([]);
  });

  it("macOS: rlimits, wall time and output size only; the default seccomp profile must be turned off explicitly", () => {
    expect(missingMechanisms({}, macos)).toEqual([{ field: "syscalls", mechanism: "seccomp", reason: "not Linux (darwin)" }]);
    expect(missingMechanisms({ syscalls: false, cpu_seconds: 2, file_size_mb: 1, open_files: 64, wall_seconds: 5, output_bytes: 100 }, macos)).toEqual([]);
    const m = missingMechanisms({ syscalls: false, memory_mb: 64, pids: 4, no_network: true, landlock: {} }, macos).map((x) => x.field);
    expect(m).toEqual(["no_network", "memory_mb", "pids", "landlock"]);
  });

  it("Windows: wall time, output size, env and cwd only", () => {
    expect(missingMechanisms({ syscalls: false, wall_seconds: 5, output_bytes: 1000, env_allow: ["PATH"] }, windows)).toEqual([]);
    expect(missingMechanisms({ syscalls: false, cpu_seconds: 1 }, windows)).toEqual([{ field: "cpu_seconds", mechanism: "setrlimit (the launcher)", reason: "Windows has no setrlimit" }]);
  });

  it("Linux without cgroup write access: memory and pids say why", () => {
    const c = caps({ cgroups: { layout: "none", memory: no("/sys/fs/cgroup/memory is not writable (EACCES)"), pids: no("no pids controller is mounted"), cpu: no("x"), kill: "process-group", cpuAccounting: no("x") } });
    expect(missingMechanisms({ memory_mb: 10, pids: 3 }, c)).toEqual([
      { field: "memory_mb", mechanism: "the cgroup memory controller", reason: "/sys/fs/cgroup/memory is not writable (EACCES)" },
      { field: "pids", mechanism: "the cgroup pids controller", reason: "no pids controller is mounted" },
    ]);
  });

  it("an old kernel (no user notification): Landlock denial reports are optional unless required", () => {
    const old = caps({ userNotification: no("ENOSYS"), filesystemReporting: no("needs seccomp user notification"), syscallAttribution: { available: true, mechanism: "kernel_log" } });
    expect(missingMechanisms({ landlock: { read_only: ["/usr"] } }, old)).toEqual([]);
    expect(missingMechanisms({ landlock: { read_only: ["/usr"], report_denials: false } }, old)).toEqual([]);
    expect(missingMechanisms({ landlock: { read_only: ["/usr"], report_denials: true } }, old)).toEqual([
      { field: "landlock.report_denials", mechanism: "seccomp user notification (the launcher's supervisor)", reason: "needs seccomp user notification" },
    ]);
  });

  it("GuardUnavailableError is an EnforceCoreError with code guard_unavailable and lists every gap", () => {
    const e = new GuardUnavailableError(missingMechanisms({ memory_mb: 10, landlock: {} }, macos));
    expect(e).toBeInstanceOf(EnforceCoreError);
    expect(e.code).toBe("guard_unavailable");
    expect(e.message).toMatch(/syscalls: needs seccomp: not Linux/);
    expect(e.message).toMatch(/memory_mb: needs the cgroup memory controller/);
    expect(e.message).toMatch(/landlock: needs Landlock/);
  });
});

describe("the launcher command line", () => {
  it("maps every field to a launcher option, the command after --", () => {
    const p = resolveProfile({ cpu_seconds: 1.5, file_size_mb: 2, open_files: 64, address_space_mb: 1024, nproc: 50, network_namespace: true, cwd: "/tmp", env_allow: ["PATH", "LC_*"], uid: 1000, gid: 1000, landlock: { read_only: ["/usr"], read_write: ["/tmp"], system_paths: false } });
    const a = launcherArgs(p, "python3", ["-c", "print(1)"], { cgroups: ["/sys/fs/cgroup/x/leaf"], seccompFd: 4, parentPid: 42, landlockAbi: 7 });
    expect(a.slice(0, 4)).toEqual(["--status-fd", "3", "--pdeathsig", "42"]);
    const joined = a.join(" ");
    for (const part of ["--seccomp-fd 4", "--cgroup /sys/fs/cgroup/x/leaf", "--rlimit CORE=0", "--rlimit CPU=2:3", `--rlimit FSIZE=${2 * 1024 * 1024}`, "--rlimit NOFILE=64", `--rlimit AS=${1024 * 1024 * 1024}`, "--rlimit NPROC=50", "--netns-lo", "--gid 1000", "--uid 1000", "--cwd /tmp", "--env PATH", "--env LC_*", "--landlock", "--landlock-scope", "--landlock-ro /usr", "--landlock-rw /tmp", "--drop-caps"]) {
      expect(joined).toContain(part);
    }
    expect(a.slice(-4)).toEqual(["--", "python3", "-c", "print(1)"]);
  });
});
