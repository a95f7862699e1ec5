/**
 * Signed checkpoints: the C2SP tlog-checkpoint body (origin, tree size, base64 root) in a C2SP
 * signed note, signed with Ed25519 through WebCrypto (`crypto.subtle`, present in Node ≥ 20,
 * Deno, Bun, browsers and workers), so no extra dependency and one code path everywhere.
 *
 *   example.com/audit            ← origin (the log's name)
 *   42                           ← tree size
 *   qE4u…=                       ← base64 RFC 6962 root
 *                                ← blank line
 *   — example.com/audit AAAA…=   ← one line per signature: key name, base64(key ID ‖ signature)
 *
 * Keys use the Go `golang.org/x/mod/sumdb/note` text forms, so existing tools read them:
 *   signer key   PRIVATE+KEY+<name>+<8 hex key ID>+base64(0x01 ‖ 32-byte Ed25519 seed)
 *   verifier key <name>+<8 hex key ID>+base64(0x01 ‖ 32-byte Ed25519 public key)
 * key ID = first 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key).
 */
import { EnforceCoreError } from "../core/errors.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { equalHashes, fromBase64, HASH_SIZE, toBase64, type Hash } from "./merkle.js";

export class NoteError extends EnforceCoreError {
  constructor(message: string) {
    super("audit_invalid", message);
  }
}

const ALG_ED25519 = 0x01;
const EM_DASH = "\u2014";
/** Verifiers must accept at least 16 signatures (C2SP); the Go reference stops at 100. */
export const MAX_NOTE_SIGNATURES = 100;

const utf8 = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new NoteError("WebCrypto (crypto.subtle) is not available in this runtime");
  return s;
}

