/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, proofs and incremental state. Runtime-agnostic.
 *
 *   MTH({})  = SHA-256("")
 *   leaf     = SHA-256(0x00 ‖ d)
 *   node     = SHA-256(0x01 ‖ left ‖ right)
 *   MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n.
 *
 * Indices and sizes are JavaScript numbers (safe integers, < 2^53): anything else is refused.
 * Proof verification follows transparency-dev/merkle `proof/verify.go` and is O(log n); proof
 * generation streams leaf hashes and keeps O(log² n) memory (see ProofBuilder), so a proof over a
 * file-backed trail never loads the file.
 */
import { EnforceCoreError } from "../core/errors.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

export type Hash = Uint8Array;
export type Sha256 = (data: Uint8Array) => Uint8Array;

export const HASH_SIZE = 32;

/** The RFC 6962 hasher over a SHA-256 implementation (default: @noble/hashes, pure JS). */
export class TreeHasher {
  private readonly nodeBuf = new Uint8Array(1 + 2 * HASH_SIZE);
  constructor(readonly sha256: Sha256 = nobleSha256) {
    this.nodeBuf[0] = 1;
  }

  emptyRoot(): Hash {
    return this.sha256(new Uint8Array(0));
  }

  hashLeaf(data: Uint8Array): Hash {
    const buf = new Uint8Array(1 + data.length);
    buf.set(data, 1);
    return this.sha256(buf);
  }

  hashChildren(left: Hash, right: Hash): Hash {
    if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
      this.nodeBuf.set(left, 1);
      this.nodeBuf.set(right, 1 + HASH_SIZE);
      return this.sha256(this.nodeBuf);
    }
    const buf = new Uint8Array(1 + left.length + right.length);
    buf[0] = 1;
    buf.set(left, 1);
    buf.set(right, 1 + left.length);
    return this.sha256(buf);
  }
}

export const rfc6962 = new TreeHasher();

/** A proof that does not verify, or arguments that cannot describe a proof. */
export class ProofError extends EnforceCoreError {
  constructor(message: string) {
    super("audit_proof", message);
  }
}

// ---- integer helpers for safe integers above 2^32 (no BigInt on the hot path) ----

const TWO32 = 2 ** 32;

function checkSize(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw new ProofError(`${name} must be a non-negative safe integer, got ${v}`);
}

function bitLen(x: number): number {
  return x >= TWO32 ? 32 + bitLen(Math.floor(x / TWO32)) : 32 - Math.clz32(x);
}

function xor(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) ^ Math.floor(b / TWO32)) >>> 0;
  const lo = ((a % TWO32) ^ (b % TWO32)) >>> 0;
  return hi * TWO32 + lo;
}

function popCount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function onesCount(x: number): number {
  return popCount32(Math.floor(x / TWO32) >>> 0) + popCount32((x % TWO32) >>> 0);
}

function trailingZeros(x: number): number {
  if (x === 0) return 64;
  let n = 0;
  while (x % 2 === 0) {
    x /= 2;
    n++;
  }
  return n;
}

function shiftRight(x: number, n: number): number {
  return Math.floor(x / 2 ** n);
}

function bit(x: number, i: number): number {
  return shiftRight(x, i) % 2;
}

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  return 2 ** (bitLen(n - 1) - 1);
}

// ---- roots ----

/**
 * The right edge of a tree: the roots of its perfect subtrees, largest first (one per set bit of
 * the size). Appending is O(1) amortised (O(log n) worst case); the root is O(log n).
 */
export class CompactRange {
  private readonly stack: Hash[];
  private n: number;

  constructor(
    private readonly hasher: TreeHasher = rfc6962,
    size = 0,
    hashes: readonly Hash[] = [],
  ) {
    checkSize("size", size);
    if (hashes.length !== onesCount(size)) throw new ProofError(`a compact range of size ${size} has ${onesCount(size)} hashes, got ${hashes.length}`);
    for (const h of hashes) if (h.length !== HASH_SIZE) throw new ProofError("compact range hashes must be 32 bytes");
    this.stack = hashes.map((h) => h.slice());
    this.n = size;
  }

  get size(): number {
    return this.n;
  }

  /** The perfect-subtree roots, largest first (a copy). */
  hashes(): Hash[] {
    return this.stack.map((h) => h.slice());
  }

