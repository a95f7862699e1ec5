/**
 * The audit trail: an append-only JSONL transparency log implementing the enforcer's AuditSink.
 * Every enforced call becomes one leaf of an RFC 6962 Merkle tree; signed C2SP checkpoints commit
 * to the tree; inclusion and consistency proofs are O(log n). docs/AUDIT.md has the full story.
 *
 * File format (every line is JCS-canonical JSON followed by "\n"):
 *
 *   {"segment":{"format":"enforcecore-audit/1","index":0,"origin":"…","root":"<b64>","start":0,"state":[]}}
 *   {"entry":{…the AuditEntry…},"leaf":"<hex SHA-256(0x00 ‖ entry bytes)>"}
 *   …
 *   {"checkpoint":"<C2SP checkpoint, as a signed note when keys are set>"}
 *
 * The leaf data is exactly the bytes of the entry as they appear in the line. The `leaf` field
 * repeats its hash so that a changed line is pinned to its own index; the signed checkpoints make
 * recomputing those hashes useless to a forger. The first line of each segment carries the tree's
 * right edge at the segment's start (`state`), so segments chain and each can be checked alone.
 *
 * Segments: `trail.jsonl` is always the live one; rotation closes it with a checkpoint and renames
 * it `trail.000000.jsonl`, `trail.000001.jsonl`, … `trail.jsonl.lock` holds the writer lock and
 * `trail.jsonl.head` the latest checkpoint (a cheap tail-truncation tripwire; publish checkpoints
 * to a witness through onCheckpoint for real protection).
 */
import type { AuditSink, CallRecord, ControlRecord } from "../core/enforcer.js";
import { type Checkpoint, type NoteSigner, type NoteVerifier, checkpointBody, type NoteError, openNote, parseCheckpointBody, parseNote, signCheckpoint } from "./checkpoint.js";
import {
  type AuditEntry,
  type ControlEntry,
  controlEntryFromRecord,
  controlEntryJson,
  controlEntryProblem,
  type EntryOptions,
  entryJson,
  entryProblem,
  entryText,
  jcs,
  type ReplayHints,
  type TrailEntry,
} from "./entry.js";
import { type RawLine, type TrailFile, type TrailIO, type TrailLock, AuditError, basename, dirname, joinPath, readLines } from "./io.js";
import { JournalWriter, type JournalOptions } from "./journal.js";
import {
  CompactRange,
  checkConsistency,
  checkInclusion,
  consistencyRanges,
  equalHashes,
  fromBase64,
  fromHex,
  type Hash,
  inclusionRanges,
  ProofBuilder,
  TreeHasher,
  toBase64,
  toHex,
} from "./merkle.js";

export const TRAIL_FORMAT = "enforcecore-audit/1";

/**
 * When appended lines reach the disk:
 * - `"every"`: each entry is written and fsynced before record() returns. Survives power loss;
 *   costs one fsync per call (≈0.1–10 ms depending on the disk).
 * - `{ batch, ms }` (default `{ batch: 8192, ms: 100 }`): entries are buffered and written + fsynced
 *   every `batch` entries or `ms` milliseconds. A crash (even `kill -9`) loses at most that window.
 * - `"none"`: each entry is written to the OS at once (survives `kill -9`, not power loss) and
 *   never fsynced, not even at checkpoints; close() still fsyncs.
 */
export type FsyncPolicy = "every" | "none" | { readonly batch?: number; readonly ms?: number };

export interface TrailOptions {
  /** The live trail file, e.g. `audit/trail.jsonl`. */
  readonly path: string;
  readonly io: TrailIO;
  /** The log's name in checkpoints (C2SP origin): a schema-less URL, e.g. `example.com/agent-audit`. */
  readonly origin?: string;
  /** Checkpoint signers (Ed25519). Several during a key rotation. None: unsigned checkpoints. */
  readonly signers?: readonly NoteSigner[];
  readonly fsync?: FsyncPolicy;
  /** Seal a checkpoint every `entries` entries or `ms` milliseconds (default 1000 entries, 10 s). */
  readonly checkpoint?: { readonly entries?: number; readonly ms?: number };
  /** Start a new segment when the live one reaches either size (default: never). */
  readonly rotate?: { readonly maxBytes?: number; readonly maxEntries?: number };
  /** HMAC key for argument/result digests (see entry.ts valueDigest). */
  readonly valueKey?: Uint8Array;
  /** Wait this long for another writer's lock before failing with TrailLockedError (default 0). */
  readonly lockWaitMs?: number;
  /** Also write a replay journal (raw engine requests; sensitive: see journal.ts). */
  readonly journal?: JournalOptions;
  /** Called with each new checkpoint: publish it to a witness. Errors go to onError. */
  readonly onCheckpoint?: (note: string, checkpoint: Checkpoint) => void | Promise<void>;
  /** Errors that do not stop the trail (a failing onCheckpoint). Default: console.error. */
  readonly onError?: (error: unknown) => void;
  /** Write `<path>.head` with the latest checkpoint (default true). */
  readonly head?: boolean;
  readonly clock?: () => number;
}

/** What opening found and repaired. */
export interface OpenReport {
  /** True when the trail did not exist. */
  readonly created: boolean;
  /** Entries in the trail. */
  readonly size: number;
  /** Index of the live segment. */
  readonly segment: number;
  /** A torn last line (a crash in mid-write) that was cut off. */
  readonly torn: { readonly offset: number; readonly bytes: number } | null;
  /** Bytes cut from the journal (lines for entries the trail lost, or a torn line). */
  readonly journalTruncated: number;
  /** Entries after the last checkpoint when the trail was opened. */
  readonly unsealed: number;
}

const utf8 = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true });
const ENTRY_PREFIX = utf8.encode('{"entry":');
const LEAF_MARK = utf8.encode(',"leaf":"');
const CHECKPOINT_PREFIX = utf8.encode('{"checkpoint":');
const SEGMENT_PREFIX = utf8.encode('{"segment":');
const ENTRY_SUFFIX_LEN = LEAF_MARK.length + 64 + 2; // ,"leaf":"<64 hex>"}

function startsWith(b: Uint8Array, p: Uint8Array, at = 0): boolean {
  if (b.length < at + p.length) return false;
  for (let i = 0; i < p.length; i++) if (b[at + i] !== p[i]) return false;
  return true;
}

/** A growable byte buffer for the lines waiting to be written (encoded once, written once). */
class WriteBuffer {
  private buf = new Uint8Array(1 << 16);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** UTF-8 of any string. */
  text(s: string): void {
    this.reserve(s.length * 3);
    this.length += utf8.encodeInto(s, this.buf.subarray(this.length)).written;
  }

