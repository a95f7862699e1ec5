/**
 * `enforcecore bench`: runs the benchmark suites of bench/ (each as a child process, through
 * bench/all.mjs) and prints a Markdown table, or the combined JSON.
 *
 * The suites are scripts of the source checkout, not part of the published package: the command
 * looks for the enforcecore checkout this CLI was built in (a folder above it whose package.json
 * is named "enforcecore" and that has bench/all.mjs), and fails with exit 2 when there is none.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { err as errPaint, Progress } from "./style.js";

export const BENCH_HELP = `Usage: enforcecore bench [--quick] [--json] [--out FILE] [--only NAME]...

Runs the benchmark suites of the source checkout's bench/ folder, one at a time, each in its own
process, and prints a Markdown table of every suite (or, with --json, the combined JSON).
Suites: components (the Python original's component benchmarks, its numbers beside ours),
engine, enforcer, peers (cedar-wasm, V8 RegExp, re2js), redaction, audit-append, guard (Linux).

  --quick        far fewer iterations: a smoke run in well under a minute; numbers not meaningful
  --json         print the combined JSON instead of Markdown
  --out FILE     also write the combined JSON to FILE (e.g. bench/results/all.json, which
                 'node scripts/perf-table.mjs' turns into the README's performance table)
  --only NAME    only these suites (repeatable, or comma-separated)

Needs a source checkout with a build (npm run build): bench/ is not in the published package.
Exit codes: 0 every suite ran, 1 a suite failed, 2 bad usage or no bench/ folder.`;

export class BenchUsageError extends Error {}

interface Suite {
  readonly name: string;
}
interface SuiteResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error: string | null;
  readonly durationMs: number;
}
interface Report {
  readonly suites: readonly SuiteResult[];
}
interface BenchModule {
  runSuites(options: { quick: boolean; only: string[]; command: string }, hooks: { onStart?(s: Suite, i: number, n: number): void; onOutput?(s: Suite, line: string): void; onEnd?(r: SuiteResult, i: number, n: number): void }): Promise<Report>;
  selectSuites(only: string[]): Suite[];
  writeReport(file: string, report: Report): void;
  toMarkdown(report: Report): string;
  BenchUsageError: new (...args: never[]) => Error;
}

/** The enforcecore checkout above `from` that holds bench/all.mjs, or null. */
export function findCheckout(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && existsSync(join(dir, "bench/all.mjs"))) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "enforcecore") return dir;
      } catch {
        // not a readable package.json: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export async function benchMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { quick: { type: "boolean" }, json: { type: "boolean" }, out: { type: "string", short: "o" }, only: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(BENCH_HELP);
    return 0;
  }
  const root = findCheckout(dirname(fileURLToPath(import.meta.url)));
  if (!root) throw new BenchUsageError("no bench/ folder: 'enforcecore bench' runs from a source checkout of enforcecore (git clone, npm install), not from the published package");
  if (!existsSync(join(root, "dist/node.js"))) throw new BenchUsageError(`${root}/dist/node.js is missing: run 'npm run build' in the checkout first`);
  const mod = (await import(pathToFileURL(join(root, "bench/all.mjs")).href)) as BenchModule;
  const only = values.only ?? [];
  try {
    mod.selectSuites(only);
  } catch (e) {
    if (e instanceof mod.BenchUsageError) throw new BenchUsageError(e.message);
    throw e;
  }

  const progress = new Progress("bench", null);
  let current = "";
  let started = 0;
  let index = 0;
  let total = 0;
  let lastLine = "";
  const draw = () => progress.update(index, `${current} ${Math.round((Date.now() - started) / 1000)} s  ${lastLine.slice(0, 60)}`, true);
  // The suites run in child processes, so the event loop is free: redraw the elapsed time each second.
  const timer = progress.enabled ? setInterval(draw, 1000) : null;
  let report: Report;
  try {
    report = await mod.runSuites(
      { quick: values.quick === true, only, command: `enforcecore bench${argv.length ? ` ${argv.join(" ")}` : ""}` },
      {
        onStart: (s, i, n) => {
          current = s.name;
          started = Date.now();
          index = i;
          total = n;
          lastLine = "";
          progress.setTotal(total);
          draw();
        },
        onOutput: (_s, line) => {
          lastLine = line;
        },
        onEnd: (r, i, n) => {
          index = i + 1;
          progress.done();
          if (!r.ok) process.stderr.write(`${errPaint.red("failed")} ${r.name}: ${r.error ?? ""}\n`);
          else if (progress.enabled) process.stderr.write(`${errPaint.green("ok")} ${r.name} (${(r.durationMs / 1000).toFixed(1)} s) [${i + 1}/${n}]\n`);
        },
      },
    );
  } finally {
    if (timer) clearInterval(timer);
    progress.done();
  }
  if (values.out) mod.writeReport(values.out, report);
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${mod.toMarkdown(report)}\n`);
  return report.suites.every((s) => s.ok || s.error?.startsWith("skipped")) ? 0 : 1;
}
