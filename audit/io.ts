/**
 * The little file access the audit trail needs, behind an interface so every host can plug in its
 * own (audit/node-store.ts implements it with node:fs, which Bun runs as is; hosts/deno/trail-io.ts
 * with Deno's own file APIs). Everything is synchronous on purpose: an
 * append either reached the OS before record() returns or the call is reported as failed.
 */
import { EnforceCoreError } from "../core/errors.js";
import type { Sha256 } from "./merkle.js";

export type AuditErrorCode =
  /** Another writer holds the trail's lock. */
  | "audit_locked"
  /** The trail does not verify, so it cannot be extended (or read as asked). */
  | "audit_corrupt"
  /** A file operation failed (disk full, permissions, …). */
  | "audit_io"
  /** The trail was closed, or failed earlier and refuses further appends. */
  | "audit_closed"
  /** Bad options or arguments (unknown index, bad key, …). */
  | "audit_invalid";

export class AuditError extends EnforceCoreError {
  declare readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Who holds a lock: written into the lock file. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly since: number;
  readonly token: string;
}

/** A second writer tried to open a trail: it names the holder so the operator can act. */
export class TrailLockedError extends AuditError {
  constructor(
    readonly lockPath: string,
    readonly owner: LockOwner | null,
  ) {
    super(
      "audit_locked",
      `audit trail is locked by ${owner ? `process ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()}` : "another writer"} (${lockPath}); one writer per trail`,
    );
  }
}

export interface TrailLock {
  readonly path: string;
  release(): void;
}

export interface TrailFile {
  /** Appends all the bytes at the end of the file (short writes are retried). */
  append(data: Uint8Array): void;
  /** Flushes written data to stable storage (fdatasync). */
  sync(): void;
  close(): void;
}

export interface TrailIO {
  /** SHA-256 to use (a native one is faster than the pure-JS default). */
  readonly sha256?: Sha256;
  /** SHA-256 to lower-case hex of bytes or of a string's UTF-8 (entry digests, leaf hashes). */
  readonly sha256Hex?: (data: Uint8Array | string) => string;
  /**
   * Takes the exclusive writer lock at `path` (create-exclusive, owner recorded). A lock whose
   * owner is provably dead (same host, no such process) is stale and taken over. Throws
   * TrailLockedError when held, after waiting up to `waitMs`.
   */
  lock(path: string, waitMs: number): Promise<TrailLock>;
  /** Opens (creating if needed) for appending. */
  openAppend(path: string): TrailFile;
  /** Size in bytes, or null when the file does not exist. */
  size(path: string): number | null;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(path: string, offset: number, length: number): Uint8Array;
  truncate(path: string, size: number): void;
  rename(from: string, to: string): void;
  /** Names (not paths) of the entries of a directory; [] if it does not exist. */
  list(dir: string): string[];
  /** Writes a whole file atomically (temporary file, fsync, rename). */
  writeAtomic(path: string, data: Uint8Array): void;
  /** Makes renames and creations in the directory durable (fsync of the directory). */
  syncDir(dir: string): void;
  /** Creates the directory (and its parents) if missing. */
  ensureDir(dir: string): void;
}

/** An I/O failure of a trail file, naming the operation and the path. */
export function ioError(what: string, path: string, cause: unknown): AuditError {
  return new AuditError("audit_io", `${what} ${path}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/** One attempt to take a trail's lock: the lock, or who holds it (when that can be read). */
export type LockAttempt = { ok: true; lock: TrailLock } | { ok: false; owner: LockOwner | null };

/**
 * Takes a lock with `tryLock`, retrying until `waitMs` has passed (polling every ≤ 50 ms), then
 * fails with TrailLockedError naming the holder. Shared by the per-runtime TrailIOs.
 */
export async function waitForLock(path: string, waitMs: number, tryLock: (path: string) => LockAttempt): Promise<TrailLock> {
  const deadline = Date.now() + Math.max(0, waitMs);
  for (;;) {
    const r = tryLock(path);
    if (r.ok) return r.lock;
    if (Date.now() >= deadline) throw new TrailLockedError(path, r.owner);
    await new Promise((done) => setTimeout(done, Math.min(50, Math.max(1, deadline - Date.now()))));
  }
}

export function dirname(p: string): string {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  return i < 0 ? "." : i === 0 ? p.slice(0, 1) : p.slice(0, i);
}

export function basename(p: string): string {
  const i = Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\"));
  return p.slice(i + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === "." ? name : dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

export interface RawLine {
  /** The line's bytes, without the newline. */
  readonly bytes: Uint8Array;
  /** Byte offset of the line's start in the file. */
  readonly offset: number;
  /** False for a last line with no newline (a torn write). */
  readonly complete: boolean;
}

/** Streams the lines of a file in chunks: memory stays bounded by the chunk and the longest line. */
export function* readLines(io: TrailIO, path: string, chunkSize = 1 << 20): Generator<RawLine> {
  const size = io.size(path);
  if (size === null) return;
  let pending: Uint8Array | null = null;
  let pendingOffset = 0;
  let pos = 0;
  while (pos < size) {
    const chunk = io.read(path, pos, Math.min(chunkSize, size - pos));
    if (chunk.length === 0) break;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let bytes = chunk.subarray(start, nl);
      let offset = pos + start;
      if (pending !== null) {
        const joined: Uint8Array = new Uint8Array(pending.length + bytes.length);
        joined.set(pending);
        joined.set(bytes, pending.length);
        bytes = joined;
        offset = pendingOffset;
        pending = null;
      }
      yield { bytes, offset, complete: true };
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (pending === null) {
        pending = rest.slice();
        pendingOffset = pos + start;
      } else {
        const joined: Uint8Array = new Uint8Array(pending.length + rest.length);
        joined.set(pending);
        joined.set(rest, pending.length);
        pending = joined;
      }
    }
    pos += chunk.length;
  }
  if (pending !== null) yield { bytes: pending, offset: pendingOffset, complete: false };
}
