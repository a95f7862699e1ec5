import { describe, expect, it } from "vitest";
import { call, engineFor } from "./helpers.js";

const allowOnly = engineFor({ network: { enabled: true, allowed_domains: ["api.openai.com", "*.wikipedia.org"], deny_all_other: true } });
const denyList = engineFor({ network: { enabled: true, denied_domains: ["evil.com", "127.0.0.1", "::1", "bücher.example"], deny_all_other: false } });

const verdict = (engine: typeof allowOnly, url: string) => call(engine, "fetch", { url }).decision;

describe("URL hosts found anywhere in the arguments", () => {
  it("allows listed hosts and subdomains of wildcards only", () => {
    expect(verdict(allowOnly, "https://api.openai.com/v1/chat")).toBe("allow");
    expect(verdict(allowOnly, "https://en.wikipedia.org/wiki/X")).toBe("allow");
    expect(verdict(allowOnly, "https://wikipedia.org/")).toBe("deny");
    expect(verdict(allowOnly, "https://api.openai.com.evil.com/")).toBe("deny");
    expect(verdict(allowOnly, "no urls here at all")).toBe("allow");
  });

  // Each of these defeated the original's extraction, or defeats naive ones.
  const bypasses: [string, string][] = [
    ["upper-case scheme", "HTTPS://EVIL.COM/x"],
    ["mixed-case host", "https://EvIl.CoM"],
    ["userinfo", "https://api.openai.com@evil.com/"],
    ["userinfo with password", "http://user:pass@evil.com:8080/"],
    ["port", "http://evil.com:443"],
    ["trailing dot", "http://evil.com./"],
    ["backslashes", "https:\\\\evil.com\\path"],
    ["extra slashes", "https:////evil.com"],
    ["percent-encoded host", "http://%65vil.com/"],
    ["non-http scheme", "ftp://evil.com/file"],
    ["websocket scheme", "wss://evil.com/socket"],
    ["protocol-relative", "//evil.com/x"],
    ["embedded in prose", "please fetch (see http://evil.com, thanks)"],
    ["full-width dots", "http://evil\uff0ecom/"],
    ["ideographic dot", "http://evil\u3002com"],
  ];
  for (const [what, url] of bypasses) {
    it(`sees the real host through ${what}`, () => {
      expect(verdict(allowOnly, url)).toBe("deny");
      expect(verdict(denyList, url)).toBe("deny");
    });
  }

  it("reads a host after special schemes with no slashes, as WHATWG parsers do", () => {
    for (const url of ["https:evil.com/c", "HTTP:/evil.com/c", "http:/\\evil.com/c", "see ws:evil.com"]) {
      expect(verdict(allowOnly, url), url).toBe("deny");
      expect(verdict(denyList, url), url).toBe("deny");
    }
    expect(verdict(allowOnly, "note: nothing here, mailto:x")).toBe("allow");
  });

  it("maps full-width hosts and IPv4-mapped IPv6 to what a parser connects to", () => {
    expect(verdict(denyList, "http://ｅｖｉｌ.com/")).toBe("deny");
    expect(verdict(denyList, "http://[::ffff:7f00:1]/")).toBe("deny");
    expect(verdict(denyList, "http://[::ffff:127.0.0.1]/")).toBe("deny");
    const mappedEntry = engineFor({ network: { enabled: true, denied_domains: ["::ffff:169.254.169.254"], deny_all_other: false } });
    expect(verdict(mappedEntry, "http://169.254.169.254/latest")).toBe("deny");
  });

  it("normalises numeric IPv4 and IPv6 forms", () => {
    for (const url of ["http://127.0.0.1/", "http://2130706433/", "http://0x7f.1/", "http://0177.0.0.1/", "http://127.1/"]) {
      expect(verdict(denyList, url), url).toBe("deny");
    }
    for (const url of ["http://[::1]/", "http://[0:0:0:0:0:0:0:1]:80/", "http://[0000::0001]/"]) {
      expect(verdict(denyList, url), url).toBe("deny");
    }
    expect(verdict(denyList, "http://127.0.0.2/")).toBe("allow");
  });

  it("matches IDN hosts in Unicode and punycode forms", () => {
    expect(verdict(denyList, "http://bücher.example/")).toBe("deny");
    expect(verdict(denyList, "http://BÜCHER.example/")).toBe("deny");
    expect(verdict(denyList, "http://xn--bcher-kva.example/")).toBe("deny");
    expect(verdict(denyList, "http://bucher.example/")).toBe("allow");
  });

  it("looks into nested objects, arrays and keys, and reports where", () => {
    const d = call(allowOnly, "fetch", { opts: { mirrors: ["https://api.openai.com", "https://evil.com/a"] } });
    expect(d.decision).toBe("deny");
    expect(d.violations[0]).toMatchObject({ type: "domain_denied", path: ["opts", "mirrors", 1], span: { start: 8, end: 16 } });
    expect(call(allowOnly, "fetch", { "http://evil.com": 1 }).decision).toBe("deny");
  });

  it("names the denied-domain rule", () => {
    const d = call(denyList, "fetch", { url: "http://evil.com" });
    expect(d.violations[0]?.rule).toBe("rules.network.denied_domains[0]");
    expect(d.violations[0]?.reason).toContain("evil.com");
  });

  it("does nothing when the network section is disabled", () => {
    expect(call(engineFor({ network: { enabled: false, allowed_domains: [] } }), "fetch", { url: "http://evil.com" }).decision).toBe("allow");
  });
});
