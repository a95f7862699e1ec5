// Exact checks applied to a candidate match (UTF-16 units, [s, e)) before it counts. The automata
// find shapes; these decide validity: boundaries, checksums (Luhn, mod-97, Verhoeff, 11-proofs,
// CRC32, Base58Check, bech32), calendar dates, issuer and country tables, integer entropy gates.
// A check may narrow the span (cS, cE): an IBAN is cut at its country's length, a secret
// assignment keeps only the value, a date of birth drops its context words.
// Integer arithmetic only; no recursion; every loop is bounded by the span length.

import { keccak256, KECCAK_SCRATCH } from "./keccak";
import { hexDigit } from "./text";

export const CHECK_NONE: u32 = 0;
export const CHECK_WORD: u32 = 1; // no letter, digit or '_' right before or after the match, nor a backslash before it (an escape: `\U0001F600`)
export const CHECK_LUHN: u32 = 2; // word boundaries + issuer prefix + Luhn checksum over 13-19 digits
export const CHECK_IPV4: u32 = 3; // word boundaries + four octets 0-255; not an OID's part, a version (`Chrome/120.0.0.0`, `Version 1.2.3.4`), loopback or 0.0.0.0
export const CHECK_SSN: u32 = 4; // word boundaries + area not 000/666/9xx, group not 00, serial not 0000
export const CHECK_DIGITS: u32 = 5; // no digit right before or after the match
export const CHECK_IBAN: u32 = 6;
export const CHECK_IPV6: u32 = 7;
export const CHECK_MAC: u32 = 8;
export const CHECK_ABA: u32 = 9;
export const CHECK_NINO: u32 = 10;
export const CHECK_SIN: u32 = 11;
export const CHECK_BTC: u32 = 12;
export const CHECK_ETH: u32 = 13;
export const CHECK_DOB: u32 = 14;
export const CHECK_EIN: u32 = 15;
export const CHECK_ES_ID: u32 = 16;
export const CHECK_IT_CF: u32 = 17;
export const CHECK_IN_PAN: u32 = 18;
export const CHECK_AADHAAR: u32 = 19;
export const CHECK_CPF: u32 = 20;
export const CHECK_BSN: u32 = 21;
export const CHECK_E164: u32 = 22;
export const CHECK_UK_POSTCODE: u32 = 23;
export const CHECK_ZIP4: u32 = 24;
export const CHECK_VIN: u32 = 25;
export const CHECK_ITIN: u32 = 26;
export const CHECK_NHS: u32 = 27;
export const CHECK_DE_TAX: u32 = 28;
export const CHECK_FR_NIR: u32 = 29;
export const CHECK_SG_NRIC: u32 = 30;
export const CHECK_FI_HETU: u32 = 31;
export const CHECK_PESEL: u32 = 32;
export const CHECK_AU_TFN: u32 = 33;
export const CHECK_NPI: u32 = 34;
export const CHECK_CN_RIC: u32 = 35;
export const CHECK_SE_PNR: u32 = 36;
export const CHECK_ZA_ID: u32 = 37;
export const CHECK_AU_MEDICARE: u32 = 38;
export const CHECK_TOKEN: u32 = 39; // secrets: boundaries, length, character classes, entropy (arg)
export const CHECK_GITHUB: u32 = 40; // CHECK_TOKEN + the CRC32/base62 checksum of gh*_ tokens
export const CHECK_ASSIGN: u32 = 41; // `key = value`: narrowed to the value, then CHECK_TOKEN on it
export const CHECK_URL_PASSWORD: u32 = 42; // `scheme://user:password@`: narrowed to the password
export const CHECK_BASIC_AUTH: u32 = 43; // `Basic <base64>` / `"auth": "<base64>"`: the value must decode to `user:password`
export const CHECK_CUSTOM: u32 = 44; // policy-defined PII: boundaries, length bounds, optional checksum (arg: compiler/custom-pii.ts)
export const CHECK_PHONE: u32 = 45; // no digit right before or after; no letter either where the match starts or ends with a digit
export const CHECK_TOKEN_TRIMMED: u32 = 46; // CHECK_TOKEN on the match without its final `.`s (tokens that never end with one)
export const CHECK_ASSIGN_TRIMMED: u32 = 47; // CHECK_ASSIGN on the match without its final `.`s
export const CHECK_EMAIL: u32 = 48; // word-bounded; not user@host of a URL or scp; the last label not a file extension
export const CHECK_FLAG_VALUE: u32 = 49; // the value after a command's one-letter flag that ends the match (`-pSECRET`, `-p 'secret'`)
export const CHECK_FLAG_CREDENTIAL: u32 = 50; // the part after the first `:` of the argument that ends the match (`-passin pass:SECRET`)
export const CHECK_ASSIGN_MIXED: u32 = 51; // CHECK_ASSIGN_TRIMMED whose value holds a digit and a letter
export const CHECK_HEADER_CREDENTIAL: u32 = 52; // the last word (as CHECK_FLAG_VALUE) of the match without its final `.`s, holding a digit and a letter
export const CHECK_PEM: u32 = 53; // a PEM block whose body holds a run of 32 base64 units (not two markers quoted apart in code)
export const CHECK_PASSPHRASE: u32 = 54; // a quoted value of words under a password's key (`password = "correct horse battery"`), not prose
export const CHECK_ECHO_VALUE: u32 = 55; // the value `echo` pipes into a command that reads a password from standard input
export const CHECK_PGPASS: u32 = 56; // the password field of a PostgreSQL password file's line (`host:port:db:user:password`)
export const CHECK_ECHO_CREDENTIAL: u32 = 57; // CHECK_ECHO_VALUE's value is `user:password`: the part after its first `:`
export const CHECK_MAX: u32 = 57;

// The accepted span, set by checkMatch when it returns true.
export let cS: i32 = 0;
export let cE: i32 = 0;
// Where the rule's head begins (the end of a required context), set by the scanner before a check.
export let cHead: i32 = 0;
export function setHead(h: i32): void {
  cHead = h;
}

// ---- helpers ----------------------------------------------------------------------------------

function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isUpper(c: u32): bool {
  return c >= 0x41 && c <= 0x5a;
}

function isLower(c: u32): bool {
  return c >= 0x61 && c <= 0x7a;
}

function isLetter(c: u32): bool {
  return isUpper(c) || isLower(c);
}

function isWord(c: u32): bool {
  return isDigit(c) || isLetter(c) || c == 0x5f;
}

function isHex(c: u32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function hexVal(c: u32): u32 {
  return isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10;
}

function unit(u: usize, i: i32): u32 {
  return <u32>load<u16>(u + (<usize>i << 1));
}

function wordBefore(u: usize, s: i32): bool {
  return s > 0 && isWord(unit(u, s - 1));
}

function wordAfter(u: usize, n: i32, e: i32): bool {
  return e < n && isWord(unit(u, e));
}

function boundedBy(u: usize, n: i32, s: i32, e: i32, word: bool): bool {
  if (s > 0) {
    const c = unit(u, s - 1);
    if (word ? isWord(c) : isDigit(c)) return false;
  }
  if (e < n) {
    const c = unit(u, e);
    if (word ? isWord(c) : isDigit(c)) return false;
  }
  return true;
}

/**
 * Word boundaries, and no `<sep><digit>` right before or after: a digit group must not continue
 * (the last 12 digits of a spaced 16-digit card are not an Aadhaar number).
 */
function groupBounded(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  if (s > 1) {
    const c = unit(u, s - 1);
    if ((c == 0x2d || c == 0x2e || c == 0x20) && isDigit(unit(u, s - 2))) return false;
  }
  if (e + 1 < n) {
    const c = unit(u, e);
    if ((c == 0x2d || c == 0x2e || c == 0x20) && isDigit(unit(u, e + 1))) return false;
  }
  return true;
}

/**
 * Whether [s, e) is only digits that name no person: next to a `/`, when `paths`, a segment of a
 * path or a resource name (`projects/123456789/locations`, `folders/9876543210`, a bug link
 * `b/383363683`); or a constant of binary code, a power of two, one less than one, a 32-bit
 * mask of high bits (`134217728`, `2147483647`, `4294967280` = 0xFFFFFFF0), a small negative
 * 32-bit integer read as unsigned (`4294967056`: -240), or a multiple of 65,536 (a size:
 * `133169152` is 127 MiB); or one digit repeated (`999999999`, a limit or a placeholder); or eight
 * or more digits counting up or down (`0123456789`, `123456789`, `9876543210`: the digits of a
 * parser, a placeholder, the SSN in every example and advertisement). Code
 * prints these everywhere, and the national numbers' checksums pass one random number in ten (SSN, routing,
 * SIN, BSN, ITIN, NHS, TFN, NPI; phone numbers with `paths` false: `wa.me/15551234567` is one).
 * Written with separators (`/ssn/123-45-6789`) a number is still one. Nor is a number codeNumber
 * names (a decimal's fraction, a negative literal, a commit's hash, an issue comment's anchor).
 */
function impersonalNumber(u: usize, n: i32, s: i32, e: i32, paths: bool): bool {
  if (codeNumber(u, n, s, e)) return true;
  if (e - s > 18) return false;
  let x: u64 = 0;
  const first = unit(u, s);
  let same = true;
  let up = true;
  let down = true;
  let last = first;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (!isDigit(c)) return false;
    if (c != first) same = false;
    if (i > s) {
      // the next digit, counting up or down (9 then 0 counts up: `1234567890`)
      if (c != (last == 0x39 ? 0x30 : last + 1)) up = false;
      if (c != (last == 0x30 ? 0x39 : last - 1)) down = false;
    }
    last = c;
    x = x * 10 + <u64>(c - 0x30);
  }
  if (paths && ((s > 0 && unit(u, s - 1) == 0x2f) || (e < n && unit(u, e) == 0x2f))) return true;
  if (x == 0) return false;
  if (same || ((up || down) && e - s >= 8)) return true;
  if ((x & (x - 1)) == 0 || (x & (x + 1)) == 0 || (x & 0xffff) == 0) return true;
  const word = <u64>1 << 32;
  if (x < word && x >= word - 0x10000) return true; // -65,536..-1 as an unsigned 32-bit word
  const rest = word - x; // 2^32 less a power of two: the high bits of a 32-bit word
  return x < word && (rest & (rest - 1)) == 0;
}

/** Units before a `-` that make it a minus sign (an operator, a bracket, a separator or a blank). */
const MINUS_AFTER = "=&|([{,;:?!~^*/+<> \t";

/**
 * Whether the number that starts at s (a digit) is one that code, a changelog or a link writes,
 * not a person's: the fraction of a decimal number (`0.633851707`, `13,342,884.703919787`); a
 * negative literal (`INCREMENT = -755606699`, `lane &= -536870913`); a commit's short hash that
 * happens to be all digits, in Git's release notes (`(merge 4891961105 topic later to maint)`) or
 * as a Markdown link's code text (`` [`8936302121`](…/commit/…) ``); or a comment's number in
 * an issue's URL (`#issuecomment-443293282`). Reads at most 13 units back and three past the end
 * (a stream keeps a rule's maxLen + 8 before a match, see core/redact-stream.ts, and 8 after).
 */
function codeNumber(u: usize, n: i32, s: i32, e: i32): bool {
  if (!isDigit(unit(u, s))) return false;
  if (s >= 2) {
    const before = unit(u, s - 1);
    if (before == 0x2e && isDigit(unit(u, s - 2))) return true;
    if (before == 0x2d && hasUnitOf(u, s - 2, s - 1, MINUS_AFTER)) return true;
    if (before == 0x60 && unit(u, s - 2) == 0x5b) return e + 2 < n && startsWith(u, e, e + 3, "`](");
  }
  if (s >= 7 && startsWith(u, s - 7, s, "(merge ")) return true;
  return s >= 13 && startsWith(u, s - 13, s, "issuecomment-");
}

// Digits of the span, collected once per check (at most 32).
const DG: usize = memory.data(32);
let nd: i32 = 0;
/** Collects the digits of [s, e) into DG; false when there are more than 32. */
function digits(u: usize, s: i32, e: i32): bool {
  nd = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c)) {
      if (nd >= 32) return false;
      store<u8>(DG + <usize>nd, c - 0x30);
      nd++;
    }
  }
  return true;
}

function dg(i: i32): u32 {
  return <u32>load<u8>(DG + <usize>i);
}

/** The digits DG[a, b) as a number (b - a <= 18). */
function num(a: i32, b: i32): u64 {
  let v: u64 = 0;
  for (let i = a; i < b; i++) v = v * 10 + <u64>dg(i);
  return v;
}

/** Every non-digit unit of [s, e) is the same separator (or there is none). */
function oneSeparator(u: usize, s: i32, e: i32): bool {
  let sep: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c)) continue;
    if (sep == 0) sep = c;
    else if (c != sep) return false;
  }
  return true;
}

function luhnDigits(a: i32, b: i32): bool {
  let sum: u32 = 0;
  let double = false;
  for (let i = b - 1; i >= a; i--) {
    let d = dg(i);
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 == 0;
}

function leapYear(y: u32): bool {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

function validDate(y: u32, m: u32, d: u32): bool {
  if (m < 1 || m > 12 || d < 1) return false;
  let days: u32 = 31;
  if (m == 4 || m == 6 || m == 9 || m == 11) days = 30;
  else if (m == 2) days = leapYear(y) ? 29 : 28;
  return d <= days;
}

/** Letters of [s, e) (A-Z only, others skipped) into AN, at most 40. */
const AN: usize = memory.data(40);
let na: i32 = 0;
function alnums(u: usize, s: i32, e: i32): bool {
  na = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c) || isUpper(c)) {
      if (na >= 40) return false;
      store<u8>(AN + <usize>na, c);
      na++;
    } else if (isLower(c)) {
      if (na >= 40) return false;
      store<u8>(AN + <usize>na, c - 32);
      na++;
    }
  }
  return true;
}

function an(i: i32): u32 {
  return <u32>load<u8>(AN + <usize>i);
}

// ---- original categories ------------------------------------------------------------------------

/** Visa 4, Mastercard 51-55 and 2221-2720, Amex 34/37, Discover 6011/644-649/65, JCB 3528-3589, Diners 36/38/300-305, UnionPay 62. */
function cardPrefix(): bool {
  return cardPrefixOf(dg(0), dg(1), dg(2), dg(3));
}

/** cardPrefix of the first four digits (values 0-9). */
function cardPrefixOf(a: u32, b: u32, c: u32, d: u32): bool {
  const d1 = a;
  const d2 = d1 * 10 + b;
  const d3 = d2 * 10 + c;
  const v = d3 * 10 + d;
  return d1 == 4 || (d2 >= 51 && d2 <= 55) || (v >= 2221 && v <= 2720) || d2 == 34 || d2 == 37 || v == 6011 || (d3 >= 644 && d3 <= 649) || d2 == 65
    || (v >= 3528 && v <= 3589) || d2 == 36 || d2 == 38 || (d3 >= 300 && d3 <= 305) || d2 == 62;
}

/**
 * A payment card. A match of 17-19 digits that fails is tried again as its first 16 digits, when
 * a separator follows the 16th: `4111 1111 1111 1111 123` is a card followed by its CVV, which the
 * 4-4-4-4-x shape reads as one 19-digit number (and a card followed by a group of four is read as
 * its first 19 digits). Without the fallback, adding that shape would have lost those cards.
 */
function card(u: usize, n: i32, s: i32, e: i32): bool {
  if (boundedBy(u, n, s, e, true) && luhnCard(u, s, e)) return true;
  let count = 0;
  let p = s;
  for (; p < e && count < 16; p++) if (isDigit(unit(u, p))) count++;
  if (count < 16 || p >= e) return false; // 16 digits or fewer: nothing shorter to try
  if (!boundedBy(u, n, s, p, true) || !luhnCard(u, s, p)) return false;
  cE = p;
  return true;
}

function luhnCard(u: usize, s: i32, e: i32): bool {
  if (!digits(u, s, e) || nd < 13 || nd > 19) return false;
  // UnionPay numbers have 16-19 digits: 13 digits from 62 are a South African ID of 1962 (Luhn too).
  if (nd < 16 && dg(0) == 6 && dg(1) == 2) return false;
  if (nd > 16 ? !longCardPrefix() : !shortCardLength()) return false;
  return cardPrefix() && luhnDigits(0, nd);
}

/**
 * The lengths issuers give cards of 13-16 digits: Amex 15, Diners 14 or 16, Visa 13 or 16, and
 * 16 for the rest (Mastercard, Discover, JCB, UnionPay). A 15-digit number from 35 or 49 (an IMEI,
 * Luhn-checked too) is no card.
 */
function shortCardLength(): bool {
  const d2 = dg(0) * 10 + dg(1);
  const d3 = d2 * 10 + dg(2);
  if (d2 == 34 || d2 == 37) return nd == 15;
  if (d2 == 36 || d2 == 38 || (d3 >= 300 && d3 <= 305)) return nd == 14 || nd == 16;
  if (dg(0) == 4) return nd == 13 || nd == 16;
  return nd == 16;
}

/**
 * The issuers of 17-19-digit cards: Visa (19 only), UnionPay 62, Discover 6011/644-649/65, JCB
 * 3528-3589, Diners 300-305. Mastercard (16) and Amex (15) issue none: an 18-digit number from 4
 * or 5 (a Chinese resident ID from Guangdong, 44…) is no card.
 */
