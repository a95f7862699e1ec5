/**
 * `enforcecore audit verify|inspect|prove`: the verifiable trail from the command line.
 * Exit codes: 0 ok, 1 the trail does not verify, 2 bad usage or unreadable input.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { nodeTrailIO, parseVerifierKey, proveAuditInclusion, readEntries, verifyAuditTrail } from "../hosts/node/index.js";

export const AUDIT_HELP = `Usage:
  enforcecore audit verify TRAIL [--vkey KEY]... [--trusted CHECKPOINT_FILE]... [--json]
      Verifies every entry, leaf hash, segment and checkpoint (streaming); names the first bad
      entry. --vkey: checkpoint verifier keys (signatures required); --trusted: checkpoints
      obtained elsewhere, which detect truncation. Exit 0 valid, 1 invalid.
  enforcecore audit inspect TRAIL [--tool T] [--outcome O] [--since ISO] [--tail N] [--json]
      Lists entries (never raw arguments: the trail holds only their hashes).
  enforcecore audit prove TRAIL --index N
      Prints an RFC 6962 inclusion proof of entry N against the latest checkpoint (JSON).`;

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
      tail: { type: "string" },
      index: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || verb === undefined || verb === "help") {
    console.log(AUDIT_HELP);
    return 0;
  }
  const trail = positionals[0];
  if (!trail) throw new AuditUsageError(`audit ${verb} needs a TRAIL file`);
  if (verb === "verify") {
    const verifiers = await Promise.all((values.vkey ?? []).map((k) => parseVerifierKey(k)));
    const trusted = (values.trusted ?? []).map((f) => readFileSync(f, "utf8"));
    const r = await verifyAuditTrail(trail, { verifiers, trusted });
    if (values.json) console.log(JSON.stringify(r, null, 2));
    else if (r.ok) console.log(`${trail}: ok, ${r.size} entries, root ${r.root}, ${r.checkpoints} checkpoints${r.unsealed ? `, ${r.unsealed} after the last checkpoint` : ""}`);
    else console.error(`${trail}: INVALID at entry ${r.firstBadIndex ?? "?"}: ${r.problem?.kind ?? "problem"}: ${r.problem?.message ?? ""}`);
    return r.ok ? 0 : 1;
  }
  if (verb === "inspect") {
    const since = values.since ? Date.parse(values.since) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(since)) throw new AuditUsageError(`--since is not a date: ${values.since}`);
    const picked = [];
    for (const e of readEntries(trail, nodeTrailIO)) {
      if ((values.tool && e.tool !== values.tool) || (values.outcome && e.outcome !== values.outcome) || e.time < since) continue;
      picked.push(e);
    }
    const shown = values.tail ? picked.slice(-Number(values.tail)) : picked;
    if (values.json) console.log(JSON.stringify(shown, null, 2));
    else for (const e of shown) console.log(`${e.seq}\t${new Date(e.time).toISOString()}\t${e.tool}\t${e.outcome}\t${e.violations.map((v) => v.type).join(",")}`);
    return 0;
  }
  if (verb === "prove") {
    if (values.index === undefined || !/^\d+$/.test(values.index)) throw new AuditUsageError("audit prove needs --index N");
    console.log(JSON.stringify(await proveAuditInclusion(trail, Number(values.index)), null, 2));
    return 0;
  }
  throw new AuditUsageError(`unknown audit verb ${JSON.stringify(verb)}`);
}

export class AuditUsageError extends Error {}
