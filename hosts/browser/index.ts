/** enforcecore for browsers: no file system; policies arrive as text, objects or bundles. */
export * from "../../core/index.js";
export * from "../../audit/index.js";
export * from "../../core/policy-api.js";
export { loadEngine, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "browser";

import { defineHost } from "../../core/host.js";
import { loadEngineSync } from "../../core/embedded.js";
import { compilePolicyObject, compilePolicyText } from "../../core/policy-api.js";
import { bindStreamEngine } from "../../core/redact-stream.js";

/** Streaming redaction with this runtime's engine (docs/REDACTION.md, "Streaming"). */
export const { redactStream, redactTransformStream, createStreamRedactor } = bindStreamEngine(loadEngineSync);

/** Enforcers in the browser: policies as bundles, objects or YAML text (no file system). */
export const { createEnforcer, enforce, multiTenant } = defineHost({
  createEngine: loadEngineSync,
  compile: (source) => (typeof source === "string" ? compilePolicyText(source) : compilePolicyObject(source)),
});
