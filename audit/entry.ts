/**
 * The audit entry: what the trail keeps of one enforced call. Canonical JSON (RFC 8785, JCS),
 * so the same call always gives the same bytes, in every runtime. It never holds raw arguments,
 * results or error messages: only their SHA-256 (optionally keyed, see valueDigest).
 */
import canonicalize from "canonicalize";
import { sha256 } from "@noble/hashes/sha2.js";
import { hmac } from "@noble/hashes/hmac.js";
import type { CallOutcome, CallRecord, ControlRecord } from "../core/enforcer.js";
import { toHex } from "./merkle.js";

/** Version of call entries: 1 since the first trail format (call entries never changed). */
export const ENTRY_VERSION = 1;
/**
 * Version of control entries, which entry format 2 added. A reader that only knows version 1
 * stops at the first control entry ("unsupported"), never misreads it; call entries stay v 1, so
 * a trail without control events is byte-identical to one written before they existed.
 */
export const CONTROL_ENTRY_VERSION = 2;

export interface EntryViolation {
  readonly action: string;
  readonly rule: string | null;
  readonly type: string;
}

/** One leaf of the audit tree. Field names are the JSON keys; JCS writes them sorted. */
export interface AuditEntry {
  /** SHA-256 (hex) of each engine answer, in order, when the host reports them (else absent). */
  readonly answers?: readonly string[];
  /** Digest of the raw arguments (before input redaction): valueDigest. */
  readonly argsSha256: string;
  readonly callId: string;
  readonly durationMs: number;
  /** SHA-256 (hex) of the engine wasm: the engine that decided. */
  readonly engineDigest: string;
  /** The error code (`tool_denied`, `tool_error`, …), never the message. */
  readonly error: string | null;
  /** The engine instance that decided, when the host reports it (for exact replay). */
  readonly instance?: string;
  readonly outcome: CallOutcome;
  /** SHA-256 (hex) of the compiled policy bundle. */
  readonly policyDigest: string;
  /** Digest of the result as the tool returned it, before output redaction; present only when redaction changed it. */
  readonly rawResultSha256?: string;
  /** How many spans were redacted in the arguments and in the result. */
  readonly redactions: { readonly input: number; readonly output: number };
  /** SHA-256 (hex) of each engine request (pre-call, post-call): commits to the replay journal. */
  readonly requests: readonly string[];
  /** Digest of the result as returned to the caller (after output redaction); null if none. */
  readonly resultSha256: string | null;
  /** Leaf index in the trail: 0, 1, 2, … with no gap across segments. */
  readonly seq: number;
  /** Per-engine evaluation counters of the requests, when the host reports them (for exact replay). */
  readonly requestSeq?: readonly number[];
  readonly tenant: string | null;
  /** Host clock at the start of the call, integer milliseconds since the epoch. */
  readonly time: number;
  readonly tool: string;
  readonly v: number;
  readonly violations: readonly EntryViolation[];
}

// ---- value digests ----

/**
 * The JSON view of any JavaScript value, used to hash arguments and results. JSON values map
 * to themselves (JCS then fixes key order and number form). Everything else maps to a one-key
 * tagged object, and real object keys that start with `$` get one more `$`, so no JSON input can
 * collide with a tag:
 *
 * | value | becomes |
 * |---|---|
 * | a string with a lone surrogate (not valid Unicode) | `{"$utf16":"<its JSON.stringify text, with \\uXXXX escapes>"}` |
 * | `undefined` (top level, array element) | `{"$undefined":true}`; as an object property it is omitted, as JSON does |
 * | NaN, ±Infinity | `{"$number":"NaN"}`, `{"$number":"Infinity"}`, `{"$number":"-Infinity"}` |
 * | `-0` | `0` (JCS) |
 * | bigint | `{"$bigint":"<decimal>"}` |
 * | object with `toJSON` (Date, …) | the result of `toJSON()`, as JSON.stringify does |
 * | ArrayBuffer, typed array, DataView | `{"$bytes":"<base64 of its bytes>"}` |
 * | Map | `{"$map":[[key, value], …]}` in insertion order |
 * | Set | `{"$set":[value, …]}` in insertion order |
 * | function | `{"$function":"<name>"}` |
 * | symbol | `{"$symbol":"<description>"}` |
 * | a cycle (an object inside itself) | `{"$cycle":true}` |
 * | nesting deeper than 256 levels | `{"$deep":true}` |
 * | other objects (class instances, Error, …) | their own enumerable string-keyed properties |
 *
 * The mapping never throws, so an odd value cannot make the audit (and hence the call) fail.
 */
