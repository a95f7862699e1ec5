import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallRecord } from "../../core/enforcer.js";

export function tempDir(prefix = "ec-audit-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A synthetic call record (what the enforcer hands the sink), without the replay hints. */
export function record(i: number, over: Partial<CallRecord> = {}): CallRecord {
  const r: Omit<CallRecord, "answers" | "requestSeq" | "engineInstance"> = {
    callId: `call-${i}`,
    time: 1_767_225_600_000 + i * 10,
    tool: i % 3 === 0 ? "search_web" : "read_file",
    tenant: i % 2 === 0 ? null : "acme",
    outcome: i % 5 === 0 ? "blocked" : "allowed",
    violations: i % 5 === 0 ? [{ type: "tool_denied", rule: "rules.denied_tools[0]", action: "block" }] : [],
    redactions: { input: i % 7 === 0 ? 1 : 0, output: 0 },
    policyDigest: "a".repeat(64),
    engineDigest: "b".repeat(64),
    durationMs: i % 4,
    error: i % 5 === 0 ? { code: "tool_denied", message: "denied" } : null,
    requests: [new Uint8Array([1, 0, 0, 0, i & 255])],
    args: { q: `query ${i}`, n: i },
    result: i % 5 === 0 ? null : { hits: [i] },
  };
  return { ...r, ...over } as CallRecord;
}

export const readLinesOf = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
export const writeLines = (path: string, lines: readonly string[]) => writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
