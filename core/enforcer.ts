/**
 * The enforcer: wraps tool functions so that they cannot run against policy. Runtime-agnostic;
 * hosts supply the engine factory, the nesting tracker and (later) the audit sink.
 *
 * Order of one call (docs/ENFORCER.md):
 *   pre-call hooks (may abort) → engine pre-call [tool name, depth, input size, allow/deny,
 *   argument rules, content rules, domains, rate limits, cost] → input redaction (`redact`
 *   decisions) → execution under the time limit → engine post-call [output size, output content,
 *   cost] → output redaction → post-call hooks → audit record.
 * Every call, allowed, blocked, failed or logged-only, produces exactly one audit record.
 */
import type { Engine } from "../engine/engine.js";
import type { CompiledBundle } from "../engine/bundle-format.js";
import type { Decision, Violation } from "../engine/decision.js";
import type { Policy } from "../policies/schema.js";
import {
  ArgumentViolationError,
  ContentViolationError,
  CostLimitError,
  DomainDeniedError,
  EnforceCoreError,
  EnforcementViolation,
  HookAbortError,
  InternalEnforcementError,
  RateLimitError,
  ResourceLimitError,
  ToolDeniedError,
  type ViolationDetails,
} from "./errors.js";
import { entityExclusionFor } from "./pii-scope.js";
import { createTokenVault, redactSpans, replacementFor, tokenVaultFor, type RedactionOptions, type TokenVault } from "./redact-spans.js";
import { isStreamedResult, redactStreamedResult } from "./streamed-result.js";
import { resolveToJSON } from "./to-json.js";
import { perToolEntry } from "./tool-keys.js";

/** Tracks how deeply enforced calls nest. Hosts with AsyncLocalStorage follow async chains. */
export interface DepthTracker {
  current(): number;
  run<T>(depth: number, fn: () => T): T;
}

/** Follows synchronous nesting only; nested async calls should use `ctx.call` (which passes depth). */
export function syncDepthTracker(): DepthTracker {
  let depth = 0;
  return {
    current: () => depth,
    run(d, fn) {
      const saved = depth;
      depth = d;
      try {
        return fn();
      } finally {
        depth = saved;
      }
    },
  };
}

export interface CallOptions {
  /** Expected cost in USD, checked against the budgets before the call. */
  readonly costEstimateUsd?: number;
}

