// Nothing is left behind: when the guard's host exits, crashes, is signalled or even SIGKILLed,
// and whichever way the tree is killed (cgroup.kill, the v1 freezer, SIGKILL over cgroup.procs).
import { spawn as nodeSpawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectLayout, leafDirsOnDisk, liveLeaves } from "../../guard/cgroups.js";
import { capabilities, spawn } from "../../guard/index.js";
import { buildEscape, buildLauncher, marker, processesWith, root, skipReason } from "./helpers.js";

let escapeBin = "";

async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

/** Runs test/guard/fixtures/host.mts in a fresh Node; resolves once it printed "started". */
function host(mark: string, how: "exit" | "throw" | "wait") {
  const child = nodeSpawn(process.execPath, ["--import", "tsx", join(root, "test/guard/fixtures/host.mts"), escapeBin, mark, how], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c));
  child.stderr.on("data", () => {});
  const started = new Promise<{ pid: number; cgroups: string[] }>((resolve, reject) => {
    child.stdout.on("data", () => {
      const m = /started (\d+) (.*)\n/.exec(out);
      if (m) resolve({ pid: Number(m[1]), cgroups: m[2]!.split(" ") });
    });
    child.on("exit", () => reject(new Error(`host exited before starting: ${out}`)));
  });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  return { child, started, exited };
}

describe.skipIf(skipReason !== "")(`cleanup${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  beforeAll(() => {
    buildLauncher();
    escapeBin = buildEscape();
  }, 120_000);
  afterAll(() => {
    if (escapeBin) rmSync(dirname(escapeBin), { recursive: true, force: true });
  });

  it.each(["exit", "throw"] as const)("the host ends by %s: its 'exit' hook kills the tree and removes the cgroups", async (how) => {
    const mark = marker();
    const h = host(mark, how);
    const { cgroups } = await h.started; // the host is already on its way out: do not race it
    expect(cgroups.length).toBeGreaterThan(0);
    await h.exited;
    expect(await waitFor(() => processesWith(mark).length === 0)).toBe(true);
    for (const d of cgroups) expect(existsSync(d), d).toBe(false);
  }, 30_000);

  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("the host gets %s: cleaned up, and it still dies of the signal", async (sig) => {
    const mark = marker();
    const h = host(mark, "wait");
    const { cgroups } = await h.started;
    // the tool and its child run (the host has the mark in its argv too), and the launcher's supervisor where there is one
    expect(processesWith(mark).filter((p) => p !== h.child.pid).length).toBe(capabilities().userNotification.available ? 3 : 2);
    h.child.kill(sig);
    await h.exited;
    expect(h.child.signalCode).toBe(sig);
    expect(await waitFor(() => processesWith(mark).length === 0)).toBe(true);
    for (const d of cgroups) expect(existsSync(d), d).toBe(false);
  }, 30_000);

  it("the host is SIGKILLed: the tool dies with it (PDEATHSIG); the next guard sweeps the rest", async () => {
    const mark = marker();
    const h = host(mark, "wait");
    const { pid, cgroups } = await h.started;
    h.child.kill("SIGKILL");
    await h.exited;
    // the leader went with its parent; its forked child survived PDEATHSIG but is still in the cgroup
    expect(await waitFor(() => !processesWith(mark).includes(pid))).toBe(true);
    capabilities({ refresh: true }); // sweeps leaves of dead hosts in this pid namespace
    expect(await waitFor(() => processesWith(mark).length === 0)).toBe(true);
    for (const d of cgroups) expect(existsSync(d), d).toBe(false);
  }, 30_000);

  it.each(["freezer", "cgroup.procs"] as const)("kill strategy %s: a forking tree is killed completely", async (killStrategy) => {
    const mark = marker();
    const r = await spawn(escapeBin, ["forkbomb", "3000", mark], { pids: 24, wall_seconds: 1 }, { killStrategy });
    expect(r.violations.map((v) => v.type)).toContain("wall_time");
    expect(processesWith(mark)).toEqual([]);
    expect(liveLeaves()).toEqual([]);
    expect(leafDirsOnDisk(detectLayout())).toEqual([]);
  }, 30_000);

  it("an aborted spawn kills the tree and rejects with the reason", async () => {
    const mark = marker();
    const ac = new AbortController();
    const p = spawn(escapeBin, ["tree", mark], {}, { signal: ac.signal, onStart: () => setTimeout(() => ac.abort(new Error("user cancelled")), 200) });
    await expect(p).rejects.toThrow("user cancelled");
    expect(processesWith(mark)).toEqual([]);
    expect(liveLeaves()).toEqual([]);
  }, 30_000);
});
