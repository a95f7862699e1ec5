// The JSON Schema of a policy file, generated from the zod schema so the two cannot drift.
// Editors use it for completion and inline errors (`# yaml-language-server: $schema=…`).
// It describes the INPUT side (what an author writes); checks that JSON Schema cannot express
// (domain syntax, builtin rule names, min <= max) are only enforced by the loader.
import { z } from "zod";
import { PolicyDocumentSchema } from "./schema.js";

export const POLICY_SCHEMA_ID = "https://enforcecore.dev/schema/policy.schema.json";

export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(PolicyDocumentSchema, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: POLICY_SCHEMA_ID, title: "enforcecore policy", ...rest };
}

/** The exact text of policies/policy.schema.json. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
