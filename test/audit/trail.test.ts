import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateKey, parseSignerKey, parseVerifierKey } from "../../audit/checkpoint.js";
import { entryJson } from "../../audit/entry.js";
import { AuditError, TrailLockedError, type TrailIO } from "../../audit/io.js";
import { CompactRange, rfc6962, toHex, verifyConsistency, fromBase64 } from "../../audit/merkle.js";
import { nodeTrailIO, openNodeTrail, proveNodeInclusion, verifyNodeTrail } from "../../audit/node-store.js";
import { archivePath, AuditTrail, checkInclusionProof, proveConsistency, segmentFiles } from "../../audit/trail.js";
import { InternalEnforcementError } from "../../core/errors.js";
import { createEnforcer } from "../../hosts/node/index.js";
import { readLinesOf, record, tempDir, writeLines } from "./helpers.js";

async function writeTrail(n: number, opts: Partial<Parameters<typeof openNodeTrail>[0]> = {}): Promise<string> {
  const path = join(tempDir(), "trail.jsonl");
  const t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 5 }, origin: "test.example/audit", ...opts });
  for (let i = 0; i < n; i++) await t.record(record(i));
  await t.close();
  return path;
}

const kindOf = (line: string) => (line.startsWith('{"entry":') ? "entry" : line.startsWith('{"checkpoint":') ? "checkpoint" : "segment");

describe("writing and verifying", () => {
  it("appends one leaf per record, seals checkpoints, and verifies", async () => {
    const path = await writeTrail(12);
    const lines = readLinesOf(path);
    expect(lines.map(kindOf)).toEqual(["segment", ...Array(5).fill("entry"), "checkpoint", ...Array(5).fill("entry"), "checkpoint", "entry", "entry", "checkpoint"]);
    const r = await verifyNodeTrail(path);
    expect(r).toMatchObject({ ok: true, size: 12, checkpoints: 3, unsealed: 0, firstBadIndex: null, segments: 1 });
    // The root is the RFC 6962 root of the entries' bytes.
    const tree = new CompactRange();
    for (const l of lines.filter((x) => kindOf(x) === "entry")) {
      const entry = JSON.parse(l).entry;
      expect(l).toBe(`{"entry":${entryJson(entry)},"leaf":"${toHex(rfc6962.hashLeaf(new TextEncoder().encode(entryJson(entry))))}"}`);
      tree.append(rfc6962.hashLeaf(new TextEncoder().encode(entryJson(entry))));
    }
    expect(r.root).toBe(toHex(tree.root()));
  });

  it("works under every fsync policy", async () => {
    for (const fsync of ["every", "none", { batch: 3, ms: 5 }] as const) {
      const path = await writeTrail(9, { fsync });
      expect((await verifyNodeTrail(path)).size, JSON.stringify(fsync)).toBe(9);
    }
  });

  it("flushes batched entries within the interval, before close", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const t = await openNodeTrail({ path, fsync: { batch: 1000, ms: 10 } });
    t.record(record(0));
    expect(readLinesOf(path).filter((l) => kindOf(l) === "entry")).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(readLinesOf(path).filter((l) => kindOf(l) === "entry")).toHaveLength(1);
    await t.close();
  });

  it("reopens and continues the same tree", async () => {
    const path = await writeTrail(7);
    const t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 5 }, origin: "test.example/audit" });
    expect(t.report).toMatchObject({ created: false, size: 7, torn: null, unsealed: 0 });
    for (let i = 7; i < 13; i++) await t.record(record(i));
    await t.close();
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 13 });
  });

  it("refuses to extend a trail of another origin", async () => {
    const path = await writeTrail(3);
    await expect(openNodeTrail({ path, origin: "other.example/log" })).rejects.toMatchObject({ code: "audit_corrupt" });
  });

  it("signs checkpoints and verifies them against trusted keys", async () => {
    const key = await generateKey("test.example/audit");
    const signer = await parseSignerKey(key.skey);
    const path = await writeTrail(11, { signers: [signer] });
    const v = await parseVerifierKey(key.vkey);
    expect(await verifyNodeTrail(path, { verifiers: [v] })).toMatchObject({ ok: true, lastCheckpoint: { size: 11, signedBy: ["test.example/audit"] } });
    const other = await parseVerifierKey((await generateKey("test.example/audit")).vkey);
    expect(await verifyNodeTrail(path, { verifiers: [other], head: false })).toMatchObject({ ok: false, problem: { kind: "signature" } });
    const unsigned = await writeTrail(3);
    expect(await verifyNodeTrail(unsigned, { verifiers: [v], head: false })).toMatchObject({ ok: false, problem: { kind: "signature" } });
  });

  it("key rotation: checkpoints signed by old and new keys both verify", async () => {
    const oldK = await generateKey("test.example/audit");
    const newK = await generateKey("test.example/audit");
    const path = join(tempDir(), "trail.jsonl");
    let t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 2 }, signers: [await parseSignerKey(oldK.skey)] });
    for (let i = 0; i < 4; i++) await t.record(record(i));
    await t.close();
    t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 2 }, signers: [await parseSignerKey(oldK.skey), await parseSignerKey(newK.skey)] });
    for (let i = 4; i < 6; i++) await t.record(record(i));
    await t.close();
    t = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 2 }, signers: [await parseSignerKey(newK.skey)] });
    for (let i = 6; i < 8; i++) await t.record(record(i));
    await t.close();
    const both = [await parseVerifierKey(oldK.vkey), await parseVerifierKey(newK.vkey)];
    expect(await verifyNodeTrail(path, { verifiers: both })).toMatchObject({ ok: true, size: 8 });
    // With only the new key, the old checkpoints are from an unknown key: rejected.
    expect(await verifyNodeTrail(path, { verifiers: [both[1]!], head: false })).toMatchObject({ ok: false, problem: { kind: "signature" } });
  });
});

