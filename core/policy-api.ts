/**
 * Policy text → validated policy → bundle. Used by every host that has the compiler (all but edge,
 * which receives bundles precompiled by `enforcecore compile`).
 */
import { compileBundle } from "../engine/compiler/bundle.js";
import type { CompiledBundle } from "../engine/bundle-format.js";
import { loadPolicyFile, parsePolicyText, parsePolicyObject, type PolicyIO, type LoadResult } from "../policies/loader.js";
import type { Policy } from "../policies/schema.js";

export { compileBundle as compilePolicy, BUNDLE_BUDGET } from "../engine/compiler/bundle.js";
export { parsePolicyText, parsePolicyObject, loadPolicyFile } from "../policies/loader.js";
export type { PolicyIO, LoadResult } from "../policies/loader.js";
export type { Policy, PolicyDocument } from "../policies/schema.js";

/** Loads a policy file (following `extends`) with the given file access and compiles it. */
export function compilePolicyFileWith(path: string, io: PolicyIO): CompiledBundle & { load: LoadResult } {
  const load = loadPolicyFile(path, io);
  return { ...compileBundle(load.policy), load };
}

/** Compiles YAML text that has no `extends` (or whose `extends` the io can resolve). */
export function compilePolicyText(text: string, file = "<policy>", io?: PolicyIO): CompiledBundle {
  return compileBundle(parsePolicyText(text, file, io).policy);
}

export function compilePolicyObject(policy: unknown): CompiledBundle {
  return compileBundle(parsePolicyObject(policy).policy as Policy);
}
