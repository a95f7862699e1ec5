// A trail writer under Deno, through the package's Deno entry (`import "enforcecore"`, so the
// entry's own choice of TrailIO is what runs). Prints one JSON line per event.
//   deno run -A deno-trail.mjs write <path> <calls> <fsync: every|none|batch> [rotateEntries]
//   deno run -A deno-trail.mjs hold <path> <ms> [lockWaitMs]
//   deno run -A deno-trail.mjs append <path>          (appends until killed)
//   deno run -A deno-trail.mjs verify <path>
const api = await import("enforcecore");
const [mode, path, a, b] = Deno.args;
const out = (x) => console.log(JSON.stringify(x));
const lockOwner = () => JSON.parse(Deno.readTextFileSync(`${path}.lock`));
// The same policies as deno-trail-io.test.ts (which compiles them in Node to replay this trail).
const POLICY = { name: "deno-io", rules: { denied_tools: ["rm"], pii_redaction: { enabled: true }, rate_limits: { enabled: true, per_tool: { send: { max_calls: 2, window_seconds: 1 } } } } };
const POLICY_2 = { ...POLICY, name: "deno-io-2" };

try {
  if (mode === "write") {
    const [, , , policy, rotate] = Deno.args;
    const fsync = policy === "batch" ? { batch: 5, ms: 20 } : policy;
    const trail = await api.openAuditTrail({ path, fsync, checkpoint: { entries: 7 }, ...(rotate ? { rotate: { maxEntries: Number(rotate) } } : {}), journal: { path: `${path}.journal` } });
    const owner = lockOwner();
    let now = 1_000_000;
    const enforcer = api.createEnforcer({ policy: POLICY, audit: trail, clock: () => now });
    const n = Number(a);
    let controls = 0;
    for (let i = 0; i < n; i++) {
      now += 137;
      const control = i === Math.floor(n / 3) ? () => enforcer.killSwitch(true, "deno test") : i === Math.floor(n / 3) + 2 ? () => enforcer.killSwitch(false) : i === Math.floor(n / 2) ? () => enforcer.reload(api.compilePolicyObject(POLICY_2), "v2") : null;
      if (control) {
        await control();
        controls++;
      }
      await enforcer.call(["search", "rm", "send"][i % 3], { q: `mail a${i}@b.io` }, (x) => x.q).catch(() => {});
    }
    await trail.close();
    out({ runtime: api.runtime, owner, size: trail.size, segment: trail.segment, calls: n, controls, report: trail.report });
  } else if (mode === "hold") {
    const trail = await api.openAuditTrail({ path, lockWaitMs: Number(b ?? 0) });
    out({ ready: true, pid: Deno.pid, owner: lockOwner(), report: trail.report });
    await new Promise((r) => setTimeout(r, Number(a)));
    await trail.close();
  } else if (mode === "append") {
    const trail = await api.openAuditTrail({ path, fsync: { batch: 32, ms: 2 }, checkpoint: { entries: 53 }, rotate: { maxEntries: 400 }, journal: { path: `${path}.journal` } });
    out({ ready: true, pid: Deno.pid, report: trail.report });
    const enforcer = api.createEnforcer({ policy: POLICY, audit: trail, clock: () => 1_000_000 });
    for (let i = 0; ; i++) {
      await enforcer.call(i % 7 === 0 ? "rm" : "search", { q: `q${i}` }, (x) => x.q).catch(() => {});
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));
    }
  } else if (mode === "verify") {
    const r = await api.verifyAuditTrail(path);
    out({ ok: r.ok, size: r.size, root: r.root, segments: r.segments, problem: r.problem });
  } else throw new Error(`unknown mode ${mode}`);
} catch (e) {
  out({ error: e?.code ?? String(e), message: String(e?.message), owner: e?.owner ?? null });
  Deno.exit(3);
}
