/**
 * Runs one scenario once, in one mode: `control` (tools called straight, as an agent framework
 * with no enforcement would) or `enforced` (every call through `createEnforcer`, every record
 * collected from the `audit` option).
 */
import type { CallOptions, CallRecord, Tool, ToolContext } from "../core/enforcer.js";
import type { CompiledBundle } from "../engine/bundle-format.js";
import { compilePolicyObject, createEnforcer, type Enforcer, EnforceCoreError, type Policy } from "../hosts/node/index.js";
import { REFERENCE_POLICY } from "./policies.js";
import { makeTools } from "./tools.js";
import type { AgentOptions, Attempt, Caller, Effect, PolicyObject, RunContext, Scenario } from "./types.js";
import { createWorld } from "./world.js";

const bundles = new Map<string, CompiledBundle>();

/** A policy to run under: a policy document (object) or an already compiled bundle (e.g. from a YAML file). */
export type PolicySpec = PolicyObject | CompiledBundle;

function isBundle(p: PolicySpec): p is CompiledBundle {
  return (p as CompiledBundle).bytes instanceof Uint8Array && typeof (p as CompiledBundle).digest === "string";
}

export function policyName(p: PolicySpec): string {
  return isBundle(p) ? p.meta.policy.name : p.name;
}

/** Compiles a policy object once per process (compiling the reference policy takes a few hundred ms). */
export function bundleFor(policy: PolicySpec): CompiledBundle {
  if (isBundle(policy)) return policy;
  const key = JSON.stringify(policy);
  let b = bundles.get(key);
  if (!b) {
    b = compilePolicyObject(policy as Parameters<typeof compilePolicyObject>[0]);
    bundles.set(key, b);
  }
  return b;
}

export interface RunOutput extends Effect {
  readonly calls: number;
  readonly records: readonly CallRecord[];
  readonly durationMs: number;
}

function codeOf(err: unknown): string {
  if (err instanceof EnforceCoreError) return err.code;
  return err instanceof Error ? `tool_error:${err.name}` : "tool_error";
}

/** The context a tool gets when nothing enforces the call (the policy is there for tools that read it). */
function bareContext(tool: string, policy: Policy, call: Caller["call"]): ToolContext {
  return { callId: globalThis.crypto.randomUUID(), tool, tenant: null, policy, signal: new AbortController().signal, reportCost: () => {}, call: (t, a, f, o) => call(t, a, f, o) };
}

function controlCaller(counter: { calls: number }, policy: Policy): Caller {
  const call = async <A, R>(tool: string, args: A, fn: Tool<A, R>): Promise<Awaited<R>> => {
    counter.calls++;
    return await fn(args, bareContext(tool, policy, call as Caller["call"]));
  };
  return withAttempt(call as Caller["call"], <A, R>(fn: Tool<A, R>) => (args: A) => call(fn.name, args, fn));
}

/** Counts the nested calls a tool makes through `ctx.call` too (each must leave its own record). */
function counting<A, R>(fn: Tool<A, R>, counter: { calls: number }): Tool<A, R> {
  const wrapped = (args: A, ctx: ToolContext) =>
    fn(args, {
      ...ctx,
      call: (t, a, f, o) => {
        counter.calls++;
        return ctx.call(t, a, counting(f, counter), o);
      },
    });
  Object.defineProperty(wrapped, "name", { value: fn.name });
  return wrapped;
}

function enforcedCaller(enforcer: Enforcer, counter: { calls: number }): Caller {
  const call = <A, R>(tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Awaited<R>> => {
    counter.calls++;
    return enforcer.call(tool, args, counting(fn, counter), options);
  };
  const wrap = <A, R>(fn: Tool<A, R>) => {
    const w = enforcer.wrap(counting(fn, counter));
    return (args: A) => {
      counter.calls++;
      return w(args);
    };
  };
  return withAttempt(call as Caller["call"], wrap as Caller["wrap"]);
}

function withAttempt(call: Caller["call"], wrap: Caller["wrap"]): Caller {
  return {
    call,
    wrap,
    async attempt<A, R>(tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Attempt<Awaited<R>>> {
      try {
        return { ok: true, value: await call(tool, args, fn, options) };
      } catch (error) {
        return { ok: false, error, code: codeOf(error) };
      }
    },
  };
}

/** Runs `scenario` once. `policy` is the policy the enforced run uses (scenario's, or an override). */
export async function runOnce(scenario: Scenario, mode: "control" | "enforced", policyFor: (p: PolicyObject) => PolicySpec): Promise<RunOutput> {
  const world = await createWorld();
  const started = performance.now();
  const counter = { calls: 0 };
  const records: CallRecord[] = [];
  const agents = new Map<string, Caller>();

  const makeAgent = (name: string, options: AgentOptions = {}): Caller => {
    const bundle = bundleFor(policyFor(options.policy ?? scenario.policy ?? REFERENCE_POLICY));
    if (mode === "control") return controlCaller(counter, bundle.meta.policy as Policy);
    const { auditFault, sink } = options;
    const enforcer = createEnforcer({
      policy: bundle,
      tenant: name,
      audit: {
        record: (r) => {
          records.push(r);
          if (auditFault?.(r)) throw new Error("audit store unavailable (injected by the scenario)");
          return sink?.record(r);
        },
      },
    });
    return enforcedCaller(enforcer, counter);
  };
  const main = makeAgent("main");
  const ctx: RunContext = {
    ...main,
    mode,
    world,
    tools: makeTools(world),
    records,
    agent(name, options) {
      let a = agents.get(name);
      if (!a) {
        a = makeAgent(name, options);
        agents.set(name, a);
      }
      return a;
    },
  };
  try {
    const effect = await scenario.run(ctx);
    // Calls whose tool outlived a timeout may still be finishing: let them settle before judging.
    await new Promise((r) => setTimeout(r, 0));
    return { ...effect, calls: counter.calls, records: [...records], durationMs: performance.now() - started };
  } finally {
    await world.close();
  }
}
