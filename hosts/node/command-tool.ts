/**
 * Command tools: an enforced tool that is an external program runs under the OS guard with the
 * policy's `rules.guard` profile (seccomp, cgroups, rlimits, Landlock; docs/GUARD.md). A guard
 * violation (memory, pids, syscall, network, time…) blocks the call with ResourceLimitError, and a
 * timeout kills the whole process tree, so the work really ends.
 */
import type { Tool } from "../../core/enforcer.js";
import { ResourceLimitError } from "../../core/errors.js";
import { spawn, type GuardResult } from "../../guard/index.js";

export interface CommandResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `toArgv(args)` builds the argument vector; nothing goes through a shell. */
export function commandTool<A>(command: string, toArgv: (args: A) => readonly string[]): Tool<A, Promise<CommandResult>> {
  return async (args, ctx) => {
    const result: GuardResult = await spawn(command, toArgv(args), ctx.policy.rules.guard ?? {}, { signal: ctx.signal });
    if (result.violation) {
      const rule = `rules.guard.${result.violation.type}`;
      const reason = `the OS guard stopped ${command}: ${result.violation.type}${result.violation.detail ? ` (${result.violation.detail})` : ""}`;
      throw new ResourceLimitError({ tool: ctx.tool, policy: ctx.policy.name, rule, reason, violations: [{ type: `guard_${result.violation.type}`, rule, reason, action: "block" }] });
    }
    return { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout), stderr: String(result.stderr) };
  };
}
