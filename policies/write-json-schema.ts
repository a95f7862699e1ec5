// Regenerates policies/policy.schema.json from the zod schema:
//   npx tsx policies/write-json-schema.ts
// A test fails when the committed file is out of date.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { policyJsonSchemaText } from "./json-schema.js";

const target = fileURLToPath(new URL("./policy.schema.json", import.meta.url));
writeFileSync(target, policyJsonSchemaText());
console.log(`wrote ${target}`);
