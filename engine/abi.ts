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

/** An answer's fixed parts, checked against its length; its violations are read separately. */
export interface AnswerHead {
  readonly decision: number;
  /** How many violations follow the head (28 bytes each, from `ptr + 8`). */
  readonly count: number;
  readonly openCalls: number;
  readonly costSpentMicros: bigint;
  readonly killSwitch: boolean;
}

/** Bytes of one violation in an answer, and where its `value` field is. */
export const VIOLATION_BYTES = 28;
export const VIOLATION_VALUE_AT = 12;

export function decodeAnswerHead(mem: DataView, ptr: number, len: number): AnswerHead {
  const decision = mem.getUint32(ptr, true);
  const n = mem.getUint32(ptr + 4, true);
  if (decision > 3 || len !== 8 + n * VIOLATION_BYTES + 16) throw new RangeError(`engine answer malformed (decision ${decision}, ${n} violations, ${len} bytes)`);
  const t = ptr + 8 + n * VIOLATION_BYTES;
  return {
    decision,
    count: n,
    openCalls: mem.getUint32(t, true),
    costSpentMicros: spentMicros(mem.getUint32(t + 4, true), mem.getInt32(t + 8, true)),
    killSwitch: mem.getUint32(t + 12, true) === 1,
  };
}

/** Reads violation `i` of the answer at `ptr` into `into` (one object reused for a whole answer). */
export function readViolation(mem: DataView, ptr: number, i: number, into: { -readonly [K in keyof RawViolation]: RawViolation[K] }): void {
  const p = ptr + 8 + i * VIOLATION_BYTES;
  into.type = mem.getUint32(p, true);
  into.action = mem.getUint32(p + 4, true);
  into.rule = mem.getInt32(p + 8, true);
  into.value = mem.getInt32(p + 12, true);
  into.start = mem.getInt32(p + 16, true);
  into.end = mem.getInt32(p + 20, true);
  into.detail = mem.getInt32(p + 24, true);
}

export function decodeAnswer(mem: DataView, ptr: number, len: number): RawAnswer {
  const head = decodeAnswerHead(mem, ptr, len);
  const violations: RawViolation[] = [];
  for (let i = 0; i < head.count; i++) {
    const v = { type: 0, action: 0, rule: 0, value: 0, start: 0, end: 0, detail: 0 };
    readViolation(mem, ptr, i, v);
    violations.push(v);
  }
  return { decision: head.decision, violations, openCalls: head.openCalls, costSpentMicros: head.costSpentMicros, killSwitch: head.killSwitch };
}

// The spend changes only when a call reports a cost, so the BigInt of the previous answer is
// usually the right one: reusing it (a BigInt is an immutable value) saves making one per call.
let lastSpentLo = 0;
let lastSpentHi = 0;
let lastSpent = 0n;

/** The i64 whose low and high words are given, as `getBigInt64` reads it. */
function spentMicros(lo: number, hi: number): bigint {
  if (lo !== lastSpentLo || hi !== lastSpentHi) {
    lastSpent = (BigInt(hi) << 32n) | BigInt(lo);
    lastSpentLo = lo;
    lastSpentHi = hi;
  }
  return lastSpent;
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
  return new ValueWalker().run(root, onValue);
}

/**
 * The state of one `visitValues` walk, as fields of one object instead of closures and a Set made
 * per call (every call walks its arguments at least once, so this is on the per-call path).
 * Containers being visited are kept in `open` (at most MAX_DEPTH of them): meeting one of them
 * again is a cycle; meeting a container again outside its own subtree is sharing, not a cycle.
 */
class ValueWalker {
  private readonly path: (string | number)[] = [];
  private readonly open: object[] = [];
  private bytes = 0;
  private count = 0;
  private onValue: ValueVisitor = () => undefined;

  /** One walk; a walker may be reused for the next (a walk that threw leaves nothing behind). */
  run(root: unknown, onValue: ValueVisitor): number {
    // Empty unless the last walk threw (setting an array's length is a slow call).
    if (this.path.length !== 0) this.path.length = 0;
    if (this.open.length !== 0) this.open.length = 0;
    this.bytes = 0;
    this.count = 0;
    this.onValue = onValue;
    this.walk(root);
    return this.bytes;
  }

  private where(): string {
    return this.path.join(".") || "<root>";
  }

  private emit(value: string | number | boolean | null): number | undefined {
    if (++this.count > MAX_VALUES) throw new BadRequestError(`arguments hold more than ${MAX_VALUES} values`);
    return this.onValue(this.path, value);
  }