/** What a tool receives besides its arguments. */
export interface ToolContext {
  readonly callId: string;
  readonly tool: string;
  readonly tenant: string | null;
  /** The resolved policy this call runs under (e.g. its `rules.guard` profile for command tools). */
  readonly policy: Policy;
  /** Aborted when the call exceeds `max_call_duration_seconds`: long-running tools should listen. */
  readonly signal: AbortSignal;
  /** Reports what this call cost (USD); added to the budget when the call ends. */
  reportCost(usd: number): void;
  /** Makes a nested enforced call (its depth is this call's depth + 1). */
  call<A, R>(tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Awaited<R>>;
}

export type Tool<A, R> = (args: A, ctx: ToolContext) => R;

export interface HookCall {
  readonly callId: string;
  readonly tool: string;
  readonly tenant: string | null;
  readonly args: unknown;
  readonly policy: string;
}

export interface Hooks {
  /** Runs before the engine. Return `{ abort: reason }` to block the call. A throw blocks it too. */
  // biome-ignore lint/suspicious/noConfusingVoidType: an async hook that returns nothing is a Promise<void>, which Promise<undefined> would refuse
  preCall?(call: HookCall): void | { abort: string } | Promise<void | { abort: string }>;
  /** Runs after the output checks. A throw withholds the result (internal error). */
  postCall?(call: HookCall & { readonly result: unknown; readonly durationMs: number }): void | Promise<void>;
  /** Notification: errors here are reported to onHookError and never change the outcome. */
  onViolation?(call: HookCall & { readonly violations: readonly Violation[]; readonly decision: Decision["decision"] }): void | Promise<void>;
  /** Notification, like onViolation. */
  onRedaction?(call: HookCall & { readonly direction: "input" | "output"; readonly count: number }): void | Promise<void>;
}

/** `fail_open`: an internal fault, and the enforcer was told to let the call run anyway. */
export type CallOutcome = "allowed" | "blocked" | "logged" | "redacted" | "error" | "fail_open";

/** One audit record per enforced call; the audit trail (its own module) persists these. */
export interface CallRecord {
  readonly callId: string;
  readonly time: number;
  readonly tool: string;
  readonly tenant: string | null;
  readonly outcome: CallOutcome;
  readonly violations: readonly { readonly type: string; readonly rule: string | null; readonly action: string }[];
  readonly redactions: { readonly input: number; readonly output: number };
  readonly policyDigest: string;
  readonly engineDigest: string;
  readonly durationMs: number;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The exact engine requests of this call (pre, post), for deterministic replay. */
  readonly requests: readonly Uint8Array[];
  /** The engine's answer bytes to each request, and each request's position in that engine's sequence. */
  readonly answers: readonly Uint8Array[];
  readonly requestSeq: readonly number[];
  /** The engine instance that decided (its state depends only on its own request sequence). */
  readonly engineInstance: string;
  readonly args: unknown;
  /** The result as returned to the caller (after output redaction). */
  readonly result: unknown;
  /**
   * The tool's own result before output redaction: present only when redaction changed it, so
   * that the audit trail can commit to both (it hashes them, never stores them).
   */
  readonly rawResult?: unknown;
}

/**
 * An operator action that changes how later calls are decided: the kill switch, a policy reload.
 * Audit trails record it between the calls, so that a replay re-applies it at the same point.
 */
export type ControlRecord = KillSwitchRecord | ReloadRecord;

interface ControlRecordBase {
  readonly time: number;
  readonly tenant: string | null;
  /** The operator's note, stored as given (it reaches the trail: no secrets in it). */
  readonly reason: string | null;
  /** The policy and engine in force after the event. */
  readonly policyDigest: string;
  readonly engineDigest: string;
  /** The engine instance the event applies to (after a reload: the new one). */
  readonly engineInstance: string;
  /** The engine requests the event made, their answers and sequence numbers (as in CallRecord). */
  readonly requests: readonly Uint8Array[];
  readonly answers: readonly Uint8Array[];
  readonly requestSeq: readonly number[];
  /** Whether the kill switch is engaged once the event has taken effect. */
  readonly killSwitch: boolean;
}

/** `enforcer.killSwitch(on, reason)`: one kill-switch request on the current engine. */
export interface KillSwitchRecord extends ControlRecordBase {
  readonly kind: "kill_switch";
}

/**
 * `enforcer.reload(bundle, reason)`: a fresh engine with the new policy. Rate windows, spend and
 * open calls start empty (calls still running finish on the previous engine); an engaged kill
 * switch is carried over, which is the one request the new engine then makes.
 */
export interface ReloadRecord extends ControlRecordBase {
  readonly kind: "reload";
  /** The new policy (its bytes go to the replay journal, its digest to the trail). */
  readonly bundle: CompiledBundle;
  readonly previous: { readonly policyDigest: string; readonly engineInstance: string };
}

export interface AuditSink {
  record(record: CallRecord): void | Promise<void>;
  /** Kill-switch toggles and policy reloads. Optional: a sink without it sees calls only. */
  control?(record: ControlRecord): void | Promise<void>;
}

export interface EnforcerOptions {
  readonly bundle: CompiledBundle;
  /** Makes a fresh engine instance (hosts: `loadEngineSync`). One per enforcer, one per reload. */
  readonly createEngine: () => Engine;
  readonly tenant?: string;
  readonly hooks?: Hooks | readonly Hooks[];
  readonly audit?: AuditSink;
  /** Milliseconds; injectable so tests and replays control time. */
  readonly clock?: () => number;
  readonly depth?: DepthTracker;
  /**
   * Opt-in, and loud: an internal fault lets the call run (unchecked parts stay unchecked) instead
   * of blocking it. Every use is reported through onInternalError.
   */
  readonly failOpen?: boolean;
  readonly onInternalError?: (error: unknown, tool: string) => void;
  readonly onHookError?: (error: unknown, hook: keyof Hooks) => void;
  /** Keys of the `hash` and `token` strategies (docs/REDACTION.md, "Strategies"); host-held, never in the policy or the audit trail. */
  readonly redaction?: EnforcerRedactionOptions;
}

/** How the enforcer keys redactions, for arguments, outputs and streamed results alike. */
export interface EnforcerRedactionOptions {
  /**
   * HMAC-SHA256 key. `strategy: hash` gives `[HMAC-SHA256:<16 hex>]` instead of a plain SHA-256
   * prefix (which anyone can confirm for a guessed value); `strategy: token` gives keyed tokens
   * (`<EMAIL_9f86d081>`, the same across processes sharing the key) unless `vault` is given.
   */
  readonly hmacKey?: Uint8Array | string;
  /**
   * The vault for `strategy: token` (it maps tokens back: keep it out of the agent's reach).
   * Default: one per loaded policy (`enforcer.tokenVault()`), keyed with `hmacKey` when given.
   */
  readonly vault?: TokenVault;
}

const ERROR_BY_TYPE: Record<string, new (d: ViolationDetails) => EnforcementViolation> = {
  tool_denied: ToolDeniedError,
  tool_not_allowed: ToolDeniedError,
  invalid_tool_name: ToolDeniedError,
  domain_denied: DomainDeniedError,
  content_violation: ContentViolationError,
  pii: ContentViolationError, // PII is redacted, so it blocks only where it cannot be (in a key)
  argument_violation: ArgumentViolationError,
  rate_limit: RateLimitError,
  cost_limit: CostLimitError,
  input_size: ResourceLimitError,
  output_size: ResourceLimitError,
  call_depth: ResourceLimitError,
  kill_switch: ResourceLimitError,
  too_many_violations: ResourceLimitError,
};

function summary(violations: readonly Violation[]) {
  return violations.map((v) => ({ type: v.type, rule: v.rule, reason: v.reason, action: v.action }));
}

/** The typed error for a denied decision: the class of its first blocking violation. */
export function violationError(tool: string, d: Decision): EnforcementViolation {
  const first = d.violations.find((v) => v.action === "block") ?? d.violations[0];
  const Err = (first && ERROR_BY_TYPE[first.type]) ?? ToolDeniedError;
  return new Err({ tool, policy: d.policy.name, rule: first?.rule ?? null, reason: first?.reason ?? "denied", violations: summary(d.violations) });
}

function newCallId(): string {
  return globalThis.crypto.randomUUID();
}

/** Where the call is when something fails, to tell tool errors from enforcement faults. */
type Stage = "pre" | "tool" | "post";

export class Enforcer {
  readonly tenant: string | null;
  private engine: Engine;
  private bundle: CompiledBundle;
  private readonly opts: EnforcerOptions;
  private readonly hooks: readonly Hooks[];
  private readonly clock: () => number;
  private readonly depth: DepthTracker;
  /** The kill switch as last set, so that a reload carries it over to the new engine. */
  private killed = false;
  /** Keyed token vaults, one per loaded policy (without a key, tokenVaultFor(meta) is the one). */
  private readonly keyedVaults = new WeakMap<CompiledBundle, TokenVault>();

