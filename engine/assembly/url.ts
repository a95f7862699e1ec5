// Finds URLs anywhere in a string and extracts their host the way a WHATWG URL parser (what
// fetch() uses) would see it, so that the tricks that defeated the original cannot hide a host:
// upper-case schemes, `user@host`, extra slashes and backslashes, percent-encoded hosts, numeric
// IPv4 forms (0x7f.1, 2130706433), IPv6 literals, full-width dots and Unicode (IDN) labels.
// The normalised host is ASCII: lower case, IDN labels in punycode (`xn--`), no trailing dot.
import { decodeAt, dCp, dLen, foldCp, encodeAt } from "./text";
import { scratchAlloc } from "./memory";

export let uHost: usize = 0;
export let uHostLen: usize = 0;
export let uStart: usize = 0; // byte offset of the raw host in the text
export let uEnd: usize = 0;
export let uNext: usize = 0; // where to continue searching

function isSchemeChar(c: u32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2b || c == 0x2d || c == 0x2e;
}

/** Characters that end an authority: WHATWG delimiters, whitespace, and text punctuation around URLs. */
function endsAuthority(c: u32): bool {
  return c <= 0x20 || c == 0x2f || c == 0x5c || c == 0x3f || c == 0x23 || c == 0x22 || c == 0x27 ||
    c == 0x3c || c == 0x3e || c == 0x60 || c == 0x7b || c == 0x7d || c == 0x7c || c == 0x5e || c == 0x7f;
}

