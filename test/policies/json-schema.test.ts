// policies/policy.schema.json is generated from the zod schema; it must be regenerated on change:
//   npx tsx policies/write-json-schema.ts
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { policyJsonSchema, policyJsonSchemaText } from "../../policies/json-schema.js";

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

describe("policy.schema.json", () => {
  it("is up to date (run `npx tsx policies/write-json-schema.ts`)", () => {
    expect(readFileSync(here("../../policies/policy.schema.json"), "utf8")).toBe(policyJsonSchemaText());
  });

  it("is strict and names every rules key", () => {
    const schema = policyJsonSchema() as { additionalProperties: boolean; required: string[]; properties: { rules: { properties: object; additionalProperties: boolean } } };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(["name"]);
    expect(schema.properties.rules.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties.rules.properties)).toContain("argument_rules");
  });

  it("every example points editors at it", () => {
    const dir = here("../../policies/examples/");
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
      const text = readFileSync(`${dir}${file}`, "utf8");
      expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../policy.schema.json");
      expect(parseDocument(text).errors).toEqual([]);
    }
  });
});
