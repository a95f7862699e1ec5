/**
 * The audit trail's file access on Deno's own APIs (Deno.openSync, FsFile.syncDataSync,
 * FsFile.tryLockSync), selected by the Deno entry. Same semantics as audit/node-store.ts: the
 * trail code above it (torn-line recovery, segments, fsync policy) is shared; this file only
 * appends, reads, syncs and locks.
 *
 * The lock is the same lock file the Node and Bun writers use (created exclusively, owner
 * `{pid, host, since, token}` inside), so a Deno writer and a Node writer exclude each other. A
 * Deno writer also holds an exclusive flock on it while it writes: the kernel drops that lock when
 * the process dies, however it dies, so a lock file left by a killed Deno writer is known to be
 * stale for certain (no process-table guess, no PID-reuse risk). A lock file left by a Node writer
 * is judged as Node judges it: same host and no such process (`Deno.kill(pid, 0)`, which needs
 * --allow-run; without it such a lock is never judged stale, which is safe).
 *
 * Permissions: --allow-read and --allow-write on the trail's directory; --allow-sys=hostname to
 * record the owner's host (without it the host is "unknown" and no lock is ever taken over).
 */
import { AuditError, ioError, type LockAttempt, type LockOwner, type TrailFile, type TrailIO, waitForLock } from "../../audit/io.js";
import { nodeSha256, nodeSha256Hex } from "../../audit/node-store.js";
import { AuditTrail, type InclusionProofResult, type ProveOptions, proveInclusion, type TrailOptions, type VerifyOptions, type VerifyResult, verifyTrail } from "../../audit/trail.js";

interface FsFile {
  writeSync(p: Uint8Array): number;
  readSync(p: Uint8Array): number | null;
  seekSync(offset: number, whence: number): number;
  syncSync(): void;
  syncDataSync(): void;
  lockSync(exclusive?: boolean): void;
  tryLockSync(exclusive?: boolean): boolean;
  unlockSync(): void;
  statSync(): { ino: number | null };
  close(): void;
}

interface OpenOptions {
  read?: boolean;
  write?: boolean;
  append?: boolean;
  create?: boolean;
  createNew?: boolean;
  truncate?: boolean;
  mode?: number;
}

declare const Deno: {
  openSync(path: string, options?: OpenOptions): FsFile;
  statSync(path: string): { size: number; ino: number | null };
  truncateSync(path: string, len?: number): void;
  renameSync(from: string, to: string): void;
  removeSync(path: string): void;
  readDirSync(path: string): Iterable<{ name: string }>;
  mkdirSync(path: string, options?: { recursive?: boolean; mode?: number }): void;
  readTextFileSync(path: string): string;
  hostname(): string;
  kill(pid: number, signo?: number): void;
  readonly pid: number;
  readonly errors: { NotFound: new () => Error; AlreadyExists: new () => Error; PermissionDenied: new () => Error; NotCapable?: new () => Error };
};

const SEEK_START = 0;

const isA = (e: unknown, name: "NotFound" | "AlreadyExists") => e instanceof Deno.errors[name];


let hostCache: string | null | undefined;
/** This machine's name, or null when --allow-sys=hostname is not granted. */
function hostName(): string | null {
  if (hostCache === undefined) {
    try {
      hostCache = Deno.hostname();
    } catch {
      hostCache = null;
    }
  }
  return hostCache;
}

/** True/false when known; null when the permission to ask is missing. */
function processExists(pid: number): boolean | null {
  try {
    Deno.kill(pid, 0);
    return true;
  } catch (e) {
    if (isA(e, "NotFound")) return false; // ESRCH
    if (e instanceof Deno.errors.PermissionDenied && /operation not permitted|EPERM/i.test(String((e as Error).message))) return true; // exists, not ours
    return null;
  }
}

