/**
 * The engine embedded as base64 (hosts that cannot import a .wasm file as a module: Node without
 * flags, Deno without read permission, Bun, browsers). Decoding 21 KB takes well under a millisecond.
 */
import { ENGINE_DIGEST, ENGINE_WASM_BASE64 } from "../build/generated/engine-wasm.js";
import { createEngine, createEngineSync, type Engine } from "../engine/engine.js";

export { ENGINE_DIGEST };

let bytes: Uint8Array | null = null;

export function engineWasmBytes(): Uint8Array {
  if (bytes === null) {
    const bin = atob(ENGINE_WASM_BASE64);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  return bytes;
}

let module: WebAssembly.Module | null = null;

/** A new engine instance (one per policy/tenant); the module is compiled once per process. */
export function loadEngineSync(): Engine {
  module ??= new WebAssembly.Module(engineWasmBytes() as BufferSource);
  return createEngineSync(module, { digest: ENGINE_DIGEST });
}

export async function loadEngine(): Promise<Engine> {
  module ??= await WebAssembly.compile(engineWasmBytes() as BufferSource);
  return createEngine(module, { digest: ENGINE_DIGEST });
}