function longCardPrefix(): bool {
  const d2 = dg(0) * 10 + dg(1);
  const d3 = d2 * 10 + dg(2);
  const v = d3 * 10 + dg(3);
  return (dg(0) == 4 && nd == 19) || d2 == 62 || v == 6011 || (d3 >= 644 && d3 <= 649) || d2 == 65 || (v >= 3528 && v <= 3589) || (d3 >= 300 && d3 <= 305);
}

function ipv4(u: usize, s: i32, e: i32): bool {
  let octet: u32 = 0;
  let count = 0;
  let parts = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? unit(u, i) : 0x2e;
    if (c == 0x2e) {
      if (count == 0 || octet > 255) return false;
      parts++;
      octet = 0;
      count = 0;
    } else if (isDigit(c)) {
      octet = octet * 10 + (c - 0x30);
      count++;
      if (count > 3) return false;
    } else return false;
  }
  return parts == 4;
}

/** The first of the spaces and tabs that end right before p (p itself when none), not below `stop`. */
function blanksBefore(u: usize, p: i32, stop: i32): i32 {
  while (p > stop && (unit(u, p - 1) == 0x20 || unit(u, p - 1) == 0x09)) p--;
  return p;
}

/** Words after which a dotted quad is a version or a section's number (lower case, each between `|`). */
const VERSION_WORDS = "|version|versions|section|sections|sec|upgrade|upgraded|upgrading|update|updated|updating|bump|bumped|patch|patched|since|oid|";
/** Verbs that take a version after `to` (`upgrade V8 to 4.6.85.23`, `merged to 1.6.2.3`). */
const UPDATE_VERBS = "|upgrade|upgraded|update|updated|bump|bumped|patch|patched|merged|backported|";
/** Verbs that take a version after `in` (`fixed in 1.5.4.1`, `broken in 1.6.0.1`). */
const RELEASE_VERBS = "|fixed|broken|introduced|released|regressed|deprecated|";

/**
 * Where the word that ends at p starts: a lower-case word, a capitalised one, one in capitals
 * (`RFC`), or the last word of a camelCase name (`FileVersion`); p when none ends there. A word
 * is taken whole, so one inside another (`conversion`) never reads as its end (`version`).
 */
function wordEndingAt(u: usize, p: i32, stop: i32): i32 {
  let w = p;
  while (w > stop && isLower(unit(u, w - 1))) w--;
  if (w > stop && isUpper(unit(u, w - 1))) {
    w--;
    if (w == p - 1) while (w > stop && isUpper(unit(u, w - 1))) w--;
    return w;
  }
  return w < p && (w == 0 || !isDigit(unit(u, w - 1))) ? w : p;
}

/**
 * Whether the address-shaped number [s, e) is a version or a section's number by its context: a
 * pre-release tag after it (`12.4.254.14-node.11`, `1.2.3.4-beta`); or before it, after spaces and
 * a `:`, `=`, `-` or `#`, a word of VERSION_WORDS (`Version 2.14.1.0`, `ProductVersion=6.1.7601.1`,
 * `section 4.2.1.10`, `#section-3.8.5.3`, `v8: upgrade 3.21.18.3`, `Fixes since 1.5.5.5`, `OID
 * 1.3.101.110`), `§`, an RFC's number (`RFC 7540 8.1.2.4`), `in` right after one of RELEASE_VERBS
 * (`fixed in 1.5.4.1`), or `to` right after one of UPDATE_VERBS (`merged to 1.6.2.3`) or after one
 * and a component's name with a digit or a `/` (`upgrade V8 to 4.6.85.23`; `connect to 10.0.0.1`
 * and `update DNS to 10.0.0.6` are addresses). Reads at most 22 units back (a stream keeps 23 before a
 * match of ip_address: its maxLen 15 + the margin of 8) and two past the match.
 */
function versionContext(u: usize, n: i32, s: i32, e: i32): bool {
  if (e + 1 < n && unit(u, e) == 0x2d && isLetter(unit(u, e + 1))) return true;
  const stop = s > 22 ? s - 22 : 0;
  let p = blanksBefore(u, s, stop);
  if (p > stop) {
    const c = unit(u, p - 1);
    if (c == 0xa7) return true; // §
    if (c == 0x3a || c == 0x3d || c == 0x2d || c == 0x23) p = blanksBefore(u, p - 1, stop);
  }
  if (p == s) return false; // no space or separator: a quote, a bracket, a path
  const w = wordEndingAt(u, p, stop);
  if (w == p) {
    // an RFC's number, then the section's (`RFC 7540 8.1.2.4`)
    let d = p;
    while (d > stop && isDigit(unit(u, d - 1))) d--;
    return d < p && d - 4 >= stop && unit(u, d - 1) == 0x20 && listed("|rfc|", u, d - 4, 3, 0x20) && (d - 4 == 0 || !isLetter(unit(u, d - 5)));
  }
  if (listed(VERSION_WORDS, u, w, p - w, 0x20)) return true;
  const afterIn = listed("|in|", u, w, p - w, 0x20);
  if (!afterIn && !listed("|to|", u, w, p - w, 0x20)) return false;
  // `in`: the word before it is a verb of releases. `to`: the word before it is a verb of updates,
  // or the one before that when the word between names a component with a digit or a path (`V8`,
  // `deps/v8`; `update DNS to 10.0.0.6` is an address)
  let q = w;
  for (let k = 0; k < 2; k++) {
    q = blanksBefore(u, q, stop);
    if (q == stop || q == w) return false;
    let a = q;
    while (a > stop && unit(u, a - 1) != 0x20 && unit(u, a - 1) != 0x09 && unit(u, a - 1) != 0x0a) a--;
    if (a == stop && a > 0) return false; // the word may go on before the window
    if (listed(afterIn ? RELEASE_VERBS : UPDATE_VERBS, u, a, q - a, 0x20)) return true;
    if (afterIn || (!hasDigit(u, a, q) && !hasUnitOf(u, a, q, "/"))) return false;
    q = a;
  }
  return false;
}

/**
 * Whether the address at [s, e) is a network in CIDR notation: `/`, a prefix length below 32 (one
 * or two digits, no third), and every host bit of the address zero (`10.0.0.0/8`,
 * `192.168.0.0/16`). It names a range, not a host; `192.168.1.23/24` (an interface's address, as
 * `ip addr` prints it) and `203.0.113.5/32` are hosts. Reads at most four units past the match.
 */
function cidrNetwork(u: usize, n: i32, s: i32, e: i32): bool {
  const prefix = prefixAfter(u, n, e, 2);
  if (prefix < 0 || prefix >= 32) return false;
  const host = prefix == 0 ? 0xffffffff : (<u32>1 << (32 - prefix)) - 1;
  return (ipv4Value(u, s, e) & host) == 0;
}

/** The prefix length after an address that ends at e (`/8`, `/64`): `/` and 1 to `digits` digits, no more; else -1. */
function prefixAfter(u: usize, n: i32, e: i32, digits: i32): i32 {
  if (e + 1 >= n || unit(u, e) != 0x2f || !isDigit(unit(u, e + 1))) return -1;
  let prefix = 0;
  for (let i = e + 1; i < n && isDigit(unit(u, i)); i++) {
    if (i - e > digits) return -1;
    prefix = prefix * 10 + <i32>(unit(u, i) - 0x30);
  }
  return prefix;
}

/** The 32-bit value of the dotted quad [s, e), whose octets ipv4 has checked. */
function ipv4Value(u: usize, s: i32, e: i32): u32 {
  let address: u32 = 0;
  let octet: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x2e) {
      address = (address << 8) | octet;
      octet = 0;
    } else octet = octet * 10 + c - 0x30;
  }
  return (address << 8) | octet;
}

/**
 * Whether the IPv4 address [s, e) names no host: loopback (`127.0.0.1`, all of 127/8) or the
 * unspecified address `0.0.0.0` (`Listening on 0.0.0.0:8080`). Neither identifies anyone.
 */
function selfAddress4(u: usize, s: i32, e: i32): bool {
  if (e - s >= 4 && unit(u, s) == 0x31 && unit(u, s + 1) == 0x32 && unit(u, s + 2) == 0x37 && unit(u, s + 3) == 0x2e) return true;
  if (e - s != 7) return false;
  for (let i = s; i < e; i += 2) if (unit(u, i) != 0x30) return false;
  return true;
}

/**
 * Whether the address-shaped number at s is a product's version in a User-Agent token
 * (`Chrome/120.0.0.0`, `Edg/120.0.0.0`, `OPR/106.0.0.0`: the reduced User-Agent of every Chromium
 * browser): right after `/` and a name of up to 20 letters and digits that starts with a capital
 * and starts a token (after no letter, digit, `_`, `/`, `.`, `-` or `:`). A path segment
 * (`/hosts/10.0.0.1`) or a URL's host (`//10.0.0.1`) is no such name. Reads at most 22 units back,
 * within what a stream keeps before a match (ip_address's maxLen 15 + the margin of 8).
 */
function productVersion(u: usize, s: i32): bool {
  if (s < 2 || unit(u, s - 1) != 0x2f) return false;
  let t = s - 1;
  while (t > 0 && s - 1 - t < 20) {
    const c = unit(u, t - 1);
    if (!(isLetter(c) || isDigit(c))) break;
    t--;
  }
  if (t == s - 1 || !isUpper(unit(u, t))) return false;
  if (t == 0) return true;
  const c = unit(u, t - 1);
  return !(isWord(c) || c == 0x2f || c == 0x2e || c == 0x2d || c == 0x3a);
}

/**
 * Whether [s, e) is part of a longer run of dotted numbers (`1.3.6.1.4.1.311`, an OID; `…1.2.3.4.5`):
 * a number and `.` right before it, or `.` and a digit right after. An address has four.
 */
function dottedRun(u: usize, n: i32, s: i32, e: i32): bool {
  if (s >= 2 && unit(u, s - 1) == 0x2e && isDigit(unit(u, s - 2))) return true;
  return e + 1 < n && unit(u, e) == 0x2e && isDigit(unit(u, e + 1));
}

/**
 * Whether the `len` units at u[at..] are one of the words of `list` (each between `|`), compared
 * after OR-ing each unit with `fold` (0x20 lower-cases ASCII letters against a lower-case list).
 */
function listed(list: string, u: usize, at: i32, len: i32, fold: u32): bool {
  const size = list.length;
  for (let k = 0; k + len + 1 < size; k++) {
    if (list.charCodeAt(k) != 0x7c || list.charCodeAt(k + len + 1) != 0x7c) continue;
    let j = 0;
    while (j < len && <u32>list.charCodeAt(k + 1 + j) == (unit(u, at + j) | fold)) j++;
    if (j == len) return true;
  }
  return false;
}

/** Whether [at, end) starts with one of the entries of `list` (each between `|`), compared exactly. */
function startsWithListed(list: string, u: usize, at: i32, end: i32): bool {
  const size = list.length;
  let k = 0;
  while (k + 1 < size) {
    let next = k + 1;
    while (list.charCodeAt(next) != 0x7c) next++;
    const len = next - k - 1;
    let j = 0;
    if (end - at >= len) while (j < len && <u32>list.charCodeAt(k + 1 + j) == unit(u, at + j)) j++;
    if (len > 0 && j == len) return true;
    k = next;
  }
  return false;
}

/**
 * File extensions an e-mail-shaped name may end with in code and paths (`icon@2x.png`,
 * `logo@3x.svg`, `pkg@1.2.min.js`): none is a top-level domain. Lower case, each between `|`.
 */
const FILE_EXTENSIONS = "|png|jpg|jpeg|gif|svg|webp|bmp|ico|tif|tiff|css|js|mjs|cjs|ts|tsx|jsx|json|html|htm|xml|pdf|txt|csv|yml|yaml|lock|map|wasm|";

/**
 * Whether s follows a URL's `scheme://user:`: the address-shaped run is then a password and a host
 * (`https://oauth2:glpat-…@gitlab.com/org/repo.git`), which `url_password` reports. Reads back at
 * most the user's 128 units (url_password's bound) and `://`, well within a stream window's
 * context (core/redact-stream.ts keeps the longest rule's length before each cut).
 */
function afterUrlUser(u: usize, s: i32): bool {
  if (s < 4 || unit(u, s - 1) != 0x3a) return false;
  let i = s - 2;
  const stop = max(0, s - 2 - 128);
  while (i >= stop) {
    const c = unit(u, i);
    if (c == 0x2f) return i >= 2 && unit(u, i - 1) == 0x2f && unit(u, i - 2) == 0x3a;
    if (c <= 0x20 || c == 0x3a || c == 0x3f || c == 0x23 || c == 0x40 || c == 0x22 || c == 0x27 || c == 0x3c || c == 0x3e) return false;
    i--;
  }
  return false;
}

/**
 * Whether the address-shaped [s, e) names a user on a host, not a mailbox: a URL's user and host
 * (`ssh://git@github.com/org/repo`, after `://`), a URL's password and host (`afterUrlUser`), or the target of scp, rsync or a git remote
 * (`deploy@example.com:/var/www`, `me@example.com:~/x`, `git@github.com:org/repo.git`): `:` and
 * then a path from `/` or `~`, or any path after the user `git`. A password after `:`
 * (`john@example.com:hunter2`, a leaked credential list) keeps the address. Reads at most two units
 * past the match (the stream's look-ahead margin is 8: core/redact-stream.ts).
 */
function userAtHost(u: usize, n: i32, s: i32, e: i32): bool {
  if (s >= 3 && unit(u, s - 1) == 0x2f && unit(u, s - 2) == 0x2f && unit(u, s - 3) == 0x3a) return true;
  if (afterUrlUser(u, s)) return true;
  if (e + 1 >= n || unit(u, e) != 0x3a) return false;
  const c = unit(u, e + 1);
  if (c == 0x2f || c == 0x7e) return true;
  const git = e - s > 4 && unit(u, s + 3) == 0x40 && listed("|git|", u, s, 3, 0x20);
  return git && (isWord(c) || c == 0x2e || c == 0x2d);
}

/** An e-mail address: word-bounded, not a user on a host, and its last label is not a file extension. */
function email(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || userAtHost(u, n, s, e)) return false;
  let t = e;
  while (t > s && unit(u, t - 1) != 0x2e) t--;
  return !listed(FILE_EXTENSIONS, u, t, e - t, 0x20);
}