  private walk(value: unknown): void {
    switch (typeof value) {
      case "string": {
        const encoded = this.emit(value);
        this.bytes += encoded ?? utf8Length(value);
        return;
      }
      case "number":
        this.bytes += String(value).length;
        this.emit(value);
        return;
      case "boolean":
        this.bytes += value ? 4 : 5;
        this.emit(value);
        return;
      case "bigint": {
        const s = String(value);
        this.bytes += s.length;
        this.emit(s);
        return;
      }
      case "undefined":
        this.emit(null);
        return;
      case "function":
      case "symbol":
        return;
    }
    if (value === null) {
      this.emit(null);
      return;
    }
    if (value instanceof Date) {
      const s = dateText(value);
      this.bytes += s.length;
      this.emit(s);
      return;
    }
    if (value instanceof Uint8Array) throw new BadRequestError(`binary argument at ${this.where()}: pass text or base64`);
    const obj = value as object;
    const path = this.path;
    const open = this.open;
    for (let i = 0; i < open.length; i++) if (open[i] === obj) throw new BadRequestError(`arguments contain a cycle at ${this.where()}`);
    if (path.length >= MAX_DEPTH) throw new BadRequestError(`arguments nest deeper than ${MAX_DEPTH} levels`);
    open.push(obj);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        this.walk(value[i]);
        path.pop();
      }
    } else if (value instanceof Map) {
      // A path names a Map's key by its text: two keys with one text (1 and "1") would give two
      // values one path, and a redaction could land on the wrong one. Refused, not guessed.
      const seen = new Set<string>();
      for (const [k, v] of value.entries()) {
        const key = String(k);
        if (seen.has(key)) throw new BadRequestError(`a Map at ${this.where()} has two keys that read ${JSON.stringify(key)}: paths could not tell them apart`);
        seen.add(key);
        this.member(key, v);
      }
    } else {
      // Object.keys and a read per key instead of Object.entries, which makes a pair array per
      // property (about 0.14 µs of a call with one argument). The same members in the same order:
      // a key deleted by an earlier getter is skipped, as Object.entries skips it.
      const record = obj as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (i === 0 || Object.hasOwn(record, key)) this.member(key, record[key]);
      }
    }
    open.pop();
  }

  private member(key: string, v: unknown): void {
    this.bytes += utf8Length(key);
    this.path.push(key);
    this.walk(v);
    this.path.pop();
  }
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
/**
 * Strings up to this length are tried as ASCII by a JS loop before calling the encoder (whose
 * call costs about 0.1 µs whatever the length). Kept below V8's shortest concatenated string
 * (13 units): longer strings may be unflattened concatenations, on which a `charCodeAt` loop is
 * many times slower than the encoder.
 */
