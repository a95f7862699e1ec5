// One cold start in a fresh Node process, for bench/peers.mjs (one process per sample).
// Usage: node bench/peers-cold-child.mjs enforcecore <bundle-file>
//        node bench/peers-cold-child.mjs cedar <policy-text-file>
// Prints one JSON line of phase times in µs (process.hrtime.bigint()):
//   import       enforcecore: import of dist/node.js (not counted; cedar's JS glue is counted in
//                `instantiate`, it cannot be separated from its wasm load)
//   instantiate  enforcecore: loadEngineSync() = base64 decode + compile + instantiate of the
//                embedded module; cedar: require("@cedar-policy/cedar-wasm/nodejs") = JS glue +
//                read of the 4.3 MB .wasm + compile + instantiate + __wbindgen_start
//   load         enforcecore: engine.loadPolicy(bundle bytes) (SHA-256, metadata JSON, validation);
//                cedar: preparsePolicySet(id, policy text) (parse into its thread-local cache)
//   first        the first decision (includes the lazy compilation of the wasm functions it uses)
//   second       the second decision
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const hr = process.hrtime.bigint;
const us = (a, b) => Number(b - a) / 1000;
const [which, file] = process.argv.slice(2);
let out;

if (which === "enforcecore") {
  const bundle = new Uint8Array(readFileSync(file));
  const t0 = hr();
  const api = await import("../dist/node.js");
  const t1 = hr();
  const engine = api.loadEngineSync();
  const t2 = hr();
  engine.loadPolicy(bundle);
  const t3 = hr();
  const d1 = engine.preCall({ tool: "search_web", args: {}, now: 1_000 });
  const t4 = hr();
  engine.preCall({ tool: "execute_shell", args: {}, now: 2_000 });
  const t5 = hr();
  out = { import: us(t0, t1), instantiate: us(t1, t2), load: us(t2, t3), first: us(t3, t4), second: us(t4, t5), firstDecision: d1.decision };
} else if (which === "cedar") {
  const text = readFileSync(file, "utf8");
  const require = createRequire(import.meta.url);
  const t1 = hr();
  const cedar = require("@cedar-policy/cedar-wasm/nodejs");
  const t2 = hr();
  const parsed = cedar.preparsePolicySet("peers", { staticPolicies: text });
  const t3 = hr();
  if (parsed.type !== "success") throw new Error(`cedar: policy does not parse: ${JSON.stringify(parsed)}`);
  const call = (tool) => ({
    principal: { type: "Agent", id: "agent-1" },
    action: { type: "Action", id: tool },
    resource: { type: "Resource", id: "default" },
    context: {},
    entities: [],
    preparsedPolicySetId: "peers",
  });
  const a1 = cedar.statefulIsAuthorized(call("search_web"));
  const t4 = hr();
  cedar.statefulIsAuthorized(call("execute_shell"));
  const t5 = hr();
  out = { import: 0, instantiate: us(t1, t2), load: us(t2, t3), first: us(t3, t4), second: us(t4, t5), firstDecision: a1.type === "success" ? a1.response.decision : "error" };
} else {
  process.stderr.write("usage: node bench/peers-cold-child.mjs enforcecore|cedar FILE\n");
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(out)}\n`);
