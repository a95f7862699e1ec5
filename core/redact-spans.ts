/**
 * Applies `redact` decisions: replaces the reported spans of flattened values with a marker,
 * copying only the containers on the way to each changed value (the caller's objects are never
 * mutated). Spans are UTF-16 offsets, as the engine reports them.
 */
import type { Violation } from "../engine/decision.js";

export const REDACTION_MARKER = (rule: string | null) => `[REDACTED:${rule?.split(".").pop() ?? "content"}]`;

type Path = readonly (string | number)[];

function replaceAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = root.slice();
    copy[head as number] = replaceAt(root[head as number], rest, value);
    return copy;
  }
  if (root instanceof Map) {
    const copy = new Map(root);
    const key = [...root.keys()].find((k) => String(k) === head);
    copy.set(key, replaceAt(root.get(key), rest, value));
    return copy;
  }
  const obj = root as Record<string, unknown>;
  return { ...obj, [head as string]: replaceAt(obj[head as string], rest, value) };
}

function getAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur instanceof Map) cur = [...cur.entries()].find(([k]) => String(k) === seg)?.[1];
    else cur = (cur as Record<string | number, unknown>)?.[seg];
  }
  return cur;
}

/** Returns the redacted copy and how many spans were replaced. */
export function redactSpans(root: unknown, violations: readonly Violation[]): { value: unknown; count: number } {
  const byPath = new Map<string, { path: Path; spans: { start: number; end: number; rule: string | null }[] }>();
  for (const v of violations) {
    if (v.action !== "redact" || !v.span || !v.path) continue;
    const key = JSON.stringify(v.path);
    const entry = byPath.get(key) ?? { path: v.path, spans: [] };
    entry.spans.push({ ...v.span, rule: v.rule });
    byPath.set(key, entry);
  }
  let value = root;
  let count = 0;
  for (const { path, spans } of byPath.values()) {
    const text = getAt(value, path);
    if (typeof text !== "string") continue;
    // Right to left, so earlier offsets stay valid; overlapping spans merge into the earlier one.
    spans.sort((a, b) => b.start - a.start);
    let out = text;
    let floor = Number.POSITIVE_INFINITY;
    for (const s of spans) {
      const end = Math.min(s.end, floor);
      if (end <= s.start) continue;
      out = out.slice(0, s.start) + REDACTION_MARKER(s.rule) + out.slice(end);
      floor = s.start;
      count++;
    }
    value = replaceAt(value, path, out);
  }
  return { value, count };
}
