/**
 * Custom PII types from the policy (`pii_redaction.custom`), compiled to the same entity rules as
 * the built-in categories (engine/compiler/entities.ts): the pattern is the anchored automaton,
 * its first characters the head, an optional `context` the required back part (only the value is
 * kept, like `date_of_birth`), and CHECK.custom (engine/assembly/checks.ts) the exact check:
 * boundaries, length bounds and an optional checksum over the value's letters and digits.
 *
 * Everything a pattern could do wrong is reported when the policy loads (schema.ts calls
 * checkCustomPattern), so `compile` never meets an unsupported pattern: syntax the linear-time
 * engine cannot run (backreferences, lookaround, `\b`, anchors), empty matches, unbounded
 * patterns without `max_len`, contexts without a bounded length.
 */
import type { AST } from "@eslint-community/regexpp";
import { PatternError } from "../../core/errors.js";
import { CHECK, type EntityDef } from "./entities.js";
import type { StartBoundary } from "./entities-set.js";
import { parseSource, validate } from "./regex.js";

/** Checksums a custom type may require (engine/assembly/checks.ts customCheck). */
export const CUSTOM_VALIDATORS = ["none", "luhn", "mod97", "verhoeff", "mod11_2", "mod11_10"] as const;
export type CustomValidator = (typeof CUSTOM_VALIDATORS)[number];

/** Longest custom value (UTF-16 units): bounds the scan per candidate and the stream hold-back. */
export const CUSTOM_MAX_LEN = 4096;
/** Longest context before a value. */
export const CUSTOM_MAX_CONTEXT = 64;

/** The fields of a custom type the compiler reads (the schema's CustomPii). */
export interface CustomPiiSpec {
  readonly name: string;
  readonly pattern: string;
  readonly validator?: CustomValidator | undefined;
  readonly min_len?: number | undefined;
  readonly max_len?: number | undefined;
  readonly context?: string | undefined;
  readonly boundary?: StartBoundary | undefined;
  readonly case_insensitive?: boolean | undefined;
  readonly placeholder?: string | undefined;
  readonly mask?: string | undefined;
}

/** Most UTF-16 units a pattern can match (Infinity if unbounded); 0 if it only matches "". */
export function maxLengthOf(source: string): number {
  return nodeMax(parseSource(source));
}

/** Fewest UTF-16 units a pattern can match. */
export function minLengthOf(source: string): number {
  return nodeMin(parseSource(source));
}

// Pattern ASTs are shallow (parseSource limits nesting), so plain recursion is fine here (compiler side).
function nodeMax(node: AST.Node): number {
  switch (node.type) {
    case "Pattern":
    case "Group":
    case "CapturingGroup":
      return Math.max(0, ...node.alternatives.map(nodeMax));
    case "Alternative":
      return node.elements.reduce((sum, el) => sum + nodeMax(el), 0);
    case "Quantifier": {
      const inner = nodeMax(node.element);
      return inner === 0 ? 0 : node.max === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : node.max * inner;
    }
    case "Character":
      return node.value > 0xffff ? 2 : 1;
    case "CharacterClass":
    case "CharacterSet":
    case "ExpressionCharacterClass":
      return node.type === "CharacterSet" && node.kind === "property" ? 2 : 1;
    default:
      return 0; // assertions, backreferences (rejected anyway)
  }
}

function nodeMin(node: AST.Node): number {
  switch (node.type) {
    case "Pattern":
    case "Group":
    case "CapturingGroup":
      return Math.min(...node.alternatives.map(nodeMin));
    case "Alternative":
      return node.elements.reduce((sum, el) => sum + nodeMin(el), 0);
    case "Quantifier":
      return node.min * nodeMin(node.element);
    case "Character":
    case "CharacterClass":
    case "CharacterSet":
    case "ExpressionCharacterClass":
      return 1;
    default:
      return 0;
  }
}

/** Why a pattern cannot be an entity pattern (null: it can). */
function patternProblem(source: string): string | null {
  try {
    const ast = parseSource(source);
    const anchors = validate(source, ast);
    if (anchors.starts.length > 0 || anchors.ends.length > 0) return "anchors (`^`, `$`) are not supported in PII patterns: a value is found anywhere in a text";
    if (nodeMin(ast) === 0) return "the pattern matches the empty string";
    return null;
  } catch (err) {
    if (err instanceof PatternError) return err.message;
    throw err;
  }
}

