// Secret rules: every rule has a generated positive (a random string of its own pattern that
// passes its gates) found with the exact span, and a negative (its prefix without the body) not
// found; then the exact checks: GitHub/npm CRC32, the integer entropy gate against a float
// reference, Basic credentials, private keys, URLs with passwords, placeholders and policy control.
import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { readTokenArg, CHECK } from "../../engine/compiler/entities.js";
import { headOf } from "../../engine/compiler/entities-set.js";
import { SECRET_RULES, type SecretRule } from "../../engine/compiler/secrets.js";
import { createEnforcer, parsePolicyObject } from "../../hosts/node/index.js";
import { charClasses, crc32, detect, engineWith, entropy, githubStyleToken, prng, sampleOf } from "./helpers.js";

/** An engine with only secret rules: the ones named, or every one. */
const secretsOn = (...names: string[]) => engineWith({ categories: [], secrets: names.length === 0 ? { enabled: true } : { enabled: true, categories: names } });
// The engine with every secret rule, compiled once for the whole file (about 4 s cold, more on a
// busy machine): inside the first test that asks for it, that compile met the 5 s test timeout.
beforeAll(() => {
  secretsOn();
}, 120_000);

/** What an engine finds in a text, as `rule:text` per finding. */
const findingsOf = (e: ReturnType<typeof engineWith>) => (t: string) => detect(e, t).map((x) => `${x.rule}:${x.text}`);

