// The `enforcecore` command as a user runs it: real process, real files, documented exit codes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/cli.js"), ...args], { cwd: root, encoding: "utf8" });
const tmp = mkdtempSync(join(tmpdir(), "enforcecore-cli-"));

describe("enforcecore validate", () => {
  it("accepts the example policies", () => {
    const r = cli("validate", "policies/examples/default.yaml", "policies/examples/strict.yaml", "policies/examples/child_extends.yaml");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("policies/examples/strict.yaml: ok");
  });

  it("reports problems as file:line:col: message and exits 2", () => {
    const bad = join(tmp, "bad.yaml");
    writeFileSync(bad, "name: bad\nrules:\n  denied_tools: [a]\n  alowed_tools: [b]\n");
    const r = cli("validate", bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4:3: .*alowed_tools.*did you mean`));
    const broken = join(tmp, "broken.yaml");
    writeFileSync(broken, "not: valid: yaml: [[[\n");
    const s = cli("validate", broken);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/broken\.yaml:1:\d+: /);
  });
});

describe("enforcecore compile and check", () => {
  it("compiles to a bundle whose digest it prints, and checks calls against it", () => {
    const out = join(tmp, "default.bundle");
    const c = cli("compile", "policies/examples/default.yaml", "-o", out, "--json");
    expect(c.status, c.stderr).toBe(0);
    const info = JSON.parse(c.stdout);
    expect(info.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(out).length).toBe(info.bytes);

    const allow = cli("check", "--policy", out, "--tool", "search_web", "--args", '{"query":"weather"}');
    expect(allow.status, allow.stdout + allow.stderr).toBe(0);
    const deny = cli("check", "--policy", "policies/examples/default.yaml", "--tool", "execute_shell", "--args", "{}", "--json");
    expect(deny.status).toBe(1);
    const d = JSON.parse(deny.stdout);
    expect(d.decision).toBe("deny");
    expect(d.violations[0].type).toBe("tool_denied");
    expect(d.policy.digest).toBe(info.digest);
  });

  it("decides with the tool's per-tool PII scope, as the enforcer does (a key finding blocks only where its category applies)", () => {
    const policy = join(tmp, "per-tool.yaml");
    writeFileSync(policy, "name: p\nrules:\n  pii_redaction:\n    enabled: true\n    categories: [email]\n    per_tool:\n      mailer: { categories: [ssn] }\n");
    const args = JSON.stringify({ "a@b.io": "x" });
    expect(cli("check", "--policy", policy, "--tool", "mailer", "--args", args).status).toBe(0);
    const other = cli("check", "--policy", policy, "--tool", "other", "--args", args, "--json");
    expect(other.status).toBe(1);
    expect(JSON.parse(other.stdout).violations[0]).toMatchObject({ type: "pii", action: "block" });
  });

  it("exits 2 on bad input and bad usage", () => {
    expect(cli("check", "--policy", "policies/examples/default.yaml", "--tool", "x", "--args", "{not json").status).toBe(2);
    expect(cli("check", "--tool", "x").status).toBe(2);
    expect(cli("compile", "policies/examples/default.yaml").status).toBe(2);
    expect(cli("frobnicate").status).toBe(2);
    expect(cli("check", "--policy", join(tmp, "missing.yaml"), "--tool", "x").status).toBe(2);
  });

  it("init writes a valid starter policy and refuses to overwrite it", () => {
    const dir = mkdtempSync(join(tmpdir(), "enforcecore-init-"));
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/cli.js"), ...args], { cwd: dir, encoding: "utf8" });
    expect(run("init").status).toBe(0);
    expect(run("validate", "enforcecore.yaml").status).toBe(0);
    expect(run("init").status).toBe(2);
    expect(run("init", "--force").status).toBe(0);
  });

  it("redact replaces PII from stdin", () => {
    const r = spawnSync(process.execPath, [join(root, "dist/cli.js"), "redact", "--json"], { cwd: root, encoding: "utf8", input: "mail jane@doe.org or call (555) 123-4567" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ text: "mail <EMAIL> or call <PHONE>", entities: [{ type: "email", start: 5, end: 17 }, { type: "phone", start: 26, end: 40 }] });
  });

  // (the child compiles every secret rule cold: about 4 s, more on a busy machine)
  it("redact --json lists one entity per replaced stretch, the other rules that matched it as `also`", { timeout: 240_000 }, () => {
    const policy = join(tmp, "secrets.yaml");
    writeFileSync(policy, "name: s\nrules:\n  pii_redaction:\n    enabled: true\n    secrets:\n      enabled: true\n");
    const r = spawnSync(process.execPath, [join(root, "dist/cli.js"), "redact", "--json", "--policy", policy], { cwd: root, encoding: "utf8", input: "api_token=ab12cd34ef56gh78 mail a@b.co" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      text: "api_token=<GENERIC_API_KEY> mail <EMAIL>",
      entities: [{ type: "generic_api_key", start: 10, end: 26, also: ["generic_token"] }, { type: "email", start: 32, end: 38 }],
    });
  });

  it("redact streams stdin: the same text as redacting it all at once, multi-byte characters intact", () => {
    // ~600 KB, so stdin arrives in many reads (pipe chunks of 64 KB) and the stream emits in batches.
    const line = "Mail jane@doe.org, SSN 123-45-6789, ünïcødé ✓ 😀, card 4111 1111 1111 1111.\n";
    const input = line.repeat(7000);
    const streamed = spawnSync(process.execPath, [join(root, "dist/cli.js"), "redact"], { cwd: root, encoding: "utf8", input, maxBuffer: 1 << 26 });
    expect(streamed.status, streamed.stderr).toBe(0);
    expect(streamed.stdout).toBe("Mail <EMAIL>, SSN <SSN>, ünïcødé ✓ 😀, card <CREDIT_CARD>.\n".repeat(7000));
    // --json answers in one engine pass: the same text, and its 21,000 entities
    const json = spawnSync(process.execPath, [join(root, "dist/cli.js"), "redact", "--json"], { cwd: root, encoding: "utf8", input, maxBuffer: 1 << 26 });
    expect(json.status, json.stderr).toBe(0);
    const answer = JSON.parse(json.stdout) as { text: string; entities: unknown[] };
    expect(answer.text === streamed.stdout).toBe(true);
    expect(answer.entities).toHaveLength(21_000);
    expect(answer.entities.slice(0, 4)).toEqual([{ type: "email", start: 5, end: 17 }, { type: "ssn", start: 23, end: 34 }, { type: "credit_card", start: 55, end: 74 }, { type: "email", start: 81, end: 93 }]);
    // past the 65,536 findings one engine call reports, the text is scanned in report ranges
    const many = "a@b.co ".repeat(65_537);
    const over = spawnSync(process.execPath, [join(root, "dist/cli.js"), "redact", "--json"], { cwd: root, encoding: "utf8", input: many, maxBuffer: 1 << 28 });
    expect(over.status, over.stderr).toBe(0);
    const all = JSON.parse(over.stdout) as { text: string; entities: { start: number }[] };
    expect(all.text === "<EMAIL> ".repeat(65_537)).toBe(true);
    expect(all.entities).toHaveLength(65_537);
    expect(all.entities.every((e, i) => e.start === 7 * i)).toBe(true);
  });

  it.skipIf(process.platform !== "linux")("guard run: the tool's exit code, or 1 with the violation", () => {
    const ok = cli("guard", "run", "--", "/bin/sh", "-c", "exit 3");
    expect(ok.status).toBe(3);
    const policy = join(tmp, "guard.yaml");
    writeFileSync(policy, "name: g\nrules:\n  guard:\n    wall_seconds: 0.3\n");
    const stopped = cli("guard", "run", "--policy", policy, "--json", "--", "/bin/sleep", "5");
    expect(stopped.status).toBe(1);
    expect(JSON.parse(stopped.stdout).violation.type).toBe("wall_time");
  });

  it("audit verify names the first tampered entry; inspect and prove read the trail", async () => {
    const { openAuditTrail, createEnforcer } = await import("../../hosts/node/index.js");
    const trailPath = join(tmp, "trail.jsonl");
    const trail = await openAuditTrail({ path: trailPath, fsync: "none" });
    const e = createEnforcer({ policy: { name: "a", rules: { denied_tools: ["rm"] } }, audit: trail });
    for (let i = 0; i < 5; i++) await e.call("search", { q: i }, () => i);
    await e.call("rm", {}, () => 0).catch(() => {});
    await trail.close();
    expect(cli("audit", "verify", trailPath).status).toBe(0);
    const listed = cli("audit", "inspect", trailPath, "--outcome", "blocked", "--json");
    expect(JSON.parse(listed.stdout).map((x: { tool: string }) => x.tool)).toEqual(["rm"]);
    expect(JSON.parse(cli("audit", "prove", trailPath, "--index", "2").stdout)).toHaveProperty("proof");
    const lines = readFileSync(trailPath, "utf8").split("\n");
    const at = lines.findIndex((l) => l.includes('"seq":3'));
    lines[at] = lines[at]!.replace('"search"', '"search_web"');
    writeFileSync(trailPath, lines.join("\n"));
    const bad = cli("audit", "verify", trailPath);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/INVALID at entry 3/);
  });

  it("has --help on every verb", () => {
    for (const verb of ["init", "validate", "compile", "check", "redact"]) {
      const r = cli(verb, "--help");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`enforcecore ${verb}`);
    }
  });
});
