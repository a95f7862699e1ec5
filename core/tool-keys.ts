/**
 * Host-side lookup of a policy mapping keyed by tool name or glob (`pii_redaction.per_tool`,
 * `resource_limits.cost_estimates`). Same key rules as the engine's per-tool rate limits: keys are
 * lower-cased tool names, `*` matches any run of characters and `?` one; an exact key wins, else
 * the first matching glob in policy order.
 */

/** Whether a tool name matches a key (both lower-cased). */
export function toolKeyMatches(key: string, tool: string): boolean {
  if (!/[*?]/.test(key)) return key === tool;
  const re = new RegExp(`^${key.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^]*").replace(/\?/g, "[^]")}$`);
  return re.test(tool);
}

/** The entry of `tool` in a per-tool mapping: an exact key first, else the first matching glob. */
export function perToolEntry<V>(record: Readonly<Record<string, V>>, tool: string): V | undefined {
  const t = tool.toLowerCase();
  if (Object.hasOwn(record, t)) return record[t];
  for (const [key, v] of Object.entries(record)) if (toolKeyMatches(key, t)) return v;
  return undefined;
}
