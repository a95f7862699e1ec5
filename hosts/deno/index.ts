/** enforcecore for Deno: the shared API plus policy files read with Deno's file API. */
import { compilePolicyFileWith } from "../../core/policy-api.js";
import { loadPolicyFile } from "../../policies/loader.js";
import { denoIO } from "./io.js";

export * from "../../core/index.js";
export * from "../../core/policy-api.js";
export { loadEngine, loadEngineSync, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "deno";

export const loadPolicy = (path: string) => loadPolicyFile(path, denoIO);
export const compilePolicyFile = (path: string) => compilePolicyFileWith(path, denoIO);
