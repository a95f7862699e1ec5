/**
 * enforcecore for edge runtimes (workerd / Cloudflare Workers, Vercel Edge): policy-only checks.
 * These runtimes refuse to compile wasm from bytes, so the engine is imported as a module, and
 * the policy arrives precompiled (`enforcecore compile policy.yaml -o policy.bundle`).
 * No file system, no compiler, no YAML: the bundle is all a worker needs.
 */
import engineModule from "./engine.wasm";
import { ENGINE_DIGEST } from "../../build/generated/engine-digest.js";
import { createEngine, createEngineSync, type Engine } from "../../engine/engine.js";
import { openBundle, type CompiledBundle } from "../../engine/bundle-format.js";
import { defineHost } from "../../core/host.js";
import { bindStreamEngine } from "../../core/redact-stream.js";

export * from "../../core/index.js";
export { ENGINE_DIGEST };
export const runtime = "edge";

function asBundle(bundle: Uint8Array | ArrayBuffer | CompiledBundle): CompiledBundle {
  if (bundle instanceof Uint8Array) return openBundle(bundle);
  if (bundle instanceof ArrayBuffer) return openBundle(new Uint8Array(bundle));
  return bundle;
}

/** An engine with the given bundle loaded. Create one per tenant/policy; reuse it across requests. */
export async function createEdgeEngine(bundle: Uint8Array | ArrayBuffer | CompiledBundle): Promise<Engine> {
  const engine = await createEngine(engineModule, { digest: ENGINE_DIGEST });
  engine.loadPolicy(asBundle(bundle));
  return engine;
}

export function createEdgeEngineSync(bundle: Uint8Array | ArrayBuffer | CompiledBundle): Engine {
  const engine = createEngineSync(engineModule, { digest: ENGINE_DIGEST });
  engine.loadPolicy(asBundle(bundle));
  return engine;
}

/**
 * Enforcers for workers: policies are bundles (no compiler on the edge), nesting depth follows
 * synchronous calls and `ctx.call` (no AsyncLocalStorage is assumed).
 */
export const { createEnforcer, enforce, multiTenant } = defineHost({
  createEngine: () => createEngineSync(engineModule, { digest: ENGINE_DIGEST }),
});

/** Streaming redaction (docs/REDACTION.md, "Streaming"); the bundle comes precompiled, like the enforcer's. */
export const { redactStream, redactTransformStream, createStreamRedactor } = bindStreamEngine(() => createEngineSync(engineModule, { digest: ENGINE_DIGEST }));
