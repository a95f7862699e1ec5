// `enforcecore audit replay` and `audit export` on real trails and journals written by the enforcer.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicyFile, createEnforcer, openAuditTrail } from "../../hosts/node/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined };
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/cli.js"), ...args], { cwd: root, encoding: "utf8", env });

const POLICY_YAML = `name: replay-cli
version: "1.0"
rules:
  denied_tools: [rm, "*_delete"]
  pii_redaction:
    enabled: true
    categories: [email, phone]
  content_rules:
    enabled: true
    block_patterns: [{ name: sql_injection }]
  rate_limits:
    enabled: true
    per_tool: { transfer: { max_calls: 2, window_seconds: 10 } }
`;

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const MIN = 60_000;

interface Built {
  dir: string;
  trail: string;
  journal: string;
  policy: string;
  digest: string;
}

/**
 * A session at known times: minute 0–4 five clean searches, 5–6 two searches with an email
 * (redacted input), 7 a result leaking a phone number (redacted output), 8–10 three `rm` (denied),
 * 11 a SQL injection (denied by a content rule), 12 a tool that throws, 13–16 four transfers (the
 * third and fourth hit the rate limit: 2 per 10 s), 17 a tool whose name is HTML.
 */
async function buildSession(opts: { key?: Uint8Array } = {}): Promise<Built> {
  const dir = mkdtempSync(join(tmpdir(), "ec-cli-audit-"));
  const policy = join(dir, "policy.yaml");
  writeFileSync(policy, POLICY_YAML);
  const trail = join(dir, "trail.jsonl");
  const journal = join(dir, "journal.jsonl");
  const t = await openAuditTrail({ path: trail, fsync: "none", journal: { path: journal, ...(opts.key ? { key: opts.key } : {}) } });
  let now = T0;
  const e = createEnforcer({ policy, audit: t, clock: () => now });
  const at = (minute: number, second = 0) => {
    now = T0 + minute * MIN + second * 1000;
  };
  const id = (a: unknown) => a;
  for (let i = 0; i < 5; i++) {
    at(i);
    await e.call("search", { q: `weather ${i}` }, id);
  }
  at(5);
  await e.call("search", { q: "mail jane@doe.org" }, id);
  at(6);
  await e.call("search", { q: "write to bob@example.com" }, id);
  at(7);
  await e.call("lookup", { q: "x" }, () => "call (555) 123-4567");
  for (let i = 0; i < 3; i++) {
    at(8 + i);
    await e.call("rm", { path: `/x/${i}` }, id).catch(() => {});
  }
  at(11);
  await e.call("search", { q: "' OR 1=1 --" }, id).catch(() => {});
  at(12);
  await e
    .call("flaky", {}, () => {
      throw new Error("boom");
    })
    .catch(() => {});
  for (let i = 0; i < 4; i++) {
    at(13, i); // four transfers within 4 seconds: the third and fourth exceed 2 per 10 s
    await e.call("transfer", { amount: i }, id).catch(() => {});
  }
  at(17);
  await e.call("<img/src=x/onerror=alert(1)>", {}, id);
  await t.close();
  return { dir, trail, journal, policy, digest: compilePolicyFile(policy).digest };
}

let s: Built;
beforeAll(async () => {
  s = await buildSession();
}, 60_000);

// Each test spawns the CLI several times: allow for a loaded machine.
const SLOW = { timeout: 120_000 };

