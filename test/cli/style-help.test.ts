// Human output: colour only when wanted (NO_COLOR, FORCE_COLOR, TTY), progress only on a TTY,
// --help and documented exit codes on every verb, and the bench verb's usage errors.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { colorEnabled, painter, Progress } from "../../cli/style.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const base = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm-256color" };
const cli = (args: string[], env: Record<string, string | undefined> = {}) => spawnSync(process.execPath, [join(root, "dist/cli.js"), ...args], { cwd: root, encoding: "utf8", env: { ...base, ...env } });
const ESC = "\x1b[";
const deny = ["check", "--policy", "policies/examples/default.yaml", "--tool", "execute_shell"];

describe("colour", { timeout: 60_000 }, () => {
  it("follows FORCE_COLOR, then NO_COLOR, TERM=dumb and the TTY", () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true); // no-color.org: empty means unset
    expect(colorEnabled({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { FORCE_COLOR: "false" })).toBe(false);
    expect(painter(false).red("x")).toBe("x");
    expect(painter(true).red("x")).toBe("\x1b[31mx\x1b[0m");
  });

  it("plain output into a pipe and with NO_COLOR; colour with FORCE_COLOR", () => {
    const piped = cli(deny);
    expect(piped.status).toBe(1);
    expect(piped.stdout).toMatch(/^deny: execute_shell/);
    expect(piped.stdout + piped.stderr).not.toContain(ESC);
    const noColor = cli(deny, { NO_COLOR: "1" });
    expect(noColor.stdout + noColor.stderr).not.toContain(ESC);
    const forced = cli(deny, { FORCE_COLOR: "1" });
    expect(forced.stdout).toContain(`${ESC}31mdeny${ESC}0m`);
    const usage = cli(["check", "--tool", "x"], { FORCE_COLOR: "1" });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain(`${ESC}31menforcecore:`);
  });

  const hasScript = existsSync("/usr/bin/script") && process.platform === "linux";
  it.skipIf(!hasScript)("on a real terminal: colour by default, none with NO_COLOR", () => {
    const cmd = `${process.execPath} ${join(root, "dist/cli.js")} ${deny.join(" ")}`;
    const tty = (env: Record<string, string | undefined>) => spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: root, encoding: "utf8", env: { ...base, ...env } });
    expect(tty({}).stdout).toContain(`${ESC}31mdeny`);
    expect(tty({ NO_COLOR: "1" }).stdout).not.toContain(ESC);
  });
});

describe("progress", () => {
  it("draws in place on a TTY, throttled, and erases itself; draws nothing elsewhere", () => {
    const frames: string[] = [];
    const p = new Progress("verifying", 200, { isTTY: true, write: (s) => void frames.push(s) }, 0, {});
    p.update(50);
    p.update(200, "done");
    p.done();
    expect(frames[0]).toMatch(/^\r\x1b\[2Kverifying {2}\[.*\] {2}25%/);
    expect(frames[1]).toContain("100%");
    expect(frames.at(-1)).toBe("\r\x1b[2K");
    const throttled: string[] = [];
    const q = new Progress("x", 10, { isTTY: true, write: (s) => void throttled.push(s) }, 60_000, {});
    q.update(1);
    q.update(2);
    q.update(3, "", true);
    expect(throttled).toHaveLength(2);
    const none: string[] = [];
    const n = new Progress("x", 10, { isTTY: false, write: (s) => void none.push(s) }, 0, {});
    n.update(5);
    n.done();
    expect(none).toEqual([]);
    expect(n.enabled).toBe(false);
    const plain: string[] = [];
    new Progress("x", 10, { isTTY: true, write: (s) => void plain.push(s) }, 0, { NO_COLOR: "1" }).update(5);
    expect(plain[0]!.replace("\r\x1b[2K", "")).not.toContain(ESC);
  });
});

describe("--help on every verb", { timeout: 60_000 }, () => {
  const verbs: [string[], string][] = [
    [["--help"], "enforcecore <command>"],
    [["init", "--help"], "enforcecore init"],
    [["validate", "--help"], "enforcecore validate"],
    [["compile", "--help"], "enforcecore compile"],
    [["check", "--help"], "enforcecore check"],
    [["redact", "--help"], "enforcecore redact"],
    [["guard", "--help"], "enforcecore guard run"],
    [["guard", "run", "--help"], "enforcecore guard run"],
    [["guard", "capabilities", "--help"], "enforcecore guard capabilities"],
    [["audit", "--help"], "enforcecore audit"],
    [["audit", "verify", "--help"], "enforcecore audit verify"],
    [["audit", "inspect", "--help"], "enforcecore audit inspect"],
    [["audit", "prove", "--help"], "enforcecore audit prove"],
    [["audit", "replay", "--help"], "enforcecore audit replay"],
    [["audit", "export", "--help"], "enforcecore audit export"],
    [["eval", "--help"], "enforcecore eval"],
    [["bench", "--help"], "enforcecore bench"],
  ];
  it.each(verbs)("%j exits 0, prints usage and the exit codes", (args, usage) => {
    const r = cli(args);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Usage:");
    expect(r.stdout).toContain(usage);
    expect(r.stdout).toMatch(/exit/i);
  });
});

describe("enforcecore bench", { timeout: 60_000 }, () => {
  it("bad usage exits 2", () => {
    const r = cli(["bench", "--only", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown benchmark suite "nope"');
    expect(cli(["bench", "--frobnicate"]).status).toBe(2);
  });

  it("outside a source checkout: a clear error and exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "ec-nobench-"));
    mkdirSync(join(dir, "dist"));
    copyFileSync(join(root, "dist/cli.js"), join(dir, "dist/cli.js"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
    const r = spawnSync(process.execPath, [join(dir, "dist/cli.js"), "bench", "--quick"], { cwd: dir, encoding: "utf8", env: base });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no bench/ folder");
  });

  it("runs a suite from the checkout and prints its JSON", () => {
    const r = cli(["bench", "--quick", "--json", "--only", "audit-append"]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.schema).toBe("enforcecore-bench/1");
    expect(j.quick).toBe(true);
    expect(j.suites).toHaveLength(1);
    expect(j.suites[0]).toMatchObject({ name: "audit-append", ok: true, exitCode: 0 });
    expect(j.suites[0].report.entries).toBe(20_000);
    expect(j.suites[0].report.appendsPerSecond).toBeGreaterThan(0);
    expect(r.stderr).toBe(""); // not a TTY: no progress
  }, 60_000);
});
