/**
 * Turns the engine's integer answer into a Decision with named rules and readable reasons.
 * Pure and deterministic: the same answer, policy metadata and request give the same Decision
 * (reasons never quote matched text, so they cannot leak what a content rule caught).
 */
import { ACTIONS, ARGUMENT_CHECKS, DECISIONS, readViolation, VIOLATION_TYPES, type AnswerHead, type DecisionKind, type FlatValue, type RawAnswer, type RawViolation, type ViolationAction, type ViolationType } from "./abi.js";
import type { BundleMeta } from "./bundle-format.js";

export interface Violation {
  readonly type: ViolationType;
  /** What the policy says to do about it; `block` in any violation denies the call. */
  readonly action: ViolationAction;
  /** The policy rule that fired, as a key path (`rules.denied_tools[2]`), or null for engine-wide checks. */
  readonly rule: string | null;
  readonly reason: string;
  /** Where in the arguments (or output) the offending value is, when a value is involved. */
  readonly path?: readonly (string | number)[];
  /** UTF-16 offsets of the offending text inside that value, when known. */
  readonly span?: { readonly start: number; readonly end: number };
  /** For argument rules: the constraint that failed. */
  readonly check?: (typeof ARGUMENT_CHECKS)[number];
}

export interface EngineState {
  /** Calls allowed by preCall and not yet finished with postCall. */
  readonly openCalls: number;
  readonly costSpentMicros: bigint;
  readonly killSwitch: boolean;
}

export interface Decision {
  readonly decision: DecisionKind;
  /** False only for `deny`: `allow_logged` and `redact` let the call run. */
  readonly allowed: boolean;
  readonly violations: readonly Violation[];
  readonly state: EngineState;
  readonly policy: { readonly name: string; readonly version: string; readonly digest: string };
  readonly engineDigest: string;
}

export interface DescribeContext {
  readonly tool: string;
  readonly values: readonly FlatValue[];
  readonly meta: BundleMeta;
  readonly policyDigest: string;
  readonly engineDigest: string;
}

const q = (s: string) => JSON.stringify(s);

/** A finding's rule key and the start of its reason: fixed per policy, so made once per rule. */
interface EntityName {
  readonly name: string;
  readonly kind: string;
  readonly rule: string;
  readonly found: string;
}

const entityNames = new WeakMap<BundleMeta, (EntityName | undefined)[]>();

/** The names made so far for this policy's rules (by content rule index). */
function entityNamesOf(meta: BundleMeta): (EntityName | undefined)[] {
  const known = entityNames.get(meta);
  if (known) return known;
  const names: (EntityName | undefined)[] = [];
  entityNames.set(meta, names);
  return names;
}

/** The names of content rule `index` (a PII category or secret rule), if it has a name. */
function entityName(names: (EntityName | undefined)[], index: number, r: { readonly name: string; readonly kind: string }): EntityName | undefined {
  const { name, kind } = r;
  if (typeof name !== "string") return undefined;
  const known = names[index];
  // Checked against the rule as it is now, so a table changed after loading never gets stale strings.
  if (known && known.name === name && known.kind === kind) return known;
  const secret = kind === "secret";
  const made = { name, kind, rule: secret ? `rules.pii_redaction.secrets.${name}` : `rules.pii_redaction.categories.${name}`, found: `${secret ? "secret" : "PII"} (${name}) found at ` };
  names[index] = made;
  return made;
}

function where(path: readonly (string | number)[] | undefined): string {
  if (!path || path.length === 0) return "<root>";
  // What join gives for one segment, without its generic machinery (most values are one key deep).
  const first = path[0];
  if (path.length === 1 && (typeof first === "string" || typeof first === "number")) return String(first);
  return path.join(".");
}

/**
 * What one `describe` call remembers between its violations: the policy's entity names (looked up
 * once) and the path text of the last value named (a value's findings are reported together).
 * One object for every call: `describe` runs no user code, so calls cannot overlap.
 */
const memo: { names: (EntityName | undefined)[] | null; value: number; text: string } = { names: null, value: -1, text: "" };

function pathText(value: number, path: readonly (string | number)[] | undefined): string {
  if (value < 0) return where(path);
  if (value !== memo.value) {
    memo.text = where(path);
    memo.value = value;
  }
  return memo.text;
}

