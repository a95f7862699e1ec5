// Every PII type: positive fixtures (found, with the exact span) and negative fixtures (a wrong
// check digit, a wrong structure, a missing context), plus generated values checked against
// independent reference implementations of the checksums.
import { describe, expect, it } from "vitest";
import { PII_PATTERNS } from "../../engine/compiler/pii.js";
import { DEFAULT_PII_CATEGORIES, PII_CATEGORIES } from "../../policies/schema.js";
import { createEnforcer } from "../../hosts/node/index.js";
import {
  ALL_PII, base58Address, cpfOf, detect, digitsOf, engineWith, ibanOf, int, luhnCheckDigit, mod1110CheckDigit, pick, prng, segwitAddress, verhoeffCheckDigit,
} from "./helpers.js";

interface Case {
  /** Values that must be found; with `=>`, the part after it is the expected span (context dropped). */
  readonly pos: readonly string[];
  readonly neg: readonly string[];
}

const CASES: Record<string, Case> = {
  // an e-mail-shaped file name is not an address (`@2x` image assets); a real TLD that is also an extension is (.zip)
  // a user on a host (a URL's, scp's, rsync's, a git remote's) or a URL's password and host is not a mailbox; a password after `:` keeps the address
  email: {
    pos: ["john@example.com", "first.last+tag@sub.example.co.uk", "ann@mail.zip", "see bob@corp.io. => bob@corp.io", "john@example.com:hunter2 => john@example.com", "mailto:bob@corp.io => bob@corp.io", "to: git@corp.io => git@corp.io", "//alice@corp.io => alice@corp.io", "reply-to:bob@corp.io => bob@corp.io", "https://corp.io/u:bob@corp.io => bob@corp.io"],
    neg: ["john@localhost", "x_john@example.com_y", "icon@2x.png", "logo@3x.SVG", "pkg@1.2.min.js", "git@github.com:org/repo.git", "origin\tgit@gitlab.example.com:group/sub/repo.git (fetch)", "ssh://git@github.com/org/repo", "rsync -a dist/ deploy@example.com:/var/www", "scp notes.txt me@example.com:~/in", "https://oauth2:glpat-abcdefghij1234567890@gitlab.com/org/repo.git", "https://user:p4ss.w0rd@example.com/"],
  },
  // ten bare digits: a phone number only with an area code NANP allows (not a Unix time in seconds)
  // a decimal number (one `.`, nothing else) is no phone: longitudes; nor either part of a longer
  // one; eleven bare digits after a 1 need an area code from 2-9 too; constants of binary code (2147483647, 4294967294) are none
  phone: { pos: ["(555) 123-4567", "555-123-4567", "+1 555 123 4567", "2125551234", "14155550123", "(173) 263-3445", "415.555.0132", "(214) 748-3647"], neg: ["between 0 and 2147483647", "4294967295", "SKL_TKN_U32_FMT_CH_MAP \"4294967056\"", "5555555555", "if ((arg1 & 4294967294) !== 0)", "mask 4294967280", "55512345678", "555-1234", "1732633445", "0123456789", "longitude -122.4194155", "151.2092955", "7658962.8891432695", "4192936109.5", "10000000000", "call 1234567890", "9876543210", "https://github.com/nodejs/node/commit/3122052890)", "/commits/5398548746", "   (merge 4891961105 cb/git-gui-ttk-style later to maint).", "* \\[[`8936302121`](https://github.com/nodejs/node/commit/8936302121)", "const INCREMENT = -4155550132;"] },
  // nine bare digits with a `/` before or after are a path's or a resource name's ID, and a power of two (or one less, or a 32-bit mask) a
  // constant of code (also for the routing, SIN, BSN, ITIN, NHS, TFN and NPI numbers)
  ssn: { pos: ["123-45-6789", "123 45 6789", "/ssn/123-45-6789 => 123-45-6789", "134217729", "ref a-536227461 => 536227461", "ssn = 536227461; => 536227461", "3. 536227461 => 536227461"], neg: ["666-12-3456", "000-12-3456", "123-00-4567", "923-45-6789", "projects/123456789/locations/global", "TODO(b/123456789)", "123456789/env", "JSDocOverride = 134217728", "HasComputedFlags = 536870912", "max_incoming_bytes 133169152", "Decimal('111111111')", "StructuredType = 403701760", 'Example: "123456789"', "0.633851707 * z", "13,342,884.703919787", "Decimal('0.301029996')", "INCREMENT_3 = -755606699;", "lane &= -536870913", "(x&-536870913)", "issues/629#issuecomment-443293282"] },
  // 17-19 digits (UnionPay, Visa), and a card followed by its CVV or another group: its first 16 digits;
  // each issuer's lengths (Amex 15, Diners 14 or 16, Visa 13 or 16, the rest 16): a 15-digit IMEI is no card
  credit_card: {
    pos: ["4111 1111 1111 1111", "5500-0000-0000-0004", "3782 822463 10005", "3056 930902 5904", "30569309025904", "6200 0000 0000 0005", "6212036925814703691", "6212 0369 2581 4703 691", "4036-9258-1470-3692-588", "62036925814703696", "4111 1111 1111 1111 123 => 4111 1111 1111 1111", "4111 1111 1111 1111 1234 => 4111 1111 1111 1111", "4111-1111-1111-1111 5 => 4111-1111-1111-1111", "5500 0000 0000 0004 123 => 5500 0000 0000 0004", "4222222222222"],
    neg: ["4111 1111 1111 1112", "1234 5678 9012 3456", "3056 930902 5905", "7200 0000 0000 0003", "6211075731189", "6212036925814703692", "4111111111111111123", "4111 1111 1111 1112 123", "440301196008093718", "IMEI 490154203237518", "IMEI 353918052341571", "550000000000004", "41111111111114", "35280000000007"],
  },
  // four numbers, not four of a longer dotted run (an OID, a five-part version)
  // a product's version in a User-Agent token or after the word `version`, loopback and 0.0.0.0 are no address;
  // a path segment or a URL's host is; a network in CIDR notation, its host bits zero, is a range, not an
  // address, but a host with its prefix length is one
  ip_address: {
    pos: ["10.0.0.1", "192.168.1.254", "Connect to 10.0.0.1. => 10.0.0.1", "GET /hosts/10.0.0.1 => 10.0.0.1", "http://10.0.0.1/ => 10.0.0.1", "cidr 10.0.0.1/8 => 10.0.0.1", "inet 192.168.1.23/24 brd => 192.168.1.23", "203.0.113.5/32 => 203.0.113.5", "10.0.0.0/123 => 10.0.0.0", "x-Proxy/10.0.0.1 => 10.0.0.1", "chrome/10.0.0.1 => 10.0.0.1", "0.0.0.1", "126.0.0.1", "128.0.0.1", "10.127.0.1", "0.0.0.10", "conversion 10.0.0.1 => 10.0.0.1", "version1 10.0.0.1 => 10.0.0.1", "connect to 10.0.0.1 now => 10.0.0.1", "update DNS to 10.0.0.6 => 10.0.0.6", "RFC7540 8.1.2.4 => 8.1.2.4", "the server in 10.0.0.1 is down => 10.0.0.1"],
    neg: ["256.1.1.1", "1.2.3", "10.0.0.0/8", "allow 192.168.0.0/16, 172.16.0.0/12", "10.96.0.0/12", "1.3.6.1.4.1.311", "1.2.3.4.5", "OID 1.3.6.1.2.1.1.1.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Edg/120.0.0.0", "(OPR/106.0.0.0)", "http://127.0.0.1:3000", "127.255.255.254", "0.0.0.0:8080", "Version 2.14.1.0", "version: 1.2.3.4", "ProductVersion=6.1.7601.1", "VERSION\t10.0.0.1", "[Section 24.1.1.3]", "rfc7231#section-7.1.1.1", "#sec-15.1.3.4", "HTTP/2 (RFC 7540 8.1.2.4)", "RFC 9106 §3.4.1.3", "* v8: upgrade 3.21.18.3", "**deps**: upgrade V8 to 4.6.85.23", "update deps/v8 to 4.1.0.14", "first merged to 1.6.2.3.", "v8: '12.4.254.14-node.11'", "`1.2.3.4-rc.1+rev.2`", "This was fixed in 1.5.4.1.", "broken in 1.6.0.1", "Fixes since 1.5.5.5", "(OID 1.3.101.110)"],
  },
  passport: { pos: ["AB1234567"], neg: ["XAB1234567Z", "'\\U00010000'"] },
  iban: { pos: ["DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606"], neg: ["DE89 3704 0044 0532 0130 01", "XX89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130"] },
  // (ipv6) as for IPv4, a network in CIDR notation is a range; an address with its prefix length is a host
  ipv6: {
    pos: ["2001:db8::8a2e:370:7334", "fe80::1", "::ffff:192.0.2.128", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::2", "addr 2001:db8::1/64 => 2001:db8::1", "2001:db8:abcd:12::/48 => 2001:db8:abcd:12::", "2001:db8:0:0:1::/79 => 2001:db8:0:0:1::"],
    neg: ["12:30:45", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "std::vector", "[::1]:3000", "::1", "2001:db8::/32", "allow fe80::/10", "2001:db8:abcd:12::/64", "2001:db8:0:0:1::/80"],
  },
  mac_address: { pos: ["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e", "001a.2b3c.4d5e"], neg: ["00:1A-2B:3C:4D:5E", "00:1A:2B:3C:4D:5E:6F", "00:1A:2B:3C:4D", "mac: '00:00:00:00:00:00'", "FF:FF:FF:FF:FF:FF"] },
  us_routing_number: { pos: ["021000021", "011000015"], neg: ["021000022", "991000021", "TODO(b/021000021)"] },
  uk_nino: { pos: ["AB 12 34 56 C", "AB123456C"], neg: ["BG 12 34 56 C", "AB 12 34 56 E", "DA123456C"] },
  ca_sin: { pos: ["130 692 544", "130-692-544"], neg: ["130 692 545", "046 454 286", "130 692-544"] },
  btc_address: { pos: ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"], neg: ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "bc1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"] },
  eth_address: { pos: ["0x52908400098527886E0F7030069857D2E4169EE7", "0xde709f2102306220921060314715629080e2fb77"], neg: ["0x52908400098527886E0F7030069857D2E4169EE", "0x52908400098527886E0F7030069857D2E4169EE7A"] },
  date_of_birth: {
    pos: [
      "date of birth: 1990-01-31 => 1990-01-31", "DOB 31/01/1990 => 31/01/1990", "born on March 3, 1985 => March 3, 1985", "Birthday: 12 March 1990 => 12 March 1990", "D.O.B. 02.29.2000 => 02.29.2000",
      // as a key: JSON, YAML, `key=value`, camelCase and snake_case
      '{"dob": "1985-03-12"} => 1985-03-12', '{"date_of_birth":"12/03/1985"} => 12/03/1985', "birthDate: '1985-03-12' => 1985-03-12", "dob=03/12/85 => 03/12/85", "DateOfBirth=1985-03-12 => 1985-03-12", "birth-date: 1985-03-12 => 1985-03-12",
      // a key's last part: after `_`, or camelCase
      "patient_dob=1985-03-12 => 1985-03-12", '{"user_birth_date": "1985-03-12"} => 1985-03-12', "PatientDOB: 1985-03-12 => 1985-03-12",
    ],
    neg: [
      "date of birth: 1990-02-30", "meeting on 1990-01-31", "DOB 1850-01-01", "born 2001-02-29", '{"updated": "1985-03-12"}', "date=1985-03-12", '{"birth": "1985-03-12"}',
      // the context word inside another word
      "stubborn on 2020-01-01", "patientdob: 1985-03-12", "ABCDOB 1985-03-12", "x9dob=1985-03-12",
    ],
  },
  us_ein: { pos: ["12-3456789"], neg: ["07-1234567", "12-345678"] },
  es_dni: { pos: ["12345678Z", "12345678-Z"], neg: ["12345678A"] },
  es_nie: { pos: ["X1234567L", "Y-1234567-X"], neg: ["X1234567A"] },
  it_fiscal_code: { pos: ["RSSMRA85T10A562S"], neg: ["RSSMRA85T10A562T", "RSSMRA85Z10A562S"] },
  in_pan: { pos: ["ABCPE1234F"], neg: ["ABCXE1234F"] },
  br_cpf: { pos: ["529.982.247-25", "52998224725"], neg: ["529.982.247-26", "111.111.111-11", "529.98224725"] },
  nl_bsn: { pos: ["111222333", "1112.22.333"], neg: ["111222334", "000000000", "folders/111222333"] },
  phone_intl: { pos: ["+44 20 7946 0958", "+33 1 23 45 67 89", "+49 30 1234567", "+81-3-1234-5678"], neg: ["+28 1234 5678", "+44 20", "+0 123 456 789"] },
  uk_postcode: { pos: ["SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH"], neg: ["QW1A 1AA", "SW1A 1AC"] },
  us_zip4: { pos: ["Springfield, IL 62704-1234 => 62704-1234", "ZIP code: 94105-1234 => 94105-1234", "postal code 10001-0001 => 10001-0001"], neg: ["XX 62704-1234", "order 62704-1234", "ca 62704-1234"] },
  vin: { pos: ["1M8GDM9AXKP042788", "1HGCM82633A004352"], neg: ["1M8GDM9A0KP042788", "12345678901234567"] },
  us_itin: { pos: ["912-70-1234", "900 88 0000"], neg: ["912-40-1234", "812-70-1234", "timedelta(-999999999)", "itin 987654321"] },
  uk_nhs: { pos: ["943 476 5919", "9434765919"], neg: ["943 476 5918", "folders/9434765919", "minimum = -2147483648", 'return c in "0123456789"'] },
  de_tax_id: { pos: ["86095742719", "86 095 742 719"], neg: ["86095742710", "11111111111"] },
  fr_nir: { pos: ["1 85 05 78 006 084 91", "185057800608491"], neg: ["1 85 05 78 006 084 92", "5 85 05 78 006 084 91"] },
  in_aadhaar: { pos: ["2341 2341 2346", "9876 5432 1096", "234123412346"], neg: ["2341 2341 2347", "1341 2341 2346", "2341-2341 2346"] },
  sg_nric: { pos: ["S1234567D", "T1234567J"], neg: ["S1234567A"] },
  fi_hetu: { pos: ["131052-308T"], neg: ["131052-308U", "311352-308T"] },
  pl_pesel: { pos: ["44051401359"], neg: ["44051401358", "44053201352"] },
  au_tfn: { pos: ["123 456 782", "123456782"], neg: ["123 456 789"] },
  us_npi: { pos: ["1234567893"], neg: ["1234567890", "3234567893"] },
  cn_resident_id: { pos: ["11010519491231002X", "11010519491231002x"], neg: ["110105194912310021", "11010519491331002X"] },
  se_personnummer: { pos: ["811218-9876", "19811218-9876"], neg: ["811218-9875", "811318-9876"] },
  za_id: { pos: ["8001015009087"], neg: ["8001015009088", "8013015009085"] },
  au_medicare: { pos: ["2123 45670 1", "2123456701"], neg: ["2123 45671 1", "7123 45670 1", "node/commit/2123456701"] },
};

const all = () => engineWith({ categories: ALL_PII });
const only = (category: string) => engineWith({ categories: [category] });

describe("PII types", () => {
  it("every category has a pattern, an exact check and fixtures; 40 are detectable", () => {
    expect(PII_PATTERNS.length).toBe(40);
    expect(PII_CATEGORIES.filter((c) => c !== "person_name").sort()).toEqual([...ALL_PII].sort());
    for (const p of PII_PATTERNS) {
      expect(CASES[p.category], p.category).toBeDefined();
      expect(CASES[p.category]!.pos.length, p.category).toBeGreaterThan(0);
      expect(CASES[p.category]!.neg.length, p.category).toBeGreaterThan(0);
    }
  });

  it("new categories are opt-in: the default list is still the original's five", () => {
    expect(DEFAULT_PII_CATEGORIES).toEqual(["email", "phone", "ssn", "credit_card", "ip_address"]);
    const def = engineWith({});
    expect(detect(def, "iban DE89 3704 0044 0532 0130 00 and mail a@b.io").map((f) => f.rule)).toEqual(["email"]);
  });

  for (const [category, c] of Object.entries(CASES)) {
    it(`${category}: positives found with their exact span, negatives not`, () => {
      const e = only(category);
      for (const raw of c.pos) {
        const [value, expected] = raw.includes(" => ") ? (raw.split(" => ") as [string, string]) : [raw, raw];
        const found = detect(e, `Record: ${value} end.`).filter((f) => f.rule === category);
        expect(found.map((f) => f.text), `${category} in ${JSON.stringify(value)}`).toEqual([expected]);
      }
      for (const value of c.neg) {
        expect(detect(e, `Record: ${value} end.`).filter((f) => f.rule === category).map((f) => f.text), `${category} must not match ${JSON.stringify(value)}`).toEqual([]);
      }
    });
  }

  it("with every category on, each positive is still covered by a span of its category or a longer one", () => {
    const e = all();
    for (const [category, c] of Object.entries(CASES)) {
      for (const raw of c.pos) {
        const [value, expected] = raw.includes(" => ") ? (raw.split(" => ") as [string, string]) : [raw, raw];
        const text = `Record: ${value} end.`;
        const at = text.indexOf(expected);
        const found = detect(e, text);
        expect(found.some((f) => f.rule === category && f.start === at && f.end === at + expected.length), `${category} ${value}: ${JSON.stringify(found)}`).toBe(true);
      }
    }
  });
});

describe("generated values agree with reference checksums", () => {
  const r = prng(20260801);
  const N = 40;

  it("credit cards: Luhn-valid numbers of each issuer are found; a wrong check digit is not", () => {
    const e = only("credit_card");
    for (let i = 0; i < N; i++) {
      const prefix = pick(r, [[4], [5, int(r, 1, 5)], [6, 0, 1, 1], [3, 5, 2, 8]]);
      const body = [...prefix, ...digitsOf(r, 15 - prefix.length)];
      const check = luhnCheckDigit(body);
      const good = [...body, check].join("");
      const bad = [...body, (check + int(r, 1, 9)) % 10].join("");
      const grouped = (s: string) => s.replace(/(\d{4})(?=\d)/g, "$1 ");
      expect(detect(e, `pay ${grouped(good)} now`).map((f) => f.text)).toEqual([grouped(good)]);
      expect(detect(e, `pay ${grouped(bad)} now`)).toEqual([]);
      // 17-19 digits (UnionPay 62; Visa 4 issues 19 only), contiguous or in groups of four
      const long = pick(r, [[6, 2, ...digitsOf(r, int(r, 14, 16))], [4, ...digitsOf(r, 17)]]);
      const longCheck = luhnCheckDigit(long);
      for (const text of [[...long, longCheck].join(""), grouped([...long, longCheck].join(""))]) expect(detect(e, `pay ${text} now`).map((f) => f.text)).toEqual([text]);
      expect(detect(e, `pay ${[...long, (longCheck + int(r, 1, 9)) % 10].join("")} now`)).toEqual([]);
      // a card followed by its CVV: the card alone, unless the 19 digits pass the checksum too
      // (one in ten) and its issuer has 19-digit cards (Visa, Discover, JCB; not Mastercard)
      const cvv = digitsOf(r, 3);
      const all19 = [...good, ...cvv].map(Number);
      const whole = luhnCheckDigit(all19.slice(0, -1)) === all19[18] && all19[0] !== 5;
      expect(detect(e, `pay ${grouped(good)} ${cvv.join("")} now`).map((f) => f.text), `${good} ${cvv.join("")}`).toEqual([whole ? `${grouped(good)} ${cvv.join("")}` : grouped(good)]);
    }
  });

  it("IBANs of several countries: mod-97 valid are found, any changed digit is not", () => {
    const e = only("iban");
    const shapes: [string, number][] = [["DE", 18], ["FR", 23], ["NL", 14], ["ES", 20], ["IT", 23], ["BE", 12], ["CH", 17]];
    for (let i = 0; i < N; i++) {
      const [country, len] = pick(r, shapes);
      const bban = country === "NL" ? `ABNA${digitsOf(r, len - 4).join("")}` : digitsOf(r, len).join("");
      const iban = ibanOf(country, bban);
      const spaced = iban.replace(/(.{4})(?=.)/g, "$1 ");
      expect(detect(e, `IBAN ${spaced}.`).map((f) => f.text)).toEqual([spaced]);
      expect(detect(e, `IBAN ${iban}.`).map((f) => f.text)).toEqual([iban]);
      const k = int(r, 4, iban.length - 1);
      const ch = iban[k] as string;
      if (!/[0-9]/.test(ch)) continue;
      const bad = iban.slice(0, k) + String((Number(ch) + 1) % 10) + iban.slice(k + 1);
      expect(detect(e, `IBAN ${bad}.`)).toEqual([]);
    }
  });

  it("Aadhaar: Verhoeff-valid numbers are found, a wrong check digit is not", () => {
    const e = only("in_aadhaar");
    for (let i = 0; i < N; i++) {
      const body = [int(r, 2, 9), ...digitsOf(r, 10)];
      const check = verhoeffCheckDigit(body);
      const fmt = (d: number[]) => d.join("").replace(/(\d{4})(?=\d)/g, "$1 ");
      expect(detect(e, `UID ${fmt([...body, check])} ok`).map((f) => f.text)).toEqual([fmt([...body, check])]);
      expect(detect(e, `UID ${fmt([...body, (check + int(r, 1, 9)) % 10])} ok`)).toEqual([]);
    }
  });

  it("CPF: both check digits are verified", () => {
    const e = only("br_cpf");
    for (let i = 0; i < N; i++) {
      const cpf = cpfOf(digitsOf(r, 9));
      if (/^(\d)\1+$/.test(cpf)) continue;
      const dotted = `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
      expect(detect(e, `CPF ${dotted}`).map((f) => f.text)).toEqual([dotted]);
      const bad = cpf.slice(0, 10) + String((Number(cpf[10]) + 1) % 10);
      expect(detect(e, `CPF ${bad}`)).toEqual([]);
    }
  });

  it("German tax IDs: MOD 11,10 and the repeated-digit rule", () => {
    const e = only("de_tax_id");
    let tested = 0;
    while (tested < N) {
      // ten digits, exactly one repeated twice, first not 0
      const set = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].sort(() => r() - 0.5).slice(0, 9);
      const ten = [...set, set[int(r, 0, 8)] as number].sort(() => r() - 0.5);
      if (ten[0] === 0) continue;
      const id = [...ten, mod1110CheckDigit(ten)].join("");
      expect(detect(e, `IdNr ${id}`).map((f) => f.text)).toEqual([id]);
      expect(detect(e, `IdNr ${id.slice(0, 10)}${(Number(id[10]) + 1) % 10}`)).toEqual([]);
      tested++;
    }
  });

  it("French NIR: the key is 97 minus the number mod 97 (Corsica 2A/2B counted as 19/18)", () => {
    const e = only("fr_nir");
    for (let i = 0; i < N; i++) {
      const sex = pick(r, [1, 2]);
      const dept = pick(r, ["75", "13", "2A", "2B", "69"]);
      const head = `${sex}${String(int(r, 0, 99)).padStart(2, "0")}${String(int(r, 1, 12)).padStart(2, "0")}${dept}${digitsOf(r, 6).join("")}`;
      const n = BigInt(head.replace("2A", "19").replace("2B", "18"));
      const key = String(97n - (n % 97n)).padStart(2, "0");
      expect(detect(e, `NIR ${head}${key} ok`).map((f) => f.text)).toEqual([`${head}${key}`]);
      const badKey = String((Number(key) % 97) + 1).padStart(2, "0");
      if (badKey !== key) expect(detect(e, `NIR ${head}${badKey} ok`)).toEqual([]);
    }
  });

  it("Bitcoin: Base58Check (P2PKH, P2SH) and bech32/bech32m addresses; one changed character is rejected", () => {
    const e = only("btc_address");
    for (let i = 0; i < N; i++) {
      const payload = Array.from({ length: 20 }, () => int(r, 0, 255));
      const legacy = base58Address(pick(r, [0, 5]), payload);
      const v0 = segwitAddress(0, payload);
      const v1 = segwitAddress(1, Array.from({ length: 32 }, () => int(r, 0, 255)));
      for (const a of [legacy, v0, v1]) {
        expect(detect(e, `send to ${a} today`).map((f) => f.text), a).toEqual([a]);
        const k = int(r, 5, a.length - 2);
        const alphabet = a.startsWith("bc1") ? "qpzry9x8gf2tvdw0s3jn54khce6mua7l" : "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        const swapped = alphabet[(alphabet.indexOf(a[k] as string) + 1) % alphabet.length] as string;
        expect(detect(e, `send to ${a.slice(0, k)}${swapped}${a.slice(k + 1)} today`), `${a} changed at ${k}`).toEqual([]);
      }
    }
  });
});

describe("PII strategies on the new types", () => {
  it("placeholders are <CATEGORY>, masks are fixed shapes", async () => {
    const text = "IBAN DE89 3704 0044 0532 0130 00, VIN 1M8GDM9AXKP042788, wallet 0x52908400098527886E0F7030069857D2E4169EE7";
    const run = async (strategy: string) => {
      const e = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: ["iban", "vin", "eth_address"], strategy } } } });
      let seen: unknown;
      await e.call("t", { text }, (a) => { seen = a; });
      return (seen as { text: string }).text;
    };
    expect(await run("placeholder")).toBe("IBAN <IBAN>, VIN <VIN>, wallet <ETH_ADDRESS>");
    expect(await run("mask")).toBe("IBAN **** **** **** ****, VIN *****************, wallet 0x****************************************");
  });

  it("context words stay; only the date of birth or the ZIP code is replaced", async () => {
    const e = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: ["date_of_birth", "us_zip4"] } } } });
    let seen: unknown;
    await e.call("t", { text: "DOB: 1990-01-31, Springfield, IL 62704-1234" }, (a) => { seen = a; });
    expect((seen as { text: string }).text).toBe("DOB: <DATE_OF_BIRTH>, Springfield, IL <US_ZIP4>");
  });
});
