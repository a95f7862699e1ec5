// The policy language: the zod schema of ONE policy file (`PolicyDocumentSchema`) and the type of
// the fully resolved policy (`Policy`).
//
// Two shapes, on purpose. A document holds only what its author wrote (no defaults), because
// `extends` merging must know which keys a child actually wrote (merge.ts); defaults are applied
// once, after the whole chain is merged (resolve.ts). Field names are those of the original Python
// EnforceCore so its policies load unchanged; our additions are marked "ours".
//
// Normalisation happens here, per document: names trimmed, tool names and domains lower-cased,
// lists de-duplicated, `regex` strategy read as `placeholder`, `reason:` read as `description`.
// Renamed keys (deprecated aliases, hoisted top-level rule keys, `global`) are handled before the
// schema runs, in normalize.ts, so that the schema itself stays strict and simple.
import { GuardProfileSchema, type GuardProfileInput } from "../guard/profile.js";
import { z } from "zod";
import { canonicalDomain, checkRegex, checkToolPattern, parseArgPath } from "./fields.js";
import { SECRET_RULE_NAMES } from "../engine/compiler/secrets.js";
import { checkCustomPattern, CUSTOM_MAX_LEN, CUSTOM_VALIDATORS } from "../engine/compiler/custom-pii.js";

// ---- Vocabularies -------------------------------------------------------------------------------

export const VIOLATION_ACTIONS = ["block", "log", "redact"] as const;
export type ViolationAction = (typeof VIOLATION_ACTIONS)[number];

/** The original's categories, then the structured types added by enforcecore (docs/REDACTION.md). */
export const PII_CATEGORIES = [
  "email", "phone", "ssn", "credit_card", "ip_address", "passport", "person_name",
  "iban", "ipv6", "mac_address", "us_routing_number", "uk_nino", "ca_sin", "btc_address", "eth_address", "date_of_birth",
  "us_ein", "es_dni", "es_nie", "it_fiscal_code", "in_pan", "in_aadhaar", "br_cpf", "nl_bsn", "phone_intl", "uk_postcode",
  "us_zip4", "vin", "us_itin", "uk_nhs", "de_tax_id", "fr_nir", "sg_nric", "fi_hetu", "pl_pesel", "au_tfn", "us_npi",
  "cn_resident_id", "se_personnummer", "za_id", "au_medicare",
] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];
export const DEFAULT_PII_CATEGORIES: readonly PiiCategory[] = ["email", "phone", "ssn", "credit_card", "ip_address"];

/**
 * Redaction strategies. The original's `regex` is accepted as an alias of `placeholder`; `ner` is
 * refused. `token` (ours): deterministic reversible tokens (`<EMAIL_1>`), see docs/REDACTION.md.
 */
export const PII_STRATEGIES = ["placeholder", "mask", "hash", "remove", "token"] as const;
export type PiiStrategy = (typeof PII_STRATEGIES)[number];

export const BUILTIN_CONTENT_RULES = ["shell_injection", "path_traversal", "sql_injection", "code_execution"] as const;
export type BuiltinContentRule = (typeof BUILTIN_CONTENT_RULES)[number];
export const CONTENT_TARGETS = ["input", "output", "both"] as const;
export type ContentTarget = (typeof CONTENT_TARGETS)[number];

export const SENSITIVITY_LABELS = ["public", "internal", "confidential", "restricted"] as const;
export type SensitivityLabel = (typeof SENSITIVITY_LABELS)[number];

export const SANDBOX_STRATEGIES = ["subprocess"] as const;

/** Rate-limit values used when a limit entry omits a key (same as the original). */
export const DEFAULT_TOOL_RATE = { max_calls: 100, window_seconds: 60 } as const;
export const DEFAULT_GLOBAL_RATE = { max_calls: 1000, window_seconds: 60 } as const;
export const MAX_RATE_CALLS = 100_000;

export function isBuiltinContentRule(name: string): name is BuiltinContentRule {
  return (BUILTIN_CONTENT_RULES as readonly string[]).includes(name);
}

// ---- Leaf schemas -------------------------------------------------------------------------------

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const quoted = (xs: readonly string[]): string => xs.map((x) => `\`${x}\``).join(", ");

