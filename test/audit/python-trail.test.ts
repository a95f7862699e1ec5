import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeTrailIO } from "../../audit/node-store.js";
import { parsePythonJson, pythonAuditStoreHash, pythonEntryHash, pythonFloatRepr, pythonJsonDumps, pythonJsonString, readPythonTrail, verifyPythonTrail } from "../../audit/python-trail.js";
import { tempDir } from "./helpers.js";

// enforcecore-inventory.md §4.2, verified against the Python original.
const ENTRY1 =
  '{"call_duration_ms":12.0,"call_id":"c1","decision":"allowed","entry_id":"00000000-0000-0000-0000-000000000001","input_redactions":1,"output_redactions":0,"overhead_ms":0.5,"policy_name":"strict","policy_version":"1.0","previous_hash":"","tenant_id":null,"timestamp":"2026-01-01T00:00:00+00:00","tool_name":"search_web","violation_reason":null,"violation_type":null}';
const HASH1 = "a4dd5070ced3ebf31db3c5c07a5c85003c49a32701d2d34a0db08046b471464b";
const HASH2 = "8fd8641f6b620a872aecb49d3e02223cb1e903c066a9ee1098fee0a92297fef2";

function entry2(): Map<string, unknown> {
  return new Map<string, unknown>([
    ["entry_id", "00000000-0000-0000-0000-000000000002"],
    ["call_id", "c2"],
    ["timestamp", "2026-01-01T00:00:01+00:00"],
    ["tool_name", "café"],
    ["policy_name", "strict"],
    ["policy_version", "1.0"],
    ["tenant_id", null],
    ["decision", "blocked"],
    ["violation_type", "tool_denied"],
    ["violation_reason", "tool 'café' is in the denied list"],
    ["overhead_ms", { kind: "number", raw: "0.0" }],
    ["call_duration_ms", { kind: "number", raw: "0.0" }],
    ["input_redactions", { kind: "number", raw: "0" }],
    ["output_redactions", { kind: "number", raw: "0" }],
    ["previous_hash", HASH1],
  ]);
}

/** The two-entry trail of the inventory vectors, as the original writes it (canonical lines). */
function pythonTrail(): string {
  const e1 = parsePythonJson(ENTRY1) as Map<string, never>;
  e1.set("entry_hash", HASH1 as never);
  const e2 = entry2();
  e2.set("entry_hash", HASH2);
  return `${pythonJsonDumps(e1)}\n${pythonJsonDumps(e2 as never)}\n`;
}

describe("Python json.dumps, byte for byte", () => {
  it("reproduces the inventory's hash vectors", () => {
    const e1 = parsePythonJson(ENTRY1) as Map<string, never>;
    expect(pythonJsonDumps(e1)).toBe(ENTRY1);
    expect(pythonEntryHash(e1)).toBe(HASH1);
    const e2 = entry2() as never;
    expect(pythonJsonDumps(e2)).toContain('"tool_name":"caf\\u00e9"');
    expect(pythonEntryHash(e2)).toBe(HASH2);
  });

  it("float repr and ensure_ascii strings match CPython's on 525 floats and tricky strings", () => {
    const v = JSON.parse(readFileSync(new URL("./vectors/python-json.json", import.meta.url), "utf8"));
    for (const [bits, want] of v.floats as [string, string][]) {
      const x = Buffer.from(bits, "hex").readDoubleBE(0);
      expect(pythonFloatRepr(x), bits).toBe(want);
      expect(pythonJsonDumps({ kind: "number", raw: want })).toBe(want);
    }
    for (const [utf16, want] of v.strings as [string, string][]) {
      expect(pythonJsonString(Buffer.from(utf16, "hex").toString("utf16le"))).toBe(want);
    }
  });

  it("keeps ints as ints and floats as floats, whatever JS would do", () => {
    expect(pythonJsonDumps(parsePythonJson('{"b":12.0,"a":12,"c":-0,"d":1E2,"e":NaN,"f":-Infinity}'))).toBe('{"a":12,"b":12.0,"c":0,"d":100.0,"e":NaN,"f":-Infinity}');
  });

  it("the AuditStore chain hash vector", () => {
    expect(pythonAuditStoreHash({ entry_id: "e1", timestamp: "2026-01-01T00:00:00+00:00", policy_name: "p", tool_name: "t", decision: "allowed", violation_type: null, parent_hash: null })).toBe(
      "63fff2672314e9fa6a97cb0697d2227b5352af874981dfa3cdfe3f7c0cb8b64b",
    );
  });
});

