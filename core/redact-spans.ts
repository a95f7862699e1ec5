/**
 * Applies `redact` decisions: replaces the reported spans of flattened values with a marker,
 * copying only the containers on the way to each changed value (the caller's objects are never
 * mutated). Spans are UTF-16 offsets, as the engine reports them.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { BundleMeta } from "../engine/bundle-format.js";
import type { Violation } from "../engine/decision.js";
import { piiPattern } from "../engine/compiler/pii.js";

/** What replaces a redacted span: the text it had, and which violation flagged it. */
export type Replacement = (violation: Violation, text: string) => string;

const name = (v: Violation) => v.rule?.split(".").pop() ?? "content";

/**
 * The policy's replacements: PII spans get the `pii_redaction.strategy` output of the original
 * (`<EMAIL>`, fixed masks, `[SHA256:<16 hex>]`, or nothing); content-rule spans get
 * `[REDACTED:<rule>]`.
 */
export function replacementFor(meta: BundleMeta): Replacement {
  const strategy = meta.policy.rules.pii_redaction.strategy;
  return (v, text) => {
    if (v.type !== "pii") return `[REDACTED:${name(v)}]`;
    const p = piiPattern(name(v));
    if (strategy === "remove") return "";
    if (strategy === "hash") return `[SHA256:${bytesToHex(sha256(new TextEncoder().encode(text))).slice(0, 16)}]`;
    if (strategy === "mask") return p?.mask ?? "****************";
    return p?.placeholder ?? `<${name(v).toUpperCase()}>`;
  };
}

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
export function redactSpans(root: unknown, violations: readonly Violation[], replace: Replacement): { value: unknown; count: number } {
  const byPath = new Map<string, { path: Path; spans: { start: number; end: number; v: Violation }[] }>();
  for (const v of violations) {
    if (v.action !== "redact" || !v.span || !v.path) continue;
    const key = JSON.stringify(v.path);
    const entry = byPath.get(key) ?? { path: v.path, spans: [] };
    entry.spans.push({ ...v.span, v });
    byPath.set(key, entry);
  }
  let value = root;
  let count = 0;
  for (const { path, spans } of byPath.values()) {
    const text = getAt(value, path);
    if (typeof text !== "string") continue;
    // Right to left, so earlier offsets stay valid; on equal starts the longer span wins, and a
    // span overlapping one already replaced is cut at its start (both stay redacted).
    spans.sort((a, b) => b.start - a.start || b.end - a.end);
    let out = text;
    let floor = Number.POSITIVE_INFINITY;
    for (const s of spans) {
      const end = Math.min(s.end, floor);
      if (end <= s.start) continue;
      out = out.slice(0, s.start) + replace(s.v, text.slice(s.start, s.end)) + out.slice(end);
      floor = s.start;
      count++;
    }
    value = replaceAt(value, path, out);
  }
  return { value, count };
}
