// Leaf validators of the policy language: tool names/globs, domain entries and argument paths.
// Each returns `null` when the value is fine, or a message saying what is wrong and how to fix it,
// so the zod schema (schema.ts) can attach the message to the exact YAML node.

/** Longest tool name or glob accepted (the original had no limit; 128 covers every real tool name). */
export const MAX_TOOL_NAME = 128;
/** Most segments in an argument path; the engine's bundle reader refuses deeper paths. */
export const MAX_ARG_PATH_SEGMENTS = 64;

// JavaScript objects cannot hold this key as plain data (zod drops it from records), so refuse it
// rather than lose the rule silently.
const PROTO_MESSAGE = "`__proto__` is not accepted as a name";

// C0, DEL and C1 control characters: invisible in editors and logs, so never legitimate in a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A tool entry: a name, or a glob where `*` is any run of characters and `?` is one character. */
export function checkToolPattern(s: string): string | null {
  if (s.length === 0) return "tool name must not be empty";
  if (s.length > MAX_TOOL_NAME) return `tool name is ${s.length} characters long; the limit is ${MAX_TOOL_NAME}`;
  if (CONTROL.test(s)) return "tool name must not contain control characters";
  if (s === "__proto__") return PROTO_MESSAGE;
  if (s.trim() !== s) return "tool name must not start or end with whitespace";
  // Other glob syntaxes would silently be matched literally, so a user expecting `[rw]` to be a
  // character class would get a rule that never fires. Refuse instead.
  if (/[[\]{}]/.test(s)) return "only `*` and `?` are wildcards in tool names; `[`, `]`, `{` and `}` are not supported";
  return null;
}

/** Splits an argument path (`options.mode`, `files.*.path`) into segments, or returns a message. */
export function parseArgPath(s: string): string[] | string {
  if (s.length === 0) return "argument path must not be empty";
  if (CONTROL.test(s)) return "argument path must not contain control characters";
  if (s === "__proto__") return PROTO_MESSAGE;
  const segments = s.split(".");
  if (segments.length > MAX_ARG_PATH_SEGMENTS) {
    return `argument path has ${segments.length} segments; the limit is ${MAX_ARG_PATH_SEGMENTS}`;
  }
  for (const seg of segments) {
    if (seg.length === 0) return `argument path \`${s}\` has an empty segment (write \`a.b\`, not \`a..b\` or \`.a\`)`;
    if (seg !== "*" && seg.includes("*")) {
      return `argument path \`${s}\`: only a whole \`*\` segment is a wildcard (\`a.*.b\`), not \`${seg}\``;
    }
  }
  return segments;
}

/**
 * Syntax check of a regular expression (JavaScript syntax, what the compiler accepts), so that a
 * malformed pattern is reported at its line in the policy. Whether the linear-time engine supports
 * every construct used (no backreferences, no lookaround) is decided later by the compiler.
 */
export function checkRegex(source: string): string | null {
  try {
    void new RegExp(source);
    return null;
  } catch (err) {
    const message = (err as Error).message;
    const prefix = `Invalid regular expression: /${source}/: `; // V8's wording; keep only the reason
    return `invalid regular expression: ${message.startsWith(prefix) ? message.slice(prefix.length) : message}`;
  }
}

export type DomainCheck = { ok: true; host: string } | { ok: false; message: string };

/**
 * Canonicalises one `allowed_domains` / `denied_domains` entry to the form the engine compares:
 * lower case, IDN labels in punycode, IPv6 in brackets, no trailing dot. The WHATWG URL parser
 * (present in Node, Deno, Bun and browsers) does the IDNA and IP-literal work, so a policy entry
 * and a host seen in a URL are normalised by the same rules.
 * Accepted: `api.openai.com`, `*.example.com` (any subdomain, not the apex), `10.0.0.1`, `[::1]`
 * or `::1`, `bücher.de`. Refused with a precise message: schemes, paths, ports, user info, other
 * wildcard positions.
 */
export function canonicalDomain(raw: string): DomainCheck {
  const bad = (message: string): DomainCheck => ({ ok: false, message });
  const s = raw.normalize("NFC").toLowerCase();
  if (s.length === 0) return bad("domain must not be empty");
  if (CONTROL.test(s) || /\s/.test(s)) return bad(`domain \`${raw}\` must not contain spaces or control characters`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    return bad(`domain \`${raw}\` has a scheme: write only the host, without \`${scheme[1]}://\` (e.g. \`${hostOf(s)}\`)`);
  }
  if (/[/\\?#]/.test(s)) return bad(`domain \`${raw}\` has a path: write only the host (e.g. \`${s.split(/[/\\?#]/)[0]}\`)`);
  if (s.includes("@")) return bad(`domain \`${raw}\` has user info (\`…@\`): write only the host`);

  let wildcard = false;
  let host = s;
  if (host.startsWith("*.")) {
    wildcard = true;
    host = host.slice(2);
  }
  if (host.includes("*")) {
    return bad(`domain \`${raw}\`: the only wildcard form is a leading \`*.\` (e.g. \`*.example.com\`)`);
  }

  // IPv6 literal, bracketed or bare; a single colon is a port.
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) return bad(`domain \`${raw}\` has a port: write only the host, without \`:port\``);
  } else if (host.includes(":")) {
    if (host.indexOf(":") === host.lastIndexOf(":")) {
      return bad(`domain \`${raw}\` has a port: write only the host, without \`${host.slice(host.indexOf(":"))}\``);
    }
    host = `[${host}]`;
  }
  if (host.endsWith(".")) host = host.slice(0, -1); // `example.com.` is the same host
  if (!host.startsWith("[") && host.split(".").some((label) => label.length === 0)) {
    return bad(`domain \`${raw}\` has an empty label (\`..\` or a leading dot)`);
  }

  let parsed: string;
  try {
    parsed = new URL(`http://${host}/`).hostname;
  } catch {
    return bad(`domain \`${raw}\` is not a valid host name or IP address`);
  }
  if (parsed.length === 0 || parsed.length > 253) return bad(`domain \`${raw}\` is not a valid host name`);
  const isIp = parsed.startsWith("[") || /^\d+\.\d+\.\d+\.\d+$/.test(parsed);
  if (wildcard && isIp) return bad(`domain \`${raw}\`: a wildcard cannot apply to an IP address`);
  return { ok: true, host: wildcard ? `*.${parsed}` : parsed };
}

/** The host part of a URL-looking entry, for the "write only the host" hint. */
function hostOf(url: string): string {
  const rest = url.replace(/^[a-z][a-z0-9+.-]*:\/\//, "");
  const authority = rest.split(/[/\\?#]/)[0] ?? rest;
  const host = authority.slice(authority.lastIndexOf("@") + 1);
  return host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : (host.split(":")[0] ?? host);
}

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let j = 0; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      row[j] = d;
    }
  }
  return at(a.length, b.length);
}

/** The closest candidate within edit distance 2, if any (first one wins a tie). */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
