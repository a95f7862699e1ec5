/**
 * `enforcecore eval`: runs the adversarial suite and writes a report.
 *
 *   enforcecore eval [--category C]... [--scenario ID]... [--policy P] [--strict]
 *                    [--format md|html|json] [--out FILE] [--list] [--quiet]
 *
 * Exit codes: 0 every scored scenario contained (known gaps allowed unless --strict), 1 a scenario
 * escaped or a control/scenario failed, 2 bad usage or an unreadable policy.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { colorEnabled } from "../cli/style.js";
import { compilePolicyFile } from "../hosts/node/index.js";
import type { PolicySpec } from "./harness.js";
import { type ReportFormat, render } from "./report.js";
import { isCategory, listScenarios, runSuite } from "./runner.js";
import { CATEGORIES, type Outcome, type ThreatCategory } from "./types.js";

export const EVAL_HELP = `Usage: enforcecore eval [options]

Runs the adversarial evaluation suite: each scenario is a real attack on sandboxed tools, run
once without enforcement (the control must do its damage) and once through the enforcer (which
must contain it).

Options:
  --category C      only this threat category (repeatable, or comma-separated):
                    ${CATEGORIES.join(", ")}
  --scenario ID     only this scenario (repeatable, or comma-separated)
  --policy P        run every scenario under policy file P instead of its own reference policy
  --strict          known gaps fail the run too
  --format F        md (default), html (one self-contained page) or json
  --out FILE        write the report to FILE (format from its extension unless --format)
  --list            list the scenarios and exit
  --quiet           no progress on stderr
  -h, --help        this help

Exit codes: 0 all contained, 1 a scenario escaped or a control failed, 2 bad usage.`;

export interface EvalCliDeps {
  readonly stdout?: (s: string) => void;
  readonly stderr?: (s: string) => void;
  /** Whether stderr is a terminal (progress and colour). Default: process.stderr.isTTY. */
  readonly isTTY?: boolean;
}

class UsageError extends Error {}

function split(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
}

const MARK: Record<Outcome, string> = { contained: "ok", escaped: "ESCAPED", "known-gap": "gap", "control-failed": "CONTROL FAILED", error: "ERROR", skipped: "skip" };
const SGR: Record<Outcome, string> = { contained: "32", escaped: "31", "known-gap": "33", "control-failed": "35", error: "31", skipped: "90" };

/** Runs `enforcecore eval ARGV…` and resolves with the exit code. */
export async function runEvalCommand(argv: string[], deps: EvalCliDeps = {}): Promise<number> {
  const out = deps.stdout ?? ((s: string) => void process.stdout.write(s));
  const err = deps.stderr ?? ((s: string) => void process.stderr.write(s));
  const tty = deps.isTTY ?? process.stderr.isTTY === true;
  const color = colorEnabled({ isTTY: tty });
  try {
    const { values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        category: { type: "string", multiple: true, short: "c" },
        scenario: { type: "string", multiple: true, short: "s" },
        policy: { type: "string", short: "p" },
        strict: { type: "boolean" },
        format: { type: "string", short: "f" },
        out: { type: "string", short: "o" },
        list: { type: "boolean" },
        quiet: { type: "boolean", short: "q" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      out(`${EVAL_HELP}\n`);
      return 0;
    }
    const categories = split(values.category);
    for (const c of categories) if (!isCategory(c)) throw new UsageError(`unknown category ${JSON.stringify(c)}; one of: ${CATEGORIES.join(", ")}`);
    const ids = split(values.scenario);
    const format = (values.format ?? (values.out?.endsWith(".html") ? "html" : values.out?.endsWith(".json") ? "json" : "md")) as ReportFormat;
    if (!["md", "html", "json"].includes(format)) throw new UsageError(`--format must be md, html or json, not ${JSON.stringify(values.format)}`);
    const filter = { ...(categories.length ? { category: categories as ThreatCategory[] } : {}), ...(ids.length ? { ids } : {}) };
    const selected = listScenarios(filter);
    const unknown = ids.filter((id) => !listScenarios().some((s) => s.id === id));
    if (unknown.length) throw new UsageError(`unknown scenario ${unknown.map((u) => JSON.stringify(u)).join(", ")} (see --list)`);

    if (values.list) {
      for (const s of selected) out(`${s.id.padEnd(44)} ${s.category.padEnd(21)} ${s.severity.padEnd(9)} ${s.origin}${s.knownGap ? "  (known gap)" : ""}\n`);
      return 0;
    }
    let policy: PolicySpec | undefined;
    if (values.policy) {
      try {
        policy = compilePolicyFile(values.policy);
      } catch (e) {
        throw new UsageError(`cannot load --policy ${values.policy}: ${(e as Error).message}`);
      }
    }
    const progress = !values.quiet && tty;
    const suite = await runSuite({
      ...filter,
      ...(policy ? { policy } : {}),
      strict: values.strict === true,
      onResult: (r, i, n) => {
        if (!progress) return;
        const mark = color ? `\x1b[${SGR[r.outcome]}m${MARK[r.outcome]}\x1b[0m` : MARK[r.outcome];
        err(`[${String(i + 1).padStart(String(n).length)}/${n}] ${mark.padEnd(color ? 14 : 5)} ${r.id}\n`);
      },
    });
    const report = render(suite, format);
    if (values.out) {
      writeFileSync(values.out, report);
      if (!values.quiet) err(`${values.out}: ${suite.counts.contained}/${suite.counts.total} contained, ${suite.counts.knownGaps} known gaps, ${suite.counts.escaped} escaped, ${suite.counts.errors + suite.counts.controlFailed} errors (exit ${suite.exitCode})\n`);
    } else {
      out(report);
    }
    return suite.exitCode;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      err(`enforcecore eval: ${(e as Error).message}\n\n${EVAL_HELP}\n`);
      return 2;
    }
    err(`enforcecore eval: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}
