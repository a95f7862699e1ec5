// `enforcecore guard …`: the command-line face of the OS guard (wired into cli/enforcecore.ts).
//
//   enforcecore guard run [--policy P | --profile FILE] [--json] -- CMD [ARGS…]
//   enforcecore guard capabilities [--json]
//
// `run` exit codes: the tool's own exit code when it ended by itself; 1 when the guard stopped it
// (the violation is printed on stderr) or could not confine it (the tool did not run); 128+N when
// it died of signal N without a violation; 2 for bad usage, an invalid profile, or a profile this
// host cannot enforce.
import { readFileSync } from "node:fs";
import { constants } from "node:os";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import { GuardSetupError, GuardUnavailableError } from "./errors.js";
import { capabilities, type GuardResult, spawn } from "./index.js";
import { GuardProfileError, type GuardProfileInput } from "./profile.js";

export const GUARD_HELP = `Usage: enforcecore guard run [--policy P | --profile FILE] [--json] -- CMD [ARGS...]
       enforcecore guard capabilities [--json]

run: runs CMD confined by the guard profile (the policy's rules.guard, or a YAML/JSON profile
file; neither: the default profile). Prints the tool's stdout and stderr. Exit code: the tool's,
or 1 when the guard stopped it (the violation is printed), 128+N for death by signal N, 2 for a
bad or unenforceable profile. --json prints the structured result instead.

capabilities: what this host can enforce, and why not.`;

export interface GuardCliDeps {
  /** Loads a policy file and returns its resolved policy (the CLI passes hosts/node's loadPolicy). */
  loadPolicy?: (path: string) => { policy: unknown };
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
}

function profileFrom(values: { policy?: string; profile?: string }, deps: GuardCliDeps): GuardProfileInput {
  if (values.policy && values.profile) throw new UsageError("give --policy or --profile, not both");
  if (values.profile) {
    const text = readFileSync(values.profile, "utf8");
    const doc = values.profile.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    return (doc ?? {}) as GuardProfileInput;
  }
  if (values.policy) {
    if (!deps.loadPolicy) throw new UsageError("--policy needs the policy loader");
    const { policy } = deps.loadPolicy(values.policy);
    const guard = (policy as { rules?: { guard?: GuardProfileInput } }).rules?.guard;
    return guard ?? {};
  }
  return {};
}

class UsageError extends Error {}

function signalNumber(sig: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[sig] ?? 0;
}

/** Runs `enforcecore guard ARGV…` and resolves with the process exit code. */
export async function guardMain(argv: string[], deps: GuardCliDeps = {}): Promise<number> {
  const out = deps.stdout ?? ((s: string) => process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => process.stderr.write(s));
  const [verb, ...rest] = argv;
  try {
    if (verb === "capabilities") {
      const { values } = parseArgs({ args: rest, options: { json: { type: "boolean" } } });
      const caps = capabilities();
      if (values.json) out(`${JSON.stringify(caps, null, 2)}\n`);
      else {
        const line = (name: string, m: { available: boolean; reason?: string }) => out(`${m.available ? "yes" : "no "}  ${name}${m.reason ? `: ${m.reason}` : ""}\n`);
        line(`launcher${caps.launcher.path ? ` (${caps.launcher.path})` : ""}`, caps.launcher);
        line(`seccomp${caps.seccomp.arch ? ` (${caps.seccomp.arch})` : ""}`, caps.seccomp);
        line(`landlock${caps.landlock.abi ? ` (ABI ${caps.landlock.abi})` : ""}`, caps.landlock);
        line("network namespace", caps.networkNamespace);
        line("rlimits", caps.rlimits);
        line(`cgroup memory (${caps.cgroups.layout})`, caps.cgroups.memory);
        line("cgroup pids", caps.cgroups.pids);
        line("cgroup cpu", caps.cgroups.cpu);
        line("CPU accounting of the tree", caps.cgroups.cpuAccounting);
        out(`     tree kill: ${caps.cgroups.kill}\n`);
        line(`syscall names in reports${caps.syscallAttribution.mechanism ? ` (${caps.syscallAttribution.mechanism === "user_notif" ? "supervisor, seccomp user notification" : "kernel log"})` : ""}`, caps.syscallAttribution);
        line("Landlock denials in reports (supervisor)", caps.filesystemReporting);
        line("wall time, output size", caps.wallTime);
      }
      return 0;
    }
    if (verb !== "run") {
      out(`${GUARD_HELP}\n`);
      return verb === undefined || verb === "--help" || verb === "-h" ? 0 : 2;
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { policy: { type: "string" }, profile: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
    if (values.help) {
      out(`${GUARD_HELP}\n`);
      return 0;
    }
    const [cmd, ...args] = positionals;
    if (!cmd) throw new UsageError("guard run needs a command after --");
    const profile = profileFrom(values, deps);
    let result: GuardResult;
    try {
      result = await spawn(cmd, args, profile);
    } catch (e) {
      if (e instanceof GuardSetupError) {
        if (values.json) out(`${JSON.stringify({ error: e.code, step: e.step, errno: e.errno, message: e.message })}\n`);
        else err(`enforcecore guard: ${e.message} (the tool did not run)\n`);
        return 1;
      }
      throw e;
    }
    if (values.json) out(`${JSON.stringify(result, null, 2)}\n`);
    else {
      out(result.stdout);
      err(result.stderr);
      if (result.truncated) err("enforcecore guard: output truncated\n");
      for (const v of result.violations) err(`enforcecore guard: violation ${v.type}: ${v.detail}\n`);
    }
    if (result.violation) return 1;
    if (result.exitCode !== null) return result.exitCode;
    return 128 + (result.signal ? signalNumber(result.signal) : 0);
  } catch (e) {
    if (e instanceof UsageError || e instanceof GuardProfileError || e instanceof GuardUnavailableError) {
      err(`enforcecore guard: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof Error && "code" in e && typeof (e as { code: unknown }).code === "string" && /^(policy_|ENOENT)/.test((e as { code: string }).code)) {
      err(`enforcecore guard: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