  /** A string known to be ASCII. */
  ascii(s: string): void {
    this.reserve(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.length + i] = s.charCodeAt(i);
    this.length += s.length;
  }

  /** A view of [start, end): valid until the next write. */
  view(start: number, end: number): Uint8Array {
    return this.buf.subarray(start, end);
  }

  reset(): void {
    this.length = 0;
    if (this.buf.length > 1 << 24) this.buf = new Uint8Array(1 << 16); // do not keep a huge burst's buffer
  }
}

// ---- segment files ----

function splitName(path: string): { dir: string; stem: string; ext: string } {
  const name = basename(path);
  const ext = name.endsWith(".jsonl") ? ".jsonl" : "";
  return { dir: dirname(path), stem: name.slice(0, name.length - ext.length), ext };
}

export function archivePath(path: string, index: number): string {
  const { dir, stem, ext } = splitName(path);
  return joinPath(dir, `${stem}.${String(index).padStart(6, "0")}${ext}`);
}

export interface SegmentFile {
  readonly path: string;
  /** The archive number from the name; null for the live file. */
  readonly archive: number | null;
}

/** The trail's files in order: archived segments by number, then the live file (if present). */
export function segmentFiles(io: TrailIO, path: string): SegmentFile[] {
  const { dir, stem, ext } = splitName(path);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`^${esc(stem)}\\.(\\d{6,})${esc(ext)}$`);
  const archives = io
    .list(dir)
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: joinPath(dir, m[0]), archive: Number(m[1]) }))
    .sort((a, b) => a.archive - b.archive);
  return io.size(path) === null ? archives : [...archives, { path, archive: null }];
}

interface SegmentHeader {
  readonly format: string;
  readonly index: number;
  readonly origin: string;
  readonly root: string;
  readonly start: number;
  readonly state: readonly string[];
}

function headerLine(h: SegmentHeader): string {
  return `${jcs({ segment: h })}\n`;
}

// ---- scanning (shared by open, verify, prove) ----

export type ProblemKind =
  /** A line that cannot be read at all (not JSON, not a known line). */
  | "malformed"
  /** An entry whose bytes do not match its leaf hash, or that is not a canonical, valid entry. */
  | "modified"
  /** An entry out of sequence: deleted, inserted, duplicated or reordered entries. */
  | "sequence"
  /** A checkpoint that does not match the entries before it (or is misplaced, or of another log). */
  | "checkpoint"
  /** A checkpoint signature that does not verify, or a missing signature where keys were given. */
  | "signature"
  /** Segment headers that do not chain (missing, reordered or substituted segment files). */
  | "segment"
  /** The trail is shorter than, or inconsistent with, a checkpoint known from elsewhere. */
  | "truncated";

export interface Problem {
  readonly kind: ProblemKind;
  readonly message: string;
  /** The first entry index that is bad (for checkpoint problems: the earliest that may be). */
  readonly index: number | null;
  readonly file: string;
  /** 1-based line number in that file. */
  readonly line: number;
  readonly offset: number;
}

interface SeenCheckpoint {
  readonly note: string;
  readonly checkpoint: Checkpoint;
  readonly signed: boolean;
  readonly file: string;
  readonly line: number;
  readonly offset: number;
}

type Scanned =
  | { readonly kind: "entry"; readonly seq: number; readonly leaf: Hash; readonly text: string; readonly entry: TrailEntry }
  | { readonly kind: "checkpoint"; readonly seen: SeenCheckpoint }
  | { readonly kind: "segment"; readonly header: SegmentHeader };

class ProblemFound extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/**
 * Checks lines one at a time and keeps the tree. Synchronous and streaming: signature checks are
 * left to the caller (they are async in WebCrypto).
 */
class Scanner {
  tree: CompactRange;
  expected = 0;
  segment: number | null = null;
  origin: string | null = null;
  segmentStart = 0;
  lastCheckpoint: SeenCheckpoint | null = null;
  checkpoints = 0;
  /** Roots at given sizes, captured as the scan passes them (for trusted checkpoints). */
  readonly rootsAt = new Map<number, Hash | null>();
  private file = "";
  private line = 0;
  private headerSeen = false;

  constructor(
    readonly hasher: TreeHasher,
    readonly expectOrigin: string | null,
    watch: readonly number[] = [],
    private readonly hex?: (data: Uint8Array) => string,
  ) {
    this.tree = new CompactRange(hasher);
    for (const s of watch) this.rootsAt.set(s, null);
    this.capture();
  }

  beginFile(file: string): void {
    this.file = file;
    this.line = 0;
    this.headerSeen = false;
  }

  private problem(kind: ProblemKind, message: string, index: number | null, raw: RawLine): never {
    throw new ProblemFound({ kind, message, index, file: this.file, line: this.line, offset: raw.offset });
  }

  private capture(): void {
    if (this.rootsAt.has(this.tree.size) && this.rootsAt.get(this.tree.size) === null) this.rootsAt.set(this.tree.size, this.tree.root());
  }

  /** Consumes one complete line; throws ProblemFound. */
  consume(raw: RawLine): Scanned {
    this.line++;
    const b = raw.bytes;
    if (startsWith(b, ENTRY_PREFIX)) {
      if (!this.headerSeen) this.problem("segment", "an entry before the segment header", this.expected, raw);
      return this.entry(raw);
    }
    if (startsWith(b, CHECKPOINT_PREFIX)) {
      if (!this.headerSeen) this.problem("segment", "a checkpoint before the segment header", this.expected, raw);
      return this.checkpoint(raw);
    }
    if (startsWith(b, SEGMENT_PREFIX)) return this.header(raw);
    return this.problem("malformed", `line ${this.line} is not a trail line`, this.headerSeen ? this.expected : null, raw);
  }

