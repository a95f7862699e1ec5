/**
 * Entity rules: PII categories (engine/compiler/pii.ts) and secret rules (engine/compiler/secrets.ts)
 * share one model and one scanner (engine/assembly/entities.ts, docs/REDACTION.md):
 *
 * - `source`: the whole pattern, matched anchored from the start of a match (longest match, at most
 *   `maxLen` units). Counted repeats are cheap here: only the anchored automaton is built from it.
 * - the *head*: the first few characters of `source` (or of `rest`), read off its automaton as
 *   character-class sequences (engine/compiler/entities-set.ts); all heads of a policy are scanned
 *   in one pass. `boundary` folds "no word character / digit right before" into the head.
 * - `back` + `rest`: when the most distinctive part is not at the start (`@` of an email), the head
 *   comes from `rest` and the start is found backwards with `back` (`source` = back + rest). A
 *   check may keep only the part from the head: `back` is then required context (dates of birth).
 * - `check` (engine/assembly/checks.ts) with its argument: boundaries, checksums, entropy gates;
 *   it may narrow the span.
 */
import type { StartBoundary } from "./entities-set.js";

/** Engine check codes (engine/assembly/checks.ts). */
export const CHECK = {
  none: 0, word: 1, luhn: 2, ipv4: 3, ssn: 4, digits: 5, iban: 6, ipv6: 7, mac: 8, aba: 9, nino: 10, sin: 11, btc: 12, eth: 13,
  dob: 14, ein: 15, es_id: 16, it_cf: 17, in_pan: 18, aadhaar: 19, cpf: 20, bsn: 21, e164: 22, uk_postcode: 23, zip4: 24, vin: 25,
  itin: 26, nhs: 27, de_tax: 28, fr_nir: 29, sg_nric: 30, fi_hetu: 31, pesel: 32, au_tfn: 33, npi: 34, cn_ric: 35, se_pnr: 36,
  za_id: 37, au_medicare: 38, token: 39, github: 40, assign: 41, url_password: 42, basic_auth: 43, custom: 44, phone: 45,
  token_trimmed: 46, assign_trimmed: 47, email: 48, flag_value: 49, flag_credential: 50, assign_mixed: 51, header_credential: 52,
  pem: 53, passphrase: 54, echo_value: 55, pgpass: 56, echo_credential: 57,
} as const;

export interface EntityDef {
  /** Category or rule name: lower case, `[a-z0-9_]`. */
  readonly name: string;
  readonly kind: "pii" | "secret";
  /** The whole pattern (JS regex source, no anchors), matched from the start of a match. */
  readonly source: string;
  /**
   * Optional split of `source` = `back` + `rest`: the head is read from `rest`. The match starts
   * at the leftmost start of `back` that ends at the head, and ends at the longest match of
   * `rest` from the head.
   */
  readonly back?: string;
  readonly rest?: string;
  /**
   * `back` is context only (the check keeps no unit of it; any start will do, its boundary
   * checked): the nearest start is taken instead of the leftmost, so a backward scan ends at its
   * first start, and it may read into the rule's previous match (`mysql -pA1 -pB2`).
   */
  readonly nearestStart?: boolean;
  /**
   * A pattern every match of `back` starts with (a command name): heads of their own record where
   * it last ended, and a head of the rule with none within `maxLen` units before it is no
   * candidate (entities.ts tryRule): a compare instead of a backward scan for every `-p` of every
   * other command.
   */
  readonly gate?: string;
  /** Case-insensitive matching (default false). */
  readonly ci?: boolean;
  /** What must precede the head (default `word`: no ASCII letter, digit or `_`). */
  readonly boundary?: StartBoundary;
  readonly check: number;
  /** Check argument (secrets: see `tokenArg`). */
  readonly arg?: number;
  /** Longest match, in UTF-16 units. */
  readonly maxLen: number;
  /** Longest head read off the pattern (default 8). */
  readonly headLength?: number;
  readonly placeholder: string;
  readonly mask: string;
  readonly description: string;
}

export interface TokenGate {
  /** Length bounds of the value (after narrowing), in UTF-16 units; max 0 = none. */
  readonly min?: number;
  readonly max?: number;
  /** Minimum Shannon entropy in bits per character, a multiple of 1/8 (e.g. 3.5). */
  readonly entropy?: number;
  /** Minimum number of character classes present (lower, upper, digit, other), 0-3. */
  readonly classes?: number;
  /** No word character may follow the match. */
  readonly endBoundary?: boolean;
  /** No word character may precede the match. */
  readonly startBoundary?: boolean;
}

/** Packs a secret gate into the u32 argument of CHECK.token / github / assign / url_password. */
export function tokenArg(g: TokenGate): number {
  const min = g.min ?? 0;
  const max = g.max ?? 0;
  const eighths = Math.round((g.entropy ?? 0) * 8);
  const classes = g.classes ?? 0;
  if (min > 1023 || max > 4095 || eighths > 63 || classes > 3 || eighths !== (g.entropy ?? 0) * 8) throw new RangeError(`token gate out of range: ${JSON.stringify(g)}`);
  return (min | (max << 10) | (eighths << 22) | (classes << 28) | (g.endBoundary ? 1 << 30 : 0) | (g.startBoundary ? 1 << 31 : 0)) >>> 0;
}

/** Reads a packed gate back (for documentation and tests). */
export function readTokenArg(arg: number): Required<TokenGate> {
  return {
    min: arg & 0x3ff,
    max: (arg >>> 10) & 0xfff,
    entropy: ((arg >>> 22) & 0x3f) / 8,
    classes: (arg >>> 28) & 3,
    endBoundary: (arg & (1 << 30)) !== 0,
    startBoundary: (arg & (1 << 31)) !== 0,
  };
}
