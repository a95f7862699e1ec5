/**
 * The adversarial evaluation suite's vocabulary: threat categories, scenarios, outcomes.
 *
 * A scenario is a real attack run twice against real (sandboxed) tools: once with no enforcement
 * (the CONTROL, which must show the attack doing its damage) and once through the enforcer (which
 * must contain it). See docs/EVAL.md.
 */
import type { AuditSink, CallOptions, CallRecord, Tool } from "../core/enforcer.js";
import type { World } from "./world.js";
import type { Tools } from "./tools.js";

/** The original's 11 threat categories, in its order. */
export const CATEGORIES = [
  "tool_abuse",
  "data_exfiltration",
  "resource_exhaustion",
  "policy_evasion",
  "pii_leakage",
  "privilege_escalation",
  "prompt_injection",
  "ransomware",
  "supply_chain",
  "collusion",
  "audit_completeness",
] as const;
export type ThreatCategory = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<ThreatCategory, string> = {
  tool_abuse: "Tool abuse",
  data_exfiltration: "Data exfiltration",
  resource_exhaustion: "Resource exhaustion",
  policy_evasion: "Policy evasion",
  pii_leakage: "PII leakage",
  privilege_escalation: "Privilege escalation",
  prompt_injection: "Prompt injection",
  ransomware: "Ransomware",
  supply_chain: "Supply chain",
  collusion: "Collusion",
  audit_completeness: "Audit completeness",
};

export type Severity = "low" | "medium" | "high" | "critical";

/**
 * - `contained`: the control did its damage, the enforced run did not (and, when the scenario's
 *   own policy was used, the expected mechanism is what stopped it).
 * - `escaped`: the enforced run did the damage (or left a call unaudited).
 * - `known-gap`: escaped, and the scenario is a documented gap (`knownGap`); fails only `--strict`.
 * - `control-failed`: the attack did nothing even without enforcement: the scenario proves nothing. A suite error.
 * - `error`: the scenario itself crashed, or was contained by something other than what it tests. A suite error.
 * - `skipped`: a requirement is missing on this host (the OS guard, a binary).
 */
export type Outcome = "contained" | "escaped" | "known-gap" | "control-failed" | "error" | "skipped";

/** Where the scenario comes from. */
export type Origin = "original" | "bypass" | "guard" | "new";

/** A policy as a plain object (the YAML document's shape). */
export type PolicyObject = { readonly name: string; readonly [key: string]: unknown };

/** A call that never throws: what an agent loop sees of one tool step. */
export type Attempt<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown; readonly code: string };

/** How one agent makes tool calls: through the enforcer (enforced run) or straight (control run). */
export interface Caller {
  call<A, R>(tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Awaited<R>>;
  /** `call`, with failures returned instead of thrown (the agent carries on with its plan). */
  attempt<A, R>(tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Attempt<Awaited<R>>>;
  /** `enforcer.wrap(fn)`: the tool name comes from the function's name. */
  wrap<A, R>(fn: Tool<A, R>): (args: A) => Promise<Awaited<R>>;
}

export interface AgentOptions {
  /** This agent's own policy (default: the scenario's). */
  readonly policy?: PolicyObject;
  /** Makes the audit sink throw for the records it returns true for (an audit store failing). */
  readonly auditFault?: (record: CallRecord) => boolean;
  /** A further sink every record is written to (e.g. the verifiable audit trail). */
  readonly sink?: AuditSink;
}

/** What a scenario's `run` gets: the sandbox, the tools bound to it, and a caller. */
export interface RunContext extends Caller {
  readonly mode: "control" | "enforced";
  readonly world: World;
  readonly tools: Tools;
  /** Every audit record of every enforcer in this run (always empty in the control run). */
  readonly records: readonly CallRecord[];
  /** Another agent, with its own enforcer and tenant id (enforced run) or a plain caller (control). */
  agent(name: string, options?: AgentOptions): Caller;
}

/** What the attack achieved, judged by looking at the world afterwards. */
export interface Effect {
  /** True when the attack did its damage (file gone, data received, PII returned, call unrecorded…). */
  readonly harmed: boolean;
  /** What was observed, for the report (e.g. "victim/ deleted", "sink got 3 requests carrying the key"). */
  readonly evidence: string;
  /** Mechanisms observed outside the audit records (e.g. `guard:network`). */
  readonly mechanisms?: readonly string[];
}

export interface Scenario {
  /** Stable id, kebab-case; the original's id where it is one of its 26. */
  readonly id: string;
  readonly title: string;
  readonly category: ThreatCategory;
  readonly severity: Severity;
  readonly origin: Origin;
  /** The attack, one or two sentences. */
  readonly attack: string;
  /** What the control run must show happening. */
  readonly harm: string;
  /** What contains it when enforced. */
  readonly containedBy: string;
  /**
   * Mechanisms that must appear in the enforced run (audit violation types such as `domain_denied`,
   * `pii`, `content_violation`, `error:resource_limit`, `timeout`, or guard ones such as
   * `guard:memory`). Checked when the scenario runs under its own policy.
   */
  readonly mechanisms: readonly string[];
  /** The policy the enforced run uses; default: the reference policy (eval/policies.ts). */
  readonly policy?: PolicyObject;
  /** Returns why the scenario cannot run on this host, or null. */
  readonly requires?: () => Promise<string | null> | string | null;
  /** A documented gap: the attack currently escapes; the text says what fixes it. */
  readonly knownGap?: string;
  run(ctx: RunContext): Promise<Effect>;
}

export interface RunSummary {
  readonly harmed: boolean;
  readonly evidence: string;
  readonly calls: number;
  readonly records: number;
  readonly mechanisms: readonly string[];
  readonly durationMs: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly category: ThreatCategory;
  readonly severity: Severity;
  readonly origin: Origin;
  readonly attack: string;
  readonly harm: string;
  readonly containedBy: string;
  readonly outcome: Outcome;
  /** Why this outcome, in one line. */
  readonly reason: string;
  readonly knownGap: string | null;
  readonly expectedMechanisms: readonly string[];
  readonly control: RunSummary | null;
  readonly enforced: RunSummary | null;
  readonly durationMs: number;
}

export interface CategorySummary {
  readonly category: ThreatCategory;
  readonly title: string;
  readonly total: number;
  readonly contained: number;
  readonly escaped: number;
  readonly knownGaps: number;
  readonly errors: number;
  readonly skipped: number;
}

export interface SuiteResult {
  readonly runId: string;
  /** ISO-8601 UTC, second precision. */
  readonly timestamp: string;
  /** "per-scenario reference policies", or the override's name. */
  readonly policy: string;
  readonly platform: string;
  readonly node: string;
  readonly results: readonly ScenarioResult[];
  readonly totalDurationMs: number;
  readonly counts: {
    readonly total: number;
    readonly contained: number;
    readonly escaped: number;
    readonly knownGaps: number;
    readonly controlFailed: number;
    readonly errors: number;
    readonly skipped: number;
  };
  /** contained / (contained + escaped + known gaps); 0 when nothing was scored. */
  readonly containmentRate: number;
  readonly categories: readonly CategorySummary[];
  /** The CI exit code: 0 when every scored scenario was contained, 1 otherwise. */
  readonly exitCode: 0 | 1;
}
