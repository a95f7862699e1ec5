// `extends` composition: mergePolicies(base, child) on documents AS WRITTEN (no defaults).
//
// The original dumped the child WITH its defaults before merging, so a child that only added one
// denied tool reset the parent's pii_redaction, network, rate_limits and on_violation to their
// defaults (inventory §1.4). Merging documents before defaults fixes that by construction: a key
// the child did not write is `undefined` here, and the base value survives.
//
// The algebra (also tabled in docs/POLICY.md):
//   - child `undefined` or `null`  → base value (null counts as "not written", like exclude_none)
//   - mappings                     → merged key by key, recursively
//   - scalars and other lists      → child value (allowed_tools, allowed_domains, categories, …)
//   - rules.denied_tools           → union, base order first, case-insensitive (entries are lower-cased)
//   - rules.network.denied_domains → union
//   - rules.content_rules.block_patterns → child's then base's, first of each name wins
//   - rules.rate_limits.per_tool   → per tool key, child's entry replaces base's
//   - rules.argument_rules         → per tool key, then per argument path, child's constraint replaces base's
//   - rules.pii_redaction.custom   → child's then base's, first of each name wins
//   - rules.pii_redaction.per_tool → per tool key, child's override replaces base's
// Every special case is associative, so a chain a ← b ← c merges the same either way round.
import type { PolicyDocument, PolicyPatch } from "./schema.js";
import { isPlainObject } from "./normalize.js";

type Merger = (base: unknown, child: unknown) => unknown;

/** Union keeping first occurrences; used for deny lists, where a child may only add. */
function union(base: unknown, child: unknown): unknown {
  return [...new Set([...(base as string[]), ...(child as string[])])];
}

/** Union of tool names: entries are already lower-cased per document; lower-case again to be safe for hand-built patches. */
function unionTools(base: unknown, child: unknown): unknown {
  return [...new Set([...(base as string[]), ...(child as string[])].map((t) => t.toLowerCase()))];
}

/** Child's rules first, so the child wins a name clash; then the base's not overridden. */
function byName(base: unknown, child: unknown): unknown {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const rule of [...(child as { name: string }[]), ...(base as { name: string }[])]) {
    if (seen.has(rule.name)) continue;
    seen.add(rule.name);
    out.push(rule);
  }
  return out;
}

/** Per key, the child's entry replaces the base's whole (a rate limit or a constraint is one unit). */
function perKey(base: unknown, child: unknown): unknown {
  // Object.fromEntries defines own properties, so no key (not even `__proto__`) can reach a prototype.
  return Object.fromEntries([...Object.entries(base as object), ...Object.entries(child as object)]);
}

/** argument_rules: per tool, then per argument path. */
function perToolPerPath(base: unknown, child: unknown): unknown {
  const b = base as Record<string, object>;
  const merged = Object.entries(child as Record<string, object>).map(([tool, paths]) => [
    tool,
    Object.hasOwn(b, tool) ? perKey(b[tool], paths) : paths,
  ]);
  return Object.fromEntries([...Object.entries(b), ...merged]);
}

const SPECIAL: Readonly<Record<string, Merger>> = {
  "rules.denied_tools": unionTools,
  "rules.network.denied_domains": union,
  "rules.content_rules.block_patterns": byName,
  "rules.rate_limits.per_tool": perKey,
  "rules.argument_rules": perToolPerPath,
  "rules.pii_redaction.custom": byName,
  "rules.pii_redaction.per_tool": perKey,
  "rules.resource_limits.cost_estimates": perKey,
};

function mergeAt(path: string, base: unknown, child: unknown): unknown {
  if (child === undefined || child === null) return base;
  if (base === undefined || base === null) return child;
  const special = SPECIAL[path];
  if (special) return special(base, child);
  if (isPlainObject(base) && isPlainObject(child)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(child)) {
      const merged = mergeAt(path === "" ? key : `${path}.${key}`, base[key], value);
      if (merged !== undefined) out[key] = merged;
    }
    return out;
  }
  return child;
}

/**
 * Merges a child policy document over its base. Only keys the child wrote (non-null) override;
 * deny lists accumulate. Pure: neither argument is modified. `extends` is merged like any scalar;
 * the loader removes it before merging a chain.
 */
export function mergePolicies(base: PolicyDocument, child: PolicyPatch): PolicyDocument;
export function mergePolicies(base: PolicyPatch, child: PolicyPatch): PolicyPatch;
export function mergePolicies(base: PolicyPatch, child: PolicyPatch): PolicyPatch {
  return mergeAt("", base, child) as PolicyPatch;
}
