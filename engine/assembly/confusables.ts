// Identifier folding for names the policy matches (tools, rate-limit keys, domains): case folding,
// plus the look-alike spellings an agent could use to dodge a deny list: full-width ASCII,
// the long s, dotless i, Cyrillic/Greek letters that render like Latin ones, and every other
// character the evasion defences fold to one ASCII character. The folded form is only ever
// compared, never shown.
import { foldCp, decodeAt, dCp, dLen, encodeAt } from "./text";
import { asciiOfCp } from "./unicode-fold";

/** Cyrillic and Greek lower-case letters that render like a Latin letter, as pairs. */
const SKELETON: StaticArray<u32> = [
  0x0430, 0x61, 0x0432, 0x62, 0x0435, 0x65, 0x043e, 0x6f, 0x0440, 0x70, 0x0441, 0x63, 0x0443, 0x79,
  0x0445, 0x78, 0x0456, 0x69, 0x0458, 0x6a, 0x0455, 0x73, 0x04bb, 0x68, 0x04cf, 0x6c, 0x0501, 0x64,
  0x051b, 0x71, 0x051d, 0x77, 0x0261, 0x67, 0x03b1, 0x61, 0x03b5, 0x65, 0x03b9, 0x69, 0x03ba, 0x6b,
  0x03bd, 0x76, 0x03bf, 0x6f, 0x03c1, 0x70, 0x03c4, 0x74, 0x03c5, 0x75, 0x03c7, 0x78, 0x0131, 0x69,
  0x017f, 0x73,
];

export function foldNameCp(c: u32): u32 {
  if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0; // full-width ASCII
  const original = c;
  c = foldCp(c);
  if (c < 0x80) return c;
  for (let i = 0; i < SKELETON.length; i += 2) if (unchecked(SKELETON[i]) == c) return unchecked(SKELETON[i + 1]);
  // Any other character the evasion defences read as one ASCII character (unicode-fold.ts:
  // precomposed letters, confusables' look-alikes such as Armenian ս or Cherokee Ꮪ, digits of
  // other scripts), as itself or as its lower case, then case-folded.
  let a = asciiOfCp(original);
  if (a == 0) a = asciiOfCp(c);
  return a != 0 ? foldCp(a) : c;
}

/**
 * Folds UTF-8 [src, src+len) into dst (4*len bytes); returns the folded length. Case only, or
 * also look-alikes (for everything that restricts; never for allow lists, see names.ts).
 */
export function foldName(src: usize, len: usize, dst: usize, lookalikes: bool): usize {
  const end = src + len;
  let p = src;
  let q = dst;
  while (p < end) {
    decodeAt(p, end);
    p += dLen;
    q += encodeAt(q, lookalikes ? foldNameCp(dCp) : foldCp(dCp));
  }
  return q - dst;
}

/** Marks and selectors that change nothing visible, or only decorate: never part of a tool name. */
export function isInvisibleModifier(c: u32): bool {
  return (c >= 0x0300 && c <= 0x036f) || (c >= 0x1ab0 && c <= 0x1aff) || (c >= 0x1dc0 && c <= 0x1dff) ||
    (c >= 0x20d0 && c <= 0x20ff) || (c >= 0xfe20 && c <= 0xfe2f) || (c >= 0xfe00 && c <= 0xfe0f) ||
    (c >= 0xe0000 && c <= 0xe01ef) || c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x3164 || c == 0xffa0;
}
