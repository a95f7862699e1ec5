// Every finding of the redaction rules in real text (directories of code, configuration and
// documentation), to be read for false positives: real text has no labels, so this prints each
// rule's count and its findings in context, not a precision. docs/REDACTION.md (round 18) lists
// what it found on this machine's Google Cloud SDK, node_modules and Python standard library.
//
//   npx tsx eval/redaction-realtext.ts DIR... [--secrets | --pii] [--examples N] [--json]
//
// Text files (by extension, under 400 KB, at most 20,000 per directory) are scanned in pieces of
// 60,000 units, so a value across two pieces is not seen. Needs the built engine (`npm run build`).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PII_PATTERNS } from "../engine/compiler/pii.js";
import { compilePolicyObject, loadEngineSync } from "../hosts/node/index.js";

const TEXT_FILE = /\.(md|txt|rst|js|mjs|cjs|ts|json|ya?ml|toml|ini|cfg|conf|env|properties|py|rb|go|java|c|h|sh)$/;
const MAX_FILE_BYTES = 400_000;
const MAX_FILES = 20_000;
const MAX_DEPTH = 8;
const PIECE = 60_000;
const CONTEXT = 30;

interface Finding {
  readonly file: string;
  readonly value: string;
  readonly before: string;
  readonly after: string;
}

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const examples = Number(args.includes("--examples") ? args[args.indexOf("--examples") + 1] : 10);
const dirs = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--examples");
if (dirs.length === 0) {
  console.error("usage: npx tsx eval/redaction-realtext.ts DIR... [--secrets | --pii] [--examples N] [--json]");
  process.exit(2);
}

const engine = loadEngineSync();
engine.loadPolicy(
  compilePolicyObject({
    name: "realtext",
    rules: {
      pii_redaction: {
        enabled: true,
        categories: flag("--secrets") ? [] : PII_PATTERNS.map((p) => p.category),
        secrets: { enabled: !flag("--pii") },
      },
    },
  }),
);

function textFiles(dir: string, depth: number, out: string[]): string[] {
  if (out.length >= MAX_FILES || depth > MAX_DEPTH) return out;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) textFiles(path, depth + 1, out);
    else if (TEXT_FILE.test(name) && stat.size < MAX_FILE_BYTES && out.length < MAX_FILES) out.push(path);
  }
  return out;
}

const byRule = new Map<string, Finding[]>();
let files = 0;
let units = 0;
for (const dir of dirs) {
  for (const file of textFiles(dir, 0, [])) {
    const text = readFileSync(file, "utf8");
    files++;
    units += text.length;
    for (let at = 0; at < text.length; at += PIECE) {
      const piece = text.slice(at, at + PIECE);
      for (const v of engine.preCall({ tool: "scan", args: { text: piece }, now: 0 }).violations) {
        if (v.span == null || v.rule == null) continue;
        const rule = v.rule.slice(v.rule.lastIndexOf(".") + 1);
        const list = byRule.get(rule) ?? [];
        list.push({
          file,
          value: piece.slice(v.span.start, v.span.end),
          before: piece.slice(Math.max(0, v.span.start - CONTEXT), v.span.start),
          after: piece.slice(v.span.end, v.span.end + CONTEXT),
        });
        byRule.set(rule, list);
      }
    }
  }
}

const rules = [...byRule.entries()].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
if (flag("--json")) {
  const out = Object.fromEntries(rules.map(([rule, list]) => [rule, { count: list.length, examples: list.slice(0, examples) }]));
  console.log(JSON.stringify({ files, units, findings: rules.reduce((n, [, l]) => n + l.length, 0), rules: out }, null, 2));
} else {
  console.log(`${files} files, ${(units / 1e6).toFixed(1)} M units, ${rules.reduce((n, [, l]) => n + l.length, 0)} findings`);
  for (const [rule, list] of rules) {
    console.log(`\n${rule}: ${list.length}`);
    for (const f of list.slice(0, examples)) console.log(`  ${f.file}: ${JSON.stringify(f.before)} [${JSON.stringify(f.value)}] ${JSON.stringify(f.after)}`);
  }
}
