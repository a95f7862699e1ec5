// The cross-runtime decision corpus. Run under Node, Deno and Bun (each through its own dist
// bundle); every line it prints must be byte-identical across runtimes. It compiles the policies
// in each runtime too, so the bundle digests prove the compiler is deterministic as well.
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const api = await import(`../../dist/${runtime}.js`);

// xorshift32: integer-only, so every runtime draws the same sequence.
let seed = 0x9e3779b9;
const rand = (n) => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
};
const pick = (xs) => xs[rand(xs.length)];

const policies = [
  { name: "tools", rules: { allowed_tools: ["search_*", "read_file", "Calc", "fs.?"], denied_tools: ["*_delete", "SHELL", "fs.w"] } },
  { name: "log-mode", on_violation: "log", rules: { allowed_tools: ["a", "b"], denied_tools: ["c"], max_input_size_bytes: 40 } },
  {
    name: "network",
    rules: {
      network: { enabled: true, allowed_domains: ["api.openai.com", "*.wikipedia.org", "bücher.de"], denied_domains: ["evil.com", "10.0.0.1"], deny_all_other: true },
    },
  },
  { name: "content", rules: { content_rules: { enabled: true, block_patterns: [{ name: "shell_injection" }, { name: "sql_injection" }, { name: "key", pattern: "sk-[a-z0-9]{6,}", action: "redact" }] } } },
  {
    name: "args-and-limits",
    rules: {
      argument_rules: { transfer: { amount: { min: 0, max: 1000 }, currency: { allowed_values: ["EUR", "USD"] } }, "fs.*": { path: { pattern: "/data/[a-z/]+", max_length: 30 } } },
      rate_limits: { enabled: true, per_tool: { transfer: { max_calls: 3, window_seconds: 30 } }, global_limit: { max_calls: 15, window_seconds: 5 } },
      resource_limits: { max_cost_usd: 40, max_cost_per_call_usd: 0.5 },
      max_call_depth: 3,
    },
  },
];

const tools = ["search_web", "SEARCH_news", "read_file", "calc", "fs.r", "fs.w", "file_delete", "shell", "Shell", "transfer", "a", "b", "c", "über", "x y", "", "fetch"];
const strings = [
  "hello", "https://api.openai.com/v1", "HTTPS://EVIL.COM", "http://user@evil.com", "https://en.wikipedia.org/wiki/A", "http://xn--bcher-kva.de/",
  "http://bücher.de", "//evil.com/x", "http://0x0a.0.0.1/", "ls; sudo rm -rf /", "' OR 1=1 --", "token sk-abcdef123 and sk-zzzzzz9", "/data/a/b", "/etc/passwd",
  "émoji 🎉 text", "a".repeat(50), "EUR", "usd", "http://[::ffff:10.0.0.1]/",
];
const scalars = () => pick([() => pick(strings), () => rand(2000) - 500, () => rand(2) === 1, () => null, () => rand(100) / 7]);
const args = () => {
  const o = {};
  const n = rand(4);
  for (let i = 0; i < n; i++) {
    const key = pick(["url", "q", "amount", "currency", "path", "nested", "list"]);
    o[key] = key === "nested" ? { inner: pick(strings), deeper: [pick(strings), scalars()()] } : key === "list" ? [scalars()(), scalars()()] : scalars()();
  }
  return o;
};

const show = (v) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x));
const engineModule = new WebAssembly.Module(api.engineWasmBytes());
console.log(`engine ${api.ENGINE_DIGEST}`);
for (const p of policies) {
  const bundle = api.compilePolicyObject(p);
  console.log(`policy ${p.name} ${bundle.digest}`);
  const engine = api.createEngineSync(engineModule, { digest: api.ENGINE_DIGEST });
  engine.loadPolicy(bundle);
  let now = 1_000;
  let open = 0;
  for (let i = 0; i < 2_500; i++) {
    now += rand(700);
    const tool = pick(tools);
    let line;
    try {
      const estimate = rand(4) === 0 ? rand(80) / 100 : 0;
      const d = engine.preCall({ tool, args: args(), now, costEstimateUsd: estimate, depth: open });
      line = show(d);
      // Mostly paired post-calls; a few calls stay open so nesting depth builds up.
      if (d.allowed && rand(8) === 0) open++;
      else if (d.allowed) line += ` ${show(engine.postCall({ tool, output: pick([args(), pick(strings), null]), now: now + 1, costUsd: rand(30) / 100, costEstimateUsd: estimate }))}`;
      if (open > 0 && rand(4) === 0) {
        open--;
        line += ` close ${show(engine.postCall({ tool: "a", output: null, now: now + 2 }))}`;
      }
    } catch (err) {
      line = `error ${err.code} ${err.message}`;
    }
    if (rand(400) === 0) {
      line += ` kill ${show(engine.setKillSwitch(true, now))} ${show(engine.preCall({ tool: "a", args: {}, now }))}`;
      line += ` ${show(engine.setKillSwitch(false, now))}`;
    }
    if (rand(600) === 0) line += ` reset ${show(engine.resetState(now))}`;
    console.log(line);
  }
}

// The enforcer on top: redactions (host-side, from engine spans), outcomes and error codes must
// match too. Time is injected so that rate windows replay identically.
{
  let clock = 1_000;
  const records = [];
  const enforcer = api.createEnforcer({
    policy: {
      name: "enforcer",
      on_violation: "redact",
      rules: {
        denied_tools: ["shell"],
        pii_redaction: { enabled: true, categories: ["email", "phone", "ssn", "credit_card", "ip_address", "passport"], strategy: "placeholder" },
        content_rules: { enabled: true, block_patterns: [{ name: "key", pattern: "sk-[a-z0-9]{6,}" }] },
        rate_limits: { enabled: true, global_limit: { max_calls: 40, window_seconds: 3 } },
      },
    },
    clock: () => clock,
    audit: { record: (r) => records.push(r) },
  });
  const texts = ["mail a.b@c.io", "call (555) 123-4567", "ssn 123-45-6789", "card 4111 1111 1111 1111", "ip 10.1.2.3", "key sk-abc123def", "AB1234567", "plain", "x é 🎉 jane@doe.org y"];
  for (let i = 0; i < 500; i++) {
    clock += rand(150);
    const tool = pick(["search", "search", "shell", "fetch"]);
    const args = { q: pick(texts), more: [pick(texts), { deep: pick(texts) }] };
    let seen = null;
    const line = await enforcer
      .call(tool, args, (a) => {
        seen = a;
        return `${pick(texts)} | ${pick(texts)}`;
      })
      .then((out) => `ok ${show(seen)} -> ${show(out)}`, (err) => `err ${err.code} ${err.rule}`);
    const r = records.at(-1);
    console.log(`${line} [${r.outcome} ${r.redactions.input}/${r.redactions.output} ${r.violations.map((v) => `${v.type}:${v.action}`).join(",")}]`);
  }
}
