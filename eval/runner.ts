/**
 * Runs the scenarios: each one's control (must do its damage), then its enforced run (must not),
 * and returns structured results. `runSuite()` is what `enforcecore eval` and the tests call.
 */
import type { CallRecord } from "../core/enforcer.js";
import { type PolicySpec, policyName, type RunOutput, runOnce } from "./harness.js";
import { SCENARIOS } from "./scenarios/index.js";
import { CATEGORIES, CATEGORY_TITLES, type CategorySummary, type Outcome, type PolicyObject, type RunSummary, type Scenario, type ScenarioResult, type Severity, type SuiteResult, type ThreatCategory } from "./types.js";

export interface RunOptions {
  /** Only these categories (default: all). */
  readonly category?: ThreatCategory | readonly ThreatCategory[];
  /** Only these scenario ids. */
  readonly ids?: readonly string[];
  readonly severity?: readonly Severity[];
  /** Every scenario and agent runs under this policy (object or compiled bundle) instead of its own; mechanisms are then not checked. */
  readonly policy?: PolicySpec;
  /** Or: each policy passed through this (e.g. to weaken one rule); mechanisms are not checked either. */
  readonly transformPolicy?: (policy: PolicyObject, scenario: Scenario) => PolicySpec;
  /** Known gaps count as failures for the exit code. */
  readonly strict?: boolean;
  /** Called after each scenario (progress output). */
  readonly onResult?: (result: ScenarioResult, index: number, total: number) => void;
  /** The scenarios to draw from (default: all of eval/scenarios). */
  readonly scenarios?: readonly Scenario[];
}

export function listScenarios(options: Pick<RunOptions, "category" | "ids" | "severity" | "scenarios"> = {}): Scenario[] {
  const cats = options.category === undefined ? null : new Set<string>(typeof options.category === "string" ? [options.category] : options.category);
  return (options.scenarios ?? SCENARIOS).filter(
    (s) => (cats === null || cats.has(s.category)) && (options.ids === undefined || options.ids.includes(s.id)) && (options.severity === undefined || options.severity.includes(s.severity)),
  );
}

export function isCategory(x: string): x is ThreatCategory {
  return (CATEGORIES as readonly string[]).includes(x);
}

/** What the audit records say stopped or flagged calls: violation types, error codes, timeouts. */
export function mechanismsOf(records: readonly CallRecord[]): string[] {
  const out = new Set<string>();
  for (const r of records) {
    for (const v of r.violations) out.add(v.type);
    if (r.error) {
      out.add(`error:${r.error.code}`);
      if (r.error.code === "resource_limit" && r.error.message.includes("max_call_duration_seconds")) out.add("timeout");
    }
  }
  return [...out].sort();
}

/** Every call left exactly one record, with its own call id. Returns the problem, or null. */
export function auditProblem(run: RunOutput): string | null {
  const ids = new Set(run.records.map((r) => r.callId));
  if (ids.size !== run.records.length) return `audit: ${run.records.length - ids.size} duplicate call ids`;
  if (run.records.length !== run.calls) return `audit: ${run.calls} calls left ${run.records.length} records`;
  return null;
}

function summary(run: RunOutput, mechanisms: readonly string[]): RunSummary {
  return { harmed: run.harmed, evidence: run.evidence, calls: run.calls, records: run.records.length, mechanisms, durationMs: Math.round(run.durationMs * 10) / 10 };
}

