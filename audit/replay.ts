/**
 * Deterministic replay: re-runs every recorded engine request, from the start of the trail,
 * through a fresh engine with the recorded policy, and proves each answer matches what the
 * trail recorded, or names the first divergence. A "what if" run evaluates the same requests
 * under another policy and reports the decisions that would change.
 *
 * What is compared, per call:
 * - the journal's request bytes against the trail's request digests (so the journal cannot lie);
 * - the engine's digest against the entry's `engineDigest` (same wasm, byte for byte);
 * - every violation (type, rule, action) and the outcome the decisions imply;
 * - when the host recorded them (`answers`), the engine's answer bytes, by SHA-256: decisions,
 *   violations, redaction spans and engine state, byte for byte.
 * The run also returns `answersDigest`, the SHA-256 of every answer in order: the same trail
 * replayed under Node, Deno and Bun gives the same digest.
 *
 * Engine state (rate windows, spend, open calls) depends on the order of requests. Entries are
 * written when calls end, so nested or concurrent calls reach the trail out of evaluation order;
 * hosts that record `requestSeq` (the engine's evaluation counter) get the exact order back
 * here. Without it, requests are replayed in trail order, which is exact for sequential calls.
 * One engine is kept per `instance` when recorded, else per tenant (a new policy digest for a
 * tenant means a reload, so a fresh engine, as the enforcer does).
 *
 * Control entries (kill switch, policy reload) are replayed where they happened: a kill switch's
 * request goes to its engine at its recorded position (its answer is checked like a call's); a
 * reload starts a fresh engine under the new instance, with the bundle from `bundles` or, failing
 * that, the bundle bytes the journal kept (checked against the recorded digest). With recorded
 * evaluation counters, an evaluation that no entry accounts for (a kill switch toggled by a host
 * that did not record it, a lost entry) is named as a `gap` divergence.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { type CompiledBundle, openBundle } from "../engine/bundle-format.js";
import { describe as describeAnswer, type Decision } from "../engine/decision.js";
import type { Engine } from "../engine/engine.js";
import type { FlatValue, RawAnswer } from "../engine/abi.js";
import { type ControlEntry, type EntryViolation, isControlEntry, type TrailEntry } from "./entry.js";
import { AuditError, type TrailIO } from "./io.js";
import { readJournal, type JournalRecord } from "./journal.js";
import { toHex } from "./merkle.js";
import { readEntries, verifyTrail } from "./trail.js";
import type { NoteVerifier } from "./checkpoint.js";

// ---- request decoding and answer encoding (docs/ENGINE.md byte layouts) ----

export interface DecodedRequest {
  readonly op: number;
  readonly now: number;
  readonly tool: string;
  readonly values: readonly FlatValue[];
}

const utf8d = new TextDecoder("utf-8", { fatal: true });

/** Reads a pre-call (op 1) or post-call (op 2) request back into its tool and flattened values. */
export function decodeRequest(bytes: Uint8Array): DecodedRequest {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 0;
  const u32 = () => {
    const x = v.getUint32(p, true);
    p += 4;
    return x;
  };
  const i64 = () => {
    const x = v.getBigInt64(p, true);
    p += 8;
    return x;
  };
  const str = () => {
    const n = u32();
    const s = utf8d.decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  try {
    const op = u32();
    const now = Number(i64());
    if (op !== 1 && op !== 2) return { op, now, tool: "", values: [] };
    const tool = str();
    i64(); // cost (estimate)
    if (op === 2) i64(); // release
    u32(); // payload bytes
    if (op === 1) u32(); // depth
    const n = u32();
    const values: FlatValue[] = [];
    for (let i = 0; i < n; i++) {
      const segs = u32();
      const path: (string | number)[] = [];
      for (let s = 0; s < segs; s++) {
        const len = v.getUint32(p, true);
        if (len === 0xffffffff) {
          p += 4;
          path.push("null");
        } else path.push(str());
      }
      const type = bytes[p++];
      let value: string | number | boolean | null;
      if (type === 0) value = str();
      else if (type === 1) {
        value = v.getFloat64(p, true);
        p += 8;
      } else if (type === 2) value = bytes[p++] === 1;
      else value = null;
      values.push({ path, value });
    }
    return { op, now, tool, values };
  } catch (cause) {
    throw new AuditError("audit_corrupt", "a journal request is not a well-formed engine request", { cause });
  }
}

/** The engine's answer bytes (u32 decision, u32 n, n × 28-byte violations, u32, i64, u32). */
export function encodeAnswer(a: RawAnswer): Uint8Array {
  const out = new Uint8Array(8 + a.violations.length * 28 + 16);
  const v = new DataView(out.buffer);
  v.setUint32(0, a.decision, true);
  v.setUint32(4, a.violations.length, true);
  let p = 8;
  for (const x of a.violations) {
    v.setUint32(p, x.type, true);
    v.setUint32(p + 4, x.action, true);
    v.setInt32(p + 8, x.rule, true);
    v.setInt32(p + 12, x.value, true);
    v.setInt32(p + 16, x.start, true);
    v.setInt32(p + 20, x.end, true);
    v.setInt32(p + 24, x.detail, true);
    p += 28;
  }
  v.setUint32(p, a.openCalls, true);
  v.setBigInt64(p + 4, a.costSpentMicros, true);
  v.setUint32(p + 12, a.killSwitch ? 1 : 0, true);
  return out;
}

// ---- the replay machine ----

export interface ReplayOptions {
  readonly io: TrailIO;
  /** The replay journal written alongside the trail. */
  readonly journal: string;
  /** Key of an encrypted journal. */
  readonly key?: Uint8Array | CryptoKey;
  /** The compiled bundles the trail names (matched by digest). */
  readonly bundles: readonly CompiledBundle[];
  /** A fresh engine each call (the host's loadEngineSync). */
  readonly createEngine: () => Engine;
  /** Verify the trail (and its checkpoints' signatures, with verifiers) before replaying (default true). */
  readonly verify?: boolean;
  readonly verifiers?: readonly NoteVerifier[];
}

/**
 * `control`: a control entry the replay contradicts (a kill switch whose replayed engine state
 * differs from the recorded one, a reload of an engine that already decided under another policy).
 * `gap`: the engine evaluated requests (by the recorded counters) that no entry accounts for.
 */
export type DivergenceKind = "trail" | "journal_missing" | "request_mismatch" | "bundle_missing" | "engine_mismatch" | "answer" | "violations" | "outcome" | "control" | "gap";

export interface Divergence {
  readonly seq: number;
  /** The call's tool; "" for a control entry (see `control`). */
  readonly tool: string;
  /** Set when the divergence is at a control entry. */
  readonly control?: ControlEntry["control"];
  readonly kind: DivergenceKind;
  readonly message: string;
  readonly recorded?: unknown;
  readonly replayed?: unknown;
}

export interface ReplayResult {
  /** True when every call replayed identically. */
  readonly ok: boolean;
  /** Call entries replayed. */
  readonly calls: number;
  /** Control entries (kill switch, reload) re-applied. */
  readonly controls: number;
  readonly requests: number;
  readonly divergence: Divergence | null;
  /** SHA-256 (hex) of all answer bytes in evaluation order: equal across runtimes for the same trail. */
  readonly answersDigest: string;
  /** Calls whose answers were checked byte for byte (entries with `answers`). */
  readonly answersChecked: number;
}

class Stop extends Error {
  constructor(readonly divergence: Divergence) {
    super(divergence.message);
  }
}

interface Pending {
  readonly entry: TrailEntry;
  readonly requests: readonly Uint8Array[];
  readonly answers: (RawAnswer | null)[];
  readonly decisions: (Decision | null)[];
  readonly bundle: CompiledBundle;
  remaining: number;
}

interface Stream {
  engine: Engine;
  digest: string;
  /** The evaluation counter the next request must carry (the engine counts from 1). */
  next: number;
  /** Requests waiting for their turn, sorted by sequence number. */
  readonly queue: { seq: number; pending: Pending; index: number }[];
}

type Evaluate = (stream: Stream, p: Pending, index: number) => void;
type BundleFor = (e: TrailEntry, learned: ReadonlyMap<string, CompiledBundle>) => CompiledBundle;

/** Where a divergence at entry `e` is named. */
function at(e: TrailEntry): { seq: number; tool: string; control?: ControlEntry["control"] } {
  return isControlEntry(e) ? { seq: e.seq, tool: "", control: e.control } : { seq: e.seq, tool: e.tool };
}

interface DriveOptions {
  /** Name an evaluation that no entry accounts for (replay) instead of closing the gap (what if). */
  readonly strict: boolean;
}

/**
 * Drives entries + journal through engines in evaluation order; `evaluate` does the per-request
 * work and `complete` runs when all of a call's requests were evaluated.
 */
async function drive(trail: string, opts: ReplayOptions, how: DriveOptions, bundleFor: BundleFor, evaluate: Evaluate, complete: (p: Pending) => void, counts: { calls: number; controls: number }): Promise<void> {
  const journal = readJournal(opts.io, opts.journal, opts.key ? { key: opts.key } : {});
  const nextJournal = async (): Promise<JournalRecord | null> => {
    const it = await journal.next();
    return it.done ? null : it.value;
  };
  try {
    await driveWith(trail, opts, how, bundleFor, evaluate, complete, nextJournal, await nextJournal(), counts);
  } finally {
    await journal.return(undefined);
  }
}

async function driveWith(
  trail: string,
  opts: ReplayOptions,
  how: DriveOptions,
  bundleFor: BundleFor,
  evaluate: Evaluate,
  complete: (p: Pending) => void,
  nextJournal: () => Promise<JournalRecord | null>,
  first: JournalRecord | null,
  counts: { calls: number; controls: number },
): Promise<void> {
  let jr = first;
  const streams = new Map<string, Stream>();
  const tenantDigest = new Map<string, string>();
  /** Bundles kept by the journal (reloads), by digest. */
  const learned = new Map<string, CompiledBundle>();

  const release = (s: Stream, force: boolean) => {
    while (s.queue.length > 0 && (force || s.queue[0]!.seq === s.next)) {
      const item = s.queue.shift()!;
      if (item.seq !== s.next && how.strict) {
        const e = item.pending.entry;
        const what = item.seq > s.next ? `requests ${s.next}..${item.seq - 1} of engine ${"instance" in e ? e.instance : "?"} were evaluated but no entry records them (an unrecorded kill switch or reload, or a lost entry)` : `request ${item.seq} of engine ${"instance" in e ? e.instance : "?"} is recorded twice`;
        throw new Stop({ ...at(e), kind: "gap", message: `before entry ${e.seq}: ${what}`, recorded: item.seq, replayed: s.next });
      }
      s.next = item.seq + 1;
      evaluate(s, item.pending, item.index);
      if (--item.pending.remaining === 0) complete(item.pending);
    }
  };
  const fresh = (bundle: CompiledBundle): Stream => {
    const engine = opts.createEngine();
    engine.loadPolicy(bundle);
    return { engine, digest: bundle.digest, next: 1, queue: [] };
  };

  for (const entry of readEntries(trail, opts.io, { controls: true })) {
    const control = isControlEntry(entry) ? entry : null;
    if (control) counts.controls++;
    else counts.calls++;
    while (jr !== null && jr.seq < entry.seq) jr = await nextJournal();
    if (jr === null || jr.seq !== entry.seq) throw new Stop({ ...at(entry), kind: "journal_missing", message: `the journal has no line for entry ${entry.seq}${control ? ` (a ${control.control} control entry)` : ""}` });
    const requests = jr.requests;
    if (requests.length !== entry.requests.length || requests.some((r, i) => toHex(sha256(r)) !== entry.requests[i])) {
      throw new Stop({ ...at(entry), kind: "request_mismatch", message: `the journal's requests for entry ${entry.seq} are not the ones the trail committed to` });
    }
    if (jr.bundle !== undefined) {
      let b: CompiledBundle | null = null;
      try {
        b = openBundle(jr.bundle);
      } catch {
        b = null;
      }
      if (b === null || control?.control !== "reload" || b.digest !== control.policyDigest) {
        throw new Stop({ ...at(entry), kind: "request_mismatch", message: `the journal's policy bundle for entry ${entry.seq} is not the one the trail committed to` });
      }
      learned.set(b.digest, b);
    }
    const bundle = bundleFor(entry, learned);
    const tenantKey = entry.tenant ?? "\u0000";
    const key = entry.instance !== undefined ? `i:${entry.instance}` : `t:${tenantKey}`;
    let s = streams.get(key);
    if (control?.control === "reload") {
      // A fresh engine under the new instance. Calls still running on the old one finish there.
      if (s && s.digest !== bundle.digest) throw new Stop({ ...at(entry), kind: "control", message: `entry ${entry.seq} reloads engine ${control.instance} with ${control.policyDigest}, but it already decided under ${s.digest}` });
      if (!s) {
        s = fresh(bundle);
        streams.set(key, s);
      }
      // Hosts that do not record engine instances: the tenant's next call gets a fresh engine too.
      const byTenant = streams.get(`t:${tenantKey}`);
      if (byTenant) {
        release(byTenant, true);
        streams.delete(`t:${tenantKey}`);
      }
      tenantDigest.set(tenantKey, bundle.digest);
    } else {
      const reload = entry.instance === undefined && tenantDigest.get(tenantKey) !== undefined && tenantDigest.get(tenantKey) !== bundle.digest;
      if (!s || reload) {
        if (s) release(s, true);
        s = fresh(bundle);
        streams.set(key, s);
        tenantDigest.set(tenantKey, bundle.digest);
      }
    }
    const pending: Pending = { entry, requests, answers: requests.map(() => null), decisions: requests.map(() => null), bundle, remaining: requests.length };
    if (requests.length === 0) {
      complete(pending);
      continue;
    }
    const seqs = entry.requestSeq && entry.requestSeq.length === requests.length ? entry.requestSeq : null;
    for (let i = 0; i < requests.length; i++) {
      const seq = seqs ? seqs[i]! : s.next + s.queue.length;
      let pos = s.queue.length;
      while (pos > 0 && s.queue[pos - 1]!.seq > seq) pos--;
      s.queue.splice(pos, 0, { seq, pending, index: i });
    }
    release(s, false);
  }
  for (const s of streams.values()) release(s, true);
}

function violationsOf(d: Decision | null): EntryViolation[] {
  return (d?.violations ?? []).map((v) => ({ action: v.action, rule: v.rule, type: v.type }));
}

const same = (a: readonly EntryViolation[], b: readonly EntryViolation[]) => a.length === b.length && a.every((x, i) => x.type === b[i]!.type && x.rule === b[i]!.rule && x.action === b[i]!.action);

function decide(engine: Engine, bundle: CompiledBundle, request: Uint8Array): { raw: RawAnswer; decision: Decision | null } {
  const raw = engine.evaluateRaw(request);
  const req = decodeRequest(request);
  const decision = req.op === 1 || req.op === 2 ? describeAnswer(raw, { tool: req.tool, values: req.values, meta: bundle.meta, policyDigest: bundle.digest, engineDigest: engine.engineDigest }) : null;
  return { raw, decision };
}

function bundleIndex(bundles: readonly CompiledBundle[]): Map<string, CompiledBundle> {
  return new Map(bundles.map((b) => [b.digest, b]));
}

async function preVerify(trail: string, opts: ReplayOptions): Promise<Divergence | null> {
  if (opts.verify === false) return null;
  const r = await verifyTrail(trail, { io: opts.io, ...(opts.verifiers ? { verifiers: opts.verifiers } : {}) });
  return r.ok ? null : { seq: r.firstBadIndex ?? -1, tool: "", kind: "trail", message: `the trail does not verify: ${r.problem?.message}` };
}

/** Replays the whole trail and proves every answer identical, or names the first divergence. */
export async function replay(trail: string, opts: ReplayOptions): Promise<ReplayResult> {
  const digest = sha256.create();
  let requests = 0;
  let answersChecked = 0;
  const counts = { calls: 0, controls: 0 };
  const bundles = bundleIndex(opts.bundles);
  const result = (divergence: Divergence | null): ReplayResult => ({ ok: divergence === null, calls: counts.calls, controls: counts.controls, requests, divergence, answersDigest: toHex(digest.digest()), answersChecked });
  const bad = await preVerify(trail, opts);
  if (bad) return result(bad);
  try {
    await drive(
      trail,
      opts,
      { strict: true },
      (e, learned) => {
        const b = bundles.get(e.policyDigest) ?? learned.get(e.policyDigest);
        if (!b) throw new Stop({ ...at(e), kind: "bundle_missing", message: `no bundle with digest ${e.policyDigest} was given` });
        return b;
      },
      (s, p, i) => {
        const e = p.entry;
        if (s.engine.engineDigest !== e.engineDigest) throw new Stop({ ...at(e), kind: "engine_mismatch", message: `entry ${e.seq} was decided by engine ${e.engineDigest}, this one is ${s.engine.engineDigest}`, recorded: e.engineDigest, replayed: s.engine.engineDigest });
        const { raw, decision } = decide(s.engine, p.bundle, p.requests[i]!);
        const bytes = encodeAnswer(raw);
        digest.update(bytes);
        requests++;
        p.answers[i] = raw;
        p.decisions[i] = decision;
        if (e.answers) {
          const got = toHex(sha256(bytes));
          if (got !== e.answers[i]) throw new Stop({ ...at(e), kind: "answer", message: `entry ${e.seq}, request ${i}: the engine's answer differs from the recorded one`, recorded: e.answers[i], replayed: got });
        }
        if (isControlEntry(e) && raw.killSwitch !== e.killSwitch) {
          throw new Stop({ ...at(e), kind: "control", message: `entry ${e.seq} (${e.control}): the kill switch replays ${raw.killSwitch ? "on" : "off"}, the trail says ${e.killSwitch ? "on" : "off"}`, recorded: e.killSwitch, replayed: raw.killSwitch });
        }
      },
      (p) => {
        if (isControlEntry(p.entry)) return; // its requests were checked one by one
        const e = p.entry;
        if (e.answers) answersChecked++;
        const pre = violationsOf(p.decisions[0] ?? null);
        const post = violationsOf(p.decisions[1] ?? null);
        const all = [...pre, ...post];
        // On a tool error or timeout the post-call request only closes the call; its violations are not recorded.
        const match = same(e.violations, all) || (e.error !== null && p.decisions.length === 2 && same(e.violations, pre));
        if (!match) throw new Stop({ seq: e.seq, tool: e.tool, kind: "violations", message: `entry ${e.seq} (${e.tool}): replayed violations differ from the recorded ones`, recorded: e.violations, replayed: all });
        const denied = p.decisions.some((d) => d?.decision === "deny");
        if (denied && e.outcome !== "blocked") throw new Stop({ seq: e.seq, tool: e.tool, kind: "outcome", message: `entry ${e.seq}: the engine denies it but the trail says ${e.outcome}`, recorded: e.outcome, replayed: "blocked" });
        if (e.error === null) {
          const expected = all.some((v) => v.action === "redact") ? "redacted" : all.length > 0 ? "logged" : "allowed";
          if (e.outcome !== expected) throw new Stop({ seq: e.seq, tool: e.tool, kind: "outcome", message: `entry ${e.seq}: replay implies ${expected}, the trail says ${e.outcome}`, recorded: e.outcome, replayed: expected });
        }
      },
      counts,
    );
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return result(err.divergence);
  }
  return result(null);
}

// ---- what if ----

export interface WhatIfChange {
  readonly seq: number;
  readonly callId: string;
  readonly tool: string;
  readonly tenant: string | null;
  readonly before: { readonly outcome: string; readonly denied: boolean; readonly violations: readonly EntryViolation[] };
  readonly after: {
    readonly decision: "allow" | "deny" | "allow_logged" | "redact";
    readonly denied: boolean;
    readonly violations: readonly EntryViolation[];
    /** The call was blocked before it ran, so its output (and the post-call checks) are unknown. */
    readonly outputUnknown: boolean;
  };
}

export interface WhatIfResult {
  readonly calls: number;
  /** Control entries re-applied (see whatIf). */
  readonly controls: number;
  readonly changed: readonly WhatIfChange[];
  /** Calls that were allowed and would now be denied, and the reverse. */
  readonly nowDenied: number;
  readonly nowAllowed: number;
}

const RANK = { allow: 0, allow_logged: 1, redact: 2, deny: 3 } as const;

/**
 * Replays the recorded requests under `bundle` instead (same timeline: rate windows and budgets
 * evolve as they would have) and reports every call whose decision or violations change.
 *
 * Control entries are operator actions, kept on the same timeline: a kill switch is toggled where
 * it was (calls it blocked stay blocked under any policy), and a reload still starts a fresh
 * engine (empty rate windows, spend and open calls; the kill switch carried over), loaded with
 * `bundle` instead of the reloaded policy. So the question answered is "had `bundle` been every
 * policy of this session". Calls in flight across a reload finish on their own engine, as
 * recorded. Unlike replay, an evaluation no entry accounts for is not an error here.
 */
export async function whatIf(trail: string, bundle: CompiledBundle, opts: Omit<ReplayOptions, "bundles">): Promise<WhatIfResult> {
  const changed: WhatIfChange[] = [];
  let nowDenied = 0;
  let nowAllowed = 0;
  const bad = await preVerify(trail, { ...opts, bundles: [] });
  if (bad) throw new AuditError("audit_corrupt", bad.message);
  const counts = { calls: 0, controls: 0 };
  await drive(
    trail,
    { ...opts, bundles: [bundle] },
    { strict: false },
    () => bundle,
    (s, p, i) => {
      // A call the new policy denies before it runs sends no post-call request.
      if (i > 0 && p.decisions[0]?.decision === "deny") return;
      p.decisions[i] = decide(s.engine, p.bundle, p.requests[i]!).decision;
    },
    (p) => {
      if (isControlEntry(p.entry)) return;
      const e = p.entry;
      const ds = p.decisions.filter((d): d is Decision => d !== null);
      const decision = ds.reduce<WhatIfChange["after"]["decision"]>((w, d) => (RANK[d.decision] > RANK[w] ? d.decision : w), "allow");
      const violations = ds.flatMap(violationsOf);
      const beforeDenied = e.violations.some((v) => v.action === "block") || (e.outcome === "blocked" && e.requests.length === 1 && e.violations.length > 0);
      const afterDenied = decision === "deny";
      const outputUnknown = p.requests.length === 1 && !afterDenied;
      if (beforeDenied !== afterDenied || !same(e.violations, violations)) {
        if (!beforeDenied && afterDenied) nowDenied++;
        if (beforeDenied && !afterDenied) nowAllowed++;
        changed.push({
          seq: e.seq,
          callId: e.callId,
          tool: e.tool,
          tenant: e.tenant,
          before: { outcome: e.outcome, denied: beforeDenied, violations: e.violations },
          after: { decision, denied: afterDenied, violations, outputUnknown },
        });
      }
    },
    counts,
  );
  return { calls: counts.calls, controls: counts.controls, changed, nowDenied, nowAllowed };
}
