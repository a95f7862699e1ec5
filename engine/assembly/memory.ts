// Linear-memory layout. The engine never uses the AssemblyScript heap: every byte it touches lives
// in one of these regions, so there is no GC, no allocation failure mid-call, and nothing that
// could depend on the host. Layout, from low to high addresses:
//
//   [static data][OUT: fixed 64 KiB][BUNDLE: the policy bytes][PERSIST: tables built at load,
//    rate-limit rings][INPUT: one request][SCRATCH: per-call arena, reset at every call]
//
// Only INPUT and SCRATCH change per call (and, in static data, the checks' small buffers and
// text.ts's table of units, a cache of a fixed function); PERSIST is written at load and
// by state updates. An answer is written in OUT; one too long for it (thousands of findings)
// moves to SCRATCH, so OUT stays small and memory grows only for the calls that need it
// (evaluate.ts violation).

export const OUT_CAP: usize = 65536;

/**
 * Most findings (violations) one call reports; past it the call blocks (too_many_violations).
 * Bounds the answer (28 bytes a finding) and the per-text match table (12 bytes a match).
 * Test builds may lower it (`--use ENGINE_MAX_REPORTS=N`) to reach the limit with small texts.
 */
// @ts-ignore: defined only by such a build's --use
export const MAX_REPORTS: u32 = isDefined(ENGINE_MAX_REPORTS) ? <u32>ENGINE_MAX_REPORTS : 65536;

let gBase: usize = 0;
let gBundleLen: usize = 0;
let gPersistStart: usize = 0;
let gPersistTop: usize = 0;
let gInputPtr: usize = 0;
let gScratchTop: usize = 0;
let gScratchEnd: usize = 0;
/** Set when a per-call allocation failed; the call then answers ERR_NO_MEMORY (fail closed). */
export let scratchFailed = false;
/** Set when a PERSIST allocation failed since the last persistReset (a load then answers -3, not -1). */
export let persistFailed = false;

function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

/** Grows linear memory so that `end` is addressable. False when the memory maximum would be exceeded. */
export function ensureMemory(end: usize): bool {
  const have = (<usize>memory.size()) << 16;
  if (end <= have) return true;
  const pages = <i32>((end - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

export function outPtr(): usize {
  if (gBase == 0) gBase = align16(__heap_base);
  return gBase;
}

export function bundlePtr(): usize {
  return outPtr() + OUT_CAP;
}

/** Reserves room for a bundle of `len` bytes; returns where the host must write it, or 0. */
export function reserveBundle(len: usize): usize {
  const start = bundlePtr();
  if (!ensureMemory(align16(start + len))) return 0;
  gBundleLen = len;
  gPersistStart = align16(start + len);
  gPersistTop = gPersistStart;
  gInputPtr = 0;
  return start;
}

export function bundleLen(): usize {
  return gBundleLen;
}

/**
 * The memory maximum in pages: asconfig.json's maximumMemory (scripts/check-engine.mjs checks that
 * they agree). Test builds with another maximum pass it too (`--use ENGINE_MAXIMUM_PAGES=N`).
 */
// @ts-ignore: defined only by such a build's --use
const MAXIMUM_PAGES: usize = isDefined(ENGINE_MAXIMUM_PAGES) ? <usize>ENGINE_MAXIMUM_PAGES : 1024;

/**
 * Room that tables the engine can do without (the derived scan tables) must leave below the
 * maximum: they are built only while a request of a few MiB would still fit above them, so they
 * never take the memory that calls need (without them the same scans run on the bundle's tables).
 * Checked against the maximum, not by growing: memory grows only for what is allocated.
 */
const OPTIONAL_HEADROOM: usize = 4 << 20;

/** Bump allocation in PERSIST, zeroed; 0 when memory cannot grow (not flagged). */
function persistTake(size: usize): usize {
  const p = gPersistTop;
  const end = align16(p + size);
  if (!ensureMemory(end)) return 0;
  memory.fill(p, 0, end - p);
  gPersistTop = end;
  return p;
}

/** Bump allocation in the region that outlives calls (tables built at load, state). Zeroed. */
export function persistAlloc(size: usize): usize {
  const p = persistTake(size);
  if (p == 0) persistFailed = true;
  return p;
}

/** persistAlloc for an optional table: 0 unless OPTIONAL_HEADROOM stays below the maximum above it (not a load failure). */
export function persistAllocOptional(size: usize): usize {
  if (align16(gPersistTop + size) + OPTIONAL_HEADROOM > MAXIMUM_PAGES << 16) return 0;
  return persistTake(size);
}

/** The current top of PERSIST (for persistRewind). */
export function persistMark(): usize {
  return gPersistTop;
}

/** Forgets every PERSIST allocation made since `mark` (temporaries of the tables built at load). */
export function persistRewind(mark: usize): void {
  gPersistTop = mark;
}

export function persistReset(): void {
  gPersistTop = gPersistStart;
  persistFailed = false;
}

/** Reserves the input region right after PERSIST; returns its address, or 0 when memory is exhausted. */
export function reserveInput(len: usize): usize {
  const p = align16(gPersistTop);
  if (!ensureMemory(align16(p + len) + 65536)) return 0;
  gInputPtr = p;
  gScratchTop = align16(p + len);
  gScratchEnd = (<usize>memory.size()) << 16;
  return p;
}

export function inputPtr(): usize {
  return gInputPtr;
}

/** Resets the per-call arena: everything allocated by the previous call is forgotten. */
export function scratchReset(inputLen: usize): void {
  gScratchTop = align16(gInputPtr + inputLen);
  gScratchEnd = (<usize>memory.size()) << 16;
  scratchFailed = false;
}

/** Per-call bump allocation. Returns 0 when the memory maximum is reached (the call then fails closed). */
export function scratchAlloc(size: usize): usize {
  const p = gScratchTop;
  const end = align16(p + size);
  if (end > gScratchEnd) {
    if (!ensureMemory(end)) { scratchFailed = true; return 0; }
    gScratchEnd = (<usize>memory.size()) << 16;
  }
  gScratchTop = end;
  return p;
}
