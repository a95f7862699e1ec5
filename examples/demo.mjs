// A tour of enforcecore on the example policy: `npm run demo` (after `npm install`).
import { compilePolicyFile, loadEngineSync } from "../dist/node.js";

const bundle = compilePolicyFile(new URL("../policies/examples/default.yaml", import.meta.url).pathname);
console.log(`policy ${bundle.meta.policy.name} v${bundle.meta.policy.version}: ${bundle.bytes.length}-byte bundle, sha256 ${bundle.digest.slice(0, 16)}…`);

const engine = loadEngineSync();
engine.loadPolicy(bundle);
console.log(`engine sha256 ${engine.engineDigest.slice(0, 16)}…\n`);

const calls = [
  { tool: "search_web", args: { query: "weather in Paris" } },
  { tool: "SEARCH_WEB", args: { query: "case does not help a denied tool, nor hurt an allowed one" } },
  { tool: "execute_shell", args: { command: "rm -rf /" } },
  { tool: "get_weather", args: { city: "Paris", source: "https://api.openai.com@evil.example/steal" } },
  { tool: "read_file", args: { path: "reports/q3.txt", note: "mail jane.doe@example.com" } },
  { tool: "unknown_tool", args: {} },
];

let now = Date.now();
for (const { tool, args } of calls) {
  const t0 = performance.now();
  const d = engine.preCall({ tool, args, now: now++ });
  const us = ((performance.now() - t0) * 1000).toFixed(1);
  console.log(`${d.decision.padEnd(5)} ${tool} ${JSON.stringify(args)}  (${us} µs)`);
  for (const v of d.violations) console.log(`      ${v.type}: ${v.reason}  [${v.rule ?? "engine"}]`);
  if (d.allowed) engine.postCall({ tool, output: "ok", now: now++ });
}
