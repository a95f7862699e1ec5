import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { entryJson } from "../../audit/entry.js";
import { readJournal } from "../../audit/journal.js";
import { rfc6962, toHex } from "../../audit/merkle.js";
import { nodeTrailIO, openNodeTrail } from "../../audit/node-store.js";
import { decodeRequest, replay, whatIf } from "../../audit/replay.js";
import { type CallRecord, Enforcer } from "../../core/enforcer.js";
import { createEngineSync } from "../../engine/engine.js";
import { compilePolicyObject, engineWasmBytes, loadEngineSync } from "../../hosts/node/index.js";
import { readLinesOf, tempDir, writeLines } from "./helpers.js";
import { POLICY, runSession } from "./session.js";

const io = nodeTrailIO;

describe("replay", () => {
  it("re-runs a session and proves every decision identical", async () => {
    const s = await runSession(600);
    const r = await replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync });
    expect(r).toMatchObject({ ok: true, calls: 600, divergence: null });
    expect(r.requests).toBeGreaterThan(600);
    const again = await replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync });
    expect(again.answersDigest).toBe(r.answersDigest);
  });

  it("with the host's answers and evaluation order recorded, checks every answer byte for byte", async () => {
    const s = await runSession(400, { hints: true });
    const r = await replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync });
    expect(r).toMatchObject({ ok: true, calls: 400 });
    expect(r.answersChecked).toBeGreaterThan(300);
    const plain = await runSession(400);
    const r2 = await replay(plain.path, { io, journal: plain.journal, bundles: [plain.bundle], createEngine: loadEngineSync });
    expect(r2.answersDigest).toBe(r.answersDigest); // same session, same answers
  });

  it("encrypted journals replay with the key, and refuse without it or with another", async () => {
    const key = new Uint8Array(32).fill(9);
    const s = await runSession(50, { key });
    expect(readFileSync(s.journal, "utf8")).not.toContain('"requests"');
    expect(await replay(s.path, { io, journal: s.journal, key, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: true, calls: 50 });
    await expect(replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync })).rejects.toMatchObject({ code: "audit_invalid" });
    await expect(replay(s.path, { io, journal: s.journal, key: new Uint8Array(32), bundles: [s.bundle], createEngine: loadEngineSync })).rejects.toMatchObject({ code: "audit_corrupt" });
  });

  it("names the first divergence: altered or missing journal lines", async () => {
    const s = await runSession(30);
    const lines = readLinesOf(s.journal);
    const k = lines.findIndex((l) => l.includes('"seq":12}'));
    const j = JSON.parse(lines[k]!);
    const req = Buffer.from(j.requests[0], "base64");
    req[req.length - 1]! ^= 1;
    j.requests[0] = req.toString("base64");
    const altered = join(tempDir(), "j.jsonl");
    writeLines(altered, lines.map((l, i) => (i === k ? JSON.stringify({ requests: j.requests, seq: j.seq }) : l)));
    expect(await replay(s.path, { io, journal: altered, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { seq: 12, kind: "request_mismatch" } });
    writeLines(altered, lines.filter((_, i) => i !== k));
    expect(await replay(s.path, { io, journal: altered, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { seq: 12, kind: "journal_missing" } });
  });

  it("names the first divergence: wrong policy, wrong engine, a forged decision", async () => {
    const s = await runSession(30);
    const other = compilePolicyObject({ name: "other", rules: {} });
    expect(await replay(s.path, { io, journal: s.journal, bundles: [other], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { seq: 0, kind: "bundle_missing" } });
    const fake = () => createEngineSync(engineWasmBytes(), { digest: "f".repeat(64) });
    expect(await replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: fake })).toMatchObject({ ok: false, divergence: { seq: 0, kind: "engine_mismatch" } });
    // A forged entry (leaf recomputed; the trail's checkpoints would catch it, so skip verification
    // to show that replay catches it on its own).
    const lines = readLinesOf(s.path);
    const k = lines.findIndex((l) => l.includes('"outcome":"blocked"') && l.includes('"tool_denied"'));
    const entry = JSON.parse(lines[k]!).entry;
    entry.outcome = "allowed";
    entry.violations = [];
    entry.error = null;
    const text = entryJson(entry);
    lines[k] = `{"entry":${text},"leaf":"${toHex(rfc6962.hashLeaf(new TextEncoder().encode(text)))}"}`;
    const forged = join(tempDir(), "trail.jsonl");
    writeLines(forged, lines);
    expect(await replay(forged, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { kind: "trail" } });
    const r = await replay(forged, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync, verify: false });
    expect(r).toMatchObject({ ok: false, divergence: { seq: entry.seq, kind: "violations" } });
  });

  it("nested calls: exact with the recorded evaluation order, and a named divergence without it", async () => {
    const bundle = compilePolicyObject({ name: "nested", rules: { rate_limits: { enabled: true, global_limit: { max_calls: 1, window_seconds: 60 } } } });
    for (const hints of [true, false]) {
      const dir = tempDir();
      const path = join(dir, "trail.jsonl");
      const journal = join(dir, "journal.jsonl");
      const trail = await openNodeTrail({ path, fsync: "none", journal: { path: journal } });
      // The enforcer records the replay hints itself; without them (a sink that drops them),
      // replay falls back to trail order and must name the divergence.
      const withoutHints = (r: CallRecord): CallRecord => {
        const { answers: _a, requestSeq: _s, engineInstance: _i, ...bare } = r;
        return bare as unknown as CallRecord;
      };
      const e = new Enforcer({ bundle, createEngine: loadEngineSync, clock: () => 1000, audit: { record: (r) => trail.record(hints ? r : withoutHints(r)) } });
      // The outer call is counted first; the inner one hits the limit. Its entry is written first.
      await e.call("outer", {}, (_a, ctx) => ctx.call("inner", {}, () => 1).catch(() => 0));
      await trail.close();
      const r = await replay(path, { io, journal, bundles: [bundle], createEngine: loadEngineSync });
      if (hints) expect(r).toMatchObject({ ok: true, calls: 2, answersChecked: 2 });
      else expect(r).toMatchObject({ ok: false, divergence: { seq: 0, tool: "inner", kind: "violations" } });
    }
  });

  it("decodes the journal's requests back into tool and values", async () => {
    const s = await runSession(5);
    for await (const rec of readJournal(io, s.journal)) {
      for (const req of rec.requests) {
        const d = decodeRequest(req);
        expect([1, 2]).toContain(d.op);
        expect(d.tool).toMatch(/^[a-z_]+$/);
      }
    }
  });
});