function result(s: Scenario, outcome: Outcome, reason: string, control: RunSummary | null, enforced: RunSummary | null, started: number): ScenarioResult {
  return {
    id: s.id,
    title: s.title,
    category: s.category,
    severity: s.severity,
    origin: s.origin,
    attack: s.attack,
    harm: s.harm,
    containedBy: s.containedBy,
    outcome,
    reason,
    knownGap: s.knownGap ?? null,
    expectedMechanisms: s.mechanisms,
    control,
    enforced,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

/** Runs one scenario: requirement check, control run, enforced run, verdict. */
export async function runScenario(s: Scenario, options: Pick<RunOptions, "policy" | "transformPolicy"> = {}): Promise<ScenarioResult> {
  const started = performance.now();
  const overridden = options.policy !== undefined || options.transformPolicy !== undefined;
  const policyFor = (p: PolicyObject): PolicySpec => options.policy ?? (options.transformPolicy ? options.transformPolicy(p, s) : p);
  let control: RunSummary | null = null;
  let enforced: RunSummary | null = null;
  try {
    const missing = s.requires ? await s.requires() : null;
    if (missing) return result(s, "skipped", missing, null, null, started);

    const c = await runOnce(s, "control", policyFor);
    control = summary(c, mechanismsOf(c.records));
    if (!c.harmed) return result(s, "control-failed", `the attack did nothing without enforcement: ${c.evidence}`, control, null, started);

    const e = await runOnce(s, "enforced", policyFor);
    const seen = [...new Set([...mechanismsOf(e.records), ...(e.mechanisms ?? [])])].sort();
    enforced = summary(e, seen);
    const audit = auditProblem(e);
    if (e.harmed || audit) {
      const why = [e.harmed ? e.evidence : null, audit].filter(Boolean).join("; ");
      return s.knownGap ? result(s, "known-gap", `${why} (known gap: ${s.knownGap})`, control, enforced, started) : result(s, "escaped", why, control, enforced, started);
    }
    const missingMechanisms = s.mechanisms.filter((m) => !seen.includes(m));
    if (!overridden && missingMechanisms.length > 0) {
      return result(s, "error", `contained, but not by ${missingMechanisms.join(", ")} (saw: ${seen.join(", ") || "nothing"}): the scenario does not test what it claims`, control, enforced, started);
    }
    const note = s.knownGap ? " (known gap no longer reproduces: remove `knownGap`)" : "";
    return result(s, "contained", `${e.evidence}${note}`, control, enforced, started);
  } catch (err) {
    return result(s, "error", `scenario crashed: ${(err as Error)?.stack ?? String(err)}`, control, enforced, started);
  }
}

function categories(results: readonly ScenarioResult[]): CategorySummary[] {
  return CATEGORIES.map((category) => {
    const rs = results.filter((r) => r.category === category);
    const n = (o: Outcome) => rs.filter((r) => r.outcome === o).length;
    return { category, title: CATEGORY_TITLES[category], total: rs.length, contained: n("contained"), escaped: n("escaped"), knownGaps: n("known-gap"), errors: n("error") + n("control-failed"), skipped: n("skipped") };
  }).filter((c) => c.total > 0);
}

/** Runs the selected scenarios one after the other (deterministic order, no shared state). */
export async function runSuite(options: RunOptions = {}): Promise<SuiteResult> {
  const started = performance.now();
  const list = listScenarios(options);
  const results: ScenarioResult[] = [];
  for (const [i, s] of list.entries()) {
    const r = await runScenario(s, options);
    results.push(r);
    options.onResult?.(r, i, list.length);
  }
  const n = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const counts = { total: results.length, contained: n("contained"), escaped: n("escaped"), knownGaps: n("known-gap"), controlFailed: n("control-failed"), errors: n("error"), skipped: n("skipped") };
  const scored = counts.contained + counts.escaped + counts.knownGaps;
  const failed = counts.escaped + counts.controlFailed + counts.errors + (options.strict ? counts.knownGaps : 0);
  return {
    runId: globalThis.crypto.randomUUID(),
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    policy: options.policy ? policyName(options.policy) : options.transformPolicy ? "per-scenario policies, transformed" : "per-scenario reference policies",
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    results,
    totalDurationMs: Math.round(performance.now() - started),
    counts,
    containmentRate: scored === 0 ? 0 : counts.contained / scored,
    categories: categories(results),
    exitCode: failed > 0 ? 1 : 0,
  };
}
