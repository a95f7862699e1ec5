import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { verifyNodeTrail } from "../../audit/node-store.js";
import type { CallRecord } from "../../core/enforcer.js";

export function tempDir(prefix = "ec-audit-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A synthetic call record (what the enforcer hands the sink), without the replay hints. */
export function record(i: number, over: Partial<CallRecord> = {}): CallRecord {
  const r: Omit<CallRecord, "answers" | "requestSeq" | "engineInstance"> = {
    callId: `call-${i}`,
    time: 1_767_225_600_000 + i * 10,
    tool: i % 3 === 0 ? "search_web" : "read_file",
    tenant: i % 2 === 0 ? null : "acme",
    outcome: i % 5 === 0 ? "blocked" : "allowed",
    violations: i % 5 === 0 ? [{ type: "tool_denied", rule: "rules.denied_tools[0]", action: "block" }] : [],
    redactions: { input: i % 7 === 0 ? 1 : 0, output: 0 },
    policyDigest: "a".repeat(64),
    engineDigest: "b".repeat(64),
    durationMs: i % 4,
    error: i % 5 === 0 ? { code: "tool_denied", message: "denied" } : null,
    requests: [new Uint8Array([1, 0, 0, 0, i & 255])],
    args: { q: `query ${i}`, n: i },
    result: i % 5 === 0 ? null : { hits: [i] },
  };
  return { ...r, ...over } as CallRecord;
}

export const readLinesOf = (path: string) => readFileSync(path, "utf8").split("\n").slice(0, -1);
export const writeLines = (path: string, lines: readonly string[]) => writeFileSync(path, lines.map((l) => `${l}\n`).join(""));

/** A child process that reports on stdout, one JSON object per line (the trail writer fixtures). */
export interface ReportingChild {
  readonly proc: ChildProcess;
  /** The first line the child prints (ready, or its error). */
  readonly first: Promise<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

/** Starts `command args` in `cwd` (stderr inherited) and resolves `first` with its first stdout line. */
export function startReporting(command: string, args: readonly string[], cwd: string): ReportingChild {
  const proc = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
  let buf = "";
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)));
    });
    proc.on("exit", () => reject(new Error(`${command} exited before reporting: ${buf}`)));
  });
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  return { proc, first, exited };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a writer (`startWriter`: a child that reports `{ ready, report }` once its trail is open)
 * `rounds` times on the trail at `path`, kills it with SIGKILL after `pause(round)` ms, and checks
 * after each kill that the trail verifies and that the verified prefix only grows. Returns the size
 * that last verified.
 */
export async function killRounds(path: string, rounds: number, startWriter: () => ReportingChild, pause: (round: number) => number): Promise<number> {
  let verified = 0;
  for (let round = 0; round < rounds; round++) {
    const child = startWriter();
    const ready = await child.first;
    expect(ready.ready, JSON.stringify(ready)).toBe(true);
    expect((ready.report as { size: number }).size).toBeGreaterThanOrEqual(verified);
    await sleep(pause(round));
    child.proc.kill("SIGKILL");
    await child.exited;
    const r = await verifyNodeTrail(path);
    expect(r.ok, `round ${round}: ${r.problem?.message}`).toBe(true);
    expect(r.size).toBeGreaterThanOrEqual(verified);
    verified = r.size;
  }
  return verified;
}