  private entry(raw: RawLine): Scanned {
    const b = raw.bytes;
    const at = this.expected;
    const end = b.length - ENTRY_SUFFIX_LEN;
    if (end <= ENTRY_PREFIX.length || !startsWith(b, LEAF_MARK, end) || b[b.length - 2] !== 0x22 || b[b.length - 1] !== 0x7d) {
      this.problem("modified", `entry ${at}: the line is not {"entry":…,"leaf":"…"}`, at, raw);
    }
    const entryBytes = b.subarray(ENTRY_PREFIX.length, end);
    let stored: string;
    try {
      stored = fatal.decode(b.subarray(end + LEAF_MARK.length, b.length - 2));
    } catch {
      return this.problem("modified", `entry ${at}: the leaf hash is not text`, at, raw);
    }
    let computed: string;
    if (this.hex) {
      // Zero-copy: the ':' before the entry briefly becomes the 0x00 leaf prefix.
      const framed = b.subarray(ENTRY_PREFIX.length - 1, end);
      framed[0] = 0x00;
      computed = this.hex(framed);
      framed[0] = 0x3a;
    } else computed = toHex(this.hasher.hashLeaf(entryBytes));
    if (computed !== stored) this.problem("modified", `entry ${at}: its bytes do not match its leaf hash (the entry or the hash was changed)`, at, raw);
    const leaf = fromHex(computed);
    let text: string;
    let parsed: unknown;
    try {
      text = fatal.decode(entryBytes);
      parsed = JSON.parse(text);
    } catch {
      return this.problem("modified", `entry ${at}: not valid UTF-8 JSON`, at, raw);
    }
    // Call entries and control entries (kill switch, reload) are both leaves; `control` tells them apart.
    const isControl = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && "control" in parsed;
    const bad = isControl ? controlEntryProblem(parsed) : entryProblem(parsed);
    if (bad) this.problem("modified", `entry ${at}: ${bad}`, at, raw);
    const entry = parsed as TrailEntry;
    if ((isControl ? controlEntryJson(entry as ControlEntry) : entryJson(entry as AuditEntry)) !== text) this.problem("modified", `entry ${at}: not in canonical (JCS) form`, at, raw);
    if (entry.seq !== at) {
      const index = entry.seq === at - 1 ? at - 1 : at;
      const what = entry.seq > at ? `entry ${at} is missing (found entry ${entry.seq}): deleted or reordered` : `entry ${entry.seq} appears again where entry ${at} belongs: inserted or reordered`;
      this.problem("sequence", what, index, raw);
    }
    this.tree.append(leaf);
    this.expected++;
    this.capture();
    return { kind: "entry", seq: at, leaf, text, entry };
  }

  private checkpoint(raw: RawLine): Scanned {
    let parsed: { checkpoint?: unknown };
    let text: string;
    try {
      text = fatal.decode(raw.bytes);
      parsed = JSON.parse(text);
    } catch {
      return this.problem("malformed", `line ${this.line}: a checkpoint line that is not JSON`, this.lastCheckpoint?.checkpoint.size ?? this.segmentStart, raw);
    }
    const since = this.lastCheckpoint?.checkpoint.size ?? this.segmentStart;
    if (typeof parsed.checkpoint !== "string" || Object.keys(parsed).length !== 1 || jcs(parsed) !== text) this.problem("checkpoint", `line ${this.line}: malformed checkpoint line`, since, raw);
    const note = parsed.checkpoint as string;
    let cp: Checkpoint;
    let signed: boolean;
    try {
      signed = note.includes("\n\n");
      cp = parseCheckpointBody(signed ? parseNote(note).text : note);
    } catch (e) {
      return this.problem("checkpoint", `line ${this.line}: unreadable checkpoint: ${(e as Error).message}`, since, raw);
    }
    if (this.origin !== null && cp.origin !== this.origin) this.problem("checkpoint", `checkpoint of another log (${JSON.stringify(cp.origin)}, not ${JSON.stringify(this.origin)})`, since, raw);
    if (cp.size !== this.expected) this.problem("checkpoint", `checkpoint for size ${cp.size} found after entry ${this.expected - 1}`, Math.min(cp.size, this.expected), raw);
    if (!equalHashes(cp.root, this.tree.root())) {
      this.problem("checkpoint", `the entries ${since}..${cp.size - 1} do not give the checkpoint's root: one of them was altered together with its leaf hash`, since, raw);
    }
    const seen: SeenCheckpoint = { note, checkpoint: cp, signed, file: this.file, line: this.line, offset: raw.offset };
    this.lastCheckpoint = seen;
    this.checkpoints++;
    return { kind: "checkpoint", seen };
  }

  private header(raw: RawLine): Scanned {
    if (this.headerSeen || this.line !== 1) this.problem("segment", `line ${this.line}: a segment header inside a segment`, this.expected, raw);
    let h: SegmentHeader;
    try {
      const text = fatal.decode(raw.bytes);
      const parsed = JSON.parse(text) as { segment?: SegmentHeader };
      if (!parsed.segment || jcs(parsed) !== text) throw new Error("malformed");
      h = parsed.segment;
      if (h.format !== TRAIL_FORMAT) throw new Error(`unsupported format ${JSON.stringify(h.format)}`);
      if (!Number.isSafeInteger(h.index) || !Number.isSafeInteger(h.start) || !Array.isArray(h.state) || typeof h.origin !== "string" || typeof h.root !== "string") throw new Error("malformed");
    } catch (e) {
      return this.problem("segment", `unreadable segment header: ${(e as Error).message}`, this.expected, raw);
    }
    let start: CompactRange;
    try {
      start = new CompactRange(this.hasher, h.start, h.state.map((s) => fromBase64(s)));
    } catch (e) {
      return this.problem("segment", `segment header state: ${(e as Error).message}`, h.start, raw);
    }
    if (toBase64(start.root()) !== h.root) this.problem("segment", "segment header state does not give its root", h.start, raw);
    if (this.expectOrigin !== null && h.origin !== this.expectOrigin) this.problem("segment", `segment of another log (${JSON.stringify(h.origin)})`, h.start, raw);
    if (this.segment === null) {
      // The first segment of this scan: its state is taken on trust (checked later against checkpoints).
      this.tree = start;
      this.expected = h.start;
      this.origin = h.origin;
      this.capture();
    } else {
      if (h.index !== this.segment + 1) this.problem("segment", `segment ${h.index} follows segment ${this.segment}`, this.expected, raw);
      if (h.origin !== this.origin) this.problem("segment", `segment ${h.index} belongs to another log`, this.expected, raw);
      if (h.start !== this.expected) this.problem("segment", `segment ${h.index} starts at entry ${h.start}, not ${this.expected}`, Math.min(h.start, this.expected), raw);
      const mine = this.tree.hashes();
      if (mine.length !== h.state.length || !mine.every((x, i) => toBase64(x) === h.state[i])) this.problem("segment", `segment ${h.index} does not continue the tree of segment ${this.segment}`, this.expected, raw);
    }
    this.segment = h.index;
    this.segmentStart = h.start;
    this.headerSeen = true;
    return { kind: "segment", header: h };
  }