function ssn(u: usize, s: i32, e: i32): bool {
  if (!digits(u, s, e) || nd != 9) return false;
  const area = <u32>num(0, 3);
  const group = <u32>num(3, 5);
  const serial = <u32>num(5, 9);
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

// ---- IBAN (ISO 13616): country length table, mod-97 --------------------------------------------

// Country code (two letters) and IBAN length, for the countries of the SWIFT IBAN registry.
const IBAN_LEN: usize = memory.data<u8>([
  65, 68, 24, 65, 69, 23, 65, 76, 28, 65, 84, 20, 65, 90, 28, 66, 65, 20, 66, 69, 16, 66, 71, 22, 66, 72, 22, 66, 73, 28, 66, 82, 29,
  66, 89, 28, 67, 72, 21, 67, 82, 22, 67, 89, 28, 67, 90, 24, 68, 69, 22, 68, 74, 27, 68, 75, 18, 68, 79, 28, 69, 69, 20, 69, 71, 29,
  69, 83, 24, 70, 73, 18, 70, 75, 23, 70, 79, 18, 70, 82, 27, 71, 66, 22, 71, 69, 22, 71, 73, 23, 71, 76, 18, 71, 82, 27, 71, 84, 28,
  72, 82, 21, 72, 85, 28, 73, 69, 22, 73, 76, 23, 73, 81, 23, 73, 83, 26, 73, 84, 27, 74, 79, 30, 75, 87, 30, 75, 90, 20, 76, 66, 28,
  76, 67, 32, 76, 73, 21, 76, 84, 20, 76, 85, 20, 76, 86, 21, 76, 89, 25, 77, 67, 27, 77, 68, 24, 77, 69, 22, 77, 75, 19, 77, 78, 20,
  77, 82, 27, 77, 84, 31, 77, 85, 30, 78, 73, 28, 78, 76, 18, 78, 79, 15, 79, 77, 23, 80, 75, 24, 80, 76, 28, 80, 83, 29, 80, 84, 25,
  81, 65, 29, 82, 79, 24, 82, 83, 22, 82, 85, 33, 83, 65, 24, 83, 67, 31, 83, 68, 18, 83, 69, 24, 83, 73, 19, 83, 75, 24, 83, 77, 27,
  83, 79, 23, 83, 84, 25, 83, 86, 28, 84, 76, 23, 84, 78, 24, 84, 82, 26, 85, 65, 29, 86, 65, 22, 86, 71, 24, 88, 75, 20,
]);
const IBAN_COUNTRIES: i32 = 89;

function ibanLength(c1: u32, c2: u32): i32 {
  for (let i = 0; i < IBAN_COUNTRIES; i++) {
    const p = IBAN_LEN + <usize>(i * 3);
    if (<u32>load<u8>(p) == c1 && <u32>load<u8>(p + 1) == c2) return <i32>load<u8>(p + 2);
  }
  return 0;
}

function iban(u: usize, n: i32, s: i32, e: i32): bool {
  if (wordBefore(u, s) || e - s < 2) return false;
  const len = ibanLength(unit(u, s), unit(u, s + 1));
  if (len == 0) return false;
  // Exactly `len` alphanumerics; printed form has one space after every group of four.
  const spaced = e - s > 4 && unit(u, s + 4) == 0x20;
  let p = s;
  for (let k = 0; k < len; k++) {
    if (spaced && k > 0 && (k & 3) == 0) {
      if (p >= e || unit(u, p) != 0x20) return false;
      p++;
    }
    if (p >= e) return false;
    const c = unit(u, p);
    if (!isDigit(c) && !isUpper(c)) return false;
    store<u8>(AN + <usize>k, c);
    p++;
  }
  if (wordAfter(u, n, p)) return false;
  // mod 97 of the rearranged number (country and check digits moved to the end), letters as 10..35.
  let rem: u32 = 0;
  for (let j = 0; j < len; j++) {
    const c = an((j + 4) % len);
    if (isDigit(c)) rem = (rem * 10 + (c - 0x30)) % 97;
    else rem = (rem * 100 + (c - 0x41 + 10)) % 97;
  }
  if (rem != 1) return false;
  cE = p;
  return true;
}

// ---- network identifiers ---------------------------------------------------------------------------

function ipv6Valid(u: usize, s: i32, e: i32): bool {
  let i = s;
  let groups = 0;
  let dbl = false;
  if (e - s >= 2 && unit(u, s) == 0x3a && unit(u, s + 1) == 0x3a) {
    dbl = true;
    i = s + 2;
  } else if (e > s && unit(u, s) == 0x3a) return false;
  while (i < e) {
    const g = i;
    while (i < e && isHex(unit(u, i)) && i - g < 5) i++;
    const len = i - g;
    if (i < e && unit(u, i) == 0x2e) {
      // an embedded IPv4 tail: decimal digits only, at most 6 groups before it
      for (let j = g; j < i; j++) if (!isDigit(unit(u, j))) return false;
      if (!ipv4(u, g, e) || groups > 6) return false;
      groups += 2;
      i = e;
      break;
    }
    if (len == 0 || len > 4) return false;
    groups++;
    if (i == e) break;
    if (unit(u, i) != 0x3a) return false;
    i++;
    if (i < e && unit(u, i) == 0x3a) {
      if (dbl) return false;
      dbl = true;
      i++;
    } else if (i == e) return false;
  }
  if (groups == 0) return false;
  return dbl ? groups <= 7 : groups == 8;
}

/** The eight 16-bit groups of an IPv6 address, for cidrNetwork6. */
const V6: usize = memory.data(16);

/**
 * Whether the valid IPv6 address [s, e) is a network in CIDR notation: `/`, a prefix length below
 * 128 (at most three digits), and every host bit zero (`2001:db8::/32`, `fe80::/10`). It names a
 * range; an interface's address with its prefix (`2001:db8::1/64`) is a host. Reads at most five
 * units past the match.
 */
function cidrNetwork6(u: usize, n: i32, s: i32, e: i32): bool {
  const prefix = prefixAfter(u, n, e, 3);
  if (prefix < 0 || prefix >= 128) return false;
  // the groups in order, then those after `::` moved to the end
  let count = 0;
  let gap = -1;
  let p = s;
  while (p < e) {
    if (unit(u, p) == 0x3a) {
      if (p + 1 < e && unit(u, p + 1) == 0x3a) {
        gap = count;
        p += 2;
      } else p++;
      continue;
    }
    let q = p;
    let v: u32 = 0;
    while (q < e && isHex(unit(u, q))) {
      v = (v << 4) | <u32>hexDigit(unit(u, q));
      q++;
    }
    if (q < e && unit(u, q) == 0x2e) {
      // an IPv4 tail (ipv6Valid checked it): two groups
      const address = ipv4Value(u, p, e);
      store<u16>(V6 + (<usize>count << 1), <u16>(address >> 16));
      store<u16>(V6 + (<usize>(count + 1) << 1), <u16>address);
      count += 2;
      break;
    }
    store<u16>(V6 + (<usize>count << 1), <u16>v);
    count++;
    p = q;
  }
  if (gap >= 0) {
    const tail = count - gap;
    for (let k = tail - 1; k >= 0; k--) store<u16>(V6 + (<usize>(8 - tail + k) << 1), load<u16>(V6 + (<usize>(gap + k) << 1)));
    for (let k = gap; k < 8 - tail; k++) store<u16>(V6 + (<usize>k << 1), 0);
  }
  for (let g = 0; g < 8; g++) {
    const from = g << 4;
    if (from + 16 <= prefix) continue;
    const v = <u32>load<u16>(V6 + (<usize>g << 1));
    const hostBits = from >= prefix ? 16 : from + 16 - prefix;
    if ((v & ((<u32>1 << <u32>hostBits) - 1)) != 0) return false;
  }
  return true;
}

function ipv6(u: usize, n: i32, s: i32, e: i32): bool {
  if (s > 0) {
    const c = unit(u, s - 1);
    if (isWord(c) || c == 0x3a || c == 0x2e) return false;
  }
  // A sentence may end right after the address: drop one trailing '.' or ':'.
  let end = e;
  for (let k = 0; k < 2 && end > s; k++) {
    if (ipv6Valid(u, s, end)) {
      // the loopback address `::1` names no host (`[::1]:3000`)
      if (end - s == 3 && unit(u, s) == 0x3a && unit(u, s + 1) == 0x3a && unit(u, s + 2) == 0x31) return false;
      if (wordAfter(u, n, end) || (end < n && unit(u, end) == 0x3a && end + 1 < n && isHex(unit(u, end + 1)))) return false;
      if (cidrNetwork6(u, n, s, end)) return false;
      cE = end;
      return true;
    }
    const last = unit(u, end - 1);
    if (last != 0x2e && last != 0x3a) return false;
    end--;
  }
  return false;
}

function mac(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  // one separator style throughout
  let sep: u32 = 0;
  let zeros = true; // 00:00:00:00:00:00, the null address
  let ones = true; // ff:ff:ff:ff:ff:ff, broadcast
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isHex(c)) {
      if (c != 0x30) zeros = false;
      if ((c | 0x20) != 0x66) ones = false;
      continue;
    }
    if (sep == 0) sep = c;
    else if (c != sep) return false;
  }
  // the null and broadcast addresses name no interface (`mac: '00:00:00:00:00:00'` in os docs)
  if (zeros || ones) return false;
  // no seventh group
  if (e + 1 < n) {
    const c = unit(u, e);
    if ((c == 0x3a || c == 0x2d || c == 0x2e) && isHex(unit(u, e + 1))) return false;
  }
  if (s > 1) {
    const c = unit(u, s - 1);
    if ((c == 0x3a || c == 0x2d || c == 0x2e) && isHex(unit(u, s - 2))) return false;
  }
  return true;
}

// ---- national identifiers ------------------------------------------------------------------------

/** US ABA routing number: Federal Reserve prefix and the 3-7-1 weighted checksum. */
function aba(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || !digits(u, s, e) || nd != 9) return false;
  const p = <u32>num(0, 2);
  if (!(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p == 80)) return false;
  if (num(0, 9) == 0) return false;
  const sum = 3 * (dg(0) + dg(3) + dg(6)) + 7 * (dg(1) + dg(4) + dg(7)) + dg(2) + dg(5) + dg(8);
  return sum % 10 == 0;
}

/** UK National Insurance number: allowed prefix letters, suffix A-D, consistent spacing. */
function nino(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  const a = unit(u, s);
  const b = unit(u, s + 1);
  if (a == 0x44 || a == 0x46 || a == 0x49 || a == 0x51 || a == 0x55 || a == 0x56) return false; // D F I Q U V
  if (b == 0x44 || b == 0x46 || b == 0x49 || b == 0x4f || b == 0x51 || b == 0x55 || b == 0x56) return false; // D F I O Q U V
  const pair = (a << 8) | b;
  if (pair == 0x4247 || pair == 0x4742 || pair == 0x4b4e || pair == 0x4e4b || pair == 0x4e54 || pair == 0x544e || pair == 0x5a5a) return false; // BG GB KN NK NT TN ZZ
  // spaces: none, or exactly after the prefix and each digit pair
  let spaces = 0;
  for (let i = s; i < e; i++) if (unit(u, i) == 0x20) spaces++;
  return spaces == 0 || spaces == 4;
}

/** Canadian SIN: Luhn over 9 digits, first digit not 0 or 8, one separator style. */
function sin(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 9) return false;
  if (dg(0) == 0 || dg(0) == 8) return false;
  return luhnDigits(0, 9);
}

/** US EIN: two-digit IRS campus prefix that has been assigned. */
function ein(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !digits(u, s, e) || nd != 9) return false;
  const p = <u32>num(0, 2);
  return !(p == 0 || p == 7 || p == 8 || p == 9 || p == 17 || p == 18 || p == 19 || p == 28 || p == 29 || p == 49 || p == 69 || p == 70 || p == 78 || p == 79 || p == 89 || p == 96 || p == 97);
}

/** Spanish DNI (8 digits + letter) and NIE (X/Y/Z + 7 digits + letter): the mod-23 letter. */
function esId(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  let v: u32 = 0;
  let k = 0;
  const first = unit(u, s);
  if (first == 0x58 || first == 0x59 || first == 0x5a) { v = first - 0x58; k = 1; }
  for (let i = s; i < e - 1; i++) {
    const c = unit(u, i);
    if (isDigit(c)) { v = v * 10 + (c - 0x30); k++; }
  }
  if (k != 8) return false;
  const letter = unit(u, e - 1);
  const table = "TRWAGMYFPDXBNJZSQVHLCKE";
  return letter == <u32>table.charCodeAt(<i32>(v % 23));
}

/** Italian codice fiscale: 16 characters, the positional structure and the check letter. */
function itCf(u: usize, n: i32, s: i32, e: i32): bool {
  if (e - s < 16) return false;
  const end = s + 16;
  if (wordBefore(u, s) || wordAfter(u, n, end)) return false;
  // structure: letters 0-5, 8, 11, 15; digit-or-omocode 6,7,9,10,12,13,14
  let sum: u32 = 0;
  const odd = "BAKPLCQDREVOSFTGUHMINJWZYX"; // odd-position values 0..25, indexed by value: char at index v has value v
  for (let i = 0; i < 16; i++) {
    const c = unit(u, s + i);
    const letterPos = i < 6 || i == 8 || i == 11 || i == 15;
    if (letterPos) { if (!isUpper(c)) return false; }
    else if (!isDigit(c) && c != 0x4c && c != 0x4d && c != 0x4e && c != 0x50 && c != 0x51 && c != 0x52 && c != 0x53 && c != 0x54 && c != 0x55 && c != 0x56) return false;
    if (i == 15) break;
    // value of the character as a letter index: digits 0-9 count like A-J
    const v: u32 = isDigit(c) ? c - 0x30 : c - 0x41;
    if ((i & 1) == 0) {
      // odd position (1-based): value = index of the character in `odd`
      const letter = v + 0x41;
      let w: u32 = 0;
      for (let j = 0; j < 26; j++) if (<u32>odd.charCodeAt(j) == letter) { w = <u32>j; break; }
      sum += w;
    } else sum += v;
  }
  const month = unit(u, s + 8);
  if (month == 0x46 || month == 0x47 || month == 0x49 || month == 0x4a || month == 0x4b || month == 0x4e || month == 0x4f || month == 0x51 || month == 0x55 || month == 0x56 || month == 0x57 || month == 0x58 || month == 0x59 || month == 0x5a) return false;
  if (unit(u, s + 15) != 0x41 + sum % 26) return false;
  cE = end;
  return true;
}

/** Indian PAN: the fourth letter is a holder type. */
function inPan(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  const t = unit(u, s + 3);
  return t == 0x41 || t == 0x42 || t == 0x43 || t == 0x46 || t == 0x47 || t == 0x48 || t == 0x4c || t == 0x4a || t == 0x50 || t == 0x54;
}

// Verhoeff dihedral-group tables.
const VD: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 0, 6, 7, 8, 9, 5, 2, 3, 4, 0, 1, 7, 8, 9, 5, 6, 3, 4, 0, 1, 2, 8, 9, 5, 6, 7,
  4, 0, 1, 2, 3, 9, 5, 6, 7, 8, 5, 9, 8, 7, 6, 0, 4, 3, 2, 1, 6, 5, 9, 8, 7, 1, 0, 4, 3, 2, 7, 6, 5, 9, 8, 2, 1, 0, 4, 3,
  8, 7, 6, 5, 9, 3, 2, 1, 0, 4, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
]);
const VP: usize = memory.data<u8>([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 5, 7, 6, 2, 8, 3, 0, 9, 4, 5, 8, 0, 3, 7, 9, 6, 1, 4, 2, 8, 9, 1, 6, 0, 4, 3, 5, 2, 7,
  9, 4, 5, 3, 1, 2, 6, 8, 7, 0, 4, 2, 8, 6, 5, 7, 3, 9, 0, 1, 2, 7, 9, 3, 8, 0, 6, 4, 1, 5, 7, 0, 4, 6, 9, 1, 3, 2, 5, 8,
]);

function verhoeff(count: i32): bool {
  let c: u32 = 0;
  for (let i = 0; i < count; i++) {
    const d = dg(count - 1 - i);
    const p = <u32>load<u8>(VP + <usize>((i & 7) * 10) + <usize>d);
    c = <u32>load<u8>(VD + <usize>(c * 10 + p));
  }
  return c == 0;
}

/** Indian Aadhaar: 12 digits, first 2-9, Verhoeff check digit, one separator style. */
function aadhaar(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 12) return false;
  return dg(0) >= 2 && verhoeff(12);
}

/** Brazilian CPF: two mod-11 check digits; not all digits equal; dots and dash all or none. */
function cpf(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !digits(u, s, e) || nd != 11) return false;
  const seps = (e - s) - 11;
  if (seps != 0 && seps != 3) return false;
  let same = true;
  for (let i = 1; i < 11; i++) if (dg(i) != dg(0)) same = false;
  if (same) return false;
  let a: u32 = 0;
  for (let i = 0; i < 9; i++) a += dg(i) * <u32>(10 - i);
  let d1 = (a * 10) % 11;
  if (d1 == 10) d1 = 0;
  if (d1 != dg(9)) return false;
  let b: u32 = 0;
  for (let i = 0; i < 10; i++) b += dg(i) * <u32>(11 - i);
  let d2 = (b * 10) % 11;
  if (d2 == 10) d2 = 0;
  return d2 == dg(10);
}

/** Dutch BSN: the 11-proof (weights 9..2, last digit -1). */
function bsn(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !digits(u, s, e) || nd != 9) return false;
  let sum: i32 = 0;
  for (let i = 0; i < 8; i++) sum += <i32>dg(i) * (9 - i);
  sum -= <i32>dg(8);
  return sum > 0 && sum % 11 == 0;
}

/** E.164 international number: assigned country code, 8-15 digits. */
function e164(u: usize, n: i32, s: i32, e: i32): bool {
  if (s > 0) {
    const c = unit(u, s - 1);
    if (isWord(c) || c == 0x2b) return false;
  }
  if (wordAfter(u, n, e) || !digits(u, s, e) || nd < 8 || nd > 15) return false;
  // separators: never two in a row (a space after ')' and before '(' excepted)
  for (let i = s + 2; i < e; i++) {
    const c = unit(u, i);
    const p = unit(u, i - 1);
    if (!isDigit(c) && !isDigit(p) && !(p == 0x29 && c == 0x20) && !(p == 0x20 && c == 0x28)) return false;
  }
  const d1 = dg(0);
  if (d1 == 1 || d1 == 7) return true;
  const d2 = d1 * 10 + dg(1);
  // two-digit country codes, then the first two digits of the assigned three-digit ones
  if (d2 == 20 || d2 == 27 || (d2 >= 30 && d2 <= 34) || d2 == 36 || d2 == 39 || d2 == 40 || d2 == 41 || (d2 >= 43 && d2 <= 49) || (d2 >= 51 && d2 <= 58) || (d2 >= 60 && d2 <= 66) || d2 == 81 || d2 == 82 || d2 == 84 || d2 == 86 || (d2 >= 90 && d2 <= 95) || d2 == 98) return true;
  return (d2 >= 21 && d2 <= 26) || d2 == 29 || d2 == 35 || d2 == 37 || d2 == 38 || d2 == 42 || d2 == 50 || d2 == 59 || (d2 >= 67 && d2 <= 69) || d2 == 85 || d2 == 87 || d2 == 88 || d2 == 96 || d2 == 97 || d2 == 99;
}

/** UK postcode: outward code letters and the inward code's allowed letters. */
function ukPostcode(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  const a = unit(u, s);
  if (a == 0x51 || a == 0x56 || a == 0x58) return false; // Q V X never first
  const b = unit(u, s + 1);
  if (isUpper(b) && (b == 0x49 || b == 0x4a || b == 0x5a)) return false; // I J Z never second
  for (let i = e - 2; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x43 || c == 0x49 || c == 0x4b || c == 0x4d || c == 0x4f || c == 0x56) return false; // C I K M O V
  }
  return true;
}

// USPS state and territory codes.
const STATES = "ALAKAZARCACOCTDEDCFLGAHIIDILINIAKSKYLAMEMDMAMIMNMSMOMTNENVNHNJNMNYNCNDOHOKORPARISCSDTNTXUTVTVAWAWVWIWYPRVIGUASMPAAAEAP";

