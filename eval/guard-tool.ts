/**
 * External tools for the guard-escape scenarios. In the enforced run the tool is the product's
 * `commandTool` (hosts/node): the process runs under the OS guard with the policy's `rules.guard`
 * profile, and a guard violation blocks the call. In the control run the same argv is spawned
 * plainly. Hosts where the guard cannot enforce a profile only skip these scenarios.
 */
import { spawn as plainSpawn } from "node:child_process";
import type { Tool } from "../core/enforcer.js";
import { capabilities, type GuardProfileInput, missingMechanisms } from "../guard/index.js";
import { type CommandResult, commandTool } from "../hosts/node/index.js";
import type { Attempt, RunContext } from "./types.js";

/** Why `profile` cannot be enforced on this host (null: it can). */
export async function guardMissing(profile: GuardProfileInput): Promise<string | null> {
  try {
    const caps = capabilities();
    if (!caps.launcher.available) return `OS guard: ${caps.launcher.reason ?? "no launcher"}`;
    const missing = missingMechanisms(profile, caps);
    return missing.length ? `OS guard cannot enforce ${missing.map((m) => `${m.field} (${m.reason})`).join("; ")}` : null;
  } catch (err) {
    return `OS guard: ${(err as Error).message}`;
  }
}

function spawnPlain(command: string, args: readonly string[], signal: AbortSignal): Promise<CommandResult> {
  return new Promise((ok, fail) => {
    const child = plainSpawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const safety = setTimeout(() => child.kill("SIGKILL"), 10_000); // the control run's own bound
    child.once("error", (e) => {
      clearTimeout(safety);
      fail(e);
    });
    child.once("close", (code, sig) => {
      clearTimeout(safety);
      ok({ exitCode: code, signal: sig, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
  });
}

/** `command` as a tool: `commandTool` under the policy's guard profile (enforced), a plain spawn (control). */
export function externalTool<A>(ctx: RunContext, command: string, toArgv: (args: A) => readonly string[]): Tool<A, Promise<CommandResult>> {
  if (ctx.mode === "enforced") return commandTool(command, toArgv);
  return (args, tctx) => spawnPlain(command, toArgv(args), tctx.signal);
}

/** `guard:<type>` for each guard violation that blocked the call (from the error's violations). */
export function guardMechanisms(a: Attempt<unknown>): string[] {
  if (a.ok) return [];
  const vs = (a.error as { violations?: readonly { type: string }[] }).violations ?? [];
  return vs.filter((v) => v.type.startsWith("guard_")).map((v) => `guard:${v.type.slice("guard_".length)}`);
}