describe("tamper detection names the first bad index", () => {
  type Mutation = { name: string; apply: (line: Buffer, at: number) => Buffer };
  const mutations: Mutation[] = [
    { name: "flip", apply: (b, at) => Buffer.concat([b.subarray(0, at), Buffer.from([b[at]! ^ 0x01]), b.subarray(at + 1)]) },
    { name: "newline", apply: (b, at) => Buffer.concat([b.subarray(0, at), Buffer.from([0x0a]), b.subarray(at + 1)]) },
    { name: "invalid utf-8", apply: (b, at) => Buffer.concat([b.subarray(0, at), Buffer.from([0xff]), b.subarray(at + 1)]) },
    { name: "delete", apply: (b, at) => Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]) },
    { name: "duplicate", apply: (b, at) => Buffer.concat([b.subarray(0, at + 1), b.subarray(at)]) },
    { name: "space", apply: (b, at) => Buffer.concat([b.subarray(0, at), Buffer.from(" "), b.subarray(at)]) },
  ];
  /** One position per byte class of an entry line. */
  function positions(line: string): Record<string, number> {
    const past = (needle: string, skip = 0) => line.indexOf(needle) + needle.length + skip;
    return {
      "prefix": 2,
      "key": past('"callId', -3),
      "string value": past('"tool":"', 1),
      "digit": past('"seq":'),
      "digest": past('"argsSha256":"', 5),
      "null/bool": past('"tenant":', 1),
      "punctuation": past('"seq":', -1),
      "nested": past('"redactions":{', 1),
      "leaf hash": past('"leaf":"', 10),
      "closing brace": line.length - 1,
    };
  }

  it("every entry × every byte class × every mutation", async () => {
    const path = await writeTrail(12);
    const lines = readLinesOf(path);
    const target = join(tempDir(), "t.jsonl");
    let cases = 0;
    for (let li = 0; li < lines.length; li++) {
      if (kindOf(lines[li]!) !== "entry") continue;
      const index = JSON.parse(lines[li]!).entry.seq as number;
      for (const [cls, at] of Object.entries(positions(lines[li]!))) {
        for (const m of mutations) {
          const mutated = lines.map((l, k) => (k === li ? m.apply(Buffer.from(l), at) : Buffer.from(l)));
          writeFileSync(target, Buffer.concat(mutated.flatMap((b) => [b, Buffer.from("\n")])));
          const r = await verifyNodeTrail(target, { head: false });
          expect(r.ok, `${cls} ${m.name} of entry ${index}`).toBe(false);
          expect(r.firstBadIndex, `${cls} ${m.name} of entry ${index}: ${r.problem?.message}`).toBe(index);
          cases++;
        }
      }
    }
    expect(cases).toBe(12 * 10 * mutations.length);
  });

  it("deleted, duplicated, reordered entries", async () => {
    const path = await writeTrail(12);
    const lines = readLinesOf(path);
    const target = join(tempDir(), "t.jsonl");
    const entryLines = lines.map((l, k) => [l, k] as const).filter(([l]) => kindOf(l) === "entry");
    for (const [l, k] of entryLines) {
      const index = JSON.parse(l).entry.seq as number;
      writeLines(target, lines.filter((_, j) => j !== k));
      expect((await verifyNodeTrail(target, { head: false })).firstBadIndex, `delete ${index}`).toBe(index);
      writeLines(target, [...lines.slice(0, k + 1), l, ...lines.slice(k + 1)]);
      expect((await verifyNodeTrail(target, { head: false })).firstBadIndex, `duplicate ${index}`).toBe(index);
      const next = lines[k + 1]!;
      if (kindOf(next) === "entry") {
        writeLines(target, [...lines.slice(0, k), next, l, ...lines.slice(k + 2)]);
        const r = await verifyNodeTrail(target, { head: false });
        expect(r.firstBadIndex, `swap ${index}`).toBe(index);
        expect(r.problem?.kind).toBe("sequence");
      }
      // A copy of an earlier entry inserted here.
      if (index >= 2) {
        writeLines(target, [...lines.slice(0, k), lines[1]!, ...lines.slice(k)]);
        expect((await verifyNodeTrail(target, { head: false })).firstBadIndex, `insert before ${index}`).toBe(index);
      }
    }
  });

  it("an entry rewritten with a recomputed leaf hash is caught by the next checkpoint", async () => {
    const path = await writeTrail(12);
    const lines = readLinesOf(path);
    const k = lines.findIndex((l) => l.includes('"seq":7,'));
    const entry = JSON.parse(lines[k]!).entry;
    entry.outcome = "allowed";
    entry.tool = "innocent";
    const text = entryJson(entry);
    lines[k] = `{"entry":${text},"leaf":"${toHex(rfc6962.hashLeaf(new TextEncoder().encode(text)))}"}`;
    const target = join(tempDir(), "t.jsonl");
    writeLines(target, lines);
    const r = await verifyNodeTrail(target, { head: false });
    expect(r).toMatchObject({ ok: false, firstBadIndex: 5, problem: { kind: "checkpoint" } });
    expect(r.problem!.message).toContain("5..9");
  });

  it("a forger who also recomputes the checkpoints is stopped by their signatures", async () => {
    const key = await generateKey("test.example/audit");
    const path = await writeTrail(6, { signers: [await parseSignerKey(key.skey)] });
    const lines = readLinesOf(path);
    const k = lines.findIndex((l) => l.includes('"seq":5,'));
    const entry = JSON.parse(lines[k]!).entry;
    entry.tool = "innocent";
    const text = entryJson(entry);
    const leaf = rfc6962.hashLeaf(new TextEncoder().encode(text));
    lines[k] = `{"entry":${text},"leaf":"${toHex(leaf)}"}`;
    // Recompute the root of the last checkpoint, keep its (now wrong) signature.
    const tree = new CompactRange();
    for (const l of lines.filter((x) => kindOf(x) === "entry")) tree.append(Buffer.from(JSON.parse(l).leaf, "hex"));
    const last = lines.length - 1;
    const cp = JSON.parse(lines[last]!);
    const parts = (cp.checkpoint as string).split("\n");
    parts[2] = Buffer.from(tree.root()).toString("base64");
    cp.checkpoint = parts.join("\n");
    lines[last] = JSON.stringify({ checkpoint: cp.checkpoint });
    const target = join(tempDir(), "t.jsonl");
    writeLines(target, lines);
    expect(await verifyNodeTrail(target, { head: false })).toMatchObject({ ok: true }); // unsigned view: consistent
    expect(await verifyNodeTrail(target, { head: false, verifiers: [await parseVerifierKey(key.vkey)] })).toMatchObject({ ok: false, problem: { kind: "signature" } });
  });

  it("truncation: caught by the head file or a trusted checkpoint", async () => {
    const path = await writeTrail(12);
    const head = readFileSync(`${path}.head`, "utf8");
    const lines = readLinesOf(path);
    const k = lines.findIndex((l) => l.includes('"seq":8,'));
    writeLines(path, lines.slice(0, k)); // entries 8.. and the last checkpoints are gone
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: false, firstBadIndex: 8, problem: { kind: "truncated" } });
    rmSync(`${path}.head`);
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 8, unsealed: 3 }); // nothing left to compare with
    expect(await verifyNodeTrail(path, { trusted: [head] })).toMatchObject({ ok: false, firstBadIndex: 8, problem: { kind: "truncated" } });
  });

  it("checkpoint lines: any change is reported", async () => {
    const path = await writeTrail(10);
    const lines = readLinesOf(path);
    const target = join(tempDir(), "t.jsonl");
    for (let li = 0; li < lines.length; li++) {
      if (kindOf(lines[li]!) !== "checkpoint") continue;
      for (const at of [2, 20, lines[li]!.indexOf("\\n") + 3, lines[li]!.length - 5]) {
        const b = Buffer.from(lines[li]!);
        b[at]! ^= 0x01;
        writeLines(target, lines.map((l, k) => (k === li ? b.toString("latin1") : l)));
        const r = await verifyNodeTrail(target, { head: false });
        expect(r.ok, `checkpoint line ${li} byte ${at}`).toBe(false);
      }
    }
  });

  it("a torn last line is reported, not treated as tampering; the next open cuts it", async () => {
    const path = await writeTrail(6);
    appendFileSync(path, '{"entry":{"argsSha256":"12');
    const r = await verifyNodeTrail(path);
    expect(r).toMatchObject({ ok: true, size: 6, torn: { bytes: 26 } });
    const t = await openNodeTrail({ path, origin: "test.example/audit" });
    expect(t.report.torn).toMatchObject({ bytes: 26 });
    await t.record(record(6));
    await t.close();
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 7, torn: null });
  });

  it("a final line of garbage with a newline (power loss) is cut; a readable wrong line is not", async () => {
    const path = await writeTrail(4);
    appendFileSync(path, "\0\0\0\0\n");
    const t = await openNodeTrail({ path, origin: "test.example/audit" });
    expect(t.report.torn).toMatchObject({ bytes: 5 });
    await t.close();
    const lines = readLinesOf(path);
    writeLines(path, [...lines, lines[2]!.replace('"seq":1', '"seq":9')]);
    await expect(openNodeTrail({ path, origin: "test.example/audit" })).rejects.toMatchObject({ code: "audit_corrupt" });
  });
});

