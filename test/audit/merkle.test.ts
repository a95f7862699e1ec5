import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkConsistency,
  checkInclusion,
  CompactRange,
  consistencyProof,
  consistencyRanges,
  fromBase64,
  fromHex,
  inclusionProof,
  inclusionRanges,
  merkleRoot,
  ProofBuilder,
  ProofError,
  rfc6962,
  rootFromInclusionProof,
  rootFromLeafHashes,
  toBase64,
  toHex,
  TreeHasher,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from "../../audit/merkle.js";
import { nodeSha256 } from "../../audit/node-store.js";

const enc = new TextEncoder();
const vectors = JSON.parse(readFileSync(new URL("./vectors/transparency-dev-merkle.json", import.meta.url), "utf8"));

// transparency-dev/merkle testonly/constants.go LeafInputs() and RootHashes().
const LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(fromHex);
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const LEAF_PREFIXES = ["6e340b9c", "96a296d2", "0298d122", "07506a85", "bc1a0643", "4271a26b", "b08693ec", "46f6ffad"];

/** The RFC 6962 definition, recursively: the reference the fast code is checked against. */
function referenceRoot(leafHashes: readonly Hash[]): Hash {
  if (leafHashes.length === 0) return rfc6962.emptyRoot();
  if (leafHashes.length === 1) return leafHashes[0]!;
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return rfc6962.hashChildren(referenceRoot(leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k)));
}

const leafHashesOf = (n: number) => Array.from({ length: n }, (_, i) => rfc6962.hashLeaf(enc.encode(`leaf ${i}`)));

