// `enforcecore guard run|capabilities` (guard/cli.ts), in-process.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardMain } from "../../guard/cli.js";
import { capabilities } from "../../guard/index.js";
import { SYSCALLS_AARCH64, SYSCALLS_X86_64 } from "../../guard/syscalls.generated.js";
import { buildLauncher, hasCc, root, skipReason } from "./helpers.js";

async function cli(argv: string[], deps = {}) {
  let stdout = "";
  let stderr = "";
  const code = await guardMain(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), ...deps });
  return { code, stdout, stderr };
}

describe("guard CLI usage", () => {
  it("prints help and refuses unknown verbs", async () => {
    expect((await cli([])).code).toBe(0);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli(["run"])).stderr).toMatch(/needs a command/);
  });
});

describe.skipIf(skipReason !== "")(`guard CLI${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let dir = "";
  beforeAll(() => {
    buildLauncher();
    dir = mkdtempSync(join(tmpdir(), "enforcecore-guard-cli-"));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("run: the tool's output and exit code", async () => {
    const r = await cli(["run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("run --profile: a violation prints and exits 1; --json gives the structured result", async () => {
    const profile = join(dir, "p.yaml");
    writeFileSync(profile, "no_network: true\nsyscalls:\n  action: kill\n");
    const r = await cli(["run", "--profile", profile, "--", "python3", "-c", "import socket; socket.socket()"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/violation (network|syscall): /);
    const j = await cli(["run", "--json", "--profile", profile, "--", "python3", "-c", "import socket; socket.socket()"]);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ signal: "SIGSYS", violation: { type: expect.stringMatching(/network|syscall/) } });
  });

  it("run --policy reads rules.guard from the policy", async () => {
    const loadPolicy = () => ({ policy: { rules: { guard: { wall_seconds: 0.3 } } } });
    const r = await cli(["run", "--policy", "x.yaml", "--", "sleep", "5"], { loadPolicy });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/violation wall_time/);
  });

  it("a bad profile exits 2; a setup failure exits 1 and says the tool did not run", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "memory: 5\n");
    expect((await cli(["run", "--profile", bad, "--", "true"])).code).toBe(2);
    const r = await cli(["run", "--", "enforcecore-no-such-tool"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/guard setup failed at exec: .*the tool did not run/);
  });

  it("run: a Landlock denial is printed with its path (where the supervisor reports them)", async () => {
    if (!capabilities().filesystemReporting.available) return;
    const profile = join(dir, "ll.yaml");
    writeFileSync(profile, `landlock:\n  read_write: [${JSON.stringify(join(dir, "rw"))}]\n`);
    mkdirSync(join(dir, "rw"), { recursive: true });
    const target = join(dir, "outside.txt");
    const r = await cli(["run", "--profile", profile, "--", "sh", "-c", `echo x > ${target} || exit 0`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`violation filesystem: create ${target}: denied by Landlock (openat`);
  });

  it("capabilities --json, and the text form names the mechanism that names refusals", async () => {
    const r = await cli(["capabilities", "--json"]);
    const caps = JSON.parse(r.stdout);
    expect(caps).toMatchObject({ platform: "linux", seccomp: { available: true }, syscallAttribution: { mechanism: expect.stringMatching(/user_notif|kernel_log/) } });
    const text = await cli(["capabilities"]);
    expect(text.stdout).toMatch(caps.syscallAttribution.mechanism === "user_notif" ? /yes {2}syscall names in reports \(supervisor/ : /syscall names in reports \(kernel log\)/);
  });
});

describe.skipIf(process.platform !== "linux" || !hasCc)("generated syscall table", () => {
  it("agrees with the installed kernel headers (newer headers may add syscalls past the table's end)", () => {
    let headers: Record<string, Record<string, number>>;
    try {
      headers = JSON.parse(execFileSync(process.execPath, [join(root, "guard/gen-syscalls.mjs"), "--json"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    } catch {
      return; // no UAPI headers on this machine: nothing to compare with
    }
    for (const [arch, committed] of [["x86_64", SYSCALLS_X86_64], ["aarch64", SYSCALLS_AARCH64]] as const) {
      const max = Math.max(...Object.values(committed));
      for (const [name, nr] of Object.entries(headers[arch]!)) {
        if (nr > max) continue;
        expect([arch, name, committed[name]]).toEqual([arch, name, nr]);
      }
    }
  });
});