describe("segments", () => {
  it("rotates into archives that chain and verify across boundaries", async () => {
    const path = await writeTrail(23, { rotate: { maxEntries: 5 } });
    const files = segmentFiles(nodeTrailIO, path);
    expect(files.map((f) => f.archive)).toEqual([0, 1, 2, 3, null]);
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 23, segments: 5 });
    // The live segment alone verifies from its header's state.
    expect(await verifyNodeTrail(path, { liveOnly: true })).toMatchObject({ ok: true, from: 20, size: 23 });
    // A missing middle segment breaks the chain.
    const dir = join(path, "..");
    renameSync(archivePath(path, 2), join(dir, "elsewhere"));
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: false, problem: { kind: "segment" } });
    renameSync(join(dir, "elsewhere"), archivePath(path, 2));
    // Swapped segments too.
    renameSync(archivePath(path, 1), join(dir, "x"));
    renameSync(archivePath(path, 2), archivePath(path, 1));
    renameSync(join(dir, "x"), archivePath(path, 2));
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: false, problem: { kind: "segment" } });
  });

  it("a crash after creating the next live file and before writing its header: verify accepts it, the writer starts it", async () => {
    // Seen in CI: kill -9 inside rotation left trail.jsonl empty, and verify called the trail
    // broken ("has no segment header") while the writer would have continued it.
    for (const content of ["", '{"segment":{"format"']) {
      const path = await writeTrail(10, { rotate: { maxEntries: 5 } });
      // 10 entries with rotation at 5: the live file holds only the header of segment 2.
      expect(readLinesOf(path).map(kindOf)).toEqual(["segment"]);
      writeFileSync(path, content); // the header not written yet, or torn (power loss)
      const r = await verifyNodeTrail(path);
      expect(r, JSON.stringify(content)).toMatchObject({ ok: true, size: 10, segments: 2, torn: content ? { offset: 0 } : null });
      const t = await openNodeTrail({ path, fsync: "none", origin: "test.example/audit", rotate: { maxEntries: 5 } });
      expect(t.report).toMatchObject({ size: 10, segment: 2 });
      await t.record(record(10));
      await t.close();
      expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 11, segments: 3, torn: null });
    }
  });

  it("a brand-new trail killed before its first header verifies as empty and opens", async () => {
    const path = join(tempDir(), "trail.jsonl");
    writeFileSync(path, "");
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 0, segments: 0 });
    const t = await openNodeTrail({ path, fsync: "none", origin: "test.example/audit" });
    expect(t.report).toMatchObject({ size: 0, segment: 0 });
    await t.record(record(0));
    await t.close();
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 1, segments: 1 });
  });

  it("an archive that ends in a torn line is refused and left as it was", async () => {
    const path = await writeTrail(10, { rotate: { maxEntries: 5 } });
    rmSync(path); // no live file: the writer reads the last archive to continue it
    const archive = archivePath(path, 1);
    appendFileSync(archive, '{"entry":{"argsSha256":"12');
    const before = readFileSync(archive);
    await expect(openNodeTrail({ path, fsync: "none", origin: "test.example/audit" })).rejects.toMatchObject({ code: "audit_corrupt" });
    expect(readFileSync(archive)).toEqual(before);
  });

  it("resumes after a crash between archiving and starting the next segment", async () => {
    const path = await writeTrail(10, { rotate: { maxEntries: 5 } });
    // Simulate the crash window: the live file was archived, no new live file yet.
    renameSync(path, archivePath(path, 2));
    const t = await openNodeTrail({ path, fsync: "none", origin: "test.example/audit", rotate: { maxEntries: 5 } });
    expect(t.report).toMatchObject({ size: 10, segment: 3 });
    await t.record(record(10));
    await t.close();
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: 11, segments: 4 });
  });
});