export function jsonView(value: unknown): unknown {
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number, inObject: boolean): unknown => {
    switch (typeof v) {
      case "string":
        return LONE_SURROGATE.test(v) ? { $utf16: JSON.stringify(v) } : v;
      case "boolean":
        return v;
      case "number":
        return Number.isFinite(v) ? v : { $number: String(v) };
      case "bigint":
        return { $bigint: v.toString() };
      case "undefined":
        return inObject ? undefined : { $undefined: true };
      case "function":
        return { $function: v.name };
      case "symbol":
        return { $symbol: v.description ?? "" };
    }
    if (v === null) return null;
    const obj = v as object;
    if (depth > 256) return { $deep: true };
    if (seen.has(obj)) return { $cycle: true };
    seen.add(obj);
    try {
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        let r: unknown;
        try {
          r = toJSON.call(obj, "");
        } catch {
          r = { $toJSONFailed: true };
        }
        return walk(r, depth + 1, false);
      }
      if (obj instanceof ArrayBuffer) return { $bytes: base64(new Uint8Array(obj)) };
      if (ArrayBuffer.isView(obj)) return { $bytes: base64(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength)) };
      if (Array.isArray(obj)) {
        const out: unknown[] = [];
        for (let i = 0; i < obj.length; i++) out.push(walk(obj[i], depth + 1, false));
        return out;
      }
      if (obj instanceof Map) return { $map: [...obj.entries()].map(([k, x]) => [walk(k, depth + 1, false), walk(x, depth + 1, false)]) };
      if (obj instanceof Set) return { $set: [...obj.values()].map((x) => walk(x, depth + 1, false)) };
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj)) {
        let x: unknown;
        try {
          x = (obj as Record<string, unknown>)[key];
        } catch {
          x = { $getterFailed: true };
        }
        const w = walk(x, depth + 1, true);
        // defineProperty, not assignment: an own "__proto__" key must stay a key (JSON.stringify keeps it).
        if (w !== undefined) Object.defineProperty(out, key.startsWith("$") ? `$${key}` : LONE_SURROGATE.test(key) ? `$utf16${JSON.stringify(key)}` : key, { value: w, enumerable: true, writable: true, configurable: true });
      }
      return out;
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, 0, false);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function base64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

const utf8 = new TextEncoder();

