import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { compileBundle, type BundleOptions } from "../../engine/compiler/bundle.js";
import { createEngineSync, type Engine, type EngineSource } from "../../engine/engine.js";
import { parsePolicyObject } from "../../policies/loader.js";

export const ENGINE_WASM = readFileSync(new URL("../../build/engine.wasm", import.meta.url));
const module = new WebAssembly.Module(ENGINE_WASM);

/** A fresh engine with `rules` (and optional top-level fields) compiled and loaded. */
export function engineFor(rules: Record<string, unknown>, top: Record<string, unknown> = {}, options: BundleOptions = {}): Engine {
  return engineWith(bundleFor(rules, top, options));
}

/** A fresh engine (the release build, or `wasm`) with `bundle` loaded. */
export function engineWith(bundle: CompiledBundle, wasm: EngineSource = module): Engine {
  const engine = createEngineSync(wasm, { digest: "test" });
  engine.loadPolicy(bundle);
  return engine;
}

/**
 * A variant of the engine for tests, never shipped: the same sources built by
 * scripts/build-engine.mjs with `ascArgs` passed to the compiler (`--use NAME=1`, `--maximumMemory
 * N`, an extra entry file). Takes a few seconds: call it from beforeAll.
 */
export function buildEngineVariant(ascArgs: readonly string[]): Uint8Array {
  const root = new URL("../..", import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), "enforcecore-engine-variant-"));
  try {
    const out = join(dir, "engine.wasm");
    execFileSync(process.execPath, [join(root, "scripts/build-engine.mjs"), "--out", out, ...ascArgs.flatMap((a) => ["--asc", a])], { cwd: root, stdio: "pipe" });
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function bundleFor(rules: Record<string, unknown>, top: Record<string, unknown> = {}, options: BundleOptions = {}) {
  return compileBundle(parsePolicyObject({ name: "test", ...top, rules }).policy, options);
}

export function call(engine: Engine, tool: string, args: unknown = {}, now = 1_000) {
  return engine.preCall({ tool, args, now });
}
