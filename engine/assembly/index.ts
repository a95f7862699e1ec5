// enforcecore engine: the module's whole interface. Hand-written byte ABI (docs/ENGINE.md):
//   1. p = bundle_alloc(n); write the bundle at p; load() == 0
//   2. per request: p = input_alloc(n); write the request at p; r = evaluate(n)
//      r >= 0: the answer is r bytes at output_ptr() (read it after each call: an answer with many
//      findings moves); r < 0: an error code (the host blocks the call)
// No imports, no floats in results, no recursion, no allocation outside the regions in memory.ts.
import { MAX_REPORTS, reserveBundle, reserveInput } from "./memory";
import { gErrorAt } from "./policy";
import { answerPtr, evaluateRequest, loadPolicy } from "./evaluate";
import { scanWork } from "./entities";

export const ABI_VERSION: u32 = 2;

export function abi_version(): u32 {
  return ABI_VERSION;
}

export function bundle_alloc(len: u32): u32 {
  return <u32>reserveBundle(<usize>len);
}

/** 0, -1 malformed (load_error_offset gives the byte), -3 its tables do not fit in memory. No policy after a failure. */
export function load(): i32 {
  return loadPolicy();
}

/** Byte offset in the bundle where validation failed, or -1. */
export function load_error_offset(): i32 {
  return gErrorAt;
}

export function input_alloc(len: u32): u32 {
  return <u32>reserveInput(<usize>len);
}

export function evaluate(len: u32): i32 {
  return evaluateRequest(<usize>len);
}

/** Where the last answer is: valid until the next call into the engine. */
export function output_ptr(): u32 {
  return <u32>answerPtr();
}

/** The most findings one call reports (MAX_REPORTS); a call with more blocks (too_many_violations). */
export function max_reports(): u32 {
  return MAX_REPORTS;
}

/**
 * Units read by the entity rules' verification runs during the last evaluate (beyond the one
 * pass of the head tables): deterministic, so tests can bound the work per unit of text.
 */
export function scan_work(): u32 {
  return scanWork;
}