/** A PII or secret finding (kept out of describeOne: small, so the per-finding path stays fast). */
function piiViolation(v: RawViolation, meta: BundleMeta, action: ViolationAction, path: readonly (string | number)[] | undefined, span: { start: number; end: number } | undefined): Violation {
  const r = meta.index.contentRules[v.rule];
  let rule: string;
  let reason: string;
  if (memo.names === null) memo.names = entityNamesOf(meta);
  const named = r ? entityName(memo.names, v.rule, r) : undefined;
  if (named) {
    // The same strings as the branch below makes, from a per-policy table and per-call path texts.
    rule = named.rule;
    reason = `${named.found}${pathText(v.value, path)}${v.detail === 1 ? " in a key" : ""}`;
  } else {
    const secret = r?.kind === "secret";
    rule = secret ? `rules.pii_redaction.secrets.${r.name}` : `rules.pii_redaction.categories.${r?.name ?? v.rule}`;
    reason = `${secret ? "secret" : "PII"} (${r?.name ?? "?"}) found at ${where(path)}${v.detail === 1 ? " in a key" : ""}`;
  }
  return path ? (span ? { type: "pii" as const, action, path, span, rule, reason } : { type: "pii" as const, action, path, rule, reason }) : span ? { type: "pii" as const, action, span, rule, reason } : { type: "pii" as const, action, rule, reason };
}

function describeOne(v: RawViolation, ctx: DescribeContext): Violation {
  const type = VIOLATION_TYPES[v.type];
  const action = ACTIONS[v.action];
  if (!type || !action) throw new RangeError(`engine reported unknown violation type ${v.type} or action ${v.action}`);
  const { meta, tool } = ctx;
  const rules = meta.policy.rules;
  const value = v.value >= 0 ? ctx.values[v.value] : undefined;
  if (v.value >= 0 && value === undefined) throw new RangeError(`engine reported value ${v.value} of ${ctx.values.length}`);
  const path = value?.path;
  // A redacting call's findings are nearly all PII: their path first, before the other types' tests.
  if (type === "pii") return piiViolation(v, meta, action, path, v.start >= 0 && v.end >= v.start ? { start: v.start, end: v.end } : undefined);
  const span = v.start >= 0 && v.end >= v.start && type !== "argument_violation" && type !== "input_size" && type !== "output_size" && type !== "call_depth" && type !== "rate_limit" ? { start: v.start, end: v.end } : undefined;
  // Literal shapes instead of conditional spreads (same keys, same order): a spread of a varying
  // shape is a slow generic copy, and a call can report a thousand redactions.
  const base = path ? (span ? { type, action, path, span } : { type, action, path }) : span ? { type, action, span } : { type, action };
  switch (type) {
    case "tool_denied":
      return { ...base, rule: `rules.denied_tools[${v.rule}]`, reason: `tool ${q(tool)} is in the denied list (${q(rules.denied_tools[v.rule] ?? "?")})` };
    case "tool_not_allowed":
      return { ...base, rule: "rules.allowed_tools", reason: `tool ${q(tool)} is not in the allowed list` };
    case "domain_denied": {
      const host = value && typeof value.value === "string" && span ? value.value.slice(span.start, span.end) : "a URL host";
      const inKey = v.detail === 1 ? " in a key" : "";
      return v.rule >= 0
        ? { ...base, rule: `rules.network.denied_domains[${v.rule}]`, reason: `domain ${q(host)} at ${where(path)}${inKey} is denied (${q(meta.index.deniedDomains[v.rule] ?? "?")})` }
        : { ...base, rule: "rules.network.allowed_domains", reason: `domain ${q(host)} at ${where(path)}${inKey} is not in the allowed domains` };
    }
    case "content_violation": {
      const r = meta.index.contentRules[v.rule];
      const inKey = v.detail === 1 ? " in a key" : "";
      return { ...base, rule: `rules.content_rules.${r?.name ?? v.rule}`, reason: `content rule ${q(r?.name ?? "?")} matched at ${where(path)}${inKey}${r?.description ? `: ${r.description}` : ""}` };
    }
    case "argument_violation": {
      const r = meta.index.argumentRules[v.rule];
      const check = ARGUMENT_CHECKS[v.detail] ?? "";
      const c = r ? (rules.argument_rules?.[r.tool]?.[r.path] ?? {}) : {};
      const at = path ? where(path) : (r?.path ?? "?");
      const why: Record<string, string> = {
        allowed_values: `is not one of the allowed values`,
        denied_values: `is a denied value`,
        pattern: `does not match the required pattern`,
        denied_pattern: `matches a denied pattern`,
        min: `is below the minimum ${"min" in c ? String(c.min) : ""}`,
        max: `is above the maximum ${"max" in c ? String(c.max) : ""}`,
        max_length: `is longer than ${"max_length" in c ? String(c.max_length) : ""} characters`,
        required: `is required but missing`,
        type: `has the wrong type for this rule`,
      };
      return {
        ...base,
        ...(check === "denied_pattern" && v.start >= 0 ? { span: { start: v.start, end: v.end } } : {}),
        ...(check ? { check } : {}),
        rule: r ? `rules.argument_rules.${r.tool}.${r.path}` : null,
        reason: `argument ${q(at)} of tool ${q(tool)} ${why[check] ?? "violates its rule"}`.trimEnd(),
      };
    }
    case "rate_limit": {
      const r = meta.index.rateLimits[v.rule];
      const rule = r?.key === "*" && v.rule === meta.index.rateLimits.length - 1 && rules.rate_limits.global_limit ? "rules.rate_limits.global_limit" : `rules.rate_limits.per_tool.${r?.key ?? v.rule}`;
      return { ...base, rule, reason: `rate limit reached: ${r?.max_calls ?? "?"} calls per ${r?.window_seconds ?? "?"} s${rule.endsWith("global_limit") ? " (global)" : ` for ${q(r?.key ?? "?")}`}` };
    }
    case "cost_limit":
      return v.detail === 1
        ? { ...base, rule: "rules.resource_limits.max_cost_per_call_usd", reason: `call cost exceeds the per-call limit of $${rules.resource_limits.max_cost_per_call_usd}` }
        : { ...base, rule: "rules.resource_limits.max_cost_usd", reason: `cost budget of $${rules.resource_limits.max_cost_usd} is exhausted` };
    case "input_size":
      return { ...base, rule: "rules.max_input_size_bytes", reason: `input size ${v.start} bytes exceeds limit ${v.end} bytes` };
    case "output_size":
      return { ...base, rule: "rules.max_output_size_bytes", reason: `output size ${v.start} bytes exceeds limit ${v.end} bytes` };
    case "call_depth":
      return { ...base, rule: "rules.max_call_depth", reason: `call depth ${v.start} reached the limit of ${v.end} nested calls` };
    case "kill_switch":
      return { ...base, rule: null, reason: "the kill switch is engaged: every call is blocked" };
    case "invalid_tool_name":
      return { ...base, rule: null, reason: `tool name ${q(tool)} is not a valid identifier (1-256 bytes, no whitespace, control, zero-width or bidi characters)` };
    case "too_many_violations":
      return { ...base, rule: null, reason: "more violations than the engine reports; the call is blocked" };
  }
}

