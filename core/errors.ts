/**
 * Every error enforcecore throws is an EnforceCoreError with a stable, machine-readable `code`.
 * Callers branch on `code` (or `instanceof`), never on message text.
 */

/** Where in a source file a problem is. Lines and columns are 1-based. */
export interface SourceLocation {
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
}

/** One problem found in a policy: where, which key path, and what is wrong. */
export interface PolicyIssue extends SourceLocation {
  /** Key path inside the document, e.g. `["rules", "network", "allowed_domains", 2]`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type ErrorCode =
  | "policy_load"
  | "policy_invalid"
  | "bundle_invalid"
  | "engine_fault"
  | "pattern_unsupported"
  | "budget_exceeded"
  | "bad_request";

export class EnforceCoreError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Formats an issue as `file:line:col: message` (the shape editors and CI annotate). */
export function formatIssue(issue: PolicyIssue): string {
  const where = [issue.file ?? "<policy>", issue.line, issue.col].filter((x) => x !== undefined).join(":");
  const at = issue.path.length > 0 ? ` (at ${issue.path.join(".")})` : "";
  return `${where}: ${issue.message}${at}`;
}

/** A policy file could not be read or parsed (missing file, YAML syntax, extends cycle). */
export class PolicyLoadError extends EnforceCoreError {
  readonly issues: readonly PolicyIssue[];
  constructor(message: string, issues: readonly PolicyIssue[] = [], options?: { cause?: unknown }) {
    super("policy_load", issues.length ? `${message}\n${issues.map(formatIssue).join("\n")}` : message, options);
    this.issues = issues;
  }
}

/** A policy parsed but does not satisfy the schema. Nothing of it is loaded. */
export class PolicyValidationError extends EnforceCoreError {
  readonly issues: readonly PolicyIssue[];
  constructor(message: string, issues: readonly PolicyIssue[]) {
    super("policy_invalid", `${message}\n${issues.map(formatIssue).join("\n")}`);
    this.issues = issues;
  }
}

/** A regular expression in a policy uses syntax that cannot be matched in linear time, or is malformed. */
export class PatternError extends EnforceCoreError {
  readonly pattern: string;
  constructor(pattern: string, message: string) {
    super("pattern_unsupported", `pattern ${JSON.stringify(pattern)}: ${message}`);
    this.pattern = pattern;
  }
}

/** A compiled policy would exceed the engine's size budget (automaton states, bundle bytes). */
export class BudgetError extends EnforceCoreError {
  constructor(message: string) {
    super("budget_exceeded", message);
  }
}

/** A policy bundle is malformed, truncated, or from another format version. */
export class BundleError extends EnforceCoreError {
  constructor(message: string) {
    super("bundle_invalid", message);
  }
}

/** The engine trapped, ran out of memory, or answered something impossible. The call must be blocked. */
export class EngineFaultError extends EnforceCoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("engine_fault", message, options);
  }
}

/** A request to the engine was malformed (bad tool name type, non-serialisable arguments…). */
export class BadRequestError extends EnforceCoreError {
  constructor(message: string) {
    super("bad_request", message);
  }
}