const toolName = z
  .string()
  .superRefine((s, ctx) => {
    const message = checkToolPattern(s);
    if (message) ctx.addIssue({ code: "custom", message });
  })
  .describe("A tool name, or a glob where `*` matches any run of characters and `?` one character. Case is ignored.");

/** A list of tool names/globs; lower-cased and de-duplicated because matching ignores case. */
const toolList = z
  .array(toolName.toLowerCase(), {
    error: (iss) =>
      typeof iss.input === "string"
        ? `expected a list of tool names, e.g. [${iss.input}]; a single string is not accepted`
        : undefined,
  })
  .transform(uniq);

/**
 * A mapping keyed by tool name/glob. Keys are lower-cased; two keys that differ only by case are
 * refused rather than one silently replacing the other.
 */
function toolRecord<V extends z.ZodType>(value: V) {
  return z
    .record(toolName, value)
    .superRefine((rec, ctx) => {
      const seen = new Map<string, string>();
      for (const key of Object.keys(rec)) {
        const prev = seen.get(key.toLowerCase());
        if (prev !== undefined) {
          ctx.addIssue({ code: "custom", path: [key], message: `\`${key}\` and \`${prev}\` name the same tool (tool names ignore case)` });
        } else seen.set(key.toLowerCase(), key);
      }
    })
    .transform((rec) => Object.fromEntries(Object.entries(rec).map(([k, v]) => [k.toLowerCase(), v])) as Record<string, z.output<V>>);
}

const domain = z
  .string()
  .transform((s, ctx) => {
    const r = canonicalDomain(s);
    if (r.ok) return r.host;
    ctx.issues.push({ code: "custom", message: r.message, input: s });
    return z.NEVER;
  })
  .describe("A host (`api.openai.com`), a wildcard for every subdomain (`*.example.com`, not the apex), an IP address, or an IDN host. No scheme, path or port.");

const domainList = z.array(domain).transform(uniq);

/** A regular expression, syntax-checked here so a typo is reported at its line. */
const regex = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const message = checkRegex(s);
    if (message) ctx.addIssue({ code: "custom", message });
  });

const positiveNumber = z.number().positive();
const nonNegativeNumber = z.number().min(0);

// ---- Sections of `rules` ------------------------------------------------------------------------

const piiStrategy = z
  .enum([...PII_STRATEGIES, "regex"], {
    error: (iss) =>
      iss.input === "ner"
        ? "strategy `ner` is not supported: enforcecore has no NER detector; use `placeholder`, `mask`, `hash`, `remove` or `token`"
        : undefined,
  })
  .transform((s): PiiStrategy => (s === "regex" ? "placeholder" : s));

const secretRuleList = z
  .array(
    z.string().refine((s) => SECRET_RULE_NAMES.includes(s), {
      error: (iss) => `unknown secret rule ${JSON.stringify(iss.input)}${didYouMean(String(iss.input), SECRET_RULE_NAMES)}; see docs/REDACTION.md for the list`,
    }),
  )
  .transform(uniq);

/** (ours) A PII type defined in the policy: compiled to an entity rule like the built-in ones. */
const customPii = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,63}$/, "a custom PII name is lower case: a letter, then letters, digits or `_` (at most 64)")
      .refine((n) => !(PII_CATEGORIES as readonly string[]).includes(n) && !SECRET_RULE_NAMES.includes(n), { error: (iss) => `${JSON.stringify(iss.input)} is a built-in category or secret rule name; pick another name` })
      .describe("The category name: findings are `rules.pii_redaction.categories.<name>`, placeholder `<NAME>`."),
    pattern: z.string().min(1).describe("A regular expression (JS syntax, no anchors, backreferences or lookaround): the value."),
    validator: z.enum(CUSTOM_VALIDATORS).optional().describe("A checksum the value must pass: luhn, mod97, verhoeff, mod11_2, mod11_10 (over its letters and digits, separators skipped). Default none."),
    min_len: z.int().min(1).max(CUSTOM_MAX_LEN).optional().describe("Shortest value, in UTF-16 units. Default 1."),
    max_len: z.int().min(1).max(CUSTOM_MAX_LEN).optional().describe("Longest value, in UTF-16 units (at most 4096). Required when the pattern is unbounded (`+`, `*`)."),
    context: z.string().min(1).optional().describe("A regular expression that must come right before the value (`employee id:? `); only the value is redacted."),
    boundary: z.enum(["word", "digit", "none"]).optional().describe("What may not touch the value on either side: an ASCII letter/digit/`_` (word, default), a digit, or nothing is checked (none)."),
    case_insensitive: z.boolean().optional().describe("Match letters in either case. Default false."),
    strategy: piiStrategy.optional().describe("This type's replacement strategy. Default: the policy's (or the tool's) strategy."),
    placeholder: z.string().optional().describe("Placeholder text. Default `<NAME>`."),
    mask: z.string().optional().describe("Mask text. Default `********`."),
  })
  .superRefine((c, ctx) => {
    const problem = checkCustomPattern(c);
    if (problem) ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message });
  });

