// Kill-switch toggles and policy reloads: control entries in the trail, lines in the journal,
// re-applied by replay at their place, handled by what-if, and caught when tampered with or lost.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { type ControlEntry, entryProblem, isControlEntry, jcs, type TrailEntry } from "../../audit/entry.js";
import { readJournal } from "../../audit/journal.js";
import { rfc6962, toHex } from "../../audit/merkle.js";
import { nodeTrailIO, openNodeTrail, verifyNodeTrail } from "../../audit/node-store.js";
import { replay, whatIf } from "../../audit/replay.js";
import { readEntries } from "../../audit/trail.js";
import { type ControlRecord, Enforcer } from "../../core/enforcer.js";
import { compilePolicyFile, compilePolicyObject, createEnforcer, loadEngineSync, watchPolicy } from "../../hosts/node/index.js";
import { readLinesOf, tempDir, writeLines } from "./helpers.js";
import { POLICY, runSession } from "./session.js";

const io = nodeTrailIO;
const controlsOf = (path: string) => [...readEntries(path, io, { controls: true })].filter(isControlEntry);
/** Rewrites entry `seq` (recomputing its leaf hash: only checkpoints or replay can catch that). */
function forge(path: string, seq: number, change: (e: Record<string, unknown>) => void): string {
  const lines = readLinesOf(path);
  const k = lines.findIndex((l) => l.startsWith('{"entry":') && JSON.parse(l).entry.seq === seq);
  const entry = JSON.parse(lines[k]!).entry;
  change(entry);
  const text = jcs(entry);
  lines[k] = `{"entry":${text},"leaf":"${toHex(rfc6962.hashLeaf(new TextEncoder().encode(text)))}"}`;
  const out = join(tempDir(), "trail.jsonl");
  writeLines(out, lines);
  return out;
}

