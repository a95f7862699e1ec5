/**
 * The `enforcecore` command. Exit codes: 0 ok / allowed, 1 denied or a check failed,
 * 2 bad usage or bad input (unreadable or invalid policy, malformed JSON). docs/CLI.md is the
 * reference; every verb answers --help.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { parseArgs } from "node:util";
import { runEvalCommand } from "../eval/cli.js";
import { AUDIT_HELP, AuditUsageError, auditMain } from "./audit.js";
import { BENCH_HELP, BenchUsageError, benchMain } from "./bench.js";
import { err as errPaint, out as outPaint, outcomeColor } from "./style.js";
import { guardMain } from "../guard/cli.js";
import { type CompiledBundle, compilePolicyFile, compilePolicyObject, EnforceCoreError, entityExclusionFor, formatIssue, loadEngineSync, loadPolicy, redactSpans, redactStream, replacedSpans, replacementFor, type PolicyIssue } from "../hosts/node/index.js";
import type { Engine } from "../engine/engine.js";
import { findingsInReportRanges, tooMany } from "../core/redact-stream.js";
import type { Violation } from "../engine/decision.js";

const EXIT_OK = 0;
const EXIT_DENIED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

const HELP: Record<string, string> = {
  main: `enforcecore — runtime enforcement for AI agent tool calls

Usage: enforcecore <command> [options]

Commands:
  init [--force]                          write a starter policy (enforcecore.yaml) into this folder
  validate POLICY...                      check policy files; errors as file:line:col: message
  compile POLICY -o BUNDLE                compile a policy into the bundle edge runtimes load
  check --policy P --tool T [--args JSON] decide one tool call (exit 0 allow, 1 deny)
  redact [--policy P] [--json]            redact PII from stdin to stdout
  guard run --policy P -- CMD [ARGS...]   run a command under the OS guard (Linux)
  guard capabilities                      what the OS guard can enforce on this machine
  audit verify TRAIL                      verify a trail's entries, Merkle tree and checkpoints
  audit inspect TRAIL                     list entries (filters by tool, outcome, time)
  audit prove TRAIL --index N             an inclusion proof of one entry
  audit replay TRAIL --journal J ...      re-run the recorded decisions, or "what if" under another policy
  audit export TRAIL [--format json|html] a report over a period (outcomes, tools, violations, redactions)
  eval [--category C] [--format md|html|json] [--out FILE]
                                          run the adversarial evaluation suite
  bench [--quick] [--json] [--only NAME]  run the benchmarks (from a source checkout)

Run 'enforcecore <command> --help' for a command's options; docs/CLI.md is the reference.
Exit codes: 0 ok, 1 denied, a check failed or a violation was found, 2 bad usage or bad input.
Colour: on when the output is a terminal; NO_COLOR=1 turns it off, FORCE_COLOR=1 forces it on.`,
  audit: AUDIT_HELP,
  bench: BENCH_HELP,
  validate: `Usage: enforcecore validate [--json] POLICY...

Loads each policy (following 'extends') and reports every problem as file:line:col: message.
Exit 0 when all are valid, 2 otherwise.`,
  compile: `Usage: enforcecore compile POLICY -o BUNDLE [--json]

Validates and compiles POLICY into a binary bundle for the wasm engine and prints its SHA-256
digest (the policy's identity in decisions and audit entries). Exit 0, 2 on an invalid policy or bad usage.`,
  init: `Usage: enforcecore init [--force]

Writes enforcecore.yaml, a commented starter policy, into the current folder (never overwrites
an existing file unless --force). Validate it with 'enforcecore validate enforcecore.yaml'.
Exit 0, 2 when the file exists (without --force).`,
  redact: `Usage: enforcecore redact [--policy P] [--json]

Reads text on stdin and writes it with PII replaced, using the policy's pii_redaction section
(default: email, phone, ssn, credit_card, ip_address as placeholders). --json prints
{text, entities: [{type, start, end, also?}]} instead (reading all of stdin first): one entity
per replaced stretch, in text order, typed by the rule whose replacement it got; \`also\` names
the other rules that matched in it. Without --json the text is redacted as a stream, in
bounded memory, with the same output as all at once. Exit 0, 2 on a bad policy.`,
  check: `Usage: enforcecore check --policy P --tool T [--args JSON] [--now MS] [--json]

Asks the engine whether tool T may run with the given arguments (a JSON object, default {}).
Exit 0 when the call may run (allowed, or violations that the policy only logs or redacts),
1 when it is denied, 2 on bad input. --json prints the whole decision.`,
};

function issuesOf(err: unknown): readonly PolicyIssue[] | null {
  return err instanceof EnforceCoreError && "issues" in err && Array.isArray((err as { issues: unknown }).issues) && (err as { issues: PolicyIssue[] }).issues.length > 0
    ? (err as { issues: PolicyIssue[] }).issues
    : null;
}

function validate(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return help("validate");
  if (positionals.length === 0) throw new UsageError("validate needs at least one POLICY file");
  let bad = 0;
  const report: unknown[] = [];
  for (const file of positionals) {
    try {
      const { policy, warnings } = loadPolicy(file);
      report.push({ file, valid: true, name: policy.name, version: policy.version, warnings });
      if (!values.json) {
        console.log(`${file}: ${outPaint.green("ok")} (${policy.name} v${policy.version})`);
        for (const w of warnings) console.log(`${file}: ${outPaint.yellow("warning")}: ${w}`);
      }
    } catch (err) {
      bad++;
      const issues = issuesOf(err);
      const lines = issues ? issues.map(formatIssue) : [`${file}: ${(err as Error).message}`];
      report.push({ file, valid: false, issues: issues ?? [{ file, path: [], message: (err as Error).message }] });
      if (!values.json) for (const l of lines) console.error(l);
    }
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  return bad > 0 ? EXIT_USAGE : EXIT_OK;
}

function compile(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { out: { type: "string", short: "o" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return help("compile");
  if (positionals.length !== 1 || !values.out) throw new UsageError("compile needs exactly one POLICY and -o BUNDLE");
  const bundle = compilePolicyFile(positionals[0]!);
  writeFileSync(values.out, bundle.bytes);
  if (values.json) console.log(JSON.stringify({ policy: bundle.meta.policy.name, version: bundle.meta.policy.version, bytes: bundle.bytes.length, digest: bundle.digest, out: values.out }));
  else console.log(`${values.out}: ${bundle.bytes.length} bytes, sha256 ${bundle.digest}`);
  return EXIT_OK;
}

function check(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { policy: { type: "string", short: "p" }, tool: { type: "string", short: "t" }, args: { type: "string", short: "a" }, now: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return help("check");
  if (!values.policy || values.tool === undefined) throw new UsageError("check needs --policy and --tool");
  let args: unknown = {};
  if (values.args !== undefined) {
    try {
      args = JSON.parse(values.args);
    } catch (err) {
      throw new UsageError(`--args is not valid JSON: ${(err as Error).message}`);
    }
  }
  const now = values.now === undefined ? Date.now() : Number(values.now);
  const policyPath = values.policy;
  const bundle = policyPath.endsWith(".bundle") ? readFileSync(policyPath) : compilePolicyFile(policyPath);
  const engine = loadEngineSync();
  const loaded = engine.loadPolicy(bundle instanceof Uint8Array ? new Uint8Array(bundle) : bundle);
  // The tool's per-tool PII scope, as the enforcer sends it, so `check` decides what a call would.
  const decision = engine.preCall({ tool: values.tool, args, now, excludeEntities: entityExclusionFor(loaded.meta, values.tool) });
  if (values.json) console.log(JSON.stringify(decision, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2));
  else {
    console.log(`${outcomeColor(outPaint, decision.decision)}: ${values.tool}`);
    for (const v of decision.violations) console.log(`  ${v.type} [${v.action}] ${outPaint.dim(v.rule ?? "")}: ${v.reason}`);
  }
  return decision.allowed ? EXIT_OK : EXIT_DENIED;
}

const STARTER = `# enforcecore policy: see docs/POLICY.md for every field.
name: my-agent
version: "1.0"
on_violation: block          # block | log | redact

rules:
  # null allows every tool that is not denied; [] allows none. Globs: * and ?.
  allowed_tools: [search_web, read_file, get_weather]
  denied_tools: [execute_shell, "*_delete"]

  pii_redaction:
    enabled: true
    categories: [email, phone, ssn, credit_card, ip_address]
    strategy: placeholder    # placeholder | mask | hash | remove

  network:
    enabled: true
    allowed_domains: [api.openai.com, "*.wikipedia.org"]
    deny_all_other: true

  content_rules:
    enabled: true            # an empty list enables the four built-ins
    block_patterns: []

  rate_limits:
    enabled: true
    global_limit: { max_calls: 100, window_seconds: 60 }

  resource_limits:
    max_call_duration_seconds: 30
    max_cost_usd: 5.00
`;

function init(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { force: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return help("init");
  const file = "enforcecore.yaml";
  if (existsSync(file) && !values.force) throw new UsageError(`${file} already exists (use --force to overwrite)`);
  writeFileSync(file, STARTER);
  loadPolicy(file); // the starter must be valid: fail loudly if it ever is not
  console.log(`wrote ${file}; check it with: enforcecore validate ${file}`);
  return EXIT_OK;
}

/**
 * Text mode streams: stdin is redacted as it arrives (bounded memory, output as soon as no match
 * can still cross the cut), with the same result as redacting the whole input at once.
 */
