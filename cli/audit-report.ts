/**
 * `audit export`: what happened over a period, counted from a trail's entries. Pure: entries and
 * the verification result in, a plain JSON-ready object out (the HTML page renders this object).
 *
 * Only what the trail holds is reported: it stores digests of arguments and results, never the
 * values, so there is nothing sensitive to leak here; tool names, tenants and rule paths are
 * the only free text, and the HTML renderer escapes them.
 */
import type { AuditEntry, ControlEntry, TrailEntry, VerifyResult } from "../hosts/node/index.js";

export const REPORT_FORMAT = "enforcecore-audit-report/1";

/** The outcomes the enforcer records (core/enforcer.ts CallOutcome), always present in counts. */
export const OUTCOMES = ["allowed", "redacted", "logged", "blocked", "error", "fail_open"] as const;
export type OutcomeCounts = Record<string, number>;

export interface Period {
  /** Inclusive lower bound, ms since the epoch (null: from the first entry). */
  readonly since: number | null;
  /** Inclusive upper bound, ms since the epoch (null: to the last entry). */
  readonly until: number | null;
}

export interface Count {
  readonly name: string;
  readonly count: number;
}

export interface ToolRow {
  readonly tool: string;
  readonly calls: number;
  readonly outcomes: OutcomeCounts;
  readonly violations: number;
}

export interface DigestRow {
  readonly digest: string;
  readonly calls: number;
  readonly first: string;
  readonly last: string;
}

export interface AuditReport {
  readonly format: typeof REPORT_FORMAT;
  readonly trail: string;
  readonly generatedAt: string;
  readonly period: { readonly since: string | null; readonly until: string | null };
  readonly verification: {
    readonly ok: boolean;
    readonly entries: number;
    readonly checkpoints: number;
    readonly unsealed: number;
    readonly root: string;
    readonly signedBy: readonly string[];
    readonly firstBadIndex: number | null;
    readonly problem: string | null;
  };
  /** Entries read from the trail in total, and whether reading stopped early on a bad line. */
  readonly read: { readonly entries: number; readonly complete: boolean; readonly error: string | null };
  readonly span: { readonly first: string | null; readonly last: string | null; readonly firstSeq: number | null; readonly lastSeq: number | null };
  readonly calls: number;
  readonly outcomes: OutcomeCounts;
  /** Error codes recorded (tool_denied, tool_error, timeout, …). */
  readonly errors: readonly Count[];
  readonly tools: readonly ToolRow[];
  readonly violations: readonly Count[];
  readonly rules: readonly (Count & { readonly type: string; readonly action: string })[];
  readonly redactions: { readonly input: number; readonly output: number; readonly calls: number; readonly byType: readonly Count[] };
  readonly policies: readonly DigestRow[];
  readonly engines: readonly DigestRow[];
  readonly tenants: readonly Count[];
  /** Control events in the period: kill-switch toggles and policy reloads, in trail order. */
  readonly controls: {
    readonly killSwitchOn: number;
    readonly killSwitchOff: number;
    readonly reloads: number;
    readonly events: readonly ControlEvent[];
  };
}

export interface ControlEvent {
  readonly seq: number;
  readonly time: string;
  readonly control: ControlEntry["control"];
  readonly killSwitch: boolean;
  readonly policyDigest: string;
  readonly reason: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Sorted by count (descending), then name, so the same trail gives the same report. */
function counts(m: Map<string, number>): Count[] {
  return [...m].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const bump = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

function zeroOutcomes(): OutcomeCounts {
  return Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
}

/**
 * The redaction category a violation names: `rules.pii_redaction.categories.email` is `email`,
 * `rules.pii_redaction.secrets.aws_access_key` is `secret:aws_access_key`; a content rule whose
 * action is redact keeps its rule path.
 */
export function redactionType(rule: string | null | undefined, type: string): string {
  if (!rule) return type;
  const cat = /^rules\.pii_redaction\.categories\.(.+)$/.exec(rule);
  if (cat) return cat[1]!;
  const sec = /^rules\.pii_redaction\.secrets\.(.+)$/.exec(rule);
  if (sec) return `secret:${sec[1]}`;
  return rule;
}

interface DigestAcc {
  calls: number;
  first: number;
  last: number;
}

function digestRows(m: Map<string, DigestAcc>): DigestRow[] {
  return [...m].map(([digest, a]) => ({ digest, calls: a.calls, first: iso(a.first), last: iso(a.last) })).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.digest < b.digest ? -1 : 1));
}

export interface BuildOptions {
  readonly trail: string;
  readonly period: Period;
  readonly verification: VerifyResult;
  readonly now?: number;
}

