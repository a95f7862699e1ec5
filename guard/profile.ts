// A guard profile: how one external tool is confined. The zod schema holds only what an author
// wrote (no defaults, like policies/schema.ts, so it can sit in a policy as `rules.guard` and merge
// across `extends`); `resolveProfile` applies the defaults once.
import { EnforceCoreError } from "../core/errors.js";
import { z } from "zod";
import { SECCOMP_ACTIONS, unknownSyscalls } from "./seccomp.js";

const syscallName = z.string().regex(/^[a-z_][a-z0-9_]*$/, "a syscall name is lower-case letters, digits and _ (e.g. ptrace)");
const syscallList = z
  .array(syscallName)
  .superRefine((names, ctx) => {
    const unknown = unknownSyscalls(names);
    if (unknown.length) ctx.addIssue({ code: "custom", message: `unknown syscall${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} (not on x86_64 nor aarch64)` });
  })
  .transform((xs) => [...new Set(xs)]);

const absolutePath = z.string().min(1).refine((p) => p.startsWith("/"), "must be an absolute path");
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, "an environment variable name, optionally ending in * (a prefix)");

export const SyscallsSchema = z
  .strictObject({
    mode: z.enum(["deny_list", "allow_list"]).optional().describe("deny_list (default): all but the denied; allow_list: only `allow` (execve, exit, exit_group and write are added: the launcher needs them)."),
    default_deny: z.boolean().optional().describe("Deny the dangerous families Docker's default profile blocks (ptrace, mount, kexec, modules, bpf, keyrings, namespaces, …). Default true."),
    allow: syscallList.optional().describe("deny_list: removed from the default deny list; allow_list: the allowed syscalls."),
    deny: syscallList.optional().describe("Also denied. A name both here and in `allow` is an error."),
    action: z.enum(SECCOMP_ACTIONS).optional().describe("What a denied syscall does: errno (EPERM; EAFNOSUPPORT for sockets; default), kill (the process dies with SIGSYS), log (allowed, written to the kernel audit log)."),
  })
  .superRefine((s, ctx) => {
    const both = (s.allow ?? []).filter((n) => (s.deny ?? []).includes(n));
    if (both.length) ctx.addIssue({ code: "custom", path: ["deny"], message: `both allowed and denied: ${both.join(", ")}` });
  });

export const LandlockSchema = z.strictObject({
  read_only: z.array(absolutePath).optional().describe("Paths (and everything beneath) the tool may read and execute."),
  read_write: z.array(absolutePath).optional().describe("Paths (and everything beneath) the tool may read, write, create and remove in."),
  system_paths: z.boolean().optional().describe("Also allow reading /usr, /bin, /sbin, /lib*, /etc, /proc and /dev/{null,zero,urandom} so ordinary programs start. Default true."),
  report_denials: z
    .boolean()
    .optional()
    .describe("Report accesses Landlock denies as `filesystem` violations (the launcher's supervisor observes path-taking syscalls; costs a round trip per open). Default: when the host has seccomp user notification; true makes it required."),
});

export const GuardProfileSchema = z
  .strictObject({
    syscalls: z.union([SyscallsSchema, z.literal(false)]).optional().describe("seccomp-bpf filter. Omitted: the default deny list with action errno. false: no filter."),
    no_network: z.boolean().optional().describe("socket()/socketpair() only for AF_UNIX (seccomp); io_uring denied. Default false."),
    network_namespace: z.boolean().optional().describe("Run in a new, empty network namespace (loopback only). Default false."),
    memory_mb: z.number().int().positive().optional().describe("Memory limit of the whole process tree (cgroup), MiB."),
    pids: z.number().int().positive().optional().describe("Most processes/threads alive at once in the tree (cgroup pids)."),
    cpu_seconds: z.number().positive().optional().describe("CPU time: RLIMIT_CPU per process plus the tree's total (cgroup accounting)."),
    cpu_percent: z.number().positive().max(100_000).optional().describe("CPU bandwidth quota, percent of one core (cgroup cpu). Throttles, never kills."),
    wall_seconds: z.number().positive().optional().describe("Wall-clock limit; the whole tree is killed when it passes."),
    output_bytes: z.number().int().nonnegative().optional().describe("Most bytes of stdout+stderr kept; past it the tree is killed. Default 16 MiB."),
    file_size_mb: z.number().positive().optional().describe("Largest file the tool may write (RLIMIT_FSIZE), MiB."),
    open_files: z.number().int().positive().optional().describe("Most open file descriptors per process (RLIMIT_NOFILE)."),
    address_space_mb: z.number().int().positive().optional().describe("RLIMIT_AS per process, MiB. Breaks V8/Node and JVM tools below ~1 GiB: prefer memory_mb."),
    nproc: z.number().int().positive().optional().describe("RLIMIT_NPROC (per user, not per tool; ignored for root): prefer pids."),
    env_allow: z.array(envName).optional().describe("Environment variables passed to the tool (NAME or PREFIX*). Default: PATH HOME USER LOGNAME LANG LANGUAGE LC_* TERM TZ TMPDIR."),
    cwd: absolutePath.optional().describe("Working directory of the tool."),
    landlock: LandlockSchema.optional().describe("Filesystem rules (Landlock): everything not listed is denied."),
    drop_capabilities: z.boolean().optional().describe("Drop every Linux capability before exec (the tool keeps its uid). Default true."),
    uid: z.number().int().nonnegative().optional().describe("Run the tool as this uid (needs root)."),
    gid: z.number().int().nonnegative().optional().describe("Run the tool as this gid (needs root)."),
  })
  .describe("How an external tool is confined by the OS guard.");