  /** Called at the end of each file: a file without a header is a problem. */
  endFile(): void {
    if (!this.headerSeen) throw new ProblemFound({ kind: "segment", message: `${this.file} has no segment header`, index: this.expected, file: this.file, line: 0, offset: 0 });
  }
}

// ---- the writer ----

const DEFAULT_BATCH = { batch: 8192, ms: 100 };

function defaultOrigin(path: string): string {
  const { stem } = splitName(path);
  return `enforcecore.invalid/${stem.replace(/[\s+]/g, "_") || "audit"}`;
}

/**
 * The audit trail writer. One per trail file, enforced across processes by a lock file.
 * `record()` is the AuditSink method: synchronous on the common path (the entry reaches the OS,
 * or the buffer, before it returns), a promise while a checkpoint is being signed or a journal
 * line encrypted. Any write failure puts the trail in a failed state: every later record() throws,
 * so the enforcer blocks calls instead of running them unaudited.
 */
export class AuditTrail implements AuditSink {
  private busy: Promise<void> | null = null;
  private failure: unknown = null;
  private closed = false;
  private readonly out = new WriteBuffer();
  private pendingEntries = 0;
  private lastHeadAt = 0;
  private unsealed: number;
  private lastSealAt: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly policy: "every" | "none" | { batch: number; ms: number };
  private readonly cpEntries: number;
  private readonly cpMs: number;
  private readonly entryOptions: EntryOptions;

  private constructor(
    private readonly opts: TrailOptions,
    private readonly io: TrailIO,
    private readonly hasher: TreeHasher,
    private readonly lock: TrailLock,
    private file: TrailFile,
    private tree: CompactRange,
    private segIndex: number,
    private segBytes: number,
    private segEntries: number,
    private readonly journal: JournalWriter | null,
    readonly origin: string,
    readonly report: OpenReport,
  ) {
    const f = opts.fsync ?? DEFAULT_BATCH;
    this.policy = typeof f === "string" ? f : { batch: Math.max(1, f.batch ?? DEFAULT_BATCH.batch), ms: Math.max(1, f.ms ?? DEFAULT_BATCH.ms) };
    this.cpEntries = Math.max(1, opts.checkpoint?.entries ?? 1000);
    this.cpMs = opts.checkpoint?.ms ?? 10_000;
    this.entryOptions = { ...(opts.valueKey ? { valueKey: opts.valueKey } : {}), ...(io.sha256Hex ? { sha256Hex: io.sha256Hex } : {}) };
    this.unsealed = report.unsealed;
    this.lastSealAt = this.now();
    const tick = Math.min(typeof this.policy === "object" ? this.policy.ms : Number.POSITIVE_INFINITY, this.cpMs > 0 ? this.cpMs : Number.POSITIVE_INFINITY);
    if (Number.isFinite(tick)) {
      this.timer = setInterval(() => this.onTick(), tick);
      const t = this.timer as unknown as { unref?: () => void };
      if (typeof t.unref === "function") t.unref();
      else (globalThis as { Deno?: { unrefTimer(id: unknown): void } }).Deno?.unrefTimer(this.timer);
    }
  }

