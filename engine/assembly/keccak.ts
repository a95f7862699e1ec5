// Keccak-256 (the original Keccak submission's padding, 0x01, as Ethereum uses it; not SHA3-256,
// whose padding is 0x06): the hash behind the EIP-55 case checksum of Ethereum addresses
// (checks.ts). Integer-only (u64 lanes), no imports, no allocation, no recursion; every loop has
// a constant bound or is bounded by the input length.
//
// Sponge: rate 136 bytes (1088 bits), capacity 512, 24 rounds of Keccak-f[1600].
// test/redaction/keccak.test.ts compiles this file on its own and checks it against
// @noble/hashes' keccak_256 on the standard vectors and random inputs of every length to 600 bytes.

const RATE: i32 = 136;

// Round constants of the iota step.
const RC: usize = memory.data<u64>([
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000, 0x000000000000808b, 0x0000000080000001,
  0x8000000080008081, 0x8000000000008009, 0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080,
  0x000000000000800a, 0x800000008000000a, 0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]);

// rho offsets and pi destinations, in the order of the usual in-place "lane walk" (x, y) → (y, 2x + 3y).
const ROTC: usize = memory.data<u8>([1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44]);
const PILN: usize = memory.data<u8>([10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1]);

const STATE: usize = memory.data(200); // 25 lanes, little-endian
const C: usize = memory.data(40); // theta column parities
const BLOCK: usize = memory.data(RATE); // the last, padded block
/** Where keccak256 writes its 32-byte digest. */
export const KECCAK_OUT: usize = memory.data(32);
/** A scratch input buffer (callers may hash from anywhere in memory; this is for small inputs). */
export const KECCAK_SCRATCH_SIZE: i32 = 1024;
export const KECCAK_SCRATCH: usize = memory.data(KECCAK_SCRATCH_SIZE);

function lane(i: i32): u64 {
  return load<u64>(STATE + (<usize>i << 3));
}

function setLane(i: i32, v: u64): void {
  store<u64>(STATE + (<usize>i << 3), v);
}

function keccakF(): void {
  for (let round = 0; round < 24; round++) {
    // theta
    for (let x = 0; x < 5; x++) store<u64>(C + (<usize>x << 3), lane(x) ^ lane(x + 5) ^ lane(x + 10) ^ lane(x + 15) ^ lane(x + 20));
    for (let x = 0; x < 5; x++) {
      const d = load<u64>(C + (<usize>((x + 4) % 5) << 3)) ^ rotl<u64>(load<u64>(C + (<usize>((x + 1) % 5) << 3)), 1);
      for (let y = 0; y < 25; y += 5) setLane(y + x, lane(y + x) ^ d);
    }
    // rho and pi
    let t = lane(1);
    for (let i = 0; i < 24; i++) {
      const j = <i32>load<u8>(PILN + <usize>i);
      const next = lane(j);
      setLane(j, rotl<u64>(t, <u64>load<u8>(ROTC + <usize>i)));
      t = next;
    }
    // chi
    for (let y = 0; y < 25; y += 5) {
      const a0 = lane(y), a1 = lane(y + 1), a2 = lane(y + 2), a3 = lane(y + 3), a4 = lane(y + 4);
      setLane(y, a0 ^ (~a1 & a2));
      setLane(y + 1, a1 ^ (~a2 & a3));
      setLane(y + 2, a2 ^ (~a3 & a4));
      setLane(y + 3, a3 ^ (~a4 & a0));
      setLane(y + 4, a4 ^ (~a0 & a1));
    }
    // iota
    setLane(0, lane(0) ^ load<u64>(RC + (<usize>round << 3)));
  }
}

function absorb(block: usize): void {
  for (let i = 0; i < RATE / 8; i++) setLane(i, lane(i) ^ load<u64>(block + (<usize>i << 3)));
  keccakF();
}

/** Keccak-256 of `len` bytes at `ptr`; the digest is the 32 bytes at KECCAK_OUT (also returned). */
export function keccak256(ptr: usize, len: i32): usize {
  memory.fill(STATE, 0, 200);
  let off = 0;
  while (len - off >= RATE) {
    absorb(ptr + <usize>off);
    off += RATE;
  }
  // last block: the rest, then the Keccak pad10*1 with domain bits 0x01
  const rest = len - off;
  memory.fill(BLOCK, 0, RATE);
  memory.copy(BLOCK, ptr + <usize>off, <usize>rest);
  store<u8>(BLOCK + <usize>rest, 0x01);
  store<u8>(BLOCK + <usize>(RATE - 1), load<u8>(BLOCK + <usize>(RATE - 1)) | 0x80);
  absorb(BLOCK);
  memory.copy(KECCAK_OUT, STATE, 32);
  return KECCAK_OUT;
}
