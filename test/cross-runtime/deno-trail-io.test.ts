// The native Deno TrailIO (hosts/deno/trail-io.ts), run by the Deno binary of the npm package
// `deno` through the package's Deno entry: trails Deno writes verify and replay in Node, writers
// contend for one lock (Deno with Deno, Deno with Node), a killed Deno writer's lock is stale for
// certain (flock), and crashes leave a verifiable prefix whose torn tail the next open cuts.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TrailLockedError } from "../../audit/io.js";
import { nodeTrailIO, openNodeTrail, verifyNodeTrail } from "../../audit/node-store.js";
import { replay } from "../../audit/replay.js";
import { readEntries } from "../../audit/trail.js";
import { isControlEntry } from "../../audit/entry.js";
import { compilePolicyObject, loadEngineSync } from "../../hosts/node/index.js";
import { killRounds, type ReportingChild, sleep, startReporting, tempDir } from "../audit/helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const script = "test/cross-runtime/deno-trail.mjs";
const POLICY = { name: "deno-io", rules: { denied_tools: ["rm"], pii_redaction: { enabled: true }, rate_limits: { enabled: true, per_tool: { send: { max_calls: 2, window_seconds: 1 } } } } };
const denoRun = (...args: string[]) => JSON.parse(execFileSync(deno, ["run", "--quiet", "-A", script, ...args], { cwd: root, encoding: "utf8" }).trim().split("\n").pop()!);

const start = (...args: string[]): ReportingChild => startReporting(deno, ["run", "--quiet", "-A", script, ...args], root);

describe("Deno's own TrailIO, through the Deno entry", () => {
  it("writes trails (every fsync policy, segments, control events) that Node verifies and replays", async () => {
    for (const fsync of ["every", "none", "batch"]) {
      const path = join(tempDir("ec-deno-"), "trail.jsonl");
      const w = denoRun("write", path, "60", fsync, "25");
      // The entry chose the native adapter: only it flocks its lock and says so in the lock file.
      expect(w).toMatchObject({ runtime: "deno", owner: { flock: true }, calls: 60, controls: 3, size: 63, segment: 2 });
      expect(existsSync(`${path}.lock`)).toBe(false); // released at close
      const v = await verifyNodeTrail(path);
      expect(v, fsync).toMatchObject({ ok: true, size: 63, segments: 3, unsealed: 0 });
      expect(denoRun("verify", path)).toMatchObject({ ok: true, size: 63, root: v.root });
      const entries = [...readEntries(path, nodeTrailIO, { controls: true })];
      expect(entries.filter(isControlEntry).map((c) => c.control)).toEqual(["kill_switch", "kill_switch", "reload"]);
      // Node re-runs the Deno session (the reloaded policy comes from the journal).
      const r = await replay(path, { io: nodeTrailIO, journal: `${path}.journal`, bundles: [compilePolicyObject(POLICY)], createEngine: loadEngineSync });
      expect(r).toMatchObject({ ok: true, calls: 60, controls: 3, answersChecked: 60 });
    }
  }, 120_000);

  it("two Deno writers contend for one trail: a clear error naming the holder, or a wait", async () => {
    const path = join(tempDir("ec-deno-"), "trail.jsonl");
    const holder = start("hold", path, "2500");
    const ready = await holder.first;
    expect(ready).toMatchObject({ ready: true, owner: { flock: true } });
    const second = start("hold", path, "10");
    const err = await second.first;
    expect(err).toMatchObject({ error: "audit_locked", owner: { pid: ready.pid } });
    expect(String(err.message)).toContain(`process ${ready.pid}`);
    expect(await second.exited).toBe(3);
    // Node sees the Deno writer's lock too.
    const here = await openNodeTrail({ path }).catch((e) => e);
    expect(here).toBeInstanceOf(TrailLockedError);
    expect(here.owner.pid).toBe(ready.pid);
    // A Deno writer that waits gets the trail once the holder closes it.
    const waiter = start("hold", path, "10", "20000");
    expect(await waiter.first).toMatchObject({ ready: true });
    expect(await holder.exited).toBe(0);
    expect(await waiter.exited).toBe(0);
  }, 60_000);

  it("a Node writer's lock stops a Deno writer, which takes the trail once Node lets go", async () => {
    const path = join(tempDir("ec-deno-"), "trail.jsonl");
    const t = await openNodeTrail({ path });
    const err = denoRunFails("hold", path, "10");
    expect(err).toMatchObject({ error: "audit_locked", owner: { pid: process.pid } });
    const waiter = start("hold", path, "10", "20000");
    await sleep(300);
    await t.close();
    expect(await waiter.first).toMatchObject({ ready: true });
    expect(await waiter.exited).toBe(0);
  }, 60_000);

  it("a lock left by a killed Deno writer is stale for certain (its flock died with it)", async () => {
    const path = join(tempDir("ec-deno-"), "trail.jsonl");
    const holder = start("hold", path, "60000");
    const ready = await holder.first;
    holder.proc.kill("SIGKILL");
    await holder.exited;
    expect(JSON.parse(readFileSync(`${path}.lock`, "utf8"))).toMatchObject({ pid: ready.pid, flock: true }); // left behind
    // Without --allow-run the process table cannot be asked: the flock alone proves the holder dead.
    const noRun = ["run", "--quiet", "--allow-read", "--allow-write", "--allow-env", "--allow-sys=hostname", script, "hold", path, "10"];
    expect(JSON.parse(execFileSync(deno, noRun, { cwd: root, encoding: "utf8" }).trim())).toMatchObject({ ready: true });
    // Node takes over such a lock too (the process is gone).
    const holder2 = start("hold", path, "60000");
    await holder2.first;
    holder2.proc.kill("SIGKILL");
    await holder2.exited;
    const t = await openNodeTrail({ path });
    await t.close();
  }, 60_000);

  it("kill -9 during Deno appends: every survivor verifies in Node, and the torn tail is cut on reopen", async () => {
    const path = join(tempDir("ec-deno-"), "trail.jsonl");
    const verified = await killRounds(path, 5, () => start("append", path), (round) => 300 + round * 70);
    expect(verified).toBeGreaterThan(100);
    const recovered = denoRun("hold", path, "10"); // cuts whatever the last kill tore
    expect(recovered.report.size).toBe(verified);
    // A torn last line (half an entry, no newline): reported by verify, cut by Deno's next open.
    appendFileSync(path, '{"entry":{"argsSha256":"00');
    expect((await verifyNodeTrail(path)).torn).not.toBeNull();
    const reopened = denoRun("hold", path, "10");
    expect(reopened.report).toMatchObject({ size: verified, torn: { bytes: 26 } });
    expect(await verifyNodeTrail(path)).toMatchObject({ ok: true, size: verified, torn: null, unsealed: 0 });
  }, 120_000);
});

function denoRunFails(...args: string[]): Record<string, unknown> {
  try {
    execFileSync(deno, ["run", "--quiet", "-A", script, ...args], { cwd: root, encoding: "utf8" });
  } catch (e) {
    return JSON.parse(String((e as { stdout: string }).stdout).trim().split("\n").pop()!);
  }
  throw new Error("expected the Deno writer to fail");
}
