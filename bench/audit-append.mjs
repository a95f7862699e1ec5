// Audit trail appends per second through the built package (batched fsync, checkpoint every 1000):
// `node bench/audit-append.mjs [entries] [--quick] [--json]`. (test/audit/bench.ts runs the same
// through tsx, whose keep-names transform costs ~30 %; this is what a user of the package gets.)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAuditTrail as openNodeTrail, verifyAuditTrail } from "../dist/node.js";
import { machineInfo } from "./harness.mjs";

const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const JSON_OUT = argv.includes("--json");
const positional = argv.find((a) => /^\d+$/.test(a));
const N = Number(positional ?? (QUICK ? 20_000 : 300_000));
const dir = mkdtempSync(join(tmpdir(), "ec-b-"));
const path = join(dir, "t.jsonl");
const records = Array.from({ length: 1000 }, (_, i) => ({
  callId: `call-${i}`, time: 1_767_225_600_000 + i * 10, tool: i % 3 === 0 ? "search_web" : "read_file", tenant: i % 2 === 0 ? null : "acme",
  outcome: i % 5 === 0 ? "blocked" : "allowed", violations: i % 5 === 0 ? [{ type: "tool_denied", rule: "rules.denied_tools[0]", action: "block" }] : [],
  redactions: { input: i % 7 === 0 ? 1 : 0, output: 0 }, policyDigest: "a".repeat(64), engineDigest: "b".repeat(64), durationMs: i % 4,
  error: i % 5 === 0 ? { code: "tool_denied", message: "denied" } : null, requests: [new Uint8Array([1, 0, 0, 0, i & 255])],
  args: { q: `query ${i}`, n: i }, result: i % 5 === 0 ? null : { hits: [i] } }));
try {
  const trail = await openNodeTrail({ path, fsync: { batch: 8192, ms: 100 }, checkpoint: { entries: 1000 } });
  const t0 = performance.now();
  for (let i = 0; i < N; i++) { const r = trail.record(records[i % 1000]); if (r) await r; }
  await trail.close();
  const appendS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const v = await verifyAuditTrail(path);
  const verifyS = (performance.now() - t1) / 1000;
  if (!v.ok || v.size !== N) throw new Error(`the benchmark trail does not verify: ${JSON.stringify(v.problem)}`);
  const perS = Math.round(N / appendS);
  const verifyPerS = Math.round(N / verifyS);
  if (JSON_OUT) {
    const out = { schema: 1, benchmark: "audit-append", date: new Date().toISOString(), quick: QUICK, machine: machineInfo(), entries: N, appendsPerSecond: perS, appendSeconds: Math.round(appendS * 1000) / 1000, verifyEntriesPerSecond: verifyPerS, verifySeconds: Math.round(verifyS * 1000) / 1000, fsync: "batch 8192 / 100 ms", checkpointEvery: 1000 };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else console.log(`${perS.toLocaleString("en")} entries/s appended, ${verifyPerS.toLocaleString("en")} entries/s verified (${N} entries, batched fsync, compiled JS)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
