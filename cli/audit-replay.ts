/**
 * `enforcecore audit replay`: re-runs a trail's recorded engine requests (from its journal)
 * through the engine, either proving every decision byte-identical under the recorded policies
 * or, with --policy/--bundle, reporting which decisions another policy would change.
 */
import { readFileSync } from "node:fs";
import {
  type CompiledBundle,
  compilePolicyFile,
  loadEngineSync,
  type NoteVerifier,
  nodeTrailIO,
  openBundle,
  readEntries,
  replay,
  type ReplayResult,
  segmentFiles,
  verifyTrail,
  type WhatIfResult,
  whatIf,
} from "../hosts/node/index.js";
import { progressIO, sizeOf } from "./progress-io.js";
import { err as errPaint, out as outPaint, Progress } from "./style.js";

export class ReplayUsageError extends Error {}

const BUNDLE_MAGIC = [0x45, 0x43, 0x42, 0x31]; // "ECB1", engine/bundle-format.ts

/** A compiled bundle file (by its magic bytes) or a YAML policy compiled here. */
export function loadBundleOrPolicy(path: string): CompiledBundle {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new ReplayUsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (BUNDLE_MAGIC.every((b, i) => bytes[i] === b)) return openBundle(bytes);
  return compilePolicyFile(path);
}

/** A journal key file: 32 raw bytes, or 64 hex digits, or base64 of 32 bytes. */
export function readKeyFile(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new ReplayUsageError(`cannot read --key-file ${path}: ${(e as Error).message}`);
  }
  if (raw.length === 32) return new Uint8Array(raw);
  const text = raw.toString("utf8").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  const b64 = Buffer.from(text, "base64");
  if (b64.length === 32 && /^[A-Za-z0-9+/]+=*$/.test(text)) return new Uint8Array(b64);
  throw new ReplayUsageError(`--key-file ${path}: expected a 32-byte AES-256 key (raw, 64 hex digits or base64)`);
}

export interface ReplayArgs {
  readonly trail: string;
  readonly journal: string;
  readonly recorded: readonly string[];
  readonly whatIf: string | null;
  readonly keyFile: string | null;
  readonly verifiers: readonly NoteVerifier[];
  readonly json: boolean;
  readonly limit: number;
}

/** Distinct policy digests named by the trail's entries (for the "which policies?" message). */
function trailDigests(trail: string): string[] {
  const seen = new Set<string>();
  for (const e of readEntries(trail, nodeTrailIO)) seen.add(e.policyDigest);
  return [...seen];
}

const vlist = (vs: readonly { type: string }[]) => (vs.length ? vs.map((v) => v.type).join(",") : "-");

export async function runReplay(a: ReplayArgs): Promise<number> {
  const io = nodeTrailIO;
  if (io.size(a.journal) === null) throw new ReplayUsageError(`no journal at ${a.journal}`);
  if (segmentFiles(io, a.trail).length === 0) throw new ReplayUsageError(`no trail at ${a.trail}`);
  const key = a.keyFile ? readKeyFile(a.keyFile) : undefined;
  const target = a.whatIf ? loadBundleOrPolicy(a.whatIf) : null;
  const recorded = a.recorded.map(loadBundleOrPolicy);
  if (!target && recorded.length === 0) {
    const digests = trailDigests(a.trail);
    throw new ReplayUsageError(
      `audit replay needs the policies the trail was recorded under (--recorded P, repeatable; YAML or bundle), or --policy P for a what-if run. The trail names ${digests.length} polic${digests.length === 1 ? "y" : "ies"}: ${digests.join(", ")}`,
    );
  }

  // Verify first (with progress over the trail's bytes), then replay without verifying again.
  const trailFiles = segmentFiles(io, a.trail).map((f) => f.path);
  const verifyProgress = new Progress("verifying", sizeOf(io, trailFiles));
  const v = await verifyTrail(a.trail, { io: progressIO(io, verifyProgress), verifiers: a.verifiers });
  verifyProgress.done();
  if (!v.ok) {
    const msg = `the trail does not verify at entry ${v.firstBadIndex ?? "?"}: ${v.problem?.kind}: ${v.problem?.message}`;
    if (a.json) console.log(JSON.stringify({ ok: false, verified: false, divergence: { seq: v.firstBadIndex ?? -1, kind: "trail", message: msg } }, null, 2));
    else console.error(`${a.trail}: ${errPaint.red("INVALID")}: ${msg}`);
    return 1;
  }
  const progress = new Progress(target ? "what if" : "replaying", sizeOf(io, [...trailFiles, a.journal]));
  const common = { io: progressIO(io, progress), journal: a.journal, ...(key ? { key } : {}), createEngine: loadEngineSync, verify: false };

  if (target) {
    const r: WhatIfResult = await whatIf(a.trail, target, common);
    progress.done();
    if (a.json) {
      console.log(JSON.stringify({ mode: "what-if", policy: { file: a.whatIf, name: target.meta.policy.name, digest: target.digest }, ...r }, null, 2));
    } else {
      const p = outPaint;
      console.log(
        `${a.trail}: under ${a.whatIf} (${target.meta.policy.name}, sha256 ${target.digest.slice(0, 16)}…): ${r.calls} calls, ${r.changed.length === 0 ? p.green("no decision would change") : `${p.yellow(String(r.changed.length))} would change (${p.red(`${r.nowDenied} now denied`)}, ${p.green(`${r.nowAllowed} now allowed`)})`}`,
      );
      for (const c of r.changed.slice(0, a.limit)) {
        const after = c.after.denied ? p.red(c.after.decision) : c.after.decision;
        console.log(`  ${String(c.seq).padStart(6)}  ${c.tool}${c.tenant ? ` [${c.tenant}]` : ""}  ${c.before.outcome} (${vlist(c.before.violations)}) -> ${after} (${vlist(c.after.violations)})${c.after.outputUnknown ? "  output unknown: it never ran" : ""}`);
      }
      if (r.changed.length > a.limit) console.log(`  … ${r.changed.length - a.limit} more (--limit N, or --json for all)`);
    }
    return r.changed.length === 0 ? 0 : 1;
  }

  const r: ReplayResult = await replay(a.trail, { ...common, bundles: recorded });
  progress.done();
  if (a.json) console.log(JSON.stringify({ mode: "replay", ...r }, null, 2));
  else if (r.ok) {
    console.log(
      `${a.trail}: ${outPaint.green("identical")}: ${r.calls} calls, ${r.requests} engine requests replayed; ${r.answersChecked} calls' answers checked byte for byte; answers sha256 ${r.answersDigest}`,
    );
  } else {
    const d = r.divergence!;
    console.error(`${a.trail}: ${errPaint.red("DIVERGES")} at entry ${d.seq}${d.tool ? ` (${d.tool})` : ""}: ${d.kind}: ${d.message}`);
    if (d.recorded !== undefined) console.error(`  recorded: ${JSON.stringify(d.recorded)}`);
    if (d.replayed !== undefined) console.error(`  replayed: ${JSON.stringify(d.replayed)}`);
  }
  return r.ok ? 0 : 1;
}
