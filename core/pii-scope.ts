/**
 * Which PII categories and secret rules apply to one tool (`pii_redaction.per_tool`, docs/REDACTION.md
 * "Per-tool overrides"). The bundle holds the union of what any tool needs; a request names the
 * rules that do not apply to its tool (`entityExclusionFor`), and the engine then does not run them
 * on that call's keys or values, so its answer (and the audit record, and a replay of it) is the one
 * the tool's own rules give: an out-of-scope finding in an object key no longer blocks the call,
 * while every other reason to block is decided as before.
 */
import type { BundleMeta } from "../engine/bundle-format.js";
import type { PiiToolOverride } from "../policies/schema.js";
import { perToolEntry } from "./tool-keys.js";

/** The `per_tool` override of a tool: an exact key first, else the first matching glob in policy order. */
export function toolOverride(meta: BundleMeta, tool: string): PiiToolOverride | null {
  return perToolEntry(meta.policy.rules.pii_redaction.per_tool, tool) ?? null;
}

/** Which PII and secret findings apply to one tool, under the policy's per-tool overrides. */
export interface PiiScope {
  /** Whether the entity rule `name` of `kind` (a bundle index entry) applies to this tool. */
  appliesTo(kind: "pii" | "secret", name: string): boolean;
}

/**
 * The scope of `tool`: without an override, the section's categories, custom types and secret
 * rules. With one: `enabled: false` drops them all; its `categories` (built-in and custom names)
 * replace the section's categories and custom types; its `secrets` replace the section's secret
 * settings.
 */
export function piiScopeFor(meta: BundleMeta, tool: string): PiiScope {
  const pii = meta.policy.rules.pii_redaction;
  const o = toolOverride(meta, tool);
  const custom = (pii.custom ?? []).map((c) => c.name);
  const categories = new Set<string>(o?.categories ?? [...pii.categories, ...custom]);
  const secretsOn = o?.secrets.enabled ?? pii.secrets.enabled;
  const secretList = o?.secrets.categories ?? pii.secrets.categories;
  const secrets = secretList === null ? null : new Set(secretList);
  const appliesTo = (kind: "pii" | "secret", name: string): boolean => {
    if (o && !o.enabled) return false;
    if (kind === "secret") return secretsOn && (secrets === null || secrets.has(name));
    return categories.has(name);
  };
  return { appliesTo };
}

// Per bundle, per tool name: the exclusion (null: every rule applies). Tool names come from code,
// but a caller could make up many: past this many distinct names, exclusions are computed afresh.
const MAX_CACHED_TOOLS = 1024;
const exclusions = new WeakMap<BundleMeta, Map<string, Uint32Array | null>>();
const NO_OVERRIDES = new Map<string, Uint32Array | null>(); // the marker of a policy without per_tool

/**
 * The entity rules of the bundle that do not apply to `tool`, as the request's scope section wants
 * them: bit r (word r >> 5) set for content-rule index r. Null when every rule applies, which is
 * always the case for a policy without `per_tool` (its requests are then byte-identical to before).
 */
export function entityExclusionFor(meta: BundleMeta, tool: string): Uint32Array | null {
  // Looked up on every call: a policy without per_tool costs one WeakMap lookup, no allocation.
  let byTool = exclusions.get(meta);
  if (byTool === undefined) {
    const perTool = meta.policy.rules.pii_redaction.per_tool;
    byTool = perTool === undefined || Object.keys(perTool).length === 0 ? NO_OVERRIDES : new Map();
    exclusions.set(meta, byTool);
  }
  if (byTool === NO_OVERRIDES) return null;
  const known = byTool.get(tool);
  if (known !== undefined) return known;
  const scope = piiScopeFor(meta, tool);
  const rules = meta.index.contentRules;
  const mask = new Uint32Array((rules.length + 31) >>> 5);
  let any = false;
  rules.forEach((r, i) => {
    if (r.kind === "content" || scope.appliesTo(r.kind, r.name)) return;
    mask[i >>> 5] = ((mask[i >>> 5] as number) | (1 << (i & 31))) >>> 0;
    any = true;
  });
  const result = any ? mask : null;
  if (byTool.size < MAX_CACHED_TOOLS) byTool.set(tool, result);
  return result;
}
