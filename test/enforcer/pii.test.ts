import { describe, expect, it } from "vitest";
import type { CallRecord } from "../../core/enforcer.js";
import { createEnforcer, parsePolicyText } from "../../hosts/node/index.js";
import { engineFor } from "../engine/helpers.js";

const SAMPLE = "Mail john@example.com, call (555) 123-4567, SSN 123-45-6789, card 4111 1111 1111 1111, ip 10.0.0.1, passport AB1234567";
const all = ["email", "phone", "ssn", "credit_card", "ip_address", "passport"];

async function redacted(strategy: string, text = SAMPLE, categories = all) {
  const e = createEnforcer({ policy: { name: "pii", rules: { pii_redaction: { enabled: true, categories, strategy } } } });
  let seen: unknown;
  await e.call("t", { text }, (a) => { seen = a; });
  return (seen as { text: string }).text;
}

describe("PII redaction (the original's categories)", () => {
  it("placeholder and mask give the original's exact outputs", async () => {
    expect(await redacted("placeholder")).toBe("Mail <EMAIL>, call <PHONE>, SSN <SSN>, card <CREDIT_CARD>, ip <IP_ADDRESS>, passport <PASSPORT>");
    expect(await redacted("mask")).toBe("Mail ****@****.***, call ***-***-****, SSN ***-**-****, card ****-****-****-****, ip ***.***.***.***, passport **-*******");
  });

  it("hash and remove", async () => {
    expect(await redacted("hash", "write to john@example.com", ["email"])).toBe("write to [SHA256:855f96e983f1f8e8]");
    expect(await redacted("remove", "write to john@example.com now", ["email"])).toBe("write to  now");
  });

  it("checks what a pattern cannot: Luhn, SSN areas, octets, boundaries", async () => {
    expect(await redacted("placeholder", "card 4111111111111112", ["credit_card"])).toBe("card 4111111111111112");
    expect(await redacted("placeholder", "amex 3782 822463 10005", ["credit_card"])).toBe("amex <CREDIT_CARD>");
    expect(await redacted("placeholder", "ssn 666-12-3456 and 000-12-3456 and 123-00-4567", ["ssn"])).toBe("ssn 666-12-3456 and 000-12-3456 and 123-00-4567");
    expect(await redacted("placeholder", "ip 256.1.1.1 and 1.2.3.4", ["ip_address"])).toBe("ip 256.1.1.1 and <IP_ADDRESS>");
    expect(await redacted("placeholder", "order XAB1234567Z", ["passport"])).toBe("order XAB1234567Z");
  });

  it("redacts nested arguments and outputs, and records counts, never blocking", async () => {
    const records: CallRecord[] = [];
    const e = createEnforcer({ policy: { name: "pii", rules: { pii_redaction: { enabled: true } } }, audit: { record: (r) => void records.push(r) } });
    const out = await e.call("t", { to: ["a@b.io", { cc: "c@d.io" }] }, (a) => `sent ${JSON.stringify(a)} from ops@corp.com`);
    expect(out).toBe('sent {"to":["<EMAIL>",{"cc":"<EMAIL>"}]} from <EMAIL>');
    expect(records[0]).toMatchObject({ outcome: "redacted", redactions: { input: 2, output: 1 } });
  });

  it("leaves outputs alone when redact_output is false", async () => {
    const e = createEnforcer({ policy: { name: "pii", rules: { pii_redaction: { enabled: true }, redact_output: false } } });
    expect(await e.call("t", {}, () => "a@b.io")).toBe("a@b.io");
  });

  it("reports PII as its own violation type in engine decisions", () => {
    const d = engineFor({ pii_redaction: { enabled: true, categories: ["email"] } }).preCall({ tool: "t", args: { x: "hi a@b.io" }, now: 1 });
    expect(d.decision).toBe("redact");
    expect(d.violations[0]).toMatchObject({ type: "pii", rule: "rules.pii_redaction.categories.email", span: { start: 3, end: 9 } });
  });

  it("warns that person_name is not detected", () => {
    const text = "name: p\nrules:\n  pii_redaction:\n    enabled: true\n    categories: [email, person_name]\n";
    expect(parsePolicyText(text, "p.yaml").warnings.join("\n")).toMatch(/person_name.*not redacted/);
  });
});

