/**
 * The replay journal: a separate JSONL file holding the exact engine request bytes of every
 * call, so a trail can be re-run through the engine later. Requests contain the (flattened) raw
 * arguments and results, so this file is sensitive: keep it apart from the trail, encrypt it
 * (AES-256-GCM through WebCrypto), or do not write one. The trail commits to every request by
 * SHA-256, so the journal needs no integrity of its own: replay checks it against the trail.
 *
 *   {"journal":{"encrypted":false,"format":"enforcecore-journal/1"}}
 *   {"requests":["<base64>",…],"seq":0}                       (plain)
 *   {"bundle":"<base64>","requests":[…],"seq":7}              (a policy reload: the new bundle)
 *   {"ct":"<base64>","iv":"<base64>","seq":1}                 (encrypted)
 *
 * One line per leaf of the trail, control entries included (a kill switch's request; a reload's
 * bundle bytes, so that a replay does not depend on the reloaded policy file still existing).
 * Encrypted lines hold AES-GCM(key, iv, JCS({"bundle"?,"requests":[…]}), aad = "enforcecore-journal/1:<seq>")
 * with a random 96-bit IV per line (safe for far more lines than a key should ever see: rotate
 * keys per journal file).
 */
import { type RawLine, type TrailFile, type TrailIO, AuditError, readLines } from "./io.js";
import { fromBase64, toBase64 } from "./merkle.js";

export const JOURNAL_FORMAT = "enforcecore-journal/1";

export interface JournalOptions {
  readonly path: string;
  /** A 32-byte AES-256 key (or a WebCrypto AES-GCM CryptoKey): encrypts every line. */
  readonly key?: Uint8Array | CryptoKey;
}

export interface JournalRecord {
  readonly seq: number;
  readonly requests: readonly Uint8Array[];
  /** The compiled policy bundle a reload switched to (reload control entries only). */
  readonly bundle?: Uint8Array;
}

const utf8 = new TextEncoder();
const fatal = new TextDecoder("utf-8", { fatal: true });

async function aesKey(key: Uint8Array | CryptoKey, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array)) return key;
  if (key.length !== 32) throw new AuditError("audit_invalid", `journal key must be 32 bytes (AES-256), got ${key.length}`);
  return globalThis.crypto.subtle.importKey("raw", key as BufferSource, { name: "AES-GCM" }, false, [usage]);
}

const aad = (seq: number) => utf8.encode(`${JOURNAL_FORMAT}:${seq}`);

function header(encrypted: boolean): string {
  return `{"journal":{"encrypted":${encrypted},"format":"${JOURNAL_FORMAT}"}}\n`;
}

function plainBody(requests: readonly Uint8Array[], bundle?: Uint8Array): string {
  return `{${bundle ? `"bundle":"${toBase64(bundle)}",` : ""}"requests":[${requests.map((r) => `"${toBase64(r)}"`).join(",")}]`;
}

/** Appends journal lines; the trail drives it (same batching and fsync policy as the trail). */
export class JournalWriter {
  private pending: string[] = [];

  private constructor(
    private readonly file: TrailFile,
    private readonly key: CryptoKey | null,
    /** Bytes cut from a torn or orphaned tail when the journal was opened. */
    readonly truncated: number,
  ) {}

  /**
   * Opens (or creates) the journal. Lines for entries the trail does not have (seq ≥ trailSize,
   * written before a crash lost the trail's tail) and a torn last line are cut off.
   */
  static async open(io: TrailIO, options: JournalOptions, trailSize: number): Promise<JournalWriter> {
    const key = options.key ? await aesKey(options.key, "encrypt") : null;
    let truncated = 0;
    const size = io.size(options.path);
    if (size !== null && size > 0) {
      let first = true;
      let cut: number | null = null;
      for (const line of readLines(io, options.path)) {
        if (!line.complete) {
          cut = line.offset;
          break;
        }
        const parsed = parseLine(line);
        if (first) {
          first = false;
          const h = parsed as { journal?: { encrypted?: boolean; format?: string } } | null;
          if (!h?.journal || h.journal.format !== JOURNAL_FORMAT) throw new AuditError("audit_corrupt", `${options.path} is not a replay journal`);
          if (h.journal.encrypted !== (key !== null)) throw new AuditError("audit_invalid", `${options.path} is ${h.journal.encrypted ? "" : "not "}encrypted; open it ${h.journal.encrypted ? "with" : "without"} a key`);
          continue;
        }
        const seq = (parsed as { seq?: unknown } | null)?.seq;
        if (typeof seq !== "number" || seq >= trailSize) {
          cut = line.offset;
          break;
        }
      }
      if (cut !== null) {
        truncated = size - cut;
        io.truncate(options.path, cut);
      }
    }
    const file = io.openAppend(options.path);
    const w = new JournalWriter(file, key, truncated);
    if ((io.size(options.path) ?? 0) === 0) {
      file.append(utf8.encode(header(key !== null)));
      file.sync();
    }
    return w;
  }

