/**
 * The PII categories of the original (its regex tier), as linear-time patterns plus exact checks
 * done in the engine after a match: word boundaries, Luhn for cards (the original had none),
 * IPv4 octet ranges, SSN area/group/serial rules. `person_name` needs NER and is not detected.
 */
import type { PiiCategory } from "../../policies/schema.js";

/** Engine check codes (engine/assembly/checks.ts). */
export const CHECK = { none: 0, word: 1, luhn: 2, ipv4: 3, ssn: 4, digits: 5 } as const;

export interface PiiPattern {
  readonly category: PiiCategory;
  readonly source: string;
  readonly check: number;
  readonly placeholder: string;
  readonly mask: string;
}

export const PII_PATTERNS: readonly PiiPattern[] = [
  { category: "email", source: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", check: CHECK.word, placeholder: "<EMAIL>", mask: "****@****.***" },
  { category: "phone", source: "(?:\\+?1[-. ]?)?(?:\\([0-9]{3}\\)|[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}", check: CHECK.digits, placeholder: "<PHONE>", mask: "***-***-****" },
  { category: "ssn", source: "[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}", check: CHECK.ssn, placeholder: "<SSN>", mask: "***-**-****" },
  {
    category: "credit_card",
    // The shape only (4-4-4-x or Amex 4-6-5 groups): exact issuer prefixes in the pattern make
    // the search automaton explode, so the engine checks them with Luhn after the match.
    source: "[0-9]{4}(?:[- ]?[0-9]{4}){2}[- ]?[0-9]{1,4}|[0-9]{4}[- ]?[0-9]{6}[- ]?[0-9]{5}",
    check: CHECK.luhn,
    placeholder: "<CREDIT_CARD>",
    mask: "****-****-****-****",
  },
  { category: "ip_address", source: "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}", check: CHECK.ipv4, placeholder: "<IP_ADDRESS>", mask: "***.***.***.***" },
  { category: "passport", source: "[A-Z]{1,2}[0-9]{6,9}", check: CHECK.word, placeholder: "<PASSPORT>", mask: "**-*******" },
];

export function piiPattern(category: string): PiiPattern | undefined {
  return PII_PATTERNS.find((p) => p.category === category);
}
