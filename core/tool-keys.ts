/**
 * Host-side lookup of a policy mapping keyed by tool name or glob (`pii_redaction.per_tool`,
 * `resource_limits.cost_estimates`). Same key rules as the engine's per-tool rate limits: keys are
 * lower-cased tool names, `*` matches any run of characters and `?` one; an exact key wins, else
 * the first matching glob in policy order.
 */

/** A glob key as an anchored regular expression (the key is lower-cased, as the tool will be). */
function globRegExp(key: string): RegExp {
  return new RegExp(`^${key.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^]*").replace(/\?/g, "[^]")}$`);
}

/**
 * The glob keys of a mapping, compiled once per mapping object (a policy's mappings are immutable
 * and looked up on every call, so the regexes are not rebuilt per call).
 */
const compiledGlobs = new WeakMap<object, readonly (readonly [RegExp, unknown])[]>();

function globsOf<V>(record: Readonly<Record<string, V>>): readonly (readonly [RegExp, V])[] {
  let globs = compiledGlobs.get(record);
  if (globs === undefined) {
    globs = Object.entries(record)
      .filter(([key]) => /[*?]/.test(key))
      .map(([key, v]) => [globRegExp(key), v] as const);
    compiledGlobs.set(record, globs);
  }
  return globs as readonly (readonly [RegExp, V])[];
}

/**
 * The entry of `tool` in a per-tool mapping: an exact key first, else the first matching glob.
 * A missing mapping (a bundle compiled before the section existed) has no entries.
 */
export function perToolEntry<V>(record: Readonly<Record<string, V>> | undefined, tool: string): V | undefined {
  if (record === undefined) return undefined;
  const t = tool.toLowerCase();
  if (Object.hasOwn(record, t)) return record[t];
  for (const [re, v] of globsOf(record)) if (re.test(t)) return v;
  return undefined;
}
