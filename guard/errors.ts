// Errors of the OS guard. They extend the project's EnforceCoreError so callers branch on `code`.
// core/errors.ts' ErrorCode union is closed; the two codes below are cast until it is extended
// with `"guard_unavailable" | "guard_setup"` (see docs/GUARD.md, "Integration").
import { EnforceCoreError, type ErrorCode } from "../core/errors.js";

export type GuardErrorCode = "guard_unavailable" | "guard_setup";

/** One mechanism a profile needs that this host cannot provide, and why. */
export interface MissingMechanism {
  /** The profile field that needs it, e.g. `memory_mb`, `syscalls`, `landlock`. */
  readonly field: string;
  /** The mechanism, e.g. `cgroup memory controller`, `seccomp`, `landlock`. */
  readonly mechanism: string;
  readonly reason: string;
}

/**
 * A profile asks for confinement this host cannot enforce (not Linux, no cgroup write access,
 * seccomp disabled, Landlock missing, launcher not built…). Thrown when the profile is checked,
 * before anything runs: the guard never degrades to a silent no-op.
 */
export class GuardUnavailableError extends EnforceCoreError {
  readonly missing: readonly MissingMechanism[];
  constructor(missing: readonly MissingMechanism[]) {
    const lines = missing.map((m) => `  ${m.field}: needs ${m.mechanism}: ${m.reason}`);
    super("guard_unavailable" as ErrorCode, `the guard profile cannot be enforced on this host:\n${lines.join("\n")}`);
    this.missing = missing;
  }
}

/**
 * The launcher could not confine the tool (a cgroup join, a setrlimit, Landlock, the seccomp
 * filter… failed), so the tool was NOT run. `step` names the step, `errno` is the OS error number
 * (0 when there is none).
 */
export class GuardSetupError extends EnforceCoreError {
  readonly step: string;
  readonly errno: number;
  constructor(step: string, errno: number, message: string, options?: { cause?: unknown }) {
    super("guard_setup" as ErrorCode, `guard setup failed at ${step}: ${message}`, options);
    this.step = step;
    this.errno = errno;
  }
}