describe("proofs", () => {
  it("proves every entry against a signed checkpoint, offline, in O(log n)", async () => {
    const key = await generateKey("test.example/audit");
    const path = await writeTrail(23, { signers: [await parseSignerKey(key.skey)], rotate: { maxEntries: 7 } });
    const v = await parseVerifierKey(key.vkey);
    for (let i = 0; i < 23; i++) {
      const p = await proveNodeInclusion(path, i);
      expect(p.checkpoint).not.toBeNull();
      await checkInclusionProof(p, { verifiers: [v] });
      const forged = { ...p, entry: p.entry.replace('"outcome":"', '"outcome":"x') };
      await expect(checkInclusionProof(forged, { verifiers: [v] })).rejects.toBeInstanceOf(AuditError);
    }
    await expect(proveNodeInclusion(path, 23)).rejects.toMatchObject({ code: "audit_invalid" });
  });

  it("proves consistency between any two sizes", async () => {
    const path = await writeTrail(17);
    for (const [a, b] of [[0, 17], [1, 17], [5, 10], [6, 17], [17, 17], [16, 17]] as const) {
      const c = await proveConsistency(path, a, b, { io: nodeTrailIO });
      expect(verifyConsistency(a, b, c.proof.map(fromBase64), fromBase64(c.root1), fromBase64(c.root2))).toBe(true);
    }
  });
});

