// The edge conformance corpus, shared by Node, workerd and Chromium: one policy, a seeded call
// sequence, and how answers are printed. Every runtime must print the same bytes.
export const policy = {
  name: "edge",
  rules: {
    allowed_tools: ["search_*", "fetch", "pay"],
    denied_tools: ["*_delete"],
    network: { enabled: true, allowed_domains: ["*.example.com"], denied_domains: ["evil.example.com"] },
    content_rules: { enabled: true, block_patterns: [{ name: "sql_injection" }, { name: "token", pattern: "tok_[a-z0-9]{6}", action: "redact" }] },
    argument_rules: { pay: { amount: { min: 1, max: 100 } } },
    rate_limits: { enabled: true, per_tool: { fetch: { max_calls: 3, window_seconds: 1 } } },
  },
};

export function calls() {
  let seed = 7;
  const rand = (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const tools = ["search_web", "fetch", "pay", "file_delete", "other", "SEARCH_X", "ünï_tool"];
  const texts = ["https://a.example.com/x", "HTTP://EVIL.example.com", "http://u@evil.example.com", "1 UNION SELECT x", "my tok_abc123 here", "plain", "http://other.org", "émoji 🎉 tok_zzzzzz"];
  const out = [];
  let now = 1000;
  for (let i = 0; i < 600; i++) {
    now += rand(400);
    const tool = tools[rand(tools.length)];
    out.push({ op: "pre", tool, args: { q: texts[rand(texts.length)], amount: rand(150), nested: [texts[rand(texts.length)]] }, now });
    if (rand(2) === 0) out.push({ op: "post", tool, output: texts[rand(texts.length)], now: now + 1 });
    if (rand(100) === 0) out.push({ op: "kill", on: rand(2) === 0, now });
  }
  return out;
}

export function answer(engine, list) {
  return list
    .map((c) => {
      try {
        const d = c.op === "post" ? engine.postCall(c) : c.op === "kill" ? engine.setKillSwitch(c.on, c.now) : engine.preCall(c);
        return JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? `${v}n` : v));
      } catch (err) {
        return `error ${err.code} ${err.message}`;
      }
    })
    .join("\n");
}