function hexVal(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

/** Lower-cased scheme [s, e) is one of WHATWG's special schemes that take a host after any slashes. */
function isSpecialScheme(text: usize, s: usize, e: usize): bool {
  const n = e - s;
  const c0 = <u32>load<u8>(text + s) | 0x20;
  const c1 = n > 1 ? <u32>load<u8>(text + s + 1) | 0x20 : 0;
  const c2 = n > 2 ? <u32>load<u8>(text + s + 2) | 0x20 : 0;
  const c3 = n > 3 ? <u32>load<u8>(text + s + 3) | 0x20 : 0;
  const c4 = n > 4 ? <u32>load<u8>(text + s + 4) | 0x20 : 0;
  if (n == 4 && c0 == 0x68 && c1 == 0x74 && c2 == 0x74 && c3 == 0x70) return true; // http
  if (n == 5 && c0 == 0x68 && c1 == 0x74 && c2 == 0x74 && c3 == 0x70 && c4 == 0x73) return true; // https
  if (n == 2 && c0 == 0x77 && c1 == 0x73) return true; // ws
  if (n == 3 && c0 == 0x77 && c1 == 0x73 && c2 == 0x73) return true; // wss
  if (n == 3 && c0 == 0x66 && c1 == 0x74 && c2 == 0x70) return true; // ftp
  return false;
}

/**
 * Finds the next URL at or after byte `from`. Sets uHost/uHostLen/uStart/uEnd/uNext.
 * A URL is `scheme:` followed by `//` or `\\` (any scheme, any case), `scheme:` of a special
 * scheme (http, https, ws, wss, ftp) followed by any run of slashes, including none — WHATWG
 * parsers read `https:evil.com` as host evil.com —, or `//host` at the start of a value.
 */
export function nextUrl(text: usize, len: usize, from: usize): bool {
  let i = from;
  while (true) {
    let a: usize = 0; // authority start
    let found = false;
    if (i == 0 && len >= 2 && load<u8>(text) == 0x2f && load<u8>(text + 1) == 0x2f) { a = 2; found = true; }
    while (!found && i < len) {
      if (load<u8>(text + i) == 0x3a) {
        const next = i + 1 < len ? <u32>load<u8>(text + i + 1) : 0;
        const next2 = i + 2 < len ? <u32>load<u8>(text + i + 2) : 0;
        let s = i;
        while (s > 0 && isSchemeChar(<u32>load<u8>(text + s - 1))) s--;
        const slashes = (next == 0x2f || next == 0x5c) && (next2 == 0x2f || next2 == 0x5c);
        if (slashes || (s < i && isSpecialScheme(text, s, i))) { a = i + 1; found = true; break; }
      }
      i++;
    }
    if (!found) return false;
    i = a;
    // Slashes or backslashes before the host are skipped by WHATWG parsers.
    while (a < len && (load<u8>(text + a) == 0x2f || load<u8>(text + a) == 0x5c)) a++;
    let e = a;
    while (e < len && !endsAuthority(<u32>load<u8>(text + e))) e++;
    uNext = e > i ? e : i + 1;
    // The host follows the last '@' (user info, the classic `trusted.com@evil.com` trick).
    let h = a;
    for (let k = a; k < e; k++) if (load<u8>(text + k) == 0x40) h = k + 1;
    let hEnd = e;
    if (h < e && load<u8>(text + h) == 0x5b) {
      let k = h;
      while (k < e && load<u8>(text + k) != 0x5d) k++;
      hEnd = k < e ? k + 1 : e;
    } else {
      for (let k = h; k < e; k++) if (load<u8>(text + k) == 0x3a) { hEnd = k; break; }
    }
    // Drop punctuation that text puts after a URL ("see http://a.com, or …").
    while (hEnd > h) {
      const c = <u32>load<u8>(text + hEnd - 1);
      if (c == 0x2c || c == 0x3b || c == 0x29 || c == 0x21 || c == 0x2a) hEnd--; else break;
    }
    if (hEnd > h && normalizeHost(text + h, hEnd - h)) {
      uStart = h;
      uEnd = hEnd;
      return true;
    }
    i = uNext;
    if (i >= len) return false;
  }
  return false;
}

/** Writes the normalised host of raw bytes [p, p+n) into scratch (uHost/uHostLen). */
function normalizeHost(p: usize, n: usize): bool {
  const buf = scratchAlloc(n * 8 + 64);
  if (buf == 0) return false;
  // 1. Percent-decode (WHATWG decodes the host before anything else).
  const dec = scratchAlloc(n);
  let dn: usize = 0;
  for (let k: usize = 0; k < n; k++) {
    const c = <u32>load<u8>(p + k);
    if (c == 0x25 && k + 2 < n && hexVal(<u32>load<u8>(p + k + 1)) >= 0 && hexVal(<u32>load<u8>(p + k + 2)) >= 0) {
      store<u8>(dec + dn, (hexVal(<u32>load<u8>(p + k + 1)) << 4) | hexVal(<u32>load<u8>(p + k + 2)));
      k += 2;
    } else {
      store<u8>(dec + dn, c);
    }
    dn++;
  }
  if (dn > 0 && load<u8>(dec) == 0x5b) return normalizeIpv6(dec, dn, buf);
  // 2. Fold case and map the IDNA full stops (U+3002, U+FF0E, U+FF61) to '.', label by label,
  //    punycoding labels that are not ASCII.
  const cps = scratchAlloc(dn * 4 + 4);
  let out: usize = 0;
  let k: usize = 0;
  while (true) {
    let nc: usize = 0;
    let ascii = true;
    let sawDot = false;
    while (k < dn) {
      decodeAt(dec + k, dec + dn);
      let c = dCp;
      k += dLen;
      if (c == 0x3002 || c == 0xff0e || c == 0xff61) c = 0x2e;
      if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0; // UTS-46 maps full-width ASCII to ASCII
      if (c == 0x2e) { sawDot = true; break; }
      c = foldCp(c);
      if (c == 0xad || c == 0x200b || c == 0x200c || c == 0x200d || c == 0x2060 || c == 0xfeff) continue; // IDNA maps these to nothing
      if (c >= 0x80) ascii = false;
      store<u32>(cps + nc * 4, c);
      nc++;
    }
    if (ascii) {
      for (let j: usize = 0; j < nc; j++) store<u8>(buf + out + j, <u8>load<u32>(cps + j * 4));
      out += nc;
    } else {
      out += punycodeLabel(cps, nc, buf + out);
    }
    if (!sawDot) break;
    store<u8>(buf + out, 0x2e);
    out++;
  }
  while (out > 0 && load<u8>(buf + out - 1) == 0x2e) out--; // trailing dot: same host
  if (out == 0) return false;
  uHost = buf;
  uHostLen = out;
  maybeIpv4();
  return true;
}

// ---- IPv4: WHATWG accepts 1-4 parts in decimal, octal (leading 0) or hex (0x); the last part
// fills the remaining bytes. `0x7f.1` and `2130706433` are both 127.0.0.1.
function maybeIpv4(): void {
  const p = uHost;
  const n = uHostLen;
  let parts = 0;
  let value: u64 = 0;
  let last: u64 = 0;
  let k: usize = 0;
  let vals = scratchAlloc(40);
  if (vals == 0) return;
  while (k <= n) {
    if (parts == 4) return;
    let radix: u64 = 10;
    let s = k;
    if (s + 1 < n && load<u8>(p + s) == 0x30 && (load<u8>(p + s + 1) | 0x20) == 0x78) { radix = 16; s += 2; }
    else if (s + 1 < n && load<u8>(p + s) == 0x30 && load<u8>(p + s + 1) != 0x2e) { radix = 8; s += 1; }
    let v: u64 = 0;
    let e = s;
    while (e < n && load<u8>(p + e) != 0x2e) {
      const d = hexVal(<u32>load<u8>(p + e));
      if (d < 0 || <u64>d >= radix) return;
      v = v * radix + <u64>d;
      if (v > 0xffffffff) return;
      e++;
    }
    if (e == s && radix != 16 && !(radix == 8)) return; // empty part: not an IPv4 address
    store<u64>(vals + <usize>parts * 8, v);
    parts++;
    k = e + 1;
    if (e >= n) break;
  }
  if (parts == 0) return;
  for (let j = 0; j < parts - 1; j++) {
    const v = load<u64>(vals + <usize>j * 8);
    if (v > 255) return;
    value = (value << 8) | v;
  }
  last = load<u64>(vals + <usize>(parts - 1) * 8);
  const restBits = <u64>(8 * (5 - parts));
  if (parts < 4 && last >= (<u64>1 << restBits)) return;
  if (parts == 4 && last > 255) return;
  value = (value << restBits) | last;
  if (value > 0xffffffff) return;
  let o: usize = 0;
  for (let j = 3; j >= 0; j--) {
    o += writeDec(uHost + o, <u32>((value >> (<u64>j * 8)) & 0xff));
    if (j > 0) { store<u8>(uHost + o, 0x2e); o++; }
  }
  uHostLen = o;
}

function writeDec(p: usize, v: u32): usize {
  if (v >= 100) { store<u8>(p, 0x30 + v / 100); store<u8>(p + 1, 0x30 + (v / 10) % 10); store<u8>(p + 2, 0x30 + v % 10); return 3; }
  if (v >= 10) { store<u8>(p, 0x30 + v / 10); store<u8>(p + 1, 0x30 + v % 10); return 2; }
  store<u8>(p, 0x30 + v);
  return 1;
}

// ---- IPv6: parse `[...]` into 8 groups and print it the WHATWG way (lower-case hex, the first
// longest run of two or more zero groups compressed to `::`). Unparseable literals are kept
// verbatim (lower-cased), which no allow list matches.
function normalizeIpv6(p: usize, n: usize, buf: usize): bool {
  const g = scratchAlloc(16);
  let count = 0;
  let compress = -1;
  let k: usize = 1;
  const end = load<u8>(p + n - 1) == 0x5d ? n - 1 : n;
  let ok = end > 1;
  if (ok && load<u8>(p + k) == 0x3a) {
    if (k + 1 < end && load<u8>(p + k + 1) == 0x3a) { k += 2; compress = 0; } else ok = false;
  }
  while (ok && k < end) {
    if (count == 8) { ok = false; break; }
    if (load<u8>(p + k) == 0x3a) {
      if (compress >= 0) { ok = false; break; }
      k++; compress = count; continue;
    }
    let v: u32 = 0;
    let digits = 0;
    while (k < end && digits < 4 && hexVal(<u32>load<u8>(p + k)) >= 0) { v = v * 16 + <u32>hexVal(<u32>load<u8>(p + k)); k++; digits++; }
    if (digits == 0) { ok = false; break; }
    if (k < end && load<u8>(p + k) == 0x2e) {
      // Embedded IPv4 in the last 32 bits: back up and parse dotted decimal.
      k -= <usize>digits;
      if (count > 6) { ok = false; break; }
      let parts = 0;
      while (k < end) {
        let x: u32 = 0; let nd = 0;
        while (k < end && load<u8>(p + k) >= 0x30 && load<u8>(p + k) <= 0x39) { x = x * 10 + (<u32>load<u8>(p + k) - 0x30); k++; nd++; if (x > 255) break; }
        if (nd == 0 || x > 255) { ok = false; break; }
        if ((parts & 1) == 0) store<u16>(g + <usize>count * 2, <u16>(x << 8)); else { store<u16>(g + <usize>count * 2, load<u16>(g + <usize>count * 2) | <u16>x); count++; }
        parts++;
        if (k < end) { if (load<u8>(p + k) != 0x2e || parts == 4) { ok = false; break; } k++; }
      }
      if (parts != 4) ok = false;
      break;
    }
    store<u16>(g + <usize>count * 2, <u16>v);
    count++;
    if (k < end) {
      if (load<u8>(p + k) != 0x3a) { ok = false; break; }
      k++;
      if (k == end) { ok = false; break; }
    }
  }
  if (ok && compress >= 0) {
    const move = count - compress;
    for (let j = 0; j < move; j++) store<u16>(g + <usize>(7 - j) * 2, load<u16>(g + <usize>(count - 1 - j) * 2));
    for (let j = compress; j < 8 - move; j++) store<u16>(g + <usize>j * 2, 0);
  } else if (ok && count != 8) ok = false;
  if (!ok) {
    for (let j: usize = 0; j < n; j++) store<u8>(buf + j, <u8>foldCp(<u32>load<u8>(p + j)));
    uHost = buf; uHostLen = n;
    return true;
  }
  // IPv4-mapped (::ffff:a.b.c.d) is the IPv4 host itself: compare it as one, or deny lists miss it.
  let mapped = load<u16>(g + 10) == 0xffff;
  for (let j = 0; j < 5; j++) if (load<u16>(g + <usize>j * 2) != 0) mapped = false;
  if (mapped) {
    let o: usize = 0;
    for (let j = 12; j < 16; j++) {
      o += writeDec(buf + o, <u32>load<u8>(g + <usize>(j ^ 1)));
      if (j < 15) { store<u8>(buf + o, 0x2e); o++; }
    }
    uHost = buf;
    uHostLen = o;
    return true;
  }
  // Longest run of zero groups (length >= 2), first one on ties.
  let bestS = -1, bestL = 1, runS = -1;
  for (let j = 0; j <= 8; j++) {
    if (j < 8 && load<u16>(g + <usize>j * 2) == 0) { if (runS < 0) runS = j; }
    else if (runS >= 0) { if (j - runS > bestL) { bestS = runS; bestL = j - runS; } runS = -1; }
  }
  let o: usize = 0;
  store<u8>(buf, 0x5b); o = 1;
  let j = 0;
  while (j < 8) {
    if (j == bestS) { store<u8>(buf + o, 0x3a); o++; if (j == 0) { store<u8>(buf + o, 0x3a); o++; } j += bestL; continue; }
    const v = <u32>load<u16>(g + <usize>j * 2);
    let started = false;
    for (let sh = 12; sh >= 0; sh -= 4) {
      const d = (v >> <u32>sh) & 0xf;
      if (d != 0 || started || sh == 0) { store<u8>(buf + o, d < 10 ? 0x30 + d : 0x57 + d); o++; started = true; }
    }
    j++;
    if (j < 8) { store<u8>(buf + o, 0x3a); o++; }
  }
  store<u8>(buf + o, 0x5d); o++;
  uHost = buf;
  uHostLen = o;
  return true;
}

// ---- Punycode (RFC 3492) encoding of one label of code points, prefixed with `xn--`.
function adapt(delta: u32, numPoints: u32, first: bool): u32 {
  delta = first ? delta / 700 : delta >> 1;
  delta += delta / numPoints;
  let k: u32 = 0;
  while (delta > 455) { delta /= 35; k += 36; }
  return k + (36 * delta) / (delta + 38);
}

function digit(d: u32): u8 {
  return <u8>(d < 26 ? 0x61 + d : 0x30 + d - 26);
}

function punycodeLabel(cps: usize, n: usize, out: usize): usize {
  let o: usize = 0;
  store<u8>(out, 0x78); store<u8>(out + 1, 0x6e); store<u8>(out + 2, 0x2d); store<u8>(out + 3, 0x2d);
  o = 4;
  let basic: u32 = 0;
  for (let j: usize = 0; j < n; j++) {
    const c = load<u32>(cps + j * 4);
    if (c < 0x80) { store<u8>(out + o, <u8>c); o++; basic++; }
  }
  let h = basic;
  if (basic > 0) { store<u8>(out + o, 0x2d); o++; }
  let m: u32 = 0x80, delta: u32 = 0, bias: u32 = 72;
  while (<usize>h < n) {
    let next: u32 = 0x7fffffff;
    for (let j: usize = 0; j < n; j++) { const c = load<u32>(cps + j * 4); if (c >= m && c < next) next = c; }
    delta += (next - m) * (h + 1);
    m = next;
    for (let j: usize = 0; j < n; j++) {
      const c = load<u32>(cps + j * 4);
      if (c < m) delta++;
      if (c == m) {
        let q = delta;
        for (let k: u32 = 36; ; k += 36) {
          const t: u32 = k <= bias ? 1 : (k >= bias + 26 ? 26 : k - bias);
          if (q < t) break;
          store<u8>(out + o, digit(t + (q - t) % (36 - t))); o++;
          q = (q - t) / (36 - t);
        }
        store<u8>(out + o, digit(q)); o++;
        bias = adapt(delta, h + 1, h == basic);
        delta = 0;
        h++;
      }
    }
    delta++;
    m++;
  }
  return o;
}
