/** enforcecore for browsers: no file system; policies arrive as text, objects or bundles. */
export * from "../../core/index.js";
export * from "../../core/policy-api.js";
export { loadEngine, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "browser";