/** (ours) What applies to one tool (or glob) instead of the section's defaults. */
const piiToolOverride = z.strictObject({
  enabled: z.boolean().optional().describe("false: no PII or secret finding is redacted for this tool. Default true (when the section is enabled)."),
  categories: z.array(z.string().min(1)).transform(uniq).optional().describe("Categories (built-in or custom) for this tool. Default: the section's `categories` and every custom type."),
  strategy: piiStrategy.optional().describe("Strategy for this tool. Default: the section's."),
  secrets: z
    .strictObject({ enabled: z.boolean().optional(), categories: secretRuleList.optional() })
    .optional()
    .describe("Secret rules for this tool. Default: the section's."),
});

const piiRedaction = z.strictObject({
  enabled: z.boolean().optional().describe("Redact PII in tool arguments (and outputs, see redact_output). Default false."),
  categories: z
    .array(
      z.enum(PII_CATEGORIES, {
        error: (iss) => `unknown PII category ${JSON.stringify(iss.input)}${didYouMean(String(iss.input), PII_CATEGORIES)}; expected one of ${quoted(PII_CATEGORIES)}`,
      }),
    )
    .transform(uniq)
    .optional()
    .describe(`Categories to redact. Default: ${DEFAULT_PII_CATEGORIES.join(", ")}.`),
  strategy: piiStrategy
    .optional()
    .describe("How a match is replaced: placeholder, mask, hash, remove or (ours) token. Default placeholder; `regex` (original) means placeholder."),
  ner_threshold: z.number().min(0).max(1).optional().describe("Accepted for compatibility; unused (no NER). Default 0.8."),
  ner_fallback_to_regex: z.boolean().optional().describe("Accepted for compatibility; unused (no NER). Default true."),
  normalize: z
    .boolean()
    .optional()
    .describe("(ours) Evasion defences before detection: drop zero-width, bidi, soft-hyphen and combining-mark characters, fold full-width, look-alike and decomposable characters (é, ①, 𝟏) and digits of every script, decode %XX and HTML entities (spans still refer to the original text). Default true."),
  secrets: z
    .strictObject({
      enabled: z.boolean().optional().describe("Also detect and redact secrets (API keys, tokens, private keys, passwords in URLs). Default false."),
      categories: secretRuleList.optional().describe("(ours) Secret rules to apply (docs/REDACTION.md). Default: all of them."),
    })
    .optional()
    .describe("(ours) Secret detection, in the keywords + regex + entropy style of gitleaks."),
  custom: z
    .array(customPii)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate custom PII name \`${c.name}\`` });
        seen.add(c.name);
      });
    })
    .optional()
    .describe("(ours) PII types defined by the policy: pattern, optional checksum validator, lengths, context; see docs/REDACTION.md."),
  per_tool: toolRecord(piiToolOverride).optional().describe("(ours) Tool (or glob) → which categories, secret rules and strategy apply to it."),
});

/** ` (did you mean "x"?)` when a known name is within edit distance 2. */
function didYouMean(input: string, known: readonly string[]): string {
  let best = "";
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(input, k, bestD);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best ? ` (did you mean ${JSON.stringify(best)}?)` : "";
}

function editDistance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) >= cap) return cap;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