/** ZIP+4 after its context (a state code, "zip" or "postal code"); the span keeps the ZIP only. */
function zip4(u: usize, n: i32, s: i32, e: i32): bool {
  const h = cHead;
  if (h - s < 3 || wordBefore(u, s) || !groupBounded(u, n, h, e)) return false;
  const c1 = unit(u, s);
  const c2 = unit(u, s + 1);
  const c3 = unit(u, s + 2);
  if (!isUpper(c3) && !isLower(c3)) {
    // a two-letter context must be an upper-case USPS state or territory code
    if (!isUpper(c1) || !isUpper(c2)) return false;
    let found = false;
    for (let i = 0; i < STATES.length; i += 2) {
      if (<u32>STATES.charCodeAt(i) == c1 && <u32>STATES.charCodeAt(i + 1) == c2) { found = true; break; }
    }
    if (!found) return false;
  }
  cS = h;
  return true;
}

const VIN_W: usize = memory.data<u8>([8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]);

/** Vehicle identification number: transliterated weighted sum mod 11 in position 9. */
function vin(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || e - s != 17) return false;
  const values = "12345678-12345-7-923456789"; // A..Z → value ('-': I, O and Q are not used)
  let sum: u32 = 0;
  let letters = 0;
  for (let i = 0; i < 17; i++) {
    const c = unit(u, s + i);
    let v: u32 = 0;
    if (isDigit(c)) v = c - 0x30;
    else {
      const t = <u32>values.charCodeAt(<i32>(c - 0x41));
      if (t == 0x2d) return false;
      v = t - 0x30;
      letters++;
    }
    sum += v * <u32>load<u8>(VIN_W + <usize>i);
  }
  if (letters == 0) return false;
  const r = sum % 11;
  const check = unit(u, s + 8);
  return r == 10 ? check == 0x58 : check == 0x30 + r;
}

/** US ITIN: area 9xx and a group in 50-65, 70-88, 90-92 or 94-99. */
function itin(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 9) return false;
  const g = <u32>num(3, 5);
  return dg(0) == 9 && ((g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94);
}

/** UK NHS number: mod-11 check digit (10 is never valid). */
function nhs(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 10) return false;
  let sum: u32 = 0;
  for (let i = 0; i < 9; i++) sum += dg(i) * <u32>(10 - i);
  let r = 11 - sum % 11;
  if (r == 11) r = 0;
  return r != 10 && r == dg(9);
}

/** German tax ID (IdNr): first digit not 0, one digit repeated 2-3 times, ISO 7064 MOD 11,10. */
function deTax(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 11 || dg(0) == 0) return false;
  let repeated = 0;
  for (let d: u32 = 0; d < 10; d++) {
    let c = 0;
    for (let i = 0; i < 10; i++) if (dg(i) == d) c++;
    if (c > 3) return false;
    if (c >= 2) repeated++;
  }
  if (repeated != 1) return false;
  let product: u32 = 10;
  for (let i = 0; i < 10; i++) {
    let sum = (dg(i) + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  let check = 11 - product;
  if (check == 10) check = 0;
  return check == dg(10);
}

/** French NIR (INSEE number): sex, month, and the 97-complement key (Corsica 2A/2B as 19/18). */
function frNir(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e)) return false;
  let v: u64 = 0;
  let k = 0;
  let key: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x20) continue;
    let d: u32 = 0;
    if (isDigit(c)) d = c - 0x30;
    else if ((c == 0x41 || c == 0x42) && k == 6 && unit(u, i - 1) == 0x32) {
      // Corsica 2A / 2B: the department counts as 19 / 18 (the '2' already read becomes '1')
      v -= 1;
      d = c == 0x41 ? 9 : 8;
    } else return false;
    if (k < 13) v = v * 10 + <u64>d;
    else key = key * 10 + d;
    k++;
  }
  if (k != 15) return false;
  const sex = <u32>(v / 1000000000000);
  const month = <u32>((v / 100000000) % 100);
  if (!(sex == 1 || sex == 2 || sex == 3 || sex == 4 || sex == 7 || sex == 8)) return false;
  if (!((month >= 1 && month <= 12) || month >= 20)) return false;
  return key == 97 - <u32>(v % 97);
}

const NRIC_W: usize = memory.data<u8>([2, 7, 6, 5, 4, 3, 2]);

/** Singapore NRIC/FIN (S, T, F, G series): weighted checksum letter. */
function sgNric(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || e - s != 9) return false;
  const prefix = unit(u, s);
  let sum: u32 = prefix == 0x54 || prefix == 0x47 ? 4 : 0;
  for (let i = 0; i < 7; i++) sum += (unit(u, s + 1 + i) - 0x30) * <u32>load<u8>(NRIC_W + <usize>i);
  const table = prefix == 0x53 || prefix == 0x54 ? "JZIHGFEDCBA" : "XWUTRQPNMLK";
  return unit(u, e - 1) == <u32>table.charCodeAt(<i32>(sum % 11));
}

/** Finnish HETU: date, century sign and the mod-31 check character. */
function fiHetu(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || e - s != 11 || !digits(u, s, s + 6)) return false;
  const sign = unit(u, s + 6);
  let century: u32 = 1900;
  if (sign == 0x2b) century = 1800;
  else if (sign == 0x41 || (sign >= 0x42 && sign <= 0x46)) century = 2000;
  const day = <u32>num(0, 2);
  const month = <u32>num(2, 4);
  const year = century + <u32>num(4, 6);
  if (!validDate(year, month, day)) return false;
  let v: u64 = num(0, 6);
  for (let i = s + 7; i < s + 10; i++) {
    const c = unit(u, i);
    if (!isDigit(c)) return false;
    v = v * 10 + <u64>(c - 0x30);
  }
  const table = "0123456789ABCDEFHJKLMNPRSTUVWXY";
  return unit(u, s + 10) == <u32>table.charCodeAt(<i32>(v % 31));
}

const W1379: usize = memory.data<u8>([1, 3, 7, 9]);

/** Polish PESEL: weights 1,3,7,9 and a valid encoded birth date. */
function pesel(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || !digits(u, s, e) || nd != 11) return false;
  let sum: u32 = 0;
  for (let i = 0; i < 10; i++) sum += dg(i) * <u32>load<u8>(W1379 + <usize>(i & 3));
  if ((10 - sum % 10) % 10 != dg(10)) return false;
  let month = <u32>num(2, 4);
  let year = <u32>num(0, 2);
  if (month > 80) { year += 1800; month -= 80; }
  else if (month > 60) { year += 2200; month -= 60; }
  else if (month > 40) { year += 2100; month -= 40; }
  else if (month > 20) { year += 2000; month -= 20; }
  else year += 1900;
  return validDate(year, month, <u32>num(4, 6));
}

const TFN_W: usize = memory.data<u8>([1, 4, 3, 7, 5, 8, 6, 9, 10]);

/** Australian TFN: weights 1,4,3,7,5,8,6,9,10, sum divisible by 11. */
function auTfn(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || nd != 9) return false;
  let sum: u32 = 0;
  for (let i = 0; i < 9; i++) sum += dg(i) * <u32>load<u8>(TFN_W + <usize>i);
  return sum % 11 == 0;
}

/** US NPI: 10 digits starting 1 or 2, Luhn with the 80840 prefix. */
function npi(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || !digits(u, s, e) || nd != 10 || dg(0) < 1 || dg(0) > 2) return false;
  // Luhn over 80840 + the 10 digits: the prefix contributes a constant 24.
  let sum: u32 = 24;
  let double = false;
  for (let i = 9; i >= 0; i--) {
    let d = dg(i);
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
  }
  return sum % 10 == 0;
}

const CN_W: usize = memory.data<u8>([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);

/** Chinese resident identity card: a valid birth date and the ISO 7064 MOD 11-2 check character. */
function cnRic(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || e - s != 18 || !digits(u, s, s + 17) || nd != 17) return false;
  if (!validDate(<u32>num(6, 10), <u32>num(10, 12), <u32>num(12, 14)) || num(6, 8) < 18) return false;
  let sum: u32 = 0;
  for (let i = 0; i < 17; i++) sum += dg(i) * <u32>load<u8>(CN_W + <usize>i);
  const table = "10X98765432";
  const last = unit(u, e - 1);
  return (last == 0x78 ? 0x58 : last) == <u32>table.charCodeAt(<i32>(sum % 11));
}

/** Swedish personnummer: a valid date (day + 60 for coordination numbers) and Luhn over 10 digits. */
function sePnr(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !digits(u, s, e) || (nd != 10 && nd != 12)) return false;
  const o = nd - 10;
  let day = <u32>num(o + 4, o + 6);
  if (day > 60) day -= 60;
  const year = nd == 12 ? <u32>num(0, 4) : 2000 + <u32>num(0, 2);
  if (nd == 12 && (year < 1800 || year > 2099)) return false;
  if (!validDate(year, <u32>num(o + 2, o + 4), day)) return false;
  return luhnDigits(o, nd);
}

/** South African ID: a valid birth date, citizenship 0-2, Luhn over 13 digits. */
function zaId(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || !digits(u, s, e) || nd != 13) return false;
  if (!validDate(2000 + <u32>num(0, 2), <u32>num(2, 4), <u32>num(4, 6)) || dg(10) > 2) return false;
  return luhnDigits(0, 13);
}

/** Australian Medicare number: first digit 2-6, weighted check digit in position 9. */
function auMedicare(u: usize, n: i32, s: i32, e: i32): bool {
  if (!groupBounded(u, n, s, e) || !oneSeparator(u, s, e) || !digits(u, s, e) || (nd != 10 && nd != 11)) return false;
  if (dg(0) < 2 || dg(0) > 6) return false;
  let sum: u32 = 0;
  for (let i = 0; i < 8; i++) sum += dg(i) * <u32>load<u8>(W1379 + <usize>(i & 3));
  return sum % 10 == dg(8);
}

// ---- dates of birth ----------------------------------------------------------------------------------

/** Month number of the month name starting at [p, end) (at least its first three letters), or 0. */
function monthName(u: usize, p: i32, end: i32): u32 {
  if (end - p < 3) return 0;
  const names = "janfebmaraprmayjunjulaugsepoctnovdec";
  const a = unit(u, p) | 0x20;
  const b = unit(u, p + 1) | 0x20;
  const c = unit(u, p + 2) | 0x20;
  for (let m = 0; m < 12; m++) {
    if (<u32>names.charCodeAt(m * 3) == a && <u32>names.charCodeAt(m * 3 + 1) == b && <u32>names.charCodeAt(m * 3 + 2) == c) return <u32>(m + 1);
  }
  return 0;
}

/**
 * Whether the context word at s continues a word before it (`stubborn on`, `newborn`), rather
 * than starting one or a part of a key's name: after `_` (`patient_dob`) or, in camelCase, an
 * upper-case letter after a lower-case one (`patientDOB`, `userBirthDate`).
 */
function joinedBefore(u: usize, s: i32): bool {
  if (s == 0) return false;
  const p = unit(u, s - 1);
  if (isDigit(p)) return true;
  if (isUpper(p)) return true;
  if (isLower(p)) return !isUpper(unit(u, s));
  return false;
}

/** A date after its context words: numeric (Y-M-D, D-M-Y, M/D/Y) or with a month name. */
function dob(u: usize, n: i32, s: i32, e: i32): bool {
  const h = cHead;
  if (joinedBefore(u, s) || wordAfter(u, n, e)) return false;
  // Up to three numbers (value, digit count) and one month name, read from [h, e).
  let v0: u32 = 0, v1: u32 = 0, v2: u32 = 0;
  let l0 = 0, l1 = 0, l2 = 0;
  let k = 0;
  let month: u32 = 0;
  let i = h;
  while (i < e) {
    const c = unit(u, i);
    if (isDigit(c)) {
      if (k == 3) return false;
      let v: u32 = 0;
      const j = i;
      while (i < e && isDigit(unit(u, i))) {
        if (i - j == 4) return false;
        v = v * 10 + (unit(u, i) - 0x30);
        i++;
      }
      const l = i - j;
      if (k == 0) { v0 = v; l0 = l; } else if (k == 1) { v1 = v; l1 = l; } else { v2 = v; l2 = l; }
      k++;
    } else if (isLetter(c)) {
      const j = i;
      while (i < e && isLetter(unit(u, i))) i++;
      if (month != 0) return false;
      month = monthName(u, j, i);
      if (month == 0) return false;
    } else i++;
  }
  let y: u32 = 0, m: u32 = 0, d: u32 = 0;
  if (month != 0) {
    // "12 March 1990" or "March 12, 1990"
    if (k != 2 || l1 != 4 || l0 > 2) return false;
    m = month; d = v0; y = v1;
  } else {
    if (k != 3) return false;
    if (l0 == 4) { y = v0; m = v1; d = v2; }
    else if (l2 == 4 || l2 == 2) {
      y = l2 == 2 ? (v2 > 30 ? 1900 + v2 : 2000 + v2) : v2;
      // day-month-year, unless only month-day-year can be a date (12/31/1990)
      if (v1 > 12 && v0 <= 12) { m = v0; d = v1; } else { d = v0; m = v1; }
    } else return false;
  }
  if (y < 1880 || y > 2099 || !validDate(y, m, d)) return false;
  cS = h;
  return true;
}

// ---- crypto wallet addresses --------------------------------------------------------------------------

// SHA-256 (FIPS 180-4) over one block: enough for Base58Check (21 and 32 bytes).
const SHA_K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const SHA_W: usize = memory.data(256);
const SHA_H: usize = memory.data(32);
const BUF: usize = memory.data(64);

/** SHA-256 of `len` (< 56) bytes at BUF, written to SHA_H as 8 big-endian words. */
function sha256Block(len: i32): void {
  // pad into one block
  store<u8>(BUF + <usize>len, 0x80);
  for (let i = len + 1; i < 56; i++) store<u8>(BUF + <usize>i, 0);
  const bits = <u32>len * 8;
  store<u32>(BUF + 56, 0);
  store<u8>(BUF + 60, bits >> 24);
  store<u8>(BUF + 61, (bits >> 16) & 0xff);
  store<u8>(BUF + 62, (bits >> 8) & 0xff);
  store<u8>(BUF + 63, bits & 0xff);
  for (let i = 0; i < 16; i++) store<u32>(SHA_W + <usize>(i * 4), bswap<u32>(load<u32>(BUF + <usize>(i * 4))));
  for (let i = 16; i < 64; i++) {
    const w15 = load<u32>(SHA_W + <usize>((i - 15) * 4));
    const w2 = load<u32>(SHA_W + <usize>((i - 2) * 4));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >> 10);
    store<u32>(SHA_W + <usize>(i * 4), load<u32>(SHA_W + <usize>((i - 16) * 4)) + s0 + load<u32>(SHA_W + <usize>((i - 7) * 4)) + s1);
  }
  let a: u32 = 0x6a09e667, b: u32 = 0xbb67ae85, c: u32 = 0x3c6ef372, d: u32 = 0xa54ff53a;
  let e: u32 = 0x510e527f, f: u32 = 0x9b05688c, g: u32 = 0x1f83d9ab, h: u32 = 0x5be0cd19;
  for (let i = 0; i < 64; i++) {
    const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
    const ch = (e & f) ^ (~e & g);
    const t1 = h + S1 + ch + load<u32>(SHA_K + <usize>(i * 4)) + load<u32>(SHA_W + <usize>(i * 4));
    const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = S0 + maj;
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
  }
  store<u32>(SHA_H, 0x6a09e667 + a); store<u32>(SHA_H + 4, 0xbb67ae85 + b);
  store<u32>(SHA_H + 8, 0x3c6ef372 + c); store<u32>(SHA_H + 12, 0xa54ff53a + d);
  store<u32>(SHA_H + 16, 0x510e527f + e); store<u32>(SHA_H + 20, 0x9b05688c + f);
  store<u32>(SHA_H + 24, 0x1f83d9ab + g); store<u32>(SHA_H + 28, 0x5be0cd19 + h);
}

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DEC: usize = memory.data(25);

/** Legacy Bitcoin address: Base58 decoding to 25 bytes, version 0x00/0x05, double-SHA-256 checksum. */
function base58Check(u: usize, s: i32, e: i32): bool {
  if (e - s < 26 || e - s > 35) return false;
  memory.fill(DEC, 0, 25);
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    let v: i32 = -1;
    for (let j = 0; j < 58; j++) if (<u32>B58.charCodeAt(j) == c) { v = j; break; }
    if (v < 0) return false;
    let carry = <u32>v;
    for (let j = 24; j >= 0; j--) {
      carry += 58 * <u32>load<u8>(DEC + <usize>j);
      store<u8>(DEC + <usize>j, carry & 0xff);
      carry >>= 8;
    }
    if (carry != 0) return false;
  }
  const version = <u32>load<u8>(DEC);
  const first = unit(u, s);
  if (!((first == 0x31 && version == 0) || (first == 0x33 && version == 5))) return false;
  memory.copy(BUF, DEC, 21);
  sha256Block(21);
  for (let i = 0; i < 8; i++) store<u32>(BUF + <usize>(i * 4), bswap<u32>(load<u32>(SHA_H + <usize>(i * 4))));
  sha256Block(32);
  const w = load<u32>(SHA_H); // first four digest bytes, as a big-endian word
  return <u32>load<u8>(DEC + 21) == w >> 24 && <u32>load<u8>(DEC + 22) == ((w >> 16) & 0xff) && <u32>load<u8>(DEC + 23) == ((w >> 8) & 0xff) && <u32>load<u8>(DEC + 24) == (w & 0xff);
}

const BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

function bechPolymod(pre: u32, v: u32): u32 {
  const b = pre >> 25;
  let chk = ((pre & 0x1ffffff) << 5) ^ v;
  if ((b & 1) != 0) chk ^= 0x3b6a57b2;
  if ((b & 2) != 0) chk ^= 0x26508e6d;
  if ((b & 4) != 0) chk ^= 0x1ea119fa;
  if ((b & 8) != 0) chk ^= 0x3d4233dd;
  if ((b & 16) != 0) chk ^= 0x2a1462b3;
  return chk;
}

/** Segwit address `bc1…`: bech32 (version 0) or bech32m (versions 1-16) checksum, BIP 173/350 lengths. */
function bech32(u: usize, s: i32, e: i32): bool {
  const len = e - s;
  if (len < 14 || len > 74) return false;
  // hrp "bc": expand to [3, 3, 0, 2, 3]
  let chk: u32 = 1;
  chk = bechPolymod(chk, 3);
  chk = bechPolymod(chk, 3);
  chk = bechPolymod(chk, 0);
  chk = bechPolymod(chk, 2);
  chk = bechPolymod(chk, 3);
  let version: i32 = -1;
  for (let i = s + 3; i < e; i++) {
    const c = unit(u, i);
    let v: i32 = -1;
    for (let j = 0; j < 32; j++) if (<u32>BECH.charCodeAt(j) == c) { v = j; break; }
    if (v < 0) return false;
    if (version < 0) version = v;
    chk = bechPolymod(chk, <u32>v);
  }
  if (version < 0 || version > 16) return false;
  const dataLen = len - 3 - 1 - 6; // 5-bit groups of the witness program
  const bytes = (dataLen * 5) >> 3;
  if (version == 0) return chk == 1 && (bytes == 20 || bytes == 32);
  return chk == 0x2bc830a3 && bytes >= 2 && bytes <= 40;
}

function btc(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true)) return false;
  if (e - s > 3 && unit(u, s) == 0x62 && unit(u, s + 1) == 0x63 && unit(u, s + 2) == 0x31) return bech32(u, s, e);
  return base58Check(u, s, e);
}

/**
 * Ethereum address: 0x + 40 hex digits, word-bounded. Mixed case must carry the EIP-55 checksum
 * (letter i is upper case iff nibble i of Keccak-256 of the lower-case hex is >= 8); all-lower and
 * all-upper addresses are valid unchecksummed addresses (EIP-55) and are accepted.
 */
function eth(u: usize, n: i32, s: i32, e: i32): bool {
  if (!boundedBy(u, n, s, e, true) || e - s != 42) return false;
  let lower = 0, upper = 0;
  for (let i = s + 2; i < e; i++) {
    const c = unit(u, i);
    if (isLower(c)) lower++;
    else if (isUpper(c)) upper++;
    store<u8>(KECCAK_SCRATCH + <usize>(i - s - 2), isUpper(c) ? c + 0x20 : c);
  }
  if (lower == 0 || upper == 0) return true;
  const h = keccak256(KECCAK_SCRATCH, 40);
  for (let i = 0; i < 40; i++) {
    const c = unit(u, s + 2 + i);
    if (!isLower(c) && !isUpper(c)) continue;
    const b = <u32>load<u8>(h + <usize>(i >> 1));
    const nibble = (i & 1) == 0 ? b >> 4 : b & 15;
    if ((nibble >= 8) != isUpper(c)) return false;
  }
  return true;
}

// ---- secrets -----------------------------------------------------------------------------------------

// Argument of the secret checks: bits 0-9 min length, 10-21 max length (0: none), 22-27 minimum
// Shannon entropy in eighths of a bit per character, 28-29 minimum number of character classes
// (lower, upper, digit, other), 30 no word character may follow, 31 none may precede.

/** floor(log2(x) * 65536), for 1 <= x < 2^31: integer part from the bit length, 16 fraction bits by squaring. */
function log2q16(x: u32): u64 {
  const ip = <u32>(31 - clz<u32>(x));
  let y: u64 = <u64>x << (30 - ip); // x / 2^ip in Q30, in [1, 2)
  let r: u64 = <u64>ip << 16;
  for (let b: u32 = 15; b < 16; b--) {
    y = (y * y) >> 30;
    if (y >= (<u64>1 << 31)) { y >>= 1; r |= <u64>1 << b; }
  }
  return r;
}

const COUNTS: usize = memory.data(256); // u16 per ASCII code (others share slot 127)

/**
 * Whether [s, e) has at least `eighths`/8 bits of Shannon entropy per character, in integers:
 * n·H = n·log2 n − Σ c·log2 c, with log2 in Q16 fixed point (exact to 2^-16 per term).
 */
function entropyAtLeast(u: usize, s: i32, e: i32, eighths: u32): bool {
  if (eighths == 0) return true;
  memory.fill(COUNTS, 0, 256);
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    const slot = <usize>(c < 127 ? c : 127) << 1;
    store<u16>(COUNTS + slot, load<u16>(COUNTS + slot) + 1);
  }
  const len = <u32>(e - s);
  let nh: u64 = <u64>len * log2q16(len);
  for (let i: usize = 0; i < 128; i++) {
    const c = <u32>load<u16>(COUNTS + (i << 1));
    if (c > 1) nh -= <u64>c * log2q16(c);
  }
  // nh / len >= eighths / 8 bits  ⇔  8·nh >= eighths · len · 65536
  return nh * 8 >= <u64>eighths * <u64>len * 65536;
}

function classesOf(u: usize, s: i32, e: i32): u32 {
  let lower: u32 = 0, upper: u32 = 0, digit: u32 = 0, other: u32 = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isLower(c)) lower = 1;
    else if (isUpper(c)) upper = 1;
    else if (isDigit(c)) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

/**
 * Whether [s, e) holds a digit and a letter: the keys that are credentials by their name alone
 * (`token`, `…_TOKEN`, `Signature`, `Authorization`) also name words in configuration and prose
 * (`"token": "authentication-required"`) and code (`return token = SyntaxKind.Identifier`), which
 * the class count admits (letters and `-` or `.`) and the entropy gate cannot tell from hex (3.5
 * to 3.7 bits a unit both). A random token of 16 letters and digits has none of its digits with
 * probability (52/62)^16, 6%; of 32 hex digits, none of its letters with 10^32/16^32.
 */
function digitAndLetter(u: usize, s: i32, e: i32): bool {
  let letter = false, digit = false;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c)) digit = true;
    else if (isLetter(c)) letter = true;
    if (letter && digit) return true;
  }
  return false;
}

/** Length, class, entropy and boundary gates of a secret value [s, e) (match ends at `end`). */
function tokenGate(arg: u32, u: usize, n: i32, start: i32, s: i32, e: i32): bool {
  const len = <u32>(e - s);
  const min = arg & 0x3ff;
  const max = (arg >> 10) & 0xfff;
  if (len < min || (max != 0 && len > max)) return false;
  if ((arg & (1 << 31)) != 0 && wordBefore(u, start)) return false;
  if ((arg & (1 << 30)) != 0 && wordAfter(u, n, e)) return false;
  const classes = (arg >> 28) & 3;
  if (classes != 0 && classesOf(u, s, e) < classes) return false;
  return entropyAtLeast(u, s, e, (arg >> 22) & 0x3f);
}

function crc32(u: usize, s: i32, e: i32): u32 {
  let c: u32 = 0xffffffff;
  for (let i = s; i < e; i++) {
    c ^= unit(u, i) & 0xff;
    for (let k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & (0 - (c & 1)));
  }
  return ~c;
}

/** gh[pousr]_ + 30 base62 characters + the CRC32 of those 30, base62 (0-9A-Za-z), 6 digits. */
function githubChecksum(u: usize, s: i32, e: i32): bool {
  if (e - s != 40) return false;
  let v: u64 = 0;
  for (let i = e - 6; i < e; i++) {
    const c = unit(u, i);
    let d: u32 = 0;
    if (isDigit(c)) d = c - 0x30;
    else if (isUpper(c)) d = c - 0x41 + 10;
    else if (isLower(c)) d = c - 0x61 + 36;
    else return false;
    v = v * 62 + <u64>d;
  }
  return v == <u64>crc32(u, s + 4, e - 6);
}

/** Where the key of an assignment at s starts: after a URL query's separator (url_query_credential: `?key=…`, `&auth=…`, `;k=…`). */
function keyStart(u: usize, s: i32): i32 {
  const c = unit(u, s);
  return c == 0x3f || c == 0x26 || c == 0x3b ? s + 1 : s;
}

/** Where the key that starts at k ends, before e: its word units, `.`s and `-`s. */
function keyEnd(u: usize, k: i32, e: i32): i32 {
  let i = k;
  while (i < e) {
    const c = unit(u, i);
    if (isWord(c) || c == 0x2e || c == 0x2d) i++;
    else break;
  }
  return i;
}

/**
 * `key <op> value`: skips the key, quotes, a subscript's `]`, spaces and the operator (`=`, `:`,
 * `:=`, `=>`, `?=`, `||`, an XML element's `>`, the `,` of `define('AUTH_KEY', '…')` in
 * wordpress_salt); without an operator, whitespace alone may separate a keyword from its value
 * (`Bearer abc`, `--password 'abc'`).
 * Returns where the value starts, or -1.
 */
function assignValue(u: usize, s: i32, e: i32): i32 {
  let i = keyEnd(u, keyStart(u, s), e);
  const nameEnd = i;
  while (i < e) {
    const c = unit(u, i);
    if (c == 0x20 || c == 0x09 || c == 0x22 || c == 0x27 || c == 0x5d) i++;
    else break;
  }
  let ops = 0;
  while (i < e && ops < 3) {
    const c = unit(u, i);
    if (c == 0x3d || c == 0x3a || c == 0x3e || c == 0x7c || c == 0x3f || c == 0x2c) { i++; ops++; }
    else break;
  }
  if (ops == 0 && i == nameEnd) return -1;
  if (ops == 0) {
    // no operator: only whitespace, and a quote that opens the value, may separate the keyword
    // from it (`Bearer abc`, `--password 'S3cret'`)
    let p = unit(u, i - 1);
    if ((p == 0x22 || p == 0x27) && i - 2 >= nameEnd) p = unit(u, i - 2);
    if (p != 0x20 && p != 0x09) return -1;
  }
  while (i < e) {
    const c = unit(u, i);
    if (c == 0x20 || c == 0x09 || c == 0x22 || c == 0x27 || c == 0x60) i++;
    else break;
  }
  return i < e ? i : -1;
}

/**
 * Whether a value is a template or an obvious placeholder: `{{x}}`, `{x}`, `<x>`; a variable, `${X}`,
 * `$(cmd)`, `$NAME…` (upper case or `_` first) or `$name` alone; a format, `%(name)s`, `%NAME%`, `%s`;
 * or one character repeated (`****`, `xxxx`). A value that only starts with `$` or `%` is none: a
 * Django key is drawn from lower case, digits and `!@#$%^&*(-_=+)` (`$w1m&l3p…`, `%xy)w9…`).
 */
function placeholderValue(u: usize, s: i32, e: i32): bool {
  const c = unit(u, s);
  if (c == 0x7b || c == 0x3c) return true;
  if (c == 0x24 || c == 0x25) {
    if (s + 2 >= e) return true;
    const d = unit(u, s + 1);
    if (d == 0x7b || d == 0x28 || d == 0x5f || isUpper(d)) return true;
    if (c == 0x25) return false;
    for (let i = s + 1; i < e; i++) if (!isWord(unit(u, i))) return false;
    return true;
  }
  let same = true;
  for (let i = s + 1; i < e; i++) if (unit(u, i) != c) { same = false; break; }
  return same;
}

/**
 * Names code reads a value from: `process.env.API_KEY`, `import.meta.env.X`, `os.getenv(`,
 * `settings.CLIENT_SECRET`, `self.password`, `request.headers.authorization`. Each between `|`.
 */
const CODE_ROOTS = "|process|import|os|env|ENV|Deno|Bun|System|config|cfg|conf|settings|options|opts|args|argv|params|props|self|this|ctx|context|req|request|res|response|user|data|window|globalThis|global|app|secrets|creds|credentials|vault|session|state|";

/**
 * Whether a call starts at v, within the match [v, e) or right at its end: a name or a dotted path
 * of names before `(` (`getpass.getpass(`, `load_api_key(name)`, `getToken()`). It reads as code
 * when the path has a `.`, a `_` or a lower-to-upper step, when `(` opens on `)` or a quote, or
 * when a name without a digit opens on a name (`bytes(memoryview(password))`); `Tr0ub4dor(3`
 * still reads as a password. Reads at most two units past the match.
 */
function callAt(u: usize, n: i32, v: i32, e: i32): bool {
  let i = v;
  let codeLike = false;
  let digits = false;
  while (i < e) {
    const c = unit(u, i);
    if (isWord(c)) {
      if (c == 0x5f || (i > v && isUpper(c) && isLower(unit(u, i - 1)))) codeLike = true;
      if (isDigit(c)) digits = true;
      i++;
    } else if (c == 0x2e && i > v && i + 1 < e && (isUpper(unit(u, i + 1)) || isLower(unit(u, i + 1)) || unit(u, i + 1) == 0x5f)) {
      codeLike = true;
      i++;
    } else break;
  }
  if (i == v || i >= n || unit(u, i) != 0x28) return false;
  if (codeLike) return true;
  const a = i + 1 < n ? unit(u, i + 1) : 0;
  return a == 0x29 || a == 0x22 || a == 0x27 || (!digits && (isLower(a) || isUpper(a) || a == 0x5f));
}

/**
 * Type names a parameter or field is annotated with (TypeScript, Python, Node's crypto types):
 * `password: string`, `password: Optional[str]`, `password: BinaryLike`. Each between `|`.
 */
const TYPE_NAMES = "|string|String|str|bytes|number|boolean|any|unknown|object|Optional|Union|SecretStr|SecretBytes|Buffer|BinaryLike|KeyLike|KeyObject|CipherKey|Uint8Array|ArrayBuffer|Text|";

/** The null and boolean literals of the common languages, each between `|`. */
const LITERALS = "|None|null|nil|undefined|NULL|True|False|true|false|";

/**
 * Whether [v, e) is a name of code of two or more words, one case throughout: capitals, digits
 * only at the end of the last word, joined by `_` or `.` (`NOT_IMPL`, `TEST_DATA_BASE64`,
 * `HEADER.PAYLOAD.SIGNATURE`), or lower-case letters joined by `_` (`base_path`,
 * `openid_connect_implicit`). A token's digits fall inside its words, and its case is mixed.
 */
function constantName(u: usize, v: i32, e: i32): bool {
  const upper = isUpper(unit(u, v));
  if (!upper && !isLower(unit(u, v))) return false;
  let joins = 0;
  let digits = false; // digits have begun: the name's last units
  for (let i = v; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x5f || (upper && c == 0x2e)) {
      if (digits || i + 1 == e || !(upper ? isUpper(unit(u, i + 1)) : isLower(unit(u, i + 1)))) return false;
      joins++;
    } else if (upper && isDigit(c)) digits = true;
    else if (digits || !(upper ? isUpper(c) : isLower(c))) return false;
  }
  return joins > 0;
}

/** Whether a name without a digit starts at i, followed by `.`, `(`, `)` or a space. */
function nameThen(u: usize, n: i32, i: i32, e: i32): bool {
  const from = i;
  while (i < e) {
    const c = unit(u, i);
    if (isLetter(c) || c == 0x5f) i++;
    else break;
  }
  if (i == from || i >= n) return false;
  const c = unit(u, i);
  return c == 0x2e || c == 0x28 || c == 0x29 || c == 0x20;
}

function hasNonDigit(u: usize, s: i32, e: i32): bool {
  for (let i = s; i < e; i++) if (!isDigit(unit(u, i))) return true;
  return false;
}

/** Whether [s, e) holds one of the (ASCII) units of `set`. */
function hasUnitOf(u: usize, s: i32, e: i32, set: string): bool {
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    for (let k = 0; k < set.length; k++) if (c == <u32>set.charCodeAt(k)) return true;
  }
  return false;
}

function hasDigit(u: usize, s: i32, e: i32): bool {
  for (let i = s; i < e; i++) if (isDigit(unit(u, i))) return true;
  return false;
}

/** A unit of a name without a digit: a letter, `_` or `$`. */
function nameUnit(c: u32): bool {
  return isLetter(c) || c == 0x5f || c == 0x24;
}

/**
 * Whether [v, e) is a dotted path of names without a digit (`value.password`,
 * `NodeJS.ArrayBufferView`), less closing `)` `]` `:` after it: a reference, not a secret (one
 * with a `.` between two names holds a digit: `abc123.def456XYZ`).
 */