  constructor(opts: EnforcerOptions) {
    this.opts = opts;
    this.tenant = opts.tenant ?? null;
    this.hooks = opts.hooks === undefined ? [] : Array.isArray(opts.hooks) ? opts.hooks : [opts.hooks as Hooks];
    this.clock = opts.clock ?? (() => Date.now());
    this.depth = opts.depth ?? syncDepthTracker();
    this.bundle = opts.bundle;
    this.engine = this.freshEngine(opts.bundle);
    const key = opts.redaction?.hmacKey;
    if (key !== undefined && !((typeof key === "string" || key instanceof Uint8Array) && key.length > 0)) throw new EnforceCoreError("bad_request", "redaction.hmacKey must be a non-empty string or Uint8Array");
    if (opts.failOpen) this.report(new Error("enforcecore: failOpen is ON: internal faults will let tool calls run unchecked"), "<enforcer>");
  }

  /**
   * The vault that `strategy: token` uses under the current policy: the one given in
   * `redaction.vault`, else one per loaded policy (keyed with `redaction.hmacKey` when given).
   * Whoever holds it can map tokens back (`unredact`).
   */
  tokenVault(): TokenVault {
    return this.vaultFor(this.bundle);
  }

  private vaultFor(bundle: CompiledBundle): TokenVault {
    const r = this.opts.redaction;
    if (r?.vault) return r.vault;
    if (r?.hmacKey === undefined) return tokenVaultFor(bundle.meta);
    let v = this.keyedVaults.get(bundle);
    if (!v) {
      v = createTokenVault({ hmacKey: r.hmacKey });
      this.keyedVaults.set(bundle, v);
    }
    return v;
  }