describe("what if", () => {
  it("reports the calls another policy would decide differently", async () => {
    const s = await runSession(300);
    const stricter = compilePolicyObject({ ...POLICY, rules: { ...POLICY.rules, denied_tools: [...POLICY.rules.denied_tools, "read_file"] } });
    const r = await whatIf(s.path, stricter, { io, journal: s.journal, createEngine: loadEngineSync });
    expect(r.calls).toBe(300);
    expect(r.nowDenied).toBeGreaterThan(0);
    expect(r.changed.every((c) => c.tool === "read_file" || c.after.denied !== c.before.denied || c.before.violations.length !== c.after.violations.length)).toBe(true);
    const readFile = r.changed.filter((c) => c.tool === "read_file" && !c.before.denied);
    expect(readFile.length).toBeGreaterThan(0);
    expect(readFile.every((c) => c.after.denied && c.after.violations.some((v) => v.type === "tool_denied"))).toBe(true);
    // The same policy changes nothing.
    expect((await whatIf(s.path, s.bundle, { io, journal: s.journal, createEngine: loadEngineSync })).changed).toEqual([]);
  });
});

describe("journal", () => {
  it("a trail reopened after losing its tail drops the journal lines it no longer has", async () => {
    const dir = tempDir();
    const path = join(dir, "trail.jsonl");
    const journal = join(dir, "journal.jsonl");
    const t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 100 }, journal: { path: journal } });
    const e = new Enforcer({ bundle: compilePolicyObject(POLICY), createEngine: loadEngineSync, audit: t });
    for (let i = 0; i < 5; i++) await e.call("x", { i }, () => i);
    await t.close();
    // Lose the last two entries (and the final checkpoint) of the trail, as a crash would.
    const lines = readLinesOf(path);
    writeLines(path, lines.slice(0, 4));
    writeFileSync(`${path}.head`, "");
    const t2 = await openNodeTrail({ path, journal: { path: journal }, head: false });
    expect(t2.size).toBe(3);
    expect(t2.report.journalTruncated).toBeGreaterThan(0);
    await t2.close();
    const seqs: number[] = [];
    for await (const rec of readJournal(io, journal)) seqs.push(rec.seq);
    expect(seqs).toEqual([0, 1, 2]);
  });
});
