/** enforcecore for Bun: Bun implements node:fs and AsyncLocalStorage, so only the runtime tag differs from Node. */
import { bindStreamEngine } from "../../core/redact-stream.js";
import { loadEngineSync as loadEngineSyncForStreams } from "../../core/embedded.js";
import { defineHost } from "../../core/host.js";
import { installNativeSha256, nodeFacilities, nodeWatcher } from "../../core/node-facilities.js";
import { compilePolicyFileWith } from "../../core/policy-api.js";
import { watchPolicyWith, type WatchOptions } from "../../core/watch.js";
import type { Enforcer } from "../../core/enforcer.js";
import { loadPolicyFile } from "../../policies/loader.js";
import { nodeIO } from "../../policies/node-io.js";

export * from "../../core/index.js";
export * from "../../core/policy-api.js";
export * from "../../audit/index.js";
export { nodeTrailIO, openNodeTrail as openAuditTrail, verifyNodeTrail as verifyAuditTrail, proveNodeInclusion as proveAuditInclusion, readSignerKeyText } from "../../audit/node-store.js";
export { loadEngine, loadEngineSync, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "bun";
installNativeSha256();
/** Streaming redaction with this runtime's engine (docs/REDACTION.md, "Streaming"). */
export const { redactStream, redactTransformStream, createStreamRedactor } = bindStreamEngine(loadEngineSyncForStreams);

export const loadPolicy = (path: string) => loadPolicyFile(path, nodeIO);
export const compilePolicyFile = (path: string) => compilePolicyFileWith(path, nodeIO);
export const { createEnforcer, enforce, multiTenant } = defineHost(nodeFacilities);
export const watchPolicy = (enforcer: Enforcer, path: string, options?: WatchOptions) => watchPolicyWith(nodeWatcher, compilePolicyFile, enforcer, path, options);
/** The policy named by ENFORCECORE_DEFAULT_POLICY (a file path), or an error saying it is unset. */
export const defaultPolicyPath = () => envPolicy(process.env.ENFORCECORE_DEFAULT_POLICY);

function envPolicy(value: string | undefined): string {
  if (!value) throw new Error("ENFORCECORE_DEFAULT_POLICY is not set: pass a policy or set it to a policy file");
  return value;
}
