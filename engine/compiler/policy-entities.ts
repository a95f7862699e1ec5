/**
 * Which entity rules a policy compiles (engine/compiler/entities.ts): the enabled built-in PII
 * categories, the secret rules, and the custom types of `pii_redaction.custom`.
 *
 * Per-tool overrides (`pii_redaction.per_tool`): the bundle holds the union of everything any tool
 * may need (the section's categories and secret rules plus every override's), so the bundle format
 * does not change, and each request names the rules its tool leaves out (core/pii-scope.ts
 * entityExclusionFor), which the engine then does not run.
 */
import { BudgetError, EnforceCoreError, PolicyValidationError } from "../../core/errors.js";
import { headOf } from "./entities-set.js";
import type { PolicyRules } from "../../policies/schema.js";
import { customEntity } from "./custom-pii.js";
import type { EntityDef } from "./entities.js";
import { PII_PATTERNS } from "./pii.js";
import { SECRET_RULES } from "./secrets.js";

/** The entity rules of a policy, compiled and checked (head automata within budget). */
export function policyEntities(r: PolicyRules): EntityDef[] {
  return policyEntityDefs(r, checkedCustomEntity);
}

/**
 * The entity rules of a policy without building any automaton (their `maxLen` is what
 * core/redact-stream.ts needs to know how much text to hold back).
 */
export function policyEntityDefs(r: PolicyRules, custom: (c: PolicyRules["pii_redaction"]["custom"][number]) => EntityDef = customEntity): EntityDef[] {
  const pii = r.pii_redaction;
  if (!pii.enabled) return [];
  const customNames = new Set(pii.custom.map((c) => c.name));
  const categories = new Set<string>(pii.categories);
  let secretsOn = pii.secrets.enabled;
  let secretAll = pii.secrets.enabled && pii.secrets.categories === null;
  const secretNames = new Set<string>(pii.secrets.enabled ? (pii.secrets.categories ?? []) : []);
  for (const [tool, o] of Object.entries(pii.per_tool)) {
    for (const [i, c] of (o.categories ?? []).entries()) {
      if (!customNames.has(c) && !PII_PATTERNS.some((p) => p.category === c) && c !== "person_name") {
        throw new PolicyValidationError("unknown PII category in a per-tool override", [
          { path: ["rules", "pii_redaction", "per_tool", tool, "categories", i], message: `\`${c}\` is neither a built-in PII category nor a custom type of this policy` },
        ]);
      }
      categories.add(c);
    }
    const on = o.secrets.enabled ?? pii.secrets.enabled;
    if (on) {
      secretsOn = true;
      const list = o.secrets.categories ?? pii.secrets.categories;
      if (list === null) secretAll = true;
      else for (const n of list) secretNames.add(n);
    }
  }
  const out: EntityDef[] = PII_PATTERNS.filter((p) => categories.has(p.category));
  out.push(...pii.custom.map(custom));
  if (secretsOn) out.push(...SECRET_RULES.filter((x) => secretAll || secretNames.has(x.name)));
  return out;
}

/**
 * A custom type's entity rule, with its head read once here so that a pattern whose head automaton
 * is over budget fails with a BudgetError naming it (the same head options as bundle.ts).
 */
function checkedCustomEntity(c: PolicyRules["pii_redaction"]["custom"][number]): EntityDef {
  const e = customEntity(c);
  try {
    headOf(e.rest ?? e.source, e.ci ?? false, e.boundary ?? "word", { maxLength: e.headLength ?? 8, broadDepth: 4 });
  } catch (err) {
    if (err instanceof EnforceCoreError) throw err;
    throw new BudgetError(`custom PII \`${c.name}\`: pattern ${JSON.stringify(c.pattern)} needs too large an automaton for its first characters (${(err as Error).message})`);
  }
  return e;
}