/**
 * JCS(jsonView(value)) in one pass, without building the view: the hot path of every audited
 * call. Equal to `canonicalize(jsonView(value))` for every value (tested); never throws.
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const str = (v: string) => (LONE_SURROGATE.test(v) ? `{"$utf16":${JSON.stringify(JSON.stringify(v))}}` : JSON.stringify(v));
  const walk = (v: unknown, depth: number): string | undefined => {
    switch (typeof v) {
      case "string":
        return str(v);
      case "boolean":
        return v ? "true" : "false";
      case "number":
        return Number.isFinite(v) ? JSON.stringify(v) : `{"$number":"${String(v)}"}`;
      case "bigint":
        return `{"$bigint":"${v.toString()}"}`;
      case "undefined":
        return undefined;
      case "function":
        return `{"$function":${str(v.name)}}`;
      case "symbol":
        return `{"$symbol":${str(v.description ?? "")}}`;
    }
    if (v === null) return "null";
    if (depth > 256) return '{"$deep":true}';
    const obj = v as object;
    if (seen.has(obj)) return '{"$cycle":true}';
    seen.add(obj);
    try {
      const toJSON = (obj as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        let r: unknown;
        try {
          r = toJSON.call(obj, "");
        } catch {
          return '{"$toJSONFailed":true}';
        }
        return walk(r, depth + 1) ?? '{"$undefined":true}';
      }
      if (obj instanceof ArrayBuffer) return `{"$bytes":"${base64(new Uint8Array(obj))}"}`;
      if (ArrayBuffer.isView(obj)) return `{"$bytes":"${base64(new Uint8Array(obj.buffer, obj.byteOffset, obj.byteLength))}"}`;
      const item = (x: unknown) => walk(x, depth + 1) ?? '{"$undefined":true}';
      if (Array.isArray(obj)) {
        let out = "[";
        for (let i = 0; i < obj.length; i++) out += (i > 0 ? "," : "") + item(obj[i]);
        return `${out}]`;
      }
      if (obj instanceof Map) return `{"$map":[${[...obj.entries()].map(([k, x]) => `[${item(k)},${item(x)}]`).join(",")}]}`;
      if (obj instanceof Set) return `{"$set":[${[...obj.values()].map(item).join(",")}]}`;
      const members: [string, string][] = [];
      for (const key of Object.keys(obj)) {
        let x: unknown;
        try {
          x = (obj as Record<string, unknown>)[key];
        } catch {
          x = { $getterFailed: true };
        }
        const w = walk(x, depth + 1);
        if (w !== undefined) members.push([key.startsWith("$") ? `$${key}` : LONE_SURROGATE.test(key) ? `$utf16${JSON.stringify(key)}` : key, w]);
      }
      members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      let out = "{";
      for (let i = 0; i < members.length; i++) out += `${i > 0 ? "," : ""}${JSON.stringify(members[i]![0])}:${members[i]![1]}`;
      return `${out}}`;
    } finally {
      seen.delete(obj);
    }
  };
  return walk(value, 0) ?? '{"$undefined":true}';
}

/** The canonical bytes of a value: UTF-8 of JCS(jsonView(value)). */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8.encode(canonicalJson(value));
}

/**
 * SHA-256 (hex) of canonicalBytes(value); with a key, HMAC-SHA-256 instead. Unkeyed digests of
 * low-entropy values ("yes", a 4-digit PIN) can be found by guessing: set a key (and keep it
 * apart from the trail) when arguments may hold such secrets. Whoever holds the raw value and the
 * key can prove it is the one audited.
 */
export function valueDigest(value: unknown, key?: Uint8Array, hashHex?: HexHash): string {
  const text = canonicalJson(value); // always well-formed Unicode: lone surrogates are escaped
  if (key) return toHex(hmac(sha256, key, utf8.encode(text)));
  return hashHex ? hashHex(text) : toHex(sha256(utf8.encode(text)));
}

/** SHA-256 to lower-case hex of bytes, or of a string's UTF-8 (native hashes take strings directly). */
export type HexHash = (data: Uint8Array | string) => string;

// ---- entries ----

export interface EntryOptions {
  /** Key for HMAC value digests (see valueDigest). */
  readonly valueKey?: Uint8Array;
  /** SHA-256 to hex, for the digests (default @noble/hashes; the Node store passes node:crypto). */
  readonly sha256Hex?: HexHash;
}

/** Optional fields a host may add to a CallRecord for byte-exact replay (not yet in core). */
export interface ReplayHints {
  readonly engineInstance?: string;
  readonly requestSeq?: readonly number[];
  readonly answers?: readonly Uint8Array[];
}