function dottedNames(u: usize, v: i32, e: i32): bool {
  let dots = 0;
  let i = v;
  while (i < e) {
    const start = i;
    while (i < e && nameUnit(unit(u, i))) i++;
    if (i == start) return false;
    // a `.` with a name after it (a final `.` is the sentence's: `password: Sunshine.` is a value)
    if (i + 1 < e && unit(u, i) == 0x2e && nameUnit(unit(u, i + 1))) {
      dots++;
      i++;
    } else break;
  }
  while (i < e) {
    const c = unit(u, i);
    if (c == 0x29 || c == 0x5d || c == 0x3a) i++;
    else return false;
  }
  return dots > 0;
}

/**
 * Whether the value [v, e) of the assignment at s is code that names where a secret comes from,
 * not the secret: unquoted, after an operator (`Bearer abc` has none: a token's segments can look
 * like names), and a name from CODE_ROOTS followed by `.` and a name. `password = self.password`
 * in a source file is not a password; `password = "self.password"` still is one. Nor is a call
 * (`callAt`): `password = getpass.getpass("Password: ")`, a dotted path of names without a digit
 * (`password: value.password`, `privateKey: NodeJS.ArrayBufferView`), or, after `:`, a type name
 * (`password: string)`, `password: BinaryLike,`), a generic type (`privateKeyEncoding: Options<T>`)
 * or a field's type (`password: URLPatternComponentResult;`), a subscript (`config['password']`),
 * a parenthesised expression, or a null or boolean literal followed by punctuation (`pwd=None):`).
 * Reads at most two units past the match (callAt).
 */
function codeReference(u: usize, n: i32, s: i32, v: i32, e: i32): bool {
  let p = v - 1;
  if (p <= s) return false;
  let c = unit(u, p);
  if (c == 0x22 || c == 0x27 || c == 0x60) return false;
  while (p > s && (c == 0x20 || c == 0x09)) c = unit(u, --p);
  if (c != 0x3d && c != 0x3a && c != 0x3e && c != 0x7c) return false; // = : > |: the operator's last unit
  const first = unit(u, v);
  if (isDigit(first)) return false;
  // a parenthesised expression: `(self.password.encode("utf-8") if … else …)`, a name without a
  // digit then `.`, `(`, `)` or a space after the `(` (`(optional)`), or after a list's `[` or a
  // mapping's `{` (`fds_to_pass = [listener.fileno(), alive_r]`); or a call. Neither holds `!`,
  // `#`, `^` or `~`, which nearly every Django key does (`aggy(csop_e)inkwq…!…` in a `.env` file)
  if (((first == 0x28 || first == 0x5b || first == 0x7b) && nameThen(u, n, v + 1, e) || callAt(u, n, v, e)) && !hasUnitOf(u, v, e, "!#^~")) return true;
  if (dottedNames(u, v, e)) return true;
  let i = v;
  while (i < e && isWord(unit(u, i))) i++;
  // a literal of the language, then punctuation: `def read(self, pwd=None):`, `password: null,`
  if (i > v && (i == e || !isWord(unit(u, i)) && unit(u, i) != 0x2e) && listed(LITERALS, u, v, i - v, 0)) return true;
  // a name of code, words of one case joined by `_` (`proxy_pass=NOT_IMPL,`, `pwd = base_path`)
  if ((i == e || unit(u, i) == 0x2e) && constantName(u, v, e)) return true;
  // a subscript: `config['password']`, `auth[2]` (a name without a digit)
  if (i > v && i < n && unit(u, i) == 0x5b && !hasDigit(u, v, i)) return true;
  // a type annotation: the name ends the value or is followed by punctuation (`string)`, `str]`)
  if (c == 0x3a && i > v && (i == e || !isWord(unit(u, i)) && unit(u, i) != 0x2e) && listed(TYPE_NAMES, u, v, i - v, 0)) return true;
  // or a generic type: a name the value ends with, then `<` (`BasePrivateKeyEncodingOptions<T>`);
  // or a field's type: a name without a digit, then `;` (`password: URLPatternComponentResult;`)
  if (c == 0x3a && i == e && e < n && (unit(u, e) == 0x3c || unit(u, e) == 0x3b && !hasDigit(u, v, e))) return true;
  if (i == v || i + 1 >= e || unit(u, i) != 0x2e || !isWord(unit(u, i + 1)) || isDigit(unit(u, i + 1))) return false;
  return listed(CODE_ROOTS, u, v, i - v, 0);
}

/**
 * `PWD=/home/me` and `OLDPWD=~/src` (every `env` listing): the shell's working directory, which
 * generic_password's `pwd` would read as a password. The key is `PWD` alone or after `OLD`, in
 * upper case, and the value starts with `/` or `~`. Reads at most four units before the match.
 */
function workingDirectory(u: usize, s: i32, v: i32): bool {
  if (v <= s + 3 || unit(u, s) != 0x50 || unit(u, s + 1) != 0x57 || unit(u, s + 2) != 0x44 || isWord(unit(u, s + 3))) return false;
  const c = unit(u, v);
  if (c != 0x2f && c != 0x7e) return false;
  if (!wordBefore(u, s)) return true;
  return s >= 3 && unit(u, s - 3) == 0x4f && unit(u, s - 2) == 0x4c && unit(u, s - 1) == 0x44 && !wordBefore(u, s - 3);
}

/**
 * Last words of a key that names something about a secret, not the secret: where it is (Docker's
 * `POSTGRES_PASSWORD_FILE=/run/secrets/db`, `client_secret_path`, `token_url`), what it is called
 * (`db_password_secret_name`, `session_secret_arn`, `jwtSecretEnvVar`), how it is sent or checked
 * (`webhook_secret_header`, `password_policy`, `password_error`) and when it expires
 * (`access_token_ttl`). Not `hash`, `salt` or `base`: `password_hash` and Rails' `secret_key_base`
 * hold secrets. Lower case, each between `|`.
 */
const METADATA_WORDS = "|file|filename|files|keyfile|path|paths|dir|directory|location|mount|url|uri|endpoint|name|arn|ref|version|label|env|var|variable|header|param|field|column|policy|rotation|rule|rules|regex|pattern|format|encoding|encryption|algorithm|alg|length|size|bits|count|ttl|lifetime|expiry|expires|expiration|timeout|age|type|kind|mode|enabled|required|provider|backend|store|manager|source|config|settings|options|hint|description|message|error|help|";

/**
 * Whether the key of the assignment at s (up to the value at v) ends, after a `_`, `-`, `.` or a
 * lower-to-upper step, with one of METADATA_WORDS. Only the key's last word counts, and never the
 * key's first: `path=…` is no key of a secret rule, and `api_key_file_contents` still names one.
 * Reads only inside the match.
 */
function metadataKey(u: usize, s: i32, v: i32): bool {
  const k = keyStart(u, s);
  const end = keyEnd(u, k, v);
  const a = lastWordOf(u, k, end);
  if (a <= k || a == end) return false;
  return listed(METADATA_WORDS, u, a, end - a, 0x20);
}

/** Where the last word of the key [k, end) starts: after a `_`, `-`, `.` or a lower-to-upper step (k: none before it). */
function lastWordOf(u: usize, k: i32, end: i32): i32 {
  let a = end;
  while (a > k) {
    const c = unit(u, a - 1);
    if (!isLower(c) && !isUpper(c)) break;
    a--;
    if (isUpper(c) && a > k && isLower(unit(u, a - 1))) break; // camel case: `jwtSecretEnvVar`
  }
  return a;
}

/** Last words of a key that holds an OpenPGP key's fingerprint or ID (see pgpFingerprint), lower case, each between `|`. */
const FINGERPRINT_WORDS = "|key|keys|id|keyid|fingerprint|fpr|";

/**
 * Whether the assignment at s is an OpenPGP key's public fingerprint or ID: its key names `gpg` or
 * `pgp` (any case) and ends with one of FINGERPRINT_WORDS, and the value [v, e) is 16, 40 or 64
 * hex digits, after an optional `0x` (`ENV GPG_KEY=A035C8C1…` in Python's container images,
 * `pgp_key_id: 64E628F8D684696D`). A private OpenPGP key is an armored block, never a run of hex;
 * a passphrase may be one (`GPG_PASSPHRASE=$(openssl rand -hex 20)`), so other keys keep theirs.
 * Reads back up to 64 units before the match: a rule's match may start inside the key (env_secret's `_KEY`).
 */
function pgpFingerprint(u: usize, s: i32, v: i32, e: i32): bool {
  let h = v;
  if (e - v > 2 && unit(u, v) == 0x30 && (unit(u, v + 1) | 0x20) == 0x78) h += 2;
  const len = e - h;
  if (len != 16 && len != 40 && len != 64) return false;
  for (let i = h; i < e; i++) if (!isHex(unit(u, i))) return false;
  let k = keyStart(u, s);
  const end = keyEnd(u, k, v);
  const last = lastWordOf(u, k, end);
  if (last == end || !listed(FINGERPRINT_WORDS, u, last, end - last, 0x20)) return false;
  while (k > 0 && k > s - 64 && isWord(unit(u, k - 1))) k--;
  for (let i = k; i + 3 <= last; i++) {
    const a = unit(u, i) | 0x20;
    const b = unit(u, i + 1) | 0x20;
    if (a == (unit(u, i + 2) | 0x20) && ((a == 0x67 && b == 0x70) || (a == 0x70 && b == 0x67))) return true; // gpg, pgp
  }
  return false;
}

/** Words that name a credential, lower case, each between `|` (see credentialName). */
const CREDENTIAL_WORDS = "|password|passwords|passwd|pwd|passphrase|pass|secret|secrets|key|keys|token|tokens|credential|credentials|apikey|auth|";

/**
 * Whether the value [v, e) is a name of two or more words, one of which names a credential: a
 * variable (`password=primary_password,`, `passphrase=password_bytes`), a constant's name
 * (`_CLIENT_SECRET = 'CLIENT_SECRET'` in generated API clients), a type or a method
 * (`AccessTokenCache`, `GeneratePassword`), a private name (`_PASSWORD_DEFAULT`) or a placeholder
 * (`your_api_key`). Words are split at `_`, `-` and case steps (a `.` is codeReference's:
 * `"self.password"` quoted is a password); each is two or more letters, all lower case, all upper
 * case or capitalised, so a random token's mixed case never reads as one (its `TYooMQ…` splits
 * into one-letter words). Digits may end a word before `_` or `-` (`oauth2-client-secret`), not
 * before a case step or at the end, where people put them (`Hunter2Secret99`,
 * `Summer_Password2024`). A closing `.`, `)`, `]` or `}` is ignored; after a bracket, a lower-case
 * name of one credential word or of two words is also one (`f(password=password)`).
 */
function credentialName(u: usize, v: i32, e: i32): bool {
  let closed = false;
  while (e > v && (unit(u, e - 1) == 0x2e || unit(u, e - 1) == 0x29 || unit(u, e - 1) == 0x5d || unit(u, e - 1) == 0x7d)) {
    if (unit(u, e - 1) != 0x2e) closed = true;
    e--;
  }
  let words = 0;
  let named = false;
  let lower = true;
  let i = v;
  while (i < e && unit(u, i) == 0x5f) i++; // a private name: `_PASSWORD_DEFAULT`, `_get_api_key`
  i = afterVersionPrefix(u, i, e); // a generated API's type: `V1SecretVolumeSource`, `V1beta1TokenReview`
  while (i < e) {
    const w = i;
    const c = unit(u, i);
    if (isUpper(c)) {
      i++;
      while (i < e && isUpper(unit(u, i))) i++;
      if (i < e && isLower(unit(u, i))) {
        if (i - w > 1) i--; // `HTTPServer`: the last capital starts the next word
        else while (i < e && isLower(unit(u, i))) i++;
      }
      lower = false;
    } else if (isLower(c)) {
      while (i < e && isLower(unit(u, i))) i++;
    } else return false;
    if (i - w < 2) return false;
    if (listed(CREDENTIAL_WORDS, u, w, i - w, 0x20)) named = true;
    words++;
    const letters = i;
    while (i < e && isDigit(unit(u, i))) i++;
    if (i == e) {
      if (i > letters) return false; // `Summer_Password2024`: people end passwords with digits
      break;
    }
    const d = unit(u, i);
    if (d == 0x5f || d == 0x2d) {
      if (++i == e) return false;
    } else if (!isUpper(d) || i > letters) return false; // `Hunter2Secret99` is a password
  }
  // in code, a lower-case name that a bracket closes is an argument or a value
  // (`f(password=password)`, `{"PASSWORD": mock_challenge}`); `Sunshine)` stays a password
  return named && words >= 2 || closed && lower && (named || words >= 2);
}

/**
 * After an API version that prefixes a generated type's name (Kubernetes' clients: `V1`, `V2beta1`,
 * `v1alpha2`), when a capital follows it: where the name's words start; else i.
 */
function afterVersionPrefix(u: usize, i: i32, e: i32): i32 {
  if (i + 2 >= e || (unit(u, i) | 0x20) != 0x76 || !isDigit(unit(u, i + 1))) return i;
  let j = i + 1;
  while (j < e && isDigit(unit(u, j))) j++;
  if (startsWith(u, j, e, "alpha")) j += 5;
  else if (startsWith(u, j, e, "beta")) j += 4;
  while (j < e && isDigit(unit(u, j))) j++;
  return j < e && isUpper(unit(u, j)) ? j : i;
}

/**
 * Whether the unquoted value [v, e) after a `:` is one word of letters (and a `.`) that a space
 * and a letter follow: a field's description in generated API documentation (`password:
 * Required. Input only …`, `PASSWORD_SET: Password set in object`), not a password. A password
 * written that way in prose (`password: Sunshine. Then …`) is missed; one with a digit or a
 * symbol, quoted, or at the end of its line is not. Reads two units past the match.
 */
function proseValue(u: usize, n: i32, s: i32, v: i32, e: i32): bool {
  if (e + 1 >= n || unit(u, e) != 0x20 || !isLetter(unit(u, e + 1))) return false;
  let p = v - 1;
  while (p > s && (unit(u, p) == 0x20 || unit(u, p) == 0x09)) p--;
  if (unit(u, p) != 0x3a) return false;
  let i = v;
  while (i < e && isLetter(unit(u, i))) i++;
  if (i < e && unit(u, i) == 0x2e) i++;
  return i == e;
}

/**
 * How references to a secret store begin, each between `|`: 1Password's `op://vault/item/field`
 * (`op run` resolves them in `.env` files), Google Secret Manager's `sm://`, Vault's `vault:`,
 * AWS Secrets Manager and Parameter Store ARNs, Azure Key Vault's secret URLs, and Ansible's
 * `!vault` tag (the encrypted block follows on the next lines).
 */
const SECRET_STORE_PREFIXES = "|op://|sm://|vault:|arn:aws:secretsmanager:|arn:aws:ssm:|akv://|!vault|";

/**
 * Whether the value [v, e) names where a secret is kept, not the secret: a prefix of
 * SECRET_STORE_PREFIXES, a Secret Manager resource (`projects/acme/secrets/db/versions/1`) or an
 * Azure Key Vault secret URL (`https://kv.vault.azure.net/secrets/api-key`).
 */
function secretReference(u: usize, v: i32, e: i32): bool {
  if (startsWithListed(SECRET_STORE_PREFIXES, u, v, e)) return true;
  return (startsWith(u, v, e, "projects/") || startsWith(u, v, e, "https://")) && contains(u, v, e, "/secrets/");
}

function startsWith(u: usize, v: i32, e: i32, prefix: string): bool {
  if (e - v < prefix.length) return false;
  for (let j = 0; j < prefix.length; j++) if (<u32>prefix.charCodeAt(j) != unit(u, v + j)) return false;
  return true;
}

function contains(u: usize, v: i32, e: i32, part: string): bool {
  for (let i = v; i + part.length <= e; i++) if (startsWith(u, i, e, part)) return true;
  return false;
}

/**
 * How a path to a file begins, each between `|`: relative to the home or the working directory, or
 * under a root directory where keys and mounted secrets are kept. A token starts so with a chance
 * of about 2^-30 (`/etc/` in base64).
 */
const FILE_PATH_PREFIXES = "|file://|fileb://|~/|./|../|/etc/|/home/|/Users/|/root/|/run/|/var/|/usr/|/opt/|/tmp/|/srv/|/mnt/|/app/|/data/|/secrets/|/keys/|/certs/|/config/|/workspace/|";

/**
 * Whether the value [v, e) is the path of a file, which holds the secret or names it
 * (`github_key = "~/.ssh/github_ed25519"`, `api_key: /run/secrets/api_key`), not the secret.
 */
function filePath(u: usize, v: i32, e: i32): bool {
  return startsWithListed(FILE_PATH_PREFIXES, u, v, e);
}

/** Top-level domains a host named as a value ends with, each between `|` (see hostName). */
const HOST_TLDS = "|com|net|org|io|dev|app|cloud|ai|co|edu|gov|internal|local|localhost|";

/**
 * Whether the value [v, e) is a host's name: three or more labels of lower-case letters, digits
 * and `-`, joined by single `.`s, the last one of HOST_TLDS (`SERVICE_TOKEN =
 * 'sqladmin.googleapis.com'`, an audience or a service's name). A token is never all lower case
 * and dotted so; two labels may be a password (`hunter2.com`).
 */
function hostName(u: usize, v: i32, e: i32): bool {
  let dot = -1;
  let dots = 0;
  for (let i = v; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x2e) {
      if (i == v || i + 1 == e || unit(u, i - 1) == 0x2e) return false;
      dot = i;
      dots++;
    } else if (!isLower(c) && !isDigit(c) && c != 0x2d) return false;
  }
  return dots >= 2 && listed(HOST_TLDS, u, dot + 1, e - dot - 1, 0);
}