describe("RFC 6962 hasher known answers (transparency-dev/merkle rfc6962_test.go)", () => {
  it("empty tree, empty leaf, L123456 and node(N123, N456)", () => {
    expect(toHex(rfc6962.emptyRoot())).toBe(ROOTS[0]);
    expect(toHex(rfc6962.hashLeaf(new Uint8Array(0)))).toBe("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    expect(toHex(rfc6962.hashLeaf(enc.encode("L123456")))).toBe("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    expect(toHex(rfc6962.hashChildren(enc.encode("N123"), enc.encode("N456")))).toBe("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
  });

  it("the node:crypto hasher gives the same answers", () => {
    const h = new TreeHasher(nodeSha256);
    expect(toHex(h.hashLeaf(enc.encode("L123456")))).toBe("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56");
    expect(toHex(h.hashChildren(enc.encode("N123"), enc.encode("N456")))).toBe("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb");
    expect(toHex(merkleRoot(LEAVES, h))).toBe(ROOTS[8]);
  });
});

describe("standard 8-leaf input (transparency-dev/merkle testonly/constants.go)", () => {
  it("leaf-level node hashes", () => {
    expect(LEAVES.map((l) => toHex(rfc6962.hashLeaf(l)).slice(0, 8))).toEqual(LEAF_PREFIXES);
  });

  it("root hashes for every size 0..8, incrementally and from scratch", () => {
    const cr = new CompactRange();
    expect(toHex(cr.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      cr.append(rfc6962.hashLeaf(LEAVES[n - 1]!));
      expect(toHex(cr.root()), `size ${n}`).toBe(ROOTS[n]);
      expect(toHex(merkleRoot(LEAVES.slice(0, n))), `size ${n}`).toBe(ROOTS[n]);
    }
  });
});

const b64 = (s: string) => {
  try {
    return fromBase64(s);
  } catch {
    return enc.encode(s); // garbage stays garbage
  }
};
const num = (v: number | string) => (typeof v === "string" ? Number(v) : v);

describe("transparency-dev/merkle proof vectors", () => {
  for (const v of vectors.inclusion) {
    it(`inclusion ${v.file}: ${v.desc} → ${v.wantErr ? "error" : "ok"}`, () => {
      const proof = (v.proof ?? []).map(b64);
      const ok = (() => {
        try {
          checkInclusion(num(v.leafIdx), num(v.treeSize), b64(v.leafHash), proof, b64(v.root));
          return true;
        } catch (e) {
          expect(e).toBeInstanceOf(ProofError);
          return false;
        }
      })();
      expect(ok).toBe(!v.wantErr);
    });
  }

  for (const v of vectors.consistency) {
    it(`consistency ${v.file}: ${v.desc} → ${v.wantErr ? "error" : "ok"}`, () => {
      const ok = verifyConsistency(num(v.size1), num(v.size2), (v.proof ?? []).map(b64), b64(v.root1), b64(v.root2));
      expect(ok).toBe(!v.wantErr);
    });
  }

  it("generates exactly the happy-path proofs from the 8 standard leaves", () => {
    const hashes = LEAVES.map((l) => rfc6962.hashLeaf(l));
    for (const v of vectors.inclusion.filter((x: { wantErr: boolean }) => !x.wantErr)) {
      const proof = inclusionProof(v.leafIdx, hashes, v.treeSize).map(toBase64);
      expect(proof, v.file).toEqual(v.proof ?? []);
      expect(toBase64(merkleRoot(LEAVES.slice(0, v.treeSize)))).toBe(v.root);
    }
    for (const v of vectors.consistency.filter((x: { wantErr: boolean }) => !x.wantErr)) {
      expect(consistencyProof(v.size1, v.size2, hashes).map(toBase64), v.file).toEqual(v.proof ?? []);
    }
  });

  it("every vector the negative cases derive from verifies, and every bit flip of its proof fails", () => {
    for (const v of vectors.inclusion.filter((x: { wantErr: boolean }) => !x.wantErr)) {
      const proof: Uint8Array[] = (v.proof ?? []).map(b64);
      for (let i = 0; i < proof.length; i++) {
        for (let bit = 0; bit < 256; bit += 7) {
          const bad = proof.map((p) => p.slice());
          bad[i]![bit >> 3]! ^= 1 << (bit & 7);
          expect(verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), bad, b64(v.root))).toBe(false);
        }
      }
    }
  });
});

describe("properties", () => {
  it("the compact range root equals the recursive RFC 6962 definition", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (n) => {
        const hs = leafHashesOf(n);
        expect(toHex(rootFromLeafHashes(hs))).toBe(toHex(referenceRoot(hs)));
      }),
      { numRuns: 60 },
    );
  });

  it("a compact range restored from its hashes continues the same tree", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 50 }), (a, b) => {
        const hs = leafHashesOf(a + b);
        const first = new CompactRange();
        for (const h of hs.slice(0, a)) first.append(h);
        const restored = new CompactRange(rfc6962, first.size, first.hashes());
        for (const h of hs.slice(a)) restored.append(h);
        expect(toHex(restored.root())).toBe(toHex(referenceRoot(hs)));
      }),
      { numRuns: 60 },
    );
  });

  it("every inclusion proof verifies; any flipped byte, another index or a size of another shape fails", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 260 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.nat(), fc.nat())),
        ([n, i, pick, bitSeed]) => {
          const hs = leafHashesOf(n);
          const root = referenceRoot(hs);
          const proof = inclusionProof(i, hs);
          expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
          expect(verifyInclusion(i, n, hs[i]!, proof, root)).toBe(true);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            bad[pick % bad.length]![bitSeed % 32]! ^= 1 << (bitSeed % 8);
            expect(verifyInclusion(i, n, hs[i]!, bad, root)).toBe(false);
          }
          const leaf = hs[i]!.slice();
          leaf[bitSeed % 32]! ^= 0x80;
          expect(verifyInclusion(i, n, leaf, proof, root)).toBe(false);
          if (n > 1) expect(verifyInclusion((i + 1 + (pick % (n - 1))) % n, n, hs[i]!, proof, root)).toBe(false);
          // Another size fails when it changes the proof's shape. (It may not: leaf 0's path is the
          // same in trees of 9 and 10 leaves; the signed root is what binds the size.)
          const n2 = n + 1 + (pick % 5);
          if (inclusionRanges(i, n2).length !== proof.length) expect(verifyInclusion(i, n2, hs[i]!, proof, root)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("consistency proofs between any two sizes verify; tampering fails", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 260 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n), fc.nat())),
        ([m, n, seed]) => {
          const hs = leafHashesOf(n);
          const r1 = referenceRoot(hs.slice(0, m));
          const r2 = referenceRoot(hs);
          const proof = consistencyProof(m, n, hs);
          expect(verifyConsistency(m, n, proof, r1, r2)).toBe(true);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            bad[seed % bad.length]![seed % 32]! ^= 1 << (seed % 8);
            expect(verifyConsistency(m, n, bad, r1, r2)).toBe(false);
            expect(verifyConsistency(m, n, proof.slice(0, -1), r1, r2)).toBe(false);
            expect(verifyConsistency(m, n, [...proof, r2], r1, r2)).toBe(false);
          }
          if (m > 0 && m < n) {
            const bad2 = r2.slice();
            bad2[seed % 32]! ^= 1;
            expect(verifyConsistency(m, n, proof, r1, bad2)).toBe(false);
            const bad1 = r1.slice();
            bad1[seed % 32]! ^= 1;
            expect(verifyConsistency(m, n, proof, bad1, r2)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("proof shapes and verification agree for sizes far above 2^32", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.constant(n))), ([i, n]) => {
        const len = inclusionRanges(i, n).length;
        const dummy = Array.from({ length: len }, () => new Uint8Array(32));
        expect(() => rootFromInclusionProof(i, n, new Uint8Array(32), dummy)).not.toThrow();
        expect(() => rootFromInclusionProof(i, n, new Uint8Array(32), [...dummy, new Uint8Array(32)])).toThrow(/wrong proof size/);
        const m = 1 + (i % (n - 1));
        const cl = consistencyRanges(m, n).length;
        expect(() => checkShape(m, n, cl)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it("the streaming proof builder needs only leaves up to the last range", () => {
    const hs = leafHashesOf(100);
    const b = new ProofBuilder(inclusionRanges(3, 8));
    for (let i = 0; i < 8; i++) b.push(hs[i]!);
    expect(b.complete).toBe(true);
    expect(b.hashes().map(toHex)).toEqual(inclusionProof(3, hs, 8).map(toHex));
    expect(() => new ProofBuilder(inclusionRanges(3, 8)).hashes()).toThrow(ProofError);
  });

  it("refuses indices that are not safe integers", () => {
    expect(() => inclusionRanges(2 ** 53, 2 ** 53 + 2)).toThrow(ProofError);
    expect(verifyInclusion(-1, 8, new Uint8Array(32), [], new Uint8Array(32))).toBe(false);
    expect(verifyInclusion(0.5, 8, new Uint8Array(32), [], new Uint8Array(32))).toBe(false);
  });
});

function checkShape(m: number, n: number, len: number): void {
  // A proof of the right length (zero hashes) must fail on a root, never on its size.
  const dummy = Array.from({ length: len }, () => new Uint8Array(32));
  try {
    checkConsistency(m, n, dummy, new Uint8Array(32), new Uint8Array(32));
  } catch (e) {
    if (!(e instanceof ProofError) || /size|empty/.test(e.message)) throw new Error(`shape rejected for ${m}→${n}: ${(e as Error).message}`);
  }
}

describe("base64 and hex", () => {
  it("round-trips and is strict", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
        expect(fromBase64(toBase64(b))).toEqual(b);
        expect(toBase64(b)).toBe(Buffer.from(b).toString("base64"));
        expect(fromHex(toHex(b))).toEqual(b);
      }),
    );
    expect(() => fromBase64("QQ")).toThrow();
    expect(() => fromBase64("QR==")).toThrow(); // non-canonical trailing bits
    expect(() => fromBase64("Q===")).toThrow();
    expect(() => fromBase64("QQ=A")).toThrow();
  });
});