describe("one writer per trail", () => {
  it("a second writer in the same process gets a clear, typed error", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const a = await openNodeTrail({ path });
    const err = await openNodeTrail({ path }).catch((e) => e);
    expect(err).toBeInstanceOf(TrailLockedError);
    expect(err).toMatchObject({ code: "audit_locked", owner: { pid: process.pid } });
    expect(err.message).toContain(`process ${process.pid}`);
    await a.close();
    const b = await openNodeTrail({ path });
    await b.close();
  });

  it("waits for the lock when asked", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const a = await openNodeTrail({ path });
    setTimeout(() => void a.close(), 100);
    const b = await openNodeTrail({ path, lockWaitMs: 3000 });
    expect(b.size).toBe(0);
    await b.close();
  });

  it("takes over a stale lock left by a dead process", async () => {
    const path = join(tempDir(), "trail.jsonl");
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import("node:os")).hostname(), since: 0, token: "dead" }));
    const t = await openNodeTrail({ path });
    await t.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });
});

describe("failures never pass silently", () => {
  it("a failed write fails the call, and every later call, until the trail is reopened", async () => {
    const path = join(tempDir(), "trail.jsonl");
    let broken = false;
    const io: TrailIO = {
      ...nodeTrailIO,
      openAppend(p) {
        const f = nodeTrailIO.openAppend(p);
        return {
          append(d) {
            if (broken) throw new AuditError("audit_io", "disk full");
            f.append(d);
          },
          sync: () => f.sync(),
          close: () => f.close(),
        };
      },
    };
    const trail = await AuditTrail.open({ path, io, fsync: "every" });
    const e = createEnforcer({ policy: { name: "t", rules: {} }, audit: trail });
    await expect(e.call("ok", {}, () => 1)).resolves.toBe(1);
    broken = true;
    await expect(e.call("ok", {}, () => 2)).rejects.toBeInstanceOf(InternalEnforcementError);
    broken = false;
    await expect(e.call("ok", {}, () => 3)).rejects.toBeInstanceOf(InternalEnforcementError);
    expect(() => trail.record(record(0))).toThrow(/failed earlier/);
    await trail.close();
    // Reopen: the trail holds exactly the entries that were written.
    const t2 = await AuditTrail.open({ path, io: nodeTrailIO });
    expect(t2.size).toBe(1);
    await t2.close();
  });

  it("every enforced call — allowed, blocked, failed, logged — is exactly one entry", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const trail = await openNodeTrail({ path, fsync: "none" });
    const e = createEnforcer({ policy: { name: "t", on_violation: "log", rules: { denied_tools: ["rm"], max_input_size_bytes: 50 } }, audit: trail });
    await e.call("ok", { a: 1 }, () => 1);
    await e.call("rm", {}, () => 1).catch(() => {});
    await e.call("boom", {}, () => {
      throw new Error("x");
    }).catch(() => {});
    await e.call("big", { x: "y".repeat(100) }, () => 1).catch(() => {});
    await trail.close();
    const entries = readLinesOf(path).filter((l) => kindOf(l) === "entry").map((l) => JSON.parse(l).entry);
    expect(entries.map((x) => [x.tool, x.outcome])).toEqual([["ok", "allowed"], ["rm", "logged"], ["boom", "error"], ["big", "logged"]]);
    expect((await verifyNodeTrail(path)).ok).toBe(true);
  });
});

describe("files", () => {
  it("keeps only the trail, its lock while open, its head and archives in the directory", async () => {
    const path = await writeTrail(3, { journal: { path: `${join(tempDir(), "j.jsonl")}` } });
    expect(readdirSync(join(path, "..")).sort()).toEqual(["trail.jsonl", "trail.jsonl.head"]);
  });
});