/** Whether the value [v, e) is a long flag's name (`PASSPHRASE_OPTION = "--with_passphrase"`). */
function flagName(u: usize, v: i32, e: i32): bool {
  if (e - v < 4 || unit(u, v) != 0x2d || unit(u, v + 1) != 0x2d || !isLower(unit(u, v + 2))) return false;
  for (let i = v + 3; i < e; i++) if (!isLower(unit(u, i)) && unit(u, i) != 0x2d && unit(u, i) != 0x5f) return false;
  return true;
}

/** PowerShell's approved verbs, each between `|` (`Get-Verb`), exact case (see cmdletName). */
const CMDLET_VERBS = "|Add|Clear|Close|Copy|Enter|Exit|Find|Format|Get|Hide|Join|Lock|Move|New|Open|Optimize|Pop|Push|Redo|Remove|Rename|Reset|Resize|Search|Select|Set|Show|Skip|Split|Step|Switch|Undo|Unlock|Watch|Connect|Disconnect|Read|Receive|Send|Write|Backup|Checkpoint|Compare|Compress|Convert|ConvertFrom|ConvertTo|Dismount|Edit|Expand|Export|Group|Import|Initialize|Limit|Merge|Mount|Out|Publish|Restore|Save|Sync|Unpublish|Update|Approve|Assert|Build|Complete|Confirm|Deny|Deploy|Disable|Enable|Install|Invoke|Register|Request|Restart|Resume|Start|Stop|Submit|Suspend|Uninstall|Unregister|Wait|Debug|Measure|Ping|Repair|Resolve|Test|Trace|Block|Grant|Protect|Revoke|Unblock|Unprotect|Use|";

/**
 * Whether the value [v, e) is a PowerShell cmdlet's name, an approved verb, `-` and a capitalised
 * noun (`$password = ConvertTo-SecureString "…" -AsPlainText`, `$pw = Read-Host -AsSecureString`):
 * the call that makes the value, not the value. Its noun's units are letters and digits, the last a
 * letter.
 */
function cmdletName(u: usize, v: i32, e: i32): bool {
  let d = v;
  while (d < e && isLetter(unit(u, d))) d++;
  if (d == v || d + 2 > e || unit(u, d) != 0x2d || !isUpper(unit(u, d + 1)) || !listed(CMDLET_VERBS, u, v, d - v, 0)) return false;
  for (let i = d + 1; i < e; i++) if (!isLetter(unit(u, i)) && !isDigit(unit(u, i))) return false;
  return !isDigit(unit(u, e - 1)); // `Get-EC2Instance` is one; `Get-Lost2024` ends as passwords do
}

/**
 * An XML element's value (`<password>…</password>`: the name, `>` and the value, with no quote or
 * space between) ends where its end tag begins: `<password>@proxy-host` in a URL template is
 * no password. True for every other operator (`=>` included).
 */
function elementClosed(u: usize, n: i32, v: i32, e: i32): bool {
  if (v < 2 || unit(u, v - 1) != 0x3e || unit(u, v - 2) == 0x3d || !isWord(unit(u, v - 2))) return true;
  return e < n && unit(u, e) == 0x3c;
}

/**
 * A subscript assigned an unquoted value (`data["password"] = sa_creds`, `$cfg['token'] = $t`): in
 * code, whose literals are quoted, the value is an expression. A `]` before v can only be the
 * subscript's (a key's units never include one), so the units from the match's start are read.
 */
function subscriptExpression(u: usize, s: i32, v: i32): bool {
  const q = unit(u, v - 1);
  if (q == 0x22 || q == 0x27 || q == 0x60) return false;
  for (let i = s; i < v; i++) if (unit(u, i) == 0x5d) return true;
  return false;
}

/** `key op value` (CHECK_ASSIGN): narrowed to the value, which passes the token gate. */
function assignment(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  const v = assignValue(u, s, e);
  // a quoted value that may hold spaces ends the match at its closing quote (cli_secret_flag's
  // `--password "two words 9"`): the value is what the quotes hold
  if (v > s && e - v >= 2 && quotedValue(u, s, e) == v) e--;
  if (v < 0 || placeholderValue(u, v, e) || codeReference(u, n, s, v, e) || workingDirectory(u, s, v) || !elementClosed(u, n, v, e) || subscriptExpression(u, s, v)) return false;
  if (!tokenGate(arg & 0x7fffffff, u, n, s, v, e) || ((arg & (1 << 31)) != 0 && wordBefore(u, s))) return false;
  // then what a value that passed its gate may still be: a value of a key about the secret, a
  // name, a description, a reference to a store or a file
  if (metadataKey(u, s, v) || credentialName(u, v, e) || proseValue(u, n, s, v, e) || secretReference(u, v, e) || filePath(u, v, e) || pgpFingerprint(u, s, v, e) || cmdletName(u, v, e) || flagName(u, v, e) || hostName(u, v, e)) return false;
  cS = v;
  cE = e;
  return true;
}

/**
 * A password given on a command line after a one-letter flag (CHECK_FLAG_VALUE): the match is the
 * command and its arguments (required context), then the flag and its value (`mysql -u root
 * -pS3cret`, `sshpass -p 'secret' ssh …`). Narrowed to the value, found from the end: the units
 * before it up to a space or a quote, less the flag when it is attached (`-pS3cret`, `/p:S3cret`).
 * (Not from the first flag: with two, `mysql -pA -pB`, the longest match ends on the second, the one the
 * client uses.) A placeholder (`$PASS`, `${PASS}`) or a credential's name (`-p your_password`,
 * wp-config-sample.php's `'password_here'`, see credentialName) is no password; the token gate
 * applies to the value. With `credential` (CHECK_FLAG_CREDENTIAL) the value is the part of
 * that argument after its first `:` (`-passin pass:S3cret`), and an argument without one is no
 * match.
 */
function flagValue(arg: u32, u: usize, n: i32, s: i32, e: i32, credential: bool): bool {
  if (!credential) {
    // a quoted value may hold spaces (`-p"my pass word"`, `sshpass -p 'two words'`): the match then
    // ends at its closing quote, which no unquoted value's does
    const q = quotedValue(u, s, e);
    if (q >= 0) {
      if (placeholderValue(u, q, e - 1) || !tokenGate(arg, u, n, s, q, e - 1) || credentialName(u, q, e - 1)) return false;
      cS = q;
      cE = e - 1;
      return true;
    }
  }
  let v = e;
  while (v > s) {
    const c = unit(u, v - 1);
    if (c == 0x20 || c == 0x09 || c == 0x22 || c == 0x27) break;
    v--;
  }
  if (credential) {
    // CHECK_FLAG_CREDENTIAL: the argument is `pass:secret` (OpenSSL's pass phrase arguments);
    // the secret is what follows its first `:`.
    while (v < e && unit(u, v) != 0x3a) v++;
    v++;
  } else {
    const quoted = v > s && (unit(u, v - 1) == 0x22 || unit(u, v - 1) == 0x27);
    // an attached flag (`-pS3cret`, snmpget's `-AS3cret`) or a Windows-style switch (`/p:S3cret`)
    if (!quoted && v + 2 < e && unit(u, v) == 0x2d && isLetter(unit(u, v + 1))) v += 2;
    else if (!quoted && v + 3 < e && unit(u, v) == 0x2f && isLower(unit(u, v + 1)) && unit(u, v + 2) == 0x3a) v += 3;
  }
  if (v <= s || v >= e || placeholderValue(u, v, e) || !tokenGate(arg, u, n, s, v, e) || credentialName(u, v, e)) return false;
  cS = v;
  return true;
}

/**
 * Where the quoted value that ends the match [s, e) at its closing quote starts (after the opening
 * quote, the nearest unit before e - 1 equal to the closing one), or -1 when the match does not end
 * with a quote, or has no opening one on its line before a tab. The value holds no quote of its kind.
 */
function quotedValue(u: usize, s: i32, e: i32): i32 {
  if (e - s < 3) return -1;
  const q = unit(u, e - 1);
  if (q != 0x22 && q != 0x27) return -1;
  let v = e - 2;
  while (v > s && unit(u, v) != q) {
    const c = unit(u, v);
    if (c == 0x0a || c == 0x0d || c == 0x09) return -1; // a value is one line, its words split by spaces
    v--;
  }
  return unit(u, v) == q && v < e - 2 ? v + 1 : -1;
}

/**
 * Words that make a phrase prose, not a pass phrase, lower case, each between `|`: articles,
 * pronouns, prepositions and the words of forms and messages (`"Enter your password"`, `"must be
 * at least 8 characters"`, `"required field"`, `"mot de passe"`). "my" is none: people put it in
 * pass phrases (`"my dog rex 2019"`), and a message with it names the password (`"my password"`).
 */
const PROSE_WORDS = "|a|an|the|your|you|to|for|of|in|on|at|by|as|is|are|be|been|was|were|must|should|will|can|cannot|not|no|please|enter|type|use|used|using|set|with|from|this|that|these|it|its|and|or|if|when|here|there|new|old|current|confirm|repeat|retype|reset|change|forgot|forgotten|invalid|incorrect|wrong|required|optional|missing|empty|field|user|username|login|account|email|password|passwords|passwd|passphrase|pass|secret|key|token|value|example|sample|placeholder|default|dummy|test|hidden|masked|characters|chars|length|least|minimum|maximum|min|max|match|matches|strong|weak|show|hide|de|la|le|du|der|die|das|het|il|el|";

/**
 * Whether the phrase [v, t) reads as prose, a message or a template rather than a pass phrase:
 * a unit outside ASCII (a form's label in another script), a final `.`, `?`, `:`, `,` or `;`, a
 * word of PROSE_WORDS (its letters, any case, before a closing punctuation), a word that starts
 * with `%` or `$` (`"%s %s"`, `"$USER pass"`), or sentence case: a capitalised first word and
 * only lower-case words after it (`"Mot de passe"`, `"Master password"`; `"Correct Horse Battery"`
 * and `"correct horse battery"` are pass phrases).
 */
function proseWords(u: usize, v: i32, t: i32): bool {
  const last = unit(u, t - 1);
  if (last == 0x2e || last == 0x3f || last == 0x3a || last == 0x2c || last == 0x3b) return true;
  let sentence = isUpper(unit(u, v));
  let a = v;
  let first = true;
  while (a < t) {
    let b = a;
    while (b < t && unit(u, b) != 0x20) {
      if (unit(u, b) >= 0x80) return true;
      b++;
    }
    const c = unit(u, a);
    if (c == 0x25 || c == 0x24) return true;
    let letters = a;
    while (letters < b && isLetter(unit(u, letters))) letters++;
    let rest = letters;
    while (rest < b && (unit(u, rest) == 0x21 || unit(u, rest) == 0x2c || unit(u, rest) == 0x2e || unit(u, rest) == 0x29)) rest++;
    if (letters > a && rest == b && listed(PROSE_WORDS, u, a, letters - a, 0x20)) return true;
    if (sentence) {
      // the first word: a capital, then lower case; every later one: lower case only
      for (let i = first ? a + 1 : a; i < b; i++) if (!isLower(unit(u, i))) { sentence = false; break; }
    }
    first = false;
    a = b + 1;
  }
  return sentence;
}

/**
 * A pass phrase (CHECK_PASSPHRASE): the match is a password's key, its operator and a quoted value
 * of two or more words (`password = "correct horse battery staple"`, `PASSWORD='my dog rex 2019'`,
 * `psk="home network 5g"`), narrowed to the words. The value passes the token gate and is neither
 * a placeholder nor prose (proseWords); the key names no metadata (`…_hint`, see metadataKey).
 */
function passphrase(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  const v = quotedValue(u, s, e);
  if (v < 0) return false;
  const t = e - 1;
  if (placeholderValue(u, v, t) || metadataKey(u, s, v) || !tokenGate(arg, u, n, s, v, t) || proseWords(u, v, t)) return false;
  cS = v;
  cE = t;
  return true;
}

/**
 * The value `echo` writes into a pipe (CHECK_ECHO_VALUE): the match starts with `echo`, blanks and
 * its flags (`-n`, `-e`), then the value, quoted (what the quotes hold) or a word (to a blank or the
 * pipe). Or it starts with `printf`, whose value is its format: one with a conversion (`'%s\n'
 * "$PW"`) is none. A final `\n` (printf's, `echo -e`'s) is not part of the value. A placeholder
 * (`$PASS`, `"$(cat f)"`), a credential's name (`your_password`) or one of its words alone (`echo
 * password | sudo -S …` in a manual) is no password. With `credential`
 * (CHECK_ECHO_CREDENTIAL) the value is `user:password` (chpasswd's lines), the password is the
 * part after its first `:`, and the command that ends the match must end there (one unit past it).
 */
function echoValue(arg: u32, u: usize, n: i32, s: i32, e: i32, credential: bool): bool {
  const printf = unit(u, s) == 0x70;
  let v = s + (printf ? 6 : 4);
  for (;;) {
    while (v < e && (unit(u, v) == 0x20 || unit(u, v) == 0x09)) v++;
    if (v + 1 < e && unit(u, v) == 0x2d && isLetter(unit(u, v + 1))) {
      while (v < e && unit(u, v) != 0x20 && unit(u, v) != 0x09) v++;
    } else break;
  }
  if (v >= e) return false;
  const q = unit(u, v);
  let t = v;
  if (q == 0x22 || q == 0x27) {
    v++;
    t = v;
    while (t < e && unit(u, t) != q) t++;
  } else while (t < e && unit(u, t) != 0x20 && unit(u, t) != 0x09 && unit(u, t) != 0x7c) t++;
  if (credential) {
    // the command (chpasswd) ends the match: not the start of another word
    if (e < n && isWord(unit(u, e))) return false;
    while (v < t && unit(u, v) != 0x3a) v++;
    v++;
  }
  if (t >= e || t <= v) return false;
  // printf's format: a conversion (`%s`) takes the value from an argument, which is no password here
  if (printf && hasUnitOf(u, v, t, "%")) return false;
  // the line's end (`\n`, for printf and `echo -e`) is not part of the value
  if (t - v >= 2 && unit(u, t - 2) == 0x5c && unit(u, t - 1) == 0x6e) t -= 2;
  if (t <= v) return false;
  if (placeholderValue(u, v, t) || credentialName(u, v, t) || listed(CREDENTIAL_WORDS, u, v, t - v, 0x20) || !tokenGate(arg, u, n, s, v, t)) return false;
  cS = v;
  cE = t;
  return true;
}

/**
 * Whether s starts its line: only blanks before it on the line, or a line number and a tab as `cat
 * -n` and `nl` print them (`     1\tdb:5432:…`). Reads at most 32 units back.
 */
function lineStart(u: usize, s: i32): bool {
  const stop = s > 32 ? s - 32 : 0;
  let p = blanksBefore(u, s, stop);
  if (p > stop && isDigit(unit(u, p - 1)) && hasUnitOf(u, p, s, "\t")) {
    while (p > stop && isDigit(unit(u, p - 1))) p--;
    while (p > stop && unit(u, p - 1) == 0x20) p--;
  }
  return p == 0 || unit(u, p - 1) == 0x0a || unit(u, p - 1) == 0x0d;
}

/**
 * A line of PostgreSQL's password file (CHECK_PGPASS, `~/.pgpass`, `PGPASSFILE`): five fields,
 * `host:port:database:user:password`, the line alone (lineStart; its end right after it), and
 * `\:` a colon inside a field. Narrowed to the password, which holds no other
 * colon (`/etc/passwd`'s seven fields are no match) and is no placeholder (`*`, `<password>`).
 */
function pgpassLine(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  if (!lineStart(u, s)) return false;
  if (e < n && unit(u, e) != 0x0a && unit(u, e) != 0x0d) return false;
  let fields = 0;
  let v = -1;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x5c) i++; // an escaped unit
    else if (c == 0x3a) {
      fields++;
      if (fields == 4) v = i + 1;
      else if (fields > 4) return false;
    }
  }
  if (v < 0 || v >= e || placeholderValue(u, v, e) || !tokenGate(arg, u, n, s, v, e)) return false;
  cS = v;
  return true;
}

/**
 * A PEM block (CHECK_PEM): its body holds a run of at least 32 base64 units, as every key's does
 * (64 a line). The markers quoted apart in code (`"-----BEGIN RSA PRIVATE KEY-----", "-----END RSA
 * PRIVATE KEY-----"`), in prose between them, or around a placeholder (`<key bytes>`) hold none.
 */
function pemBody(u: usize, s: i32, e: i32): bool {
  let run = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c) || isLetter(c) || c == 0x2b || c == 0x2f) {
      if (++run >= 32) return true;
    } else run = 0;
  }
  return false;
}

function urlPassword(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  // scheme "://" user ":" password "@"  (the match ends right after '@')
  let i = s;
  while (i + 2 < e && !(unit(u, i) == 0x3a && unit(u, i + 1) == 0x2f && unit(u, i + 2) == 0x2f)) i++;
  i += 3;
  while (i < e && unit(u, i) != 0x3a) i++;
  const p = i + 1;
  const q = e - 1;
  if (p >= q || unit(u, q) != 0x40) return false;
  if (placeholderValue(u, p, q)) return false;
  if (!tokenGate(arg & 0x3fffffff, u, n, s, p, q)) return false;
  cS = p;
  cE = q;
  return true;
}