/**
 * What is wrong with a custom type, naming the field (for the policy error's position), or null.
 * Called by the schema, so every problem is reported at load time with its file:line:col.
 */
export function checkCustomPattern(c: CustomPiiSpec): { field: "pattern" | "context" | "max_len" | "min_len"; message: string } | null {
  const p = patternProblem(c.pattern);
  if (p) return { field: "pattern", message: `custom PII \`${c.name}\`: ${p}` };
  if (c.context !== undefined) {
    const q = patternProblem(c.context);
    if (q) return { field: "context", message: `custom PII \`${c.name}\` context: ${q}` };
    const cmax = maxLengthOf(c.context);
    if (cmax > CUSTOM_MAX_CONTEXT) return { field: "context", message: `custom PII \`${c.name}\`: the context can match ${cmax === Number.POSITIVE_INFINITY ? "unboundedly long text" : `${cmax} characters`}; at most ${CUSTOM_MAX_CONTEXT} (use bounded repeats such as \`[ :]{0,3}\`)` };
  }
  const max = maxLengthOf(c.pattern);
  if (max === Number.POSITIVE_INFINITY && c.max_len === undefined) {
    return { field: "max_len", message: `custom PII \`${c.name}\`: the pattern ${JSON.stringify(c.pattern)} can match unboundedly long text; set \`max_len\` (at most ${CUSTOM_MAX_LEN})` };
  }
  if (max !== Number.POSITIVE_INFINITY && max > CUSTOM_MAX_LEN && c.max_len === undefined) {
    return { field: "max_len", message: `custom PII \`${c.name}\`: the pattern can match ${max} characters; set \`max_len\` (at most ${CUSTOM_MAX_LEN})` };
  }
  if (c.min_len !== undefined && c.max_len !== undefined && c.min_len > c.max_len) return { field: "min_len", message: `custom PII \`${c.name}\`: min_len (${c.min_len}) is greater than max_len (${c.max_len})` };
  return null;
}

const VALIDATOR_CODE: Record<CustomValidator, number> = { none: 0, luhn: 1, mod97: 2, verhoeff: 3, mod11_2: 4, mod11_10: 5 };
const BOUNDARY_CODE: Record<StartBoundary, number> = { none: 0, word: 1, digit: 2 };

/**
 * The u32 argument of CHECK.custom: bits 0-12 min length, 13-25 max length (of the value, context
 * excluded), 26-28 validator, 29-30 boundary (0 none, 1 word, 2 digit), 31 the match starts with a
 * context that is not kept.
 */
export function customArg(min: number, max: number, validator: CustomValidator, boundary: StartBoundary, context: boolean): number {
  if (min < 1 || max > CUSTOM_MAX_LEN || min > max) throw new RangeError(`custom length bounds out of range: ${min}-${max}`);
  return (min | (max << 13) | (VALIDATOR_CODE[validator] << 26) | (BOUNDARY_CODE[boundary] << 29) | (context ? 1 << 31 : 0)) >>> 0;
}

/** The entity rule of a custom type (same record as a built-in category: kind `pii`). */
export function customEntity(c: CustomPiiSpec): EntityDef {
  const problem = checkCustomPattern(c);
  if (problem) throw new PatternError(problem.field === "context" ? (c.context ?? "") : c.pattern, problem.message);
  const boundary = c.boundary ?? "word";
  const patternMax = maxLengthOf(c.pattern);
  const max = Math.min(c.max_len ?? CUSTOM_MAX_LEN, patternMax, CUSTOM_MAX_LEN);
  const min = Math.max(c.min_len ?? 1, 1);
  const contextMax = c.context === undefined ? 0 : maxLengthOf(c.context);
  const base = {
    name: c.name,
    kind: "pii" as const,
    ci: c.case_insensitive ?? false,
    boundary: c.context === undefined ? boundary : ("none" as const),
    check: CHECK.custom,
    arg: customArg(Math.min(min, max), max, c.validator ?? "none", boundary, c.context !== undefined),
    maxLen: contextMax + max,
    placeholder: c.placeholder ?? `<${c.name.toUpperCase()}>`,
    mask: c.mask ?? "********",
    description: `custom PII: ${c.name}`,
  };
  if (c.context === undefined) return { ...base, source: c.pattern };
  return { ...base, source: `(?:${c.context})(?:${c.pattern})`, back: `(?:${c.context})`, rest: `(?:${c.pattern})` };
}