const resourceLimits = z.strictObject({
  max_call_duration_seconds: positiveNumber.nullable().optional().describe("Wall-clock timeout of one tool call."),
  max_memory_mb: z.int().positive().nullable().optional().describe("Memory limit of one tool call, in MiB."),
  max_cost_usd: nonNegativeNumber.nullable().optional().describe("Budget for the cumulative recorded cost."),
  max_cost_per_call_usd: nonNegativeNumber.nullable().optional().describe("(ours) Most one call may cost."),
  cost_estimates: toolRecord(nonNegativeNumber)
    .optional()
    .describe(
      "(ours) Tool name or glob → the USD reserved against max_cost_usd while a call of that tool runs when the caller gives no costEstimateUsd, so that a concurrent burst cannot pass the budget check on the same spend.",
    ),
});

const network = z.strictObject({
  enabled: z.boolean().optional().describe("Without `enabled: true` the whole section has no effect. Default false."),
  allowed_domains: domainList.optional(),
  denied_domains: domainList.optional(),
  deny_all_other: z.boolean().optional().describe("Deny hosts in no list. Default true."),
});

const contentRule = z
  .strictObject({
    name: z.string().trim().min(1),
    pattern: regex.optional().describe("Regular expression, matched case-insensitively. Omit to select the builtin of that name."),
    description: z.string().optional(),
    reason: z.string().optional().describe("The original's examples write `reason:`; it is used as the description."),
    action: z.enum(VIOLATION_ACTIONS).optional(),
    applies_to: z.enum(CONTENT_TARGETS).optional().describe("(ours) Check tool inputs, outputs, or both. Default both."),
  })
  .superRefine((rule, ctx) => {
    if (rule.pattern === undefined && !isBuiltinContentRule(rule.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `content rule \`${rule.name}\` has no \`pattern\` and is not a builtin rule (builtins: ${quoted(BUILTIN_CONTENT_RULES)})`,
      });
    }
  })
  .transform(({ reason, description, ...rule }): typeof rule & { description?: string } => {
    // The original silently dropped `reason:`; we keep it as the description it was meant to be.
    const text = description ?? reason;
    return text === undefined ? rule : { ...rule, description: text };
  });

const contentRules = z.strictObject({
  enabled: z.boolean().optional().describe("Default false. Enabled with no patterns means all four builtins."),
  block_patterns: z
    .array(contentRule)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `duplicate content rule name \`${rule.name}\`` });
        seen.add(rule.name);
      });
    })
    .optional(),
});

const rateLimit = z.strictObject({
  max_calls: z.int().min(1).max(MAX_RATE_CALLS).optional(),
  window_seconds: positiveNumber.optional(),
});

const rateLimits = z.strictObject({
  enabled: z.boolean().optional().describe("Default false."),
  per_tool: toolRecord(rateLimit).optional().describe("Tool → limit. Missing keys: 100 calls per 60 s."),
  global_limit: rateLimit.nullable().optional().describe("Limit over all tools. Missing keys: 1000 calls per 60 s. Alias: `global`."),
});

const sandbox = z.strictObject({
  enabled: z.boolean().optional(),
  strategy: z.enum(SANDBOX_STRATEGIES).optional(),
  max_memory_mb: z.int().positive().nullable().optional(),
  max_cpu_seconds: positiveNumber.nullable().optional(),
  allowed_env_vars: z.array(z.string().min(1)).nullable().optional(),
  working_directory: z.string().min(1).nullable().optional(),
});

const sensitivityLabels = z.strictObject({
  enabled: z
    .boolean()
    .refine((on) => !on, {
      message: "sensitivity labels are not enforced by enforcecore: remove `sensitivity_labels` or set `enabled: false` (the original parsed them but never enforced them)",
    })
    .optional(),
  default_clearance: z.enum(SENSITIVITY_LABELS).optional(),
  enforce: z.boolean().optional(),
  fallback: z.enum(["redact", "warn"]).optional(),
});

const scalarValue = z.union([z.string(), z.number(), z.boolean()], { error: "expected a string, a number or true/false" });

