// Applies the defaults to a (merged) policy document, once, producing the resolved `Policy`.
// Defaults are those of the original, field by field (inventory §1.1–1.3), plus ours.
import { PolicyLoadError, PolicyValidationError } from "../core/errors.js";
import {
  BUILTIN_CONTENT_RULES,
  type ContentRule,
  DEFAULT_GLOBAL_RATE,
  DEFAULT_PII_CATEGORIES,
  DEFAULT_TOOL_RATE,
  type Policy,
  type PolicyPatch,
  type RateLimit,
  type RulesDocument,
} from "./schema.js";

type WrittenRate = { max_calls?: number | undefined; window_seconds?: number | undefined };

const rate = (r: WrittenRate, d: RateLimit): RateLimit => ({
  max_calls: r.max_calls ?? d.max_calls,
  window_seconds: r.window_seconds ?? d.window_seconds,
});

type WrittenContentRule = NonNullable<NonNullable<RulesDocument["content_rules"]>["block_patterns"]>[number];

/** `action: null` = the rule follows the policy's `on_violation` (the engine compiler applies it). */
function contentRule(r: WrittenContentRule): ContentRule {
  return {
    name: r.name,
    pattern: r.pattern ?? null,
    description: r.description ?? "",
    action: r.action ?? null,
    applies_to: r.applies_to ?? "both",
  };
}

/**
 * The resolved policy for an ALREADY VALIDATED document (or the merge of a validated chain); it
 * does not validate. `extends` must already have been followed: a document that still names a base
 * is refused rather than resolved without it. For an unvalidated object use `resolvePolicy`.
 */
export function applyDefaults(doc: PolicyPatch): Policy {
  if (doc.name === undefined) {
    throw new PolicyValidationError("Policy is invalid", [{ path: ["name"], message: "required key is missing" }]);
  }
  if (typeof doc.extends === "string") {
    throw new PolicyLoadError(
      `policy \`${doc.name}\` extends \`${doc.extends}\`, which cannot be followed here: load it with loadPolicyFile, parsePolicyText or parsePolicyObject and an io`,
    );
  }
  const r: RulesDocument = doc.rules ?? {};
  const pii = r.pii_redaction ?? {};
  const limits = r.resource_limits ?? {};
  const net = r.network ?? {};
  const content = r.content_rules ?? {};
  const rates = r.rate_limits ?? {};
  const box = r.sandbox ?? {};
  const labels = r.sensitivity_labels ?? {};
  const contentEnabled = content.enabled ?? false;
  const patterns = content.block_patterns ?? [];

  return {
    name: doc.name,
    version: doc.version ?? "1.0",
    on_violation: doc.on_violation ?? "block",
    rules: {
      allowed_tools: r.allowed_tools ?? null,
      denied_tools: r.denied_tools ?? [],
      pii_redaction: {
        enabled: pii.enabled ?? false,
        categories: pii.categories ?? [...DEFAULT_PII_CATEGORIES],
        strategy: pii.strategy ?? "placeholder",
        ner_threshold: pii.ner_threshold ?? 0.8,
        ner_fallback_to_regex: pii.ner_fallback_to_regex ?? true,
        normalize: pii.normalize ?? true,
        secrets: { enabled: pii.secrets?.enabled ?? false, categories: pii.secrets?.categories ?? null },
        custom: pii.custom ?? [],
        per_tool: Object.fromEntries(
          Object.entries(pii.per_tool ?? {}).map(([tool, o]) => [
            tool,
            { enabled: o.enabled ?? true, categories: o.categories ?? null, strategy: o.strategy ?? null, secrets: { enabled: o.secrets?.enabled ?? null, categories: o.secrets?.categories ?? null } },
          ]),
        ),
      },
      resource_limits: {
        max_call_duration_seconds: limits.max_call_duration_seconds ?? null,
        max_memory_mb: limits.max_memory_mb ?? null,
        max_cost_usd: limits.max_cost_usd ?? null,
        max_cost_per_call_usd: limits.max_cost_per_call_usd ?? null,
        cost_estimates: { ...limits.cost_estimates },
      },
      network: {
        enabled: net.enabled ?? false,
        allowed_domains: net.allowed_domains ?? [],
        denied_domains: net.denied_domains ?? [],
        deny_all_other: net.deny_all_other ?? true,
      },
      content_rules: {
        enabled: contentEnabled,
        // "Enabled with no patterns" means every builtin (as in the original); list them so that
        // what is enforced is visible in the resolved policy.
        block_patterns:
          contentEnabled && patterns.length === 0
            ? BUILTIN_CONTENT_RULES.map((name) => contentRule({ name }))
            : patterns.map(contentRule),
      },
      rate_limits: {
        enabled: rates.enabled ?? false,
        per_tool: Object.fromEntries(Object.entries(rates.per_tool ?? {}).map(([tool, r]) => [tool, rate(r, DEFAULT_TOOL_RATE)])),
        global_limit: rates.global_limit ? rate(rates.global_limit, DEFAULT_GLOBAL_RATE) : null,
      },
      sandbox: {
        enabled: box.enabled ?? false,
        strategy: box.strategy ?? "subprocess",
        max_memory_mb: box.max_memory_mb ?? null,
        max_cpu_seconds: box.max_cpu_seconds ?? null,
        allowed_env_vars: box.allowed_env_vars ?? null,
        working_directory: box.working_directory ?? null,
      },
      sensitivity_labels: {
        enabled: false, // `enabled: true` never validates (schema.ts)
        default_clearance: labels.default_clearance ?? "internal",
        enforce: labels.enforce ?? true,
        fallback: labels.fallback ?? "redact",
      },
      max_output_size_bytes: r.max_output_size_bytes ?? null,
      redact_output: r.redact_output ?? true,
      max_input_size_bytes: r.max_input_size_bytes ?? null,
      max_call_depth: r.max_call_depth ?? null,
      argument_rules: r.argument_rules ?? {},
      guard: r.guard ?? null,
    },
  };
}
