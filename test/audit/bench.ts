// Audit benchmarks (not tests): node --import tsx test/audit/bench.ts [entries]
// Prints appends/s (batched fsync), proof verification time at 1,000,000 entries, and the time
// and memory of verifying a 1,000,000-entry trail.
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { CompactRange, checkInclusion, fromBase64, TreeHasher } from "../../audit/merkle.js";
import { nodeSha256, nodeTrailIO, openNodeTrail, verifyNodeTrail } from "../../audit/node-store.js";
import { proveInclusion } from "../../audit/trail.js";
import { record, tempDir } from "./helpers.js";

const N = Number(process.argv[2] ?? 1_000_000);
const dir = tempDir("ec-bench-");
const path = join(dir, "trail.jsonl");
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

// 1. Appends (batched fsync: 8192 entries / 100 ms; checkpoint every 1000 entries, unsigned).
const records = Array.from({ length: 1000 }, (_, i) => record(i));
const trail = await openNodeTrail({ path, fsync: { batch: 8192, ms: 100 }, checkpoint: { entries: 1000 } });
let t0 = performance.now();
for (let i = 0; i < N; i++) {
  const r = trail.record(records[i % 1000]!);
  if (r) await r;
}
await trail.close();
let ms = performance.now() - t0;
console.log(`append: ${N} entries in ${(ms / 1000).toFixed(2)} s = ${Math.round(N / (ms / 1000)).toLocaleString("en")} entries/s (batched fsync), file ${mb(statSync(path).size)}`);

// 2. Full verification, streaming.
globalThis.gc?.();
const before = process.memoryUsage();
let peakRss = before.rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);
t0 = performance.now();
const v = await verifyNodeTrail(path);
ms = performance.now() - t0;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
console.log(`verify: ${v.size} entries, ok=${v.ok}, ${(ms / 1000).toFixed(2)} s (${((ms * 1000) / v.size).toFixed(2)} µs/entry), RSS ${mb(before.rss)} → peak ${mb(peakRss)}`);

// 3. One inclusion proof at size N: generation (streams the file) and verification (O(log n)).
t0 = performance.now();
const p = await proveInclusion(path, Math.floor(N / 3), { io: nodeTrailIO });
ms = performance.now() - t0;
console.log(`prove: entry ${p.index} of ${p.size}, ${p.proof.length} hashes, generated in ${(ms / 1000).toFixed(2)} s (streaming the file)`);
const hasher = new TreeHasher(nodeSha256);
const leaf = hasher.hashLeaf(new TextEncoder().encode(p.entry));
const proof = p.proof.map(fromBase64);
const root = fromBase64(p.root);
for (const [name, h] of [["node:crypto", hasher], ["@noble/hashes", new TreeHasher()]] as const) {
  const reps = 20_000;
  t0 = performance.now();
  for (let i = 0; i < reps; i++) checkInclusion(p.index, p.size, leaf, proof, root, h);
  ms = performance.now() - t0;
  console.log(`verify proof (${name}): ${((ms * 1000) / reps).toFixed(1)} µs at ${p.size.toLocaleString("en")} entries`);
}

// 4. The in-memory tree alone.
const cr = new CompactRange(hasher);
t0 = performance.now();
for (let i = 0; i < N; i++) cr.append(leaf);
ms = performance.now() - t0;
console.log(`tree: ${N} appends in ${ms.toFixed(0)} ms (${((ms * 1000) / N).toFixed(2)} µs each)`);
rmSync(dir, { recursive: true, force: true });
