/**
 * What every host builds on: given how to make an engine (and, where the runtime can, how to
 * follow async call chains), the user-facing constructors. Written once for all runtimes.
 */
import type { CompiledBundle } from "../engine/bundle-format.js";
import type { Engine } from "../engine/engine.js";
import { type DepthTracker, Enforcer, type EnforcerOptions, type Tool, type CallOptions } from "./enforcer.js";
import { EnforceCoreError } from "./errors.js";

export type PolicySource = CompiledBundle | string | Record<string, unknown>;

export interface HostFacilities {
  readonly createEngine: () => Engine;
  /** Compiles a path (string) or a policy object; absent on edge hosts, which take bundles only. */
  readonly compile?: (source: string | Record<string, unknown>) => CompiledBundle;
  readonly depthTracker?: () => DepthTracker;
}

export type CreateEnforcerOptions = Omit<EnforcerOptions, "bundle" | "createEngine" | "depth"> & { readonly policy: PolicySource };

function isBundle(p: PolicySource): p is CompiledBundle {
  return typeof p === "object" && p !== null && (p as CompiledBundle).bytes instanceof Uint8Array && typeof (p as CompiledBundle).digest === "string";
}

export function defineHost(host: HostFacilities) {
  const toBundle = (policy: PolicySource): CompiledBundle => {
    if (isBundle(policy)) return policy;
    if (!host.compile) throw new EnforceCoreError("policy_load", "this runtime takes precompiled bundles only (enforcecore compile)");
    return host.compile(policy);
  };

  function createEnforcer(options: CreateEnforcerOptions): Enforcer {
    const { policy, ...rest } = options;
    return new Enforcer({ ...rest, bundle: toBundle(policy), createEngine: host.createEngine, ...(host.depthTracker ? { depth: host.depthTracker() } : {}) });
  }

  /** `enforce(fn, { policy, tool })`: the one-line way to protect a tool function. */
  function enforce<A, R>(fn: Tool<A, R>, options: CreateEnforcerOptions & { readonly tool?: string }): (args: A, callOptions?: CallOptions) => Promise<Awaited<R>> {
    const { tool, ...rest } = options;
    return createEnforcer(rest).wrap(fn, tool ?? fn.name);
  }

  /** One enforcer per tenant, each with its own policy and state; see MultiTenantEnforcer. */
  function multiTenant(base: Omit<CreateEnforcerOptions, "policy" | "tenant"> = {}, resolve?: (tenant: string) => PolicySource | undefined): MultiTenantEnforcer {
    return new MultiTenantEnforcer((policy, tenant) => createEnforcer({ ...base, policy, tenant }), resolve);
  }

  return { createEnforcer, enforce, multiTenant };
}

/**
 * One enforcer per tenant, each with its own policy and state (rate windows, budgets, kill
 * switch). Tenants are registered up front or resolved on first use.
 */
export class MultiTenantEnforcer {
  private readonly enforcers = new Map<string, Enforcer>();

  constructor(
    private readonly make: (policy: PolicySource, tenant: string) => Enforcer,
    private readonly resolve?: (tenant: string) => PolicySource | undefined,
  ) {}

  register(tenant: string, policy: PolicySource): Enforcer {
    if (!tenant) throw new EnforceCoreError("bad_request", "tenant id must not be empty");
    const e = this.make(policy, tenant);
    this.enforcers.set(tenant, e);
    return e;
  }

  unregister(tenant: string): boolean {
    return this.enforcers.delete(tenant);
  }

  get tenants(): string[] {
    return [...this.enforcers.keys()].sort();
  }

  for(tenant: string): Enforcer {
    const known = this.enforcers.get(tenant);
    if (known) return known;
    const policy = this.resolve?.(tenant);
    if (policy === undefined) throw new EnforceCoreError("policy_load", `no policy for tenant ${JSON.stringify(tenant)}`);
    return this.register(tenant, policy);
  }

  call<A, R>(tenant: string, tool: string, args: A, fn: Tool<A, R>, options?: CallOptions): Promise<Awaited<R>> {
    return this.for(tenant).call(tool, args, fn, options);
  }
}