  append(leafHash: Hash): void {
    if (leafHash.length !== HASH_SIZE) throw new ProofError(`leaf hash must be ${HASH_SIZE} bytes`);
    let s = this.n;
    let h = leafHash;
    while (s % 2 === 1) {
      h = this.hasher.hashChildren(this.stack.pop()!, h);
      s = Math.floor(s / 2);
    }
    this.stack.push(h);
    this.n++;
  }

  root(): Hash {
    if (this.stack.length === 0) return this.hasher.emptyRoot();
    let r = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) r = this.hasher.hashChildren(this.stack[i]!, r);
    return r;
  }

  clone(): CompactRange {
    return new CompactRange(this.hasher, this.n, this.stack);
  }
}

/** MTH over leaf hashes. */
export function rootFromLeafHashes(leafHashes: Iterable<Hash>, hasher: TreeHasher = rfc6962): Hash {
  const cr = new CompactRange(hasher);
  for (const h of leafHashes) cr.append(h);
  return cr.root();
}

/** MTH over leaf data (hashes each leaf first). */
export function merkleRoot(leaves: Iterable<Uint8Array>, hasher: TreeHasher = rfc6962): Hash {
  const cr = new CompactRange(hasher);
  for (const d of leaves) cr.append(hasher.hashLeaf(d));
  return cr.root();
}

// ---- proof shapes (which subtree hashes a proof holds, in proof order) ----

/** A half-open range of leaf indices [start, end): its MTH is one proof element. */
export type Range = readonly [start: number, end: number];

/** RFC 6962 §2.1.1 PATH(m, D[n]) as ranges, in proof order (bottom-up). */
export function inclusionRanges(index: number, size: number): Range[] {
  checkSize("index", index);
  checkSize("size", size);
  if (index >= size) throw new ProofError(`index ${index} is beyond size ${size}`);
  const out: Range[] = [];
  const path = (m: number, lo: number, n: number): void => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, lo, k);
      out.push([lo + k, lo + n]);
    } else {
      path(m - k, lo + k, n - k);
      out.push([lo, lo + k]);
    }
  };
  path(index, 0, size);
  return out;
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) as ranges, in proof order. Empty when m = 0 or m = n. */
export function consistencyRanges(size1: number, size2: number): Range[] {
  checkSize("size1", size1);
  checkSize("size2", size2);
  if (size1 > size2) throw new ProofError(`size1 ${size1} is beyond size2 ${size2}`);
  const out: Range[] = [];
  if (size1 === 0 || size1 === size2) return out;
  const sub = (m: number, lo: number, n: number, b: boolean): void => {
    if (m === n) {
      if (!b) out.push([lo, lo + n]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, lo, k, b);
      out.push([lo + k, lo + n]);
    } else {
      sub(m - k, lo + k, n - k, false);
      out.push([lo, lo + k]);
    }
  };
  sub(size1, 0, size2, true);
  return out;
}

/**
 * Computes the MTH of each range from leaf hashes pushed in index order (0, 1, 2, …), keeping
 * one compact range per proof element: O(log n) ranges of O(log n) hashes. Feed it every leaf up
 * to the largest range end, then call hashes().
 */
export class ProofBuilder {
  private readonly order: number[];
  private readonly acc: (CompactRange | null)[];
  private readonly done: (Hash | null)[];
  private cursor = 0;
  private next = 0;

  constructor(
    readonly ranges: readonly Range[],
    private readonly hasher: TreeHasher = rfc6962,
  ) {
    this.order = ranges.map((_, i) => i).sort((a, b) => ranges[a]![0] - ranges[b]![0]);
    this.acc = ranges.map(() => null);
    this.done = ranges.map(() => null);
  }

  /** The leaf index the builder expects next. */
  get position(): number {
    return this.next;
  }

  /** True once every range is complete (later leaves are not needed). */
  get complete(): boolean {
    return this.cursor >= this.order.length;
  }

  push(leafHash: Hash): void {
    const idx = this.next++;
    while (this.cursor < this.order.length) {
      const ri = this.order[this.cursor]!;
      const [start, end] = this.ranges[ri]!;
      if (idx < start) return; // the excluded leaf, or a gap between ranges
      if (idx < end) {
        let acc = this.acc[ri];
        if (!acc) {
          acc = new CompactRange(this.hasher);
          this.acc[ri] = acc;
        }
        acc.append(leafHash);
        if (idx === end - 1) {
          this.done[ri] = acc.root();
          this.acc[ri] = null;
          this.cursor++;
        }
        return;
      }
      this.cursor++; // cannot happen with well-formed, disjoint ranges
    }
  }

