/**
 * `enforcecore audit verify|inspect|prove|replay|export`: the verifiable trail from the command line.
 * Exit codes: 0 ok, 1 the trail does not verify (or a replay diverges, or a what-if changes a
 * decision), 2 bad usage or unreadable input.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { nodeTrailIO, parseVerifierKey, proveAuditInclusion, readEntries, segmentFiles, verifyTrail } from "../hosts/node/index.js";
import { renderHtml } from "./audit-html.js";
import { buildReport, type Period, summaryLines } from "./audit-report.js";
import { ReplayUsageError, runReplay } from "./audit-replay.js";
import { progressIO, sizeOf } from "./progress-io.js";
import { err as errPaint, out as outPaint, outcomeColor, Progress } from "./style.js";

const VERB_HELP: Record<string, string> = {
  verify: `Usage: enforcecore audit verify TRAIL [--vkey KEY]... [--trusted CHECKPOINT_FILE]... [--json]
  Verifies every entry, leaf hash, segment and checkpoint (streaming); names the first bad
  entry. --vkey: checkpoint verifier keys (signatures required); --trusted: checkpoints
  obtained elsewhere, which detect truncation. Exit 0 valid, 1 invalid, 2 bad usage.`,
  inspect: `Usage: enforcecore audit inspect TRAIL [--tool T] [--outcome O] [--since ISO] [--until ISO] [--tail N] [--json]
  Lists entries (never raw arguments: the trail holds only their hashes). Exit 0, 2 bad usage.`,
  prove: `Usage: enforcecore audit prove TRAIL --index N
  Prints an RFC 6962 inclusion proof of entry N against the latest checkpoint (JSON). Exit 0, 2 bad usage.`,
  replay: `Usage: enforcecore audit replay TRAIL --journal J --recorded P... [--key-file F] [--vkey KEY]... [--json]
       enforcecore audit replay TRAIL --journal J (--policy P | --bundle B) [--key-file F] [--limit N] [--json]
  Verifies the trail, then re-runs every recorded engine request from the replay journal J.
  With --recorded (the policies the trail was recorded under: YAML files or compiled bundles,
  matched by digest; repeatable): proves every decision identical, byte for byte where the host
  recorded answers, or names the first divergence. Exit 0 identical, 1 divergence.
  With --policy/--bundle: "what if" the calls had run under that policy instead (same
  timeline): lists every call whose decision or violations would change (the first --limit,
  default 50; --json lists all). Exit 0 nothing changes, 1 some decision or violation changes.
  --key-file: the journal's AES-256 key (32 raw bytes, 64 hex digits or base64). Exit 2 on bad usage.`,
  export: `Usage: enforcecore audit export TRAIL [--since ISO] [--until ISO] [--format json|html] [--out FILE] [--vkey KEY]...
  A report over the period (since <= time <= until; default the whole trail): calls by outcome, by
  tool and by violation type, the rules that fired, redactions by type, error codes, time span,
  the policy and engine digests seen, tenants, and whether the whole trail verifies.
  --format json (default; from --out's extension when it ends in .html) or html (one
  self-contained page with charts). Without --out, the report goes to stdout.
  Exit 0 the trail verifies, 1 it does not (the report is written anyway), 2 bad usage.`,
};

export const AUDIT_HELP = `Usage: enforcecore audit <verify|inspect|prove|replay|export> TRAIL [options]

${Object.values(VERB_HELP).join("\n\n")}

Run 'enforcecore audit <verb> --help' for one verb. Exit codes: 0 ok, 1 the check failed, 2 bad usage or bad input.`;

export class AuditUsageError extends Error {}

function parseDate(flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AuditUsageError(`${flag} is not a date: ${value}`);
  return t;
}

function trailSize(trail: string): number {
  return sizeOf(
    nodeTrailIO,
    segmentFiles(nodeTrailIO, trail).map((f) => f.path),
  );
}

export async function auditMain(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      vkey: { type: "string", multiple: true },
      trusted: { type: "string", multiple: true },
      json: { type: "boolean" },
      tool: { type: "string" },
      outcome: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      tail: { type: "string" },
      index: { type: "string" },
      journal: { type: "string", short: "j" },
      recorded: { type: "string", multiple: true },
      policy: { type: "string", short: "p" },
      bundle: { type: "string", short: "b" },
      "key-file": { type: "string" },
      limit: { type: "string" },
      format: { type: "string", short: "f" },
      out: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    console.log(AUDIT_HELP);
    return 0;
  }
  if (!(verb in VERB_HELP)) throw new AuditUsageError(`unknown audit verb ${JSON.stringify(verb)}`);
  if (values.help) {
    console.log(VERB_HELP[verb]);
    return 0;
  }
  const trail = positionals[0];
  if (!trail) throw new AuditUsageError(`audit ${verb} needs a TRAIL file`);
  if (positionals.length > 1) throw new AuditUsageError(`audit ${verb} takes one TRAIL, got ${positionals.length} arguments`);
  const verifiers = await Promise.all((values.vkey ?? []).map((k) => parseVerifierKey(k)));

  if (verb === "verify") {
    const trusted = (values.trusted ?? []).map((f) => readFileSync(f, "utf8"));
    const progress = new Progress("verifying", trailSize(trail));
    const r = await verifyTrail(trail, { io: progressIO(nodeTrailIO, progress), verifiers, trusted });
    progress.done();
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else if (r.ok) console.log(`${trail}: ${outPaint.green("ok")}, ${r.size} entries, root ${r.root}, ${r.checkpoints} checkpoints${r.unsealed ? `, ${r.unsealed} after the last checkpoint` : ""}`);
    else console.error(`${trail}: ${errPaint.red("INVALID")} at entry ${r.firstBadIndex ?? "?"}: ${r.problem?.kind ?? "problem"}: ${r.problem?.message ?? ""}`);
    return r.ok ? 0 : 1;
  }
  if (verb === "inspect") {
    const since = parseDate("--since", values.since) ?? Number.NEGATIVE_INFINITY;
    const until = parseDate("--until", values.until) ?? Number.POSITIVE_INFINITY;
    if (values.tail !== undefined && !/^\d+$/.test(values.tail)) throw new AuditUsageError(`--tail needs a number, not ${values.tail}`);
    const picked = [];
    // Control events (kill switch, reload) are listed too, unless a call filter is given.
    const callFilter = values.tool !== undefined || values.outcome !== undefined;
    for (const e of readEntries(trail, nodeTrailIO, { controls: true })) {
      if (e.time < since || e.time > until) continue;
      if ("control" in e ? callFilter : (values.tool && e.tool !== values.tool) || (values.outcome && e.outcome !== values.outcome)) continue;
      picked.push(e);
    }
    const shown = values.tail ? picked.slice(-Number(values.tail)) : picked;
    if (values.json) console.log(JSON.stringify(shown, null, 2));
    else
      for (const e of shown) {
        const at = `${e.seq}\t${new Date(e.time).toISOString()}`;
        if ("control" in e) {
          const what = e.control === "kill_switch" ? `kill switch ${e.killSwitch ? "ON" : "off"}` : `reload → policy ${e.policyDigest.slice(0, 16)}…`;
          console.log(`${at}\t${outPaint.magenta("[control]")}\t${what}${e.reason ? `\t${e.reason}` : ""}`);
        } else console.log(`${at}\t${e.tool}\t${outcomeColor(outPaint, e.outcome)}\t${e.violations.map((v) => v.type).join(",")}`);
      }
    return 0;
  }
  if (verb === "prove") {
    if (values.index === undefined || !/^\d+$/.test(values.index)) throw new AuditUsageError("audit prove needs --index N");
    console.log(JSON.stringify(await proveAuditInclusion(trail, Number(values.index)), null, 2));
    return 0;
  }
  if (verb === "replay") {
    if (!values.journal) throw new AuditUsageError("audit replay needs --journal J (the replay journal written alongside the trail)");
    if (values.policy && values.bundle) throw new AuditUsageError("give --policy or --bundle, not both");
    const whatIf = values.policy ?? values.bundle ?? null;
    if (whatIf && values.recorded?.length) throw new AuditUsageError("--recorded is for an identity replay; a what-if run (--policy/--bundle) needs no recorded policies");
    if (values.limit !== undefined && !/^\d+$/.test(values.limit)) throw new AuditUsageError(`--limit needs a number, not ${values.limit}`);
    try {
      return await runReplay({
        trail,
        journal: values.journal,
        recorded: values.recorded ?? [],
        whatIf,
        keyFile: values["key-file"] ?? null,
        verifiers,
        json: values.json === true,
        limit: values.limit === undefined ? 50 : Number(values.limit),
      });
    } catch (e) {
      if (e instanceof ReplayUsageError) throw new AuditUsageError(e.message);
      throw e;
    }
  }
  // export
  const format = values.format ?? (values.out?.toLowerCase().endsWith(".html") ? "html" : "json");
  if (format !== "json" && format !== "html") throw new AuditUsageError(`--format must be json or html, not ${JSON.stringify(values.format)}`);
  const period: Period = { since: parseDate("--since", values.since), until: parseDate("--until", values.until) };
  if (period.since !== null && period.until !== null && period.until < period.since) throw new AuditUsageError("--until is before --since");
  if (segmentFiles(nodeTrailIO, trail).length === 0) throw new AuditUsageError(`no trail at ${trail}`);
  const total = trailSize(trail);
  const progress = new Progress("reading", total * 2);
  const io = progressIO(nodeTrailIO, progress);
  const verification = await verifyTrail(trail, { io, verifiers });
  const report = buildReport(readEntries(trail, io, { controls: true }), { trail, period, verification });
  progress.done();
  const text = format === "html" ? renderHtml(report) : `${JSON.stringify(report, null, 2)}\n`;
  if (values.out) {
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, text);
    for (const l of summaryLines(report)) console.log(l);
    console.log(`wrote ${values.out} (${format})`);
  } else process.stdout.write(text);
  return verification.ok ? 0 : 1;
}
