/**
 * createEngine: the thin TypeScript face of the wasm module. One engine holds one policy and its
 * state (rate windows, cost spent, call depth, kill switch); make one per tenant. Every method is
 * synchronous, and every fault (trap, bad answer, out of memory) surfaces as EngineFaultError so
 * the caller blocks the call: nothing here can fail open.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { BadRequestError, BundleError, EngineFaultError } from "../core/errors.js";
import { ByteWriter, decodeAnswer, decodeAnswerHead, flattenValues, microsOf, OP_KILL_SWITCH, OP_POST_CALL, OP_PRE_CALL, OP_RESET_STATE, ValueLog, VIOLATION_BYTES, VIOLATION_VALUE_AT, type AnswerHead, type FlatValue, type RawAnswer } from "./abi.js";
import { digestOf, readBundleMeta, type BundleMeta, type CompiledBundle } from "./bundle-format.js";
import { describe, describeFrom, type Decision } from "./decision.js";

/**
 * The byte ABI this host speaks (docs/ENGINE.md). 2: the answer's address is read after every
 * call (an answer with many findings outgrows the fixed output region), and `max_reports`.
 */
export const ENGINE_ABI_VERSION = 2;

interface Exports {
  memory: WebAssembly.Memory;
  abi_version(): number;
  bundle_alloc(len: number): number;
  load(): number;
  load_error_offset(): number;
  input_alloc(len: number): number;
  evaluate(len: number): number;
  output_ptr(): number;
  max_reports(): number;
  scan_work(): number;
}

const ENGINE_ERRORS: Record<number, string> = { [-1]: "no policy loaded", [-2]: "malformed request", [-3]: "engine memory exhausted" };
/** Answers up to this many bytes (three violations) are copied out by a loop, longer ones by `set`. */
const SHORT_ANSWER = 8 + 3 * 28 + 16;
/** load()'s answer when the bundle parsed as far as memory allowed but its tables do not fit (-1: malformed). */
const LOAD_NO_MEMORY = -3;

export interface PreCallRequest {
  readonly tool: string;
  readonly args: unknown;
  /** Host clock in integer milliseconds; recorded so that replay reproduces rate-limit decisions. */
  readonly now: number;
  /** Expected cost of this call in USD, checked against the per-call and cumulative budgets. */
  readonly costEstimateUsd?: number;
  /** How many enforced calls enclose this one (0 at top level), checked against max_call_depth. */
  readonly depth?: number;
  /** PII and secret rules that do not apply to this call's tool (see {@link EntityExclusion}). */
  readonly excludeEntities?: EntityExclusion | null;
  /** Report only findings that start in this range of the one string value (see {@link ReportWindow}). */
  readonly reportWindow?: ReportWindow | null;
}

export interface PostCallRequest {
  readonly tool: string;
  readonly output: unknown;
  readonly now: number;
  /** Actual cost of the call in USD, added to the cumulative spend. */
  readonly costUsd?: number;
  /** The estimate given at preCall, released from the reservation now that the call is over. */
  readonly costEstimateUsd?: number;
  /** PII and secret rules that do not apply to this call's tool (see {@link EntityExclusion}). */
  readonly excludeEntities?: EntityExclusion | null;
  /** Report only findings that start in this range of the one string value (see {@link ReportWindow}). */
  readonly reportWindow?: ReportWindow | null;
}

/**
 * Entity rules (PII categories, secret rules) the engine must not run for one request: bit r of
 * word r >> 5 for the bundle's content-rule index r (`meta.index.contentRules`), one word per 32
 * rules. Per-tool overrides make it (core/pii-scope.ts `entityExclusionFor`); it travels in the
 * request, so the audit trail records it and a replay decides the same. Only PII and secret rules
 * may be named; null or absent: every rule applies.
 */
export type EntityExclusion = Uint32Array;

/**
 * Asks the engine to report only the content and entity findings whose start lies in [from, to),
 * in UTF-16 units of the request's payload, which must then be one string. Every rule still runs
 * over the whole text, so the findings are exactly those without a window, filtered by start,
 * and only they count toward the {@link Engine.maxReports} reports of one call (streaming
 * redaction scans context and hold-back around the part it emits: core/redact-stream.ts). Travels
 * in the request (replay decides the same); absent, the request is byte-identical to one made
 * before the field existed.
 */
export interface ReportWindow {
  readonly from: number;
  readonly to: number;
}

export interface LoadedPolicy {
  readonly digest: string;
  readonly meta: BundleMeta;
}

export interface EngineOptions {
  /** SHA-256 (hex) of the wasm bytes. Required with a precompiled Module, whose bytes cannot be read. */
  readonly digest?: string;
}

