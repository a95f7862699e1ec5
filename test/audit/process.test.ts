// Real processes: kill -9 a writer mid-stream many times, and two processes contending for a trail.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TrailLockedError } from "../../audit/io.js";
import { openNodeTrail, verifyNodeTrail } from "../../audit/node-store.js";
import { killRounds, type ReportingChild, startReporting, tempDir } from "./helpers.js";

const writer = fileURLToPath(new URL("./fixtures/writer.ts", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));

const start = (path: string, ...args: string[]): ReportingChild => startReporting(process.execPath, ["--import", "tsx", writer, path, ...args], root);

describe("crash safety", () => {
  it("kill -9 during appends, 12 times: every survivor verifies, the verified prefix only grows", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const verified = await killRounds(path, 12, () => start(path, "append"), (round) => 40 + ((round * 37) % 120));
    expect(verified).toBeGreaterThan(1000);
    const t = await openNodeTrail({ path, journal: { path: `${path}.journal` } });
    expect(t.size).toBeGreaterThanOrEqual(verified);
    await t.close();
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, unsealed: 0 });
  }, 120_000);

  it("kill -9 with a segment every 7 entries, 30 times: kills land inside rotation and sealing, every survivor verifies", async () => {
    // The writer rotates and seals every few entries, so kills land at many more points of those
    // paths than in the test above. The crash window fixed in 8abfa25 (the next live file created,
    // its header not written yet) is reached here only now and then (a scratch run with similar
    // settings hit it in 3 of 60 kills; this test did not, in 3 runs against the old code);
    // trail.test.ts reaches it every time.
    const path = join(tempDir(), "trail.jsonl");
    const verified = await killRounds(path, 30, () => start(path, "append", "7"), (round) => 5 + ((round * 37) % 60));
    expect(verified).toBeGreaterThan(100);
  }, 180_000);
});

describe("two processes, one trail", () => {
  it("the second process gets a clear error naming the holder, then takes over when it closes", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const holder = start(path, "hold", "1500");
    const ready = await holder.first;
    expect(ready.ready).toBe(true);
    const second = start(path, "hold", "10");
    const err = await second.first;
    expect(err).toMatchObject({ error: "audit_locked" });
    expect(String(err.message)).toContain(`process ${ready.pid}`);
    expect(await second.exited).toBe(3);
    // This process too.
    const here = await openNodeTrail({ path }).catch((e) => e);
    expect(here).toBeInstanceOf(TrailLockedError);
    expect(here.owner.pid).toBe(ready.pid);
    // Waiting works across processes.
    const waited = await openNodeTrail({ path, lockWaitMs: 10_000 });
    expect(await holder.exited).toBe(0);
    await waited.close();
  }, 60_000);

  it("a lock left by a killed process is stale and taken over", async () => {
    const path = join(tempDir(), "trail.jsonl");
    const holder = start(path, "hold", "60000");
    await holder.first;
    holder.proc.kill("SIGKILL");
    await holder.exited;
    const t = await openNodeTrail({ path });
    expect(t.report.size).toBe(0);
    await t.close();
  }, 60_000);
});