describe("enforcecore audit replay", SLOW, () => {
  it("proves a recorded session identical under the recorded policy (YAML or bundle)", () => {
    const r = cli("audit", "replay", s.trail, "--journal", s.journal, "--recorded", s.policy, "--json");
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ mode: "replay", ok: true, calls: 18, divergence: null });
    expect(j.requests).toBeGreaterThan(18);
    expect(j.answersChecked).toBe(18); // the enforcer records answer digests: every call checked byte for byte
    const human = cli("audit", "replay", s.trail, "--journal", s.journal, "--recorded", s.policy);
    expect(human.status).toBe(0);
    expect(human.stdout).toContain("identical: 18 calls");
    expect(human.stdout).toContain(j.answersDigest);

    const bundle = join(s.dir, "policy.bundle");
    expect(cli("compile", s.policy, "-o", bundle).status).toBe(0);
    const b = cli("audit", "replay", s.trail, "--journal", s.journal, "--recorded", bundle, "--json");
    expect(b.status, b.stderr).toBe(0);
    expect(JSON.parse(b.stdout).answersDigest).toBe(j.answersDigest);
  });

  it("without a policy, says which policy digests the trail needs (exit 2)", () => {
    const r = cli("audit", "replay", s.trail, "--journal", s.journal);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(s.digest);
    expect(cli("audit", "replay", s.trail, "--recorded", s.policy).status).toBe(2); // no --journal
    expect(cli("audit", "replay", s.trail, "--journal", join(s.dir, "nope.jsonl"), "--recorded", s.policy).status).toBe(2);
  });

  it("names the first divergence: an altered journal request, the wrong policy (exit 1)", () => {
    const lines = readFileSync(s.journal, "utf8").split("\n");
    const k = lines.findIndex((l) => l.includes('"seq":6}'));
    const j = JSON.parse(lines[k]!);
    const req = Buffer.from(j.requests[0], "base64");
    req[req.length - 1]! ^= 1;
    const altered = join(s.dir, "altered.jsonl");
    writeFileSync(altered, lines.map((l, i) => (i === k ? JSON.stringify({ requests: [req.toString("base64"), ...j.requests.slice(1)], seq: 6 }) : l)).join("\n"));
    const r = cli("audit", "replay", s.trail, "--journal", altered, "--recorded", s.policy);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/DIVERGES at entry 6 \(search\): request_mismatch/);

    const other = join(s.dir, "other.yaml");
    writeFileSync(other, "name: other\nrules: {}\n");
    const w = cli("audit", "replay", s.trail, "--journal", s.journal, "--recorded", other, "--json");
    expect(w.status).toBe(1);
    expect(JSON.parse(w.stdout).divergence).toMatchObject({ seq: 0, kind: "bundle_missing" });
  });

  it("a tampered trail fails before any replay (exit 1)", () => {
    const lines = readFileSync(s.trail, "utf8").split("\n");
    const k = lines.findIndex((l) => l.includes('"seq":3,'));
    const tampered = join(s.dir, "tampered.jsonl");
    writeFileSync(tampered, lines.map((l, i) => (i === k ? l.replace('"search"', '"searcH"') : l)).join("\n"));
    const r = cli("audit", "replay", tampered, "--journal", s.journal, "--recorded", s.policy);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/INVALID.*entry 3/);
  });

  it("what if: lists exactly the decisions another policy would change", () => {
    // The same policy plus `search` denied (first in the list): the 7 searches that ran would now
    // be denied; the SQL-injection search and the 3 `rm` stay denied, but their violations change
    // (one more for the search; for `rm` the rule is now rules.denied_tools[1]).
    const stricter = join(s.dir, "stricter.yaml");
    writeFileSync(stricter, POLICY_YAML.replace("denied_tools: [rm,", "denied_tools: [search, rm,"));
    const r = cli("audit", "replay", s.trail, "--journal", s.journal, "--policy", stricter, "--json");
    expect(r.status, r.stderr).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.mode).toBe("what-if");
    expect(j.calls).toBe(18);
    expect(j.nowDenied).toBe(7);
    expect(j.nowAllowed).toBe(0);
    const changed = j.changed as { seq: number; tool: string; after: { decision: string } }[];
    expect(changed.filter((c) => c.after.decision === "deny" && c.tool === "search").map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 11]);
    const rm = j.changed.filter((c: { tool: string }) => c.tool === "rm");
    expect(rm.map((c: { seq: number }) => c.seq)).toEqual([8, 9, 10]);
    for (const c of rm) {
      expect(c.before.denied && c.after.denied).toBe(true);
      expect(c.after.violations).toEqual([{ action: "block", rule: "rules.denied_tools[1]", type: "tool_denied" }]);
    }
    expect(changed).toHaveLength(11);

    // Without the rate limit, the two rate-limited transfers would have run.
    const looser = join(s.dir, "looser.yaml");
    writeFileSync(looser, POLICY_YAML.replace("max_calls: 2,", "max_calls: 100,"));
    const l = JSON.parse(cli("audit", "replay", s.trail, "--journal", s.journal, "--policy", looser, "--json").stdout);
    expect(l.nowAllowed).toBe(2);
    expect(l.changed.map((c: { tool: string }) => c.tool)).toEqual(["transfer", "transfer"]);

    // The recorded policy itself changes nothing: exit 0.
    const same = cli("audit", "replay", s.trail, "--journal", s.journal, "--policy", s.policy);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stdout).toContain("no decision would change");
    const human = cli("audit", "replay", s.trail, "--journal", s.journal, "--policy", stricter, "--limit", "3");
    expect(human.stdout).toMatch(/11 would change \(7 now denied, 0 now allowed\)/);
    expect(human.stdout).toContain("… 8 more");
  });

  it("an encrypted journal replays with --key-file, and not without it", async () => {
    const key = new Uint8Array(32).map((_, i) => i * 7);
    const e = await buildSession({ key });
    const keyFile = join(e.dir, "journal.key");
    writeFileSync(keyFile, Buffer.from(key).toString("hex"));
    const ok = cli("audit", "replay", e.trail, "--journal", e.journal, "--recorded", e.policy, "--key-file", keyFile);
    expect(ok.status, ok.stderr).toBe(0);
    expect(cli("audit", "replay", e.trail, "--journal", e.journal, "--recorded", e.policy).status).toBe(2);
    writeFileSync(keyFile, "short");
    expect(cli("audit", "replay", e.trail, "--journal", e.journal, "--recorded", e.policy, "--key-file", keyFile).status).toBe(2);
  });
});

