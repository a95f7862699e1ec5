import { readFileSync } from "node:fs";
import { compileBundle, type BundleOptions } from "../../engine/compiler/bundle.js";
import { createEngineSync, type Engine } from "../../engine/engine.js";
import { parsePolicyObject } from "../../policies/loader.js";

export const ENGINE_WASM = readFileSync(new URL("../../build/engine.wasm", import.meta.url));
const module = new WebAssembly.Module(ENGINE_WASM);

/** A fresh engine with `rules` (and optional top-level fields) compiled and loaded. */
export function engineFor(rules: Record<string, unknown>, top: Record<string, unknown> = {}, options: BundleOptions = {}): Engine {
  const engine = createEngineSync(module, { digest: "test" });
  engine.loadPolicy(bundleFor(rules, top, options));
  return engine;
}

export function bundleFor(rules: Record<string, unknown>, top: Record<string, unknown> = {}, options: BundleOptions = {}) {
  return compileBundle(parsePolicyObject({ name: "test", ...top, rules }).policy, options);
}

export function call(engine: Engine, tool: string, args: unknown = {}, now = 1_000) {
  return engine.preCall({ tool, args, now });
}
