// The README's performance table is generated from bench JSON: deterministic, and never drifts
// from the committed report.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module of the benchmark folder (no type declarations)
import { blockBetween, fmt, README_COMPONENTS, readmeTable, replaceBetween, rowsOf, toMarkdown } from "../../bench/summary.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = JSON.parse(readFileSync(join(root, "test/bench/fixtures/all.json"), "utf8"));

describe("bench/summary.mjs", () => {
  it("formats numbers with at most 3 significant digits and no exponent", () => {
    expect([fmt(0.004567), fmt(0.2), fmt(1.234), fmt(24.51), fmt(227.5), fmt(1946.3), fmt(30733.2), fmt(null), fmt(Number.NaN)]).toEqual(["0.0046", "0.20", "1.23", "24.5", "228", "1,946", "30,733", "–", "–"]);
  });

  it("renders the README table from a fixture, the same text every time", () => {
    const a: string = readmeTable(fixture, "test/bench/fixtures/all.json");
    expect(readmeTable(structuredClone(fixture), "test/bench/fixtures/all.json")).toBe(a);
    expect(a).toContain("on Fixture CPU 9000, 2 cores, 8 GiB, linux-x64, Node v20.0.0, load average 1.5 / 1 / 0.5");
    expect(a).toContain("(`enforcecore bench --quick --only components`, 2026-01-02)");
    expect(a).toContain("**A `--quick` run**");
    const lines: string[] = a.split("\n");
    expect(lines).toContain("| policy pre-call (3 allowed / 2 denied tools) | 4.26 | 7.44 | 24.5 | 1,946 | 11.8 | 228 | 0.36× |");
    expect(lines).toContain("| secret detection (every secret rule) | not measured | | | | | | |");
    // one row per component of the original, in its order
    const rows = lines.filter((l) => l.startsWith("| ") && !l.startsWith("| component"));
    expect(rows.map((l) => l.split(" | ")[0]!.slice(2))).toEqual(README_COMPONENTS.map(([, label]: [string, string]) => label));
    const full = { ...fixture, quick: false };
    expect(readmeTable(full)).not.toContain("**A `--quick` run**");
  });

  it("refuses a report without the components suite", () => {
    expect(() => readmeTable({ ...fixture, suites: [] })).toThrow(/components/);
  });

  it("replaces only the text between the markers", () => {
    const doc = "# T\n\nbefore\n<!-- perf:start -->\nold\n<!-- perf:end -->\nafter\n";
    const out = replaceBetween(doc, "new\ntable");
    expect(out).toBe("# T\n\nbefore\n<!-- perf:start -->\nnew\ntable\n<!-- perf:end -->\nafter\n");
    expect(blockBetween(out)).toBe("new\ntable");
    expect(replaceBetween(out, "new\ntable")).toBe(out);
    expect(() => replaceBetween("no markers", "x")).toThrow(/markers/);
  });

  it("the Markdown of `enforcecore bench` has a row per measured benchmark", () => {
    const md = toMarkdown(fixture);
    const { latency } = rowsOf(fixture.suites[0]);
    expect(latency.length).toBe(fixture.suites[0].report.results.length);
    for (const r of latency) expect(md).toContain(`| ${r.name} | ${fmt(r.p50)} |`);
    const failed = toMarkdown({ ...fixture, suites: [{ name: "guard", command: "node bench/guard.mjs", ok: false, exitCode: 1, error: "no launcher", report: null }] });
    expect(failed).toContain("Failed (exit 1): no launcher");
  });
});

describe("README performance table", () => {
  it("matches the committed bench/results/all.json", () => {
    const report = JSON.parse(readFileSync(join(root, "bench/results/all.json"), "utf8"));
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(blockBetween(readme)).toBe(readmeTable(report, "bench/results/all.json"));
    const r = spawnSync(process.execPath, [join(root, "scripts/perf-table.mjs"), "--check"], { cwd: root, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it("scripts/perf-table.mjs rewrites a README and --check catches drift", () => {
    const dir = mkdtempSync(join(tmpdir(), "ec-perf-"));
    const readme = join(dir, "README.md");
    writeFileSync(readme, "# x\n\n## Performance\n\n<!-- perf:start -->\nstale\n<!-- perf:end -->\n\nrest\n");
    const json = join(dir, "all.json");
    copyFileSync(join(root, "test/bench/fixtures/all.json"), json);
    const run = (...a: string[]) => spawnSync(process.execPath, [join(root, "scripts/perf-table.mjs"), ...a], { cwd: root, encoding: "utf8" });
    expect(run(json, "--readme", readme, "--check").status).toBe(1);
    expect(run(json, "--readme", readme).status).toBe(0);
    const text = readFileSync(readme, "utf8");
    expect(text).toContain("Fixture CPU 9000");
    expect(text.endsWith("<!-- perf:end -->\n\nrest\n")).toBe(true);
    expect(run(json, "--readme", readme, "--check").status).toBe(0);
    expect(run(join(dir, "missing.json"), "--readme", readme).status).toBe(2);
  });
});
