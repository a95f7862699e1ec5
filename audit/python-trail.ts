/**
 * Reads and verifies audit trails written by the Python original (EnforceCore's Auditor JSONL):
 * one 16-key entry per line, chained by `previous_hash`, each sealed with
 *
 *   entry_hash = SHA-256(UTF-8(json.dumps(fields except entry_hash, sort_keys=True, separators=(",", ":"))))
 *
 * Reproducing that hash means reproducing Python's json.dumps byte for byte: floats in `repr`
 * form (`12.0`, `1e-05`, `1e+16`), every character outside ASCII space..tilde escaped as
 * `\uXXXX` (ensure_ascii), keys sorted by code point. Numbers are therefore read as their literal
 * text, never through a JS number (which would forget that `12.0` was a float).
 *
 * Stricter than the original's verify_trail: it also reports keys added to a line (which the
 * original ignores) and missing keys. It cannot see a cut-off tail (nothing in the format
 * records the length); compare with the original's witness file for that.
 */
import { EnforceCoreError } from "../core/errors.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { AuditError, readLines, type TrailIO } from "./io.js";
import { toHex } from "./merkle.js";

/** The Python AuditEntry keys, in declaration order (the 16th, entry_hash, is not hashed). */
export const PYTHON_ENTRY_KEYS = [
  "entry_id",
  "call_id",
  "timestamp",
  "tool_name",
  "policy_name",
  "policy_version",
  "tenant_id",
  "decision",
  "violation_type",
  "violation_reason",
  "overhead_ms",
  "call_duration_ms",
  "input_redactions",
  "output_redactions",
  "previous_hash",
  "entry_hash",
] as const;

// ---- a JSON value model that keeps number literals ----

/** A number as written: Python reads integer literals as int and the rest as float. */
export interface PyNumber {
  readonly kind: "number";
  readonly raw: string;
}

export type PyValue = null | boolean | string | PyNumber | PyValue[] | Map<string, PyValue>;

export class PythonJsonError extends EnforceCoreError {
  constructor(message: string) {
    super("audit_invalid", message);
  }
}

/** json.loads, keeping number literals (and accepting Python's NaN / Infinity / -Infinity). */
export function parsePythonJson(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const fail = (what: string): never => {
    throw new PythonJsonError(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > 500) fail("nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const m = new Map<string, PyValue>();
      ws();
      if (text[i] === "}") {
        i++;
        return m;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a key");
        const k = string();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        m.set(k, value(depth + 1)); // the last duplicate wins, as in Python
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] === "}") return m;
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: PyValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] === "]") return a;
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const [lit, v] of [
      ["null", null],
      ["true", true],
      ["false", false],
    ] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    for (const lit of ["NaN", "Infinity", "-Infinity"]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return { kind: "number", raw: lit };
      }
    }
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === "" || m[0] === "-") fail("unexpected character");
    i += m![0].length;
    return { kind: "number", raw: m![0] };
  };
  const string = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail("unterminated string");
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail("control character in a string");
      if (c !== 0x5c) {
        out += text[i++];
        continue;
      }
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"':
        case "\\":
        case "/":
          out += e;
          break;
        case "b":
          out += "\b";
          break;
        case "f":
          out += "\f";
          break;
        case "n":
          out += "\n";
          break;
        case "r":
          out += "\r";
          break;
        case "t":
          out += "\t";
          break;
        case "u": {
          const h = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("bad \\u escape");
          out += String.fromCharCode(Number.parseInt(h, 16));
          i += 4;
          break;
        }
        default:
          fail("bad escape");
      }
    }
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

// ---- json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=True) ----

/** Python's repr(float): shortest round-trip digits, fixed notation for 1e-4 ≤ |x| < 1e16, else `1e+16` style. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "Infinity";
  if (x === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, e] = Math.abs(x).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(e);
  const decpt = exp + 1;
  if (decpt > 16 || decpt <= -4) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** A JSON string literal as Python writes it with ensure_ascii=True. */
export function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

function codePointCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function dumpNumber(raw: string): string {
  if (/^-?(0|[1-9][0-9]*)$/.test(raw)) return BigInt(raw).toString(); // int: "-0" becomes "0"
  return pythonFloatRepr(Number(raw));
}