  /** Replacement options for one call: the tool's overrides, this enforcer's key and vault. */
  private redactionFor(bundle: CompiledBundle, tool: string): RedactionOptions {
    const key = this.opts.redaction?.hmacKey;
    return key === undefined ? { tool, vault: this.vaultFor(bundle) } : { tool, vault: this.vaultFor(bundle), hmacKey: key };
  }

  get policy(): { readonly name: string; readonly version: string; readonly digest: string } {
    return { name: this.bundle.meta.policy.name, version: this.bundle.meta.policy.version, digest: this.bundle.digest };
  }

  /**
   * Swaps in a new policy atomically: calls already running finish under the old engine (pre and
   * post call on the same one), new calls use the new one. State (rate windows, spend, open calls)
   * starts fresh; an engaged kill switch stays engaged. The audit sink records the reload; with
   * an asynchronous sink the returned promise settles when it is recorded.
   */
  reload(bundle: CompiledBundle, reason?: string): void | Promise<void> {
    const previous = { policyDigest: this.bundle.digest, engineInstance: this.engine.instanceId };
    const engine = this.freshEngine(bundle);
    const time = this.now();
    let made: Pick<ControlRecord, "requests" | "answers" | "requestSeq"> = { requests: [], answers: [], requestSeq: [] };
    if (this.killed) {
      engine.setKillSwitch(true, time);
      made = this.made(engine);
    }
    this.bundle = bundle;
    this.engine = engine;
    return this.control({ kind: "reload", time, tenant: this.tenant, reason: reason ?? null, policyDigest: bundle.digest, engineDigest: engine.engineDigest, engineInstance: engine.instanceId, ...made, killSwitch: this.killed, bundle, previous });
  }

  /**
   * Engages or releases the kill switch: while on, every call is blocked. It takes effect at once;
   * the audit sink records it (the returned promise, with an asynchronous sink, settles then).
   */
  killSwitch(on: boolean, reason?: string): void | Promise<void> {
    const engine = this.engine;
    const time = this.now();
    engine.setKillSwitch(on, time);
    this.killed = on;
    const made = this.made(engine);
    return this.control({ kind: "kill_switch", time, tenant: this.tenant, reason: reason ?? null, policyDigest: this.bundle.digest, engineDigest: engine.engineDigest, engineInstance: engine.instanceId, ...made, killSwitch: on });
  }

  /** The request the engine just evaluated, for a control record. */
  private made(engine: Engine): Pick<ControlRecord, "requests" | "answers" | "requestSeq"> {
    return { requests: [engine.lastRequest().slice()], answers: [engine.lastAnswer()], requestSeq: [engine.requestSequence] };
  }

  /**
   * Hands a control record to the sink. The change has already taken effect (a kill switch must
   * never wait for a disk); a failed write fails the trail, which then blocks every call.
   */
  private control(record: ControlRecord): void | Promise<void> {
    const sink = this.opts.audit;
    if (!sink?.control) return;
    const r = sink.control(record);
    if (!isThenable(r)) return;
    const p = Promise.resolve(r);
    p.catch((e) => this.report(e, `<${record.kind}>`)); // callers that ignore the promise get no unhandled rejection
    return p;
  }

  /** Runs `fn(args, ctx)` only if the policy allows it; returns its (possibly redacted) result. */
  async call<A, R>(tool: string, args: A, fn: Tool<A, R>, options: CallOptions = {}): Promise<Awaited<R>> {
    return this.callAt(this.depth.current(), tool, args, fn, options);
  }

  /** A function with the same signature that enforces every call. The tool name defaults to fn.name. */
  wrap<A, R>(fn: Tool<A, R>, tool: string = fn.name): (args: A, options?: CallOptions) => Promise<Awaited<R>> {
    if (!tool) throw new EnforceCoreError("bad_request", "cannot infer a tool name from an anonymous function: pass one");
    return (args: A, options?: CallOptions) => this.call(tool, args, fn, options);
  }