const SHORT_ASCII = 12;

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
    this.last8 = null;
    this.tailView = null;
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

  /**
   * Like `str`; returns the UTF-8 byte length written. Short ASCII strings (tool names, keys:
   * most of what a call sends besides its texts) are copied by a JS loop, which costs less than
   * the call into the encoder; anything else goes to `encodeInto`. Same bytes either way: ASCII
   * is its own UTF-8, and a string with any other unit is encoded whole by the encoder.
   */
  strBytes(s: string): number {
    const n = s.length;
    this.reserve(4 + n * 3);
    const at = this.length;
    let written = -1;
    if (n <= SHORT_ASCII) {
      const buf = this.buf;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 4 + i] = c;
      }
      if (i === n) written = n;
    }
    if (written < 0) written = encoder.encodeInto(s, this.tail(at + 4)).written;
    this.view.setUint32(at, written, true);
    this.length = at + 4 + written;
    return written;
  }

  /**
   * The buffer from `at` on, for the encoder. Kept while the buffer (see reserve) and the offset stay the same:
   * a call's text usually starts at the same offset as the last call's, and a fresh view costs
   * an allocation (about 0.07 µs) per string.
   */
  private tail(at: number): Uint8Array {
    const known = this.tailView;
    if (known !== null && this.tailAt === at) return known;
    this.tailAt = at;
    this.tailView = this.buf.subarray(at);
    return this.tailView;
  }

  private tailAt = -1;
  private tailView: Uint8Array | null = null;

  /**
   * A non-negative integer as an i64, the same bytes as `i64(BigInt(v))` without making a BigInt
   * when `v` is a safe integer (request times and micro-dollar costs always are in practice).
   */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) return this.i64(BigInt(v));
    this.reserve(8);
    this.view.setUint32(this.length, v % 0x100000000, true);
    this.view.setUint32(this.length + 4, Math.floor(v / 0x100000000), true);
    this.length += 8;
    return this;
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
   * arguments, without building an intermediate list: the hot path of every call. With `log`,
   * the first values are also noted there, so that a decision can name them without a second walk.
   */
  payload(root: unknown, sizeAt: number, log?: ValueLog): this {
    const countAt = this.length;
    this.u32(0);
    log?.reset();
    this.payloadCount = 0;
    this.payloadLog = log ?? null;
    // The writer's own walker and visitor, made once: a call's encoding allocates nothing for the
    // walk itself. A payload encoded from inside another (a getter calling back) gets a fresh walker.
    const outer = this.walking;
    const walker = outer ? new ValueWalker() : this.walker;
    this.walking = true;
    let size: number;
    try {
      size = walker.run(root, this.visit);
    } finally {
      this.walking = outer;
      this.payloadLog = null;
    }
    return this.patchU32(countAt, this.payloadCount).patchU32(sizeAt, size);
  }

  private readonly walker = new ValueWalker();
  private walking = false;
  private payloadCount = 0;
  private payloadLog: ValueLog | null = null;
  private readonly visit: ValueVisitor = (path, value) => {
    this.payloadCount++;
    this.payloadLog?.add(path, value);
    this.u32(path.length);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      this.strBytes(typeof seg === "string" ? seg : String(seg));
    }
    if (typeof value !== "string") {
      this.value(value);
      return undefined;
    }
    return this.u8(VT_STRING).strBytes(value);
  };

  /** The bytes written so far (a view, valid until the next write; the same view while the length holds). */
  view8(): Uint8Array {
    const last = this.last8;
    if (last !== null && last.length === this.length) return last;
    this.last8 = this.buf.subarray(0, this.length);
    return this.last8;
  }

  private last8: Uint8Array | null = null;

  copy(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * The first values of the last request's payload, as `visitValues` gave them: what
 * `flattenValues` would return for the same arguments, noted while they were encoded so that a
 * decision naming them does not walk the arguments a second time. Kept flat in one reused array
 * (per value: path length, the segments, the value), so noting costs no allocation: most calls
 * have no violation and never read it. Past `LOGGED_VALUES` values it gives up (`complete` is
 * false) and the caller walks the arguments again.
 */
export class ValueLog {
  private readonly items: unknown[] = [];
  private used = 0;
  private count = 0;
  private overflow = false;

  reset(): void {
    this.clear();
    this.count = 0;
    this.overflow = false;
  }

  add(path: readonly (string | number)[], value: string | number | boolean | null): void {
    if (this.overflow) return;
    if (this.count === LOGGED_VALUES) {
      this.clear();
      this.overflow = true;
      return;
    }
    this.count++;
    const items = this.items;
    let at = this.used;
    items[at++] = path.length;
    for (let i = 0; i < path.length; i++) items[at++] = path[i];
    items[at++] = value;
    this.used = at;
  }

  /** True when every value of the payload is noted. */
  get complete(): boolean {
    return !this.overflow;
  }

  /** The noted values, as `flattenValues` lists them; forgets them (the log holds no user data after). */
  take(): FlatValue[] {
    const items = this.items;
    const out: FlatValue[] = new Array(this.count);
    for (let k = 0, at = 0; k < this.count; k++) {
      const depth = items[at++] as number;
      const path: (string | number)[] = new Array(depth);
      for (let i = 0; i < depth; i++) path[i] = items[at++] as string | number;
      out[k] = { path, value: items[at++] as string | number | boolean | null };
    }
    this.reset();
    return out;
  }

  private clear(): void {
    // Drops the references (a value may be a large text) without shrinking the array.
    const items = this.items;
    for (let i = 0; i < this.used; i++) items[i] = undefined;
    this.used = 0;
  }
}

const LOGGED_VALUES = 32;

/** USD (a float in policies and APIs) to integer micro-dollars, the engine's unit. */
export function usdToMicros(usd: number): bigint {
  return BigInt(microsOf(usd));
}

/** `usdToMicros` as a number (an integer; write it with `ByteWriter.u64`, which needs no BigInt). */
export function microsOf(usd: number): number {
  if (!Number.isFinite(usd) || usd < 0) throw new BadRequestError(`cost must be a finite, non-negative number of USD, got ${usd}`);
  return Math.round(usd * 1e6);
}