describe("PII in numbers and behind toJSON()", () => {
  const enforcer = () => createEnforcer({ policy: { name: "pii", rules: { pii_redaction: { enabled: true, categories: ["email", "ssn", "phone", "credit_card"] } } } });

  it("scans integers as their decimal text; a redacted number becomes a string, others stay numbers", async () => {
    const out = await enforcer().call("t", {}, () => ({ card: 4111111111111111, neg: -4111111111111111, count: 42, price: 19.99, big: 2 ** 60 }));
    expect(out).toEqual({ card: "<CREDIT_CARD>", neg: "-<CREDIT_CARD>", count: 42, price: 19.99, big: 2 ** 60 });
    // a number that fails the check stays a number
    expect(await enforcer().call("t", {}, () => [4111111111111112])).toEqual([4111111111111112]);
  });

  it("checks and returns what toJSON() returns (called once), in arguments and results", async () => {
    let calls = 0;
    const contact = { id: 7, toJSON: () => { calls++; return { email: "alice@example.com", nested: { toJSON: () => "bob@example.com" } }; } };
    const out = await enforcer().call("t", {}, () => ({ rows: [contact], plain: "x" }));
    expect(JSON.stringify(out)).toBe('{"rows":[{"email":"<EMAIL>","nested":"<EMAIL>"}],"plain":"x"}');
    expect(calls).toBe(1);
    let seen: unknown;
    await enforcer().call("t", { who: { toJSON: () => "carol@example.com" } }, (a) => { seen = a; });
    expect(seen).toEqual({ who: "<EMAIL>" });
    // values without toJSON keep their identity; Dates are left alone
    const plain = { a: [1, "two"], when: new Date(0) };
    expect(await enforcer().call("t", {}, () => plain)).toBe(plain);
  });

  it("a throwing toJSON() blocks the call with a typed error", async () => {
    const bad = { toJSON: () => { throw new Error("nope"); } };
    const err = await enforcer().call("t", {}, () => bad).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: "internal_error" });
    expect(String((err as Error).message)).toContain("toJSON() of the value at <root> threw: nope");
  });
});

describe("streamed tool results", () => {
  const policy = { name: "pii", rules: { pii_redaction: { enabled: true, categories: ["email", "ssn"] } } };
  const text = "mail jane@doe.org, SSN 123-45-6789; ".repeat(200);
  const expected = "mail <EMAIL>, SSN <SSN>; ".repeat(200);
  // Chunks of 7 units: matches straddle chunk boundaries.
  const chunks = (s: string) => Array.from({ length: Math.ceil(s.length / 7) }, (_, i) => s.slice(i * 7, i * 7 + 7));

  it("an async iterable of text comes back redacting each chunk as it flows", async () => {
    const out = (await createEnforcer({ policy }).call("t", {}, async function* () {
      yield* chunks(text);
    })) as AsyncIterable<string>;
    let joined = "";
    for await (const c of out) joined += c;
    expect(joined).toBe(expected);
  });

  it("a ReadableStream comes back as a redacting ReadableStream", async () => {
    const source = () => new ReadableStream<string>({ start(c) { for (const x of chunks(text)) c.enqueue(x); c.close(); } });
    const out = (await createEnforcer({ policy }).call("t", {}, source)) as ReadableStream<string>;
    expect(out).toBeInstanceOf(ReadableStream);
    let joined = "";
    for await (const c of out as unknown as AsyncIterable<string>) joined += c;
    expect(joined).toBe(expected);
  });

  it("a chunk that is not text fails the stream with a typed error; without output redaction the stream is untouched", async () => {
    const out = (await createEnforcer({ policy }).call("t", {}, async function* () {
      yield "ok ";
      yield new Uint8Array([1]);
    })) as AsyncIterable<string>;
    await expect((async () => { for await (const _ of out) { /* drain */ } })()).rejects.toMatchObject({ code: "bad_request" });
    const plain = async function* () { yield text; };
    const gen = plain();
    const off = createEnforcer({ policy: { name: "off", rules: { pii_redaction: { enabled: true }, redact_output: false } } });
    expect(await off.call("t", {}, () => gen)).toBe(gen);
  });
});
