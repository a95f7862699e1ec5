// Public surface of the policy package.
export * from "./schema.js";
export type { PolicyIO } from "./io.js";
export { applyDefaults, type LoadResult, loadPolicyFile, MAX_EXTENDS_DEPTH, mergePolicies, parsePolicyObject, parsePolicyText, resolvePolicy } from "./loader.js";
export { canonicalDomain, checkRegex, checkToolPattern, parseArgPath } from "./fields.js";
export { policyJsonSchema } from "./json-schema.js";
