import { describe, expect, it } from "vitest";
import { ResourceLimitError } from "../../core/errors.js";
import { capabilities } from "../../guard/index.js";
import { commandTool, createEnforcer } from "../../hosts/node/index.js";

const linuxWithGuard = process.platform === "linux" && capabilities().launcher.path !== null;

describe.skipIf(!linuxWithGuard)("command tools under the OS guard", () => {
  const enforcer = createEnforcer({
    policy: { name: "cmd", rules: { allowed_tools: ["echo", "spin", "net"], guard: { wall_seconds: 0.5, no_network: true, memory_mb: 128, pids: 32 } } },
  });

  it("runs an allowed command and returns its output", async () => {
    const echo = commandTool("/bin/echo", (a: { text: string }) => [a.text]);
    await expect(enforcer.call("echo", { text: "hello" }, echo)).resolves.toMatchObject({ exitCode: 0, stdout: "hello\n" });
  });

  it("blocks the call with the guard's violation and kills the tree", async () => {
    const spin = commandTool("/bin/sh", () => ["-c", "while :; do :; done"]);
    const err = await enforcer.call("spin", {}, spin).catch((e) => e as ResourceLimitError);
    expect(err).toBeInstanceOf(ResourceLimitError);
    expect((err as ResourceLimitError).rule).toBe("rules.guard.wall_time");
  }, 15_000);

  it("no_network in the policy is enforced by seccomp", async () => {
    const net = commandTool("python3", () => ["-c", "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM); print('connected')"]);
    const r = await enforcer.call("net", {}, net).catch((e) => e);
    // Either the guard reports the refused socket, or the tool fails with EPERM: never "connected".
    if (r instanceof ResourceLimitError) expect(r.rule).toMatch(/^rules\.guard\.(network|syscall)$/);
    else expect(r.stdout).not.toContain("connected");
  }, 15_000);
});