export type GuardProfileInput = z.input<typeof GuardProfileSchema>;
export type GuardProfile = z.output<typeof GuardProfileSchema>;

export const DEFAULT_ENV_ALLOW: readonly string[] = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "LC_*", "TERM", "TZ", "TMPDIR"];
export const DEFAULT_OUTPUT_BYTES = 16 * 1024 * 1024;
/** Read-only paths added by `landlock.system_paths` (missing ones are skipped). */
export const LANDLOCK_SYSTEM_READ_ONLY: readonly string[] = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/dev/urandom", "/dev/random"];
export const LANDLOCK_SYSTEM_READ_WRITE: readonly string[] = ["/dev/null", "/dev/zero", "/dev/full"];

/** A profile with every default applied: what the guard enforces. */
export interface ResolvedProfile {
  syscalls: {
    mode: "deny_list" | "allow_list";
    default_deny: boolean;
    allow: string[];
    deny: string[];
    action: (typeof SECCOMP_ACTIONS)[number];
  } | null;
  no_network: boolean;
  network_namespace: boolean;
  memory_mb: number | null;
  pids: number | null;
  cpu_seconds: number | null;
  cpu_percent: number | null;
  wall_seconds: number | null;
  output_bytes: number;
  file_size_mb: number | null;
  open_files: number | null;
  address_space_mb: number | null;
  nproc: number | null;
  env_allow: string[];
  cwd: string | null;
  /** report_denials null: report when the host can (seccomp user notification), else not. */
  landlock: { read_only: string[]; read_write: string[]; system_paths: boolean; report_denials: boolean | null } | null;
  drop_capabilities: boolean;
  uid: number | null;
  gid: number | null;
}

export class GuardProfileError extends EnforceCoreError {
  readonly issues: readonly { path: readonly PropertyKey[]; message: string }[];
  constructor(issues: readonly { path: readonly PropertyKey[]; message: string }[]) {
    super("guard_profile", `invalid guard profile:\n${issues.map((i) => `  ${i.path.map(String).join(".") || "<profile>"}: ${i.message}`).join("\n")}`);
    this.issues = issues;
  }
}

/** Validates (zod) and applies defaults. Throws GuardProfileError listing every problem. */
export function resolveProfile(input: unknown): ResolvedProfile {
  if (isResolved(input)) return input;
  const parsed = GuardProfileSchema.safeParse(input ?? {});
  if (!parsed.success) throw new GuardProfileError(parsed.error.issues.map((i) => ({ path: i.path, message: i.message })));
  const p = parsed.data;
  const s = p.syscalls;
  return markResolved({
    syscalls:
      s === false
        ? null
        : {
            mode: s?.mode ?? "deny_list",
            default_deny: s?.default_deny ?? true,
            allow: s?.allow ?? [],
            deny: s?.deny ?? [],
            action: s?.action ?? "errno",
          },
    no_network: p.no_network ?? false,
    network_namespace: p.network_namespace ?? false,
    memory_mb: p.memory_mb ?? null,
    pids: p.pids ?? null,
    cpu_seconds: p.cpu_seconds ?? null,
    cpu_percent: p.cpu_percent ?? null,
    wall_seconds: p.wall_seconds ?? null,
    output_bytes: p.output_bytes ?? DEFAULT_OUTPUT_BYTES,
    file_size_mb: p.file_size_mb ?? null,
    open_files: p.open_files ?? null,
    address_space_mb: p.address_space_mb ?? null,
    nproc: p.nproc ?? null,
    env_allow: p.env_allow ?? [...DEFAULT_ENV_ALLOW],
    cwd: p.cwd ?? null,
    landlock: p.landlock
      ? { read_only: p.landlock.read_only ?? [], read_write: p.landlock.read_write ?? [], system_paths: p.landlock.system_paths ?? true, report_denials: p.landlock.report_denials ?? null }
      : null,
    drop_capabilities: p.drop_capabilities ?? true,
    uid: p.uid ?? null,
    gid: p.gid ?? null,
  });
}

const RESOLVED = Symbol.for("enforcecore.guard.resolved");
function isResolved(x: unknown): x is ResolvedProfile {
  return typeof x === "object" && x !== null && (x as Record<symbol, unknown>)[RESOLVED] === true;
}
/** Marks a resolved profile so passing it again skips validation. */
export function markResolved(p: ResolvedProfile): ResolvedProfile {
  Object.defineProperty(p, RESOLVED, { value: true, enumerable: false });
  return p;
}
