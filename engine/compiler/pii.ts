/**
 * PII categories: the original's six (its regex tier) and the structured types added since, as
 * entity rules (engine/compiler/entities.ts) with exact checks in the engine
 * (engine/assembly/checks.ts). Every category but the original default five is opt-in.
 * `person_name` needs NER and is not detected. docs/REDACTION.md lists each type with its check.
 */
import { PII_CATEGORIES, type PiiCategory } from "../../policies/schema.js";
import { CHECK, type EntityDef } from "./entities.js";

export { CHECK };

export interface PiiPattern extends EntityDef {
  readonly kind: "pii";
  readonly category: PiiCategory;
  /** Country or region the identifier belongs to (documentation). */
  readonly region: string;
  /**
   * Code units that can never come right before the head of a match the check accepts (derived by
   * hand from the back part and the check, see ipv6 below). They are folded into the head like a
   * boundary, so positions the check would reject are never tried: same answers, fewer candidates.
   */
  readonly headNotAfter?: readonly { readonly min: number; readonly max: number }[];
  /**
   * Classes of the units right before the head (the last is next to it), replacing the boundary:
   * a necessary condition of every match the check accepts, derived by hand from the back part
   * (see date_of_birth). Non-ASCII units are always admitted, so case folding cannot escape it.
   */
  readonly headAfter?: readonly (readonly { readonly min: number; readonly max: number }[])[];
  /**
   * How far the head may run through broad classes (bundle.ts entityHead; default 4 with a back
   * part, 5 without). Without a back part any depth keeps the answers (every match starts with
   * its head; see vin); with one, only where every accepted match has its rest starting exactly
   * at the head (see us_zip4), so a longer head only drops positions that cannot match.
   */
  readonly headBroadDepth?: number;
  /** How many sequences of classes the head may hold (default 4): see date_of_birth. */
  readonly headPaths?: number;
  /**
   * The check refuses every match that starts with a digit right after an ASCII letter, digit or
   * `_`, whatever the type's boundary admits (phone: no letter touching its digits). In the
   * numeric family (entity-families.ts) the head's words that start with a digit then need a word
   * boundary, not the digit boundary: a digit after a letter starts no candidate.
   */
  readonly digitStartAfterWordRefused?: true;
  /**
   * Code units every accepted match starts with (the check rejects any other first unit): the
   * head's first class is narrowed to them, so such positions are never tried. Rules without a
   * back part only (the match starts at the head).
   */
  readonly headFirst?: readonly { readonly min: number; readonly max: number }[];
}

type Def = Omit<PiiPattern, "kind" | "name" | "placeholder"> & { placeholder?: string };

const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\\.?";
const DOB_DATE = `[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{2,4}|[0-9]{1,2}(?:st|nd|rd|th)? ${MONTH},? [0-9]{4}|${MONTH} [0-9]{1,2}(?:st|nd|rd|th)?,? [0-9]{4}`;
// The context in prose (`date of birth: `, `born on `) and as a key (`"dob": "`, `date_of_birth=`,
// `birthDate: '`): the words may be joined by `_` or `-` or nothing, and quotes and `=` separate.
const DOB_CONTEXT = "(?:date[ _-]?of[ _-]?birth|birth[ _-]?date|date de naissance|d\\.?o\\.?b\\.?|born(?: on)?|birthday)[ \\t:,.=\"'-]{0,4}";
const DOB_SEP = [0x09, 0x20, 0x22, 0x27, 0x2c, 0x2d, 0x2e, 0x3a, 0x3d].map((c) => ({ min: c, max: c }));
const DOB_WORD_END = [..."behnyBEHNY"].map((c) => ({ min: c.charCodeAt(0), max: c.charCodeAt(0) }));
const NON_ASCII = { min: 0x80, max: 0xffff };
const ZIP_CONTEXT = "(?:zip(?: ?code)?|postal(?: ?code)?|[a-z]{2})[:,]?[ \\t]{1,2}";

