// A bounds-checked little-endian cursor over linear memory. A read past the end never traps:
// it sets `rBad` and returns 0, and callers check `rBad` once at the end of a parse.
import { persistFailed } from "./memory";

export let rp: usize = 0;
export let rEnd: usize = 0;
export let rBad: bool = false;
/** Whether the parse's first failure was an allocation in PERSIST that failed, not a bad byte (see fail). */
export let rBadIsMemory: bool = false;

export function readerInit(p: usize, len: usize): void {
  rp = p;
  rEnd = p + len;
  rBad = false;
  rBadIsMemory = false;
}

export function setPos(p: usize): void {
  rp = p;
}

export function need(n: usize): bool {
  if (rBad || n > rEnd - rp) { rBad = true; return false; }
  return true;
}

export function rdU8(): u32 {
  if (!need(1)) return 0;
  const v = <u32>load<u8>(rp); rp += 1; return v;
}

export function rdU32(): u32 {
  if (!need(4)) return 0;
  const v = load<u32>(rp); rp += 4; return v;
}

export function rdI32(): i32 {
  return <i32>rdU32();
}

export function rdI64(): i64 {
  if (!need(8)) return 0;
  const v = load<i64>(rp); rp += 8; return v;
}

export function rdF64(): f64 {
  if (!need(8)) return 0;
  const v = load<f64>(rp); rp += 8; return v;
}

/** Skips `n` bytes and returns where they start (0 when out of bounds). */
export function rdBytes(n: usize): usize {
  if (!need(n)) return 0;
  const p = rp; rp += n; return p;
}

/**
 * Fails the parse (e.g. an out-of-range index) without reading. Every failed PERSIST allocation is
 * followed by a fail(), so a first failure that comes with persistFailed set is a lack of memory:
 * load then says so instead of blaming a byte of a valid bundle.
 */
export function fail(): void {
  if (!rBad) rBadIsMemory = persistFailed;
  rBad = true;
}

/** After a request is validated: reads of already-validated structures need no bounds. */
export function readerTrust(): void {
  rEnd = (<usize>memory.size()) << 16;
  rBad = false;
}
