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
  | "tool_denied"
  | "domain_denied"
  | "content_violation"
  | "argument_violation"
  | "rate_limit"
  | "cost_limit"
  | "resource_limit"
  | "hook_abort"
  | "internal_error"
  | "guard_unavailable"
  | "guard_setup"
  | "guard_profile"
  | "audit_proof"
  | "audit_locked"
  | "audit_corrupt"
  | "audit_io"
  | "audit_closed"
  | "audit_invalid"
  | "policy_load"
  | "policy_invalid"
  | "bundle_invalid"
  | "engine_fault"
  | "pattern_unsupported"
  | "budget_exceeded"
  | "redaction_stream_overflow"
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

/** What every enforcement error carries: which call, under which policy, and why. */
export interface ViolationDetails {
  readonly tool: string;
  readonly policy: string;
  /** The rule that fired first (e.g. `rules.denied_tools[2]`), or null for engine-wide checks. */
  readonly rule: string | null;
  readonly reason: string;
  /** Every violation the engine reported for this call, in pipeline order. */
  readonly violations: readonly { readonly type: string; readonly rule: string | null; readonly reason: string; readonly action: string }[];
}

/** A call was stopped by policy. Subclasses say which kind of rule stopped it. */
export class EnforcementViolation extends EnforceCoreError implements ViolationDetails {
  readonly tool: string;
  readonly policy: string;
  readonly rule: string | null;
  readonly reason: string;
  readonly violations: ViolationDetails["violations"];
  constructor(code: ErrorCode, details: ViolationDetails, options?: { cause?: unknown }) {
    super(code, `${details.reason} (tool ${JSON.stringify(details.tool)}, policy ${JSON.stringify(details.policy)}${details.rule ? `, rule ${details.rule}` : ""})`, options);
    this.tool = details.tool;
    this.policy = details.policy;
    this.rule = details.rule;
    this.reason = details.reason;
    this.violations = details.violations;
  }
}

/** The tool is denied, not allowed, has an invalid name. */
export class ToolDeniedError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("tool_denied", d); }
}
/** A URL in the arguments points to a host the policy does not allow. */
export class DomainDeniedError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("domain_denied", d); }
}
/** A content rule (shell injection, SQL injection, a custom pattern…) matched an input or output. */
export class ContentViolationError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("content_violation", d); }
}
/** An argument breaks its argument rule (allowed values, pattern, range, length, required). */
export class ArgumentViolationError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("argument_violation", d); }
}
export class RateLimitError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("rate_limit", d); }
}
export class CostLimitError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("cost_limit", d); }
}
/** Sizes, nesting depth, call duration, the kill switch. */
export class ResourceLimitError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("resource_limit", d); }
}
/** A pre-call hook aborted the call. */
export class HookAbortError extends EnforcementViolation {
  constructor(d: ViolationDetails) { super("hook_abort", d); }
}

/**
 * Something inside enforcement failed (engine fault, bad bundle, hook crash, audit write failure).
 * The call is blocked: enforcement never fails open unless `failOpen` was explicitly chosen.
 */
export class InternalEnforcementError extends EnforcementViolation {
  constructor(d: ViolationDetails, options?: { cause?: unknown }) { super("internal_error", d, options); }
}

/**
 * A redaction stream cannot emit text safely (core/redact-stream.ts): more text held back than its
 * buffer allows without enough visible characters to be sure no match is split, or a window with
 * more findings than the engine reports per call. Fail closed: nothing unredacted is emitted.
 */
export class RedactionStreamError extends EnforceCoreError {
  /** The engine reported more findings than one call carries (the window was too dense). */
  readonly tooMany: boolean;
  constructor(message: string, tooMany = false) {
    super("redaction_stream_overflow", message);
    this.tooMany = tooMany;
  }
}
