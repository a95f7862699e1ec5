// One cold start in a fresh Node process (spawned by bench/run.mjs, one process per sample).
// Usage: node bench/cold-child.mjs <bundle-file> [engine.wasm]
// Prints one JSON line of phase times in µs, each measured with process.hrtime.bigint():
//   import      import of dist/node.js (module graph, not counted in the cold-start target)
//   decode      base64 → wasm bytes (the embedded engine), or reading the given engine.wasm
//   compile     new WebAssembly.Module(bytes): the first compile in this process
//   instantiate createEngineSync(module, {digest}): instance + ABI check
//   digest      SHA-256 of the bundle bytes (digestOf: the policy's identity, pure JS)
//   meta        the bundle's metadata JSON (readBundleMeta)
//   load        engine.loadPolicy(bundle): the engine parses and validates the bundle
//   first       the first preCall (includes any lazy compilation and tier-up of wasm functions)
//   second      the second preCall
import { readFileSync } from "node:fs";

const hr = process.hrtime.bigint;
const us = (a, b) => Number(b - a) / 1000;

const bundleBytes = new Uint8Array(readFileSync(process.argv[2]));
const t0 = hr();
const api = await import("../dist/node.js");
const t1 = hr();
const bytes = process.argv[3] ? new Uint8Array(readFileSync(process.argv[3])) : api.engineWasmBytes();
const t2 = hr();
const module = new WebAssembly.Module(bytes);
const t3 = hr();
// The digest is the build's constant (computing it is not part of a cold start); for another
// build it is a placeholder, since only the timing matters here.
const engine = api.createEngineSync(module, { digest: process.argv[3] ? "benchmark" : api.ENGINE_DIGEST });
const t4 = hr();
const digest = api.digestOf(bundleBytes);
const t4a = hr();
const meta = api.readBundleMeta(bundleBytes);
const t4b = hr();
engine.loadPolicy({ bytes: bundleBytes, digest, meta });
const t5 = hr();
const call = { tool: "search_web", args: { query: "webassembly sandbox latency", url: "https://en.wikipedia.org/w/index.php?search=webassembly" }, now: 1_000 };
const d1 = engine.preCall(call);
const t6 = hr();
engine.preCall({ ...call, tool: "execute_shell", now: 2_000 });
const t7 = hr();

process.stdout.write(
  `${JSON.stringify({
    import: us(t0, t1),
    decode: us(t1, t2),
    compile: us(t2, t3),
    instantiate: us(t3, t4),
    digest: us(t4, t4a),
    meta: us(t4a, t4b),
    load: us(t4b, t5),
    first: us(t5, t6),
    second: us(t6, t7),
    firstDecision: d1.decision,
  })}\n`,
);
