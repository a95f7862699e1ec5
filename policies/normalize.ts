// Compatibility pre-pass over a raw policy object, before the strict schema sees it.
//
// The original accepted some keys in places or under names the schema does not: rule keys written
// at the top level ("hoisted" into `rules`), deprecated aliases inside `rules`, and `global` for
// `rate_limits.global_limit`. We rename them here, record each rename so that an error found later
// at the canonical path is still reported at the node the author wrote, and collect a warning for
// each (never printed: returned in the load result). Ambiguities the original resolved silently
// (both the alias and the canonical key written) are errors.
import { RULE_KEYS, TOP_LEVEL_KEYS } from "./schema.js";

export type Path = (string | number)[];

/** `from` is where the author wrote it; `to` is where the schema expects it. */
export interface Rename {
  from: Path;
  to: Path;
}

/** A finding of the pre-pass; `onKey` means it points at the key, not its value. */
export interface Finding {
  path: Path;
  message: string;
  onKey: boolean;
}

export interface Normalized {
  value: unknown;
  renames: Rename[];
  warnings: Finding[];
  issues: Finding[];
}

/** Deprecated aliases inside `rules` and their canonical key (same table as the original). */
export const RULE_ALIASES: Readonly<Record<string, string>> = {
  pii: "pii_redaction",
  pii_config: "pii_redaction",
  resources: "resource_limits",
  network_policy: "network",
};

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const has = (o: Record<string, unknown>, k: string): boolean => Object.hasOwn(o, k);

/** Applies the compatibility renames to a copy of `raw` (the input is never mutated). */
export function normalizeRaw(raw: unknown): Normalized {
  const out: Normalized = { value: raw, renames: [], warnings: [], issues: [] };
  if (!isPlainObject(raw)) return out;
  const top: Record<string, unknown> = { ...raw };
  out.value = top;

  // 1. Rule keys at the top level move under `rules` (the original did this with a DeprecationWarning).
  const hoisted = Object.keys(top).filter((k) => (RULE_KEYS as readonly string[]).includes(k));
  if (hoisted.length > 0 && (top.rules === undefined || isPlainObject(top.rules))) {
    const rules: Record<string, unknown> = { ...((top.rules as Record<string, unknown> | undefined) ?? {}) };
    for (const key of hoisted) {
      if (has(rules, key)) {
        out.issues.push({ path: [key], onKey: true, message: `\`${key}\` is written both at the top level and under \`rules:\`; keep only the one under \`rules:\`` });
      } else {
        rules[key] = top[key];
        out.renames.push({ from: [key], to: ["rules", key] });
        out.warnings.push({ path: [key], onKey: true, message: `rule key \`${key}\` is written at the top level; move it under \`rules:\` (top-level rule keys are deprecated)` });
      }
      delete top[key];
    }
    top.rules = rules;
  }

  if (!isPlainObject(top.rules)) return out;
  const rules: Record<string, unknown> = { ...top.rules };
  top.rules = rules;

  // 2. Deprecated aliases inside `rules`.
  for (const [alias, canonical] of Object.entries(RULE_ALIASES)) {
    if (!has(rules, alias)) continue;
    if (has(rules, canonical)) {
      out.issues.push({ path: ["rules", alias], onKey: true, message: `\`${alias}\` is a deprecated alias of \`${canonical}\`, and both are written; keep only \`${canonical}\`` });
    } else {
      rules[canonical] = rules[alias];
      out.renames.push({ from: ["rules", alias], to: ["rules", canonical] });
      out.warnings.push({ path: ["rules", alias], onKey: true, message: `\`${alias}\` is a deprecated alias; write \`${canonical}\`` });
    }
    delete rules[alias];
  }

  // 3. Top-level keys written inside `rules`: the original warned and ignored them, so the author's
  //    intent (say `on_violation: log`) was silently lost. Say where they belong instead.
  for (const key of TOP_LEVEL_KEYS) {
    if (key === "rules" || !has(rules, key)) continue;
    out.issues.push({ path: ["rules", key], onKey: true, message: `\`${key}\` belongs at the top level, not under \`rules:\`` });
    delete rules[key];
  }

  // 4. `rate_limits.global` (the original's docs) is `global_limit` (the original's code, which ignored `global`).
  if (isPlainObject(rules.rate_limits) && has(rules.rate_limits, "global")) {
    const rate: Record<string, unknown> = { ...rules.rate_limits };
    rules.rate_limits = rate;
    if (has(rate, "global_limit")) {
      out.issues.push({ path: ["rules", "rate_limits", "global"], onKey: true, message: "`global` is an alias of `global_limit`, and both are written; keep only `global_limit`" });
    } else {
      rate.global_limit = rate.global;
      out.renames.push({ from: ["rules", "rate_limits", "global"], to: ["rules", "rate_limits", "global_limit"] });
    }
    delete rate.global;
  }

  // 5. `person_name` needs a named-entity recogniser, which enforcecore does not ship: say so
  //    instead of accepting a category that would never match (the original only logged it).
  const pii = rules.pii_redaction;
  if (isPlainObject(pii) && Array.isArray(pii.categories) && pii.categories.includes("person_name")) {
    const i = pii.categories.indexOf("person_name");
    out.warnings.push({ path: ["rules", "pii_redaction", "categories", i], onKey: false, message: "`person_name` needs NER, which enforcecore does not ship: names are not redacted" });
  }
  return out;
}

/**
 * Maps a path in the normalised object back to where the author wrote it, undoing the renames
 * newest first (a hoisted `rate_limits` with `global` inside went through two renames).
 */
export function toSourcePath(path: Path, renames: readonly Rename[]): Path {
  let p = path;
  for (let i = renames.length - 1; i >= 0; i--) {
    const r = renames[i] as Rename;
    if (r.to.length <= p.length && r.to.every((seg, j) => seg === p[j])) p = [...r.from, ...p.slice(r.to.length)];
  }
  return p;
}
