// Calls with many findings (docs/ENGINE.md "Answers"): one call reports up to maxReports (65,536)
// findings. The answer starts in the fixed output region, which holds 2,339 violations, and the
// per-text match table in its load-time room of 1,025 matches; past those, both move to the
// per-call arena. Every finding must still be reported exactly, in rule then position order, in
// every value of the call; one finding more than maxReports blocks the call; and an engine that
// runs out of memory while they grow fails closed instead of answering in part.
import { beforeAll, describe, expect, it } from "vitest";
import { EngineFaultError } from "../../core/errors.js";
import type { Violation } from "../../engine/decision.js";
import { buildEngineVariant, bundleFor, engineFor, engineWith } from "./helpers.js";

const engine = engineFor({ pii_redaction: { enabled: true, categories: ["email", "phone"] } });
/** Rows of an e-mail address and a phone number; the spans each row puts where, in rule order. */
function rows(n: number, from = 0): { text: string; spans: { rule: string; start: number; end: number }[] } {
  let text = "";
  const emails = [];
  const phones = [];
  for (let i = from; i < from + n; i++) {
    const email = `user${i}@example.com`;
    const phone = `(555) 2${String(i % 100).padStart(2, "0")}-${String(i % 10_000).padStart(4, "0")}`;
    emails.push({ rule: "email", start: text.length, end: text.length + email.length });
    text += `${email}, `;
    phones.push({ rule: "phone", start: text.length, end: text.length + phone.length });
    text += `${phone}\n`;
  }
  return { text, spans: [...emails, ...phones] };
}
const found = (vs: readonly Violation[]) => vs.map((v) => ({ rule: v.rule?.split(".").pop(), start: v.span?.start, end: v.span?.end }));
const emails = (n: number) => Array.from({ length: n }, (_, i) => `u${i}@example.com`).join(" ");

describe("answers longer than the output region", () => {
  it("the shipped engine reports 65,536 findings per call", () => {
    expect(engine.maxReports).toBe(65_536);
  });

  it("every finding is reported, in rule then position order, below and past each room", () => {
    // 512 rows: 1,024 findings (both rooms hold them); 513: the match table grows; 1,170: the
    // answer grows (2,340 violations); 5,000: both grow more than once.
    for (const n of [512, 513, 1_169, 1_170, 5_000]) {
      const { text, spans } = rows(n);
      for (const d of [engine.preCall({ tool: "t", args: { text }, now: 1 }), engine.postCall({ tool: "t", output: text, now: 1 })]) {
        expect(d.decision, `${n} rows`).toBe("redact");
        expect(found(d.violations), `${n} rows`).toEqual(spans);
      }
      engine.resetState(0);
    }
  });

  it("the grown tables serve every value of the call, and the next call starts in the fixed region again", () => {
    const a = rows(2_000);
    const b = rows(700, 5);
    const c = rows(3);
    const d = engine.preCall({ tool: "t", args: { a: a.text, list: [b.text, c.text] }, now: 1 });
    const byPath = (p: string) => found(d.violations.filter((v) => v.path?.join(".") === p));
    expect(d.violations).toHaveLength(2 * (2_000 + 700 + 3));
    expect(byPath("a")).toEqual(a.spans);
    expect(byPath("list.0")).toEqual(b.spans);
    expect(byPath("list.1")).toEqual(c.spans);
    const small = engine.preCall({ tool: "t", args: { text: c.text }, now: 2 });
    expect(found(small.violations)).toEqual(c.spans);
    engine.resetState(0);
  });

  it("65,536 findings are reported; one more blocks the call (too_many_violations last)", () => {
    const pii = engineFor({ pii_redaction: { enabled: true, categories: ["email"] } });
    const full = pii.postCall({ tool: "t", output: emails(65_536), now: 1 });
    expect(full.decision).toBe("redact");
    expect(full.violations).toHaveLength(65_536);
    expect(full.violations.every((v) => v.type === "pii")).toBe(true);
    const over = pii.postCall({ tool: "t", output: emails(65_537), now: 1 });
    expect(over.decision).toBe("deny");
    expect(over.violations).toHaveLength(65_536);
    expect(over.violations.at(-1)?.type).toBe("too_many_violations");
    // the same cap for a redacting content rule's matches
    const rule = engineFor({ content_rules: { enabled: true, block_patterns: [{ name: "ticket", pattern: "TICKET-[0-9]+", action: "redact" }] } });
    const tickets = (n: number) => Array.from({ length: n }, (_, i) => `TICKET-${i}`).join(" ");
    expect(rule.postCall({ tool: "t", output: tickets(65_536), now: 1 }).violations.filter((v) => v.type === "content_violation")).toHaveLength(65_536);
    expect(rule.postCall({ tool: "t", output: tickets(65_537), now: 1 }).violations.at(-1)?.type).toBe("too_many_violations");
  });
});

describe("limits of a test build", () => {
  let lowCap: Uint8Array;
  let smallMemory: Uint8Array;
  beforeAll(() => {
    lowCap = buildEngineVariant(["--use", "ENGINE_MAX_REPORTS=100"]);
    smallMemory = buildEngineVariant(["--maximumMemory", "32", "--use", "ENGINE_MAXIMUM_PAGES=32"]);
  }, 120_000);

  it("the cap is the engine's own, and the host reads it from the engine", () => {
    const e = engineWith(bundleFor({ pii_redaction: { enabled: true, categories: ["email"] } }), lowCap);
    expect(e.maxReports).toBe(100);
    expect(e.postCall({ tool: "t", output: emails(100), now: 1 }).decision).toBe("redact");
    const over = e.postCall({ tool: "t", output: emails(101), now: 1 });
    expect(over.violations).toHaveLength(100);
    expect(over.violations.at(-1)?.type).toBe("too_many_violations");
  });

  it("running out of memory while the answer and the match table grow fails closed, and the engine answers the next call", () => {
    const bundle = bundleFor({ pii_redaction: { enabled: true, categories: ["email"] } });
    const e = engineWith(bundle, smallMemory);
    // the same length without findings fits; with findings the growing tables do not
    const n = 20_000;
    const clean = "x".repeat(emails(n).length);
    expect(e.postCall({ tool: "t", output: clean, now: 1 }).decision).toBe("allow");
    expect(() => e.postCall({ tool: "t", output: emails(n), now: 1 })).toThrow(EngineFaultError);
    expect(() => e.postCall({ tool: "t", output: emails(n), now: 1 })).toThrow(/memory exhausted/);
    expect(found(e.postCall({ tool: "t", output: "write to a@b.co", now: 2 }).violations)).toEqual([{ rule: "email", start: 9, end: 15 }]);
    // the release build, with its 64 MiB, answers it
    expect(engineWith(bundle).postCall({ tool: "t", output: emails(n), now: 1 }).violations).toHaveLength(n);
  });
});