  /** Opens (creating, recovering) the trail at options.path and takes its writer lock. */
  static async open(options: TrailOptions): Promise<AuditTrail> {
    const io = options.io;
    const hasher = new TreeHasher(io.sha256);
    const origin = options.origin ?? defaultOrigin(options.path);
    if (/[\n\r]/.test(origin) || origin === "") throw new AuditError("audit_invalid", "origin must be one non-empty line");
    io.ensureDir(dirname(options.path));
    const lock = await io.lock(`${options.path}.lock`, options.lockWaitMs ?? 0);
    try {
      const files = segmentFiles(io, options.path);
      const live = files.find((f) => f.archive === null);
      let torn: { offset: number; bytes: number } | null = null;
      let scan: Scanner | null = null;
      let created = files.length === 0;
      if (live && (io.size(live.path) ?? 0) > 0) {
        const r = scanForOpen(io, hasher, live.path, origin, true);
        torn = r.torn;
        scan = r.scan;
      }
      let segIndex: number;
      let tree: CompactRange;
      let unsealed = 0;
      if (scan) {
        segIndex = scan.segment!;
        tree = scan.tree;
        unsealed = scan.expected - (scan.lastCheckpoint?.checkpoint.size ?? scan.segmentStart);
      } else {
        // No live segment, or an empty one (new trail, or a crash between rotating and writing
        // the next segment's header).
        const archives = files.filter((f) => f.archive !== null);
        const last = archives[archives.length - 1];
        if (last) {
          const r = scanForOpen(io, hasher, last.path, origin, false);
          if (r.torn || r.scan === null) throw new AuditError("audit_corrupt", `archived segment ${last.path} ends in a torn line`);
          segIndex = r.scan.segment! + 1;
          tree = r.scan.tree;
          created = false;
        } else {
          segIndex = 0;
          tree = new CompactRange(hasher);
        }
        const header = headerLine({ format: TRAIL_FORMAT, index: segIndex, origin, root: toBase64(tree.root()), start: tree.size, state: tree.hashes().map(toBase64) });
        const f = io.openAppend(options.path);
        f.append(utf8.encode(header));
        f.sync();
        f.close();
        io.syncDir(dirname(options.path));
      }
      const journal = options.journal ? await JournalWriter.open(io, options.journal, tree.size) : null;
      const file = io.openAppend(options.path);
      const size = io.size(options.path) ?? 0;
      const segStart = scan?.segmentStart ?? tree.size;
      const report: OpenReport = { created, size: tree.size, segment: segIndex, torn, journalTruncated: journal?.truncated ?? 0, unsealed };
      return new AuditTrail(options, io, hasher, lock, file, tree, segIndex, size, tree.size - segStart, journal, origin, report);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Entries in the trail (buffered ones included). */
  get size(): number {
    return this.tree.size;
  }

  /** The current root (hex), over every entry appended so far. */
  root(): string {
    return toHex(this.tree.root());
  }

  get segment(): number {
    return this.segIndex;
  }

  record(record: CallRecord): void | Promise<void> {
    this.assertOpen();
    if (this.busy !== null) return this.enqueue(() => this.append(record));
    return this.run(() => this.append(record));
  }

  /**
   * The AuditSink method for kill-switch toggles and policy reloads: one control entry, in order
   * with the calls around it, written (and fsynced, unless the policy is "none") at once whatever
   * the batching, since operator actions are rare and matter most after a crash. A reload's bundle
   * bytes go to the journal, so a replay does not depend on the policy file still existing.
   */
  control(record: ControlRecord): void | Promise<void> {
    this.assertOpen();
    if (this.busy !== null) return this.enqueue(() => this.appendControl(record));
    return this.run(() => this.appendControl(record));
  }

  /** Writes and fsyncs everything buffered. */
  async flush(): Promise<void> {
    this.assertOpen();
    await this.enqueue(() => this.flushBuffers(true));
  }

  /** Seals a checkpoint now (even with no new entry); returns it (a signed note when keys are set). */
  async checkpoint(): Promise<string> {
    this.assertOpen();
    let note = "";
    await this.enqueue(async () => {
      note = await this.seal(false);
    });
    return note;
  }

  /** Seals the unsealed tail, flushes, and releases the lock. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true; // refuses new records from now on
    while (this.busy) await this.busy.catch(() => {});
    if (this.timer !== null) clearInterval(this.timer);
    try {
      if (this.failure === null) {
        if (this.unsealed > 0) await this.seal(false, true);
        this.flushBuffers(true);
      }
    } finally {
      try {
        this.file.close();
        this.journal?.close();
      } finally {
        this.lock.release();
      }
    }
  }

  // -- internals --

  private now(): number {
    return Math.floor((this.opts.clock ?? Date.now)());
  }

  private assertOpen(): void {
    if (this.failure !== null) throw new AuditError("audit_closed", `audit trail ${this.opts.path} failed earlier and refuses appends: ${(this.failure as Error)?.message ?? this.failure}`, { cause: this.failure });
    if (this.closed) throw new AuditError("audit_closed", `audit trail ${this.opts.path} is closed`);
  }

  private fail(e: unknown): void {
    if (this.failure === null) this.failure = e;
  }

  private run(fn: () => void | Promise<void>): void | Promise<void> {
    let r: void | Promise<void>;
    try {
      r = fn();
    } catch (e) {
      this.fail(e);
      throw e;
    }
    if (r instanceof Promise) return this.track(r);
  }

  private track(p: Promise<void>): Promise<void> {
    const t: Promise<void> = p.then(
      () => {
        if (this.busy === t) this.busy = null;
      },
      (e) => {
        this.fail(e);
        if (this.busy === t) this.busy = null;
        throw e;
      },
    );
    this.busy = t;
    return t;
  }

  private enqueue(fn: () => void | Promise<void>): Promise<void> {
    const prev = this.busy ?? Promise.resolve();
    return this.track(
      prev
        .catch(() => {})
        .then(() => {
          if (this.failure !== null) this.assertOpen();
          return fn();
        }),
    );
  }

  private append(record: CallRecord): void | Promise<void> {
    const seq = this.tree.size;
    return this.appendEntry(entryText(record as CallRecord & ReplayHints, seq, this.entryOptions), seq, record.requests, undefined, false);
  }

  private appendControl(record: ControlRecord): void | Promise<void> {
    const seq = this.tree.size;
    const text = controlEntryJson(controlEntryFromRecord(record, seq, this.entryOptions));
    return this.appendEntry(text, seq, record.requests, record.kind === "reload" ? record.bundle.bytes : undefined, true);
  }

  /** One leaf line (and its journal line); `now` writes it out at once. */
  private appendEntry(text: string, seq: number, requests: readonly Uint8Array[], bundle: Uint8Array | undefined, now: boolean): void | Promise<void> {
    const out = this.out;
    const lineStart = out.length;
    out.bytes(ENTRY_PREFIX);
    const entryStart = out.length;
    out.text(text);
    let leafHex: string;
    let leaf: Hash;
    const hex = this.io.sha256Hex;
    if (hex) {
      // Zero-copy leaf hash: the byte before the entry (the ':' of {"entry":) briefly becomes 0x00.
      const framed = out.view(entryStart - 1, out.length);
      framed[0] = 0x00;
      leafHex = hex(framed);
      framed[0] = 0x3a;
      leaf = fromHex(leafHex);
    } else {
      leaf = this.hasher.hashLeaf(out.view(entryStart, out.length));
      leafHex = toHex(leaf);
    }
    out.ascii(`,"leaf":"${leafHex}"}\n`);
    this.pendingEntries++;
    this.tree.append(leaf);
    this.segBytes += out.length - lineStart;
    this.segEntries++;
    this.unsealed++;
    const j = this.journal?.append(seq, requests, bundle);
    if (j instanceof Promise) return j.then(() => this.afterAppend(now));
    return this.afterAppend(now);
  }

  private afterAppend(now: boolean): void | Promise<void> {
    const p = this.policy;
    if (p === "every" || (now && p !== "none")) this.flushBuffers(true);
    else if (p === "none") this.flushBuffers(false);
    else if (this.pendingEntries >= p.batch) this.flushBuffers(true);
    if (this.sealDue() || this.rotateDue()) return this.seal(true).then(() => {});
  }

  private sealDue(): boolean {
    return this.unsealed >= this.cpEntries || (this.cpMs > 0 && this.unsealed > 0 && this.now() - this.lastSealAt >= this.cpMs);
  }

  private rotateDue(): boolean {
    const r = this.opts.rotate;
    return r !== undefined && ((r.maxBytes !== undefined && this.segBytes >= r.maxBytes) || (r.maxEntries !== undefined && this.segEntries >= r.maxEntries));
  }

  private flushBuffers(sync: boolean): void {
    if (this.out.length > 0) {
      this.file.append(this.out.view(0, this.out.length));
      this.out.reset();
      this.pendingEntries = 0;
    }
    if (sync && this.policy !== "none") this.file.sync();
    this.journal?.flush(sync && this.policy !== "none");
  }

  private onTick(): void {
    if (this.busy !== null || this.closed || this.failure !== null) return;
    try {
      if (this.out.length > 0) this.flushBuffers(true);
      if (this.sealDue()) this.track(this.seal(true).then(() => {})).catch(() => {});
    } catch (e) {
      this.fail(e);
      this.opts.onError?.(e);
    }
  }

  /** Writes a checkpoint line for the current tree (after flushing the entries it covers). */
  private async seal(mayRotate: boolean, final = false): Promise<string> {
    const cp: Checkpoint = { origin: this.origin, size: this.tree.size, root: this.tree.root() };
    const signers = this.opts.signers ?? [];
    const note = signers.length > 0 ? await signCheckpoint(cp, signers) : checkpointBody(cp);
    // The checkpoint goes after the entries it covers, in the same write and the same fsync.
    const before = this.out.length;
    this.out.text(`${jcs({ checkpoint: note })}\n`);
    this.segBytes += this.out.length - before;
    this.flushBuffers(true);
    this.unsealed = 0;
    this.lastSealAt = this.now();
    // The head file is a convenience tripwire: refreshed at most once a second, and at the end.
    if (this.opts.head !== false && (final || mayRotate === false || this.lastSealAt - this.lastHeadAt >= 1000)) {
      this.io.writeAtomic(`${this.opts.path}.head`, utf8.encode(note));
      this.lastHeadAt = this.lastSealAt;
    }
    if (this.opts.onCheckpoint) {
      try {
        await this.opts.onCheckpoint(note, cp);
      } catch (e) {
        (this.opts.onError ?? console.error)(e);
      }
    }
    if (mayRotate && this.rotateDue()) this.rotateNow();
    return note;
  }

  private rotateNow(): void {
    this.file.sync();
    this.file.close();
    const dir = dirname(this.opts.path);
    this.io.rename(this.opts.path, archivePath(this.opts.path, this.segIndex));
    this.io.syncDir(dir);
    this.segIndex++;
    const header = headerLine({ format: TRAIL_FORMAT, index: this.segIndex, origin: this.origin, root: toBase64(this.tree.root()), start: this.tree.size, state: this.tree.hashes().map(toBase64) });
    this.file = this.io.openAppend(this.opts.path);
    const data = utf8.encode(header);
    this.file.append(data);
    this.file.sync();
    this.io.syncDir(dir);
    this.segBytes = data.length;
    this.segEntries = 0;
  }
}

/**
 * Scans one segment for the writer: anything wrong refuses, except a torn last line, which is cut
 * off when `repair` (the live segment; an archive is never modified: its caller refuses it). A
 * live segment that held only a torn header is left empty, and `scan` is null: the writer then
 * starts it again, as after a crash between creating it and writing its header.
 */
function scanForOpen(io: TrailIO, hasher: TreeHasher, path: string, origin: string, repair: boolean): { scan: Scanner | null; torn: { offset: number; bytes: number } | null } {
  const scan = new Scanner(hasher, origin, [], io.sha256Hex);
  scan.beginFile(path);
  const size = io.size(path) ?? 0;
  let torn: { offset: number; bytes: number } | null = null;
  const lines = readLines(io, path);
  for (let it = lines.next(); !it.done; it = lines.next()) {
    const line = it.value;
    if (!line.complete) {
      torn = { offset: line.offset, bytes: size - line.offset };
      break;
    }
    try {
      scan.consume(line);
    } catch (e) {
      if (!(e instanceof ProblemFound)) throw e;
      // A final line that cannot be read at all is a torn write that happened to end in "\n"
      // (or garbage from a power cut): cut it. A readable but wrong line is tampering: refuse.
      const isLast = line.offset + line.bytes.length + 1 === size;
      if (isLast && !isJson(line.bytes)) {
        torn = { offset: line.offset, bytes: size - line.offset };
        break;
      }
      throw new AuditError("audit_corrupt", `cannot extend ${path}: ${e.problem.message} (line ${e.problem.line}); run verify`, { cause: e });
    }
  }
  if (torn) {
    if (!repair) return { scan, torn };
    io.truncate(path, torn.offset);
    io.syncDir(dirname(path));
    if (torn.offset === 0) return { scan: null, torn }; // only a torn header: start the segment again
  }
  try {
    scan.endFile();
  } catch (e) {
    throw new AuditError("audit_corrupt", `cannot extend ${path}: ${(e as ProblemFound).problem.message}`);
  }
  return { scan, torn };
}

function isJson(bytes: Uint8Array): boolean {
  try {
    JSON.parse(fatal.decode(bytes));
    return true;
  } catch {
    return false;
  }
}

// ---- verification ----

export interface VerifyOptions {
  readonly io: TrailIO;
  /** Trusted checkpoint keys. When given, every checkpoint must carry a valid signature by one. */
  readonly verifiers?: readonly NoteVerifier[];
  /** The expected origin (log name); default: whatever the first segment header says. */
  readonly origin?: string;
  /**
   * Checkpoints obtained elsewhere (from a witness, a previous verify, a ticket): the trail must be
   * at least that long and give the same root at that size. This is what detects truncation.
   */
  readonly trusted?: readonly string[];
  /** Check `<path>.head` as a trusted checkpoint (default true; its signature is checked when verifiers are given). */
  readonly head?: boolean;
  /** Verify only the live file, trusting its header's starting state (default: every segment). */
  readonly liveOnly?: boolean;
}

export interface VerifyResult {
  readonly ok: boolean;
  /** Entries that verified (the whole trail when ok). */
  readonly size: number;
  /** Root (hex) of the verified prefix. */
  readonly root: string;
  /** Segment files that verified completely (an empty live file left by a crash is not one). */
  readonly segments: number;
  readonly checkpoints: number;
  readonly lastCheckpoint: { readonly size: number; readonly root: string; readonly signedBy: readonly string[] } | null;
  /** Entries after the last checkpoint (not yet sealed: a writer crash or a live trail). */
  readonly unsealed: number;
  /** The first bad entry index (null when ok, or when the problem is not tied to an entry). */
  readonly firstBadIndex: number | null;
  readonly problem: Problem | null;
  /** A torn last line in the live file (a crash mid-write; the next open cuts it). Not tampering. */
  readonly torn: { readonly file: string; readonly offset: number; readonly bytes: number } | null;
  /** Entry index the verification started from (non-zero with liveOnly after rotation). */
  readonly from: number;
}

async function trustedCheckpoints(opts: VerifyOptions, path: string): Promise<{ cp: Checkpoint; source: string }[]> {
  const out: { cp: Checkpoint; source: string }[] = [];
  const notes = [...(opts.trusted ?? []).map((n, i) => ({ note: n, source: `trusted checkpoint ${i}` }))];
  const headSize = opts.head === false ? null : opts.io.size(`${path}.head`);
  // An empty head file is a crash between creating and filling it (it is written atomically, so
  // only a filesystem that lost the data can leave one): nothing to compare with.
  if (headSize) notes.push({ note: new TextDecoder().decode(opts.io.read(`${path}.head`, 0, headSize)), source: `${path}.head` });
  for (const { note, source } of notes) {
    const signed = note.includes("\n\n");
    if (opts.verifiers && opts.verifiers.length > 0 && signed) await openNote(note, opts.verifiers);
    out.push({ cp: parseCheckpointBody(signed ? parseNote(note).text : note), source });
  }
  return out;
}

/**
 * Verifies a trail from its first segment (streaming: memory is O(log n) whatever the size).
 * Stops at the first problem and names it: the file, the line and the first bad entry index.
 */
export async function verifyTrail(path: string, opts: VerifyOptions): Promise<VerifyResult> {
  const io = opts.io;
  const hasher = new TreeHasher(io.sha256);
  let files = segmentFiles(io, path);
  if (opts.liveOnly) files = files.filter((f) => f.archive === null);
  let trusted: { cp: Checkpoint; source: string }[];
  try {
    trusted = await trustedCheckpoints(opts, path);
  } catch (e) {
    const problem: Problem = { kind: "signature", message: `a trusted checkpoint does not verify: ${(e as Error).message}`, index: null, file: path, line: 0, offset: 0 };
    return { ok: false, size: 0, root: toHex(hasher.emptyRoot()), segments: 0, checkpoints: 0, lastCheckpoint: null, unsealed: 0, firstBadIndex: null, problem, torn: null, from: 0 };
  }
  const scan = new Scanner(hasher, opts.origin ?? null, trusted.map((t) => t.cp.size), io.sha256Hex);
  let torn: VerifyResult["torn"] = null;
  let problem: Problem | null = null;
  let from: number | null = null;
  const signedBy = new Map<SeenCheckpoint, readonly string[]>();
  let segments = 0;
  try {
    if (files.length === 0) throw new ProblemFound({ kind: "truncated", message: `no trail at ${path}`, index: 0, file: path, line: 0, offset: 0 });
    for (let fi = 0; fi < files.length; fi++) {
      const f = files[fi]!;
      // An empty live segment, or one holding only a torn header, is what a crash between
      // creating it and writing its header leaves (at rotation, or a new trail): the writer starts
      // it again on open, so it adds nothing here, as a missing one would not.
      if (f.archive === null && (io.size(f.path) ?? 0) === 0) continue;
      scan.beginFile(f.path);
      let headerTorn = false;
      for (const line of readLines(io, f.path)) {
        if (!line.complete) {
          if (f.archive === null) torn = { file: f.path, offset: line.offset, bytes: line.bytes.length };
          else throw new ProblemFound({ kind: "malformed", message: `archived segment ends in a torn line`, index: scan.expected, file: f.path, line: 0, offset: line.offset });
          headerTorn = line.offset === 0;
          break;
        }
        const s = scan.consume(line);
        if (from === null && s.kind === "segment") from = s.header.start;
        if (s.kind === "checkpoint" && opts.verifiers && opts.verifiers.length > 0) {
          if (!s.seen.signed) throw new ProblemFound({ kind: "signature", message: `checkpoint at size ${s.seen.checkpoint.size} is not signed`, index: null, file: f.path, line: s.seen.line, offset: s.seen.offset });
          try {
            const opened = await openNote(s.seen.note, opts.verifiers);
            signedBy.set(s.seen, opened.verifiedBy);
          } catch (e) {
            throw new ProblemFound({ kind: "signature", message: `checkpoint at size ${s.seen.checkpoint.size}: ${(e as NoteError).message}`, index: null, file: f.path, line: s.seen.line, offset: s.seen.offset });
          }
        }
      }
      if (headerTorn) continue;
      scan.endFile();
      segments++;
    }
    for (const t of trusted) {
      const root = scan.rootsAt.get(t.cp.size);
      if (t.cp.size > scan.expected) throw new ProblemFound({ kind: "truncated", message: `${t.source} covers ${t.cp.size} entries but the trail has ${scan.expected}: entries ${scan.expected}..${t.cp.size - 1} were cut off`, index: scan.expected, file: path, line: 0, offset: 0 });
      if (root && !equalHashes(root, t.cp.root)) throw new ProblemFound({ kind: "truncated", message: `${t.source} (size ${t.cp.size}) does not match the trail: it was rewritten`, index: null, file: path, line: 0, offset: 0 });
      if (t.cp.origin !== scan.origin) throw new ProblemFound({ kind: "checkpoint", message: `${t.source} is for another log (${JSON.stringify(t.cp.origin)})`, index: null, file: path, line: 0, offset: 0 });
    }
  } catch (e) {
    if (!(e instanceof ProblemFound)) throw e;
    problem = e.problem;
  }
  const last = scan.lastCheckpoint;
  return {
    ok: problem === null,
    size: scan.expected,
    root: toHex(scan.tree.root()),
    segments,
    checkpoints: scan.checkpoints,
    lastCheckpoint: last ? { size: last.checkpoint.size, root: toHex(last.checkpoint.root), signedBy: signedBy.get(last) ?? [] } : null,
    unsealed: scan.expected - (last?.checkpoint.size ?? from ?? 0),
    firstBadIndex: problem?.index ?? null,
    problem,
    torn,
    from: from ?? 0,
  };
}

// ---- proofs ----

export interface InclusionProofResult {
  readonly index: number;
  /** Tree size the proof is for. */
  readonly size: number;
  /** The entry as stored (its UTF-8 bytes are the leaf data). */
  readonly entry: string;
  readonly leafHash: string;
  /** Base64 hashes, bottom-up (RFC 6962 PATH order). */
  readonly proof: readonly string[];
  readonly root: string;
  /** The checkpoint (signed note) for `size`, when the trail has one. */
  readonly checkpoint: string | null;
}

export interface ProveOptions {
  readonly io: TrailIO;
  /** Tree size to prove against: default the latest checkpoint covering the entry, else the whole trail. */
  readonly size?: number;
}

/** Streams the trail's leaves (no verification: check the result against a signed checkpoint). */
function* leaves(io: TrailIO, path: string): Generator<{ kind: "leaf"; seq: number; leafHex: string; entryBytes: Uint8Array } | { kind: "checkpoint"; size: number; note: string }> {
  let seq = 0;
  let first = true;
  for (const f of segmentFiles(io, path)) {
    for (const line of readLines(io, f.path)) {
      if (!line.complete) break;
      const b = line.bytes;
      if (startsWith(b, ENTRY_PREFIX)) {
        const end = b.length - ENTRY_SUFFIX_LEN;
        yield { kind: "leaf", seq: seq++, leafHex: fatal.decode(b.subarray(end + LEAF_MARK.length, b.length - 2)), entryBytes: b.subarray(ENTRY_PREFIX.length, end) };
      } else if (startsWith(b, CHECKPOINT_PREFIX)) {
        const note = (JSON.parse(fatal.decode(b)) as { checkpoint: string }).checkpoint;
        const body = note.includes("\n\n") ? parseNote(note).text : note;
        yield { kind: "checkpoint", size: parseCheckpointBody(body).size, note };
      } else if (startsWith(b, SEGMENT_PREFIX) && first) {
        const h = (JSON.parse(fatal.decode(b)) as { segment: SegmentHeader }).segment;
        seq = h.start;
        if (h.start !== 0) throw new AuditError("audit_invalid", "proofs need the trail from its first segment");
      }
      first = false;
    }
  }
}

/** An inclusion proof for entry `index`, built by streaming the trail (two passes, O(log² n) memory). */
export async function proveInclusion(path: string, index: number, opts: ProveOptions): Promise<InclusionProofResult> {
  let total = 0;
  const checkpoints = new Map<number, string>();
  for (const x of leaves(opts.io, path)) {
    if (x.kind === "leaf") total = x.seq + 1;
    else checkpoints.set(x.size, x.note);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= total) throw new AuditError("audit_invalid", `no entry ${index} (the trail has ${total})`);
  let size = opts.size;
  if (size === undefined) {
    const covering = [...checkpoints.keys()].filter((s) => s > index).sort((a, b) => b - a);
    size = covering[0] ?? total;
  }
  if (size <= index || size > total) throw new AuditError("audit_invalid", `size ${size} does not contain entry ${index} (the trail has ${total})`);
  const hasher = new TreeHasher(opts.io.sha256);
  const builder = new ProofBuilder(inclusionRanges(index, size), hasher);
  const root = new CompactRange(hasher);
  let entry = "";
  let leafHash: Hash | null = null;
  for (const x of leaves(opts.io, path)) {
    if (x.kind !== "leaf") continue;
    if (x.seq >= size) break;
    const leaf = fromHex(x.leafHex);
    if (x.seq === index) {
      entry = fatal.decode(x.entryBytes);
      leafHash = leaf;
    }
    builder.push(leaf);
    root.append(leaf);
  }
  return {
    index,
    size,
    entry,
    leafHash: toHex(leafHash!),
    proof: builder.hashes().map(toBase64),
    root: toBase64(root.root()),
    checkpoint: checkpoints.get(size) ?? null,
  };
}

/**
 * Checks an inclusion proof on its own: the entry's bytes give the leaf hash, the proof gives the
 * root, and (with verifiers) the checkpoint's signature vouches for that root. O(log n).
 */
export async function checkInclusionProof(p: InclusionProofResult, options: { readonly verifiers?: readonly NoteVerifier[]; readonly hasher?: TreeHasher } = {}): Promise<void> {
  const hasher = options.hasher ?? new TreeHasher();
  const leaf = hasher.hashLeaf(utf8.encode(p.entry));
  if (toHex(leaf) !== p.leafHash) throw new AuditError("audit_corrupt", "the entry does not give the proof's leaf hash");
  const parsed = JSON.parse(p.entry) as AuditEntry;
  if (parsed.seq !== p.index) throw new AuditError("audit_corrupt", `the entry is entry ${parsed.seq}, not ${p.index}`);
  let root = fromBase64(p.root);
  if (options.verifiers && options.verifiers.length > 0) {
    if (!p.checkpoint) throw new AuditError("audit_invalid", "no checkpoint to verify the root against");
    const opened = await openNote(p.checkpoint, options.verifiers);
    const cp = parseCheckpointBody(opened.text);
    if (cp.size !== p.size) throw new AuditError("audit_corrupt", `checkpoint is for size ${cp.size}, the proof for ${p.size}`);
    root = cp.root;
  }
  try {
    checkInclusion(p.index, p.size, leaf, p.proof.map(fromBase64), root, hasher);
  } catch (e) {
    throw new AuditError("audit_corrupt", `inclusion proof does not verify: ${(e as Error).message}`, { cause: e });
  }
}

export interface ConsistencyProofResult {
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly proof: readonly string[];
}

/** A consistency proof between two sizes of the trail (streaming). */
export async function proveConsistency(path: string, size1: number, size2: number, opts: { readonly io: TrailIO }): Promise<ConsistencyProofResult> {
  const hasher = new TreeHasher(opts.io.sha256);
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size1 > size2) throw new AuditError("audit_invalid", `bad sizes ${size1}, ${size2}`);
  const builder = new ProofBuilder(consistencyRanges(size1, size2), hasher);
  const tree = new CompactRange(hasher);
  let root1 = tree.root();
  for (const x of leaves(opts.io, path)) {
    if (x.kind !== "leaf") continue;
    if (x.seq >= size2) break;
    const leaf = fromHex(x.leafHex);
    builder.push(leaf);
    tree.append(leaf);
    if (tree.size === size1) root1 = tree.root();
  }
  if (tree.size < size2) throw new AuditError("audit_invalid", `the trail has ${tree.size} entries, not ${size2}`);
  const proof = builder.hashes();
  const root2 = tree.root();
  checkConsistency(size1, size2, proof, root1, root2, hasher);
  return { size1, size2, root1: toBase64(root1), root2: toBase64(root2), proof: proof.map(toBase64) };
}


export interface ReadEntriesOptions {
  /** Also yield control entries (kill switch, reload), in their place between the calls. Default false. */
  readonly controls?: boolean;
}

/**
 * The trail's entries in order, parsed (streaming). No verification: call verifyTrail first when
 * the file is not trusted (replay does). By default only call entries (AuditEntry), as before
 * control entries existed; `{ controls: true }` yields every leaf (tell them apart with
 * isControlEntry).
 */
export function readEntries(path: string, io: TrailIO, options?: { readonly controls?: false }): Generator<AuditEntry>;
export function readEntries(path: string, io: TrailIO, options: ReadEntriesOptions): Generator<TrailEntry>;
export function* readEntries(path: string, io: TrailIO, options: ReadEntriesOptions = {}): Generator<TrailEntry> {
  for (const f of segmentFiles(io, path)) {
    for (const line of readLines(io, f.path)) {
      if (!line.complete) return;
      const b = line.bytes;
      if (!startsWith(b, ENTRY_PREFIX)) continue;
      const e = JSON.parse(fatal.decode(b.subarray(ENTRY_PREFIX.length, b.length - ENTRY_SUFFIX_LEN))) as TrailEntry;
      if (options.controls === true || (e as ControlEntry).control === undefined) yield e;
    }
  }
}
