/** enforcecore for Node.js: the shared API plus policy files read with node:fs. */
import { compilePolicyFileWith } from "../../core/policy-api.js";
import { loadPolicyFile } from "../../policies/loader.js";
import { nodeIO } from "../../policies/node-io.js";

export * from "../../core/index.js";
export * from "../../core/policy-api.js";
export { loadEngine, loadEngineSync, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "node";

export const loadPolicy = (path: string) => loadPolicyFile(path, nodeIO);
export const compilePolicyFile = (path: string) => compilePolicyFileWith(path, nodeIO);