const finite = (n: number) => (Number.isFinite(n) ? n : 0);
/** A raw result is recorded only for calls that succeeded and whose output was redacted. */
const hasRawResult = (record: CallRecord) => record.error === null && Object.hasOwn(record, "rawResult");
const nobleHex: HexHash = (d) => toHex(sha256(typeof d === "string" ? utf8.encode(d) : d));

/**
 * Builds the entry for one call record. Raw args and result are only hashed. Fields are
 * normalised so that every entry verifies: non-finite times and durations become 0, a missing
 * tenant or rule becomes null.
 */
export function entryFromRecord(record: CallRecord & ReplayHints, seq: number, options: EntryOptions = {}): AuditEntry {
  const h = options.sha256Hex ?? nobleHex;
  const entry: AuditEntry = {
    ...(record.answers ? { answers: record.answers.map((a) => h(a)) } : {}),
    argsSha256: valueDigest(record.args, options.valueKey, h),
    callId: String(record.callId),
    durationMs: finite(record.durationMs),
    engineDigest: String(record.engineDigest),
    error: record.error?.code ?? null,
    ...(record.engineInstance !== undefined ? { instance: String(record.engineInstance) } : {}),
    outcome: record.outcome,
    policyDigest: String(record.policyDigest),
    ...(hasRawResult(record) ? { rawResultSha256: valueDigest(record.rawResult, options.valueKey, h) } : {}),
    redactions: { input: finite(record.redactions.input), output: finite(record.redactions.output) },
    ...(record.requestSeq ? { requestSeq: record.requestSeq.map(finite) } : {}),
    requests: record.requests.map((r) => h(r)),
    resultSha256: record.error === null ? valueDigest(record.result, options.valueKey, h) : null,
    seq,
    tenant: record.tenant ?? null,
    time: finite(record.time),
    tool: String(record.tool),
    v: ENTRY_VERSION,
    violations: record.violations.map((v) => ({ action: v.action, rule: v.rule ?? null, type: v.type })),
  };
  return entry;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const q = (s: string) => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
const qn = (s: string | null) => (s === null ? "null" : q(s));
const num = (n: number) => String(finite(n));

/**
 * entryJson(entryFromRecord(record, seq, options)), written straight from the record: the
 * writer's hot path (no intermediate object). Equal for every record (tested).
 */
export function entryText(record: CallRecord & ReplayHints, seq: number, options: EntryOptions = {}): string {
  const h = options.sha256Hex ?? nobleHex;
  const key = options.valueKey;
  let out = "{";
  if (record.answers) out += `"answers":[${record.answers.map((a) => `"${h(a)}"`).join(",")}],`;
  out += `"argsSha256":"${valueDigest(record.args, key, h)}","callId":${q(String(record.callId))},"durationMs":${num(record.durationMs)},"engineDigest":${q(String(record.engineDigest))},"error":${qn(record.error?.code ?? null)},`;
  if (record.engineInstance !== undefined) out += `"instance":${q(String(record.engineInstance))},`;
  out += `"outcome":${q(record.outcome)},"policyDigest":${q(String(record.policyDigest))},`;
  if (hasRawResult(record)) out += `"rawResultSha256":"${valueDigest(record.rawResult, key, h)}",`;
  out += `"redactions":{"input":${num(record.redactions.input)},"output":${num(record.redactions.output)}},`;
  if (record.requestSeq) out += `"requestSeq":[${record.requestSeq.map(num).join(",")}],`;
  out += `"requests":[${record.requests.map((r) => `"${h(r)}"`).join(",")}],"resultSha256":${record.error === null ? `"${valueDigest(record.result, key, h)}"` : "null"},"seq":${num(seq)},"tenant":${qn(record.tenant ?? null)},"time":${num(record.time)},"tool":${q(String(record.tool))},"v":${ENTRY_VERSION},"violations":[`;
  const vs = record.violations;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    out += `${i > 0 ? "," : ""}{"action":${q(v.action)},"rule":${qn(v.rule ?? null)},"type":${q(v.type)}}`;
  }
  return `${out}]}`;
}

