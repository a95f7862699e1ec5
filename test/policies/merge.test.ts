// The merge algebra of `extends`, as properties over generated policy documents.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDefaults } from "../../policies/resolve.js";
import { mergePolicies } from "../../policies/merge.js";
import { parsePolicyText } from "../../policies/loader.js";
import {
  BUILTIN_CONTENT_RULES,
  PII_CATEGORIES,
  type PolicyDocument,
  PolicyDocumentSchema,
  type PolicyPatch,
  type PolicyRules,
} from "../../policies/schema.js";
import { memIO } from "./helpers.js";

// ---- Generators: raw documents, validated and normalised by the real schema --------------------

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const tool = fc.constantFrom("search", "Search", "read_file", "exec", "shell_*", "db_?", "send_email", "DELETE_FILE");
const toolKey = fc.constantFrom("search", "read_file", "x_*");
const domain = fc.constantFrom("api.openai.com", "*.example.com", "10.0.0.1", "evil.com", "bücher.de", "Pastebin.com");
const rate = fc.record({ max_calls: fc.integer({ min: 1, max: 1000 }), window_seconds: fc.integer({ min: 1, max: 3600 }) }, { requiredKeys: [] });
const contentRule = fc.oneof(
  fc.record({ name: fc.constantFrom(...BUILTIN_CONTENT_RULES) }),
  fc.record(
    {
      name: fc.constantFrom("r1", "r2", "r3", "shell_injection"),
      pattern: fc.constantFrom("a+b", "secret", "x{2}"),
      action: fc.constantFrom("block", "log", "redact"),
      reason: fc.constantFrom("because", "why"),
    },
    { requiredKeys: ["name", "pattern"] },
  ),
);
const constraint = fc.oneof(
  fc.record({ required: fc.boolean() }),
  fc.record({ max_length: fc.nat(100) }),
  fc.record({ allowed_values: fc.array(fc.oneof(fc.string(), fc.integer(), fc.boolean()), { maxLength: 3 }) }),
  fc.record({ min: fc.integer({ max: 0 }), max: fc.integer({ min: 1 }) }),
);