function readOwner(path: string): (LockOwner & { flock?: boolean }) | null {
  try {
    const o = JSON.parse(Deno.readTextFileSync(path)) as LockOwner & { flock?: boolean };
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

function writeAll(file: FsFile, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += file.writeSync(data.subarray(off));
}

/** One attempt at the lock: create it, or prove its holder dead and take it over. */
function tryLock(path: string, depth = 0): LockAttempt {
  let file: FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, createNew: true, mode: 0o644 });
  } catch (e) {
    if (!isA(e, "AlreadyExists")) throw ioError("cannot create lock", path, e);
    return depth < 3 ? takeOverIfStale(path, depth) : { ok: false, owner: readOwner(path) };
  }
  // Ours: flock it before anyone can judge it stale, then say who holds it. (Blocking: another
  // process may hold it for an instant while it examines the file, and then lets go.)
  file.lockSync(true);
  const owner: LockOwner & { flock: true } = { pid: Deno.pid, host: hostName() ?? "unknown", since: Date.now(), token: globalThis.crypto.randomUUID(), flock: true };
  try {
    writeAll(file, new TextEncoder().encode(JSON.stringify(owner)));
    file.syncSync();
  } catch (e) {
    file.close();
    try {
      Deno.removeSync(path);
    } catch {
      // best effort: an empty lock file is never judged stale by content, only by its flock
    }
    throw ioError("cannot write lock", path, e);
  }
  let released = false;
  return {
    ok: true,
    lock: {
      path,
      release() {
        if (released) return;
        released = true;
        try {
          if (readOwner(path)?.token === owner.token) Deno.removeSync(path);
        } finally {
          file.close(); // drops the flock
        }
      },
    },
  };
}

/**
 * The lock file exists. Its holder is gone if (a) it was a Deno writer (flock recorded) and its
 * flock can be taken, or (b) it was another writer on this host whose process no longer exists.
 * The takeover holds the old file's flock while it removes it and creates the new one, and checks
 * that the path still names the file it examined, so two Deno processes cannot both take over.
 */
function takeOverIfStale(path: string, depth: number): LockAttempt {
  let old: FsFile;
  try {
    old = Deno.openSync(path, { read: true, write: true });
  } catch (e) {
    if (isA(e, "NotFound")) return tryLock(path, depth + 1); // released meanwhile
    throw ioError("cannot open lock", path, e);
  }
  try {
    if (!old.tryLockSync(true)) return { ok: false, owner: readOwner(path) }; // a live Deno writer
    const held = readOwner(path);
    const here = hostName();
    // An unreadable owner may be mid-creation by a Node writer: never stale. Another host's: never judged.
    if (!held || here === null || held.host !== here || held.pid === Deno.pid) return { ok: false, owner: held };
    const dead = held.flock === true ? true : processExists(held.pid) === false;
    if (!dead) return { ok: false, owner: held };
    const same = (() => {
      try {
        const a = Deno.statSync(path).ino;
        const b = old.statSync().ino;
        return a === null || b === null || a === b;
      } catch {
        return false;
      }
    })();
    if (!same || readOwner(path)?.token !== held.token) return tryLock(path, depth + 1);
    try {
      Deno.removeSync(path);
    } catch {
      // removed by someone else first: try again below
    }
    return tryLock(path, depth + 1); // created while we still hold the old file's flock
  } finally {
    old.close();
  }
}

class DenoFile implements TrailFile {
  private file: FsFile | null;
  constructor(private readonly path: string) {
    try {
      this.file = Deno.openSync(path, { append: true, create: true, mode: 0o644 });
    } catch (e) {
      throw ioError("cannot open", path, e);
    }
  }

  private get handle(): FsFile {
    if (this.file === null) throw new AuditError("audit_closed", `${this.path} is closed`);
    return this.file;
  }

  append(data: Uint8Array): void {
    const f = this.handle;
    try {
      writeAll(f, data);
    } catch (e) {
      throw ioError("cannot append to", this.path, e);
    }
  }

  sync(): void {
    const f = this.handle;
    try {
      f.syncDataSync(); // fdatasync, as the Node adapter
    } catch (e) {
      throw ioError("cannot sync", this.path, e);
    }
  }

