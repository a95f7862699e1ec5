// Benchmark (not a test): Deno's native TrailIO against the node:fs compatibility one, through the
// built package's Deno entry. Appends (batched fsync) and full verification, warm-up run first,
// then alternating runs; prints JSON with every run and the medians.
//   node_modules/.bin/deno run -A bench/audit-deno-io.mjs [entries] [runs]
const api = await import("enforcecore");
const N = Number(Deno.args[0] ?? 200_000);
const RUNS = Number(Deno.args[1] ?? 5);
const records = Array.from({ length: 1000 }, (_, i) => ({
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
}));

async function once(io, n) {
  const dir = Deno.makeTempDirSync({ prefix: "ec-bdeno-" });
  const path = `${dir}/t.jsonl`;
  const trail = await api.AuditTrail.open({ path, io, fsync: { batch: 8192, ms: 100 }, checkpoint: { entries: 1000 } });
  let t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const r = trail.record(records[i % 1000]);
    if (r) await r;
  }
  await trail.close();
  const append = n / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  const v = await api.verifyTrail(path, { io });
  const verify = v.size / ((performance.now() - t0) / 1000);
  Deno.removeSync(dir, { recursive: true });
  if (!v.ok || v.size !== n) throw new Error(`verification failed: ${JSON.stringify(v.problem)}`);
  return { append: Math.round(append), verify: Math.round(verify) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ios = { deno: api.denoTrailIO, "node:fs": api.nodeTrailIO };
await once(api.denoTrailIO, Math.min(N, 20_000)); // warm-up (JIT)
await once(api.nodeTrailIO, Math.min(N, 20_000));
const runs = { deno: [], "node:fs": [] };
for (let r = 0; r < RUNS; r++) for (const [name, io] of Object.entries(ios)) runs[name].push(await once(io, N));
const range = (xs) => [Math.min(...xs), Math.max(...xs)];
const summary = Object.fromEntries(
  Object.entries(runs).map(([k, v]) => [k, { appendPerS: { p50: median(v.map((x) => x.append)), range: range(v.map((x) => x.append)) }, verifyPerS: { p50: median(v.map((x) => x.verify)), range: range(v.map((x) => x.verify)) }, runs: v }]),
);
console.log(JSON.stringify({ runtime: `deno ${Deno.version.deno}`, entries: N, runs: RUNS, io: summary }, null, 2));
