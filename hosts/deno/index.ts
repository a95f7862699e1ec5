/** enforcecore for Deno: the shared API plus policy files read and watched with Deno's APIs. */
import { bindStreamEngine } from "../../core/redact-stream.js";
import { asyncDepthTracker } from "../../core/async-depth.js";
import { installNativeSha256 } from "../../core/node-facilities.js";
import type { Enforcer } from "../../core/enforcer.js";
import { loadEngineSync } from "../../core/embedded.js";
import { defineHost } from "../../core/host.js";
import { compilePolicyFileWith, compilePolicyObject } from "../../core/policy-api.js";
import { watchPolicyWith, type FileWatcher, type WatchOptions } from "../../core/watch.js";
import { loadPolicyFile } from "../../policies/loader.js";
import { denoIO } from "./io.js";

export * from "../../core/index.js";
export * from "../../core/policy-api.js";
export * from "../../audit/index.js";
// Trail files through Deno's own file APIs (flock-backed writer lock). nodeTrailIO (node:fs
// compatibility) stays exported for code that passed it explicitly before.
export { denoTrailIO, openDenoTrail as openAuditTrail, verifyDenoTrail as verifyAuditTrail, proveDenoInclusion as proveAuditInclusion, readSignerKeyText } from "./trail-io.js";
export { nodeTrailIO } from "../../audit/node-store.js";
export { loadEngine, loadEngineSync, engineWasmBytes, ENGINE_DIGEST } from "../../core/embedded.js";
export const runtime = "deno";
installNativeSha256();
/** Streaming redaction with this runtime's engine (docs/REDACTION.md, "Streaming"). */
export const { redactStream, redactTransformStream, createStreamRedactor } = bindStreamEngine(loadEngineSync);

declare const Deno: {
  watchFs(paths: string[]): AsyncIterable<unknown> & { close(): void };
  env: { get(name: string): string | undefined };
};

export const loadPolicy = (path: string) => loadPolicyFile(path, denoIO);
export const compilePolicyFile = (path: string) => compilePolicyFileWith(path, denoIO);
export const { createEnforcer, enforce, multiTenant } = defineHost({
  createEngine: loadEngineSync,
  compile: (source) => (typeof source === "string" ? compilePolicyFile(source) : compilePolicyObject(source)),
  depthTracker: asyncDepthTracker,
});

const denoWatcher: FileWatcher = (paths, onChange) => {
  const w = Deno.watchFs([...paths]);
  (async () => {
    for await (const _ of w) onChange();
  })().catch(() => {});
  return { close: () => w.close() };
};

export const watchPolicy = (enforcer: Enforcer, path: string, options?: WatchOptions) => watchPolicyWith(denoWatcher, compilePolicyFile, enforcer, path, options);
export const defaultPolicyPath = () => {
  const value = Deno.env.get("ENFORCECORE_DEFAULT_POLICY");
  if (!value) throw new Error("ENFORCECORE_DEFAULT_POLICY is not set: pass a policy or set it to a policy file");
  return value;
};