  close(): void {
    if (this.file === null) return;
    const f = this.file;
    this.file = null;
    f.close();
  }
}


export const denoTrailIO: TrailIO = {
  // node:crypto, which Deno implements natively (WebCrypto's digest is async only).
  sha256: nodeSha256,
  sha256Hex: nodeSha256Hex,

  lock: (path, waitMs) => waitForLock(path, waitMs, (p) => tryLock(p)),

  openAppend: (path) => new DenoFile(path),

  size(path) {
    try {
      return Deno.statSync(path).size;
    } catch (e) {
      if (isA(e, "NotFound")) return null;
      throw ioError("cannot stat", path, e);
    }
  },

  read(path, offset, length) {
    let f: FsFile;
    try {
      f = Deno.openSync(path, { read: true });
    } catch (e) {
      throw ioError("cannot read", path, e);
    }
    try {
      f.seekSync(offset, SEEK_START);
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = f.readSync(buf.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    } catch (e) {
      throw ioError("cannot read", path, e);
    } finally {
      f.close();
    }
  },

  truncate(path, size) {
    try {
      Deno.truncateSync(path, size);
    } catch (e) {
      throw ioError("cannot truncate", path, e);
    }
  },

  rename(from, to) {
    try {
      Deno.renameSync(from, to);
    } catch (e) {
      throw ioError("cannot rename", from, e);
    }
  },

  list(dir) {
    try {
      return [...Deno.readDirSync(dir)].map((d) => d.name);
    } catch (e) {
      if (isA(e, "NotFound")) return [];
      throw ioError("cannot list", dir, e);
    }
  },

  writeAtomic(path, data) {
    const tmp = `${path}.${Deno.pid}.tmp`;
    try {
      const f = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o644 });
      try {
        writeAll(f, data);
        f.syncSync();
      } finally {
        f.close();
      }
      Deno.renameSync(tmp, path);
    } catch (e) {
      try {
        Deno.removeSync(tmp);
      } catch {
        // not created
      }
      throw ioError("cannot write", path, e);
    }
  },

  ensureDir(dir) {
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError("cannot create directory", dir, e);
    }
  },

  syncDir(dir) {
    let f: FsFile | null = null;
    try {
      f = Deno.openSync(dir, { read: true });
      f.syncSync();
    } catch {
      // Some platforms (Windows) cannot fsync a directory; renames are then best effort.
    } finally {
      f?.close();
    }
  },
};

/**
 * Reads the signer key (Go note format) from a file or an environment variable (default
 * ENFORCECORE_AUDIT_KEY; needs --allow-env). Returns null when neither is set.
 */
export function readSignerKeyText(options: { readonly file?: string; readonly env?: string } = {}): string | null {
  if (options.file) {
    try {
      return Deno.readTextFileSync(options.file).trim();
    } catch (e) {
      throw ioError("cannot read the signing key", options.file, e);
    }
  }
  const v = (globalThis as unknown as { Deno: { env: { get(k: string): string | undefined } } }).Deno.env.get(options.env ?? "ENFORCECORE_AUDIT_KEY");
  return v ? v.trim() : null;
}

// ---- Deno conveniences (the Deno entry exports them as openAuditTrail, verifyAuditTrail, …) ----

/** Opens a trail with Deno's file APIs (see AuditTrail.open). */
export function openDenoTrail(options: Omit<TrailOptions, "io"> & { readonly io?: TrailIO }): Promise<AuditTrail> {
  return AuditTrail.open({ ...options, io: options.io ?? denoTrailIO });
}

export function verifyDenoTrail(path: string, options: Omit<VerifyOptions, "io"> = {}): Promise<VerifyResult> {
  return verifyTrail(path, { ...options, io: denoTrailIO });
}

export function proveDenoInclusion(path: string, index: number, options: Omit<ProveOptions, "io"> = {}): Promise<InclusionProofResult> {
  return proveInclusion(path, index, { ...options, io: denoTrailIO });
}