const KEY_ORDER = ["answers", "argsSha256", "callId", "durationMs", "engineDigest", "error", "instance", "outcome", "policyDigest", "rawResultSha256", "redactions", "requestSeq", "requests", "resultSha256", "seq", "tenant", "time", "tool", "v", "violations"] as const;
const KEY_SET: ReadonlySet<string> = new Set(KEY_ORDER);

/**
 * JCS of an entry, fast: the keys are known, so they are written in sorted order and
 * JSON.stringify (whose string and number forms are the ones RFC 8785 prescribes) does the rest.
 * Equal to canonicalize(entry) for every entry (tested); anything unexpected falls back to it.
 */
export function entryJson(entry: AuditEntry): string {
  const e = entry as unknown as Record<string, unknown>;
  for (const k in e) if (!KEY_SET.has(k)) return canonicalize(entry) ?? "";
  const r = entry.redactions;
  let rk = 0;
  for (const _ in r) rk++;
  if (rk !== 2) return canonicalize(entry) ?? "";
  let out = "{";
  const s = JSON.stringify;
  if (entry.answers !== undefined) out += `"answers":${s(entry.answers)},`;
  out += `"argsSha256":${s(entry.argsSha256)},"callId":${s(entry.callId)},"durationMs":${s(entry.durationMs)},"engineDigest":${s(entry.engineDigest)},"error":${s(entry.error)},`;
  if (entry.instance !== undefined) out += `"instance":${s(entry.instance)},`;
  out += `"outcome":${s(entry.outcome)},"policyDigest":${s(entry.policyDigest)},`;
  if (entry.rawResultSha256 !== undefined) out += `"rawResultSha256":${s(entry.rawResultSha256)},`;
  out += `"redactions":{"input":${s(r.input)},"output":${s(r.output)}},`;
  if (entry.requestSeq !== undefined) out += `"requestSeq":${s(entry.requestSeq)},`;
  out += `"requests":${s(entry.requests)},"resultSha256":${s(entry.resultSha256)},"seq":${s(entry.seq)},"tenant":${s(entry.tenant)},"time":${s(entry.time)},"tool":${s(entry.tool)},"v":${s(entry.v)},"violations":[`;
  const vs = entry.violations;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    let n = 0;
    for (const _ in v) n++;
    if (n !== 3 || v.action === undefined || v.rule === undefined || v.type === undefined) return canonicalize(entry) ?? "";
    out += `${i > 0 ? "," : ""}{"action":${s(v.action)},"rule":${s(v.rule)},"type":${s(v.type)}}`;
  }
  return `${out}]}`;
}

/** JCS of any JSON value (re-exported so other modules need not import canonicalize). */
export function jcs(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError("value has no JSON form");
  return s;
}

const OUTCOMES = new Set(["allowed", "blocked", "logged", "redacted", "error", "fail_open"]);
const HEX64 = /^[0-9a-f]{64}$/;

