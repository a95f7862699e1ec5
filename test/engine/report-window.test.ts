// The report window (docs/ENGINE.md "Requests"): a pre- or post-call request may ask for only the
// findings that start in [from, to) of its one string value. Every rule still runs over the whole
// text, so the answer must be exactly the answer without a window, its span findings filtered by
// start (per-rule sequencing and floors unchanged), and only those count toward the 65,536 reports.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadRequestError, EngineFaultError } from "../../core/errors.js";
import type { Decision, Violation } from "../../engine/decision.js";
import type { Engine, ReportWindow } from "../../engine/engine.js";
import { engineFor } from "./helpers.js";

const RULES = {
  content_rules: {
    enabled: true,
    block_patterns: [
      { name: "ticket", pattern: "TICKET-[0-9]+", action: "redact" },
      { name: "drop", pattern: "DROP TABLE [a-z]+" },
    ],
  },
  pii_redaction: { enabled: true, categories: ["email", "phone", "ssn", "credit_card", "ip_address", "iban", "date_of_birth", "us_zip4", "phone_intl", "mac_address"], secrets: { enabled: true } },
};
const engine = engineFor(RULES);

const VALUES = ["john.doe@example.com", "(555) 123-4567", "123-45-6789", "4111 1111 1111 1111", "10.0.0.1", "DE89 3704 0044 0532 0130 00", "date of birth: 1990-01-31", "+44 20 7946 0958", "00:1A:2B:3C:4D:5E", "AKIAIOSFODNN7EXAMPLE", "TICKET-4711", "DROP TABLE users", "a@b.io"];
// Disguises the normalisation undoes: removed units, escapes, folded and expanding characters, so
// window bounds fall inside sequences whose normalised length differs from their original one.
const DISGUISES: ((v: string) => string)[] = [
  (v) => v,
  (v) => v.replace(/(.)(.)/, "$1\u200B\u200C$2"),
  (v) => v.replace(/@/g, "%40"),
  (v) => v.replace(/@/g, "&#64;"),
  (v) => v.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d))),
  (v) => [...v].join("\u0301"),
  (v) => v.replace(/1/, "\u{1D7CF}"),
  (v) => `\uFB01${v}\u2026`,
  (v) => v.replace(/12|45/g, (d) => String.fromCharCode(d === "12" ? 0x246b : 0x32ba)),
  (v) => `\u33AF${v}\u2474`,
];
const FILLER = ["see", "é", "🎉", "100%", "R&D", "x", "\n", "1234", "\uFEFF", "\uFB03", "\u2026", "\u247D", "\u33AF", "\u{1F110}", "%E2%80%8B", "&amp;"];
const piece = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...VALUES), fc.nat(DISGUISES.length - 1)).map(([v, d]) => (DISGUISES[d] as (v: string) => string)(v)) },
  { weight: 3, arbitrary: fc.constantFrom(...FILLER) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 5 }) },
);
const text = fc.array(piece, { maxLength: 40 }).map((ps) => ps.join(" "));

type Phase = "pre" | "post";
function ask(e: Engine, phase: Phase, t: string, reportWindow?: ReportWindow): Decision {
  return phase === "pre" ? e.preCall({ tool: "t", args: t, now: 1, reportWindow }) : e.postCall({ tool: "t", output: t, now: 1, reportWindow });
}
const key = (v: Violation) => JSON.stringify([v.type, v.action, v.rule, v.span, v.check]);