/** Where the value of a `key = value` match starts (same rules as the engine's narrowing). */
function valueStart(s: string): number {
  let i = /^[?&;]/.test(s) ? 1 : 0; // a URL query's separator (url_query_credential)
  while (i < s.length && /[A-Za-z0-9_.-]/.test(s[i] as string)) i++;
  const keyEnd = i;
  while (i < s.length && /[ \t"'\]]/.test(s[i] as string)) i++;
  let ops = 0;
  while (i < s.length && ops < 3 && /[=:>|?,]/.test(s[i] as string)) {
    i++;
    ops++;
  }
  if (ops === 0 && i === keyEnd) return -1;
  while (i < s.length && /[ \t"'`]/.test(s[i] as string)) i++;
  return i;
}

/** An assignment's value from v: without its closing quote when the match ends with the one that opened it. */
function unquoted(sample: string, v: number): string {
  const value = sample.slice(v);
  const q = sample[v - 1] as string;
  const quoted = v > 0 && /["']/.test(q) && value.length >= 2 && value.endsWith(q) && !value.slice(0, -1).includes(q) && !/[\n\r\t]/.test(value);
  return quoted ? value.slice(0, -1) : value;
}

/** The span a rule redacts in its own sample: the token, the assigned value, or the URL password. */
function expectedSpan(rule: SecretRule, sample: string): string {
  // token_trimmed / assign_trimmed: a final `.` belongs to the sentence
  if (rule.check === CHECK.token_trimmed) return sample.replace(/\.+$/, "");
  if (rule.check === CHECK.assign_trimmed || rule.check === CHECK.assign_mixed) return unquoted(sample, valueStart(sample)).replace(/\.+$/, "");
  if (rule.check === CHECK.assign) return unquoted(sample, valueStart(sample));
  if (rule.check === CHECK.basic_auth) return sample.slice(valueStart(sample));
  if (rule.check === CHECK.url_password) return sample.slice(sample.indexOf(":", sample.indexOf("://") + 3) + 1, -1);
  if (rule.check === CHECK.pgpass) {
    // the field after the fourth colon that no backslash escapes
    let colons = 0;
    for (let i = 0; i < sample.length; i++) {
      if (sample[i] === "\\") i++;
      else if (sample[i] === ":" && ++colons === 4) return sample.slice(i + 1);
    }
    return "";
  }
  if (rule.check === CHECK.echo_value || rule.check === CHECK.echo_credential) {
    // after `echo` and its flags: what the quotes hold, or the word up to a blank or the pipe;
    // for a credential (`user:password`), what follows its first `:`
    const m = /^echo[ \t]+(?:-[A-Za-z][^ \t]*[ \t]+)*(?:"([^"]*)"|'([^']*)'|([^ \t|"'][^ \t|]*))/.exec(sample);
    const value = m?.[1] ?? m?.[2] ?? m?.[3] ?? "";
    return rule.check === CHECK.echo_credential ? value.slice(value.indexOf(":") + 1) : value;
  }
  // a quoted value that ends the match (a pass phrase's words, a flag's quoted value): what is
  // between its quotes, on one line
  const q = sample.at(-1) as string;
  const opener = /["']/.test(q) ? sample.lastIndexOf(q, sample.length - 2) : -1;
  const inner = opener >= 0 && opener < sample.length - 2 ? sample.slice(opener + 1, -1) : null;
  if ((rule.check === CHECK.passphrase || rule.check === CHECK.flag_value) && inner !== null && !/[\n\r\t]/.test(inner)) return inner;
  if (rule.check === CHECK.flag_value || rule.check === CHECK.flag_credential || rule.check === CHECK.header_credential) {
    // the value ends the match: back to a space or a quote, less an attached flag (`-pS3cret`,
    // `/p:S3cret`), or for a credential what follows the argument's first `:` (`pass:S3cret`)
    let v = sample.length;
    while (v > 0 && !/[ \t"']/.test(sample[v - 1] as string)) v--;
    if (rule.check === CHECK.flag_credential) return sample.slice(v).replace(/^[^:]*:/, "");
    const quoted = v > 0 && /["']/.test(sample[v - 1] as string);
    if (!quoted && v + 2 < sample.length && sample[v] === "-" && /[A-Za-z]/.test(sample[v + 1] as string)) v += 2;
    else if (!quoted && v + 3 < sample.length && sample[v] === "/" && /[a-z]/.test(sample[v + 1] as string) && sample[v + 2] === ":") v += 3;
    return rule.check === CHECK.header_credential ? sample.slice(v).replace(/\.+$/, "") : sample.slice(v);
  }
  return sample;
}

/** Whether a value passes the rule's gate (float entropy, with a margin around the threshold). */
function gateOk(rule: SecretRule, value: string): boolean {
  const g = readTokenArg(rule.arg ?? 0);
  if (value.length < g.min || (g.max > 0 && value.length > g.max)) return false;
  if (g.classes > 0 && charClasses(value) < g.classes) return false;
  if (g.entropy > 0 && entropy(value) < g.entropy + 0.05) return false;
  if ((rule.check === CHECK.assign_mixed || rule.check === CHECK.header_credential) && !(/[0-9]/.test(value) && /[A-Za-z]/.test(value))) return false;
  if (rule.check === CHECK.echo_value && /^-[A-Za-z]/.test(value)) return false; // read as echo's flag
  if (rule.check === CHECK.pgpass && /(^|[^\\])(\\\\)*:/.test(value)) return false; // a sixth field
  return !/^[${<%]/.test(value) && !/^(.)\1*$/.test(value);
}

function basic(user: string, pass: string): string {
  return Buffer.from(`${user}:${pass}`).toString("base64");
}

/** A random positive for a rule, or the special-format one for checksummed and structured rules. */
function positive(rule: SecretRule, r: () => number): { sample: string; head: number } {
  if (rule.check === CHECK.github) return { sample: githubStyleToken(rule.source.slice(0, 4), r), head: 4 };
  if (rule.check === CHECK.basic_auth) {
    const b = basic(`svc${Math.floor(r() * 1000)}`, `Pw-${Math.floor(r() * 1e9)}x`);
    if (rule.name === "basic_auth") return { sample: `Basic ${b}`, head: 5 };
    return rule.name === "npm_auth_basic" ? { sample: `_auth=${b}`, head: 5 } : { sample: `auth": "${b}`, head: 4 };
  }
  const head = headOf(rule.rest ?? rule.source, rule.ci ?? false, rule.boundary ?? "word", { broadDepth: 2 });
  if (rule.check === CHECK.passphrase) {
    // words of letters and digits (a random draw of the pattern's words reads as prose or holds
    // units outside ASCII, which the check refuses on purpose)
    const word = () => Array.from({ length: 4 + Math.floor(r() * 5) }, () => "abcdefghijkmnopqrstuvwxyz0123456789"[Math.floor(r() * 35)]).join("");
    const key = rule.name === "wifi_psk_phrase" ? "psk" : (["password", "DB_PASSWORD", "passphrase", "pass-phrase"][Math.floor(r() * 4)] as string);
    return { sample: `${key} = "${word()} ${word()} ${word()}"`, head: head.length };
  }
  if (rule.check === CHECK.pem) {
    // a body of base64 lines, as every key has (a random draw of the pattern has none); OpenVPN's
    // static keys are 16 lines of 32 hex digits
    const line = (n: number, units: string) => Array.from({ length: n }, () => units[Math.floor(r() * units.length)]).join("");
    if (rule.name === "openvpn_static_key") {
      const body = Array.from({ length: 16 }, () => line(32, "0123456789abcdef")).join("\n");
      return { sample: `-----BEGIN OpenVPN Static key V1-----\n${body}\n-----END OpenVPN Static key V1-----`, head: head.length };
    }
    const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    return { sample: `-----BEGIN EC PRIVATE KEY-----\n${line(64, b64)}\n${line(64, b64)}\n-----END EC PRIVATE KEY-----`, head: head.length };
  }
  for (let attempt = 0; attempt < 200; attempt++) {
    const back = rule.back !== undefined ? sampleOf(rule.back, r) : "";
    const rest = sampleOf(rule.rest ?? rule.source, r, 12);
    const sample = back + rest;
    if (sample.length > rule.maxLen) continue;
    // an XML element's value (`key>value`) is one only before its end tag, a subscript's
    // (`key"] = value`) only quoted: both tested on their own below
    const beforeValue = sample.slice(0, Math.max(0, valueStart(sample)));
    if (/[A-Za-z0-9_.-]>$/.test(beforeValue) || (beforeValue.includes("]") && !/["'`]$/.test(beforeValue))) continue;
    // a draw of a class with `%` may hold an escape (`%6B`), which the evasion defences decode
    // before the rules read the text: that sample is a shorter token
    if (/%[0-9A-Fa-f]{2}/.test(sample)) continue;
    // an unquoted dotted path of names without a digit is code (`value.password`; checks.ts
    // dottedNames): no value of an assignment
    if ((rule.check === CHECK.assign || rule.check === CHECK.assign_trimmed || rule.check === CHECK.assign_mixed) && /[=:>][ \t]*[A-Za-z_$]+(?:\.[A-Za-z_$]+)+[)\]:]*$/.test(sample)) continue;
    if (rule.check === CHECK.none || gateOk(rule, expectedSpan(rule, sample))) return { sample, head: back.length + head.length };
  }
  throw new Error(`no sample for ${rule.name}`);
}

describe("secret rules", () => {
  it("more than 150 rules, unique names, each with a description and a placeholder", () => {
    expect(SECRET_RULES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(SECRET_RULES.map((r) => r.name)).size).toBe(SECRET_RULES.length);
    for (const rule of SECRET_RULES) {
      expect(rule.description.length, rule.name).toBeGreaterThan(10);
      expect(rule.placeholder, rule.name).toMatch(/^<[A-Z0-9_]+>$/);
    }
  });

  it("are off by default and opt-in per rule", () => {
    const text = "key AKIAIOSFODNN7EXAMPLE, token ghp_";
    expect(detect(engineWith({ categories: [] }), text)).toEqual([]);
    expect(detect(engineWith({ categories: [], secrets: { enabled: true, categories: ["aws_access_key"] } }), text).map((f) => f.rule)).toEqual(["aws_access_key"]);
    expect(parsePolicyObject({ name: "p", rules: { pii_redaction: { secrets: { enabled: true } } } }).policy.rules.pii_redaction.secrets).toEqual({ enabled: true, categories: null });
    expect(() => parsePolicyObject({ name: "p", rules: { pii_redaction: { secrets: { categories: ["aws_acess_key"] } } } })).toThrow(/unknown secret rule "aws_acess_key" \(did you mean "aws_access_key"\?\)/);
  });

  const r = prng(424242);
  for (const rule of SECRET_RULES) {
    it(`${rule.name}: a generated positive is found with its span; its prefix alone is not`, () => {
      const e = secretsOn();
      const { sample, head } = positive(rule, r);
      // a .pgpass line is one only alone on its line
      const line = rule.check === CHECK.pgpass;
      const text = line ? `config:\n${sample}\n` : `config: ${sample} ;\n`;
      const want = expectedSpan(rule, sample);
      const found = detect(e, text).filter((f) => f.rule === rule.name);
      expect(found.map((f) => f.text), `${rule.name} in ${JSON.stringify(sample)}`).toEqual([want]);
      const negative = line ? `config:\n${sample.slice(0, head)}x\n` : `config: ${sample.slice(0, head)}x ;\n`;
      expect(detect(e, negative).filter((f) => f.rule === rule.name), `${rule.name} in ${JSON.stringify(negative)}`).toEqual([]);
    });
  }
});

describe("exact checks on secrets", () => {
  const r = prng(7);

  it("GitHub and npm tokens: the CRC32 of the 30 random characters must match the base62 suffix", () => {
    const e = engineWith({ categories: [], secrets: { enabled: true, categories: ["github_pat", "github_oauth_token", "github_server_token", "npm_token"] } });
    for (let i = 0; i < 30; i++) {
      const prefix = ["ghp_", "gho_", "ghs_", "npm_"][i % 4] as string;
      const good = githubStyleToken(prefix, r);
      expect(detect(e, `t=${good} `).map((f) => f.text), good).toEqual([good]);
      // any change of the body or of the checksum is caught
      const k = 4 + Math.floor(r() * 36);
      const alt = good[k] === "A" ? "B" : "A";
      const bad = good.slice(0, k) + alt + good.slice(k + 1);
      expect(detect(e, `t=${bad} `), bad).toEqual([]);
    }
    // GitHub's documentation example does not carry a valid checksum
    expect(detect(e, "gho_16C7e42F292c6912E7710c838347Ae178B4a")).toEqual([]);
    // The same body with the checksum in the other base62 alphabet (`0-9a-zA-Z`, as in the base62
    // npm package that secretlint's issue #202 tried: its example body encodes to "0lSAKp" there
    // and to "0LsakP" in GitHub's) is rejected: only GitHub's alphabet passes.
    const body = "qkJaB6MffYVzZXWqmcoF49yrUxP3wf";
    expect(detect(e, `t=ghp_${body}0lSAKp `)).toEqual([]);
    expect(detect(e, `t=ghp_${body}0LsakP `).map((f) => f.text)).toEqual([`ghp_${body}0LsakP`]);
    expect(crc32("The quick brown fox jumps over the lazy dog")).toBe(0x414fa339);
  });

  it("the integer entropy gate agrees with Shannon entropy computed in floating point", () => {
    const e = engineWith({ categories: [], secrets: { enabled: true, categories: ["generic_api_key"] } });
    const alphabets = ["ab", "abc1", "abcd12", "abcdefgh1234", "0123456789abcdef", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"];
    let checked = 0;
    for (let i = 0; i < 600; i++) {
      const alphabet = alphabets[i % alphabets.length] as string;
      const len = 16 + Math.floor(r() * 40);
      // skewed draws make entropies spread around the 3-bit threshold
      const skew = r();
      let v = "";
      for (let k = 0; k < len; k++) v += alphabet[Math.floor(r() ** (1 + skew * 3) * alphabet.length)];
      const h = entropy(v);
      if (Math.abs(h - 3) < 0.001 || /^(.)\1*$/.test(v)) continue;
      const expected = charClasses(v) >= 2 && h >= 3;
      const found = detect(e, `api_key = "${v}"`).length > 0;
      expect(found, `${v} H=${h.toFixed(4)} classes=${charClasses(v)}`).toBe(expected);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it("generic assignments keep the key and redact the value; placeholders and templates are skipped", () => {
    const e = secretsOn();
    const f = findingsOf(e);
    expect(f('OPENAI_API_KEY="q8Zr2LmX0pV7sTbN4wEy"')).toEqual(["generic_api_key:q8Zr2LmX0pV7sTbN4wEy", "env_secret:q8Zr2LmX0pV7sTbN4wEy"]);
    expect(f("client_secret: 7fG2kLp9Qx4Rz8Vm")).toEqual(["generic_secret:7fG2kLp9Qx4Rz8Vm", "named_secret:7fG2kLp9Qx4Rz8Vm"]);
    expect(f("password = hunter22")).toEqual(["generic_password:hunter22"]);
    expect(f("password: string")).toEqual([]);
    expect(f(`api_key = ${"$"}{API_KEY}`)).toEqual([]);
    // variables and formats: `$(cmd)`, `$NAME…`, `$name` alone, `%(name)s`, `%NAME%`
    for (const v of ["$(cat /run/secrets/db)", "$HOME/.pgpass", "$db_password", "%(password)s", "%APPDATA%\\pw.txt"]) expect(f(`password = ${v}`), v).toEqual([]);
    expect(f("password = $ecret.Pass1")).toEqual(["generic_password:$ecret.Pass1"]); // only its first unit is a `$`
    expect(f("api_key = xxxxxxxxxxxxxxxxxxxx")).toEqual([]);
    expect(f("api_key = aaaaaaaaaaaaaaaa1111")).toEqual([]);
    expect(f("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual(["aws_secret_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]);
  });

  it("a key that names something about a secret (its file, path, name, header, policy, lifetime) does not hold the secret", () => {
    const f = findingsOf(secretsOn());
    // Docker's `_FILE` convention and its kin: the value says where the secret is, what it is
    // called, how it is sent or checked, or when it expires
    for (const line of [
      "POSTGRES_PASSWORD_FILE=/run/secrets/postgres_password",
      "MYSQL_ROOT_PASSWORD_FILE: /run/secrets/mysql_root",
      "api_key_file: /run/secrets/api-key.txt",
      'clientSecretPath: "/var/run/secrets/oauth/client"',
      "db_password_secret_name: prod-db-password",
      "jwtSecretEnvVar: JWT_SECRET_VALUE_B64",
      "webhook_secret_header: X-Hub-Signature-256",
      "password_reset_url=https://example.com/account/reset-password",
      "password_policy: min-length-12-with-symbols",
      "app_secret_rotation: enabled-for-all-tenants",
      "access_token_ttl: 3600-seconds-max",
      "signing_secret_version: projects/acme/secrets/signing/versions/3",
      "https://x.io/cb?api_key_file=/a/b/cdefghijkl",
    ]) {
      expect(f(line), line).toEqual([]);
    }
    // only the key's last word counts, after a separator or a case step; hashes and Rails'
    // secret_key_base are secrets
    expect(f("api_key_file_contents: Zx81Kq3mPp0Lw7Vn")).toEqual(["generic_api_key:Zx81Kq3mPp0Lw7Vn"]);
    expect(f("password_confirmation: Tr0ub4dor&3xyz")).toEqual(["generic_password:Tr0ub4dor&3xyz"]);
    expect(f("password_hash: $2b$12$KIXQJ3b8Zx9pL0mN2oQ4r.uV5wX6yZ7aB8cD9eF0gH1iJ2kL3mN4o")).toEqual(["generic_password:$2b$12$KIXQJ3b8Zx9pL0mN2oQ4r.uV5wX6yZ7aB8cD9eF0gH1iJ2kL3mN4o"]);
    expect(f("secret_key_base: 8a7f6e5d4c3b2a1908f7e6d5c4b3a2918a7f6e5d4c3b2a19")).toEqual(["generic_private_key_value:8a7f6e5d4c3b2a1908f7e6d5c4b3a2918a7f6e5d4c3b2a19"]);
    expect(f("passwordfile: Zx81Kq3mPp0Lw7Vn")).toEqual(["generic_password:Zx81Kq3mPp0Lw7Vn"]); // one word: no step before `file`
    expect(f("https://x.io/cb?api_key=Zx81Kq3mPp0Lw7Vn")).toEqual(["generic_api_key:Zx81Kq3mPp0Lw7Vn"]);
  });

  it("a value that is a name (a variable, a constant's name, a type) or a field's description is not the secret", () => {
    const f = findingsOf(secretsOn());
    // names of two or more words, one of them naming a credential (generated API clients, code)
    for (const line of [
      "_CLIENT_SECRET = 'CLIENT_SECRET'",
      "password=primary_password,",
      "passphrase=password_bytes,",
      "key_password=pvk_password)",
      "access_token_cache: AccessTokenCache, cache for access tokens",
      "auth_token = hugging_face_access_token",
      "api_key = your_api_key_here",
      "client_secret = HTTPClientSecret",
      "private_key_password = _PASSWORD_DEFAULT",
      "'--oauth-client-secret': 'oauth2-client-secret'",
      // a lower-case name that a bracket closes: an argument or a value in code
      "connect(key, cert, domain, password=password)",
      '{"PASSWORD": mock_challenge}',
      // after `:`, one word that prose continues: a field's description in generated docs
      "password: Required. Input only. The password for the user.",
      "PASSWORD_SET: Password set in object.",
      "SIGNAL_TYPE_NO_ROOT_PASSWORD: Represents if a Cloud SQL instance has no root password.",
    ]) {
      expect(f(line), line).toEqual([]);
    }
    // still secrets: digits where people put them, random mixed case, a word quoted, at the end of
    // its line or after `=`
    for (const [line, value] of [
      ["password: Summer_Password2024", "Summer_Password2024"],
      ["password = Hunter2Secret99", "Hunter2Secret99"],
      ["client_secret: TYooMQauvdEDq54NiTphI7jx", "TYooMQauvdEDq54NiTphI7jx"],
      ['password: "Required" here', "Required"],
      ["password: Sunshine.", "Sunshine."],
      ["PGPASSWORD=Sunshine psql -h db", "Sunshine"],
      ["password: Tr0ub4dor set it", "Tr0ub4dor"],
      ["Log in (password: Sunshine)", "Sunshine)"],
    ] as [string, string][]) {
      expect(f(line).filter((x) => x.endsWith(`:${value}`)).length, line).toBeGreaterThan(0);
    }
  });

  it("a reference to a secret store (1Password, Secret Manager, Vault, AWS, Azure Key Vault, Ansible) is not the secret", () => {
    const f = findingsOf(secretsOn());
    for (const line of [
      'DB_PASSWORD="op://prod/postgres/password"',
      "sasl-password='projects/123/secrets/my-secret/versions/1'",
      "password: sm://projects/acme/secrets/db-pass",
      "DB_PASSWORD=arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
      "db_password: arn:aws:ssm:us-east-1:123456789012:parameter/prod/db/password",
      "client_secret: vault:secret/data/oauth#client_secret",
      "api_key: https://myvault.vault.azure.net/secrets/api-key/0123456789abcdef",
      "password: !vault |",
    ]) {
      expect(f(line), line).toEqual([]);
    }
    // only where the value starts, and only these stores
    expect(f("password: op-Zx81Kq3mPp0Lw7Vn")).toEqual(["generic_password:op-Zx81Kq3mPp0Lw7Vn"]);
    expect(f("DB_PASSWORD=arn:aws:iam::123:Zx81Kq3m")).toEqual(["generic_password:arn:aws:iam::123:Zx81Kq3m"]);
    expect(f("password: https://x.io/Zx81Kq3mPp0Lw7Vn")).toEqual(["generic_password:https://x.io/Zx81Kq3mPp0Lw7Vn"]);
  });

  it("keys that are credentials by name: `token`, `…_TOKEN`, a signed URL's signature; not page tokens, word lists or placeholders", () => {
    const f = findingsOf(secretsOn());
    const v = "k8Jd9sLq2Wm4Xn7Pz1Rt5Vb3";
    expect(f(`{"token": "${v}", "expires_in": 3600}`)).toEqual([`token_value:${v}`]);
    expect(f(`wss://rt.example.com/socket?v=2&token=${v}&x=1`)).toEqual([`token_value:${v}`]);
    expect(f(`token: ${v}`)).toEqual([`token_value:${v}`]);
    expect(f(`Set it with token: ${v}.`)).toEqual([`token_value:${v}`]); // the sentence's `.`
    expect(f(`SLACK_TOKEN=${v}`)).toEqual([`named_token:${v}`, `env_token:${v}`]); // (Slack is one of named_token's services)
    expect(f(`  CI_JOB_TOKEN: "${v}"`)).toEqual([`env_token:${v}`]);
    expect(f(`"id_token": "${v}"`)).toEqual([`named_token:${v}`]);
    expect(f("csrf_token=9f8e7d6c5b4a39281706f5e4d3c2b1a0")).toEqual(["named_token:9f8e7d6c5b4a39281706f5e4d3c2b1a0"]);
    // two rules on one value: both are reported, the value is redacted once
    expect(f(`X-CSRF-Token: ${v}`)).toEqual([`named_token:${v}`, `token_value:${v}`]);
    expect(f(`DISCORD_BOT_TOKEN=${v}`)).toEqual([`named_token:${v}`, `env_token:${v}`]);
    const hex = "4f1c3b7e2a9d8c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b";
    expect(f(`https://b.s3.amazonaws.com/k?X-Amz-Date=20260101T000000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${hex}`)).toEqual([`signed_url_signature:${hex}`]);
    expect(f(`https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${hex}${hex}`)).toEqual([`signed_url_signature:${hex}${hex}`]);
    const cf = "nitfHRCrtziwO2HwPfWw~yYDhUF5EwRunQA-j19DzZrvDh6hQ73lDx~-ar3UocvvRQVw6EkC~GdpGQyyOSKQim-TxAnW7d8F5Kkai9HVx0FIu";
    expect(f(`https://d1.cloudfront.net/a.jpg?Expires=1767225600&Signature=${cf}&Key-Pair-Id=K2JCJMDEHXQW5F`)).toEqual([`signed_url_signature:${cf}`]);
    for (const clean of [
      "tokenizer: bert-base-uncased-whole-word",
      "return token = SyntaxKind.Identifier;", // code: no digit
      "readonly token: SyntaxKind.ExtendsKeyword | SyntaxKind.ImplementsKeyword;",
      `"nextPageToken": "${v}"`,
      `page_token=${v}`,
      '"token": "authentication-required"',
      "Token: see-the-docs-for-details",
      "NEXT_PAGE_TOKEN=abc",
      "token: ${{ secrets.GITHUB_TOKEN }}",
      "SLACK_TOKEN=<your-slack-token-here>",
      "signature = inspect.signature(handler_function)",
      "X-Amz-SignedHeaders=host;x-amz-content-sha256",
    ]) expect(f(clean), clean).toEqual([]);
  });

  it("an AWS Signature Version 4 header's scheme is no credential; its signature is one", () => {
    const f = findingsOf(secretsOn());
    const signature = "ced6826de92d2bdeed8f846f0bf508e8559e98e4b0199114b84c54174deb456c";
    const header = `Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/iam/aws4_request, SignedHeaders=content-type;host, Signature=${signature}`;
    expect(f(header)).toEqual([`signed_url_signature:${signature}`]);
  });

  it("an Authorization header's token schemes and raw keys; session cookies by framework name", () => {
    const f = findingsOf(secretsOn());
    const hex = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";
    const v = "k8Jd9sLq2Wm4Xn7Pz1Rt5Vb3";
    expect(f(`curl -H "Authorization: Token ${hex}" https://api.example.com/`)).toEqual([`authorization_header:${hex}`]);
    expect(f(`authorization: token ${hex}`)).toEqual([`authorization_header:${hex}`]); // HTTP/2 lower case
    expect(f(`Send Authorization: Token ${hex}.`)).toEqual([`authorization_header:${hex}`]); // the sentence's `.`
    expect(f(`Authorization: SSWS 00QCjAl4MlV-WPXM-${v}`)).toEqual([`authorization_header:00QCjAl4MlV-WPXM-${v}`]);
    expect(f(`{"Authorization": "Api-Key ${v}"}`)).toEqual([`authorization_header:${v}`]);
    expect(f(`Authorization: lin_api_${v}`)).toEqual([`authorization_header:lin_api_${v}`]);
    // Basic and Bearer are their own rules' (the scheme alone is too short a last word)
    expect(f(`Authorization: Bearer ${v}aB7cD9`)).toEqual([`bearer_token:${v}aB7cD9`]);
    expect(f("Authorization: Basic dXNlcjpwYXNzd29yZA==")).toEqual(["basic_auth:dXNlcjpwYXNzd29yZA=="]);
    for (const clean of ["Authorization: required-for-all-endpoints", "Authorization: Token <your-token-here>", "Authorization: Token $API_TOKEN", "authorization: none"]) expect(f(clean), clean).toEqual([]);

    expect(f(`Cookie: sessionid=${v.toLowerCase()}; theme=dark`)).toEqual([`session_cookie:${v.toLowerCase()}`]);
    expect(f("Set-Cookie: JSESSIONID=8F3A2B1C4D5E6F708192A3B4C5D6E7F8; Path=/; HttpOnly")).toEqual(["session_cookie:8F3A2B1C4D5E6F708192A3B4C5D6E7F8"]);
    expect(f("https://shop.example.com/cart;jsessionid=8F3A2B1C4D5E6F708192A3B4C5D6E7F8?item=3")).toEqual(["session_cookie:8F3A2B1C4D5E6F708192A3B4C5D6E7F8"]);
    // Express signs its cookie: `s%3A` (`s:`) + id + `.` + signature, all of it the credential
    expect(f(`Set-Cookie: connect.sid=s%3A${v}.aB7cD9eF1gH3iJ5kL7mN9oP1; Path=/`)).toEqual([`session_cookie:s%3A${v}.aB7cD9eF1gH3iJ5kL7mN9oP1`]);
    expect(f(`Set-Cookie: ASP.NET_SessionId=${v.toLowerCase()}; path=/`)).toEqual([`session_cookie:${v.toLowerCase()}`]);
    for (const clean of ["session_id: not-yet-assigned-for-user", "the sessionid cookie is HttpOnly", `my_sessionid=${v}`]) expect(f(clean), clean).toEqual([]);
  });

  it("credentials in a URL query under short names: key, auth, access_key, secret", () => {
    const f = findingsOf(secretsOn());
    const v = "k8Jd9sLq2Wm4Xn7Pz1Rt5Vb3mN0";
    const hex = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    expect(f(`https://myapp.firebaseio.com/users.json?auth=${v}`)).toEqual([`url_query_credential:${v}`]);
    expect(f(`http://api.ipstack.com/check?access_key=${hex}&output=json`)).toEqual([`url_query_credential:${hex}`]);
    expect(f(`https://api.trello.com/1/members/me?key=${hex}&fields=all`)).toEqual([`url_query_credential:${hex}`]);
    expect(f(`See https://x.io/a;key=${v}.`)).toEqual([`url_query_credential:${v}`]);
    for (const clean of ["https://example.com/cache?key=user-profile-image-large", `key: ${v}`, `monkey=${v}`, `?keys=${v}`]) expect(f(clean), clean).toEqual([]);
  });

  it("passwords in SQL that creates a user, and in .netrc entries", () => {
    const f = findingsOf(secretsOn());
    expect(f("CREATE USER 'app'@'%' IDENTIFIED BY 'S3cr3tP4ss';")).toEqual(["sql_password:S3cr3tP4ss"]);
    expect(f("create user app identified with mysql_native_password by 'S3cr3t';")).toEqual(["sql_password:S3cr3t"]);
    expect(f("CREATE USER scott IDENTIFIED BY tiger;")).toEqual(["sql_password:tiger"]); // Oracle: unquoted
    expect(f("ALTER ROLE app WITH LOGIN ENCRYPTED PASSWORD 'md5abc123';")).toEqual(["sql_password:md5abc123"]);
    for (const clean of ["please enter your password below", "ALTER USER app WITH PASSWORD '<new password>';", "a password reset link", "ALTER USER app PASSWORD EXPIRE;", "Removes the directory identified by `path`.", "the user identified by name alice"]) expect(f(clean), clean).toEqual([]);

    expect(f("machine api.example.com login alice password S3cr3tP4ssw0rd\n")).toEqual(["netrc_password:S3cr3tP4ssw0rd"]);
    expect(f("machine github.com\n  login alice\n  password Hunter2Pass\nmachine x.org login b password Other9Pass")).toEqual(["netrc_password:Hunter2Pass", "netrc_password:Other9Pass"]);
    // a quoted password is also what sql_password reads after `password '…'` / `PASSWORD "…"`
    expect(f('Use machine h.example.com login me password "Qx7Lm2Vp9".')).toEqual(["sql_password:Qx7Lm2Vp9", "netrc_password:Qx7Lm2Vp9"]);
    expect(f("Use machine h.example.com login me password Qx7Lm2Vp9.")).toEqual(["netrc_password:Qx7Lm2Vp9"]);
    for (const clean of ["machine learning needs a password manager", "machine github.com login alice"]) expect(f(clean), clean).toEqual([]);
  });

  it("htpasswd's batch-mode password, Django secret keys, and AWS keys set by `aws configure set`", () => {
    const f = findingsOf(secretsOn());
    expect(f("htpasswd -b /etc/nginx/.htpasswd admin S3cret99")).toEqual(["htpasswd_password:S3cret99"]);
    expect(f("htpasswd -bcB -C 12 .htpasswd bob 'hunter22' && nginx -s reload")).toEqual(["htpasswd_password:hunter22"]);
    expect(f("htpasswd -nb admin S3cret99 >> .htpasswd")).toEqual(["htpasswd_password:S3cret99"]); // -n: no file argument
    expect(f("htpasswd -n -B -b admin S3cret99 | tee x")).toEqual(["htpasswd_password:S3cret99"]);
    expect(f("Run htpasswd -b pw.txt alice Tr0ub4dor.")).toEqual(["htpasswd_password:Tr0ub4dor"]); // the sentence's `.`
    for (const clean of ["htpasswd -c .htpasswd admin", "htpasswd -D .htpasswd admin", "htpasswd -b .htpasswd admin", "htpasswd -nb admin > out", "htpasswd -b f u $PASS", "use htpasswd -b to set a password in batch mode"]) expect(f(clean), clean).toEqual([]);

    const key = "i!+eqh5+24^yng5by1#+)a(2r_o@gubbb^8ay*n1_b7o+259ow"; // Django's alphabet, 50 characters
    expect(f(`SECRET_KEY = '${key}'`)).toEqual([`django_secret_key:${key}`]);
    expect(f(`DJANGO_SECRET_KEY=${key}\n`)).toEqual([`django_secret_key:${key}`]);
    expect(f(`SECRET_KEY = 'django-insecure-${key}'`)).toEqual([`django_insecure_key:django-insecure-${key}`, `django_secret_key:django-insecure-${key}`]);
    expect(f(`loaded django-insecure-${key}.`)).toEqual([`django_insecure_key:django-insecure-${key}`]);
    // `$` and `%` first are a key's, not a variable's or a format's; `%4f` reads `O` and `%02` stays as written
    for (const v of [`$w${key.slice(2)}`, `%x${key.slice(2)}`, `${key.slice(0, 20)}%4f${key.slice(23)}`, `${key.slice(0, 20)}%02${key.slice(23)}`]) expect(f(`SECRET_KEY = '${v}'`), v).toEqual([`django_secret_key:${v}`]);
    // unquoted in a `.env` file, a key that starts like a call (`aggy(csop_e)…`) is still a key: code holds no `!#^~`
    const callLike = "aggy(csop_e)inkwq%zji0$)iodbph8!dcs43f5a9-4k5^#%@@";
    expect(f(`DJANGO_SECRET_KEY=${callLike}\n`)).toEqual([`django_secret_key:${callLike}`]);
    expect(f("password = bytes(memoryview(password))")).toEqual([]);
    for (const clean of ["SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY', get_random_secret_key())", `SECRET_KEY = '${"a".repeat(50)}'`, `SECRET_KEY = '${key.slice(0, 30)}'`, `SECRET_KEY_BASE = '${key}'`]) expect(f(clean), clean).toEqual([]);

    const aws = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzxPLEKEY01";
    expect(f(`aws configure set aws_secret_access_key ${aws}`)).toEqual([`aws_secret_key:${aws}`]);
    expect(f(`aws configure set aws_secret_access_key ${aws} --profile ci`)).toEqual([`aws_secret_key:${aws}`]);
    expect(f("the secret access key is stored in the vault and never shown here")).toEqual([]);
  });

  it("vendor keys without a prefix under `…_KEY` / `…_SECRET` names; SonarQube, Sourcegraph and NuGet credentials", () => {
    const f = findingsOf(secretsOn());
    expect(f("PLAID_SECRET=7064dc4115f986633bb9a72525d4ea")).toEqual(["named_secret:7064dc4115f986633bb9a72525d4ea", "env_secret:7064dc4115f986633bb9a72525d4ea"]);
    expect(f("  SUMO_ACCESS_KEY: kVM6CE5mPL8mVWpscvt0M4SK4WOeqeN7vq2Lm9xZ4k")).toEqual(["env_secret:kVM6CE5mPL8mVWpscvt0M4SK4WOeqeN7vq2Lm9xZ4k"]);
    expect(f("APP_KEY=base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmc=")).toEqual(["env_secret:base64:Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmc="]);
    expect(f("SECRET=kVM6CE5mPL8mVWpscvt0M4SK")).toEqual(["env_secret:kVM6CE5mPL8mVWpscvt0M4SK"]);
    for (const clean of ["SSH_KEY=~/.ssh/id_rsa", "SORT_KEY=created_at_desc_order", "const OPENAI_API_KEY = process.env.OPENAI_API_KEY", "api_key = get_key()", "plaid_secret=7064dc4115f986633bb9a72525d4ea", `CACHE_KEY=${"$"}{PREFIX}-v2`, "SESSION_SECRET=changeme"]) {
      expect(f(clean).filter((x) => x.startsWith("env_secret")), clean).toEqual([]);
    }
    // a service's token under its lower-case config name; pagination cursors stay
    expect(f('codecov_token: "a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6"')).toEqual(["named_token:a1b2c3d4-e5f6-7a8b-9c0d-e1f2a3b4c5d6"]);
    expect(f("netlify_token: nfp_Zq9x8Lm2Vp7Kr4Tb3Ny6Wc1Hd5Gf0Js8A")).toEqual(["named_token:nfp_Zq9x8Lm2Vp7Kr4Tb3Ny6Wc1Hd5Gf0Js8A"]);
    for (const clean of ['next_token: "eyJ2IjoiMSIsInMiOjEwMH0abc123"', "page_token = CAEQAhoQa2V5OjEyMzQ1Njc4OTA", "the sentry token is rotated weekly by the ops team"]) expect(f(clean), clean).toEqual([]);
    // any `<name>_secret`, in any case
    expect(f('bitbucket_secret: "N7vq2Lm9xZ4kQ8Zr2LmX0p"')).toEqual(["named_secret:N7vq2Lm9xZ4kQ8Zr2LmX0p"]);
    expect(f("shared-secret = a8f3k2j9d8s7f6g5h4j3")).toEqual(["named_secret:a8f3k2j9d8s7f6g5h4j3", "secret_value:a8f3k2j9d8s7f6g5h4j3"]);
    for (const clean of ["top-secret: see-the-wiki-for-details", "the secret is out", "this_secret = get_secret(name)", "app_secret_rotation: enabled-for-all-tenants"]) {
      expect(f(clean).filter((x) => x.startsWith("named_secret")), clean).toEqual([]);
    }
    const hex40 = "7064dc4115f986633bb9a72525d4ea7064dc4115";
    expect(f(`mvn sonar:sonar -Dsonar.login=${hex40} -Dsonar.host.url=https://sq`)).toEqual([`sonar_login:${hex40}`]);
    expect(f(`sonar.token=sqp_${hex40}`)).toEqual([`sonarqube_token:sqp_${hex40}`, `sonar_login:sqp_${hex40}`, `token_value:sqp_${hex40}`]);
    for (const t of [`sgp_cfe5a805bb1c361c_${hex40}`, `sgp_local_${hex40}`, `sgp_${hex40}`]) expect(f(`src login ${t} ok`), t).toEqual([`sourcegraph_access_token:${t}`]);
    expect(f('<add key="ClearTextPassword" value="N7vq2!Lm9xZ4k" />')).toEqual(["nuget_cleartext_password:N7vq2!Lm9xZ4k", "xml_setting_credential:N7vq2!Lm9xZ4k"]);
    expect(f('<add key="Username" value="bob" /> <add key="ClearTextPassword" value="" />')).toEqual([]);
    expect(f("aliyun configure set --access-key-secret kVM6CE5mPL8mVWpscvt0M4SK4WOeqe")).toEqual(["cli_secret_flag:kVM6CE5mPL8mVWpscvt0M4SK4WOeqe"]);
  });

  it("tokens by their formats: Facebook app tokens, FCM server keys, HubSpot, Netlify, Dropbox, Salesforce, Doppler service tokens; `…_PAT` variables", () => {
    const f = findingsOf(secretsOn());
    const hex32 = "948fa8de1f33f0601aecb1973e1c20bb";
    expect(f(`GET /me?access_token=1234567890123456|${hex32}`)).toEqual([`facebook_app_token:1234567890123456|${hex32}`]);
    expect(f(`| 1234567890123456 | ${hex32} |`)).toEqual([]); // table cells, not one token
    const fcm = `AAAAD5eb0wK:APA91b${"5UGOEwxlAa0cLOKmlTqH2G-IQFsbrCDAHfD-UJNUdg_tmKSywfFuvDHUO".repeat(3).slice(0, 134)}`;
    expect(f(`FCM_SERVER_KEY ${fcm}`)).toEqual([`firebase_fcm_server_key:${fcm}`]);
    expect(f("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host")).toEqual([]);
    const hubspot = "pat-na1-005bc299-8275-42a4-a21d-8def3f374911";
    expect(f(`Authorization: Bearer ${hubspot}`)).toContain(`hubspot_private_app_token:${hubspot}`);
    expect(f("netlify deploy --auth nfp_bK7oqDlcLInEl1oiIOGGACjGcC4JUG9uAbzL")).toEqual(["netlify_token:nfp_bK7oqDlcLInEl1oiIOGGACjGcC4JUG9uAbzL"]);
    const dropbox = `sl.${"mKo_6uXnsqsuBDBYQ8S65XqMU6ujnhYSW-CawB7uuZEncIfJQ17TKOEtlrVjCejWAuZJYfUKVXu4qcT".repeat(2).slice(0, 138)}`;
    expect(f(`dropbox token ${dropbox}`)).toEqual([`dropbox_token:${dropbox}`]);
    expect(f("see sl.example.com and tsl.js")).toEqual([]);
    const sf = `00D5g000004xYzA!AQ4AQ${"Lm9xZ4kQ8Zr2LmX0pN7vq2.Hd5Gf0Js8A_".repeat(4).slice(0, 90)}`;
    expect(f(`sfdx org display: Access Token ${sf}`)).toEqual([`salesforce_access_token:${sf}`]);
    const doppler = "dp.st.prd.VX1XsuoQkDB1bSBegeK0SX6B9HfLyR7bGZi3En2snR3";
    expect(f(`DOPPLER_TOKEN=${doppler}`)).toContain(`doppler_token:${doppler}`);
    // an environment variable named `…_PAT` (Azure DevOps, GitHub) holds a personal access token
    expect(f("AZURE_DEVOPS_PAT=nbgvwothja46dmky4dgdvkq7hv76uvs2urzqdi737vevi7ug6qfy")).toEqual(["env_token:nbgvwothja46dmky4dgdvkq7hv76uvs2urzqdi737vevi7ug6qfy"]);
    expect(f("PATH_PAT=src/**/*.ts PAT=abc")).toEqual([]);
  });

  it("credentials in the forms configuration and code write them: subscripts, PHP define(), XML elements and settings, Dockerfile ENV, wp-config salts", () => {
    const f = findingsOf(secretsOn());
    const pw = "Xk9sd8f7Gh2jK3lm";
    const key = "Xk9sd8f7Gh2jK3lmQ8Zr2LmX0pN7vq";
    expect(f(`define('DB_PASSWORD', '${pw}');`)).toEqual([`php_define_credential:${pw}`]);
    expect(f(`define( "SMTP_PASS", "${pw}" );`)).toEqual([`php_define_credential:${pw}`]);
    expect(f(`$config['password'] = '${pw}';`)).toEqual([`generic_password:${pw}`]);
    expect(f(`os.environ["API_KEY"] = "${key}"`)).toEqual([`generic_api_key:${key}`, `env_secret:${key}`]);
    expect(f(`<password>${pw}</password>`)).toEqual([`generic_password:${pw}`]);
    expect(f(`<apiKey>${key}</apiKey>`)).toEqual([`generic_api_key:${key}`]);
    expect(f(`ENV API_TOKEN ${key}`)).toEqual([`env_token:${key}`]);
    expect(f(`secret: ${key}`)).toEqual([`secret_value:${key}`]);
    expect(f(`"Secret": "${key}"`)).toEqual([`secret_value:${key}`]);
    expect(f(`<add key="Stripe:ApiKey" value="${key}" />`)).toEqual([`xml_setting_credential:${key}`]);
    expect(f(`<property name="smtpPassword" value="S3cr3t!Pw"/>`)).toEqual(["xml_setting_credential:S3cr3t!Pw"]);
    const salt = "Xk9s d8f7Gh2jK3lm-p9Qz!x7WvR2@a#b$c%d^e&f*g(h)i_j+k=l{m}n[o]p|q:"; // 64 characters
    expect(f(`define( 'AUTH_KEY',         '${salt}' );`)).toContain(`wordpress_salt:${salt}`);
    expect(salt.length).toBe(64);
    for (const clean of [
      `["password", "password_confirmation"]`, // a list of names
      `fields = ("password", "username")`,
      `MovedAttribute("HTTPPasswordMgr", "urllib2", "urllib.request")`, // names in a call, not a pair
      "define( 'DB_PASSWORD', 'password_here' );", // wp-config-sample.php's placeholder
      "socks5h://<username>:<password>@proxy-host", // a template: no end tag after the value
      'data["password"] = sa_creds', // a subscript given an expression, not a literal
      "'secret': 'V1SecretVolumeSource',", // a generated client's type name after its API version
      "define( 'AUTH_KEY',         'put your unique phrase here' );",
      `<add key="PasswordMinLength" value="8" />`, // names something about it
      `<add key="ApiKeyHeader" value="X-Api-Key" />`,
      `<entry key="db.password" value="\${DB_PASSWORD}"/>`,
      `<div class="password">Enter your password</div>`,
      "the API_KEY environment variable", // prose names a variable
      `if len(password)>MIN_LENGTH:`,
      "secret: classified-do-not-share",
    ]) expect(f(clean), clean).toEqual([]);
  });

  it("a path to a file is not the secret it holds; an OpenPGP key's fingerprint under a gpg/pgp key name is not a secret", () => {
    const f = findingsOf(secretsOn());
    for (const clean of [
      'github_key = "~/.ssh/github_ed25519"',
      'api_key = "/etc/keys/api2.key"',
      "api_key: /run/secrets/api_key2",
      'password = "../secrets/db_pass2.txt"',
      "api_key: ./secrets/openai2.txt",
      "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
      "PGP_KEY_ID=64E628F8D684696D",
      'gpgKeyFingerprint: "A035C8C19219BA821ECEA86B64E628F8D684696D"',
    ]) expect(f(clean), clean).toEqual([]);
    // a value that only starts with `/` is still one; so is hex under a passphrase's name or another key's
    expect(f("password: /Xk9sd8f7Gh2jK3lm")).toEqual(["generic_password:/Xk9sd8f7Gh2jK3lm"]);
    const hex40 = "A035C8C19219BA821ECEA86B64E628F8D684696D";
    expect(f(`GPG_PASSPHRASE=${hex40}`)).toEqual([`generic_password:${hex40}`]);
    expect(f(`SIGNING_KEY=${hex40}`)).toEqual([`env_secret:${hex40}`]);
    expect(f(`GPG_KEY=${hex40}1`)).toEqual([`env_secret:${hex40}1`]); // 41 digits: no fingerprint
  });

  it("credentials in base64 as a Kubernetes Secret holds them: known token prefixes, connection URLs, .dockerconfigjson", () => {
    const f = findingsOf(secretsOn());
    const b64 = (t: string) => Buffer.from(t).toString("base64");
    for (const plain of ["sk_live_51HqLyjWDarjtT1zdp7dcXyZ09abc", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "xoxb-123456789012-abcdefABCDEF", "AKIAIOSFODNN7EXAMPLE", "postgres://app:S3cret@db:5432/app", "mongodb+srv://app:S3cret@c0.x.mongodb.net/db", "redis://:S3cretPw@cache:6379/0"]) {
      const v = b64(plain);
      expect(f(`data:\n  VALUE: ${v}\n`).filter((x) => x.startsWith("base64_secret")), plain).toEqual([`base64_secret:${v}`]);
    }
    // the base64 of anything else is not a secret by its shape
    for (const plain of ["hello world, nothing to see here", "https://example.com/docs", "sk_live"]) expect(f(`  VALUE: ${b64(plain)}`), plain).toEqual([]);
    const docker = b64(JSON.stringify({ auths: { "registry.example.com": { auth: b64("robot:S3cretPw9") } } }));
    expect(f(`data:\n  .dockerconfigjson: ${docker}\ntype: kubernetes.io/dockerconfigjson`)).toEqual([`docker_config_json:${docker}`]);
    expect(f(`{".dockerconfigjson":"${docker}"}`)).toEqual([`docker_config_json:${docker}`]);
  });

  it("the lengths vendors issue: Mailchimp's two-digit data centres, 1Password's 39-unit keys, Slack workflow webhooks, Telegram Bot API URLs, one-group Slack bot tokens", () => {
    const f = findingsOf(secretsOn());
    const only = (rule: string, t: string) => f(t).filter((x) => x.startsWith(`${rule}:`));
    expect(only("mailchimp_api_key", "key df3775a490ef19653751d48698f3949f-us15 ok")).toEqual(["mailchimp_api_key:df3775a490ef19653751d48698f3949f-us15"]);
    expect(only("mailchimp_api_key", "key df3775a490ef19653751d48698f3949f-us1 ok")).toEqual(["mailchimp_api_key:df3775a490ef19653751d48698f3949f-us1"]);
    for (const k of ["A3-ASWWYB-798JRYLJVD4-23DC2-86TVM-H43EB", "A3-ASWWYB-798JRY-LJVD4-23DC2-86TVM-H43EB"]) expect(only("onepassword_secret_key", `key ${k}`), k).toEqual([`onepassword_secret_key:${k}`]);
    // the whole path: the first version stopped 56 units in, leaving the last 9 of the secret
    const hook = "hooks.slack.com/workflows/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";
    expect(only("slack_webhook_url", `POST https://${hook}`)).toEqual([`slack_webhook_url:${hook}`]);
    const bot = "584464513:AAP7xK2mQ9vL4nR8tW1yZ5bC3dF6gH0jKlM";
    expect(only("telegram_bot_token", `curl https://api.telegram.org/bot${bot}/getMe`)).toEqual([`telegram_bot_token:bot${bot}`]);
    expect(only("telegram_bot_token", `TELEGRAM_BOT_TOKEN=5${bot}`)).toEqual([`telegram_bot_token:5${bot}`]);
    expect(only("telegram_bot_token", `robot${bot}`)).toEqual([]);
    expect(only("slack_legacy_bot_token", "xoxb-8221810920-WlUM6u3OVjiyhtsueXjtEpqm")).toEqual(["slack_legacy_bot_token:xoxb-8221810920-WlUM6u3OVjiyhtsueXjtEpqm"]);
  });

  it("an unquoted value that names where code reads a secret from is not the secret", () => {
    const e = secretsOn();
    const f = findingsOf(e);
    for (const code of [
      "const apiKey = process.env.API_KEY;",
      "password: process.env.DB_PASSWORD,",
      'password = os.getenv("DB_PASSWORD")',
      "client_secret = settings.CLIENT_SECRET",
      "auth_token = request.headers.authorization",
      "const secretKey = import.meta.env.VITE_SECRET_KEY",
      "password=self.password",
      "passwd: user.passwordHash",
      // calls: a dotted path, a `_` or a camelCase step before `(`, or `(` opening on `)` or a quote
      'password = getpass.getpass("Password: ")',
      "password = hashlib.sha256(raw).hexdigest()",
      "api_key = load_api_key_from_vault(name)",
      "token: getToken()",
      'password = prompt("pw")',
      "passwd = input('Password: ')",
      // a dotted path of names without a digit; a type annotation; a generic type
      "  origin: value.origin, password: value.password,",
      "setPrivateKey(privateKey: NodeJS.ArrayBufferView): void;",
      "function eskdf(username: string, password: string): Promise<T>",
      "createCipheriv(algorithm: CipherGCMTypes, password: BinaryLike, options?)",
      "def login(user: str, password: Optional[str] = None):",
      "privateKeyEncoding: BasePrivateKeyEncodingOptions<PrivF>",
      "interface URLPatternResult { password: URLPatternComponentResult; }",
      // a subscript, a call on a name, a parenthesised expression, a null literal (Python's stdlib)
      "            self.password = config['password']",
      "                    password = auth[2]",
      "            password = bytes(memoryview(password))",
      "        pwd = (self.password.encode('utf-8') if isinstance(x, str) else x)",
      "    def extract(self, member, path=None, pwd=None):",
      // the shell's working directory in `env` output
      "PWD=/home/agent/project",
      "OLDPWD=~/src",
    ]) expect(f(code), code).toEqual([]);
    for (const secret of ["password: (S3cret!x", "password = Abc123[xyz", "password = Nonexistent9!", "password: Sunshine."]) expect(f(secret), secret).toEqual([`generic_password:${secret.split(/[:=] ?/)[1]}`]);
    // a digit in a dotted value, a type name that goes on, a password after PWD's look-alikes: values
    expect(f("password: CorrectHorse")).toEqual(["generic_password:CorrectHorse"]);
    expect(f("password: CorrectHorse9;")).toEqual(["generic_password:CorrectHorse9"]);
    expect(f("password: string_of_Words9")).toEqual(["generic_password:string_of_Words9"]);
    expect(f("DB_PWD=/s3cretPass")).toEqual(["generic_password:/s3cretPass"]);
    expect(f("PWD=Tr0ub4dor&3")).toEqual(["generic_password:Tr0ub4dor&3"]);
    // a password with a parenthesis, and a quoted call, are values
    expect(f("password=Tr0ub4dor(3")).toEqual(["generic_password:Tr0ub4dor(3"]);
    expect(f('password = "getpass.getpass()"')).toEqual(["generic_password:getpass.getpass()"]);
    // quoted, it is a literal; other names, and a token after `Bearer`, are values as before
    expect(f('password = "self.password"')).toEqual(["generic_password:self.password"]);
    expect(f("SESSION_SECRET=abc123.def456XYZ")).toEqual(["generic_secret:abc123.def456XYZ", "named_secret:abc123.def456XYZ", "env_secret:abc123.def456XYZ"]);
    expect(f("client_secret = settingsX.Q7fG2kLp9Rz8")).toEqual(["generic_secret:settingsX.Q7fG2kLp9Rz8", "named_secret:settingsX.Q7fG2kLp9Rz8"]);
    expect(f("Authorization: Bearer this.isA.Token9xQ2mZ7vL4kP8wR3tY6u")).toEqual(["bearer_token:this.isA.Token9xQ2mZ7vL4kP8wR3tY6u"]);
  });

  it("a `.` that ends a sentence is not part of a GitLab or bearer token; the token's own dots are", () => {
    const e = secretsOn("gitlab_pat", "gitlab_runner_token", "bearer_token");
    const f = findingsOf(e);
    const legacy = "glpat-Ab3dE5gH7jK9mN1pQ3sT";
    const routable = "glpat-q8Zr2LmX0pV7sTbN4wEyUu3k9Jd2Hs5Gf1Aa7Cc.01.0w9a8b7c6";
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expect(f(`My token is ${legacy}.`)).toEqual([`gitlab_pat:${legacy}`]);
    expect(f(`Use ${routable}. Then log in.`)).toEqual([`gitlab_pat:${routable}`]);
    expect(f(`runner: glrt-${legacy.slice(6)}...`)).toEqual([`gitlab_runner_token:glrt-${legacy.slice(6)}`]);
    expect(f(`It sent Authorization: Bearer ${jwt}.`)).toEqual([`bearer_token:${jwt}`]);
    // dots inside, and a run of them, stay in the token
    expect(f(`Bearer abc..DEF.ghi-9_x~y+z/w==`)).toEqual(["bearer_token:abc..DEF.ghi-9_x~y+z/w=="]);
  });

  it("an unsigned JWT (`alg: none`) is one, up to its second `.`; a signed one keeps its signature", () => {
    const f = findingsOf(secretsOn("jwt"));
    const unsigned = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxMjM0NTY3ODkwIiwiYWRtaW4iOnRydWV9.";
    const signed = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    expect(f(`token ${unsigned} sent`)).toEqual([`jwt:${unsigned}`]);
    expect(f(`{"id_token":"${unsigned}"}`)).toEqual([`jwt:${unsigned}`]);
    expect(f(`token ${signed}. Done`)).toEqual([`jwt:${signed}`]);
    // a signature too short to be one, run into by a word: no JWT
    expect(f("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc")).toEqual([]);
  });

  it("Anthropic keys: API and admin keys by their fixed length, OAuth tokens and session keys by prefix and entropy", () => {
    const e = secretsOn("anthropic_api_key", "anthropic_admin_key", "anthropic_oauth_token");
    const f = findingsOf(e);
    const body = "Xq3vR9kLm2Np8Tz4Wb6Yc1Hd5Fg7Js0Ae-Ku2Io9Pl3Mn6Bv8Cx4Zr1Qw5Et7Yu0AbCdEfGh_IjKlMnOpQrStUvWxYz0123";
    expect(f(`CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-${body}AA`)).toEqual([`anthropic_oauth_token:sk-ant-oat01-${body}AA`]);
    expect(f(`"refresh_token": "sk-ant-ort01-${body.slice(0, 60)}"`)).toEqual([`anthropic_oauth_token:sk-ant-ort01-${body.slice(0, 60)}`]);
    expect(f(`sessionKey=sk-ant-sid01-${body.slice(0, 40)}`)).toEqual([`anthropic_oauth_token:sk-ant-sid01-${body.slice(0, 40)}`]);
    expect(f(`x-api-key: sk-ant-api03-${body.slice(0, 93)}AA`)).toEqual([`anthropic_api_key:sk-ant-api03-${body.slice(0, 93)}AA`]);
    // too short, a placeholder run, an unknown kind
    expect(f(`sk-ant-oat01-${body.slice(0, 39)} sk-ant-oat01-${"x".repeat(80)} sk-ant-xyz01-${body}`)).toEqual([]);
  });

  it("private keys encoded in base64 whole (kubeconfig client-key-data): every PEM type; a certificate is not one", () => {
    const e = secretsOn("private_key_base64");
    const f = findingsOf(e);
    const b64 = (pem: string) => Buffer.from(pem).toString("base64");
    const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const ec = pair.privateKey;
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    const pems = [
      ec.export({ type: "pkcs8", format: "pem" }) as string,
      ec.export({ type: "sec1", format: "pem" }) as string,
      rsa.export({ type: "pkcs1", format: "pem" }) as string,
      rsa.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "x" }) as string,
    ];
    // and the headers no library here writes: OpenSSH, DSA, PGP (a body of random base64 after them)
    for (const t of ["OPENSSH PRIVATE KEY", "DSA PRIVATE KEY", "PGP PRIVATE KEY BLOCK"]) pems.push(`-----BEGIN ${t}-----\n${randomBytes(300).toString("base64")}\n-----END ${t}-----\n`);
    for (const pem of pems) {
      const v = b64(pem);
      expect(f(`    client-key-data: ${v}\n`), pem.slice(0, 40)).toEqual([`private_key_base64:${v}`]);
      expect(f(`{"tls.key":"${v}"}`), pem.slice(0, 40)).toEqual([`private_key_base64:${v}`]);
      // wrapped as `base64` writes it, 76 characters a line: the whole encoding (and, when it ends
      // without `=` padding, the first word of a next line that starts like base64: documented)
      const wrapped = v.replace(/(.{76})(?=.)/g, "$1\n");
      expect(f(`key:\n${wrapped}\n---\n`), pem.slice(0, 40)).toEqual([`private_key_base64:${wrapped}`]);
      expect(f(`key:\n${wrapped}\n\ndone`), pem.slice(0, 40)).toEqual([`private_key_base64:${wrapped}`]);
    }
    const cert = b64(`-----BEGIN CERTIFICATE-----\n${randomBytes(300).toString("base64")}\n-----END CERTIFICATE-----\n`);
    const pub = b64(pair.publicKey.export({ type: "spki", format: "pem" }) as string);
    expect(f(`client-certificate-data: ${cert}\npub: ${pub}`)).toEqual([]);
  });

  it("Discord bot tokens: the base64 of a decimal user ID starts the token; a table of decimals costs no run", () => {
    const e = secretsOn("discord_bot_token");
    const f = findingsOf(e);
    const r = prng(11);
    for (let i = 0; i < 20; i++) {
      const id = String(1 + Math.floor(r() * 9)) + Array.from({ length: 17 + (i % 2) }, () => Math.floor(r() * 10)).join("");
      const first = Buffer.from(id).toString("base64url");
      const token = `${first}.${sampleOf("[A-Za-z0-9_-]{6}", r)}.${sampleOf("[A-Za-z0-9_-]{27}", r)}`;
      expect(f(`client.login("${token}")`), id).toEqual([`discord_bot_token:${token}`]);
    }
    // the second character is D, T, j or z (a byte 0x3_ after the first): `MA…` is no user ID
    expect(f("MAk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs")).toEqual([]);
    let csv = "";
    while (csv.length < 20_000) csv += `,${Math.floor(r() * 100_000)}.${Math.floor(r() * 100)}`;
    e.preCall({ tool: "t", args: { text: csv }, now: 1 });
    expect(e.lastScanWork()).toBe(0);
  });

  it("user:password after a command's -u / --user flag; uid:gid and placeholders are not credentials", () => {
    const e = secretsOn("cli_user_password");
    const f = findingsOf(e);
    expect(f("curl -u admin:Sup3rS3cret https://api.example.com/v1/health")).toEqual(["cli_user_password:admin:Sup3rS3cret"]);
    expect(f("curl --user deploy:Tr0ub4dor3 https://ci.example.com")).toEqual(["cli_user_password:deploy:Tr0ub4dor3"]);
    expect(f("wget --user='bob:B0bsS3cret9' https://files.example.com/x")).toEqual(["cli_user_password:bob:B0bsS3cret9"]);
    for (const t of ["docker run -u 1000:1000 img", "docker run -u appuser:appgroup img", 'curl -u "$USER:$TOKEN" https://x', 'curl --user-agent "x:Mozilla5" http://a', "curl -u admin: https://x", "x-u admin:Sup3rS3cret"]) expect(f(t), t).toEqual([]);
  });

  it("passwords after mysql's attached -p and sshpass's -p: only the value; other commands' -p flags are not passwords", () => {
    const e = secretsOn("mysql_password_flag", "sshpass_password");
    const f = findingsOf(e);
    expect(f("mysql -h db -u root -pS3cretPass! mydb")).toEqual(["mysql_password_flag:S3cretPass!"]);
    expect(f('mysqldump -uroot -p"S3cr3t" --all-databases > d.sql')).toEqual(["mysql_password_flag:S3cr3t"]);
    expect(f("/usr/bin/mariadb -h db -P 3306 -uapp -pAppPass123 app")).toEqual(["mysql_password_flag:AppPass123"]);
    expect(f("sshpass -p 'N0tS0S3cret' ssh root@host")).toEqual(["sshpass_password:N0tS0S3cret"]);
    expect(f("sshpass -p hunter22 ssh host && sshpass -phunter33 scp a b:")).toEqual(["sshpass_password:hunter22", "sshpass_password:hunter33"]);
    // with two flags the client uses the last one, but both are passwords (each flag's value is
    // its own match; the command is context of both); the value may itself start like a flag
    expect(f("mysql -pA1 -pB2")).toEqual(["mysql_password_flag:A1", "mysql_password_flag:B2"]);
    expect(f("mysql -u root -p-pw9 x")).toEqual(["mysql_password_flag:-pw9"]);
    for (const t of [
      "mysql -u root -p mydb", // a space: -p prompts, mydb is the database
      "mysql -u root -p$MYSQL_PWD db",
      'sshpass -p "$PASS" ssh h',
      "mkdir -p /tmp/x && ssh -p 22 host",
      "echo mysql | grep -pX",
      "mysql; cp -pr a b",
      "xmysql -uroot -pS3cret",
    ]) expect(f(t), t).toEqual([]);
  });

  it("zip, SQL Server, ssh-keygen and `openssl enc` passwords; GitHub secrets set from an argument; npm's _auth", () => {
    const f = findingsOf(secretsOn("cli_password_flag", "unzip_password_flag", "ssh_keygen_passphrase", "openssl_enc_password", "gh_secret_body", "npm_auth_basic"));
    expect(f("zip -r -P Zip2Secret out.zip dir")).toEqual(["cli_password_flag:Zip2Secret"]);
    expect(f("unzip -o -P Zip2Secret out.zip")).toEqual(["unzip_password_flag:Zip2Secret"]);
    expect(f("sqlcmd -S db -U sa -P 'Sql2Secret!' -Q 'select 1'")).toEqual(["cli_password_flag:Sql2Secret!"]);
    expect(f("ssh-keygen -p -P OldPass1 -N NewPass2 -f id_ed25519")).toEqual(["ssh_keygen_passphrase:OldPass1", "ssh_keygen_passphrase:NewPass2"]);
    expect(f("openssl enc -aes-256-cbc -salt -k Enc0dePass -in a -out b")).toEqual(["openssl_enc_password:Enc0dePass"]);
    expect(f('gh secret set API_KEY --body "Xk9sd8f7Gh2jK3lm"')).toEqual(["gh_secret_body:Xk9sd8f7Gh2jK3lm"]);
    const b = basic("admin", "Np3Secret");
    expect(f(`//registry.example.com/:_auth=${b}`)).toEqual([`npm_auth_basic:${b}`]);
    for (const t of [
      "unzip -p a.zip f.txt", // -p: extract to a pipe
      "ssh-keygen -N '' -f key", // no passphrase
      "gh secret set API_KEY < key.txt",
      "gh variable set NAME --body visible-value",
      "mkdir -p a && zip -r out.zip dir",
      `_auth=${Buffer.from("no colon here").toString("base64")}`,
    ]) expect(f(t), t).toEqual([]);
  });

  it("Samba's user%password and `net use` share passwords; the same commands without one are not", () => {
    const f = findingsOf(secretsOn("smb_user_password", "net_use_password"));
    expect(f("smbclient //fs01/share -U alice%S3cretPass9 -c ls")).toEqual(["smb_user_password:alice%S3cretPass9"]);
    expect(f("rpcclient -U 'CORP\\admin%Adm1n!pw' 10.0.0.5")).toEqual(["smb_user_password:CORP\\admin%Adm1n!pw"]);
    expect(f("net use Z: \\\\fs01\\share Sh4reP4ss /user:CORP\\alice")).toEqual(["net_use_password:Sh4reP4ss"]);
    expect(f("NET USE \\\\fs01\\data /USER:alice /PERSISTENT:NO Sh4reP4ss")).toEqual(["net_use_password:Sh4reP4ss"]);
    for (const t of [
      "smbclient //fs01/share -U alice", // prompts for the password
      "smbclient -L fs01 -U%", // the anonymous user
      "smbclient //fs01/share -U alice -c 'get 100%.txt'",
      "net use Z: \\\\fs01\\share * /user:alice", // `*` prompts for it
      "net use Z: \\\\fs01\\share /user:alice /persistent:yes",
      'net use \\\\fs01\\ipc$ "" /user:""', // the null session
      "net use Z: /delete",
      "the net use of the share", // prose
    ]) expect(f(t), t).toEqual([]);
  });

  it("credentials under the names keys take by their use (quoted only), passed to setters, in Bitwarden's session variable and in PuTTY key files", () => {
    const f = findingsOf(secretsOn());
    const key = "a8Kd93jfLq02mZx7Pq4RtY";
    expect(f(`encryption_key: "${key}"`)).toEqual([`named_key_quoted:${key}`]);
    expect(f(`"masterKey": "${key}",`)).toEqual([`named_key_quoted:${key}`]);
    expect(f(`licenseKey = '7H2K-9PLQ-4XMZ-R8TW'`)).toEqual(["named_key_quoted:7H2K-9PLQ-4XMZ-R8TW"]);
    expect(f(`System.setProperty("javax.net.ssl.keyStorePassword", "St0reP4ss!")`)).toEqual(["setter_credential:St0reP4ss!"]);
    expect(f(`localStorage.setItem('token', '${key}');`)).toEqual([`setter_credential:${key}`]);
    expect(f(`os.Setenv("GITHUB_API_KEY", "${key}")`)).toEqual([`setter_credential:${key}`]);
    expect(f(`os.environ.setdefault("SECRET_KEY", "${key}")`)).toEqual([`setter_credential:${key}`]);
    const bw = "5PBYGU+5yt3RHcCjoeJKx/wByU34vokGRZjXpSH7Ylo8w==";
    expect(f(`export BW_SESSION="${bw}"`)).toEqual([`env_token:${bw}`]);
    const lines = ["AAAAIHn6Q1bZk29dLq0Xn4Pw7RtYs8Vh3nZ8vK2pL9xW4mR7tYa8Kd9", "Zx7Pq4RtYs8V"];
    const mac = "8a3f5c2e9b1d7f0a4c6e8b2d5f9a1c3e7b0d4f8a8a3f5c2e9b1d7f0a4c6e8b2d";
    const priv = `Private-Lines: 2\r\n${lines.join("\r\n")}\r\nPrivate-MAC: ${mac}`;
    const ppk = `PuTTY-User-Key-File-3: ssh-ed25519\r\nEncryption: none\r\nComment: me\r\nPublic-Lines: 1\r\nAAAAC3NzaC1lZDI1NTE5AAAAIBvl\r\n${priv}\r\n`;
    expect(f(ppk)).toEqual([`putty_private_key:${priv}`]);
    for (const clean of [
      "encryption_key = get_encryption_key()", // unquoted: code
      "encryption_key: str = field(default=None)",
      `encryption_key_sha256: "${key}"`, // the key's digest, named so
      `"signing_key": "signing-key-for-tests"`, // no digit: a name
      `config.set("password", "username")`, // a name, not a value
      `["password", "${key}"]`, // a list, not a call
      `props.setProperty("passwordPolicy", "${key}")`,
      "Private-Lines: 14", // the header alone
      "FLASK_SESSION=filesystem",
    ]) expect(f(clean), clean).toEqual([]);
  });

  it("PowerShell's plain-text secure strings, `…_pass` keys, secret stores set from the command line, FTP transcripts; cmdlets, constants and literals of code are no values", () => {
    const f = findingsOf(secretsOn());
    expect(f(`$password = ConvertTo-SecureString "S3cretPw9!" -AsPlainText -Force`)).toEqual(["powershell_secure_string:S3cretPw9!"]);
    expect(f(`$cred = New-Object PSCredential ("alice", (ConvertTo-SecureString -String 'P4ss!word' -AsPlainText -Force))`)).toEqual(["powershell_secure_string:P4ss!word"]);
    expect(f(`ansible-playbook site.yml -e "ansible_become_pass=Bec0mePass"`)).toEqual(["pass_suffix_password:Bec0mePass"]);
    expect(f("SMTP_PASS=Sm7pPassw0rd")).toEqual(["pass_suffix_password:Sm7pPassw0rd"]);
    expect(f("az keyvault secret set --vault-name v --name db --value S3cretPw9")).toEqual(["az_keyvault_secret_value:S3cretPw9"]);
    expect(f("aws secretsmanager create-secret --name db --secret-string S3cretPw9")).toEqual(["cli_secret_flag:S3cretPw9"]);
    expect(f("> USER alice\r\n< 331 Password required for alice\r\n> PASS Ftp9Secret!\r\n< 230 Logged in")).toEqual(["ftp_password:Ftp9Secret!"]);
    expect(f("USER bob\nPASS hunter22\n")).toEqual(["ftp_password:hunter22"]);
    expect(f("password = Get-Lost2024")).toEqual(["generic_password:Get-Lost2024"]); // ends as passwords do
    // digits inside a name's words, or mixed case, are a token's
    expect(f("API_TOKEN=AB12_CD34_EF56_GH78_XY")).toContain("env_token:AB12_CD34_EF56_GH78_XY");
    expect(f("password = S3CR3T_PASS")).toEqual(["generic_password:S3CR3T_PASS"]);
    expect(f("password: --Xk9sd8f")).toEqual(["generic_password:--Xk9sd8f"]);
    expect(f('password = "hunter2.com"')).toEqual(["generic_password:hunter2.com"]); // two labels: no host
    for (const clean of [
      "$pw = Read-Host -AsSecureString", // a cmdlet makes the value
      "$password = ConvertTo-SecureString $plain -AsPlainText -Force",
      "$password = Get-Credential",
      "aws secretsmanager create-secret --name db --secret-string file://creds.json", // the file holds it
      "first_pass = compute(x)",
      "fds_to_pass = [listener.fileno(), alive_r]", // a list of code
      "password = {cfg.get('pw'), other}",
      "proxy_user=NOT_IMPL, proxy_pass=NOT_IMPL,", // a constant's name
      '"access-token": TEST_DATA_BASE64,',
      "    pwd = base_path", // a variable's
      "'id_token': openid_connect_implicit,",
      ":param passphrase: (optional) if encrypted", // a parenthesised word
      '_COMMAND_PASSPHRASE_OPTION = "--with_passphrase"', // a flag's name
      'PASSWORD_CLIENT_KEYFILE = "client_password.key"', // names a file
      "#password_encryption = scram-sha-256", // names a scheme
      "_CLOUD_SQL_API_SERVICE_TOKEN = 'sql-component.googleapis.com'", // a host's name
      "USER node\nRUN npm ci\nPASS test/a.test.js", // a Dockerfile, then a test runner
      "PASS  src/app.test.ts (5.2 s)",
    ]) expect(f(clean), clean).toEqual([]);
  });

  it("network credentials: SNMP communities, IPMI, RDP, WireGuard and Wi-Fi keys, OpenVPN static keys, proxy users, Basic in any case, Tavily keys", () => {
    const f = findingsOf(secretsOn());
    expect(f("snmpwalk -v2c -c S3cretComm router1 system")).toEqual(["snmp_community:S3cretComm"]);
    expect(f("snmpget -v3 -u admin -A Auth9Pass -X Priv9Pass router1")).toEqual(["snmp_community:Auth9Pass", "snmp_community:Priv9Pass"]);
    expect(f("ipmitool -I lanplus -H bmc1 -U admin -P Ipm1Pass chassis status")).toEqual(["cli_password_flag:Ipm1Pass"]);
    expect(f("xfreerdp /v:host /u:alice /p:Rdp9Passw0rd")).toEqual(["rdp_password:Rdp9Passw0rd"]);
    const wg = "FpCyhws9cxwWoV4xELtfJvjJN+zQVRPISllRWgeopVE=";
    expect(f(`[Peer]\nPresharedKey = ${wg}\n`)).toEqual([`wireguard_preshared_key:${wg}`]);
    expect(f('network={\n  ssid="home"\n  psk="correcthorsebattery"\n}')).toEqual(["wifi_psk:correcthorsebattery"]);
    expect(f("curl --proxy-user alice:Pr0xyPass9 https://x")).toEqual(["cli_user_password:alice:Pr0xyPass9"]);
    const b = basic("x-access-token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a");
    expect(f(`git -c http.extraheader="AUTHORIZATION: basic ${b}" fetch`)).toEqual([`basic_auth:${b}`]);
    expect(f("TAVILY=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")).toEqual(["tavily_api_key: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"]);
    const hex = Array.from({ length: 16 }, (_, i) => createHash("sha256").update(String(i)).digest("hex").slice(0, 32));
    const ovpn = `-----BEGIN OpenVPN Static key V1-----\n${hex.join("\n")}\n-----END OpenVPN Static key V1-----`;
    expect(f(`<tls-auth>\n${ovpn}\n</tls-auth>`)).toEqual([`openvpn_static_key:${ovpn}`]);
    for (const clean of [
      "snmpwalk -v2c -c $COMMUNITY host",
      "xfreerdp /v:host /u:alice /p:", // prompts
      "psk = derive_psk(ssid, passphrase)",
      "psk: NodeJS.ArrayBufferView;",
      "the basic functionality of basic authentication",
      "-----BEGIN OpenVPN Static key V1-----\n<your key here>\n-----END OpenVPN Static key V1-----",
    ]) expect(f(clean), clean).toEqual([]);
  });

  it("pass phrases: a quoted value of words under a password's key, and quoted flag values with spaces, whole; prose, labels and templates are none", async () => {
    const f = findingsOf(secretsOn());
    const only = (t: string) => f(t).filter((x) => !x.startsWith("generic_password:"));
    expect(only('password = "correct horse battery staple"')).toEqual(["quoted_passphrase:correct horse battery staple"]);
    expect(only('{"password": "open sesame 42"}')).toEqual(["quoted_passphrase:open sesame 42"]);
    expect(only("SMTP_PASSWORD='abcd efgh ijkl mnop'")).toEqual(["quoted_passphrase:abcd efgh ijkl mnop"]);
    expect(only('$config["db_passphrase"] = "Correct Horse Battery 9"')).toEqual(["quoted_passphrase:Correct Horse Battery 9"]);
    expect(only('network={\n  ssid="home"\n  psk="blue sky over 5g"\n}')).toEqual(["wifi_psk_phrase:blue sky over 5g"]);
    // generic_password's one word was a part of it: the phrase covers it, and wins the overlap
    expect(f('password = "Tr0ub4dor &3"')).toEqual(["generic_password:Tr0ub4dor", "quoted_passphrase:Tr0ub4dor &3"]);
    const enforcer = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true } } } } });
    let seen: unknown;
    await enforcer.call("t", { t: 'password = "Tr0ub4dor &3" and mysql -p"my pass word" db' }, (a) => { seen = a; });
    expect((seen as { t: string }).t).toBe('password = "<QUOTED_PASSPHRASE>" and mysql -p"<MYSQL_PASSWORD>" db');
    // a quoted flag value holds its spaces: all of it is the password (was: its first word)
    expect(f('mysql -u root -p"my pass word" app')).toEqual(["mysql_password_flag:my pass word"]);
    expect(f("sshpass -p 'blue sky 99' ssh host")).toEqual(["sshpass_password:blue sky 99"]);
    expect(f('redis-cli -a "s3cret with spaces" ping')).toEqual(["redis_cli_password:s3cret with spaces"]);
    expect(f('gh secret set DEPLOY_NOTE --body "the value of it"')).toEqual(["gh_secret_body:the value of it"]);
    expect(f("docker login -u me -p 'a b c d e' registry.example.com")).toEqual(["login_password_flag:a b c d e"]);
    for (const t of [
      '"password": "Enter your password"',
      '"password": "Mot de passe"',
      '"password": "Master password"',
      'password = "The password for the user."',
      'password: "must be at least 8 characters"',
      'password = "required field"',
      'password = "Wachtwoord vergeten"',
      '"password": "Nueva contraseña"',
      'password = "%s %s"',
      'password = "$USER pass"',
      'password_hint = "my dog rex"',
      'password = "Are you sure?"',
      "password: correct horse battery staple", // unquoted: a description's shape
      'password = "aa aa"',
      'sshpass -p "$PASS WORD" ssh h',
      "mysql -u root -p'$MYSQL_PWD x' db",
    ]) expect(only(t), t).toEqual([]);
  });

  it("here-strings into sudo -S, and chpasswd's user:password lines echoed or as a here-string: only the password", () => {
    const f = findingsOf(secretsOn("sudo_herestring_password", "chpasswd_password", "chpasswd_stdin_password"));
    expect(f('sudo -S <<< "S3cretPw" apt update')).toEqual(["sudo_herestring_password:S3cretPw"]);
    expect(f("sudo -k -S <<< 'my pass 9' ls")).toEqual(["sudo_herestring_password:my pass 9"]);
    expect(f("RUN echo 'root:Docker!' | chpasswd")).toEqual(["chpasswd_stdin_password:Docker!"]);
    expect(f('echo "alice:S3cret99" | sudo chpasswd')).toEqual(["chpasswd_stdin_password:S3cret99"]);
    expect(f("printf 'bob:B0bPass9\\n' | chpasswd")).toEqual(["chpasswd_stdin_password:B0bPass9"]);
    expect(f("chpasswd <<< 'bob:B0bPass'")).toEqual(["chpasswd_password:B0bPass"]);
    for (const t of [
      "sudo -S <<< $PW ls",
      "sudo -S <<<$PW ls",
      'echo "$USER:$PASS" | chpasswd',
      "echo 'root:password' | chpasswd",
      "chpasswd < users.txt",
      "echo root | chpasswd",
      "sudo ls <<< 'x'",
    ]) expect(f(t), t).toEqual([]);
  });

  it("passwords echoed into sudo -S and into registry logins' --password-stdin; variables, names and other pipes are none", () => {
    const f = findingsOf(secretsOn("sudo_stdin_password", "login_stdin_password"));
    expect(f("echo 'S3cretPw!' | sudo -S apt-get update")).toEqual(["sudo_stdin_password:S3cretPw!"]);
    expect(f('echo "hunter22" | sudo -k -S true && echo done')).toEqual(["sudo_stdin_password:hunter22"]);
    expect(f("echo 'my pass word' | sudo -u root -S id")).toEqual(["sudo_stdin_password:my pass word"]);
    expect(f("echo -n s3cr3t | docker login -u me --password-stdin registry.example.com")).toEqual(["login_stdin_password:s3cr3t"]);
    expect(f('echo "tok3n" | podman login quay.io -u bot --password-stdin')).toEqual(["login_stdin_password:tok3n"]);
    expect(f("echo 'ghs_x9' | helm registry login ghcr.io -u me --password-stdin")).toEqual(["login_stdin_password:ghs_x9"]);
    // printf's format is the value; its line end (and `echo -e`'s) is not part of it
    expect(f("printf 'S3cretPw!\\n' | sudo -S apt-get update")).toEqual(["sudo_stdin_password:S3cretPw!"]);
    expect(f('printf "tok3n" | docker login -u me --password-stdin')).toEqual(["login_stdin_password:tok3n"]);
    expect(f("echo -e 'S3cretPw!\\n' | sudo -S ls")).toEqual(["sudo_stdin_password:S3cretPw!"]);
    for (const t of [
      "echo $PASS | sudo -S ls",
      'echo "$(cat /run/pw)" | docker login --password-stdin',
      "echo password | sudo -S ls",
      "echo 'your_password' | sudo -S ls",
      "echo hi | sudo ls",
      "echo hi | sudo -s",
      "cat pw.txt | docker login --password-stdin",
      "echo S3cret | tee f | sudo -S ls", // the pipe into sudo is tee's output
      "xecho S3cret | sudo -S ls",
      "printf '%s\\n' \"$PW\" | sudo -S ls",
      "printf 'password\\n' | sudo -S ls",
    ]) expect(f(t), t).toEqual([]);
  });

  it("Redis' requirepass and masterauth, Windows' `net user` passwords, passwords hashed by `openssl passwd`; placeholders, prompts and switches are none", () => {
    const f = findingsOf(secretsOn("redis_password", "net_user_password", "openssl_passwd"));
    expect(f("requirepass Tr0ub4dor3x\nmasterauth Repl1caPass")).toEqual(["redis_password:Tr0ub4dor3x", "redis_password:Repl1caPass"]);
    expect(f("redis-cli CONFIG SET requirepass S3cret99")).toEqual(["redis_password:S3cret99"]);
    expect(f("net user alice Tr0ub4dor3x /add")).toEqual(["net_user_password:Tr0ub4dor3x"]);
    expect(f("NET USER bob NewPass1 /domain")).toEqual(["net_user_password:NewPass1"]);
    expect(f('useradd -m -p "$(openssl passwd -6 Tr0ub4dor3x)" alice')).toEqual(["openssl_passwd:Tr0ub4dor3x"]);
    expect(f("openssl passwd -1 -salt xyz S3cret")).toEqual(["openssl_passwd:S3cret"]);
    for (const t of [
      "# requirepass foobared",
      "the requirepass directive",
      "net user alice * /add",
      "net user alice /delete",
      "net user accounts are listed",
      "net user alice <password> /add",
      "openssl passwd -stdin < pw.txt",
      'openssl passwd -6 "$PW"',
      "openssl passwd -in pw.txt",
    ]) expect(f(t), t).toEqual([]);
  });

  it("PostgreSQL password files: the password of a line of five fields alone on its line; /etc/passwd, times and JSON are none", () => {
    const f = findingsOf(secretsOn("pgpass_password"));
    expect(f("localhost:5432:mydb:admin:S3cretPw!")).toEqual(["pgpass_password:S3cretPw!"]);
    // an IPv6 host, its colons escaped as the file's format wants them
    expect(f("\\:\\:1:5432:appdb:app:S3cretPw9\nfe80\\:\\:1:*:*:postgres:Pg6Pass")).toEqual(["pgpass_password:S3cretPw9", "pgpass_password:Pg6Pass"]);
    expect(f("$ cat ~/.pgpass\n*:*:*:postgres:Sup3rPass9\ndb.example.com:5432:app:alice:pa\\:ss\n")).toEqual(["pgpass_password:Sup3rPass9", "pgpass_password:pa\\:ss"]);
    expect(f("     1\tdb:6432:*:bob:B0bsPass\r\n")).toEqual(["pgpass_password:B0bsPass"]); // cat -n
    for (const t of [
      "root:x:0:0:root:/root:/bin/bash",
      "12:30:45",
      "host:5432:db:user:*",
      "the time is 10:20:30:40:50 now",
      '"port":5432,"db":"x"',
      "url host:5432:db:user:pw extra",
      "a:b:c:d:e",
      '"MON:18:30-MON:19:30 TUE:18:30-TUE:19:30</code>.</p>"', // time windows in a sentence
    ]) expect(f(t), t).toEqual([]);
  });

  it("passwords after other clients' one-letter flags and OpenSSL's pass:; the same flags of other commands are not", () => {
    const e = secretsOn("redis_cli_password", "login_password_flag", "ldap_bind_password", "openssl_passphrase");
    const f = findingsOf(e);
    expect(f("redis-cli -h cache -a S3cretRedis ping")).toEqual(["redis_cli_password:S3cretRedis"]);
    expect(f("docker login -u deploy -p 'Hunter2Secret' registry.example.com")).toEqual(["login_password_flag:Hunter2Secret"]);
    expect(f("helm registry login ghcr.io -u me -p ghcrPass99")).toEqual(["login_password_flag:ghcrPass99"]);
    expect(f("mongosh --host db -u admin -p M0ngoSecret")).toEqual(["login_password_flag:M0ngoSecret"]);
    expect(f("az login --service-principal -u http://app -p 4Fq8~xYz.Secret_Value-12 --tenant t")).toEqual(["login_password_flag:4Fq8~xYz.Secret_Value-12"]);
    expect(f("ldapsearch -x -D cn=admin,dc=ex,dc=com -w LdapBind1 -b dc=ex")).toEqual(["ldap_bind_password:LdapBind1"]);
    expect(f("ldapwhoami -x -D uid=me -wB1ndPass")).toEqual(["ldap_bind_password:B1ndPass"]);
    expect(f("openssl rsa -in k.pem -passin pass:Rs4Input:Pass -out o.pem")).toEqual(["openssl_passphrase:Rs4Input:Pass"]);
    expect(f("openssl pkcs12 -export -passout 'pass:P12export' -out a.p12")).toEqual(["openssl_passphrase:P12export"]);
    for (const t of [
      "mongo -u admin -p --authenticationDatabase admin", // -p alone prompts
      'redis-cli -a "$REDIS_PASSWORD" ping',
      "docker run -p 8080:80 img && docker login -u me --password-stdin",
      "ls -a /tmp && git commit -am x && psql -U postgres -p 5432 && tar -w x",
      "az vm create -p x", // not a login
      "openssl rsa -passin env:KEY_PASS -passout file:/run/pass",
      "printf '%s' x-passin pass:abc",
    ]) expect(f(t), t).toEqual([]);
  });

  it("a secret after a long flag named like one, as a separate argument, and keytool's -storepass / -keypass", () => {
    const f = findingsOf(secretsOn("cli_secret_flag"));
    expect(f("docker login --username deploy --password Hunter2Secret99 registry.example.com")).toEqual(["cli_secret_flag:Hunter2Secret99"]);
    expect(f("kubeadm join 10.0.0.5:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:x")).toEqual(["cli_secret_flag:abcdef.0123456789abcdef"]);
    expect(f('mycli --api-key "7f3b2c9d1e8a4f6b0c5d" list')).toEqual(["cli_secret_flag:7f3b2c9d1e8a4f6b0c5d"]);
    expect(f("keytool -importkeystore -srcstorepass Ch4ngeItNow -deststorepass N3wStor3Pass")).toEqual(["cli_secret_flag:Ch4ngeItNow", "cli_secret_flag:N3wStor3Pass"]);
    // a quoted value with spaces is one value (was: its first word, the rest in clear)
    expect(f('tool --password "Summer Time 2024!" --user bob')).toEqual(["cli_secret_flag:Summer Time 2024!"]);
    expect(f("tool --client-secret 'aB3 dE6 gH9 kL2' run")).toEqual(["cli_secret_flag:aB3 dE6 gH9 kL2"]);
    for (const t of [
      "docker login --password-stdin -u me registry",
      "gh auth login --with-token < token.txt",
      "tool --token-file /run/secrets/token --password $DB_PASSWORD",
      'tool --password "$(cat /run/pass)"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
      "tool --token ${{ secrets.TOKEN }}",
      "tool --password changeme", // one character class: a placeholder, not a secret
      "tool --pass 3 --token -v",
      "x--password Hunter2Secret99",
    ]) expect(f(t), t).toEqual([]);
  });

  it("Vault's legacy s. tokens: 24 characters of three classes, whole", () => {
    const f = findingsOf(secretsOn("vault_legacy_token"));
    expect(f("vault token lookup s.Xy7Qa9Lm3Np5Rt8Vw2Bc4Df6")).toEqual(["vault_legacy_token:s.Xy7Qa9Lm3Np5Rt8Vw2Bc4Df6"]);
    for (const t of ["s.getElementsByTagNameNSX", "s.abcdefghijklmnopqrstuvwx", "s.Xy7Qa9Lm3Np5Rt8Vw2Bc4Df6a", "os.Xy7Qa9Lm3Np5Rt8Vw2Bc4Df6"]) expect(f(t), t).toEqual([]);
  });

  it("Basic credentials must decode to user:password", () => {
    const e = engineWith({ categories: [], secrets: { enabled: true, categories: ["basic_auth"] } });
    const b = basic("admin", "s3cret!");
    expect(detect(e, `Authorization: Basic ${b}`).map((x) => x.text)).toEqual([b]);
    expect(detect(e, `Authorization: Basic ${Buffer.from("no colon here").toString("base64")}`)).toEqual([]);
    expect(detect(e, "Basic English is a controlled language")).toEqual([]);
  });

  it("private key blocks, with or without their END line", () => {
    const e = engineWith({ categories: [], secrets: { enabled: true, categories: ["private_key", "private_key_fragment"] } });
    const body = "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MbSXtgGBa9JkGJ9d\nq9nBmXIvXA8aR1rQYx3dZkHmAF3mZ9pC2Nd4Q1Xo3t0mE5JLzXbP7wSxU1QKcZ2D\n";
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}-----END RSA PRIVATE KEY-----`;
    const found = detect(e, `key:\n${pem}\nend`);
    expect(found.map((x) => x.rule)).toContain("private_key");
    expect(found.find((x) => x.rule === "private_key")!.text).toBe(pem);
    const truncated = `-----BEGIN OPENSSH PRIVATE KEY-----\n${body}`;
    expect(detect(e, truncated).map((x) => [x.rule, x.text])).toEqual([["private_key_fragment", truncated.trimEnd()]]);
    expect(detect(e, "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----")).toEqual([]);
    // the markers without a body: quoted apart in code, around a placeholder or prose
    for (const markers of [
      '_PKCS1_MARKER = ("-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----")',
      '"private_key": "-----BEGIN EC PRIVATE KEY-----\\n<key bytes>\\n-----END EC PRIVATE KEY-----\\n"',
      "the lines before \"-----BEGIN RSA PRIVATE KEY-----\" and after the \"-----END RSA PRIVATE KEY-----\" are ignored",
    ]) {
      expect(detect(e, markers), markers).toEqual([]);
    }
  });

  it("passwords in URLs: only the password is redacted", async () => {
    const enforcer = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: [], secrets: { enabled: true } } } } });
    let seen: unknown;
    await enforcer.call("t", { dsn: "postgres://app:Tr0ub4dor3@db.internal:5432/prod and https://bob:pa55word@example.com/x" }, (a) => { seen = a; });
    expect((seen as { dsn: string }).dsn).toBe("postgres://app:<DATABASE_PASSWORD>@db.internal:5432/prod and https://bob:<URL_PASSWORD>@example.com/x");
    // a URL with a password and no user (Redis' usual form)
    await enforcer.call("t", { dsn: "redis://:p4ssw0rdXYZ@cache:6379/0, ports http://example.com:8080/x" }, (a) => { seen = a; });
    expect((seen as { dsn: string }).dsn).toBe("redis://:<DATABASE_PASSWORD>@cache:6379/0, ports http://example.com:8080/x");
  });

  // compiles every secret rule: 2-5 s on this project's machines, near the default timeout
  it("placeholders name the rule; secrets are reported under rules.pii_redaction.secrets", { timeout: 60_000 }, async () => {
    const enforcer = createEnforcer({ policy: { name: "p", rules: { pii_redaction: { enabled: true, categories: ["email"], secrets: { enabled: true } } } } });
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    let seen: unknown;
    await enforcer.call("t", { t: `key AKIAIOSFODNN7EXAMPLE to a@b.co, jwt ${jwt}` }, (a) => { seen = a; });
    expect((seen as { t: string }).t).toBe("key <AWS_ACCESS_KEY> to <EMAIL>, jwt <JWT>");
    const d = secretsOn().preCall({ tool: "t", args: { t: "AKIAIOSFODNN7EXAMPLE" }, now: 1 });
    expect(d.violations[0]).toMatchObject({ type: "pii", action: "redact", rule: "rules.pii_redaction.secrets.aws_access_key", span: { start: 0, end: 20 } });
  });
});