/** json.dumps(value, sort_keys=True, separators=(",", ":")) with Python's defaults otherwise. */
export function pythonJsonDumps(v: PyValue): string {
  if (v === null) return "null";
  if (v === true) return "true";
  if (v === false) return "false";
  if (typeof v === "string") return pythonJsonString(v);
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(",")}]`;
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(codePointCompare);
    return `{${keys.map((k) => `${pythonJsonString(k)}:${pythonJsonDumps(v.get(k)!)}`).join(",")}}`;
  }
  return dumpNumber(v.raw);
}

/** The entry_hash the original computes for an entry (all fields but entry_hash). */
export function pythonEntryHash(entry: Map<string, PyValue>): string {
  const fields = new Map([...entry].filter(([k]) => k !== "entry_hash" && (PYTHON_ENTRY_KEYS as readonly string[]).includes(k)));
  return toHex(sha256(new TextEncoder().encode(pythonJsonDumps(fields))));
}

/**
 * The original AuditStore's "merkle_hash" (a linear chain): SHA-256 of json.dumps with *default*
 * separators over entry_id, timestamp, policy_name, tool_name, decision, violation_type and
 * parent_hash (64 zeros for the first entry). Provided to check AuditStore exports.
 */
export function pythonAuditStoreHash(e: { entry_id: string; timestamp: string; policy_name: string; tool_name: string; decision: string; violation_type: string | null; parent_hash: string | null }): string {
  const m = new Map<string, PyValue>([
    ["entry_id", e.entry_id],
    ["timestamp", e.timestamp],
    ["policy_name", e.policy_name],
    ["tool_name", e.tool_name],
    ["decision", e.decision],
    ["violation_type", e.violation_type],
    ["parent_hash", e.parent_hash ?? "0".repeat(64)],
  ]);
  const keys = [...m.keys()].sort(codePointCompare);
  const text = `{${keys.map((k) => `${pythonJsonString(k)}: ${pythonJsonDumps(m.get(k)!)}`).join(", ")}}`;
  return toHex(sha256(new TextEncoder().encode(text)));
}

// ---- verification ----

export interface PythonTrailProblem {
  /** 0-based entry index (non-empty lines), and 1-based line number. */
  readonly index: number;
  readonly line: number;
  readonly kind: "invalid_json" | "missing_keys" | "extra_keys" | "hash_mismatch" | "chain_broken";
  readonly message: string;
}

export interface PythonTrailResult {
  readonly ok: boolean;
  readonly entries: number;
  /** The first entry's hash and the last one's (the original calls them root and head). */
  readonly rootHash: string | null;
  readonly headHash: string | null;
  readonly firstBadIndex: number | null;
  /** Every problem found (the scan continues past problems, as the original's does). */
  readonly problems: readonly PythonTrailProblem[];
}

/**
 * Verifies a Python trail: each line's entry_hash, and each previous_hash against the previous
 * line's stored hash. Streams the file. A missing file is an error; an empty one is valid.
 */
export function verifyPythonTrail(path: string, options: { readonly io: TrailIO; readonly maxProblems?: number }): PythonTrailResult {
  const io = options.io;
  if (io.size(path) === null) throw new AuditError("audit_invalid", `no trail at ${path}`);
  const max = options.maxProblems ?? 100;
  const dec = new TextDecoder("utf-8", { fatal: true });
  const problems: PythonTrailProblem[] = [];
  let index = 0;
  let lineNo = 0;
  let prevStored = "";
  let rootHash: string | null = null;
  let headHash: string | null = null;
  const add = (p: PythonTrailProblem) => {
    if (problems.length < max) problems.push(p);
  };
  for (const raw of readLines(io, path)) {
    lineNo++;
    let text: string;
    try {
      text = dec.decode(raw.bytes);
    } catch {
      add({ index, line: lineNo, kind: "invalid_json", message: `line ${lineNo}: not UTF-8` });
      index++;
      continue;
    }
    if (text.trim() === "") continue;
    let v: PyValue;
    try {
      v = parsePythonJson(text.trim());
      if (!(v instanceof Map)) throw new PythonJsonError("not an object");
    } catch (e) {
      // As in the original, the chain head does not advance past an unreadable line.
      add({ index, line: lineNo, kind: "invalid_json", message: `line ${lineNo}: invalid JSON (${(e as Error).message})` });
      index++;
      continue;
    }
    const entry = v as Map<string, PyValue>;
    const missing = PYTHON_ENTRY_KEYS.filter((k) => !entry.has(k));
    const extra = [...entry.keys()].filter((k) => !(PYTHON_ENTRY_KEYS as readonly string[]).includes(k));
    if (missing.length > 0) add({ index, line: lineNo, kind: "missing_keys", message: `entry ${index}: missing ${missing.join(", ")}` });
    if (extra.length > 0) add({ index, line: lineNo, kind: "extra_keys", message: `entry ${index}: unhashed keys ${extra.join(", ")} (not covered by entry_hash)` });
    const stored = entry.get("entry_hash");
    const storedHash = typeof stored === "string" ? stored : "";
    const computed = pythonEntryHash(entry);
    if (computed !== storedHash) add({ index, line: lineNo, kind: "hash_mismatch", message: `entry ${index}: hash mismatch (stored ${storedHash.slice(0, 16)}…, computed ${computed.slice(0, 16)}…)` });
    const prev = entry.get("previous_hash");
    if (prev !== prevStored) add({ index, line: lineNo, kind: "chain_broken", message: `entry ${index}: chain broken (previous_hash does not match entry ${index - 1})` });
    rootHash ??= storedHash;
    headHash = storedHash;
    prevStored = storedHash;
    index++;
  }
  return { ok: problems.length === 0, entries: index, rootHash, headHash, firstBadIndex: problems[0]?.index ?? null, problems };
}

/** The entries of a Python trail as plain objects (numbers as JS numbers), in order. */
export function* readPythonTrail(path: string, options: { readonly io: TrailIO }): Generator<Record<string, unknown>> {
  const toJs = (v: PyValue): unknown => (v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, toJs(x)])) : Array.isArray(v) ? v.map(toJs) : v !== null && typeof v === "object" ? Number(v.raw) : v);
  const dec = new TextDecoder("utf-8", { fatal: true });
  for (const raw of readLines(options.io, path)) {
    const text = dec.decode(raw.bytes).trim();
    if (text !== "") yield toJs(parsePythonJson(text)) as Record<string, unknown>;
  }
}
