// Redaction of structured values (core/redact-spans.ts redactSpans): every redacted leaf of
// nested objects, arrays and Maps gets exactly what redacting its text alone gives, the value
// passed in is never changed, and what holds no finding is shared with it, not copied (a copy of
// the whole container per redacted leaf made a 20,000-row result set take seconds).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../core/errors.js";
import type { Violation } from "../../engine/decision.js";
import { compilePolicyObject, createEnforcer, loadEngineSync, redactSpans, replacementFor } from "../../hosts/node/index.js";

const bundle = compilePolicyObject({ name: "structured", rules: { pii_redaction: { enabled: true, categories: ["email", "phone", "ssn"] } } });
const engine = loadEngineSync();
engine.loadPolicy(bundle);

type Path = readonly (string | number)[];
const samePath = (a: Path | undefined, b: Path) => a !== undefined && a.length === b.length && a.every((s, i) => s === b[i]);

/** The model: every leaf redacted on its own (its findings moved to a root string), every container rebuilt. */
function model(value: unknown, violations: readonly Violation[], path: Path, redactLeaf: (text: string, vs: Violation[]) => string): unknown {
  if (Array.isArray(value)) return value.map((x, i) => model(x, violations, [...path, i], redactLeaf));
  if (value instanceof Map) return new Map([...value].map(([k, x]) => [k, model(x, violations, [...path, String(k)], redactLeaf)]));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, model(x, violations, [...path, k], redactLeaf)]));
  const mine = violations.filter((v) => v.action === "redact" && samePath(v.path, path));
  return mine.length === 0 ? value : redactLeaf(typeof value === "string" ? value : String(value), mine);
}

/** Every container of `before` with no finding under it is the same object in `after`. */
function expectShared(before: unknown, after: unknown, violations: readonly Violation[], path: Path): void {
  if (before === null || typeof before !== "object") return;
  const touched = violations.some((v) => v.path !== undefined && path.every((s, i) => v.path![i] === s) && v.path.length > path.length);
  if (!touched) {
    expect(after, `${path.join(".")} is shared`).toBe(before);
    return;
  }
  expect(after).not.toBe(before);
  if (Array.isArray(before)) for (let i = 0; i < before.length; i++) expectShared(before[i], (after as unknown[])[i], violations, [...path, i]);
  else if (before instanceof Map) for (const [k, x] of before) expectShared(x, (after as Map<unknown, unknown>).get(k), violations, [...path, String(k)]);
  else for (const [k, x] of Object.entries(before)) expectShared(x, (after as Record<string, unknown>)[k], violations, [...path, k]);
}

const leaf = fc.oneof(
  fc.constantFrom("ann@example.com", "call (555) 123-4567 or bob@example.org", "ssn 123-45-6789", "nothing here", "", "x@y.co and x@y.co"),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(null),
  fc.boolean(),
);
const { value: structured } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object"), tie("map")),
  array: fc.array(tie("value"), { maxLength: 5 }),
  object: fc.dictionary(fc.constantFrom("a", "b", "mail", "rows", "x y"), tie("value"), { maxKeys: 4 }),
  map: fc.uniqueArray(fc.tuple(fc.oneof(fc.constantFrom("k", "v"), fc.integer({ min: 0, max: 3 })), tie("value")), { maxLength: 3, selector: ([k]) => String(k) }).map((es) => new Map(es)),
}));

describe("redactSpans on structured values", () => {
  it("property: each leaf as redacted alone, the input untouched, untouched containers shared", () => {
    const replace = replacementFor(bundle.meta);
    let nested = 0;
    fc.assert(
      fc.property(structured, (value) => {
        const snapshot = structuredClone(value);
        const d = engine.preCall({ tool: "t", args: value, now: 1 });
        const got = redactSpans(value, d.violations, replace).value;
        const want = model(value, d.violations, [], (text, vs) => redactSpans(text, vs.map((v) => ({ ...v, path: [] })), replace).value as string);
        expect(got).toEqual(want);
        expect(value).toEqual(snapshot);
        expectShared(value, got, d.violations, []);
        if (new Set(d.violations.map((v) => JSON.stringify(v.path?.slice(0, -1)))).size < d.violations.length && d.violations.some((v) => (v.path?.length ?? 0) >= 2)) nested++;
        engine.resetState(0);
      }),
      { numRuns: 300, seed: 4242 },
    );
    // the values do put several findings in one container, below the top level
    expect(nested).toBeGreaterThan(20);
  });

  it("a result set of 3,000 rows: every value redacted, rows without findings shared", async () => {
    const enforcer = createEnforcer({ policy: { name: "rows", rules: { pii_redaction: { enabled: true, categories: ["email", "phone"] }, redact_output: true } } });
    const meta = { source: "crm", tags: ["a", "b"] };
    const rows = Array.from({ length: 3000 }, (_, i) => (i % 3 === 2 ? { id: i, meta } : { id: i, email: `user${i}@example.com`, phone: `(555) 2${String(i % 100).padStart(2, "0")}-${String(i).padStart(4, "0")}`, meta }));
    const out = (await enforcer.call("db_query", {}, () => rows)) as typeof rows;
    expect(out).toHaveLength(3000);
    expect(JSON.stringify(out)).not.toMatch(/@example\.com|\(555\)/);
    expect(out[0]).toEqual({ id: 0, email: "<EMAIL>", phone: "<PHONE>", meta });
    expect(out[2]).toBe(rows[2]);
    expect(out[0]!.meta).toBe(meta);
    expect(rows[0]!.email).toBe("user0@example.com");
  });

  it("a Map whose keys read alike (1 and \"1\") is refused: a path could not tell them apart", () => {
    const args = { m: new Map<unknown, string>([[1, "x"], ["1", "mail ann@example.com"]]) };
    expect(() => engine.preCall({ tool: "t", args, now: 1 })).toThrow(BadRequestError);
    expect(() => engine.preCall({ tool: "t", args, now: 1 })).toThrow(/two keys that read "1"/);
    // the engine answers the next call
    expect(engine.preCall({ tool: "t", args: { m: new Map([[1, "ann@example.com"]]) }, now: 1 }).violations).toHaveLength(1);
  });
});
