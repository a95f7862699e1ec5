// Keccak-256 inside the engine (engine/assembly/keccak.ts), compiled here on its own so the hash can
// be called directly, checked against @noble/hashes' keccak_256: the standard vectors and random
// inputs of every length around the 136-byte rate. Then EIP-55 through the whole engine.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import asc from "assemblyscript/asc";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { detect, engineWith, prng } from "./helpers.js";

interface KeccakModule {
  memory: WebAssembly.Memory;
  keccak256(ptr: number, len: number): number;
  KECCAK_SCRATCH: WebAssembly.Global;
  KECCAK_SCRATCH_SIZE: WebAssembly.Global;
}

let k: KeccakModule;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "keccak-"));
  const out = join(dir, "keccak.wasm");
  const file = new URL("../../engine/assembly/keccak.ts", import.meta.url).pathname;
  const { error, stderr } = await asc.main([file, "--outFile", out, "--runtime", "stub", "--use", "abort=", "-O3", "--noAssert"]);
  if (error) throw new Error(`asc: ${stderr.toString()}`);
  const module = new WebAssembly.Module(readFileSync(out));
  rmSync(dir, { recursive: true, force: true });
  expect(WebAssembly.Module.imports(module)).toEqual([]); // zero imports, like the engine
  k = new WebAssembly.Instance(module, {}).exports as unknown as KeccakModule;
}, 60_000);

function hash(bytes: Uint8Array): string {
  const at = k.KECCAK_SCRATCH.value as number;
  expect(bytes.length).toBeLessThanOrEqual(k.KECCAK_SCRATCH_SIZE.value as number);
  new Uint8Array(k.memory.buffer, at, bytes.length).set(bytes);
  const out = k.keccak256(at, bytes.length);
  return bytesToHex(new Uint8Array(k.memory.buffer, out, 32));
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("Keccak-256 (engine/assembly/keccak.ts)", () => {
  it("matches the standard Keccak-256 vectors", () => {
    // The published Keccak-256 values (Ethereum's hash; not SHA3-256).
    expect(hash(utf8(""))).toBe("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    expect(hash(utf8("abc"))).toBe("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    expect(hash(utf8("The quick brown fox jumps over the lazy dog"))).toBe("4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15");
    expect(hash(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))).toBe("45d3b367a6904e6e8d502ee04999a7c27647f91fa845d456525fd352ae3d7371");
    // and the same ones from the reference implementation
    for (const s of ["", "abc", "The quick brown fox jumps over the lazy dog", "a".repeat(200)]) expect(hash(utf8(s))).toBe(bytesToHex(keccak_256(utf8(s))));
  });

  it("agrees with @noble/hashes on every length from 0 to 600 bytes (1-5 blocks, every padding case)", () => {
    const r = prng(55);
    for (let n = 0; n <= 600; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
      expect(hash(bytes), `length ${n}`).toBe(bytesToHex(keccak_256(bytes)));
    }
  });

  it("agrees with @noble/hashes on random inputs (property)", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => hash(bytes) === bytesToHex(keccak_256(bytes))), { numRuns: 300 });
  });
});

/** The EIP-55 form of a 20-byte address (reference: noble's keccak, not the engine's). */
function eip55(hex40: string): string {
  const h = bytesToHex(keccak_256(utf8(hex40.toLowerCase())));
  return `0x${[...hex40.toLowerCase()].map((c, i) => (/[a-f]/.test(c) && Number.parseInt(h[i] as string, 16) >= 8 ? c.toUpperCase() : c)).join("")}`;
}

describe("EIP-55 checksummed Ethereum addresses", () => {
  const engine = engineWith({ categories: ["eth_address"] });
  const found = (a: string) => detect(engine, `send to ${a} now`).map((f) => f.text);

  it("accepts the EIP-55 examples and rejects them with one letter's case flipped", () => {
    // The test vectors of EIP-55 itself.
    const vectors = [
      "0x52908400098527886E0F7030069857D2E4169EE7", "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
      "0xde709f2102306220921060314715629080e2fb77", "0x27b1fdb04752bbc536007a920d24acb045561c26",
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];
    for (const a of vectors) {
      expect(eip55(a.slice(2)) === a || a.slice(2) === a.slice(2).toLowerCase() || a.slice(2) === a.slice(2).toUpperCase()).toBe(true);
      expect(found(a)).toEqual([a]);
    }
    expect(found("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")).toEqual([]); // last letter flipped
    expect(found("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")).toEqual([]); // second letter flipped
  });

  it("accepts all-lower and all-upper addresses as unchecksummed (EIP-55)", () => {
    expect(found("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")).toEqual(["0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"]);
    expect(found("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")).toEqual(["0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"]);
  });

  it("random addresses: the EIP-55 form is found, any single case flip of a letter is not", () => {
    const r = prng(7);
    let flipped = 0;
    for (let t = 0; t < 200; t++) {
      const hex = Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join("");
      const a = eip55(hex);
      expect(found(a)).toEqual([a]);
      const letters = [...a.slice(2)].map((c, i) => (/[a-fA-F]/.test(c) ? i + 2 : -1)).filter((i) => i >= 0);
      if (letters.length < 2) continue; // flipping the only letter makes it all-lower/all-upper: valid
      const i = letters[Math.floor(r() * letters.length)] as number;
      const c = a[i] as string;
      const bad = a.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + a.slice(i + 1);
      const body = bad.slice(2);
      if (body === body.toLowerCase() || body === body.toUpperCase()) continue;
      expect(found(bad), bad).toEqual([]);
      flipped++;
    }
    expect(flipped).toBeGreaterThan(150);
  });
});