export type EngineSource = WebAssembly.Module | ArrayBuffer | Uint8Array;

export class Engine {
  readonly engineDigest: string;
  /** Names this instance in audit records: its state evolves only through its own requests. */
  readonly instanceId: string = globalThis.crypto.randomUUID();
  private requestCount = 0;
  /** The last answer as handed out by lastAnswer(), or null until it is asked for. */
  private lastAnswerBytes: Uint8Array | null = new Uint8Array(0);
  /** The last answer's bytes, copied out of engine memory (the first `answerLength` bytes). */
  private answerCopy = new Uint8Array(256);
  private answerLength = 0;
  private readonly x: Exports;
  // The exports used on every call, read once (the exports object is a frozen dictionary).
  private readonly memory: WebAssembly.Memory;
  private readonly inputAlloc: (len: number) => number;
  private readonly evaluate: (len: number) => number;
  /** Where the last answer was written: read after each call (a long answer moves, memory.ts). */
  private readonly outputPtr: () => number;
  /**
   * The most findings (violations) one call reports; a call with more is blocked
   * (`too_many_violations`). 65,536 for the shipped engine.
   */
  readonly maxReports: number;
  private readonly writer = new ByteWriter();
  /** The values of the request being built, for naming them in its decision (see ValueLog). */
  private readonly values = new ValueLog();
  private policy: LoadedPolicy | null = null;

  constructor(instance: WebAssembly.Instance, engineDigest: string) {
    this.x = instance.exports as unknown as Exports;
    this.engineDigest = engineDigest;
    if (this.x.abi_version() !== ENGINE_ABI_VERSION) throw new EngineFaultError(`engine ABI ${this.x.abi_version()} is not the supported ${ENGINE_ABI_VERSION}`);
    this.memory = this.x.memory;
    this.inputAlloc = this.x.input_alloc;
    this.evaluate = this.x.evaluate;
    this.outputPtr = this.x.output_ptr;
    this.maxReports = this.x.max_reports();
  }

  get loadedPolicy(): LoadedPolicy | null {
    return this.policy;
  }

  /** Loads a compiled bundle (replacing the previous policy and resetting state). All or nothing. */
  loadPolicy(bundle: CompiledBundle | Uint8Array): LoadedPolicy {
    const bytes = bundle instanceof Uint8Array ? bundle : bundle.bytes;
    const meta = bundle instanceof Uint8Array ? readBundleMeta(bytes) : bundle.meta;
    const ptr = this.guard(() => this.x.bundle_alloc(bytes.length));
    if (ptr === 0) throw new BundleError(`bundle of ${bytes.length} bytes does not fit in engine memory`);
    this.memoryBytes().set(bytes, ptr);
    const r = this.guard(() => this.x.load());
    if (r !== 0) {
      this.policy = null;
      if (r === LOAD_NO_MEMORY) throw new BundleError(`bundle of ${bytes.length} bytes does not fit in engine memory with the tables loaded from it`);
      throw new BundleError(`engine rejected the bundle: malformed at byte ${this.x.load_error_offset()}`);
    }
    this.policy = { digest: bundle instanceof Uint8Array ? digestOf(bytes) : bundle.digest, meta };
    return this.policy;
  }

  /** Decides whether a tool call may run. On allow, the engine counts it (rate windows, depth). */
  preCall(req: PreCallRequest): Decision {
    const depth = req.depth ?? 0;
    if (!Number.isSafeInteger(depth) || depth < 0 || depth > 0xffffffff) throw new BadRequestError(`depth must be a non-negative integer, got ${depth}`);
    const w = this.header(OP_PRE_CALL, req.now).str(req.tool).u64(microsOf(req.costEstimateUsd ?? 0));
    const sizeAt = w.length;
    w.u32(0).u32(depth).payload(req.args, sizeAt, this.values);
    this.scope(w, req.excludeEntities, req.reportWindow, req.args);
    return this.run(w, req.tool, req.args, this.values);
  }

  /** Reports a finished call (after an allowed preCall): output checks, cost, depth. */
  postCall(req: PostCallRequest): Decision {
    const w = this.header(OP_POST_CALL, req.now).str(req.tool).u64(microsOf(req.costUsd ?? 0)).u64(microsOf(req.costEstimateUsd ?? 0));
    const sizeAt = w.length;
    w.u32(0).payload(req.output, sizeAt, this.values);
    this.scope(w, req.excludeEntities, req.reportWindow, req.output);
    return this.run(w, req.tool, req.output, this.values);
  }

