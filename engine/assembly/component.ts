// enforcecore engine as a WebAssembly Component (world `engine` in engine/wit/engine.wit): the same
// sources as index.ts behind canonical-ABI exports, built by scripts/build-component.mjs into
// build/component-core.wasm, then wrapped by `jco embed` + `jco new` into build/engine.component.wasm.
//
// Core exports (names must equal the WIT function names; AS cannot spell '-' in an export name, so
// the build script renames `abi_version` -> `abi-version` and `load_error_offset` -> `load-error-offset`):
//   cabi_realloc(oldPtr, oldSize, align, newSize) -> ptr   the host lowers a list<u8> argument here
//   load(ptr, len) -> retptr                               result<_, s32>
//   evaluate(ptr, len) -> retptr                           result<list<u8>, s32>
//   cabi_post_evaluate(retptr)                             nothing to free (static regions)
//   abi-version() -> u32, load-error-offset() -> s32, max-reports() -> u32
//
// Memory plan: an argument is staged in the engine's INPUT region (memory.ts), which lies above
// PERSIST and so cannot clobber a loaded policy. `load` then moves the bundle down into BUNDLE
// (memory.copy has memmove semantics, the regions may overlap) before parsing it; `evaluate`
// answers the staged request where it lies. Results are written to a static return area; the
// answer list points into OUT (or SCRATCH, for an answer too long for OUT). No imports, no heap,
// no recursion, no floats (as index.ts).
import { MAX_REPORTS, reserveBundle, reserveInput, inputPtr } from "./memory";
import { gErrorAt } from "./policy";
import { answerPtr, evaluateRequest, loadPolicy, ERR_NO_MEMORY } from "./evaluate";
import { ABI_VERSION } from "./index";

// Canonical-ABI return area: u8 discriminant (0 ok, 1 err) at 0; payload at 4
// (ok list: u32 ptr at 4, u32 len at 8; err: s32 code at 4).
const RET = memory.data(12);

/** True once the region boundaries exist; before that, INPUT would start at address 0. */
let gLayout = false;

function setOk(): usize {
  store<u8>(RET, 0);
  return RET;
}

function setErr(code: i32): usize {
  store<u8>(RET, 1);
  store<i32>(RET, code, 4);
  return RET;
}

/**
 * Allocation for argument lowering. Every call of this world takes exactly one list<u8>, so one
 * staging area suffices: the INPUT region, right above everything that must survive the call.
 * Traps (the only safe answer: the host would otherwise write at address 0) when the memory
 * maximum (64 MiB) cannot hold the argument.
 */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (!gLayout) {
    reserveBundle(0); // nothing is loaded yet: place an empty BUNDLE so that PERSIST/INPUT exist
    gLayout = true;
  }
  const p = reserveInput(newSize);
  if (p == 0) unreachable();
  if (oldPtr != 0 && oldPtr != p) memory.copy(p, oldPtr, oldSize < newSize ? oldSize : newSize);
  return p;
}

/** load: func(bundle: list<u8>) -> result<_, s32>. Err -1 malformed (see load-error-offset), -3 no memory. */
export function load(ptr: usize, len: usize): usize {
  const dst = reserveBundle(len);
  gLayout = true;
  if (dst == 0) return setErr(ERR_NO_MEMORY);
  if (len > 0) memory.copy(dst, ptr, len);
  const r = loadPolicy();
  return r != 0 ? setErr(r) : setOk();
}

/** Byte offset in the bundle where the last load failed, or -1. */
export function load_error_offset(): i32 {
  return gErrorAt;
}

/** evaluate: func(request: list<u8>) -> result<list<u8>, s32>; the answer (in OUT, or in SCRATCH when it outgrew OUT) lives until the next call. */
export function evaluate(ptr: usize, len: usize): usize {
  if (len > 0 && ptr != inputPtr()) {
    // Not staged by cabi_realloc (a host that lowered the list elsewhere): stage it now.
    const p = reserveInput(len);
    if (p == 0) return setErr(ERR_NO_MEMORY);
    memory.copy(p, ptr, len);
  }
  const n = evaluateRequest(len);
  if (n < 0) return setErr(n);
  store<u8>(RET, 0);
  store<u32>(RET, <u32>answerPtr(), 4);
  store<u32>(RET, <u32>n, 8);
  return RET;
}

/** Runs after the host copied the answer out: nothing to free, every region is static. */
export function cabi_post_evaluate(ret: usize): void {}

export function abi_version(): u32 {
  return ABI_VERSION;
}

/** The most findings one call reports; a call with more blocks (too_many_violations). */
export function max_reports(): u32 {
  return MAX_REPORTS;
}