  hashes(): Hash[] {
    return this.done.map((h, i) => {
      if (h === null) throw new ProofError(`range [${this.ranges[i]![0]}, ${this.ranges[i]![1]}) was not fed completely (got ${this.next} leaves)`);
      return h;
    });
  }
}

function fromLeafHashes(ranges: Range[], leafHashes: readonly Hash[], hasher: TreeHasher): Hash[] {
  const b = new ProofBuilder(ranges, hasher);
  for (let i = 0; i < leafHashes.length && !b.complete; i++) b.push(leafHashes[i]!);
  return b.hashes();
}

/** Inclusion proof of leaf `index` in the tree of the first `size` leaf hashes (default: all). */
export function inclusionProof(index: number, leafHashes: readonly Hash[], size = leafHashes.length, hasher: TreeHasher = rfc6962): Hash[] {
  if (size > leafHashes.length) throw new ProofError(`size ${size} is beyond the ${leafHashes.length} leaves given`);
  return fromLeafHashes(inclusionRanges(index, size), leafHashes, hasher);
}

/** Consistency proof between the trees of the first `size1` and `size2` leaf hashes. */
export function consistencyProof(size1: number, size2: number, leafHashes: readonly Hash[], hasher: TreeHasher = rfc6962): Hash[] {
  if (size2 > leafHashes.length) throw new ProofError(`size ${size2} is beyond the ${leafHashes.length} leaves given`);
  return fromLeafHashes(consistencyRanges(size1, size2), leafHashes, hasher);
}

// ---- verification (transparency-dev/merkle proof/verify.go) ----

function innerProofSize(index: number, size: number): number {
  return bitLen(xor(index, size - 1));
}

function decompInclProof(index: number, size: number): [inner: number, border: number] {
  const inner = innerProofSize(index, size);
  return [inner, onesCount(shiftRight(index, inner))];
}

function chainInner(h: TreeHasher, seed: Hash, proof: readonly Hash[], index: number): Hash {
  for (let i = 0; i < proof.length; i++) seed = bit(index, i) === 0 ? h.hashChildren(seed, proof[i]!) : h.hashChildren(proof[i]!, seed);
  return seed;
}

function chainInnerRight(h: TreeHasher, seed: Hash, proof: readonly Hash[], index: number): Hash {
  for (let i = 0; i < proof.length; i++) if (bit(index, i) === 1) seed = h.hashChildren(proof[i]!, seed);
  return seed;
}

function chainBorderRight(h: TreeHasher, seed: Hash, proof: readonly Hash[]): Hash {
  for (const p of proof) seed = h.hashChildren(p, seed);
  return seed;
}