describe("enforcecore audit export", SLOW, () => {
  it("counts a period's calls by outcome, tool, violation and redaction type", () => {
    const r = cli("audit", "export", s.trail);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe("enforcecore-audit-report/1");
    expect(j.verification).toMatchObject({ ok: true, entries: 18, problem: null });
    expect(j.calls).toBe(18);
    expect(j.outcomes).toEqual({ allowed: 8, redacted: 3, logged: 0, blocked: 6, error: 1, fail_open: 0 });
    expect(j.tools.map((t: { tool: string; calls: number }) => [t.tool, t.calls])).toEqual([
      ["search", 8],
      ["transfer", 4],
      ["rm", 3],
      ["<img/src=x/onerror=alert(1)>", 1],
      ["flaky", 1],
      ["lookup", 1],
    ]);
    expect(j.tools.find((t: { tool: string }) => t.tool === "transfer").outcomes).toMatchObject({ allowed: 2, blocked: 2 });
    expect(j.violations).toEqual([
      { name: "pii", count: 3 },
      { name: "tool_denied", count: 3 },
      { name: "rate_limit", count: 2 },
      { name: "content_violation", count: 1 },
    ]);
    expect(j.redactions).toEqual({ input: 2, output: 1, calls: 3, byType: [{ name: "email", count: 2 }, { name: "phone", count: 1 }] });
    expect(j.errors.map((c: { name: string }) => c.name).sort()).toEqual(["content_violation", "rate_limit", "tool_denied", "tool_error"].sort());
    expect(j.span).toEqual({ first: new Date(T0).toISOString(), last: new Date(T0 + 17 * MIN).toISOString(), firstSeq: 0, lastSeq: 17 });
    expect(j.policies).toHaveLength(1);
    expect(j.policies[0]).toMatchObject({ digest: s.digest, calls: 18 });
    expect(j.engines).toHaveLength(1);
  });

  it("--since/--until select the period (inclusive)", () => {
    const iso = (m: number) => new Date(T0 + m * MIN).toISOString();
    const r = cli("audit", "export", s.trail, "--since", iso(5), "--until", iso(10));
    const j = JSON.parse(r.stdout);
    expect(j.calls).toBe(6); // minutes 5, 6, 7, 8, 9, 10
    expect(j.outcomes).toMatchObject({ allowed: 0, redacted: 3, blocked: 3 });
    expect(j.redactions.byType).toEqual([{ name: "email", count: 2 }, { name: "phone", count: 1 }]);
    expect(j.verification.entries).toBe(18); // verification is of the whole trail
    expect(j.period).toEqual({ since: iso(5), until: iso(10) });
    expect(cli("audit", "export", s.trail, "--since", "yesterday-ish").status).toBe(2);
    expect(cli("audit", "export", s.trail, "--since", iso(10), "--until", iso(5)).status).toBe(2);
  });

  it("HTML: one self-contained page with an SVG chart, every trail string escaped", () => {
    const out = join(s.dir, "report.html");
    const r = cli("audit", "export", s.trail, "--out", out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("18 calls");
    const html = readFileSync(out, "utf8");
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("<svg");
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/<script|<link|\ssrc=|\shref=|url\(/i);
    expect(html).not.toContain("<img");
    expect(html).toContain("&#60;img/src=x/onerror=alert(1)&#62;");
    expect(html).toContain(s.digest);
  });

  it("a trail that does not verify: the report says so and the exit code is 1", () => {
    const lines = readFileSync(s.trail, "utf8").split("\n");
    const k = lines.findIndex((l) => l.includes('"seq":4,'));
    const bad = join(s.dir, "bad.jsonl");
    writeFileSync(bad, lines.map((l, i) => (i === k ? l.replace('"allowed"', '"blocked"') : l)).join("\n"));
    const r = cli("audit", "export", bad);
    expect(r.status).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.verification.ok).toBe(false);
    expect(j.verification.firstBadIndex).toBe(4);
  });
});