/** Structural check of a parsed entry; returns the problem, or null if it is well-formed. */
export function entryProblem(x: unknown): string | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "entry is not an object";
  const e = x as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!(KEY_ORDER as readonly string[]).includes(k)) return `unknown key ${JSON.stringify(k)}`;
  if (e.v !== ENTRY_VERSION) return `unsupported entry version ${String(e.v)}`;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) return "seq is not a non-negative integer";
  if (typeof e.time !== "number") return "time is not a number";
  if (typeof e.durationMs !== "number") return "durationMs is not a number";
  for (const k of ["callId", "tool", "policyDigest", "engineDigest", "argsSha256"]) if (typeof e[k] !== "string") return `${k} is not a string`;
  if (!HEX64.test(e.argsSha256 as string)) return "argsSha256 is not a SHA-256";
  if (e.resultSha256 !== null && !(typeof e.resultSha256 === "string" && HEX64.test(e.resultSha256))) return "resultSha256 is not a SHA-256 or null";
  if (e.rawResultSha256 !== undefined && !(typeof e.rawResultSha256 === "string" && HEX64.test(e.rawResultSha256) && e.resultSha256 !== null)) return "rawResultSha256 is not a SHA-256 (or there is no result)";
  if (e.tenant !== null && typeof e.tenant !== "string") return "tenant is not a string or null";
  if (e.error !== null && typeof e.error !== "string") return "error is not a string or null";
  if (typeof e.outcome !== "string" || !OUTCOMES.has(e.outcome)) return "outcome is not a known outcome";
  if (!Array.isArray(e.violations)) return "violations is not a list";
  if (!Array.isArray(e.requests) || !e.requests.every((r) => typeof r === "string" && HEX64.test(r))) return "requests is not a list of SHA-256";
  for (const v of e.violations as unknown[]) {
    const x = v as Record<string, unknown> | null;
    if (typeof x !== "object" || x === null || Object.keys(x).length !== 3 || typeof x.type !== "string" || typeof x.action !== "string" || (x.rule !== null && typeof x.rule !== "string")) return "violations are malformed";
  }
  if (e.answers !== undefined && !(Array.isArray(e.answers) && e.answers.every((r) => typeof r === "string" && HEX64.test(r)))) return "answers is not a list of SHA-256";
  if (e.requestSeq !== undefined && !(Array.isArray(e.requestSeq) && e.requestSeq.every((n) => Number.isSafeInteger(n)))) return "requestSeq is not a list of integers";
  if (e.instance !== undefined && typeof e.instance !== "string") return "instance is not a string";
  const r = e.redactions as Record<string, unknown> | null;
  if (typeof r !== "object" || r === null || Object.keys(r).length !== 2 || typeof r.input !== "number" || typeof r.output !== "number") return "redactions is malformed";
  return null;
}

// ---- control entries ----

/** What a fresh engine forgets at a reload (the kill switch is carried over). */
export const RELOAD_RESETS = ["open_calls", "rate_windows", "spend"] as const;

/**
 * A kill-switch toggle or a policy reload: a leaf of the tree like a call entry, told apart by its
 * `control` key. Calls are one entry each; control entries come in between, where they happened.
 */
export interface ControlEntry {
  /** SHA-256 (hex) of each engine answer (the kill-switch request's). */
  readonly answers: readonly string[];
  readonly control: "kill_switch" | "reload";
  /** SHA-256 (hex) of the engine wasm of the engine the event applies to. */
  readonly engineDigest: string;
  /** Reload only: the policy and engine instance that were replaced. */
  readonly from?: { readonly instance: string; readonly policyDigest: string };
  /** The engine instance the event applies to (after a reload: the new one). */
  readonly instance: string;
  /** The kill switch once the event took effect (a reload carries an engaged one over). */
  readonly killSwitch: boolean;
  /** SHA-256 (hex) of the policy bundle in force after the event. */
  readonly policyDigest: string;
  /** The operator's note, or null. */
  readonly reason: string | null;
  /** The engine's evaluation counter for each request. */
  readonly requestSeq: readonly number[];
  /** SHA-256 (hex) of each engine request the event made (kill switch: one; reload: one if the kill switch is carried, else none). */
  readonly requests: readonly string[];
  /** Reload only: the engine state that started empty. */
  readonly reset?: readonly (typeof RELOAD_RESETS)[number][];
  readonly seq: number;
  readonly tenant: string | null;
  readonly time: number;
  readonly v: number;
}

/** Any leaf of the trail. */
export type TrailEntry = AuditEntry | ControlEntry;

export function isControlEntry(e: TrailEntry): e is ControlEntry {
  return (e as ControlEntry).control !== undefined;
}

