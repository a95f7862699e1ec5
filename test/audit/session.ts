// A deterministic agent session through the real enforcer, audited into a trail with a journal.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openNodeTrail } from "../../audit/node-store.js";
import type { AuditTrail } from "../../audit/trail.js";
import { Enforcer, type CallRecord } from "../../core/enforcer.js";
import type { Engine } from "../../engine/engine.js";
import type { CompiledBundle } from "../../engine/bundle-format.js";
import { compilePolicyObject, loadEngineSync } from "../../hosts/node/index.js";
import { xorshift32 } from "../../eval/redaction/checksums.js";
import { tempDir } from "./helpers.js";

export const POLICY = {
  name: "session",
  rules: {
    denied_tools: ["shell", "*_delete"],
    content_rules: { enabled: true, block_patterns: [{ name: "sql_injection" }, { name: "key", pattern: "sk-[a-z0-9]{6,}", action: "redact" }] },
    argument_rules: { transfer: { amount: { min: 0, max: 1000 } } },
    rate_limits: { enabled: true, per_tool: { transfer: { max_calls: 3, window_seconds: 2 } }, global_limit: { max_calls: 40, window_seconds: 1 } },
    resource_limits: { max_cost_usd: 50, max_cost_per_call_usd: 0.5 },
    max_input_size_bytes: 400,
  },
};

/** Simulates the core edit this module asks for: engine instance id, evaluation order, answer bytes. */
export function instrumented() {
  let instances = 0;
  const log: { key: string; seq: number; instance: string; answer: Uint8Array }[] = [];
  const key = (b: Uint8Array) => Buffer.from(b).toString("base64");
  const createEngine = (): Engine => {
    const e = loadEngineSync();
    const instance = `engine-${instances++}`;
    Object.defineProperty(e, "instanceId", { value: instance }); // control records name it too
    let seq = 0;
    // Every call the enforcer makes, logged from the engine's own record of its last request and
    // answer (seq counted from 1, as the engine does).
    for (const method of ["preCall", "postCall", "setKillSwitch", "resetState"] as const) {
      const call = (e[method] as (...a: unknown[]) => unknown).bind(e);
      Object.defineProperty(e, method, {
        value: (...a: unknown[]) => {
          const out = call(...a);
          log.push({ key: key(e.lastRequest()), seq: ++seq, instance, answer: e.lastAnswer() });
          return out;
        },
      });
    }
    return e;
  };
  const withHints = (r: CallRecord) => {
    const hits = r.requests.map((q) => {
      const i = log.findIndex((x) => x.key === key(q));
      return log.splice(i, 1)[0]!;
    });
    if (hits.length === 0) return r;
    return { ...r, requestSeq: hits.map((h) => h.seq), engineInstance: hits[0]!.instance, answers: hits.map((h) => h.answer) };
  };
  /** Control records carry the enforcer's own hints: just forget their requests here. */
  const forget = <C extends { requests: readonly Uint8Array[] }>(c: C): C => {
    for (const q of c.requests) log.splice(log.findIndex((x) => x.key === key(q)), 1);
    return c;
  };
  return { createEngine, withHints, forget };
}

export interface Session {
  readonly path: string;
  readonly journal: string;
  readonly bundle: CompiledBundle;
  readonly bundleFile: string;
  readonly calls: number;
  /** The policies reloaded mid-session (with `controls`). */
  readonly reloaded: readonly CompiledBundle[];
  /** Control entries written (with `controls`). */
  readonly controls: number;
}

/** Policies a `controls` session reloads: stricter, then with other limits. */
export const POLICY_V2 = { ...POLICY, name: "session-v2", rules: { ...POLICY.rules, denied_tools: [...POLICY.rules.denied_tools, "calc"] } };
export const POLICY_V3 = { ...POLICY, name: "session-v3", rules: { ...POLICY.rules, rate_limits: { enabled: true, per_tool: { transfer: { max_calls: 1, window_seconds: 5 } }, global_limit: { max_calls: 25, window_seconds: 1 } } } };