describe("control events in inspect and export", () => {
  it("lists kill-switch toggles and reloads, counts them in the report, and replays the session", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ec-cli-control-"));
    const policy = join(dir, "policy.yaml");
    writeFileSync(policy, POLICY_YAML);
    const trail = join(dir, "trail.jsonl");
    const journal = join(dir, "journal.jsonl");
    const t = await openAuditTrail({ path: trail, fsync: "none", journal: { path: journal } });
    let now = T0;
    const e = createEnforcer({ policy, audit: t, clock: () => now });
    await e.call("search", { q: "one" }, (a) => a);
    now += MIN;
    await e.killSwitch(true, "incident <42>");
    await e.call("search", { q: "two" }, (a) => a).catch(() => {});
    now += MIN;
    await e.killSwitch(false);
    now += MIN;
    await e.reload(compilePolicyFile(policy), "policy rollout");
    await e.call("search", { q: "three" }, (a) => a);
    await t.close();

    const list = cli("audit", "inspect", trail);
    expect(list.status, list.stderr).toBe(0);
    const rows = list.stdout.trim().split("\n");
    expect(rows).toHaveLength(6);
    expect(rows[1]).toMatch(/^1\t.*\t\[control\]\tkill switch ON\tincident <42>$/);
    expect(rows[3]).toMatch(/\[control\]\tkill switch off$/);
    expect(rows[4]).toMatch(/\[control\]\treload → policy [0-9a-f]{16}…\tpolicy rollout$/);
    // a call filter leaves the control events out
    expect(cli("audit", "inspect", trail, "--tool", "search").stdout.trim().split("\n")).toHaveLength(3);

    const report = JSON.parse(cli("audit", "export", trail, "--format", "json").stdout);
    expect(report.calls).toBe(3);
    expect(report.controls).toMatchObject({ killSwitchOn: 1, killSwitchOff: 1, reloads: 1 });
    expect(report.controls.events.map((c: { seq: number }) => c.seq)).toEqual([1, 3, 4]);
    const out = join(dir, "r.html");
    expect(cli("audit", "export", trail, "--out", out).status).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("incident &#60;42&#62;");

    const replay = cli("audit", "replay", trail, "--journal", journal, "--recorded", policy);
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
  });
});