/** `Basic <base64>`: the value decodes to printable text containing ':' (user:password). */
function basicAuth(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  const v = assignValue(u, s, e);
  if (v < 0) return false;
  let acc: u32 = 0;
  let bits: u32 = 0;
  let colon = false;
  let chars = 0;
  let pad = 0;
  for (let i = v; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x3d) { pad++; continue; }
    if (pad > 0) return false;
    let x: u32 = 0;
    if (isUpper(c)) x = c - 0x41;
    else if (isLower(c)) x = c - 0x61 + 26;
    else if (isDigit(c)) x = c - 0x30 + 52;
    else if (c == 0x2b) x = 62;
    else if (c == 0x2f) x = 63;
    else return false;
    chars++;
    acc = ((acc << 6) | x) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      const b = (acc >> bits) & 0xff;
      if (b == 0x3a) colon = true;
      else if (b < 0x20 || b == 0x7f) return false;
    }
  }
  if (!colon || (chars & 3) == 1 || pad > 2) return false;
  if (!tokenGate(arg & 0x3fffffff, u, n, s, v, e)) return false;
  cS = v;
  return true;
}

// ---- custom PII (policy `pii_redaction.custom`) ---------------------------------------------------------

// Argument (engine/compiler/custom-pii.ts customArg): bits 0-12 min length, 13-25 max length,
// 26-28 validator (0 none, 1 Luhn, 2 ISO 7064 MOD 97-10, 3 Verhoeff, 4 ISO 7064 MOD 11-2,
// 5 ISO 7064 MOD 11,10), 29-30 boundary (0 none, 1 word, 2 digit), 31 a context precedes the
// value (the span keeps only the value, from the head). Digit checksums (Luhn, Verhoeff, MOD 11-2
// with a final X, MOD 11,10) run over the value's digits, MOD 97-10 over its ASCII letters and
// digits; every other unit is skipped.

function alnumValue(c: u32): i32 {
  if (isDigit(c)) return <i32>(c - 0x30);
  if (isUpper(c)) return <i32>(c - 0x41 + 10);
  if (isLower(c)) return <i32>(c - 0x61 + 10);
  return -1;
}

function customChecksum(algo: u32, u: usize, s: i32, e: i32): bool {
  if (algo == 0) return true;
  let count = 0;
  if (algo == 1 || algo == 3) {
    // Luhn, Verhoeff: digits only, from the check digit (last) backwards
    let sum: u32 = 0;
    let c: u32 = 0;
    for (let i = e - 1; i >= s; i--) {
      const v = alnumValue(unit(u, i));
      if (v < 0 || v > 9) continue; // letters are not part of a digit checksum
      let d = <u32>v;
      if (algo == 1) {
        if ((count & 1) == 1) { d *= 2; if (d > 9) d -= 9; }
        sum += d;
      } else {
        const p = <u32>load<u8>(VP + <usize>((count & 7) * 10) + <usize>d);
        c = <u32>load<u8>(VD + <usize>(c * 10 + p));
      }
      count++;
    }
    return count >= 2 && (algo == 1 ? sum % 10 == 0 : c == 0);
  }
  if (algo == 2) {
    // ISO 7064 MOD 97-10: the value (letters A=10 … Z=35) is 1 modulo 97
    let rem: u32 = 0;
    for (let i = s; i < e; i++) {
      const v = alnumValue(unit(u, i));
      if (v < 0) continue;
      rem = v > 9 ? (rem * 100 + <u32>v) % 97 : (rem * 10 + <u32>v) % 97;
      count++;
    }
    return count >= 3 && rem == 1;
  }
  if (algo == 4) {
    // ISO 7064 MOD 11-2 (pure): digits, the check character may be X (10); Σ is 1 modulo 11
    let p: u32 = 0;
    let last = -1;
    for (let i = s; i < e; i++) { const v = alnumValue(unit(u, i)); if (v >= 0 && (v <= 9 || (unit(u, i) | 0x20) == 0x78)) last = i; }
    for (let i = s; i < e; i++) {
      const c = unit(u, i);
      let v = alnumValue(c);
      if (v < 0) continue;
      if (v > 9) { if (i != last || (c | 0x20) != 0x78) continue; v = 10; } // only a final X counts
      p = (p * 2 + <u32>v) % 11;
      count++;
    }
    return count >= 2 && p == 1;
  }
  if (algo == 5) {
    // ISO 7064 MOD 11,10 (hybrid): digits, the last is the check digit
    let product: u32 = 10;
    let prev: i32 = -1;
    for (let i = s; i < e; i++) {
      const v = alnumValue(unit(u, i));
      if (v < 0 || v > 9) continue;
      if (prev >= 0) {
        let sum = (<u32>prev + product) % 10;
        if (sum == 0) sum = 10;
        product = (sum * 2) % 11;
      }
      prev = v;
      count++;
    }
    const check = 11 - product;
    return count >= 2 && <u32>prev == (check == 10 ? 0 : check);
  }
  return false;
}

function custom(arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  const from = (arg & (1 << 31)) != 0 ? cHead : s;
  if (from < s || from >= e) return false;
  const len = e - from;
  if (len < <i32>(arg & 0x1fff) || len > <i32>((arg >> 13) & 0x1fff)) return false;
  const boundary = (arg >> 29) & 3;
  if (boundary != 0) {
    const word = boundary == 1;
    if (from == s && from > 0) { const c = unit(u, from - 1); if (word ? isWord(c) : isDigit(c)) return false; }
    if (e < n) { const c = unit(u, e); if (word ? isWord(c) : isDigit(c)) return false; }
  }
  if (!customChecksum((arg >> 26) & 7, u, from, e)) return false;
  cS = from;
  return true;
}

/**
 * Whether [s, e) is digits around one `.` and nothing else: a decimal number (`-122.4194155`, a
 * longitude), which `phone`'s pattern reads as `122.419` + `4155`. A phone number written with
 * dots has two (`415.555.0132`).
 */
function decimalNumber(u: usize, s: i32, e: i32): bool {
  let dots = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (c == 0x2e) dots++;
    else if (!isDigit(c)) return false;
  }
  return dots == 1;
}

/** Whether `commit/` or `commits/` ends right before s (reads eight units back). */
function afterCommitPath(u: usize, s: i32): bool {
  let p = s;
  if (p < 7 || unit(u, p - 1) != 0x2f) return false;
  p--;
  if (unit(u, p - 1) == 0x73) p--; // commits/
  return p >= 6 && startsWith(u, p - 6, p, "commit") && (p == 6 || !isLetter(unit(u, p - 7)));
}

/**
 * North-American phone numbers: no digit right before or after (the original's rule), no ASCII
 * letter touching a digit at either end, so the digit runs inside hex identifiers (commit hashes,
 * UUIDs) are not phone numbers (`call(555) 123-4567` still is: the match starts with `(`). The
 * NANP rule (area code and exchange start with 2-9) is not applied to a written-out number: the
 * original, and its users' fixtures, treat 555-123-4567 and 5551234567 as phone numbers. Bare
 * digits (ten, or eleven after a leading 1) are one only with an area code NANP allows (first
 * digit 2-9): such runs are mostly other numbers, and every Unix time in seconds from 2001 to
 * 2033 is ten digits starting with 1 (`10000000000` is none either); nor are the constants of
 * binary code (`2147483647`, `4294967295`), nor the numbers codeNumber names (impersonalNumber
 * tests both). Nor is either part of a decimal number (`7658962.8891432695`, `4192936109.5`), nor
 * a commit's short hash in a URL that happens to be all digits (`…/commit/3122052890`: one in a
 * hundred ten-digit hashes is).
 */
function phone(u: usize, n: i32, s: i32, e: i32): bool {
  if (e - s == 10 && unit(u, s) < 0x32 || impersonalNumber(u, n, s, e, false) || afterCommitPath(u, s)) return false;
  if (e - s == 11 && unit(u, s) == 0x31 && unit(u, s + 1) < 0x32 && !hasNonDigit(u, s, e)) return false;
  if (decimalNumber(u, s, e)) return false;
  if (e + 1 < n && unit(u, e) == 0x2e && isDigit(unit(u, e + 1)) && isDigit(unit(u, e - 1))) return false;
  if (!boundedBy(u, n, s, e, false)) return false;
  if (s > 0 && isDigit(unit(u, s)) && isWord(unit(u, s - 1))) return false;
  if (e < n && isDigit(unit(u, e - 1)) && isWord(unit(u, e))) return false;
  return true;
}

/**
 * True when `check` rejects every match starting at s, whatever its end: the scanner asks before
 * running the rule's anchored table (entities.ts tryRule), so a start the check would refuse costs
 * no forward scan. Only conditions the check itself tests, on units before s, units every match
 * from s must contain, or the unit right after a match whose length is fixed, so answers are the
 * same.
 */
export function rejectsStart(check: u32, u: usize, n: i32, s: i32): bool {
  if (check == CHECK_LUHN) {
    // boundedBy(word) before the start; then the issuer prefix is the first four digits of the
    // span, which are u[s..s+4) when those are digits (a shorter span has fewer than 13 digits).
    if (wordBefore(u, s)) return true;
    if (s + 4 > n) return false;
    const a = unit(u, s), b = unit(u, s + 1), c = unit(u, s + 2), d = unit(u, s + 3);
    if (!isDigit(a) || !isDigit(b) || !isDigit(c) || !isDigit(d)) return false;
    return !cardPrefixOf(a - 0x30, b - 0x30, c - 0x30, d - 0x30);
  }
  if (check == CHECK_IPV6) {
    if (s == 0) return false;
    const c = unit(u, s - 1);
    return isWord(c) || c == 0x3a || c == 0x2e;
  }
  if (check == CHECK_VIN) {
    // vin() accepts only a span of exactly 17 units with no word unit after it: the unit at s + 17
    // decides, before a run reads the 17 (every number of five or more digits is a candidate).
    return s + 17 > n || (s + 17 < n && isWord(unit(u, s + 17)));
  }
  return false;
}

/**
 * Whether checkMatch(check, arg, u, n, s, e) is false for every span whose next unit (u[e], e < n)
 * is an ASCII digit: each of these checks starts with a word or digit boundary at both ends
 * (boundedBy, groupBounded, phone's; a custom type with a boundary). In a table of numbers most
 * longest matches of the numeric family's members run into a digit (`123-45-67890`): the family
 * skips their checks (entities.ts tryFamily). Same answers, as families.test.ts shows against
 * per-rule runs, which call every check.
 */
export function refusesDigitAfter(check: u32, arg: u32): bool {
  if (check == CHECK_CUSTOM) return ((arg >> 29) & 3) != 0;
  // (not CHECK_LUHN: a card followed by a digit group may be accepted as its first 16 digits)
  return check == CHECK_WORD || check == CHECK_EMAIL || check == CHECK_DIGITS || check == CHECK_IPV4 || check == CHECK_SSN ||
    check == CHECK_ABA || check == CHECK_SIN || check == CHECK_ETH || check == CHECK_EIN || check == CHECK_ES_ID ||
    check == CHECK_AADHAAR || check == CHECK_CPF || check == CHECK_BSN || check == CHECK_ITIN || check == CHECK_NHS ||
    check == CHECK_DE_TAX || check == CHECK_FR_NIR || check == CHECK_FI_HETU || check == CHECK_PESEL || check == CHECK_AU_TFN ||
    check == CHECK_NPI || check == CHECK_CN_RIC || check == CHECK_SE_PNR || check == CHECK_ZA_ID || check == CHECK_AU_MEDICARE ||
    check == CHECK_PHONE;
}

/** Whether the match [s, e) of the units `u` (n of them) passes `check`; the accepted span is (cS, cE). */
export function checkMatch(check: u32, arg: u32, u: usize, n: i32, s: i32, e: i32): bool {
  cS = s;
  cE = e;
  if (check == CHECK_NONE) return true;
  if (check == CHECK_DIGITS) return boundedBy(u, n, s, e, false);
  if (check == CHECK_WORD) return boundedBy(u, n, s, e, true) && !(s > 0 && unit(u, s - 1) == 0x5c); // not an escape: `\U0001F600`
  if (check == CHECK_LUHN) return card(u, n, s, e);
  if (check == CHECK_IPV4) return boundedBy(u, n, s, e, true) && ipv4(u, s, e) && !dottedRun(u, n, s, e) && !productVersion(u, s) && !selfAddress4(u, s, e) && !versionContext(u, n, s, e) && !cidrNetwork(u, n, s, e);
  if (check == CHECK_EMAIL) return email(u, n, s, e);
  if (check == CHECK_SSN) return boundedBy(u, n, s, e, true) && ssn(u, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_IBAN) return iban(u, n, s, e);
  if (check == CHECK_IPV6) return ipv6(u, n, s, e);
  if (check == CHECK_MAC) return mac(u, n, s, e);
  if (check == CHECK_ABA) return aba(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_NINO) return nino(u, n, s, e);
  if (check == CHECK_SIN) return sin(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_BTC) return btc(u, n, s, e);
  if (check == CHECK_ETH) return eth(u, n, s, e);
  if (check == CHECK_DOB) return dob(u, n, s, e);
  if (check == CHECK_EIN) return ein(u, n, s, e);
  if (check == CHECK_ES_ID) return esId(u, n, s, e);
  if (check == CHECK_IT_CF) return itCf(u, n, s, e);
  if (check == CHECK_IN_PAN) return inPan(u, n, s, e);
  if (check == CHECK_AADHAAR) return aadhaar(u, n, s, e);
  if (check == CHECK_CPF) return cpf(u, n, s, e);
  if (check == CHECK_BSN) return bsn(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_E164) return e164(u, n, s, e);
  if (check == CHECK_UK_POSTCODE) return ukPostcode(u, n, s, e);
  if (check == CHECK_ZIP4) return zip4(u, n, s, e);
  if (check == CHECK_VIN) return vin(u, n, s, e);
  if (check == CHECK_ITIN) return itin(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_NHS) return nhs(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_DE_TAX) return deTax(u, n, s, e);
  if (check == CHECK_FR_NIR) return frNir(u, n, s, e);
  if (check == CHECK_SG_NRIC) return sgNric(u, n, s, e);
  if (check == CHECK_FI_HETU) return fiHetu(u, n, s, e);
  if (check == CHECK_PESEL) return pesel(u, n, s, e);
  if (check == CHECK_AU_TFN) return auTfn(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_NPI) return npi(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_CN_RIC) return cnRic(u, n, s, e);
  if (check == CHECK_SE_PNR) return sePnr(u, n, s, e);
  if (check == CHECK_ZA_ID) return zaId(u, n, s, e);
  if (check == CHECK_AU_MEDICARE) return auMedicare(u, n, s, e) && !impersonalNumber(u, n, s, e, true);
  if (check == CHECK_TOKEN) return tokenGate(arg, u, n, s, s, e);
  if (check == CHECK_GITHUB) return tokenGate(arg, u, n, s, s, e) && githubChecksum(u, s, e);
  if (check == CHECK_ASSIGN) return assignment(arg, u, n, s, e);
  if (check == CHECK_TOKEN_TRIMMED || check == CHECK_ASSIGN_TRIMMED || check == CHECK_ASSIGN_MIXED || check == CHECK_HEADER_CREDENTIAL) {
    // A `.` that ends the match ends the sentence: these rules' tokens never end with one.
    // (Written into their patterns instead, `x+(?:\.+x+)*` split a token's run of one class at
    // every `.`, and the runs could no longer jump: 20 units of work per unit on their walks.)
    let t = e;
    while (t > s && unit(u, t - 1) == 0x2e) t--;
    cE = t;
    if (check == CHECK_TOKEN_TRIMMED) return tokenGate(arg, u, n, s, s, t);
    // (`AWS4-HMAC-SHA256 Credential=…, Signature=…` names a signing scheme: its parts are found by
    // their own rules)
    if (check == CHECK_HEADER_CREDENTIAL) return flagValue(arg, u, n, s, t, false) && digitAndLetter(u, cS, t) && !contains(u, cS, t, "-HMAC-SHA");
    return assignment(arg, u, n, s, t) && (check == CHECK_ASSIGN_TRIMMED || digitAndLetter(u, cS, t));
  }
  if (check == CHECK_URL_PASSWORD) return urlPassword(arg, u, n, s, e);
  if (check == CHECK_FLAG_VALUE || check == CHECK_FLAG_CREDENTIAL) return flagValue(arg, u, n, s, e, check == CHECK_FLAG_CREDENTIAL);
  if (check == CHECK_BASIC_AUTH) return basicAuth(arg, u, n, s, e);
  if (check == CHECK_CUSTOM) return custom(arg, u, n, s, e);
  if (check == CHECK_PHONE) return phone(u, n, s, e);
  if (check == CHECK_PEM) return pemBody(u, s, e);
  if (check == CHECK_PASSPHRASE) return passphrase(arg, u, n, s, e);
  if (check == CHECK_ECHO_VALUE) return echoValue(arg, u, n, s, e, false);
  if (check == CHECK_PGPASS) return pgpassLine(arg, u, n, s, e);
  if (check == CHECK_ECHO_CREDENTIAL) return echoValue(arg, u, n, s, e, true);
  return false;
}