const DEFS: readonly Def[] = [
  // ---- the original's categories (same shapes; checks added: Luhn, SSN areas, octets) ----
  {
    category: "email", region: "global", check: CHECK.email, maxLen: 320, mask: "****@****.***",
    source: "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", back: "[A-Za-z0-9._%+-]+", rest: "@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}", boundary: "none",
    description: "e-mail address; word-bounded; not a user on a host (`ssh://git@host/`, `git@github.com:org/repo`, `deploy@host:/var/www`); not when its last label is a file extension (`icon@2x.png`)",
  },
  {
    category: "phone", region: "US/CA", check: CHECK.phone, maxLen: 24, mask: "***-***-****", boundary: "digit",
    source: "(?:\\+?1[-. ]?)?(?:\\([0-9]{3}\\)|[0-9]{3})[-. ]?[0-9]{3}[-. ]?[0-9]{4}",
    // checks.ts phone: a digit start right after a letter is refused (hex identifiers, `x1234…`)
    digitStartAfterWordRefused: true,
    description: "North-American phone number; no digit right before or after, no letter touching its digits; bare digits (ten, or eleven after a 1) only with an area code from 2-9; not a decimal number (`-122.4194155`) nor either part of one",
  },
  {
    category: "ssn", region: "US", check: CHECK.ssn, maxLen: 11, mask: "***-**-****",
    source: "[0-9]{3}-[0-9]{2}-[0-9]{4}|[0-9]{3} [0-9]{2} [0-9]{4}|[0-9]{9}",
    description: "US social security number; area not 000/666/9xx, group not 00, serial not 0000",
  },
  {
    category: "credit_card", region: "global", check: CHECK.luhn, maxLen: 23, mask: "****-****-****-****",
    // 4-4-4-x (13-16 digits), 4-4-4-4-x (17-19: UnionPay, some Visa and Maestro), Amex 4-6-5,
    // Diners 4-6-4 (14 digits). A card followed by its CVV reads as 19 digits: the check then
    // falls back to the first 16 (checks.ts card).
    source: "[0-9]{4}(?:[- ]?[0-9]{4}){2}[- ]?[0-9]{1,4}|[0-9]{4}(?:[- ]?[0-9]{4}){3}[- ]?[0-9]{1,3}|[0-9]{4}[- ]?[0-9]{6}[- ]?[0-9]{4,5}",
    // Every issuer prefix the check accepts starts with 2-6 (checks.ts cardPrefix).
    headFirst: [{ min: 0x32, max: 0x36 }],
    description: "payment card (13-19 digits: 4-4-4-x, 4-4-4-4-x, Amex 4-6-5 or Diners 4-6-4); issuer prefix, the issuer's lengths (a 15-digit IMEI is no card) and Luhn checksum; a longer number that fails falls back to its first 16 digits",
  },
  {
    category: "ip_address", region: "global", check: CHECK.ipv4, maxLen: 15, mask: "***.***.***.***",
    source: "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
    description: "IPv4 address; octets 0-255; not inside a longer run of dotted numbers (an OID such as `1.3.6.1.4.1.311`); not a product version in a User-Agent (`Chrome/120.0.0.0`); not loopback (127/8) or 0.0.0.0; not after the word `version`",
  },
  {
    category: "passport", region: "global", check: CHECK.word, maxLen: 11, mask: "**-*******",
    source: "[A-Z]{1,2}[0-9]{6,9}",
    description: "passport number shape (1-2 capitals, 6-9 digits); word-bounded, not after a backslash (an escape)",
  },
  // ---- added types (opt-in) ----
  {
    category: "iban", region: "global", check: CHECK.iban, maxLen: 42, mask: "**** **** **** ****",
    source: "[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?",
    description: "IBAN; the country's registered length and the ISO 7064 mod-97 check",
  },
  {
    category: "ipv6", region: "global", check: CHECK.ipv6, maxLen: 50, mask: "****:****:****:****",
    // colons come one or two at a time (a run of colons dies at the third)
    source: "[0-9A-Fa-f]{0,4}::?(?:[0-9A-Fa-f]{1,4}::?){0,7}[0-9A-Fa-f.]{0,16}", back: "[0-9A-Fa-f]{0,4}", rest: "::?(?:[0-9A-Fa-f]{1,4}::?){0,7}[0-9A-Fa-f.]{0,16}", boundary: "none",
    // The back part is hex digits only, so after `:`, `.` or a non-hex word character the match
    // starts at the head, and the check rejects a start right after a word character, `:` or `.`
    // (checks.ts ipv6). Without this every `:` of a run of colons was a candidate.
    headNotAfter: [{ min: 0x2e, max: 0x2e }, { min: 0x3a, max: 0x3a }, { min: 0x47, max: 0x5a }, { min: 0x5f, max: 0x5f }, { min: 0x67, max: 0x7a }],
    description: "IPv6 address (RFC 4291 text form, `::` once, optional IPv4 tail); not the loopback `::1`",
  },
  {
    category: "mac_address", region: "global", check: CHECK.mac, maxLen: 17, mask: "**:**:**:**:**:**",
    source: "[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}\\.[0-9A-Fa-f]{4}",
    description: "MAC address (6 groups with one separator, or Cisco dotted)",
  },
  {
    category: "us_routing_number", region: "US", check: CHECK.aba, maxLen: 9, mask: "*********",
    source: "[0-9]{9}",
    description: "ABA routing transit number; Federal Reserve prefix and 3-7-1 checksum",
  },
  {
    category: "uk_nino", region: "UK", check: CHECK.nino, maxLen: 13, mask: "** ** ** ** *",
    source: "[A-Z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-D]",
    description: "UK National Insurance number; allowed prefix letters",
  },
  {
    category: "ca_sin", region: "CA", check: CHECK.sin, maxLen: 11, mask: "***-***-***",
    source: "[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{3}",
    description: "Canadian social insurance number; Luhn",
  },
  {
    category: "btc_address", region: "global", check: CHECK.btc, maxLen: 74, mask: "****************",
    source: "[13][1-9A-HJ-NP-Za-km-z]{25,34}|bc1[02-9ac-hj-np-z]{11,71}",
    description: "Bitcoin address: Base58Check (double SHA-256) or bech32/bech32m (BIP 173/350)",
  },
  {
    category: "eth_address", region: "global", check: CHECK.eth, maxLen: 42, mask: "0x****************************************",
    source: "0x[0-9a-fA-F]{40}",
    description: "Ethereum address (0x + 40 hex digits); mixed case must pass the EIP-55 checksum (Keccak-256)",
  },
  {
    category: "date_of_birth", region: "global", check: CHECK.dob, maxLen: 64, mask: "**/**/****", ci: true,
    source: `${DOB_CONTEXT}(?:${DOB_DATE})`, back: DOB_CONTEXT, rest: `(?:${DOB_DATE})`,
    // The context ends in a separator or its word's last character (birth, date, naissance, dob,
    // d.o.b., born, on, birthday), and the word boundary rules out a letter right before the head:
    // so the unit before the head is a separator, and the one before it a separator or one of
    // h e b n y. Without this, every prose word starting like a date or month was a candidate
    // (45,000 of the 52,000 candidates on 1 MB of mixed text).
    headAfter: [[...DOB_SEP, ...DOB_WORD_END, NON_ASCII], [...DOB_SEP, NON_ASCII]],
    // The context holds no digit and ends before the date, so every match has its date starting
    // exactly at the head: a head of the date's first units (as many ways as its shapes and month
    // names take; its shortest is `1-1-85`) drops only positions where no date starts. With the
    // three-unit union head, every value after `key=` that starts like a number or a month
    // (`api_key=4357…`, `=mar…`) was a candidate once `=` separates a context.
    headBroadDepth: 6,
    headPaths: 64,
    description: "a valid calendar date (1880-2099) right after `date of birth`, `DOB`, `born`, `birthday`…, in prose or as a key (`\"dob\": \"`, `date_of_birth=`, `patientBirthDate: `); only the date is redacted",
  },
  {
    category: "us_ein", region: "US", check: CHECK.ein, maxLen: 10, mask: "**-*******",
    source: "[0-9]{2}-[0-9]{7}",
    description: "US employer identification number; assigned IRS prefix",
  },
  {
    category: "es_dni", region: "ES", check: CHECK.es_id, maxLen: 10, mask: "********-*",
    source: "[0-9]{8}-?[A-Z]",
    description: "Spanish DNI; mod-23 control letter",
  },
  {
    category: "es_nie", region: "ES", check: CHECK.es_id, maxLen: 11, mask: "*-*******-*",
    source: "[XYZ]-?[0-9]{7}-?[A-Z]",
    description: "Spanish NIE; mod-23 control letter",
  },
  {
    category: "it_fiscal_code", region: "IT", check: CHECK.it_cf, maxLen: 16, mask: "****************",
    source: "[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]",
    description: "Italian codice fiscale; positional structure, month letter and check character",
  },
  {
    category: "in_pan", region: "IN", check: CHECK.in_pan, maxLen: 10, mask: "**********",
    source: "[A-Z]{5}[0-9]{4}[A-Z]",
    description: "Indian PAN; holder-type letter",
  },
  {
    category: "in_aadhaar", region: "IN", check: CHECK.aadhaar, maxLen: 14, mask: "**** **** ****",
    source: "[2-9][0-9]{3}[ -]?[0-9]{4}[ -]?[0-9]{4}",
    description: "Indian Aadhaar number; Verhoeff checksum",
  },
  {
    category: "br_cpf", region: "BR", check: CHECK.cpf, maxLen: 14, mask: "***.***.***-**",
    source: "[0-9]{3}\\.?[0-9]{3}\\.?[0-9]{3}-?[0-9]{2}",
    description: "Brazilian CPF; two mod-11 check digits",
  },
  {
    category: "nl_bsn", region: "NL", check: CHECK.bsn, maxLen: 11, mask: "*********",
    source: "[0-9]{9}|[0-9]{4}\\.[0-9]{2}\\.[0-9]{3}",
    description: "Dutch BSN; 11-proof",
  },
  {
    category: "phone_intl", region: "global", check: CHECK.e164, maxLen: 26, mask: "+** *** *** ****", boundary: "none",
    source: "\\+[1-9][0-9 ().-]{6,22}[0-9]",
    description: "international number written with `+` (E.164): assigned country code, 8-15 digits",
  },
  {
    category: "uk_postcode", region: "UK", check: CHECK.uk_postcode, maxLen: 8, mask: "*** ***",
    source: "[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}",
    description: "UK postcode; position letter rules",
  },
  {
    category: "us_zip4", region: "US", check: CHECK.zip4, maxLen: 40, mask: "*****-****", ci: true,
    source: `${ZIP_CONTEXT}[0-9]{5}-[0-9]{4}`, back: ZIP_CONTEXT, rest: "[0-9]{5}-[0-9]{4}",
    // The context ends in a space or tab and holds no digit, so any match whose end passes the head
    // has its digits starting exactly at the head: a head of all five digits drops only positions
    // where no ZIP+4 can start (without it, every 4-digit group was a candidate).
    headBroadDepth: 5,
    description: "ZIP+4 code after a state code, `zip` or `postal code`; only the code is redacted",
  },
  {
    category: "vin", region: "global", check: CHECK.vin, maxLen: 17, mask: "*****************",
    source: "[A-HJ-NPR-Z0-9]{17}",
    // Seven units of its class, not five: in a table of numbers every number of five or six digits
    // started a candidate, each refused only after a call (a tenth of a CSV's time). A number of
    // seven digits or more still is one; the head set grows by some 330 states.
    headBroadDepth: 7,
    description: "vehicle identification number; position-9 check digit (North-American scheme)",
  },
  {
    category: "us_itin", region: "US", check: CHECK.itin, maxLen: 11, mask: "***-**-****",
    source: "9[0-9]{2}[- ]?[0-9]{2}[- ]?[0-9]{4}",
    description: "US ITIN; area 9xx, assigned group ranges",
  },
  {
    category: "uk_nhs", region: "UK", check: CHECK.nhs, maxLen: 12, mask: "*** *** ****",
    source: "[0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}",
    description: "UK NHS number; mod-11 check digit",
  },
  {
    category: "de_tax_id", region: "DE", check: CHECK.de_tax, maxLen: 14, mask: "** *** *** ***",
    source: "[0-9]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
    description: "German tax ID (IdNr); digit-repetition rule and ISO 7064 MOD 11,10",
  },
  {
    category: "fr_nir", region: "FR", check: CHECK.fr_nir, maxLen: 21, mask: "* ** ** ** *** *** **",
    source: "[1-478] ?[0-9]{2} ?[0-9]{2} ?(?:[0-9]{2}|2[AB]) ?[0-9]{3} ?[0-9]{3} ?[0-9]{2}",
    description: "French social security number (NIR); 97-complement key, Corsica 2A/2B",
  },
  {
    category: "sg_nric", region: "SG", check: CHECK.sg_nric, maxLen: 9, mask: "*********",
    source: "[STFG][0-9]{7}[A-Z]",
    description: "Singapore NRIC/FIN (S, T, F, G); checksum letter",
  },
  {
    category: "fi_hetu", region: "FI", check: CHECK.fi_hetu, maxLen: 11, mask: "******-****",
    source: "[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-FHJ-NPR-Y]",
    description: "Finnish personal identity code; date and mod-31 check character",
  },
  {
    category: "pl_pesel", region: "PL", check: CHECK.pesel, maxLen: 11, mask: "***********",
    source: "[0-9]{11}",
    description: "Polish PESEL; birth date and weighted check digit",
  },
  {
    category: "au_tfn", region: "AU", check: CHECK.au_tfn, maxLen: 11, mask: "*** *** ***",
    source: "[0-9]{3} ?[0-9]{3} ?[0-9]{3}",
    description: "Australian tax file number; weighted mod-11",
  },
  {
    category: "us_npi", region: "US", check: CHECK.npi, maxLen: 10, mask: "**********",
    source: "[12][0-9]{9}",
    description: "US National Provider Identifier; Luhn with the 80840 prefix",
  },
  {
    category: "cn_resident_id", region: "CN", check: CHECK.cn_ric, maxLen: 18, mask: "******************",
    source: "[1-9][0-9]{16}[0-9Xx]",
    description: "Chinese resident identity card number; birth date and ISO 7064 MOD 11-2",
  },
  {
    category: "se_personnummer", region: "SE", check: CHECK.se_pnr, maxLen: 13, mask: "******-****",
    source: "(?:[0-9]{2})?[0-9]{6}[-+]?[0-9]{4}",
    description: "Swedish personal identity number; date and Luhn",
  },
  {
    category: "za_id", region: "ZA", check: CHECK.za_id, maxLen: 13, mask: "*************",
    source: "[0-9]{13}",
    description: "South African ID number; birth date, citizenship digit and Luhn",
  },
  {
    category: "au_medicare", region: "AU", check: CHECK.au_medicare, maxLen: 12, mask: "**** ***** *",
    source: "[2-6][0-9]{3} ?[0-9]{5} ?[0-9]",
    description: "Australian Medicare card number; weighted check digit",
  },
];

export const PII_PATTERNS: readonly PiiPattern[] = DEFS.map((d) => ({
  ...d,
  kind: "pii" as const,
  name: d.category,
  placeholder: d.placeholder ?? `<${d.category.toUpperCase()}>`,
}));

// Every category the schema accepts is defined here, except person_name (NER only).
for (const c of PII_CATEGORIES) {
  if (c !== "person_name" && !PII_PATTERNS.some((p) => p.category === c)) throw new Error(`PII category ${c} has no pattern`);
}

export function piiPattern(category: string): PiiPattern | undefined {
  return PII_PATTERNS.find((p) => p.category === category);
}
