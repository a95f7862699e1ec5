// Malformed bundles and requests: the engine answers with an error (the host then blocks the
// call), never traps the host and never allows.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnforceCoreError } from "../../core/errors.js";
import { createEngineSync } from "../../engine/engine.js";
import { bundleFor, ENGINE_WASM } from "./helpers.js";

const valid = bundleFor({
  allowed_tools: ["a*", "b"],
  denied_tools: ["x"],
  network: { enabled: true, allowed_domains: ["*.ok.com"] },
  content_rules: { enabled: true, block_patterns: [] },
  argument_rules: { a: { p: { pattern: "[a-z]+", max_length: 5 } } },
  rate_limits: { enabled: true, per_tool: { a: { max_calls: 3, window_seconds: 1 } } },
});

function raw() {
  const module = new WebAssembly.Module(ENGINE_WASM);
  const instance = new WebAssembly.Instance(module, {});
  return instance.exports as unknown as {
    memory: WebAssembly.Memory;
    bundle_alloc(n: number): number;
    load(): number;
    input_alloc(n: number): number;
    evaluate(n: number): number;
  };
}

function loadRaw(x: ReturnType<typeof raw>, bytes: Uint8Array): number {
  const p = x.bundle_alloc(bytes.length);
  if (p === 0) return -99;
  new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
  return x.load();
}

function evalRaw(x: ReturnType<typeof raw>, bytes: Uint8Array): number {
  const p = x.input_alloc(bytes.length);
  if (p === 0) return -99;
  new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
  return x.evaluate(bytes.length);
}

describe("fuzzing the engine boundary", () => {
  it("rejects random bytes as a bundle without trapping", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const x = raw();
      expect(loadRaw(x, bytes)).toBeLessThan(0);
      expect(evalRaw(x, new Uint8Array(16))).toBe(-1); // nothing loaded: error, never an answer
    }), { numRuns: 300 });
  });

  it("survives every truncation and single-byte corruption of a valid bundle", () => {
    const x = raw();
    for (let n = 0; n < valid.bytes.length; n += Math.max(1, Math.floor(valid.bytes.length / 400))) {
      expect(loadRaw(x, valid.bytes.subarray(0, n))).toBeLessThan(0);
    }
    fc.assert(fc.property(fc.nat(valid.bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const bytes = valid.bytes.slice();
      bytes[at]! ^= xor;
      const y = raw();
      const r = loadRaw(y, bytes);
      // Either rejected, or a structurally valid (different) policy that still answers cleanly.
      if (r === 0) expect(evalRaw(y, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(-2);
      else expect(r).toBeLessThan(0);
    }), { numRuns: 500 });
  });

  it("answers malformed requests with an error code", () => {
    const x = raw();
    expect(loadRaw(x, valid.bytes)).toBe(0);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      const r = evalRaw(x, bytes);
      // Random bytes may form a valid kill-switch/reset request; anything else must be an error.
      const op = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : 0;
      if (op !== 3 && op !== 4) expect(r).toBeLessThan(0);
    }), { numRuns: 500 });
  });

  it("maps engine errors to typed EnforceCoreErrors in the TypeScript face", () => {
    const e = createEngineSync(ENGINE_WASM);
    expect(() => e.preCall({ tool: "a", args: {}, now: 1 })).toThrow(EnforceCoreError);
    expect(() => e.loadPolicy(new Uint8Array([1, 2, 3]))).toThrow(EnforceCoreError);
    e.loadPolicy(valid);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => e.preCall({ tool: "a", args: cyclic, now: 1 })).toThrow(/cycle/);
    expect(() => e.preCall({ tool: "a", args: {}, now: -1 })).toThrow(EnforceCoreError);
    expect(() => e.evaluateRaw(new Uint8Array([9, 9, 9]))).toThrow(expect.objectContaining({ code: "engine_fault" }));
  });
});