  setKillSwitch(on: boolean, now: number): Decision {
    return this.run(this.header(OP_KILL_SWITCH, now).u32(on ? 1 : 0), "", null);
  }

  /** Forgets rate windows, spend, depth and the kill switch (the policy stays loaded). */
  resetState(now = 0): Decision {
    return this.run(this.header(OP_RESET_STATE, now), "", null);
  }

  /** The raw request bytes and answer, for recording and byte-exact replay. */
  evaluateRaw(request: Uint8Array): RawAnswer {
    const len = this.call(request);
    try {
      return decodeAnswer(this.dataView!, this.answerAt, len);
    } catch (cause) {
      throw new EngineFaultError("engine answer is malformed", { cause });
    }
  }

  /** Where the last answer is in engine memory (valid until the next call into the engine). */
  private answerAt = 0;

  /** Evaluates one request; returns its answer's length (the answer at answerAt, and copied). */
  private call(request: Uint8Array): number {
    let len: number;
    try {
      const ptr = this.inputAlloc(request.length);
      if (ptr === 0) throw new EngineFaultError(`request of ${request.length} bytes does not fit in engine memory`);
      this.memoryBytes().set(request, ptr);
      len = this.evaluate(request.length);
    } catch (cause) {
      if (cause instanceof EngineFaultError) throw cause;
      throw new EngineFaultError(`engine trapped: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
    this.requestCount++;
    if (len < 0) throw new EngineFaultError(`engine refused the request: ${ENGINE_ERRORS[len] ?? `error ${len}`}`);
    try {
      // Copied now: the next request may grow memory and detach any view of it, and reuse the
      // region the answer is in.
      const out = this.outputPtr();
      const memory = this.memoryBytes();
      if (out + len > memory.length) throw new RangeError(`answer of ${len} bytes at ${out} is outside engine memory`);
      // Into a buffer this engine reuses: a fresh array per call (what lastAnswer hands out) costs
      // an allocation outside the JS heap, so it is made only when lastAnswer asks for it.
      if (this.answerCopy.length < len) this.answerCopy = new Uint8Array(Math.max(len, this.answerCopy.length * 2));
      const copy = this.answerCopy;
      // Most answers are a few dozen bytes: a loop copies them for less than making the view
      // that `set` needs (an allocation per call).
      if (len <= SHORT_ANSWER) for (let i = 0; i < len; i++) copy[i] = memory[out + i]!;
      else copy.set(memory.subarray(out, out + len));
      this.answerLength = len;
      this.lastAnswerBytes = null;
      this.answerAt = out;
      return len;
    } catch (cause) {
      throw new EngineFaultError("engine answer is malformed", { cause });
    }
  }

  // Views of the engine's memory, remade only when it has grown (growing detaches the old buffer).
  private bytesView: Uint8Array | null = null;
  private dataView: DataView | null = null;

  /**
   * Both views, remade together when memory has grown. Growing detaches the old buffer, and a view
   * of a detached buffer has length 0: that test replaces reading `memory.buffer` (a slow getter)
   * on every call.
   */
  private memoryBytes(): Uint8Array {
    const known = this.bytesView;
    if (known !== null && known.length !== 0) return known;
    const buffer = this.memory.buffer;
    this.bytesView = new Uint8Array(buffer);
    this.dataView = new DataView(buffer);
    return this.bytesView;
  }

  /** The bytes of the last request built by preCall/postCall (valid until the next call). */
  lastRequest(): Uint8Array {
    return this.writer.view8();
  }

  /** The last answer's bytes (integers only; a copy owned by the caller), for byte-exact replay. */
  lastAnswer(): Uint8Array {
    this.lastAnswerBytes ??= this.answerCopy.slice(0, this.answerLength);
    return this.lastAnswerBytes;
  }

  /**
   * Units the entity rules' verification runs read during the last request, beyond the one pass
   * of the head tables (table steps, units scanned for runs of one class, units compared by the
   * memo of failed runs). Deterministic: the same request gives the same figure in every runtime
   * (test/redaction/runtimes.test.ts compares it under Node, Deno and Bun), so tests and
   * benchmarks can bound the work per unit of text without a clock.
   */
  lastScanWork(): number {
    return this.x.scan_work() >>> 0;
  }

  /** How many requests this instance has evaluated (every one, kill switch and reset included). */
  get requestSequence(): number {
    return this.requestCount;
  }

  private header(op: number, now: number): ByteWriter {
    if (!Number.isSafeInteger(now) || now < 0) throw new BadRequestError(`now must be a non-negative integer of milliseconds, got ${now}`);
    return this.writer.reset().u32(op).u64(now);
  }

  /**
   * The request's optional last sections (evaluate.ts readScope): the entity rules excluded from
   * this call, then the report window (which needs the scope before it: all zero if none).
   */
  private scope(w: ByteWriter, mask: EntityExclusion | null | undefined, window: ReportWindow | null | undefined, payload: unknown): void {
    const hasWindow = window !== undefined && window !== null;
    if ((mask === undefined || mask === null) && !hasWindow) return;
    const rules = this.policy?.meta.index.contentRules.length ?? 0;
    const words = (rules + 31) >>> 5;
    if (mask !== undefined && mask !== null) {
      if (!(mask instanceof Uint32Array) || mask.length !== words) throw new BadRequestError(`excludeEntities must be a Uint32Array of ${words} words for this policy's ${rules} rules`);
      w.u32(mask.length);
      for (const word of mask) w.u32(word);
    } else {
      w.u32(words);
      for (let i = 0; i < words; i++) w.u32(0);
    }
    if (!hasWindow) return;
    const { from, to } = window;
    if (typeof payload !== "string") throw new BadRequestError("reportWindow needs the payload to be one string");
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to || to > payload.length) throw new BadRequestError(`reportWindow must be integers with 0 <= from <= to <= ${payload.length} (the text's length), got [${from}, ${to})`);
    w.u32(from).u32(to);
  }