/**
 * A deterministic session. With `controls`, the operator also acts mid-stream: the kill switch is
 * engaged and released twice, and the policy reloaded twice (once from inside a running call, so
 * that call finishes on the old engine; once while the kill switch is on, which carries over).
 */
export async function runSession(n: number, options: { hints?: boolean; key?: Uint8Array; seed?: number; controls?: boolean } = {}): Promise<Session> {
  const dir = tempDir("ec-session-");
  const path = join(dir, "trail.jsonl");
  const journal = join(dir, "journal.jsonl");
  const trail: AuditTrail = await openNodeTrail({ path, fsync: { batch: 256, ms: 50 }, checkpoint: { entries: 500 }, journal: { path: journal, ...(options.key ? { key: options.key } : {}) } });
  const bundle = compilePolicyObject(POLICY);
  const bundleFile = join(dir, "policy.ecb");
  writeFileSync(bundleFile, bundle.bytes);
  const inst = instrumented();
  let now = 1_767_225_600_000;
  const rand = xorshift32(options.seed ?? 0x9e3779b9);
  const enforcer = new Enforcer({
    bundle,
    createEngine: options.hints ? inst.createEngine : loadEngineSync,
    clock: () => now,
    audit: { record: (r) => trail.record(options.hints ? inst.withHints(r) : r), control: (c) => trail.control(options.hints ? inst.forget(c) : c) },
  });
  const reloaded = options.controls ? [compilePolicyObject(POLICY_V2), compilePolicyObject(POLICY_V3)] : [];
  let controls = 0;
  let extraCalls = 0;
  const counted = async (a: () => void | Promise<void>) => {
    const before = trail.size;
    await a();
    controls += trail.size - before;
  };
  // Operator actions at fixed points of the session (tenths of n).
  const act = async (i: number) => {
    if (!options.controls) return;
    const tenth = (k: number) => Math.floor((n * k) / 10);
    if (i === tenth(2)) await counted(() => enforcer.killSwitch(true, "incident 1"));
    if (i === tenth(2) + 7) await counted(() => enforcer.killSwitch(false, "incident 1 over"));
    if (i === tenth(4)) {
      // A reload from inside a running call: that call still ends on the old engine.
      now += 5000; // clear the rate windows so that this call surely runs
      extraCalls++;
      await enforcer.call("read_file", { path: "/reload" }, async () => {
        await counted(() => enforcer.reload(reloaded[0]!, "policy v2"));
        return "reloaded";
      });
    }
    if (i === tenth(6)) {
      await counted(() => enforcer.killSwitch(true));
      await counted(() => enforcer.reload(reloaded[1]!, "policy v3 while stopped")); // the kill switch carries over
    }
    if (i === tenth(6) + 5) await counted(() => enforcer.killSwitch(false));
  };
  const texts = ["hello", "' OR 1=1 --", "key sk-abcdef123 here", "x".repeat(500), "https://example.com", "plain"];
  for (let i = 0; i < n; i++) {
    now += rand(60);
    await act(i);
    const kind = rand(10);
    const tool = ["search_web", "transfer", "shell", "file_delete", "read_file", "calc"][rand(6)]!;
    const args = kind < 3 ? { q: texts[rand(texts.length)] } : tool === "transfer" ? { amount: rand(1500) - 100 } : { path: `/data/${i}` };
    const cost = kind === 9 ? { costEstimateUsd: rand(80) / 100 } : {};
    await enforcer
      .call(
        tool,
        args,
        (a: unknown, ctx) => {
          if (kind === 4) throw new Error("tool failed");
          if (kind === 5) ctx.reportCost(0.01);
          return kind === 6 ? { out: "sk-zzzzzz9 leaked" } : { ok: a };
        },
        cost,
      )
      .catch(() => {});
  }
  await trail.close();
  return { path, journal, bundle, bundleFile, calls: n + extraCalls, reloaded, controls };
}
