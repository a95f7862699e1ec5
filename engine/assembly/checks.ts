// Exact checks applied to a pattern's match (UTF-16 units, [s, e)) before it counts (the DFA finds the shape; these
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

function unit(u: usize, i: i32): u32 {
  return <u32>load<u16>(u + (<usize>i << 1));
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

/** Visa 4, Mastercard 51-55, Amex 34/37, Discover 6011/65: the original's issuers. */
function cardPrefix(u: usize, s: i32, e: i32): bool {
  let v: u32 = 0;
  let k = 0;
  for (let i = s; i < e && k < 4; i++) {
    const c = unit(u, i);
    if (isDigit(c)) { v = v * 10 + (c - 0x30); k++; }
  }
  const d1 = v / 1000;
  const d2 = v / 100;
  return d1 == 4 || (d2 >= 51 && d2 <= 55) || d2 == 34 || d2 == 37 || v == 6011 || d2 == 65;
}

function luhn(u: usize, s: i32, e: i32): bool {
  if (!cardPrefix(u, s, e)) return false;
  let sum: u32 = 0;
  let digits: u32 = 0;
  let double = false;
  for (let i = e - 1; i >= s; i--) {
    const c = unit(u, i);
    if (!isDigit(c)) continue;
    let d = c - 0x30;
    if (double) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
    double = !double;
    digits++;
  }
  return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

function ipv4(u: usize, s: i32, e: i32): bool {
  let octet: u32 = 0;
  let digits = 0;
  let parts = 0;
  for (let i = s; i <= e; i++) {
    const c = i < e ? unit(u, i) : 0x2e;
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

function ssn(u: usize, s: i32, e: i32): bool {
  // Collect the 9 digits (separators were fixed by the pattern).
  let v: u64 = 0;
  let digits = 0;
  for (let i = s; i < e; i++) {
    const c = unit(u, i);
    if (isDigit(c)) { v = v * 10 + <u64>(c - 0x30); digits++; }
  }
  if (digits != 9) return false;
  const area = <u32>(v / 1000000);
  const group = <u32>((v / 10000) % 100);
  const serial = <u32>(v % 10000);
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

/** Whether the match [s, e) of the units `u` (n of them) passes `check`. */
export function checkMatch(check: u32, u: usize, n: i32, s: i32, e: i32): bool {
  if (check == CHECK_NONE) return true;
  if (check == CHECK_DIGITS) return boundedBy(u, n, s, e, false);
  if (!boundedBy(u, n, s, e, true)) return false;
  if (check == CHECK_LUHN) return luhn(u, s, e);
  if (check == CHECK_IPV4) return ipv4(u, s, e);
  if (check == CHECK_SSN) return ssn(u, s, e);
  return true;
}