  /** `logged`: the payload's values as noted while encoding it (absent for requests without one). */
  private run(w: ByteWriter, tool: string, payload: unknown, logged?: ValueLog): Decision {
    if (this.policy === null) throw new EngineFaultError("no policy loaded");
    if (typeof tool !== "string") throw new BadRequestError("tool name must be a string");
    const len = this.call(w.view8());
    const mem = this.dataView!;
    const at = this.answerAt;
    let head: AnswerHead;
    try {
      head = decodeAnswerHead(mem, at, len);
    } catch (cause) {
      throw new EngineFaultError("engine answer is malformed", { cause });
    }
    try {
      // Paths are materialised only when a violation points at a value (same order as encoded).
      let named = false;
      for (let i = 0, p = at + 8 + VIOLATION_VALUE_AT; i < head.count; i++, p += VIOLATION_BYTES) if (mem.getInt32(p, true) >= 0) named = true;
      const ctx = { tool, values: [] as FlatValue[], meta: this.policy.meta, policyDigest: this.policy.digest, engineDigest: this.engineDigest };
      if (named && !logged?.complete) {
        // The values must be walked again, which may run the payload's getters (and a getter may
        // call this engine): the answer is decoded first, out of the memory such a call reuses.
        const raw = decodeAnswer(mem, at, len);
        logged?.reset();
        return describe(raw, { ...ctx, values: flattenValues(payload) });
      }
      if (named) ctx.values = logged!.take();
      logged?.reset();
      return describeFrom(mem, at, head, ctx);
    } catch (cause) {
      throw new EngineFaultError("engine answer does not match the policy", { cause });
    }
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (cause) {
      throw new EngineFaultError(`engine trapped: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
  }
}

function toBytes(source: ArrayBuffer | Uint8Array): Uint8Array {
  return source instanceof Uint8Array ? source : new Uint8Array(source);
}

/** The engine's identity: SHA-256 of its wasm bytes. */
export function engineDigestOf(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}

function checkNoImports(module: WebAssembly.Module): void {
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) throw new EngineFaultError(`engine module must have no imports, has ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
}

/** Synchronous creation (Node, Deno, Bun, workers). Browsers' main threads need createEngine. */
export function createEngineSync(source: EngineSource, options: EngineOptions = {}): Engine {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(toBytes(source) as BufferSource);
  const digest = options.digest ?? (source instanceof WebAssembly.Module ? undefined : engineDigestOf(toBytes(source)));
  if (digest === undefined) throw new EngineFaultError("a precompiled WebAssembly.Module needs options.digest (the engine's SHA-256)");
  checkNoImports(module);
  return new Engine(new WebAssembly.Instance(module, {}), digest);
}

/** Accepts wasm bytes or an already-compiled Module (edge runtimes forbid compiling bytes). */
export async function createEngine(source: EngineSource, options: EngineOptions = {}): Promise<Engine> {
  const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(toBytes(source) as BufferSource);
  const digest = options.digest ?? (source instanceof WebAssembly.Module ? undefined : engineDigestOf(toBytes(source)));
  if (digest === undefined) throw new EngineFaultError("a precompiled WebAssembly.Module needs options.digest (the engine's SHA-256)");
  checkNoImports(module);
  return new Engine(await WebAssembly.instantiate(module, {}), digest);
}
