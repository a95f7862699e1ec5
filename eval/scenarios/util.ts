/** Helpers the scenario files share: PII probes, evidence wording, lenient tool dispatchers. */
import { inspect } from "node:util";
import type { Tool } from "../../core/enforcer.js";
import type { Tools } from "../tools.js";
import type { Attempt, Effect } from "../types.js";
import { CUSTOMERS } from "../world.js";

/** Every raw PII value of the customer database. */
export const CUSTOMER_PII: readonly string[] = CUSTOMERS.flatMap((c) => [c.email, c.phone, c.ssn, c.card]);

/** What a model would be shown of a value: JSON (as most frameworks send it) and util.inspect. */
export function rendered(value: unknown): string {
  let json = "";
  try {
    json = JSON.stringify(value) ?? "";
  } catch {
    json = "";
  }
  return `${json}\n${inspect(value, { depth: null, breakLength: Number.POSITIVE_INFINITY })}`;
}

/** The raw values among `needles` that appear in what a model would see of `value`. */
export function leaked(value: unknown, needles: readonly string[]): string[] {
  const text = typeof value === "string" ? value : rendered(value);
  return needles.filter((n) => text.includes(n));
}

export function effect(harmed: boolean, evidence: string, mechanisms?: readonly string[]): Effect {
  return mechanisms ? { harmed, evidence, mechanisms } : { harmed, evidence };
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "3 of 4 blocked (tool_denied, argument_violation)". */
export function blockedSummary(attempts: readonly Attempt<unknown>[]): string {
  const failed = attempts.filter((a) => !a.ok) as { code: string }[];
  const codes = [...new Set(failed.map((a) => a.code))];
  return `${failed.length} of ${attempts.length} calls refused${codes.length ? ` (${codes.join(", ")})` : ""}`;
}

/** Strips what invisible-character filters strip: format characters, controls, whitespace. */
export function stripInvisible(name: string): string {
  return name.replace(/[\p{Cf}\p{Cc}\s]/gu, "");
}

const CONFUSABLES: Readonly<Record<string, string>> = {
  "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0443": "y", "\u0445": "x", "\u0456": "i",
  "\u03b1": "a", "\u03bf": "o", "\u017f": "s", "\u212a": "k",
};

/**
 * The lenient name lookup many agent frameworks do: NFKC, strip invisibles, fold look-alike
 * letters, drop combining marks and variation selectors, lower-case. The policy sees the raw name.
 */
export function skeleton(name: string): string {
  const folded = [...stripInvisible(name).normalize("NFKC")].map((ch) => CONFUSABLES[ch] ?? ch).join("");
  return folded.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase(); // marks include the variation selectors
}

/** A dispatcher that resolves a (possibly disguised) tool name to the real implementation. */
export function dispatcher(tools: Tools, normalise: (name: string) => string = skeleton) {
  return (name: string): Tool<unknown, unknown> => {
    const real = (tools as unknown as Record<string, Tool<unknown, unknown>>)[normalise(name)];
    if (!real) throw new Error(`no tool ${name}`);
    return real;
  };
}
