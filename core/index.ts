/**
 * The runtime-agnostic API, shared by every host. Hosts add only how the wasm is loaded and how
 * files are read (hosts/<runtime>/index.ts).
 */
export * from "./errors.js";
export { createEngine, createEngineSync, Engine, engineDigestOf, ENGINE_ABI_VERSION } from "../engine/engine.js";
export type { EngineOptions, EngineSource, EntityExclusion, LoadedPolicy, PostCallRequest, PreCallRequest, ReportWindow } from "../engine/engine.js";
export { openBundle, readBundleMeta, digestOf, BUNDLE_FORMAT } from "../engine/bundle-format.js";
export type { BundleIndex, BundleMeta, CompiledBundle } from "../engine/bundle-format.js";
export type { Decision, EngineState, Violation } from "../engine/decision.js";
export type { DecisionKind, ViolationAction, ViolationType } from "../engine/abi.js";
export { Enforcer, syncDepthTracker, violationError } from "./enforcer.js";
export type { AuditSink, CallOptions, CallOutcome, CallRecord, ControlRecord, DepthTracker, EnforcerOptions, Hooks, HookCall, KillSwitchRecord, ReloadRecord, Tool, ToolContext } from "./enforcer.js";
export { MultiTenantEnforcer, defineHost } from "./host.js";
export type { CreateEnforcerOptions, HostFacilities, PolicySource } from "./host.js";
export type { WatchOptions } from "./watch.js";
export { createTokenVault, redactSpans, replacedSpans, replacementFor, tokenVaultFor, type RedactionOptions, type ReplacedSpan, type Replacement, type TokenVault, type TokenVaultOptions } from "./redact-spans.js";
export { bindStreamEngine, streamHoldBack, type HostRedactStreamOptions, type RedactStreamOptions, type StreamRedactor } from "./redact-stream.js";
export { entityExclusionFor, piiScopeFor, toolOverride, type PiiScope } from "./pii-scope.js";