function checkHashes(what: string, hs: readonly Hash[]): void {
  for (let i = 0; i < hs.length; i++) if (hs[i]!.length !== HASH_SIZE) throw new ProofError(`${what}[${i}] is ${hs[i]!.length} bytes, not ${HASH_SIZE}`);
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** The root implied by an inclusion proof; throws ProofError if the proof cannot be one. */
export function rootFromInclusionProof(index: number, size: number, leafHash: Hash, proof: readonly Hash[], hasher: TreeHasher = rfc6962): Hash {
  checkSize("index", index);
  checkSize("size", size);
  if (index >= size) throw new ProofError(`index ${index} is beyond size ${size}`);
  if (leafHash.length !== HASH_SIZE) throw new ProofError(`leaf hash is ${leafHash.length} bytes, not ${HASH_SIZE}`);
  checkHashes("proof", proof);
  const [inner, border] = decompInclProof(index, size);
  if (proof.length !== inner + border) throw new ProofError(`wrong proof size ${proof.length}, want ${inner + border}`);
  const res = chainInner(hasher, leafHash, proof.slice(0, inner), index);
  return chainBorderRight(hasher, res, proof.slice(inner));
}

/** Throws ProofError unless `proof` shows leaf `index` with `leafHash` in the tree (size, root). */
export function checkInclusion(index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash, hasher: TreeHasher = rfc6962): void {
  const got = rootFromInclusionProof(index, size, leafHash, proof, hasher);
  if (!equalHashes(got, root)) throw new ProofError("calculated root does not match the expected root");
}

export function verifyInclusion(index: number, size: number, leafHash: Hash, proof: readonly Hash[], root: Hash, hasher: TreeHasher = rfc6962): boolean {
  try {
    checkInclusion(index, size, leafHash, proof, root, hasher);
    return true;
  } catch (e) {
    if (e instanceof ProofError) return false;
    throw e;
  }
}

/** Throws ProofError unless `proof` shows the tree (size2, root2) extends the tree (size1, root1). */
export function checkConsistency(size1: number, size2: number, proof: readonly Hash[], root1: Hash, root2: Hash, hasher: TreeHasher = rfc6962): void {
  checkSize("size1", size1);
  checkSize("size2", size2);
  checkHashes("proof", proof);
  if (size2 < size1) throw new ProofError(`size2 (${size2}) < size1 (${size1})`);
  if (size1 === size2) {
    if (proof.length > 0) throw new ProofError("size1 = size2, but the proof is not empty");
    if (!equalHashes(root1, root2)) throw new ProofError("equal sizes with different roots");
    return;
  }
  if (size1 === 0) {
    if (proof.length > 0) throw new ProofError(`expected an empty proof, got ${proof.length} hashes`);
    return;
  }
  if (proof.length === 0) throw new ProofError("empty proof");
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE) throw new ProofError("roots must be 32 bytes");

  let [inner, border] = decompInclProof(size1 - 1, size2);
  const shift = trailingZeros(size1);
  inner -= shift;
  let seed = proof[0]!;
  let start = 1;
  if (size1 === 2 ** shift) {
    seed = root1;
    start = 0;
  }
  if (proof.length !== start + inner + border) throw new ProofError(`wrong proof size ${proof.length}, want ${start + inner + border}`);
  const rest = proof.slice(start);
  const mask = shiftRight(size1 - 1, shift);
  let hash1 = chainInnerRight(hasher, seed, rest.slice(0, inner), mask);
  hash1 = chainBorderRight(hasher, hash1, rest.slice(inner));
  if (!equalHashes(hash1, root1)) throw new ProofError("calculated root1 does not match the expected root1");
  let hash2 = chainInner(hasher, seed, rest.slice(0, inner), mask);
  hash2 = chainBorderRight(hasher, hash2, rest.slice(inner));
  if (!equalHashes(hash2, root2)) throw new ProofError("calculated root2 does not match the expected root2");
}

export function verifyConsistency(size1: number, size2: number, proof: readonly Hash[], root1: Hash, root2: Hash, hasher: TreeHasher = rfc6962): boolean {
  try {
    checkConsistency(size1, size2, proof, root1, root2, hasher);
    return true;
  } catch (e) {
    if (e instanceof ProofError) return false;
    throw e;
  }
}

// ---- encodings shared by the audit modules ----

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX_BYTE[b[i]!]!;
  return s;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0) throw new ProofError("not hex");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const a = s.charCodeAt(2 * i);
    const b = s.charCodeAt(2 * i + 1);
    const hi = a < 128 ? HEX_VALUE[a]! : -1;
    const lo = b < 128 ? HEX_VALUE[b]! : -1;
    if (hi < 0 || lo < 0) throw new ProofError("not hex");
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 (RFC 4648 §4) with padding. */
export function toBase64(b: Uint8Array): string {
  let s = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >>> 18]! + B64[(n >>> 12) & 63]! + B64[(n >>> 6) & 63]! + B64[n & 63]!;
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += `${B64[n >>> 18]!}${B64[(n >>> 12) & 63]!}${i + 1 < b.length ? B64[(n >>> 6) & 63]! : "="}=`;
  }
  return s;
}

/** Strict standard base64: padding required, no whitespace, canonical trailing bits. */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new ProofError("base64 length is not a multiple of 4");
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      const last = i + 4 === s.length;
      if (c === 61 && last && j >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = c < 128 ? B64_INDEX[c]! : -1;
      if (v < 0) throw new ProofError("invalid base64 character");
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >>> 16) & 255;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    else if (pad === 2 && (n & 0xffff) !== 0) throw new ProofError("non-canonical base64");
    if (o < out.length) out[o++] = n & 255;
    else if (pad === 1 && (n & 0xff) !== 0) throw new ProofError("non-canonical base64");
  }
  return out;
}
