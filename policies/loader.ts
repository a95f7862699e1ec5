// Loads a policy: YAML text → validated document → `extends` chain → merged → defaults applied.
//
// All or nothing: every problem throws (PolicyLoadError for I/O, YAML, document shape and
// `extends`; PolicyValidationError for the schema), each issue carrying file, line and column, and
// nothing half-loaded is ever returned. Warnings (deprecated spellings, inert sections) are
// returned, never printed: the host decides what to do with them.
import { LineCounter, isMap, parseDocument } from "yaml";
import { formatIssue, type PolicyIssue, PolicyLoadError, PolicyValidationError } from "../core/errors.js";
import type { PolicyIO } from "./io.js";
import { findingToIssue, friendlyMessage, type Locator, schemaIssues, sortIssues } from "./issues.js";
import { yamlLocator } from "./locate.js";
import { YAML_OPTIONS } from "./yaml-options.js";
import { mergePolicies } from "./merge.js";
import { isPlainObject, normalizeRaw } from "./normalize.js";
import { applyDefaults } from "./resolve.js";
import { type Policy, type PolicyDocument, PolicyDocumentSchema, type PolicyDocumentInput, type PolicyPatch } from "./schema.js";

export type { PolicyIO } from "./io.js";

export interface LoadResult {
  policy: Policy;
  /** Files read, base first (the file itself last). */
  sources: string[];
  /** `file:line:col: message` lines: deprecated spellings, sections that have no effect. */
  warnings: string[];
}

/** Most `extends` hops from the file loaded to its farthest base (the original had no limit). */
export const MAX_EXTENDS_DEPTH = 16;

/** Aliases a YAML file may expand; the yaml library's guard against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

const noLocation: Locator = () => ({});

/** One validated file of a chain. */
interface Link {
  document: PolicyDocument;
  file: string | undefined;
  locate: Locator;
  warnings: string[];
}

// ---- One document -------------------------------------------------------------------------------

/** Validates one raw policy object; throws PolicyValidationError listing every issue found. */
function validate(raw: unknown, file: string | undefined, locate: Locator): Link {
  const normalized = normalizeRaw(raw);
  const ctx = { file, locate, renames: normalized.renames };
  const issues: PolicyIssue[] = normalized.issues.map((f) => findingToIssue(f, ctx));
  const parsed = PolicyDocumentSchema.safeParse(normalized.value, { error: friendlyMessage });
  if (!parsed.success) issues.push(...schemaIssues(parsed.error.issues, ctx));
  if (issues.length > 0 || !parsed.success) {
    throw new PolicyValidationError(`Policy validation failed (${file ?? "<object>"})`, sortIssues(issues));
  }
  const warnings = normalized.warnings.map((f) => formatIssue(findingToIssue(f, ctx)));
  return { document: parsed.data, file, locate, warnings };
}

/** The first line of a yaml library message, without the position it repeats. */
function yamlMessage(message: string): string {
  return (message.split("\n")[0] ?? message).replace(/ at line \d+, column \d+:?$/, "");
}

/** Parses and validates the text of one policy file. */
function parseFile(text: string, file: string): Link {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter });
  const at = (offset: number, message: string): PolicyIssue => ({ file, ...lineCounter.linePos(offset), path: [], message });
  // An unknown tag (`!!python/object:…`) is only a warning for the yaml library, which then reads
  // the plain scalar; PyYAML's safe_load refused it, and so do we.
  const errors = [...doc.errors, ...doc.warnings.filter((w) => w.code === "TAG_RESOLVE_FAILED")];
  if (errors.length > 0) {
    // The yaml library can report one problem several times at the same spot; keep one of each.
    const unique = new Map(errors.map((e) => at(e.pos[0], yamlMessage(e.message))).map((i) => [formatIssue(i), i]));
    throw new PolicyLoadError(`Invalid YAML in ${file}`, [...unique.values()]);
  }
  if (doc.contents === null) throw new PolicyLoadError(`Policy file ${file} is empty`, [at(0, "a policy must be a YAML mapping with at least `name:`")]);
  if (!isMap(doc.contents)) {
    throw new PolicyLoadError(`Policy file ${file} is not a mapping`, [at(doc.contents.range?.[0] ?? 0, "a policy must be a YAML mapping (`name: …`), not a list or a scalar")]);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new PolicyLoadError(`Invalid YAML in ${file}`, [at(0, (err as Error).message)], { cause: err });
  }
  const link = validate(raw, file, yamlLocator(doc, lineCounter));
  link.warnings.unshift(...doc.warnings.map((w) => formatIssue(at(w.pos[0], yamlMessage(w.message)))));
  return link;
}

// ---- The extends chain --------------------------------------------------------------------------

function readText(io: PolicyIO, path: string, where: PolicyIssue | undefined): string {
  try {
    return io.readText(path);
  } catch (err) {
    const message = `cannot read policy file ${path}: ${(err as Error).message ?? String(err)}`;
    throw new PolicyLoadError(message, where ? [{ ...where, message }] : [{ file: path, path: [], message }], { cause: err });
  }
}