describe("verifying a Python trail", () => {
  const write = (text: string) => {
    const p = join(tempDir(), "trail.jsonl");
    writeFileSync(p, text);
    return p;
  };

  it("accepts the original's trail, sorted or in declaration order (JsonlBackend)", () => {
    const sorted = pythonTrail();
    expect(verifyPythonTrail(write(sorted), { io: nodeTrailIO })).toMatchObject({ ok: true, entries: 2, rootHash: HASH1, headHash: HASH2 });
    // JsonlBackend: declaration order, default separators for nothing but compact ones, no ensure_ascii difference.
    const declared = sorted
      .trimEnd()
      .split("\n")
      .map((l) => {
        const m = parsePythonJson(l) as Map<string, unknown>;
        return `{${["entry_id", "call_id", "timestamp", "tool_name", "policy_name", "policy_version", "tenant_id", "decision", "violation_type", "violation_reason", "overhead_ms", "call_duration_ms", "input_redactions", "output_redactions", "previous_hash", "entry_hash"].map((k) => `${JSON.stringify(k)}:${pythonJsonDumps(m.get(k) as never)}`).join(",")}}`;
      })
      .join("\n");
    expect(verifyPythonTrail(write(`${declared}\n`), { io: nodeTrailIO }).ok).toBe(true);
    expect(verifyPythonTrail(write(""), { io: nodeTrailIO })).toMatchObject({ ok: true, entries: 0 });
    expect([...readPythonTrail(write(sorted), { io: nodeTrailIO })][1]).toMatchObject({ tool_name: "café", overhead_ms: 0 });
  });

  it("names the first bad entry: edits, deletions, reordering, extra keys, bad JSON", () => {
    const [l1, l2] = pythonTrail().trimEnd().split("\n") as [string, string];
    const edited = l2.replace('"blocked"', '"allowed"');
    expect(verifyPythonTrail(write(`${l1}\n${edited}\n`), { io: nodeTrailIO })).toMatchObject({ ok: false, firstBadIndex: 1, problems: [{ kind: "hash_mismatch" }] });
    expect(verifyPythonTrail(write(`${l2}\n`), { io: nodeTrailIO })).toMatchObject({ ok: false, firstBadIndex: 0, problems: [{ kind: "chain_broken" }] });
    expect(verifyPythonTrail(write(`${l2}\n${l1}\n`), { io: nodeTrailIO }).firstBadIndex).toBe(0);
    const extra = l1.replace("{", '{"approved_by":"mallory",');
    expect(verifyPythonTrail(write(`${extra}\n${l2}\n`), { io: nodeTrailIO })).toMatchObject({ ok: false, firstBadIndex: 0, problems: [{ kind: "extra_keys" }] });
    expect(verifyPythonTrail(write(`${l1}\n{not json\n${l2}\n`), { io: nodeTrailIO })).toMatchObject({ ok: false, firstBadIndex: 1, problems: [{ kind: "invalid_json" }] });
    // A float written as an int changes the hash (the original hashes 12.0, not 12).
    expect(verifyPythonTrail(write(`${l1.replace("12.0", "12")}\n${l2}\n`), { io: nodeTrailIO }).problems[0]).toMatchObject({ index: 0, kind: "hash_mismatch" });
    expect(() => verifyPythonTrail(join(tempDir(), "missing.jsonl"), { io: nodeTrailIO })).toThrow();
  });
});