/** Counts the entries inside the period. `entries` may throw part way (a corrupt line): the counts so far are kept. */
export function buildReport(entries: Iterable<TrailEntry>, opts: BuildOptions): AuditReport {
  const { since, until } = opts.period;
  const outcomes = zeroOutcomes();
  const errors = new Map<string, number>();
  const tools = new Map<string, { calls: number; outcomes: OutcomeCounts; violations: number }>();
  const violations = new Map<string, number>();
  const rules = new Map<string, { type: string; action: string; count: number }>();
  const redactTypes = new Map<string, number>();
  const policies = new Map<string, DigestAcc>();
  const engines = new Map<string, DigestAcc>();
  const tenants = new Map<string, number>();
  let redIn = 0;
  let redOut = 0;
  let redCalls = 0;
  let calls = 0;
  let read = 0;
  let first: AuditEntry | null = null;
  let last: AuditEntry | null = null;
  let readError: string | null = null;
  const controls: ControlEvent[] = [];
  const seen = (m: Map<string, DigestAcc>, k: string, t: number) => {
    const a = m.get(k);
    if (a) {
      a.calls++;
      a.first = Math.min(a.first, t);
      a.last = Math.max(a.last, t);
    } else m.set(k, { calls: 1, first: t, last: t });
  };
  try {
    for (const e of entries) {
      read++;
      if ((since !== null && e.time < since) || (until !== null && e.time > until)) continue;
      if ("control" in e) {
        controls.push({ seq: e.seq, time: iso(e.time), control: e.control, killSwitch: e.killSwitch, policyDigest: e.policyDigest, reason: e.reason });
        continue;
      }
      calls++;
      if (first === null || e.time < first.time) first = e;
      if (last === null || e.time >= last.time) last = e;
      outcomes[e.outcome] = (outcomes[e.outcome] ?? 0) + 1;
      if (e.error) bump(errors, e.error);
      let t = tools.get(e.tool);
      if (!t) {
        t = { calls: 0, outcomes: zeroOutcomes(), violations: 0 };
        tools.set(e.tool, t);
      }
      t.calls++;
      t.outcomes[e.outcome] = (t.outcomes[e.outcome] ?? 0) + 1;
      t.violations += e.violations.length;
      for (const v of e.violations) {
        bump(violations, v.type);
        const key = `${v.rule ?? ""}\u0000${v.type}\u0000${v.action}`;
        const r = rules.get(key);
        if (r) r.count++;
        else rules.set(key, { type: v.type, action: v.action, count: 1 });
        if (v.action === "redact") bump(redactTypes, redactionType(v.rule, v.type));
      }
      redIn += e.redactions.input;
      redOut += e.redactions.output;
      if (e.redactions.input + e.redactions.output > 0) redCalls++;
      seen(policies, e.policyDigest, e.time);
      seen(engines, e.engineDigest, e.time);
      if (e.tenant !== null) bump(tenants, e.tenant);
    }
  } catch (err) {
    readError = (err as Error).message;
  }
  const v = opts.verification;
  return {
    format: REPORT_FORMAT,
    trail: opts.trail,
    generatedAt: iso(opts.now ?? Date.now()),
    period: { since: since === null ? null : iso(since), until: until === null ? null : iso(until) },
    verification: {
      ok: v.ok,
      entries: v.size,
      checkpoints: v.checkpoints,
      unsealed: v.unsealed,
      root: v.root,
      signedBy: v.lastCheckpoint?.signedBy ?? [],
      firstBadIndex: v.firstBadIndex,
      problem: v.problem ? `${v.problem.kind}: ${v.problem.message}` : null,
    },
    read: { entries: read, complete: readError === null, error: readError },
    span: { first: first ? iso(first.time) : null, last: last ? iso(last.time) : null, firstSeq: first?.seq ?? null, lastSeq: last?.seq ?? null },
    calls,
    outcomes,
    errors: counts(errors),
    tools: [...tools]
      .map(([tool, t]) => ({ tool, ...t }))
      .sort((a, b) => b.calls - a.calls || (a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : 0)),
    violations: counts(violations),
    rules: [...rules]
      .map(([key, r]) => ({ name: key.split("\u0000")[0]!, type: r.type, action: r.action, count: r.count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1)),
    redactions: { input: redIn, output: redOut, calls: redCalls, byType: counts(redactTypes) },
    policies: digestRows(policies),
    engines: digestRows(engines),
    tenants: counts(tenants),
    controls: {
      killSwitchOn: controls.filter((c) => c.control === "kill_switch" && c.killSwitch).length,
      killSwitchOff: controls.filter((c) => c.control === "kill_switch" && !c.killSwitch).length,
      reloads: controls.filter((c) => c.control === "reload").length,
      events: controls,
    },
  };
}

/** A short plain-text summary (the human output of `audit export` when no file is written). */
export function summaryLines(r: AuditReport): string[] {
  const L: string[] = [];
  L.push(`${r.trail}: ${r.verification.ok ? "verified" : `DOES NOT VERIFY (${r.verification.problem ?? "?"})`}, ${r.verification.entries} entries, ${r.verification.checkpoints} checkpoints`);
  L.push(`period ${r.period.since ?? "start"} .. ${r.period.until ?? "end"}: ${r.calls} calls, ${r.span.first ?? "-"} .. ${r.span.last ?? "-"}`);
  L.push(`outcomes: ${OUTCOMES.map((o) => `${o} ${r.outcomes[o] ?? 0}`).join(", ")}`);
  L.push(`tools: ${r.tools.map((t) => `${t.tool} ${t.calls}`).join(", ") || "-"}`);
  L.push(`violations: ${r.violations.map((c) => `${c.name} ${c.count}`).join(", ") || "-"}`);
  L.push(`redactions: ${r.redactions.input} in arguments, ${r.redactions.output} in results (${r.redactions.byType.map((c) => `${c.name} ${c.count}`).join(", ") || "-"})`);
  L.push(`policies: ${r.policies.map((p) => `${p.digest.slice(0, 12)}… (${p.calls})`).join(", ") || "-"}`);
  L.push(`control events: kill switch on ${r.controls.killSwitchOn}, off ${r.controls.killSwitchOff}; reloads ${r.controls.reloads}`);
  return L;
}
