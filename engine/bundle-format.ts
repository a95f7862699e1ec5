/**
 * What every host needs to know about a compiled policy bundle, without the compiler:
 * its format constants, its metadata, and its identity. (engine/compiler/bundle.ts writes it.)
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { BundleError } from "../core/errors.js";
import type { Policy } from "../policies/schema.js";

export const BUNDLE_MAGIC = 0x31424345; // "ECB1"
export const BUNDLE_FORMAT = 18;

/** What the host needs to turn the engine's integer answers into messages, in bundle order. */
export interface BundleIndex {
  /** Content rules, then PII categories (`kind: "pii"`, name = the category), then secret rules (`kind: "secret"`). */
  readonly contentRules: readonly { name: string; description: string; kind: "content" | "pii" | "secret" }[];
  readonly argumentRules: readonly { tool: string; path: string }[];
  readonly rateLimits: readonly { key: string; max_calls: number; window_seconds: number }[];
  readonly allowedDomains: readonly string[];
  readonly deniedDomains: readonly string[];
}

export interface BundleMeta {
  readonly format: number;
  readonly policy: Policy;
  readonly index: BundleIndex;
}

export interface CompiledBundle {
  readonly bytes: Uint8Array;
  /** Lower-case hex SHA-256 of `bytes`: the policy's identity in decisions and audit entries. */
  readonly digest: string;
  readonly meta: BundleMeta;
}

type Sha256Hex = (bytes: Uint8Array) => string;
let sha256Hex: Sha256Hex = (bytes) => bytesToHex(sha256(bytes));

/**
 * Hosts with a native SHA-256 (node:crypto in Node, Deno and Bun) install it here: hashing a
 * large bundle in pure JS costs milliseconds of cold start. Edge and browsers keep the portable one.
 */
export function useNativeSha256(impl: Sha256Hex): void {
  sha256Hex = impl;
}

export function digestOf(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

/** Reads the metadata (stored last, followed by its u32 length) out of bundle bytes. */
export function readBundleMeta(bytes: Uint8Array): BundleMeta {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 16 || view.getUint32(0, true) !== BUNDLE_MAGIC) throw new BundleError("not an enforcecore policy bundle (bad magic)");
  if (view.getUint32(4, true) !== BUNDLE_FORMAT) throw new BundleError(`unsupported bundle format ${view.getUint32(4, true)} (this build reads ${BUNDLE_FORMAT})`);
  const len = view.getUint32(bytes.length - 4, true);
  if (len > bytes.length - 16) throw new BundleError("bundle metadata length is out of range");
  let meta: BundleMeta;
  try {
    meta = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(bytes.length - 4 - len, bytes.length - 4))) as BundleMeta;
  } catch (cause) {
    throw new BundleError(`bundle metadata is not valid JSON: ${(cause as Error).message}`);
  }
  if (typeof meta !== "object" || meta === null || meta.format !== BUNDLE_FORMAT || typeof meta.policy?.name !== "string" || typeof meta.index !== "object") {
    throw new BundleError("bundle metadata does not describe a policy");
  }
  return meta;
}

/** Wraps bundle bytes received from elsewhere (a file, a KV store, a request) for loading. */
export function openBundle(bytes: Uint8Array): CompiledBundle {
  return { bytes, digest: digestOf(bytes), meta: readBundleMeta(bytes) };
}
