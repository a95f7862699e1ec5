/**
 * The byte ABI between TypeScript and the wasm engine (docs/ENGINE.md has the tables).
 * Requests are little-endian binary written into a reusable buffer; answers are integers only.
 */
import { BadRequestError } from "../core/errors.js";

export const OP_PRE_CALL = 1;
export const OP_POST_CALL = 2;
export const OP_KILL_SWITCH = 3;
export const OP_RESET_STATE = 4;

export const VT_STRING = 0;
export const VT_NUMBER = 1;
export const VT_BOOL = 2;
export const VT_NULL = 3;

/** Violation types, in the engine's numbering (index = code). */
export const VIOLATION_TYPES = [
  "",
  "tool_denied",
  "tool_not_allowed",
  "domain_denied",
  "content_violation",
  "rate_limit",
  "cost_limit",
  "input_size",
  "output_size",
  "argument_violation",
  "kill_switch",
  "call_depth",
  "invalid_tool_name",
  "too_many_violations",
  "pii",
] as const;
export type ViolationType = Exclude<(typeof VIOLATION_TYPES)[number], "">;

export const ACTIONS = ["block", "log", "redact"] as const;
export type ViolationAction = (typeof ACTIONS)[number];

/** `allow`: no violation. `allow_logged`: violations whose action is log only; the call runs.
 *  `redact`: the call runs after the reported spans are redacted. `deny`: the call must not run. */
export const DECISIONS = ["allow", "deny", "allow_logged", "redact"] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/** Which constraint of an argument rule failed (the engine's detail code). */
export const ARGUMENT_CHECKS = [
  "",
  "allowed_values",
  "denied_values",
  "pattern",
  "denied_pattern",
  "min",
  "max",
  "max_length",
  "required",
  "type",
] as const;

/** One violation exactly as the engine reports it: integers, before any naming. */
export interface RawViolation {
  readonly type: number;
  readonly action: number;
  readonly rule: number;
  readonly value: number;
  readonly start: number;
  readonly end: number;
  readonly detail: number;
}

export interface RawAnswer {
  readonly decision: number;
  readonly violations: readonly RawViolation[];
  readonly openCalls: number;
  readonly costSpentMicros: bigint;
  readonly killSwitch: boolean;
}

export function decodeAnswer(mem: DataView, ptr: number, len: number): RawAnswer {
  const decision = mem.getUint32(ptr, true);
  const n = mem.getUint32(ptr + 4, true);
  if (decision > 3 || len !== 8 + n * 28 + 16) throw new RangeError(`engine answer malformed (decision ${decision}, ${n} violations, ${len} bytes)`);
  const violations: RawViolation[] = [];
  for (let i = 0, p = ptr + 8; i < n; i++, p += 28) {
    violations.push({
      type: mem.getUint32(p, true),
      action: mem.getUint32(p + 4, true),
      rule: mem.getInt32(p + 8, true),
      value: mem.getInt32(p + 12, true),
      start: mem.getInt32(p + 16, true),
      end: mem.getInt32(p + 20, true),
      detail: mem.getInt32(p + 24, true),
    });
  }
  const t = ptr + 8 + n * 28;
  return {
    decision,
    violations,
    openCalls: mem.getUint32(t, true),
    costSpentMicros: mem.getBigInt64(t + 4, true),
    killSwitch: mem.getUint32(t + 12, true) === 1,
  };
}

/** A scalar found in the arguments (or output), with the key path that leads to it. */
export interface FlatValue {
  readonly path: readonly (string | number)[];
  readonly value: string | number | boolean | null;
}

/** Called for every scalar; may return the UTF-8 byte length of a string value it encoded. */
export type ValueVisitor = (path: readonly (string | number)[], value: string | number | boolean | null) => number | undefined;

const MAX_DEPTH = 64;
const MAX_VALUES = 100_000;

/**
 * Visits every scalar of the arguments with its key path, in a deterministic order (JS property
 * order, which the language specifies). `path` is reused between calls: copy it to keep it.
 * Functions and symbols carry no data and are skipped; cycles, nesting deeper than 64 or more
 * than 100,000 values are refused (the call is then blocked, never waved through).
 * Returns the payload size: UTF-8 bytes of every key and scalar (numbers as their JS text). A
 * visitor that has just UTF-8 encoded a string value returns its byte length, so long strings are
 * not measured twice (a JS loop over a 1 MB string costs milliseconds; the encoder knows for free).
 * Recursion is bounded by MAX_DEPTH, so it cannot depend on the host's stack size.
 */