describe("control entries", () => {
  it("a session that toggles the kill switch and reloads twice mid-stream replays identically", async () => {
    const s = await runSession(500, { controls: true });
    const controls = controlsOf(s.path);
    expect(s.controls).toBe(6);
    expect(controls.map((c) => [c.control, c.killSwitch, c.reason])).toEqual([
      ["kill_switch", true, "incident 1"],
      ["kill_switch", false, "incident 1 over"],
      ["reload", false, "policy v2"],
      ["kill_switch", true, null],
      ["reload", true, "policy v3 while stopped"],
      ["kill_switch", false, null],
    ]);
    // Each reload names what it replaced and reset; the second carries the kill switch over.
    const [r1, r2] = controls.filter((c) => c.control === "reload") as [ControlEntry, ControlEntry];
    expect(r1).toMatchObject({ policyDigest: s.reloaded[0]!.digest, from: { policyDigest: s.bundle.digest }, reset: ["open_calls", "rate_windows", "spend"], requests: [] });
    expect(r2).toMatchObject({ policyDigest: s.reloaded[1]!.digest, from: { policyDigest: s.reloaded[0]!.digest, instance: r1.instance }, requests: [expect.any(String)] });
    // The call that reloaded from inside ran on the old engine, and its entry follows the reload's.
    const all = [...readEntries(s.path, io, { controls: true })];
    const inside = all[all.findIndex((x) => x.seq === r1.seq) + 1] as TrailEntry & { tool: string; policyDigest: string; instance: string };
    expect(inside).toMatchObject({ tool: "read_file", policyDigest: s.bundle.digest, outcome: "allowed" });
    expect(inside.instance).toBe(r1.from!.instance);
    // Calls while the switch was on were blocked by it.
    expect(all.some((e) => !isControlEntry(e) && e.violations.some((v) => v.type === "kill_switch"))).toBe(true);
    // Every call is still exactly one entry; calls and controls are all leaves and verify.
    expect([...readEntries(s.path, io)]).toHaveLength(s.calls);
    expect(await verifyNodeTrail(s.path)).toMatchObject({ ok: true, size: s.calls + 6 });

    // The reloaded policies come from the journal: only the first bundle is needed.
    const r = await replay(s.path, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync });
    expect(r).toMatchObject({ ok: true, calls: s.calls, controls: 6, divergence: null });
    expect(r.answersChecked).toBe(s.calls);
    const again = await replay(s.path, { io, journal: s.journal, bundles: [s.bundle, ...s.reloaded], createEngine: loadEngineSync });
    expect(again.answersDigest).toBe(r.answersDigest);
  });

  it("the same with an encrypted journal (the reloaded bundles are encrypted too)", async () => {
    const key = new Uint8Array(32).fill(3);
    const s = await runSession(120, { controls: true, key });
    const records = [];
    for await (const rec of readJournal(io, s.journal, { key })) records.push(rec);
    expect(records.filter((x) => x.bundle).map((x) => x.bundle!.length)).toEqual(s.reloaded.map((b) => b.bytes.length));
    expect(await replay(s.path, { io, journal: s.journal, key, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: true, controls: 6 });
  });

  it("a tampered control entry is detected by verify, by the checkpoints, and by replay", async () => {
    const s = await runSession(200, { controls: true });
    const stop = controlsOf(s.path)[0]!;
    // A flipped byte: the leaf hash no longer matches.
    const lines = readLinesOf(s.path);
    const k = lines.findIndex((l) => l.includes('"control":"kill_switch"'));
    const flipped = join(tempDir(), "trail.jsonl");
    writeLines(flipped, lines.map((l, i) => (i === k ? l.replace('"killSwitch":true', '"killSwitch":fals') : l)));
    expect(await verifyNodeTrail(flipped)).toMatchObject({ ok: false, firstBadIndex: stop.seq, problem: { kind: "modified" } });
    // Rewritten with its leaf hash: the next checkpoint's root catches it.
    const forged = forge(s.path, stop.seq, (e) => {
      e.killSwitch = false;
      e.reason = "never happened";
    });
    expect(await verifyNodeTrail(forged)).toMatchObject({ ok: false, problem: { kind: "checkpoint" } });
    // Without verification, replay still sees that the engine's state says otherwise.
    expect(await replay(forged, { io, journal: s.journal, bundles: [s.bundle], createEngine: loadEngineSync, verify: false })).toMatchObject({
      ok: false,
      divergence: { seq: stop.seq, control: "kill_switch", kind: "control" },
    });
    // A control entry that is not well-formed is refused as such.
    const bad = forge(s.path, stop.seq, (e) => {
      e.from = { instance: "x", policyDigest: "y" };
    });
    const v = await verifyNodeTrail(bad);
    expect(v.problem?.message).toContain("reload fields");
    // A reader that knows only call entries refuses a control entry instead of misreading it.
    expect(entryProblem(stop)).toMatch(/unknown key/);
  });

  it("a journal missing a control event, or with a different reloaded bundle, gives a named divergence", async () => {
    const s = await runSession(200, { controls: true });
    const [stop, , reload] = controlsOf(s.path) as [ControlEntry, ControlEntry, ControlEntry];
    const lines = readLinesOf(s.journal);
    const journal = join(tempDir(), "journal.jsonl");
    writeLines(journal, lines.filter((l) => !l.endsWith(`"seq":${stop.seq}}`)));
    expect(await replay(s.path, { io, journal, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({
      ok: false,
      divergence: { seq: stop.seq, control: "kill_switch", kind: "journal_missing" },
    });
    // The reload's line holds the bundle bytes; another policy's bytes do not match the digest.
    const other = compilePolicyObject({ name: "other", rules: {} });
    writeLines(journal, lines.map((l) => (l.endsWith(`"seq":${reload.seq}}`) ? `{"bundle":"${Buffer.from(other.bytes).toString("base64")}","requests":[],"seq":${reload.seq}}` : l)));
    expect(await replay(s.path, { io, journal, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { seq: reload.seq, control: "reload", kind: "request_mismatch" } });
    // Without the bundle bytes and without the bundle: bundle_missing at the reload.
    writeLines(journal, lines.map((l) => (l.endsWith(`"seq":${reload.seq}}`) ? `{"requests":[],"seq":${reload.seq}}` : l)));
    expect(await replay(s.path, { io, journal, bundles: [s.bundle], createEngine: loadEngineSync })).toMatchObject({ ok: false, divergence: { seq: reload.seq, kind: "bundle_missing" } });
    expect(await replay(s.path, { io, journal, bundles: [s.bundle, ...s.reloaded], createEngine: loadEngineSync })).toMatchObject({ ok: true });
  });

  it("a sink that does not record control events: replay names the gap instead of a confusing mismatch", async () => {
    const dir = tempDir();
    const path = join(dir, "trail.jsonl");
    const journal = join(dir, "journal.jsonl");
    const trail = await openNodeTrail({ path, fsync: "none", journal: { path: journal } });
    const bundle = compilePolicyObject(POLICY);
    // Only record(): what every sink was before control events existed.
    const e = new Enforcer({ bundle, createEngine: loadEngineSync, clock: () => 5000, audit: { record: (r) => trail.record(r) } });
    await e.call("read_file", {}, () => 1);
    e.killSwitch(true);
    await e.call("read_file", {}, () => 1).catch(() => {});
    e.killSwitch(false);
    await e.call("read_file", {}, () => 1);
    await trail.close();
    const r = await replay(path, { io, journal, bundles: [bundle], createEngine: loadEngineSync });
    expect(r).toMatchObject({ ok: false, divergence: { seq: 1, kind: "gap" } });
    expect(r.divergence!.message).toMatch(/requests 3\.\.3 .* no entry records them/);
  });

  it("what if: operator actions stay on the timeline under the other policy", async () => {
    const s = await runSession(300, { controls: true });
    // The recorded policies for every phase: only the changes the reloads made show up.
    const same = await whatIf(s.path, s.bundle, { io, journal: s.journal, createEngine: loadEngineSync });
    expect(same.controls).toBe(6);
    const all = [...readEntries(s.path, io, { controls: true })];
    const phase = (seq: number) => all.filter((e) => isControlEntry(e) && e.control === "reload" && e.seq < seq).length;
    for (const c of same.changed) expect(phase(c.seq), `call ${c.seq} (${c.tool}) changed in phase 0`).toBeGreaterThan(0);
    // A permissive policy does not lift the kill switch: calls it stopped stay stopped.
    const open = compilePolicyObject({ name: "open", rules: {} });
    const loose = await whatIf(s.path, open, { io, journal: s.journal, createEngine: loadEngineSync });
    const stopped = all.filter((e) => !isControlEntry(e) && e.violations.some((v) => v.type === "kill_switch")).map((e) => e.seq);
    expect(stopped.length).toBeGreaterThan(0);
    for (const seq of stopped) expect(loose.changed.find((c) => c.seq === seq)?.after.denied ?? true, `call ${seq}`).toBe(true);
    expect(loose.nowAllowed).toBeGreaterThan(0);
  });
});

describe("policy files that change under a running agent", () => {
  it("watchPolicy reloads are recorded; the replay needs neither the old nor the new file any more", async () => {
    const dir = tempDir();
    const file = join(dir, "policy.yaml");
    writeFileSync(file, "name: w\nrules:\n  allowed_tools: [a]\n");
    const first = compilePolicyFile(file);
    const path = join(dir, "trail.jsonl");
    const journal = join(dir, "journal.jsonl");
    const trail = await openNodeTrail({ path, fsync: "every", journal: { path: journal } });
    const e = createEnforcer({ policy: file, audit: trail });
    const w = watchPolicy(e, file, { debounceMs: 10 });
    await e.call("a", {}, () => 1);
    await e.call("b", {}, () => 1).catch(() => {});
    writeFileSync(file, "name: w\nrules:\n  allowed_tools: [b]\n");
    await vi.waitFor(() => expect(controlsOf(path)).toHaveLength(1), { timeout: 5000 });
    await e.call("a", {}, () => 1).catch(() => {});
    await e.call("b", {}, () => 1);
    w.close();
    await trail.close();
    writeFileSync(file, "name: gone\nrules: {}\n"); // the policy that was live is no longer on disk
    expect(controlsOf(path)[0]).toMatchObject({ control: "reload", from: { policyDigest: first.digest } });
    const r = await replay(path, { io, journal, bundles: [first], createEngine: loadEngineSync });
    expect(r).toMatchObject({ ok: true, calls: 4, controls: 1, answersChecked: 4 });
  });
});

describe("the enforcer's side", () => {
  it("an engaged kill switch survives a reload (a policy edit must not silently reopen the gate)", async () => {
    const records: ControlRecord[] = [];
    const e = new Enforcer({ bundle: compilePolicyObject(POLICY), createEngine: loadEngineSync, audit: { record: () => {}, control: (c) => void records.push(c) } });
    e.killSwitch(true, "stop");
    e.reload(compilePolicyObject({ name: "v2", rules: {} }));
    await expect(e.call("read_file", {}, () => 1)).rejects.toMatchObject({ code: "resource_limit" });
    e.killSwitch(false);
    await expect(e.call("read_file", {}, () => 1)).resolves.toBe(1);
    expect(records.map((r) => [r.kind, r.killSwitch, r.requests.length, r.reason])).toEqual([
      ["kill_switch", true, 1, "stop"],
      ["reload", true, 1, null],
      ["kill_switch", false, 1, null],
    ]);
  });

  it("a failed trail: the kill switch still engages, and the failure is reported to the caller", async () => {
    const dir = tempDir();
    const trail = await openNodeTrail({ path: join(dir, "trail.jsonl"), fsync: "none" });
    const e = new Enforcer({ bundle: compilePolicyObject(POLICY), createEngine: loadEngineSync, audit: trail });
    await trail.close();
    expect(() => e.killSwitch(true)).toThrow(expect.objectContaining({ code: "audit_closed" }));
    await expect(e.call("read_file", {}, () => 1)).rejects.toMatchObject({ code: "resource_limit" }); // the switch is on
    expect(() => e.killSwitch(false)).toThrow(expect.objectContaining({ code: "audit_closed" }));
    await expect(e.call("read_file", {}, () => 1)).rejects.toMatchObject({ code: "internal_error" }); // unrecordable: blocked
  });
});

describe("replay is exact for any interleaving of calls, kill switches and reloads", () => {
  const bundles = [compilePolicyObject(POLICY), compilePolicyObject({ ...POLICY, name: "b", rules: { ...POLICY.rules, denied_tools: ["read_file"] } }), compilePolicyObject({ name: "c", rules: { rate_limits: { enabled: true, global_limit: { max_calls: 2, window_seconds: 1 } } } })];
  type Op = { kind: "call"; tool: string; dt: number; reloadInside: number | null } | { kind: "kill"; on: boolean } | { kind: "reload"; to: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant("call" as const), tool: fc.constantFrom("read_file", "shell", "transfer", "calc"), dt: fc.integer({ min: 0, max: 900 }), reloadInside: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 5 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("kill" as const), on: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("reload" as const), to: fc.integer({ min: 0, max: 2 }) }) },
  );

  it("property: the trail verifies, has one entry per call and per control event, and replays identically", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const dir = tempDir("ec-prop-");
        const path = join(dir, "trail.jsonl");
        const journal = join(dir, "journal.jsonl");
        const trail = await openNodeTrail({ path, fsync: "none", checkpoint: { entries: 7 }, journal: { path: journal } });
        let now = 1_000_000;
        const e = new Enforcer({ bundle: bundles[0]!, createEngine: loadEngineSync, clock: () => now, audit: trail });
        let calls = 0;
        let controls = 0;
        for (const o of ops) {
          if (o.kind === "kill") {
            await e.killSwitch(o.on);
            controls++;
          } else if (o.kind === "reload") {
            await e.reload(bundles[o.to]!);
            controls++;
          } else {
            now += o.dt;
            calls++;
            let reloaded = false;
            await e
              .call(o.tool, { amount: 5 }, async () => {
                if (o.reloadInside !== null) {
                  await e.reload(bundles[o.reloadInside]!);
                  reloaded = true;
                }
                return 1;
              })
              .catch(() => {});
            if (reloaded) controls++;
          }
        }
        await trail.close();
        const v = await verifyNodeTrail(path);
        expect(v).toMatchObject({ ok: true, size: calls + controls });
        expect([...readEntries(path, io)]).toHaveLength(calls);
        const r = await replay(path, { io, journal, bundles: [bundles[0]!], createEngine: loadEngineSync });
        expect(r.divergence).toBeNull();
        expect(r).toMatchObject({ ok: true, calls, controls, answersChecked: calls });
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("control entry serialisation", () => {
  const hex = (n: number) => new Uint8Array(Array.from({ length: n }, (_, i) => i));
  const recordArb: fc.Arbitrary<ControlRecord> = fc
    .record({
      reload: fc.boolean(),
      killSwitch: fc.boolean(),
      time: fc.oneof(fc.integer({ min: 0, max: 2 ** 45 }), fc.double()),
      tenant: fc.option(fc.string({ unit: "grapheme", maxLength: 12 })),
      reason: fc.option(fc.string({ unit: "grapheme", maxLength: 40 })),
      instance: fc.string({ maxLength: 36 }),
      seq: fc.nat({ max: 1e6 }),
    })
    .map((x) => {
      const common = { time: x.time, tenant: x.tenant, reason: x.reason, policyDigest: "a".repeat(64), engineDigest: "b".repeat(64), engineInstance: x.instance };
      const made = x.killSwitch || !x.reload ? { requests: [hex(13)], answers: [hex(24)], requestSeq: [x.seq] } : { requests: [], answers: [], requestSeq: [] };
      return x.reload
        ? ({ ...common, ...made, kind: "reload", killSwitch: x.killSwitch, bundle: compilePolicyObject(POLICY), previous: { policyDigest: "c".repeat(64), engineInstance: "old" } } as ControlRecord)
        : ({ ...common, ...made, kind: "kill_switch", killSwitch: x.killSwitch } as ControlRecord);
    });

  it("property: every control record gives a well-formed, canonical control entry", async () => {
    const { controlEntryFromRecord, controlEntryJson, controlEntryProblem } = await import("../../audit/entry.js");
    const canonicalize = (await import("canonicalize")).default;
    fc.assert(
      fc.property(recordArb, fc.nat(), (r, seq) => {
        const e = controlEntryFromRecord(r, seq);
        const text = controlEntryJson(e);
        expect(text).toBe(canonicalize(JSON.parse(text)));
        expect(controlEntryProblem(JSON.parse(text))).toBeNull();
        expect(e).toMatchObject({ seq, v: 2, control: r.kind, killSwitch: r.killSwitch });
      }),
      { numRuns: 300 },
    );
  });
});