describe("report window: findings = the findings without a window, filtered by start", () => {
  it("property: random texts (escapes, zero-width, expansions around the bounds), random windows, both phases", () => {
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), fc.constantFrom<Phase>("pre", "post"), (t, a, b, phase) => {
        let from = a % (t.length + 1);
        let to = b % (t.length + 1);
        if (from > to) [from, to] = [to, from];
        const all = ask(engine, phase, t);
        const got = ask(engine, phase, t, { from, to });
        engine.resetState(0);
        const want = all.violations.filter((v) => v.span === undefined || (v.span.start >= from && v.span.start < to));
        expect(got.violations.map(key)).toEqual(want.map(key));
        return true;
      }),
      { numRuns: 600, seed: 4242 },
    );
  });

  it("every bound inside one text: the windows [0, k) and [k, n) hold the findings that start before and after it", () => {
    const t = `x\uFB01john.doe@example.com %40 a&#64;b.io \u200B123-45-6789 \u33AF(555) 123-4567\u2474 TICKET-1 TICKET-22 4111\u0301 1111 1111 1111`;
    const all = ask(engine, "post", t).violations.filter((v) => v.span !== undefined);
    expect(all.length).toBeGreaterThan(5);
    for (let k = 0; k <= t.length; k++) {
      const left = ask(engine, "post", t, { from: 0, to: k }).violations.filter((v) => v.span !== undefined);
      const right = ask(engine, "post", t, { from: k, to: t.length }).violations.filter((v) => v.span !== undefined);
      expect(left.map(key), `[0, ${k})`).toEqual(all.filter((v) => v.span!.start < k).map(key));
      expect(right.map(key), `[${k}, n)`).toEqual(all.filter((v) => v.span!.start >= k).map(key));
    }
  });

  it("only findings in the window count toward the 65,536 reports", () => {
    const rows = 33_000;
    const t = Array.from({ length: rows }, (_, i) => `user${i}@example.com TICKET-${i}`).join(",");
    const all = ask(engine, "post", t);
    expect(all.violations.some((v) => v.type === "too_many_violations")).toBe(true);
    // about 5,000 rows per window: 10,000 findings (an address and a ticket each), all reported
    const seen: Violation[] = [];
    const step = 200_000;
    for (let from = 0; from < t.length; from += step) {
      const d = ask(engine, "post", t, { from, to: Math.min(t.length, from + step) });
      expect(d.violations.some((v) => v.type === "too_many_violations")).toBe(false);
      seen.push(...d.violations);
    }
    expect(seen.filter((v) => v.type === "pii").length).toBe(rows);
    expect(seen.filter((v) => v.type === "content_violation").length).toBe(rows);
    for (const v of seen) expect(t.slice(v.span!.start, v.span!.end)).toMatch(/^(user\d+@example\.com|TICKET-\d+)$/);
  });

  it("keys are scanned as always; the window needs the payload to be one string", () => {
    expect(() => engine.postCall({ tool: "t", output: { a: "x" }, now: 1, reportWindow: { from: 0, to: 1 } })).toThrow(BadRequestError);
    expect(() => engine.postCall({ tool: "t", output: 7, now: 1, reportWindow: { from: 0, to: 1 } })).toThrow(BadRequestError);
  });
});

describe("report window: encoding", () => {
  it("absent or null: the request bytes are those of a request without the field (old trails replay)", () => {
    const e = engineFor(RULES);
    e.postCall({ tool: "t", output: "a@b.io", now: 1 });
    const plain = e.lastRequest().slice();
    e.postCall({ tool: "t", output: "a@b.io", now: 1, reportWindow: null });
    expect(e.lastRequest()).toEqual(plain);
    e.postCall({ tool: "t", output: "a@b.io", now: 1, reportWindow: { from: 0, to: 6 } });
    const windowed = e.lastRequest().slice();
    const words = (e.loadedPolicy!.meta.index.contentRules.length + 31) >>> 5;
    // an all-zero scope, then from and to
    expect(windowed.length).toBe(plain.length + 4 + 4 * words + 8);
    expect(windowed.subarray(0, plain.length)).toEqual(plain);
  });

  it("malformed windows are refused by the host (bad request) and by the engine (malformed request)", () => {
    const e = engineFor(RULES);
    const t = "é a@b.io"; // 8 units, 9 UTF-8 bytes
    for (const w of [{ from: 3, to: 2 }, { from: 0, to: 9 }, { from: -1, to: 2 }, { from: 0.5, to: 2 }]) {
      expect(() => e.postCall({ tool: "t", output: t, now: 1, reportWindow: w }), JSON.stringify(w)).toThrow(BadRequestError);
    }
    e.postCall({ tool: "t", output: t, now: 1, reportWindow: { from: 0, to: 8 } });
    const good = e.lastRequest().slice();
    const patched = (from: number, to: number, extra: number[] = []) => {
      const r = new Uint8Array(good.length + extra.length * 4);
      r.set(good);
      const v = new DataView(r.buffer);
      v.setUint32(good.length - 8, from, true);
      v.setUint32(good.length - 4, to, true);
      for (const [i, x] of extra.entries()) v.setUint32(good.length + 4 * i, x, true);
      return r;
    };
    expect(e.evaluateRaw(patched(2, 8)).violations.length).toBeGreaterThanOrEqual(0);
    const pre = e.preCall({ tool: "t", args: "x", now: 1 }); // one open call
    expect(pre.state.openCalls).toBe(1);
    for (const [from, to, extra] of [[3, 2, []], [0, 9, []], [9, 9, []], [0, 0xffffffff, []], [0, 8, [0]]] as [number, number, number[]][]) {
      expect(() => e.evaluateRaw(patched(from, to, extra)), `[${from}, ${to}) + ${extra.length}`).toThrow(EngineFaultError);
    }
    // a refused post-call changed nothing: the open call is still open
    expect(e.setKillSwitch(false, 1).state.openCalls).toBe(1);
    // a window on a request with two values
    e.postCall({ tool: "t", output: { a: "x", b: "y" }, now: 1 });
    const two = e.lastRequest().slice();
    const words = (e.loadedPolicy!.meta.index.contentRules.length + 31) >>> 5;
    const withWindow = new Uint8Array(two.length + 4 + 4 * words + 8);
    withWindow.set(two);
    new DataView(withWindow.buffer).setUint32(two.length, words, true);
    expect(() => e.evaluateRaw(withWindow)).toThrow(EngineFaultError);
  });
});