  /**
   * Runs a synchronous tool synchronously (no promise): for callers that cannot await. Hooks and
   * the audit sink must then be synchronous too (a promise from them blocks the call), and the
   * time limit can only be checked when the tool returns (the result is then withheld).
   */
  callSync<A, R>(tool: string, args: A, fn: Tool<A, R>, options: CallOptions = {}): R {
    return driveSync(this.steps(this.depth.current(), tool, args, fn, options, true)) as R;
  }

  /** The synchronous twin of wrap(). */
  wrapSync<A, R>(fn: Tool<A, R>, tool: string = fn.name): (args: A, options?: CallOptions) => R {
    if (!tool) throw new EnforceCoreError("bad_request", "cannot infer a tool name from an anonymous function: pass one");
    return (args: A, options?: CallOptions) => this.callSync(tool, args, fn, options);
  }

  private callAt<A, R>(depth: number, tool: string, args: A, fn: Tool<A, R>, options: CallOptions): Promise<Awaited<R>> {
    return driveAsync(this.steps(depth, tool, args, fn, options, false)) as Promise<Awaited<R>>;
  }

  /**
   * One call as a generator: every `yield` is a point where the async driver awaits (hooks, the
   * tool, the audit sink) and the sync driver requires a plain value. One body, two drivers.
   */
  private *steps<A, R>(depth: number, tool: string, args: A, fn: Tool<A, R>, options: CallOptions, sync: boolean): Generator<unknown, unknown, unknown> {
    const engine = this.engine; // one engine for the whole call, even if a reload happens meanwhile
    const bundle = this.bundle;
    const started = this.now();
    const callId = newCallId();
    const hookCall = { callId, tool, tenant: this.tenant, args, policy: bundle.meta.policy.name } as HookCall;
    const requests: Uint8Array[] = [];
    const answers: Uint8Array[] = [];
    const requestSeq: number[] = [];
    const keep = () => {
      requests.push(engine.lastRequest().slice());
      answers.push(engine.lastAnswer());
      requestSeq.push(engine.requestSequence);
    };
    const violations: Violation[] = [];
    const redactions = { input: 0, output: 0 };
    let stage: Stage = "pre";
    let opened = false;
    let cost = 0;
    let outcome: CallOutcome = "allowed";
    let result: unknown;
    let rawResult: unknown;
    let outputRedacted = false;
    let callArgs: unknown = args;
    let error: unknown = null;
    const controller = new AbortController();
    // The estimate is reserved against the budget while the call runs (released at post-call).
    // Without one from the caller, the policy's estimate for this tool (recorded in the request, so
    // replay sees the same number).
    const estimate = options.costEstimateUsd ?? perToolEntry(bundle.meta.policy.rules.resource_limits.cost_estimates, tool);
    const release = estimate !== undefined ? { costEstimateUsd: estimate } : {};
    // PII and secret rules this tool's per-tool override leaves out: the engine does not run them
    // (keys included), so its answer, the audit record and a replay are this tool's.
    const excludeEntities = entityExclusionFor(bundle.meta, tool);

    try {
      for (const h of this.hooks) {
        const r = (yield h.preCall?.(hookCall)) as { abort: string } | undefined;
        if (r && typeof r === "object" && "abort" in r) {
          throw new HookAbortError({ tool, policy: bundle.meta.policy.name, rule: null, reason: `aborted by a pre-call hook: ${r.abort}`, violations: [] });
        }
      }
      // What the engine checks is what the tool (and a model) will see: toJSON() views resolved once.
      callArgs = resolveToJSON(args);
      const pre = engine.preCall({ tool, args: callArgs, now: started, depth, excludeEntities, ...release });
      keep();
      violations.push(...pre.violations);
      if (pre.violations.length > 0) this.notify("onViolation", { ...hookCall, violations: pre.violations, decision: pre.decision });
      if (!pre.allowed) throw violationError(tool, pre);
      opened = true;
      if (pre.decision === "redact") {
        const r = redactSpans(callArgs, pre.violations, replacementFor(bundle.meta, this.redactionFor(bundle, tool)));
        callArgs = r.value;
        redactions.input = r.count;
        this.notify("onRedaction", { ...hookCall, direction: "input", count: r.count });
      }

      stage = "tool";
      const ctx: ToolContext = {
        callId,
        tool,
        tenant: this.tenant,
        policy: bundle.meta.policy,
        signal: controller.signal,
        reportCost: (usd) => {
          if (!Number.isFinite(usd) || usd < 0) throw new EnforceCoreError("bad_request", `reported cost must be a non-negative number, got ${usd}`);
          cost += usd;
        },
        call: (t, a, f, o) => this.callAt(depth + 1, t, a, f, o ?? {}),
      };
      const limitS = bundle.meta.policy.rules.resource_limits.max_call_duration_seconds;
      const policyName = bundle.meta.policy.name;
      result = yield this.depth.run(depth + 1, () => (sync ? withLimitAfter(() => fn(callArgs as A, ctx), limitS, tool, policyName) : withTimeout(() => fn(callArgs as A, ctx), limitS, controller, tool, policyName)));

      stage = "post";
      result = resolveToJSON(result);
      const post = engine.postCall({ tool, output: result, now: this.now(), costUsd: cost, excludeEntities, ...release });
      opened = false;
      keep();
      violations.push(...post.violations);
      if (post.violations.length > 0) this.notify("onViolation", { ...hookCall, violations: post.violations, decision: post.decision });
      if (!post.allowed) throw violationError(tool, post);
      if (post.decision === "redact") {
        const r = redactSpans(result, post.violations, replacementFor(bundle.meta, this.redactionFor(bundle, tool)));
        rawResult = result;
        outputRedacted = r.count > 0;
        result = r.value;
        redactions.output = r.count;
        this.notify("onRedaction", { ...hookCall, direction: "output", count: r.count });
      }
      // A streamed result holds no text yet: it is handed back redacting each chunk as it flows.
      if (isStreamedResult(result)) result = redactStreamedResult(result, bundle, tool, this.opts.createEngine, this.redactionFor(bundle, tool));
      outcome = violations.some((v) => v.action === "redact") ? "redacted" : violations.length > 0 ? "logged" : "allowed";
      for (const h of this.hooks) yield h.postCall?.({ ...hookCall, result, durationMs: this.now() - started });
    } catch (err) {
      error = err;
    }

    // Close the call in the engine when the tool failed after being allowed (depth, cost).
    if (opened) {
      try {
        engine.postCall({ tool, output: null, now: this.now(), costUsd: cost, excludeEntities, ...release });
        keep();
      } catch (closeErr) {
        error ??= closeErr;
      }
    }

    const isToolError = error !== null && stage === "tool" && !(error instanceof EnforceCoreError);
    let thrown: unknown = null;
    if (error !== null) {
      if (isToolError) {
        outcome = "error";
        thrown = error; // the tool's own error propagates unchanged
      } else if (error instanceof EnforcementViolation) {
        outcome = "blocked";
        thrown = error;
      } else {
        outcome = "blocked";
        thrown = this.internal(tool, bundle, error);
      }
    }

    // Opt-in fail-open: only for internal faults before the tool ran, never for policy violations.
    const failOpen = this.opts.failOpen === true && thrown instanceof InternalEnforcementError && stage === "pre";
    if (failOpen) outcome = "fail_open";

    const record: CallRecord = {
      callId,
      time: started,
      tool,
      tenant: this.tenant,
      outcome,
      violations: violations.map((v) => ({ type: v.type, rule: v.rule, action: v.action })),
      redactions,
      policyDigest: bundle.digest,
      engineDigest: engine.engineDigest,
      durationMs: this.now() - started,
      error: thrown === null ? null : { code: isToolError ? "tool_error" : ((thrown as { code?: string }).code ?? "internal_error"), message: String((thrown as Error)?.message ?? thrown) },
      requests,
      answers,
      requestSeq,
      engineInstance: engine.instanceId,
      args,
      result: error === null ? result : null,
      ...(outputRedacted && error === null ? { rawResult } : {}),
    };
    try {
      yield this.opts.audit?.record(record);
    } catch (auditErr) {
      // An unrecorded call is a blocked call: the result is withheld.
      if (thrown === null || isToolError) thrown = this.internal(tool, bundle, auditErr, "audit write failed");
    }

    if (failOpen && thrown instanceof InternalEnforcementError) {
      this.report(thrown, tool);
      return yield fn(callArgs as A, this.bareContext(callId, tool, controller));
    }
    if (thrown !== null) throw thrown;
    return result;
  }