const rules = fc.record(
  {
    allowed_tools: opt(fc.array(tool, { maxLength: 4 })),
    denied_tools: fc.array(tool, { maxLength: 4 }),
    pii_redaction: fc.record(
      {
        enabled: fc.boolean(),
        categories: fc.subarray([...PII_CATEGORIES]),
        strategy: fc.constantFrom("placeholder", "mask", "hash", "remove", "regex"),
        ner_threshold: fc.constantFrom(0, 0.5, 1),
      },
      { requiredKeys: [] },
    ),
    resource_limits: fc.record(
      {
        max_call_duration_seconds: opt(fc.integer({ min: 1, max: 100 })),
        max_memory_mb: opt(fc.integer({ min: 1, max: 4096 })),
        max_cost_usd: opt(fc.constantFrom(0, 1.5, 10)),
        max_cost_per_call_usd: opt(fc.constantFrom(0, 0.1)),
      },
      { requiredKeys: [] },
    ),
    network: fc.record(
      { enabled: fc.boolean(), allowed_domains: fc.array(domain, { maxLength: 3 }), denied_domains: fc.array(domain, { maxLength: 3 }), deny_all_other: fc.boolean() },
      { requiredKeys: [] },
    ),
    content_rules: fc.record({ enabled: fc.boolean(), block_patterns: fc.uniqueArray(contentRule, { selector: (r) => r.name, maxLength: 3 }) }, { requiredKeys: [] }),
    rate_limits: fc.record(
      { enabled: fc.boolean(), per_tool: fc.dictionary(toolKey, rate, { maxKeys: 2 }), global_limit: opt(rate) },
      { requiredKeys: [] },
    ),
    sandbox: fc.record({ enabled: fc.boolean(), max_cpu_seconds: opt(fc.constantFrom(1, 30)) }, { requiredKeys: [] }),
    max_output_size_bytes: opt(fc.nat()),
    redact_output: fc.boolean(),
    max_input_size_bytes: opt(fc.nat()),
    max_call_depth: opt(fc.integer({ min: 1, max: 10 })),
    argument_rules: fc.dictionary(toolKey, fc.dictionary(fc.constantFrom("path", "options.mode", "*"), constraint, { maxKeys: 2 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

const doc: fc.Arbitrary<PolicyDocument> = fc
  .record(
    { name: fc.constantFrom("a", "b", "c"), version: fc.constantFrom("1.0", "2"), on_violation: fc.constantFrom("block", "log", "redact"), rules },
    { requiredKeys: ["name"] },
  )
  .map((raw) => PolicyDocumentSchema.parse(raw));

const resolve = (d: PolicyPatch) => applyDefaults({ name: "n", ...d });
const SECTIONS = Object.keys(applyDefaults({ name: "x" }).rules) as (keyof PolicyRules)[];

// ---- Properties -----------------------------------------------------------------------------------

describe("mergePolicies", () => {
  it("merge(a, {}) == a and merge({}, a) == a", () => {
    fc.assert(
      fc.property(doc, (a) => {
        expect(mergePolicies(a, {})).toEqual(a);
        expect(mergePolicies({}, a)).toEqual(a);
      }),
    );
  });

  it("deny lists are unions (the original's P7): nothing the base denies is ever allowed back", () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const m = resolve(mergePolicies(a, b)).rules;
        const ra = resolve(a).rules;
        const rb = resolve(b).rules;
        expect(new Set(m.denied_tools)).toEqual(new Set([...ra.denied_tools, ...rb.denied_tools].map((t) => t.toLowerCase())));
        expect(new Set(m.network.denied_domains)).toEqual(new Set([...ra.network.denied_domains, ...rb.network.denied_domains]));
        expect(m.denied_tools.length).toBe(new Set(m.denied_tools).size);
      }),
    );
  });

  it("a child that only adds a denied tool changes nothing else (the original's bug)", () => {
    fc.assert(
      fc.property(doc, tool, (a, t) => {
        const before = resolve(a);
        const after = resolve(mergePolicies(a, { name: a.name, rules: { denied_tools: [t.toLowerCase()] } }));
        expect(after.rules.pii_redaction).toEqual(before.rules.pii_redaction);
        expect(after.rules.network).toEqual(before.rules.network);
        expect(after.rules.rate_limits).toEqual(before.rules.rate_limits);
        expect(after.on_violation).toBe(before.on_violation);
        expect(after.version).toBe(before.version);
        expect({ ...after.rules, denied_tools: [] }).toEqual({ ...before.rules, denied_tools: [] });
        expect(after.rules.denied_tools).toEqual([...new Set([...before.rules.denied_tools, t.toLowerCase()])]);
      }),
    );
  });

  it("every section the child does not write is inherited unchanged", () => {
    fc.assert(
      fc.property(doc, doc, (a, c) => {
        const merged = resolve(mergePolicies(a, c)).rules;
        const base = resolve(a).rules;
        for (const s of SECTIONS) {
          const written = c.rules?.[s];
          if (written === undefined || written === null) expect(merged[s]).toEqual(base[s]);
        }
        if (c.on_violation === undefined) expect(resolve(mergePolicies(a, c)).on_violation).toBe(resolve(a).on_violation);
      }),
    );
  });

  it("child-written scalars and replaced lists win", () => {
    fc.assert(
      fc.property(doc, doc, (a, c) => {
        const m = resolve(mergePolicies(a, c));
        const w = c.rules ?? {};
        expect(m.name).toBe(c.name);
        if (c.version !== undefined) expect(m.version).toBe(c.version);
        if (c.on_violation !== undefined) expect(m.on_violation).toBe(c.on_violation);
        if (w.redact_output !== undefined) expect(m.rules.redact_output).toBe(w.redact_output);
        if (w.max_output_size_bytes != null) expect(m.rules.max_output_size_bytes).toBe(w.max_output_size_bytes);
        if (w.max_call_depth != null) expect(m.rules.max_call_depth).toBe(w.max_call_depth);
        if (w.allowed_tools != null) expect(m.rules.allowed_tools).toEqual(w.allowed_tools);
        if (w.pii_redaction?.enabled !== undefined) expect(m.rules.pii_redaction.enabled).toBe(w.pii_redaction.enabled);
        if (w.pii_redaction?.strategy !== undefined) expect(m.rules.pii_redaction.strategy).toBe(w.pii_redaction.strategy);
        if (w.pii_redaction?.categories !== undefined) expect(m.rules.pii_redaction.categories).toEqual(w.pii_redaction.categories);
        if (w.network?.enabled !== undefined) expect(m.rules.network.enabled).toBe(w.network.enabled);
        if (w.network?.deny_all_other !== undefined) expect(m.rules.network.deny_all_other).toBe(w.network.deny_all_other);
        if (w.network?.allowed_domains !== undefined) expect(m.rules.network.allowed_domains).toEqual(w.network.allowed_domains);
        if (w.rate_limits?.enabled !== undefined) expect(m.rules.rate_limits.enabled).toBe(w.rate_limits.enabled);
        for (const [k, v] of Object.entries(w.resource_limits ?? {})) {
          if (v != null) expect(m.rules.resource_limits[k as keyof PolicyRules["resource_limits"]]).toBe(v);
        }
      }),
    );
  });

  it("keyed parts merge per key, child first", () => {
    fc.assert(
      fc.property(doc, doc, (a, c) => {
        const m = resolve(mergePolicies(a, c)).rules;
        const ra = resolve(a).rules;
        const rc = resolve(c).rules;
        const patterns = c.rules?.content_rules?.block_patterns ?? [];
        // block_patterns: the child's rules, then the base's whose names the child did not use.
        const basePatterns = a.rules?.content_rules?.block_patterns ?? [];
        if (patterns.length + basePatterns.length > 0) {
          const names = m.content_rules.block_patterns.map((p) => p.name);
          expect(names).toEqual([...new Set([...patterns.map((p) => p.name), ...basePatterns.map((p) => p.name)])]);
        }
        for (const [t, limit] of Object.entries(c.rules?.rate_limits?.per_tool ?? {})) {
          expect(m.rate_limits.per_tool[t]).toEqual(rc.rate_limits.per_tool[t]);
          void limit;
        }
        for (const [t, limit] of Object.entries(ra.rate_limits.per_tool)) {
          if (!(t in (c.rules?.rate_limits?.per_tool ?? {}))) expect(m.rate_limits.per_tool[t]).toEqual(limit);
        }
        for (const [t, paths] of Object.entries(ra.argument_rules)) {
          for (const [p, constraint] of Object.entries(paths)) {
            const child = c.rules?.argument_rules?.[t]?.[p];
            expect(m.argument_rules[t]?.[p]).toEqual(child ?? constraint);
          }
        }
      }),
    );
  });

  it("is associative (so a chain merges the same however it is grouped), unions included", () => {
    fc.assert(
      fc.property(doc, doc, doc, (a, b, c) => {
        const left = mergePolicies(mergePolicies(a, b), c);
        const right = mergePolicies(a, mergePolicies(b, c));
        expect(left.rules?.denied_tools).toEqual(right.rules?.denied_tools);
        expect(left.rules?.network?.denied_domains).toEqual(right.rules?.network?.denied_domains);
        expect(left.rules?.content_rules?.block_patterns).toEqual(right.rules?.content_rules?.block_patterns);
        expect(left).toEqual(right);
      }),
    );
  });

  it("deny-list union is idempotent and commutative as a set", () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        expect(resolve(mergePolicies(a, a)).rules.denied_tools).toEqual(resolve(a).rules.denied_tools);
        expect(new Set(resolve(mergePolicies(a, b)).rules.denied_tools)).toEqual(new Set(resolve(mergePolicies(b, a)).rules.denied_tools));
      }),
    );
  });

  it("explicit null in the child counts as not written", () => {
    fc.assert(
      fc.property(doc, (a) => {
        const child: PolicyPatch = {
          rules: { allowed_tools: null, max_output_size_bytes: null, resource_limits: { max_cost_usd: null }, rate_limits: { global_limit: null } },
        };
        expect(resolve(mergePolicies(a, child))).toEqual(resolve(a));
      }),
    );
  });

  it("never modifies its arguments", () => {
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        const [ca, cb] = [structuredClone(a), structuredClone(b)];
        mergePolicies(a, b);
        expect([a, b]).toEqual([ca, cb]);
      }),
    );
  });
});

describe("the original's composition bug, through files", () => {
  it("a child adding one denied tool keeps the parent's PII, network, rate limits and on_violation", () => {
    const io = memIO({
      "/p/base.yaml": `name: base
on_violation: log
rules:
  pii_redaction: {enabled: true, categories: [email], strategy: mask}
  network: {enabled: true, allowed_domains: [api.openai.com]}
  rate_limits: {enabled: true, global_limit: {max_calls: 10, window_seconds: 1}}
  content_rules: {enabled: true}
`,
      "/p/child.yaml": "name: child\nextends: base.yaml\nrules:\n  denied_tools: [rm]\n",
    });
    const base = parsePolicyText(io.readText("/p/base.yaml"), "/p/base.yaml").policy;
    const child = parsePolicyText(io.readText("/p/child.yaml"), "/p/child.yaml", io).policy;
    expect(child).toEqual({ ...base, name: "child", rules: { ...base.rules, denied_tools: ["rm"] } });
  });
});