  /** Queues the line for `seq`; returns a promise only when encrypting. */
  append(seq: number, requests: readonly Uint8Array[], bundle?: Uint8Array): void | Promise<void> {
    if (this.key === null) {
      this.pending.push(`${plainBody(requests, bundle)},"seq":${seq}}\n`);
      return;
    }
    const key = this.key;
    const slot = this.pending.length;
    this.pending.push("");
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    return globalThis.crypto.subtle
      .encrypt({ name: "AES-GCM", iv, additionalData: aad(seq) }, key, utf8.encode(`${plainBody(requests, bundle)}}`))
      .then((ct) => {
        this.pending[slot] = `{"ct":"${toBase64(new Uint8Array(ct))}","iv":"${toBase64(iv)}","seq":${seq}}\n`;
      });
  }

  /** Writes queued lines (and fsyncs when asked). */
  flush(sync: boolean): void {
    if (this.pending.length > 0) {
      if (this.pending.includes("")) throw new AuditError("audit_io", "journal flushed before its encryption finished");
      this.file.append(utf8.encode(this.pending.join("")));
      this.pending = [];
    }
    if (sync) this.file.sync();
  }

  close(): void {
    this.file.close();
  }
}

function parseLine(line: RawLine): unknown {
  try {
    return JSON.parse(fatal.decode(line.bytes));
  } catch {
    return null;
  }
}

export interface JournalReadOptions {
  readonly key?: Uint8Array | CryptoKey;
}

/** Reads the journal in file order (decrypting when a key is given). Throws on a malformed line. */
export async function* readJournal(io: TrailIO, path: string, options: JournalReadOptions = {}): AsyncGenerator<JournalRecord> {
  if (io.size(path) === null) throw new AuditError("audit_invalid", `no journal at ${path}`);
  const key = options.key ? await aesKey(options.key, "decrypt") : null;
  let first = true;
  let n = 0;
  for (const line of readLines(io, path)) {
    n++;
    if (!line.complete) return; // a torn tail: the writer's next open cuts it off
    const parsed = parseLine(line) as Record<string, unknown> | null;
    if (parsed === null || typeof parsed !== "object") throw new AuditError("audit_corrupt", `${path}:${n}: not JSON`);
    if (first) {
      first = false;
      const h = parsed.journal as { encrypted?: boolean; format?: string } | undefined;
      if (!h || h.format !== JOURNAL_FORMAT) throw new AuditError("audit_corrupt", `${path} is not a replay journal`);
      if (h.encrypted && key === null) throw new AuditError("audit_invalid", `${path} is encrypted: a key is needed`);
      continue;
    }
    const seq = parsed.seq;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq)) throw new AuditError("audit_corrupt", `${path}:${n}: no seq`);
    let body: Record<string, unknown> = parsed;
    if (typeof parsed.ct === "string") {
      if (key === null) throw new AuditError("audit_invalid", `${path} is encrypted: a key is needed`);
      let plain: ArrayBuffer;
      try {
        plain = await globalThis.crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(String(parsed.iv)) as BufferSource, additionalData: aad(seq) }, key, fromBase64(parsed.ct) as BufferSource);
      } catch (cause) {
        throw new AuditError("audit_corrupt", `${path}:${n}: cannot decrypt entry ${seq} (wrong key, or the line was altered)`, { cause });
      }
      body = JSON.parse(fatal.decode(new Uint8Array(plain))) as Record<string, unknown>;
    }
    const reqs = body.requests;
    if (!Array.isArray(reqs) || !reqs.every((r) => typeof r === "string")) throw new AuditError("audit_corrupt", `${path}:${n}: malformed requests`);
    if (body.bundle !== undefined && typeof body.bundle !== "string") throw new AuditError("audit_corrupt", `${path}:${n}: malformed bundle`);
    const requests = reqs.map((r) => fromBase64(r as string));
    yield typeof body.bundle === "string" ? { seq, requests, bundle: fromBase64(body.bundle) } : { seq, requests };
  }
}
