// The enforcer's redaction keys (EnforcerOptions.redaction): `hash` becomes HMAC-SHA256 and `token`
// keyed tokens, in arguments, outputs and streamed results alike; the key never reaches the audit
// trail (records, trail file, replay journal).
import { createHmac } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import { EnforceCoreError } from "../../core/errors.js";
import { compilePolicyObject, createEnforcer, createTokenVault, multiTenant, openAuditTrail } from "../../hosts/node/index.js";

const KEY = "k3y-only-the-host-holds-7f3a9c";
const EMAIL = "john@example.com";
const SSN = "123-45-6789";

const policy = (strategy: string) => ({ name: "keys", rules: { pii_redaction: { enabled: true, categories: ["email", "ssn"], strategy } } });
const hmacHex = (key: string, text: string) => createHmac("sha256", key).update(text).digest("hex");
const hashOf = (text: string) => `[HMAC-SHA256:${hmacHex(KEY, text).slice(0, 16)}]`;
const tokenOf = (category: string, value: string) => `<${category.toUpperCase()}_${hmacHex(KEY, `${category}\u0000${value}`).slice(0, 8)}>`;

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
async function collect(stream: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const s of stream) out += s;
  return out;
}

describe("EnforcerOptions.redaction", () => {
  it("hash: arguments, outputs and streamed results get HMAC-SHA256 with the key (plain SHA-256 without one)", async () => {
    const e = createEnforcer({ policy: policy("hash"), redaction: { hmacKey: KEY } });
    let seen: unknown;
    const out = await e.call("t", { to: EMAIL }, (a) => {
      seen = a;
      return `ssn ${SSN}`;
    });
    expect(seen).toEqual({ to: hashOf(EMAIL) });
    expect(out).toBe(`ssn ${hashOf(SSN)}`);
    const text = `mail ${EMAIL} and ${SSN} `.repeat(40);
    const streamed = await e.call("t", {}, () => chunks(text, 7));
    expect(await collect(streamed as AsyncIterable<string>)).toBe(`mail ${hashOf(EMAIL)} and ${hashOf(SSN)} `.repeat(40));
    const plain = createEnforcer({ policy: policy("hash") });
    expect(await plain.call("t", {}, () => EMAIL)).toMatch(/^\[SHA256:[0-9a-f]{16}\]$/);
  });

  it("a Uint8Array key gives the same output as its UTF-8 string", async () => {
    const e = createEnforcer({ policy: policy("hash"), redaction: { hmacKey: new TextEncoder().encode(KEY) } });
    expect(await e.call("t", {}, () => EMAIL)).toBe(hashOf(EMAIL));
  });

  it("token: keyed tokens, the same in two enforcers sharing the key; enforcer.tokenVault() maps them back", async () => {
    const a = createEnforcer({ policy: policy("token"), redaction: { hmacKey: KEY } });
    const b = createEnforcer({ policy: policy("token"), redaction: { hmacKey: KEY } });
    const outA = await a.call("t", {}, () => `to ${EMAIL}, ssn ${SSN}`);
    const outB = await b.call("t", {}, () => `to ${EMAIL}, ssn ${SSN}`);
    expect(outA).toBe(`to ${tokenOf("email", EMAIL)}, ssn ${tokenOf("ssn", SSN)}`);
    expect(outB).toBe(outA);
    expect(a.tokenVault().unredact(outA as string)).toBe(`to ${EMAIL}, ssn ${SSN}`);
    // streamed results use the same vault and key
    const streamed = await a.call("t", {}, () => chunks(`again ${EMAIL} `.repeat(30), 5));
    const text = await collect(streamed as AsyncIterable<string>);
    expect(text).toBe(`again ${tokenOf("email", EMAIL)} `.repeat(30));
    expect(a.tokenVault().size).toBe(2);
    // without a key: numbered tokens from the policy's vault
    const plain = createEnforcer({ policy: policy("token") });
    expect(await plain.call("t", {}, () => EMAIL)).toBe("<EMAIL_1>");
  });

  it("a caller's vault is used for arguments, outputs and streams (and is what tokenVault() returns)", async () => {
    const vault = createTokenVault();
    const e = createEnforcer({ policy: policy("token"), redaction: { vault } });
    let seen: unknown;
    await e.call("t", { x: EMAIL }, (a) => {
      seen = a;
    });
    expect(seen).toEqual({ x: "<EMAIL_1>" });
    const streamed = await e.call("t", {}, () => chunks(`b@c.io ${EMAIL}`, 3));
    expect(await collect(streamed as AsyncIterable<string>)).toBe("<EMAIL_2> <EMAIL_1>");
    expect(e.tokenVault()).toBe(vault);
    expect(vault.unredact("<EMAIL_2>")).toBe("b@c.io");
  });

  it("reaches enforcers made by multiTenant", async () => {
    const mt = multiTenant({ redaction: { hmacKey: KEY } }, () => policy("hash"));
    expect(await mt.call("acme", "t", {}, () => EMAIL)).toBe(hashOf(EMAIL));
  });

  it("refuses an empty key", () => {
    expect(() => createEnforcer({ policy: policy("hash"), redaction: { hmacKey: "" } })).toThrow(EnforceCoreError);
  });

  describe("the key never reaches the audit trail", () => {
    const dir = mkdtempSync(join(tmpdir(), "enforcecore-keys-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const keyForms = [KEY, Buffer.from(KEY).toString("hex"), Buffer.from(KEY).toString("base64")];

    it("records, the trail file and the replay journal hold neither the key nor its hex or base64", async () => {
      const records: CallRecord[] = [];
      const trail = await openAuditTrail({ path: join(dir, "trail.jsonl"), journal: { path: join(dir, "journal.jsonl") } });
      const bundle = compilePolicyObject(policy("token"));
      for (const strategy of ["token", "hash"]) {
        const e = createEnforcer({
          policy: strategy === "token" ? bundle : compilePolicyObject(policy("hash")),
          redaction: { hmacKey: KEY },
          audit: {
            record: (r) => {
              records.push(r);
              return trail.record(r);
            },
          },
        });
        await e.call("t", { to: EMAIL }, () => `ssn ${SSN}`);
        await collect((await e.call("t", {}, () => chunks(`x ${EMAIL}`, 2))) as AsyncIterable<string>);
      }
      await trail.close();
      expect(records).toHaveLength(4);
      expect(records[0]).toMatchObject({ outcome: "redacted", redactions: { input: 1, output: 1 } });
      const json = JSON.stringify(records, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : typeof v === "bigint" ? String(v) : v));
      const files = readdirSync(dir).map((f) => readFileSync(join(dir, f), "latin1"));
      expect(files.length).toBeGreaterThanOrEqual(2);
      for (const form of keyForms) {
        expect(json).not.toContain(form);
        for (const f of files) expect(f).not.toContain(form);
      }
      // the trail did record the redacted calls (it is not empty by accident)
      expect(files.join("\n")).toContain('"tool":"t"');
    });
  });
});