/** The control entry for one control record. Normalised like entryFromRecord. */
export function controlEntryFromRecord(record: ControlRecord, seq: number, options: EntryOptions = {}): ControlEntry {
  const h = options.sha256Hex ?? nobleHex;
  return {
    answers: record.answers.map((a) => h(a)),
    control: record.kind,
    engineDigest: String(record.engineDigest),
    ...(record.kind === "reload" ? { from: { instance: String(record.previous.engineInstance), policyDigest: String(record.previous.policyDigest) } } : {}),
    instance: String(record.engineInstance),
    killSwitch: record.killSwitch === true,
    policyDigest: String(record.policyDigest),
    reason: typeof record.reason === "string" ? record.reason : null,
    requestSeq: record.requestSeq.map(finite),
    requests: record.requests.map((r) => h(r)),
    ...(record.kind === "reload" ? { reset: [...RELOAD_RESETS] } : {}),
    seq,
    tenant: record.tenant ?? null,
    time: finite(record.time),
    v: CONTROL_ENTRY_VERSION,
  };
}

/** JCS of a control entry (rare, so the generic canonicalisation is fast enough). */
export function controlEntryJson(entry: ControlEntry): string {
  return jcs(entry);
}

const CONTROL_KEYS: ReadonlySet<string> = new Set(["answers", "control", "engineDigest", "from", "instance", "killSwitch", "policyDigest", "reason", "requestSeq", "requests", "reset", "seq", "tenant", "time", "v"]);

/** Structural check of a parsed control entry; returns the problem, or null if it is well-formed. */
export function controlEntryProblem(x: unknown): string | null {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return "entry is not an object";
  const e = x as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!CONTROL_KEYS.has(k)) return `unknown key ${JSON.stringify(k)} in a control entry`;
  if (e.v !== CONTROL_ENTRY_VERSION) return `unsupported control entry version ${String(e.v)}`;
  if (e.control !== "kill_switch" && e.control !== "reload") return `unknown control ${JSON.stringify(e.control)}`;
  if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 0) return "seq is not a non-negative integer";
  if (typeof e.time !== "number") return "time is not a number";
  for (const k of ["engineDigest", "policyDigest", "instance"]) if (typeof e[k] !== "string") return `${k} is not a string`;
  if (typeof e.killSwitch !== "boolean") return "killSwitch is not a boolean";
  if (e.tenant !== null && typeof e.tenant !== "string") return "tenant is not a string or null";
  if (e.reason !== null && typeof e.reason !== "string") return "reason is not a string or null";
  const hashes = (v: unknown) => Array.isArray(v) && v.every((r) => typeof r === "string" && HEX64.test(r));
  if (!hashes(e.requests)) return "requests is not a list of SHA-256";
  if (!hashes(e.answers) || (e.answers as unknown[]).length !== (e.requests as unknown[]).length) return "answers is not a list of SHA-256, one per request";
  if (!(Array.isArray(e.requestSeq) && e.requestSeq.length === (e.requests as unknown[]).length && e.requestSeq.every((n) => Number.isSafeInteger(n)))) return "requestSeq is not a list of integers, one per request";
  if (e.control === "kill_switch") {
    if (e.from !== undefined || e.reset !== undefined) return "a kill-switch entry has reload fields";
    if ((e.requests as unknown[]).length !== 1) return "a kill-switch entry has one request";
  } else {
    const f = e.from as Record<string, unknown> | undefined;
    if (typeof f !== "object" || f === null || Object.keys(f).length !== 2 || typeof f.instance !== "string" || typeof f.policyDigest !== "string") return "from is malformed";
    if (!Array.isArray(e.reset) || e.reset.join(",") !== RELOAD_RESETS.join(",")) return "reset is not the list of what a reload resets";
    if ((e.requests as unknown[]).length !== (e.killSwitch ? 1 : 0)) return "a reload entry has one request when it carries the kill switch over, else none";
  }
  return null;
}
