// Regenerates the README's performance table from a combined benchmark report:
//
//   node scripts/perf-table.mjs [REPORT.json] [--readme FILE] [--check] [--print]
//
// REPORT defaults to bench/results/all.json (written by `enforcecore bench --out …`), FILE to
// README.md. The table goes between the `<!-- perf:start -->` and `<!-- perf:end -->` markers; the
// rest of the file is left as it is. --check writes nothing and exits 1 when the README's table
// differs from what the report gives (test/bench/perf-table.test.ts runs the same check); --print
// writes the table to stdout only. Exit 2 on bad usage or a missing file or marker.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { blockBetween, readmeTable, replaceBetween } from "../bench/summary.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
let reportPath = resolve(root, "bench/results/all.json");
let readmePath = resolve(root, "README.md");
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--readme") readmePath = resolve(argv[++i] ?? "");
  else if (a === "--check" || a === "--print") continue;
  else if (a.startsWith("-")) {
    process.stderr.write(`perf-table: unknown option ${a}\n`);
    process.exit(2);
  } else reportPath = resolve(a);
}

function read(path) {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    process.stderr.write(`perf-table: cannot read ${path}: ${e.message}\n`);
    process.exit(2);
  }
}

let table;
try {
  // The report's path as the README names it: relative to the repository, with forward slashes.
  table = readmeTable(JSON.parse(read(reportPath)), relative(root, reportPath).split("\\").join("/"));
} catch (e) {
  process.stderr.write(`perf-table: ${e.message}\n`);
  process.exit(2);
}
if (argv.includes("--print")) {
  process.stdout.write(`${table}\n`);
  process.exit(0);
}
const readme = read(readmePath);
if (argv.includes("--check")) {
  const current = blockBetween(readme);
  if (current === null) {
    process.stderr.write(`perf-table: ${readmePath} has no <!-- perf:start --> / <!-- perf:end --> markers\n`);
    process.exit(2);
  }
  if (current !== table) {
    process.stderr.write(`perf-table: the performance table in ${readmePath} does not match ${reportPath}; run node scripts/perf-table.mjs\n`);
    process.exit(1);
  }
  process.stdout.write("perf-table: README table matches the report\n");
  process.exit(0);
}
try {
  writeFileSync(readmePath, replaceBetween(readme, table));
} catch (e) {
  process.stderr.write(`perf-table: ${e.message}\n`);
  process.exit(2);
}
process.stdout.write(`perf-table: wrote the table from ${relative(root, reportPath)} into ${relative(process.cwd(), readmePath) || readmePath}\n`);