  private bareContext(callId: string, tool: string, controller: AbortController): ToolContext {
    return { callId, tool, tenant: this.tenant, policy: this.bundle.meta.policy, signal: controller.signal, reportCost: () => {}, call: (t, a, f, o) => this.call(t, a, f, o) };
  }

  private internal(tool: string, bundle: CompiledBundle, cause: unknown, what = "internal fault in enforcement"): InternalEnforcementError {
    const reason = `${what}: ${(cause as Error)?.message ?? String(cause)}`;
    const err = new InternalEnforcementError({ tool, policy: bundle.meta.policy.name, rule: null, reason, violations: [] }, { cause });
    this.report(err, tool);
    return err;
  }

  private report(err: unknown, tool: string): void {
    if (this.opts.onInternalError) this.opts.onInternalError(err, tool);
    else if (this.opts.failOpen) console.error(err);
  }

  private notify<K extends "onViolation" | "onRedaction">(kind: K, arg: Parameters<NonNullable<Hooks[K]>>[0]): void {
    for (const h of this.hooks) {
      const f = h[kind] as ((a: typeof arg) => void | Promise<void>) | undefined;
      if (!f) continue;
      try {
        const p = f.call(h, arg);
        if (p && typeof (p as Promise<void>).catch === "function") (p as Promise<void>).catch((e) => this.opts.onHookError?.(e, kind));
      } catch (e) {
        this.opts.onHookError?.(e, kind);
      }
    }
  }