/** Key names are non-empty, with no Unicode space and no `+` (C2SP signed-note). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u.test(name) && !hasControl(name);
}

function hasControl(s: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(s);
}

/** The 32-bit key ID of an Ed25519 key (signed-note §Signatures). */
export function keyId(name: string, publicKey: Uint8Array): number {
  const n = utf8.encode(name);
  const buf = new Uint8Array(n.length + 2 + publicKey.length);
  buf.set(n, 0);
  buf[n.length] = 0x0a;
  buf[n.length + 1] = ALG_ED25519;
  buf.set(publicKey, n.length + 2);
  const h = sha256(buf);
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

const hex8 = (id: number) => id.toString(16).padStart(8, "0");

export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

export interface Ed25519Signer extends NoteSigner {
  readonly publicKey: Uint8Array;
  /** The verifier key text for this signer (`name+id+base64`), to hand to verifiers. */
  readonly vkey: string;
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the only private-key import WebCrypto has.
const PKCS8_ED25519_PREFIX = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

function b64url(s: string): Uint8Array {
  return fromBase64(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
}

/** An Ed25519 signer from a 32-byte seed (RFC 8032 private key). */
export async function signerFromSeed(name: string, seed: Uint8Array): Promise<Ed25519Signer> {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new NoteError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_ED25519_PREFIX);
  pkcs8.set(seed, 16);
  const key = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
  const jwk = await subtle().exportKey("jwk", key);
  if (typeof jwk.x !== "string") throw new NoteError("this runtime cannot derive the Ed25519 public key");
  const publicKey = b64url(jwk.x);
  const id = keyId(name, publicKey);
  const priv = await subtle().importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
  return {
    name,
    keyId: id,
    publicKey,
    vkey: verifierKeyText(name, publicKey),
    sign: async (message) => new Uint8Array(await subtle().sign({ name: "Ed25519" }, priv, message as BufferSource)),
  };
}

export function verifierKeyText(name: string, publicKey: Uint8Array): string {
  const typed = new Uint8Array(33);
  typed[0] = ALG_ED25519;
  typed.set(publicKey, 1);
  return `${name}+${hex8(keyId(name, publicKey))}+${toBase64(typed)}`;
}

function splitKey(text: string, parts: number): string[] {
  // The name cannot contain '+', the base64 can: split on the first parts-1 pluses only.
  const out: string[] = [];
  let rest = text.trim();
  for (let i = 0; i < parts - 1; i++) {
    const at = rest.indexOf("+");
    if (at < 0) throw new NoteError("malformed key");
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function decodeTypedKey(name: string, idHex: string, b64: string): Uint8Array {
  if (!isValidKeyName(name)) throw new NoteError(`invalid key name ${JSON.stringify(name)}`);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new NoteError("malformed key ID");
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64);
  } catch {
    throw new NoteError("malformed key: bad base64");
  }
  if (raw.length !== 33 || raw[0] !== ALG_ED25519) throw new NoteError("only Ed25519 keys (type 0x01, 32 bytes) are supported");
  return raw.subarray(1);
}

/** Parses a Go-format signer key `PRIVATE+KEY+name+id+base64(0x01 ‖ seed)`; checks the key ID. */
export async function parseSignerKey(skey: string): Promise<Ed25519Signer> {
  const [p, k, name, idHex, b64] = splitKey(skey, 5);
  if (p !== "PRIVATE" || k !== "KEY") throw new NoteError("a signer key starts with PRIVATE+KEY+");
  const seed = decodeTypedKey(name!, idHex!, b64!);
  const signer = await signerFromSeed(name!, seed);
  if (hex8(signer.keyId) !== idHex) throw new NoteError("signer key ID does not match its key");
  return signer;
}

/** Parses a verifier key `name+id+base64(0x01 ‖ public key)`; checks the key ID. */
export async function parseVerifierKey(vkey: string): Promise<NoteVerifier & { readonly publicKey: Uint8Array }> {
  const [name, idHex, b64] = splitKey(vkey, 3);
  const publicKey = decodeTypedKey(name!, idHex!, b64!);
  const id = keyId(name!, publicKey);
  if (hex8(id) !== idHex) throw new NoteError("verifier key ID does not match its key");
  const key = await subtle().importKey("raw", publicKey as BufferSource, { name: "Ed25519" }, false, ["verify"]);
  return {
    name: name!,
    keyId: id,
    publicKey: publicKey.slice(),
    verify: async (message, signature) => {
      if (signature.length !== 64) return false;
      try {
        return await subtle().verify({ name: "Ed25519" }, key, signature as BufferSource, message as BufferSource);
      } catch {
        return false;
      }
    },
  };
}

/** A new random Ed25519 key pair, as signer and verifier key texts. Store the signer key secretly. */
export async function generateKey(name: string): Promise<{ skey: string; vkey: string }> {
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const signer = await signerFromSeed(name, seed);
  const typed = new Uint8Array(33);
  typed[0] = ALG_ED25519;
  typed.set(seed, 1);
  return { skey: `PRIVATE+KEY+${name}+${hex8(signer.keyId)}+${toBase64(typed)}`, vkey: signer.vkey };
}

// ---- notes ----

function checkText(text: string): void {
  if (!text.endsWith("\n")) throw new NoteError("note text must end in a newline");
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(text)) throw new NoteError("note text has a control character");
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) throw new NoteError("note text is not valid Unicode");
}

/** Signs a note text (which must end in "\n") with every signer, in order. */
export async function signNote(text: string, signers: readonly NoteSigner[]): Promise<string> {
  checkText(text);
  if (signers.length === 0) throw new NoteError("a signed note needs at least one signer");
  const msg = utf8.encode(text);
  let out = `${text}\n`;
  for (const s of signers) {
    if (!isValidKeyName(s.name)) throw new NoteError(`invalid key name ${JSON.stringify(s.name)}`);
    const sig = await s.sign(msg);
    const blob = new Uint8Array(4 + sig.length);
    new DataView(blob.buffer).setUint32(0, s.keyId >>> 0, false);
    blob.set(sig, 4);
    out += `${EM_DASH} ${s.name} ${toBase64(blob)}\n`;
  }
  return out;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  readonly signature: Uint8Array;
}