const argumentConstraint = z
  .strictObject({
    allowed_values: z.array(scalarValue).optional().describe("The value must equal one of these."),
    denied_values: z.array(scalarValue).optional().describe("The value must equal none of these."),
    pattern: regex.optional().describe("The whole value must match this regular expression."),
    denied_pattern: regex.optional().describe("No part of the value may match this regular expression."),
    min: z.number().optional(),
    max: z.number().optional(),
    max_length: z.int().min(0).optional(),
    required: z.boolean().optional().describe("The argument must be present. Default false."),
  })
  .superRefine((c, ctx) => {
    if (Object.keys(c).length === 0) {
      ctx.addIssue({ code: "custom", message: "an argument rule needs at least one constraint (allowed_values, denied_values, pattern, denied_pattern, min, max, max_length, required)" });
    }
    if (c.min !== undefined && c.max !== undefined && c.min > c.max) {
      ctx.addIssue({ code: "custom", path: ["min"], message: `min (${c.min}) is greater than max (${c.max})` });
    }
  });

const argPath = z
  .string()
  .superRefine((s, ctx) => {
    const r = parseArgPath(s);
    if (typeof r === "string") ctx.addIssue({ code: "custom", message: r });
  })
  .describe("Dot path into the arguments object (`path`, `options.mode`); a `*` segment matches any key.");

const argumentRules = toolRecord(z.record(argPath, argumentConstraint));

const rules = z.strictObject({
  allowed_tools: toolList.nullable().optional().describe("null (default): every tool not denied is allowed; []: none."),
  denied_tools: toolList.optional().describe("Checked before allowed_tools. Unions across `extends`."),
  pii_redaction: piiRedaction.optional(),
  resource_limits: resourceLimits.optional(),
  network: network.optional(),
  content_rules: contentRules.optional(),
  rate_limits: rateLimits.optional(),
  sandbox: sandbox.optional(),
  sensitivity_labels: sensitivityLabels.optional(),
  max_output_size_bytes: z.int().min(0).nullable().optional().describe("Largest tool output, in UTF-8 bytes."),
  redact_output: z.boolean().optional().describe("Also redact PII in outputs. Default true."),
  max_input_size_bytes: z.int().min(0).nullable().optional().describe("(ours) Largest serialised tool input, in UTF-8 bytes."),
  max_call_depth: z.int().min(1).nullable().optional().describe("(ours) Deepest nesting of enforced calls."),
  argument_rules: argumentRules.optional().describe("(ours) Tool → argument path → constraint."),
  guard: GuardProfileSchema.optional().describe("(ours) How command tools are confined by the OS guard (seccomp, cgroups, rlimits, Landlock); see docs/GUARD.md."),
});

/** The schema of one policy file, exactly as written (no defaults). */
export const PolicyDocumentSchema = z
  .strictObject({
    name: z.string().trim().min(1, "name must not be empty"),
    version: z
      .string({
        error: (iss) =>
          typeof iss.input === "number"
            ? `version must be a string: quote it, e.g. version: "${Number.isInteger(iss.input) ? iss.input.toFixed(1) : iss.input}" (YAML reads an unquoted 1.0 as a number)`
            : undefined,
      })
      .optional()
      .describe('Default "1.0". Must be quoted in YAML.'),
    extends: z.string().min(1).nullable().optional().describe("Path of a base policy, relative to this file."),
    on_violation: z.enum(VIOLATION_ACTIONS).optional().describe("Default block."),
    rules: rules.optional(),
  })
  .describe("An enforcecore policy file.");

export const RulesDocumentSchema = rules;

/** The keys of `rules` (used to hoist rule keys written at the top level, and for did-you-mean). */
export const RULE_KEYS = Object.keys(rules.shape) as (keyof typeof rules.shape)[];
export const TOP_LEVEL_KEYS = Object.keys(PolicyDocumentSchema.shape) as (keyof typeof PolicyDocumentSchema.shape)[];

// ---- Types --------------------------------------------------------------------------------------

/** What one policy file holds, after validation and normalisation, without defaults. */
export type PolicyDocument = z.output<typeof PolicyDocumentSchema>;
/** What an author may write (YAML or a JS object) before normalisation. */
export type PolicyDocumentInput = z.input<typeof PolicyDocumentSchema>;
/** A document whose `name` may be absent: what `extends` merging works on (merge(a, {}) is legal). */
export type PolicyPatch = Omit<PolicyDocument, "name"> & { name?: string };
export type RulesDocument = NonNullable<PolicyDocument["rules"]>;

