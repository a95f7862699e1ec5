/**
 * The trail's file access on node:fs (Node; Bun implements node:fs and runs it unchanged). Deno's
 * entry uses its native adapter instead (hosts/deno/trail-io.ts), which honours the same lock files.
 */
import * as nodeCrypto from "node:crypto";
import { createHash, randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";
import { AuditError, ioError, type LockAttempt, type LockOwner, type TrailFile, type TrailIO, waitForLock } from "./io.js";
import { fromHex } from "./merkle.js";
import { AuditTrail, type InclusionProofResult, type ProveOptions, proveInclusion, type TrailOptions, type VerifyOptions, type VerifyResult, verifyTrail } from "./trail.js";

// crypto.hash (Node ≥ 20.12, Bun) is a one-shot digest, faster than createHash on short inputs,
// and takes strings (hashed as UTF-8) without a separate encoding step.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array | string, enc: string) => string }).hash;

/** SHA-256 as lower-case hex through node:crypto (Node, Bun, and Deno's node:crypto), of bytes or of a string's UTF-8. */
export const nodeSha256Hex: (data: Uint8Array | string) => string = oneShot ? (data) => oneShot("sha256", data, "hex") : (data) => createHash("sha256").update(data).digest("hex");

/** SHA-256 through node:crypto (native): several times faster than the pure-JS default. */
export const nodeSha256 = (data: Uint8Array): Uint8Array => fromHex(nodeSha256Hex(data)); // hex + parse beats a Buffer result

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(fs.readFileSync(path, "utf8")) as LockOwner;
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

/** Locks held by this process, so that a second open in the same process fails too. */
const heldHere = new Set<string>();

function tryLock(path: string): LockAttempt {
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: Date.now(), token: randomUUID() };
  if (heldHere.has(path)) return { ok: false, owner: readOwner(path) };
  let fd: number;
  try {
    fd = fs.openSync(path, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw ioError("cannot create lock", path, e);
    const held = readOwner(path);
    // Stale: recorded on this host by a process that no longer exists. (A lock whose file is
    // unreadable may be mid-creation: never stale. Another host's lock is never judged here.)
    if (held && held.host === hostname() && held.pid !== process.pid && !isAlive(held.pid)) {
      const again = readOwner(path);
      if (again && again.token === held.token) {
        try {
          fs.unlinkSync(path);
        } catch {
          // someone else removed it first; retry below
        }
        return tryLock(path);
      }
    }
    return { ok: false, owner: held };
  }
  try {
    fs.writeSync(fd, JSON.stringify(owner));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  heldHere.add(path);
  let released = false;
  return {
    ok: true,
    lock: {
      path,
      release() {
        if (released) return;
        released = true;
        heldHere.delete(path);
        const cur = readOwner(path);
        if (cur?.token === owner.token) fs.rmSync(path, { force: true });
      },
    },
  };
}


class NodeFile implements TrailFile {
  private fd: number | null;
  constructor(private readonly path: string) {
    try {
      this.fd = fs.openSync(path, "a", 0o644);
    } catch (e) {
      throw ioError("cannot open", path, e);
    }
  }

  private get handle(): number {
    if (this.fd === null) throw new AuditError("audit_closed", `${this.path} is closed`);
    return this.fd;
  }

  append(data: Uint8Array): void {
    let off = 0;
    try {
      while (off < data.length) off += fs.writeSync(this.handle, data, off, data.length - off);
    } catch (e) {
      if (e instanceof AuditError) throw e;
      throw ioError("cannot append to", this.path, e);
    }
  }

  sync(): void {
    try {
      fs.fdatasyncSync(this.handle);
    } catch (e) {
      if (e instanceof AuditError) throw e;
      throw ioError("cannot sync", this.path, e);
    }
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }
}

export const nodeTrailIO: TrailIO = {
  sha256: nodeSha256,
  sha256Hex: nodeSha256Hex,

  lock: (path, waitMs) => waitForLock(path, waitMs, (p) => tryLock(p)),

  openAppend: (path) => new NodeFile(path),

  size(path) {
    try {
      return fs.statSync(path).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw ioError("cannot stat", path, e);
    }
  },

  read(path, offset, length) {
    let fd: number;
    try {
      fd = fs.openSync(path, "r");
    } catch (e) {
      throw ioError("cannot read", path, e);
    }
    try {
      const buf = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      fs.closeSync(fd);
    }
  },

  truncate(path, size) {
    try {
      fs.truncateSync(path, size);
    } catch (e) {
      throw ioError("cannot truncate", path, e);
    }
  },

  rename(from, to) {
    try {
      fs.renameSync(from, to);
    } catch (e) {
      throw ioError("cannot rename", from, e);
    }
  },

  list(dir) {
    try {
      return fs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw ioError("cannot list", dir, e);
    }
  },

  writeAtomic(path, data) {
    const tmp = `${path}.${process.pid}.tmp`;
    try {
      const fd = fs.openSync(tmp, "w", 0o644);
      try {
        let off = 0;
        while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw ioError("cannot write", path, e);
    }
  },

  ensureDir(dir) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw ioError("cannot create directory", dir, e);
    }
  },

  syncDir(dir) {
    let fd: number | null = null;
    try {
      fd = fs.openSync(dir, "r");
      fs.fsyncSync(fd);
    } catch {
      // Some platforms (Windows) cannot fsync a directory; renames are then best effort.
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
  },
};

/**
 * Reads the signer key (Go note format, `PRIVATE+KEY+…`) from a file or an environment variable
 * (default ENFORCECORE_AUDIT_KEY). Returns null when neither is set. The file should be readable
 * by the writer only (mode 0600).
 */
export function readSignerKeyText(options: { readonly file?: string; readonly env?: string } = {}): string | null {
  if (options.file) {
    try {
      return fs.readFileSync(options.file, "utf8").trim();
    } catch (e) {
      throw ioError("cannot read the signing key", options.file, e);
    }
  }
  const v = process.env[options.env ?? "ENFORCECORE_AUDIT_KEY"];
  return v ? v.trim() : null;
}

// ---- Node conveniences ----


/** Opens a trail on node:fs (see AuditTrail.open). */
export function openNodeTrail(options: Omit<TrailOptions, "io"> & { readonly io?: TrailIO }): Promise<AuditTrail> {
  return AuditTrail.open({ ...options, io: options.io ?? nodeTrailIO });
}

export function verifyNodeTrail(path: string, options: Omit<VerifyOptions, "io"> = {}): Promise<VerifyResult> {
  return verifyTrail(path, { ...options, io: nodeTrailIO });
}

export function proveNodeInclusion(path: string, index: number, options: Omit<ProveOptions, "io"> = {}): Promise<InclusionProofResult> {
  return proveInclusion(path, index, { ...options, io: nodeTrailIO });
}
