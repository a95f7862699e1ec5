// Audit trail appends per second through the built package (batched fsync, checkpoint every 1000):
// `node bench/audit-append.mjs [entries]`. (test/audit/bench.ts runs the same through tsx, whose
// keep-names transform costs ~30 %; this is what a user of the package gets.)
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditTrail as openNodeTrail } from "../dist/node.js";
const N = Number(process.argv[2] ?? 300_000);
const path = join(mkdtempSync(join(tmpdir(), "ec-b-")), "t.jsonl");
const records = Array.from({ length: 1000 }, (_, i) => ({
  callId: `call-${i}`, time: 1_767_225_600_000 + i * 10, tool: i % 3 === 0 ? "search_web" : "read_file", tenant: i % 2 === 0 ? null : "acme",
  outcome: i % 5 === 0 ? "blocked" : "allowed", violations: i % 5 === 0 ? [{ type: "tool_denied", rule: "rules.denied_tools[0]", action: "block" }] : [],
  redactions: { input: i % 7 === 0 ? 1 : 0, output: 0 }, policyDigest: "a".repeat(64), engineDigest: "b".repeat(64), durationMs: i % 4,
  error: i % 5 === 0 ? { code: "tool_denied", message: "denied" } : null, requests: [new Uint8Array([1, 0, 0, 0, i & 255])],
  args: { q: `query ${i}`, n: i }, result: i % 5 === 0 ? null : { hits: [i] } }));
const trail = await openNodeTrail({ path, fsync: { batch: 8192, ms: 100 }, checkpoint: { entries: 1000 } });
const t0 = performance.now();
for (let i = 0; i < N; i++) { const r = trail.record(records[i % 1000]); if (r) await r; }
await trail.close();
console.log(`${Math.round(N / ((performance.now() - t0) / 1000)).toLocaleString("en")} entries/s (${N} appends, batched fsync, compiled JS)`);
