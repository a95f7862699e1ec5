// Turns zod issues and pre-pass findings into `PolicyIssue`s: a readable message, the key path as
// the author wrote it, and the file/line/col of the offending node.
import type { z } from "zod";
import type { PolicyIssue } from "../core/errors.js";
import { didYouMean } from "./fields.js";
import { type Finding, type Path, type Rename, toSourcePath } from "./normalize.js";
import { PolicyDocumentSchema, RULE_KEYS } from "./schema.js";

/** Finds the line/col of the node at `path` (of its key when `onKey`); empty when unknown. */
export type Locator = (path: Path, onKey: boolean) => { line?: number; col?: number };

export interface IssueContext {
  file: string | undefined;
  locate: Locator;
  renames: readonly Rename[];
}

// ---- Messages -----------------------------------------------------------------------------------

/** A short, YAML-flavoured description of a value, for "expected X, got Y". */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null (an empty value)";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === "number") return `the number ${v}`;
  if (typeof v === "boolean") return `the boolean ${v}`;
  if (Array.isArray(v)) return "a list";
  if (v instanceof Date) return "a date (quote it to make it a string)";
  if (ArrayBuffer.isView(v)) return "binary data";
  if (typeof v === "object") return "a mapping";
  return typeof v;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
  null: "null",
};

const list = (values: readonly unknown[]): string => values.map((v) => `\`${String(v)}\``).join(", ");

/**
 * Parse-level error map: zod calls it for every issue whose schema gave no message of its own, so
 * the schema keeps only the messages that need field-specific advice.
 */
export function friendlyMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case "invalid_type":
      if (iss.input === undefined) return "required key is missing";
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case "invalid_value":
      return iss.values.length === 1
        ? `expected ${list(iss.values)}, got ${describeValue(iss.input)}`
        : `expected one of ${list(iss.values)}, got ${describeValue(iss.input)}`;
    case "too_small": {
      const min = Number(iss.minimum);
      if (iss.origin === "string") return min === 1 ? "must not be empty" : `must be at least ${min} characters long`;
      if (iss.origin === "array") return `must have at least ${min} entries`;
      return iss.inclusive ? `must be at least ${min}, got ${describeValue(iss.input)}` : `must be greater than ${min}, got ${describeValue(iss.input)}`;
    }
    case "too_big": {
      const max = Number(iss.maximum);
      if (iss.origin === "string") return `must be at most ${max} characters long`;
      if (iss.origin === "array") return `must have at most ${max} entries`;
      // z.int() carries the safe-integer bound; say "too large" rather than print 2^53-1.
      if (max >= Number.MAX_SAFE_INTEGER) return `${describeValue(iss.input)} is too large`;
      return iss.inclusive ? `must be at most ${max}, got ${describeValue(iss.input)}` : `must be less than ${max}, got ${describeValue(iss.input)}`;
    }
    default:
      return undefined;
  }
}

function unknownKeyMessage(key: string, where: Path, known: readonly string[]): string {
  if (where.length === 0 && (RULE_KEYS as readonly string[]).includes(key)) {
    return `\`${key}\` is a rule key: move it under \`rules:\``;
  }
  const guess = didYouMean(key, known);
  if (guess !== undefined) return `unknown key \`${key}\`; did you mean \`${guess}\`?`;
  return known.length > 0 ? `unknown key \`${key}\`; expected one of ${list(known)}` : `unknown key \`${key}\``;
}

// ---- Schema introspection (for did-you-mean) ----------------------------------------------------

type AnyDef = { type: string; [k: string]: unknown };
const defOf = (s: unknown): AnyDef => (s as { _zod: { def: AnyDef } })._zod.def;

/** Strips wrappers that do not change which keys an object accepts. */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (;;) {
    const def = defOf(s);
    if (["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"].includes(def.type)) s = def.innerType;
    else if (def.type === "pipe") s = def.in;
    else return s;
  }
}

/** The keys accepted by the object schema at `path` of the document schema, if it is one. */
export function knownKeysAt(path: Path, root: unknown = PolicyDocumentSchema): string[] | undefined {
  let s: unknown = unwrap(root);
  for (const seg of path) {
    const def = defOf(s);
    if (def.type === "object") s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === "array") s = def.element;
    else if (def.type === "record") s = def.valueType;
    else return undefined;
    if (s === undefined) return undefined;
    s = unwrap(s);
  }
  const def = defOf(s);
  return def.type === "object" ? Object.keys(def.shape as object) : undefined;
}

// ---- Conversion ---------------------------------------------------------------------------------

const toPath = (p: readonly PropertyKey[]): Path => p.filter((s): s is string | number => typeof s !== "symbol");

function issueAt(ctx: IssueContext, canonical: Path, onKey: boolean, message: string): PolicyIssue {
  const path = toSourcePath(canonical, ctx.renames);
  return { file: ctx.file, ...ctx.locate(path, onKey), path, message };
}

export function schemaIssues(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  for (const iss of issues) {
    const path = toPath(iss.path);
    if (iss.code === "unrecognized_keys") {
      // One issue per key, located on the key itself: that is what the author must fix.
      const known = knownKeysAt(path) ?? [];
      for (const key of iss.keys) out.push(issueAt(ctx, [...path, key], true, unknownKeyMessage(key, path, known)));
    } else if (iss.code === "invalid_key") {
      out.push(issueAt(ctx, path, true, iss.issues[0]?.message ?? iss.message));
    } else {
      out.push(issueAt(ctx, path, false, iss.message));
    }
  }
  return out;
}

export function findingToIssue(f: Finding, ctx: IssueContext): PolicyIssue {
  // Mapped like schema issues: `rules.rate_limits.global` may itself sit in a hoisted `rate_limits`.
  return issueAt(ctx, f.path, f.onKey, f.message);
}

/** Orders issues by position so a long report reads top to bottom; unlocated ones keep their order last. */
export function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.col ?? 0) - (b.issue.col ?? 0) || a.i - b.i)
    .map((x) => x.issue);
}