export function describe(raw: RawAnswer, ctx: DescribeContext): Decision {
  const decision = decisionOf(raw.decision);
  const n = raw.violations.length;
  const violations: Violation[] = new Array(n);
  beginMemo();
  for (let i = 0; i < n; i++) violations[i] = describeOne(raw.violations[i]!, ctx);
  endMemo();
  return decided(decision, raw, violations, ctx);
}

/** The one raw violation describeFrom reads each violation into: describeOne keeps nothing of it. */
const scratch = { type: 0, action: 0, rule: 0, value: 0, start: 0, end: 0, detail: 0 };

/**
 * As `describe`, reading the violations from the answer where the engine wrote it (`ptr`), one
 * at a time into one object: no object per raw violation (a redacting call reports hundreds).
 * Runs no user code, so the answer cannot change under it.
 */
export function describeFrom(mem: DataView, ptr: number, head: AnswerHead, ctx: DescribeContext): Decision {
  const decision = decisionOf(head.decision);
  const n = head.count;
  const violations: Violation[] = new Array(n);
  beginMemo();
  for (let i = 0; i < n; i++) {
    readViolation(mem, ptr, i, scratch);
    violations[i] = describeOne(scratch, ctx);
  }
  endMemo();
  return decided(decision, head, violations, ctx);
}

function decisionOf(code: number): DecisionKind {
  const decision = DECISIONS[code];
  if (!decision) throw new RangeError(`engine reported unknown decision ${code}`);
  return decision;
}

// A redacting call reports many findings in the same few values: each value's path text once.
function beginMemo(): void {
  memo.names = null;
  memo.value = -1;
}

function endMemo(): void {
  memo.names = null;
  memo.text = "";
}

function decided(decision: DecisionKind, state: Pick<AnswerHead, "openCalls" | "costSpentMicros" | "killSwitch">, violations: Violation[], ctx: DescribeContext): Decision {
  return {
    decision,
    allowed: decision !== "deny",
    violations,
    state: { openCalls: state.openCalls, costSpentMicros: state.costSpentMicros, killSwitch: state.killSwitch },
    policy: { name: ctx.meta.policy.name, version: ctx.meta.policy.version, digest: ctx.policyDigest },
    engineDigest: ctx.engineDigest,
  };
}