async function redactStdinStream(bundle: CompiledBundle): Promise<number> {
  process.stdin.setEncoding("utf8"); // a multi-byte character split across reads is joined, not broken
  for await (const out of redactStream(process.stdin as AsyncIterable<string>, { bundle, phase: "input" })) {
    if (!process.stdout.write(out)) await once(process.stdout, "drain");
  }
  return EXIT_OK;
}

async function redact(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { policy: { type: "string", short: "p" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) return help("redact");
  const bundle = values.policy
    ? compilePolicyFile(values.policy)
    : compilePolicyObject({ name: "cli-redact", rules: { pii_redaction: { enabled: true } } });
  if (!bundle.meta.policy.rules.pii_redaction.enabled) throw new UsageError(`${values.policy}: pii_redaction is not enabled in this policy`);
  if (!values.json) return redactStdinStream(bundle);
  const text = readFileSync(0, "utf8");
  const engine = loadEngineSync();
  engine.loadPolicy(bundle);
  const findings = allFindings(engine, text).filter((v) => v.type === "pii" && v.span);
  const out = redactSpans(text, findings, replacementFor(bundle.meta)).value as string;
  // One entity per replaced stretch (in text order), typed by the rule whose replacement it got;
  // the other rules that matched in it are `also`, so `api_token=…` is not listed twice.
  const typeOf = (v: Violation) => v.rule?.split(".").pop() ?? "content";
  const entities = replacedSpans(findings).map(({ start, end, chosen, findings: all }) => {
    const also = [...new Set(all.map(typeOf))].filter((t) => t !== typeOf(chosen));
    return also.length === 0 ? { type: typeOf(chosen), start, end } : { type: typeOf(chosen), start, end, also };
  });
  console.log(JSON.stringify({ text: out, entities }, null, 2));
  return EXIT_OK;
}

/**
 * Every finding of `text`: one engine call, or, when the text holds more than one call reports
 * (`maxReports`), one call per report range of it (core/redact-stream.ts findingsInReportRanges:
 * every rule still runs over the whole text, so together they are the findings of one unbounded
 * call).
 */
function allFindings(engine: Engine, text: string): Violation[] {
  const scan = (from: number, to: number) => {
    const d = engine.preCall({ tool: "redact", args: text, now: 0, reportWindow: { from, to } });
    engine.resetState(0); // no rate windows or open calls carried from one range to the next
    return tooMany(d) ? null : d.violations;
  };
  const tooDense = (at: number) => new EnforceCoreError("bad_request", `more findings start at offset ${at} than one engine call reports (${engine.maxReports})`);
  return findingsInReportRanges(0, text.length, { size: Number.POSITIVE_INFINITY }, scan, tooDense);
}

function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

function help(command: string): number {
  console.log(HELP[command] ?? HELP.main);
  return EXIT_OK;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // --help anywhere before "--" is help, for every guard verb (guard/cli.ts answers it only on some).
      case "guard": return await guardMain(wantsHelp(rest) ? ["--help"] : rest, { loadPolicy });
      case "eval": return await runEvalCommand(rest);
      case "audit": return await auditMain(rest);
      case "bench": return await benchMain(rest);
      case "init": return init(rest);
      case "redact": return await redact(rest);
      case "validate": return validate(rest);
      case "compile": return compile(rest);
      case "check": return check(rest);
      case undefined: case "help": case "--help": case "-h": return help("main");
      default: throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof AuditUsageError || err instanceof BenchUsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`${errPaint.red("enforcecore:")} ${(err as Error).message}\n\n${HELP[command ?? "main"] ?? HELP.main}`);
      return EXIT_USAGE;
    }
    const issues = issuesOf(err);
    if (issues) for (const i of issues) console.error(formatIssue(i));
    else console.error(`${errPaint.red("enforcecore:")} ${(err as Error).message}`);
    return err instanceof EnforceCoreError ? EXIT_USAGE : EXIT_DENIED;
  }
}

process.exitCode = await main(process.argv.slice(2));