  private now(): number {
    return Math.floor(this.clock());
  }

  private freshEngine(bundle: CompiledBundle): Engine {
    const engine = this.opts.createEngine();
    engine.loadPolicy(bundle);
    return engine;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

async function driveAsync(g: Generator<unknown, unknown, unknown>): Promise<unknown> {
  let step = g.next();
  while (!step.done) {
    let value: unknown;
    try {
      value = await step.value;
    } catch (err) {
      step = g.throw(err);
      continue;
    }
    step = g.next(value);
  }
  return step.value;
}

function driveSync(g: Generator<unknown, unknown, unknown>): unknown {
  let step = g.next();
  while (!step.done) {
    if (isThenable(step.value)) {
      step.value.then(undefined, () => {}); // already running: at least never an unhandled rejection
      step = g.throw(new EnforceCoreError("bad_request", "callSync met a promise (from the tool, a hook or the audit sink): use call()"));
    } else step = g.next(step.value);
  }
  return step.value;
}

/** Sync tools cannot be interrupted: the limit is checked when they return, and breaking it withholds the result. */
function withLimitAfter<R>(run: () => R, limitS: number | null, tool: string, policy: string): R {
  const t0 = Date.now();
  const result = run();
  if (limitS !== null && !isThenable(result) && Date.now() - t0 > limitS * 1000) {
    const reason = `call exceeded max_call_duration_seconds (${limitS} s); a synchronous tool cannot be stopped earlier`;
    throw new ResourceLimitError({ tool, policy, rule: "rules.resource_limits.max_call_duration_seconds", reason, violations: [{ type: "timeout", rule: "rules.resource_limits.max_call_duration_seconds", reason, action: "block" }] });
  }
  return result;
}

/**
 * Races the tool against `max_call_duration_seconds`. On timeout the signal is aborted and the
 * call fails with ResourceLimitError; JavaScript cannot stop a running promise, so work that
 * ignores the signal continues in the background (docs/ENFORCER.md: use a worker or the OS guard).
 */
async function withTimeout<R>(run: () => R, limitS: number | null, controller: AbortController, tool: string, policy: string): Promise<Awaited<R>> {
  if (limitS === null) return await run();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = `call exceeded max_call_duration_seconds (${limitS} s)`;
      controller.abort(new Error(reason));
      reject(new ResourceLimitError({ tool, policy, rule: "rules.resource_limits.max_call_duration_seconds", reason, violations: [{ type: "timeout", rule: "rules.resource_limits.max_call_duration_seconds", reason, action: "block" }] }));
    }, limitS * 1000);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