const identity = (io: PolicyIO | undefined, path: string): string => io?.canonical?.(path) ?? path;

/** Follows `extends` from `link`; returns the chain base first. `stack` is the chain so far, entry first. */
function follow(link: Link, io: PolicyIO | undefined, stack: readonly { id: string; file: string }[]): Link[] {
  const ext = link.document.extends;
  if (typeof ext !== "string") return [link];
  const at = (message: string): PolicyIssue => ({ file: link.file, ...link.locate(["extends"], false), path: ["extends"], message });
  if (io === undefined || link.file === undefined) {
    const message = "`extends` needs the policy's file path and an io to resolve it against";
    throw new PolicyLoadError(`Cannot follow extends: ${ext}`, [at(message)]);
  }
  const chain = (last: string) => [...stack.map((s) => s.file), last].join(" → ");
  const basePath = io.resolve(link.file, ext);
  if (stack.length > MAX_EXTENDS_DEPTH) {
    throw new PolicyLoadError(`extends chain is deeper than ${MAX_EXTENDS_DEPTH} levels: ${chain(basePath)}`, [
      at(`extends chain is deeper than ${MAX_EXTENDS_DEPTH} levels`),
    ]);
  }
  const id = identity(io, basePath);
  if (stack.some((s) => s.id === id)) {
    throw new PolicyLoadError(`Circular extends detected: ${chain(basePath)}`, [at(`circular extends: ${chain(basePath)}`)]);
  }
  const base = parseFile(readText(io, basePath, at("")), basePath);
  return [...follow(base, io, [...stack, { id, file: basePath }]), link];
}

/** Warnings about the resolved policy: things that load fine but do nothing, as in the original. */
function inertSections(merged: PolicyPatch): string[] {
  const r = merged.rules;
  if (r === undefined) return ["policy has no `rules:` section: every tool is allowed and nothing is enforced"];
  const out: string[] = [];
  const net = r.network;
  if (net && net.enabled !== true && ((net.allowed_domains?.length ?? 0) > 0 || (net.denied_domains?.length ?? 0) > 0)) {
    out.push("`rules.network` lists domains but is not enabled, so it has no effect (write `enabled: true`)");
  }
  if (r.content_rules && r.content_rules.enabled !== true && (r.content_rules.block_patterns?.length ?? 0) > 0) {
    out.push("`rules.content_rules` lists patterns but is not enabled, so it has no effect (write `enabled: true`)");
  }
  const rate = r.rate_limits;
  if (rate && rate.enabled !== true && (Object.keys(rate.per_tool ?? {}).length > 0 || rate.global_limit)) {
    out.push("`rules.rate_limits` sets limits but is not enabled, so it has no effect (write `enabled: true`)");
  }
  return out;
}

function finish(links: Link[]): LoadResult {
  let merged: PolicyPatch = {};
  for (const link of links) {
    const { extends: _followed, ...document } = link.document;
    merged = mergePolicies(merged, document);
  }
  const entry = links[links.length - 1]?.file ?? "<object>";
  return {
    policy: applyDefaults(merged),
    sources: links.flatMap((l) => (l.file === undefined ? [] : [l.file])),
    warnings: [...links.flatMap((l) => l.warnings), ...inertSections(merged).map((w) => `${entry}: ${w}`)],
  };
}

// ---- Public API ---------------------------------------------------------------------------------

/** Reads, validates and resolves the policy file at `path` (and its `extends` chain). */
export function loadPolicyFile(path: string, io: PolicyIO): LoadResult {
  return parsePolicyText(readText(io, path, undefined), path, io);
}

/** Like loadPolicyFile for text already in hand; `file` names it in errors and anchors `extends`. */
export function parsePolicyText(text: string, file: string, io?: PolicyIO): LoadResult {
  const link = parseFile(text, file);
  return finish(follow(link, io, [{ id: identity(io, file), file }]));
}

/**
 * A policy given as a JS object (no line numbers then: issues carry the key path). `extends` is
 * followed only when both `file` (to resolve against) and `io` are given.
 */
export function parsePolicyObject(obj: unknown, file?: string, io?: PolicyIO): LoadResult {
  if (!isPlainObject(obj)) {
    throw new PolicyLoadError(`Policy ${file ?? "<object>"} is not a mapping`, [
      { file, path: [], message: "a policy must be a plain object (`{ name: … }`)" },
    ]);
  }
  const link = validate(obj, file, noLocation);
  return finish(follow(link, io, file === undefined ? [] : [{ id: identity(io, file), file }]));
}

/** Validates a policy object without `extends` and applies the defaults; warnings are dropped. */
export function resolvePolicy(doc: PolicyDocumentInput): Policy {
  return parsePolicyObject(doc).policy;
}

export { applyDefaults, mergePolicies };