export interface RateLimit {
  max_calls: number;
  window_seconds: number;
}

/** A resolved content rule. `pattern: null` selects the builtin rule named `name`. */
export interface ContentRule {
  name: string;
  pattern: string | null;
  description: string;
  /** null: the rule follows the policy's `on_violation`, so `log` and `redact` apply to it too. */
  action: ViolationAction | null;
  applies_to: ContentTarget;
}

/** A custom PII type as written (docs/REDACTION.md, "Custom types"). */
export type CustomPii = z.output<typeof customPii>;

/** A per-tool override of `pii_redaction`, resolved: null = inherit the section's value. */
export interface PiiToolOverride {
  enabled: boolean;
  categories: string[] | null;
  strategy: PiiStrategy | null;
  secrets: { enabled: boolean | null; categories: string[] | null };
}

/** A constraint on one argument; the keys present are the checks applied. */
export type ArgumentConstraint = z.output<typeof argumentConstraint>;

export interface PolicyRules {
  allowed_tools: string[] | null;
  denied_tools: string[];
  pii_redaction: {
    enabled: boolean;
    categories: PiiCategory[];
    strategy: PiiStrategy;
    ner_threshold: number;
    ner_fallback_to_regex: boolean;
    /** (ours) Evasion defences before detection (docs/REDACTION.md). */
    normalize: boolean;
    /** (ours) Secret detection; `categories` lists the secret rules applied, null = all of them. */
    secrets: { enabled: boolean; categories: string[] | null };
    /** (ours) PII types defined by the policy (always applied, unless a tool override leaves them out). */
    custom: CustomPii[];
    /** (ours) Tool name or glob → override; the first matching key in policy order applies. */
    per_tool: Record<string, PiiToolOverride>;
  };
  resource_limits: {
    max_call_duration_seconds: number | null;
    max_memory_mb: number | null;
    max_cost_usd: number | null;
    max_cost_per_call_usd: number | null;
    /** (ours) Tool name or glob → estimate reserved for a call given none (exact key first, then the first matching glob). */
    cost_estimates: Record<string, number>;
  };
  network: {
    enabled: boolean;
    allowed_domains: string[];
    denied_domains: string[];
    deny_all_other: boolean;
  };
  content_rules: {
    enabled: boolean;
    /** When enabled and nothing was written, the four builtins, listed explicitly. */
    block_patterns: ContentRule[];
  };
  rate_limits: {
    enabled: boolean;
    per_tool: Record<string, RateLimit>;
    global_limit: RateLimit | null;
  };
  sandbox: {
    enabled: boolean;
    strategy: (typeof SANDBOX_STRATEGIES)[number];
    max_memory_mb: number | null;
    max_cpu_seconds: number | null;
    allowed_env_vars: string[] | null;
    working_directory: string | null;
  };
  sensitivity_labels: {
    /** Always false: enabling them is a validation error (they are not enforced). */
    enabled: false;
    default_clearance: SensitivityLabel;
    enforce: boolean;
    fallback: "redact" | "warn";
  };
  max_output_size_bytes: number | null;
  redact_output: boolean;
  max_input_size_bytes: number | null;
  max_call_depth: number | null;
  argument_rules: Record<string, Record<string, ArgumentConstraint>>;
  /** null: the policy says nothing about the OS guard (command tools get the guard's defaults). */
  guard: GuardProfileInput | null;
}

/** The fully resolved policy: `extends` chain merged, every default applied. */
export interface Policy {
  name: string;
  version: string;
  on_violation: ViolationAction;
  rules: PolicyRules;
}

// Compile-time guard: the resolved type and the document schema name the same keys, so a field
// added to one and forgotten in the other fails the type check.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const _rulesKeysMatch: SameKeys<PolicyRules, RulesDocument> = true;
const _topKeysMatch: SameKeys<Policy, Omit<PolicyDocument, "extends">> = true;
void _rulesKeysMatch;
void _topKeysMatch;