/** Splits a signed note into its text and signature lines, without verifying anything. */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  if (!note.endsWith("\n")) throw new NoteError("malformed note: no final newline");
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("malformed note: no blank line before the signatures");
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split("\n");
  if (lines.length === 0 || (lines.length === 1 && lines[0] === "")) throw new NoteError("malformed note: no signatures");
  if (lines.length > MAX_NOTE_SIGNATURES) throw new NoteError(`note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
    if (!m || !isValidKeyName(m[1]!)) throw new NoteError("malformed signature line");
    let blob: Uint8Array;
    try {
      blob = fromBase64(m[2]!);
    } catch {
      throw new NoteError("malformed signature: bad base64");
    }
    if (blob.length < 5) throw new NoteError("malformed signature: too short");
    return { name: m[1]!, keyId: new DataView(blob.buffer, blob.byteOffset).getUint32(0, false), signature: blob.slice(4) };
  });
  return { text, signatures };
}

export interface OpenedNote {
  readonly text: string;
  /** Names of the known keys whose signatures verified. */
  readonly verifiedBy: readonly string[];
  /** Signatures from keys not in the verifier list (ignored, as the spec requires). */
  readonly unknown: readonly { readonly name: string; readonly keyId: number }[];
}

/**
 * Verifies a signed note (C2SP rules): signatures from unknown keys (name and ID not both known)
 * are ignored; a known key whose signature fails rejects the whole note; at least one known key
 * must have signed.
 */
export async function openNote(note: string, verifiers: readonly NoteVerifier[]): Promise<OpenedNote> {
  const { text, signatures } = parseNote(note);
  const msg = utf8.encode(text);
  const verifiedBy: string[] = [];
  const unknown: { name: string; keyId: number }[] = [];
  for (const sig of signatures) {
    const matches = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId);
    if (matches.length === 0) {
      unknown.push({ name: sig.name, keyId: sig.keyId });
      continue;
    }
    if (matches.length > 1) throw new NoteError(`ambiguous verifiers for ${sig.name}+${hex8(sig.keyId)}`);
    if (!(await matches[0]!.verify(msg, sig.signature))) throw new NoteError(`invalid signature by ${sig.name}+${hex8(sig.keyId)}`);
    if (!verifiedBy.includes(sig.name)) verifiedBy.push(sig.name);
  }
  if (verifiedBy.length === 0) throw new NoteError("no signature from a known key");
  return { text, verifiedBy, unknown };
}

// ---- checkpoints (C2SP tlog-checkpoint) ----

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Hash;
  /** Extension lines (NOT RECOMMENDED by the spec; kept for reading other logs' checkpoints). */
  readonly extensions?: readonly string[];
}

export function checkpointBody(cp: Checkpoint): string {
  if (!cp.origin || /[\n\r]/.test(cp.origin) || hasControl(cp.origin)) throw new NoteError("checkpoint origin must be one non-empty line");
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) throw new NoteError("checkpoint size must be a non-negative integer");
  if (cp.root.length !== HASH_SIZE) throw new NoteError("checkpoint root must be 32 bytes");
  for (const e of cp.extensions ?? []) if (e === "" || /[\n\r]/.test(e)) throw new NoteError("extension lines must be non-empty single lines");
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n${(cp.extensions ?? []).map((e) => `${e}\n`).join("")}`;
}

export function parseCheckpointBody(text: string): Checkpoint {
  checkText(text);
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) throw new NoteError("checkpoint has fewer than 3 lines");
  const [origin, size, root, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin === "") throw new NoteError("checkpoint origin is empty");
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new NoteError("checkpoint size is not a canonical decimal");
  let r: Uint8Array;
  try {
    r = fromBase64(root);
  } catch {
    throw new NoteError("checkpoint root is not base64");
  }
  if (r.length !== HASH_SIZE) throw new NoteError("checkpoint root is not 32 bytes");
  if (extensions.some((e) => e === "")) throw new NoteError("checkpoint has an empty extension line");
  return { origin, size: Number(size), root: r, ...(extensions.length ? { extensions } : {}) };
}

export async function signCheckpoint(cp: Checkpoint, signers: readonly NoteSigner[]): Promise<string> {
  return signNote(checkpointBody(cp), signers);
}

/** Verifies a signed checkpoint and parses it; optionally checks its origin. */
export async function openCheckpoint(note: string, verifiers: readonly NoteVerifier[], origin?: string): Promise<Checkpoint & { readonly verifiedBy: readonly string[] }> {
  const opened = await openNote(note, verifiers);
  const cp = parseCheckpointBody(opened.text);
  if (origin !== undefined && cp.origin !== origin) throw new NoteError(`checkpoint origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(origin)}`);
  return { ...cp, verifiedBy: opened.verifiedBy };
}

export function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.origin === b.origin && a.size === b.size && equalHashes(a.root, b.root);
}

