// Exact checks applied to a pattern's match before it counts (the DFA finds the shape; these
// decide validity): word boundaries, Luhn for cards, IPv4 octet ranges, SSN area/group/serial.
export const CHECK_NONE: u32 = 0;
export const CHECK_WORD: u32 = 1; // no letter, digit or '_' right before or after the match
export const CHECK_LUHN: u32 = 2; // word boundaries + issuer prefix + Luhn checksum over 13-19 digits
export const CHECK_IPV4: u32 = 3; // word boundaries + four octets 0-255
export const CHECK_SSN: u32 = 4; // word boundaries + area not 000/666/9xx, group not 00, serial not 0000
export const CHECK_DIGITS: u32 = 5; // no digit right before or after the match
export const CHECK_MAX: u32 = 5;

function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

function isWord(c: u32): bool {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

function boundedBy(text: usize, len: usize, s: usize, e: usize, word: bool): bool {
  if (s > 0) {
    const c = <u32>load<u8>(text + s - 1);
    if (word ? isWord(c) : isDigit(c)) return false;
  }
  if (e < len) {
    const c = <u32>load<u8>(text + e);
    if (word ? isWord(c) : isDigit(c)) return false;
  }
  return true;
}

/** Visa 4, Mastercard 51-55, Amex 34/37, Discover 6011/65: the original's issuers. */
function cardPrefix(p: usize, n: usize): bool {
  let v: u32 = 0;
  let k = 0;
  for (let i: usize = 0; i < n && k < 4; i++) {
    const c = <u32>load<u8>(p + i);
    if (isDigit(c)) { v = v * 10 + (c - 0x30); k++; }
  }
  const d1 = v / 1000;
  const d2 = v / 100;
  return d1 == 4 || (d2 >= 51 && d2 <= 55) || d2 == 34 || d2 == 37 || v == 6011 || d2 == 65;
}

function luhn(p: usize, n: usize): bool {
  if (!cardPrefix(p, n)) return false;
  let sum: u32 = 0;
  let digits: u32 = 0;
  let double = false;
  for (let i = <isize>n - 1; i >= 0; i--) {
    const c = <u32>load<u8>(p + <usize>i);
    if (!isDigit(c)) continue;
    let d = c - 0x30;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
    digits++;
  }
  return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

function ipv4(p: usize, n: usize): bool {
  let octet: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i: usize = 0; i <= n; i++) {
    const c = i < n ? <u32>load<u8>(p + i) : 0x2e;
    if (c == 0x2e) {
      if (digits == 0 || octet > 255) return false;
      parts++;
      octet = 0;
      digits = 0;
    } else if (isDigit(c)) {
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (digits > 3) return false;
    } else return false;
  }
  return parts == 4;
}

function ssn(p: usize, n: usize): bool {
  // Collect the 9 digits (separators were fixed by the pattern).
  let v: u64 = 0;
  let digits = 0;
  for (let i: usize = 0; i < n; i++) {
    const c = <u32>load<u8>(p + i);
    if (isDigit(c)) { v = v * 10 + <u64>(c - 0x30); digits++; }
  }
  if (digits != 9) return false;
  const area = <u32>(v / 1000000);
  const group = <u32>((v / 10000) % 100);
  const serial = <u32>(v % 10000);
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

/** Whether the match [s, e) (byte offsets) of `text` passes `check`. */
export function checkMatch(check: u32, text: usize, len: usize, s: usize, e: usize): bool {
  if (check == CHECK_NONE) return true;
  if (check == CHECK_DIGITS) return boundedBy(text, len, s, e, false);
  if (!boundedBy(text, len, s, e, true)) return false;
  if (check == CHECK_LUHN) return luhn(text + s, e - s);
  if (check == CHECK_IPV4) return ipv4(text + s, e - s);
  if (check == CHECK_SSN) return ssn(text + s, e - s);
  return true;
}