export function visitValues(root: unknown, onValue: ValueVisitor): number {
  const path: (string | number)[] = [];
  const seen = new Set<object>();
  let bytes = 0;
  let count = 0;
  const where = () => path.join(".") || "<root>";
  const emit = (value: string | number | boolean | null): number | undefined => {
    if (++count > MAX_VALUES) throw new BadRequestError(`arguments hold more than ${MAX_VALUES} values`);
    return onValue(path, value);
  };
  const walk = (value: unknown): void => {
    switch (typeof value) {
      case "string": {
        const encoded = emit(value);
        bytes += encoded ?? utf8Length(value);
        return;
      }
      case "number":
        bytes += String(value).length;
        emit(value);
        return;
      case "boolean":
        bytes += value ? 4 : 5;
        emit(value);
        return;
      case "bigint": {
        const s = String(value);
        bytes += s.length;
        emit(s);
        return;
      }
      case "undefined":
        emit(null);
        return;
      case "function":
      case "symbol":
        return;
    }
    if (value === null) {
      emit(null);
      return;
    }
    if (value instanceof Date) {
      const s = dateText(value);
      bytes += s.length;
      emit(s);
      return;
    }
    if (value instanceof Uint8Array) throw new BadRequestError(`binary argument at ${where()}: pass text or base64`);
    const obj = value as object;
    if (seen.has(obj)) throw new BadRequestError(`arguments contain a cycle at ${where()}`);
    if (path.length >= MAX_DEPTH) throw new BadRequestError(`arguments nest deeper than ${MAX_DEPTH} levels`);
    seen.add(obj);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        walk(value[i]);
        path.pop();
      }
    } else {
      const entries: Iterable<[unknown, unknown]> = value instanceof Map ? value.entries() : Object.entries(obj);
      for (const [k, v] of entries) {
        const key = String(k);
        bytes += utf8Length(key);
        path.push(key);
        walk(v);
        path.pop();
      }
    }
    seen.delete(obj);
  };
  walk(root);
  return bytes;
}

/** The text a Date is sent as (and redacted in): its ISO form, or "Invalid Date". */
export function dateText(d: Date): string {
  return Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString();
}

/** The scalars with their paths, as a list (for naming the values a violation points at). */
export function flatten(root: unknown): { values: FlatValue[]; bytes: number } {
  const values: FlatValue[] = [];
  const bytes = visitValues(root, (path, value) => {
    values.push({ path: path.slice(), value });
    return undefined;
  });
  return { values, bytes };
}

/** The scalars with their paths, without measuring them (naming the values of violations). */
export function flattenValues(root: unknown): FlatValue[] {
  const values: FlatValue[] = [];
  // Strings are reported as "already measured" (0 bytes): the size is not wanted here.
  visitValues(root, (path, value) => {
    values.push({ path: path.slice(), value });
    return 0;
  });
  return values;
}

const encoder = new TextEncoder();

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

/** A growable little-endian writer; one instance is reused for every request of an engine. */
export class ByteWriter {
  private buf = new Uint8Array(4096);
  private view = new DataView(this.buf.buffer);
  length = 0;

  reset(): this {
    this.length = 0;
    return this;
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this { this.reserve(1); this.view.setUint8(this.length, v); this.length += 1; return this; }
  u32(v: number): this { this.reserve(4); this.view.setUint32(this.length, v >>> 0, true); this.length += 4; return this; }
  /** Overwrites a u32 written earlier (a count or size known only after the items). */
  patchU32(at: number, v: number): this { this.view.setUint32(at, v >>> 0, true); return this; }
  i32(v: number): this { this.reserve(4); this.view.setInt32(this.length, v, true); this.length += 4; return this; }
  i64(v: bigint): this { this.reserve(8); this.view.setBigInt64(this.length, v, true); this.length += 8; return this; }
  f64(v: number): this { this.reserve(8); this.view.setFloat64(this.length, v, true); this.length += 8; return this; }
  bytes(b: Uint8Array): this { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; return this; }

  /** `u32 byteLength` followed by the UTF-8 bytes. */
  str(s: string): this {
    this.strBytes(s);
    return this;
  }

  /** Like `str`; returns the UTF-8 byte length written. */
  strBytes(s: string): number {
    this.reserve(4 + s.length * 3);
    const at = this.length;
    this.length += 4;
    const { written } = encoder.encodeInto(s, this.buf.subarray(this.length));
    this.view.setUint32(at, written, true);
    this.length += written;
    return written;
  }

  value(v: string | number | boolean | null): this {
    if (typeof v === "string") return this.u8(VT_STRING).str(v);
    if (typeof v === "number") return this.u8(VT_NUMBER).f64(v);
    if (typeof v === "boolean") return this.u8(VT_BOOL).u8(v ? 1 : 0);
    return this.u8(VT_NULL);
  }

  path(path: readonly (string | number | null)[]): this {
    this.u32(path.length);
    for (const seg of path) {
      if (seg === null) this.u32(0xffffffff);
      else this.str(String(seg));
    }
    return this;
  }

  values(values: readonly FlatValue[]): this {
    this.u32(values.length);
    for (const v of values) this.path(v.path).value(v.value);
    return this;
  }

  /**
   * `u32 size` (at `sizeAt`, patched) … `u32 n, (path, value) × n` written straight from the
   * arguments, without building an intermediate list: the hot path of every call.
   */
  payload(root: unknown, sizeAt: number): this {
    const countAt = this.length;
    this.u32(0);
    let n = 0;
    const size = visitValues(root, (path, value) => {
      n++;
      this.path(path);
      if (typeof value !== "string") {
        this.value(value);
        return undefined;
      }
      return this.u8(VT_STRING).strBytes(value);
    });
    return this.patchU32(countAt, n).patchU32(sizeAt, size);
  }

  view8(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  copy(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** USD (a float in policies and APIs) to integer micro-dollars, the engine's unit. */
export function usdToMicros(usd: number): bigint {
  if (!Number.isFinite(usd) || usd < 0) throw new BadRequestError(`cost must be a finite, non-negative number of USD, got ${usd}`);
  return BigInt(Math.round(usd * 1e6));
}
