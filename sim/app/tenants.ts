/**
 * Tenants as a workload dimension: a workload with `tenants` gives each request a tenant
 * (`CallContext.tenant`, carried to every replica that serves it), and the run keeps per-tenant
 * statistics (`tenantStats(ctx)`: requests, availability, latency, share of what was served).
 *
 * The fault kind `poison-pill` makes one tenant's requests crash the process of every replica
 * that receives one, for `for` (a request type that trips a bug); with a long restart delay the
 * replicas it reached stay down. Patterns that use the tenant are in `faultline/patterns`
 * (`shuffleSharding`, `plainSharding`, `perTenantRateLimit`, `fairQueue`).
 */
import { InputError } from '../kernel/errors.ts';
import type { Random } from '../kernel/random.ts';
import { Histogram, percentile } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { FaultKindSpec } from '../faults/plan.ts';
import type { World } from '../world/world.ts';

/**
 * Who sends: a number of tenants (named `tenant-0` … `tenant-<n-1>`, or with your `prefix`), a
 * list of names, or names with weights (a tenant's share of the workload's requests).
 */
export type TenantMix = number | readonly string[] | { count?: number; prefix?: string; names?: readonly string[]; weights?: readonly number[] };

/** Picks each request's tenant from a workload's `TenantMix` (made by `tenantPicker`). */
export interface TenantPicker {
  readonly names: readonly string[];
  pick(rng: Random): string;
}

/** Validates a workload's `tenants` and returns its picker. */
export function tenantPicker(mix: TenantMix, where: string): TenantPicker {
  let names: string[];
  let weights: number[] | undefined;
  if (typeof mix === 'number') names = countNames(mix, 'tenant-', where);
  else if (Array.isArray(mix)) names = [...(mix as readonly string[])];
  else if (mix && typeof mix === 'object') {
    const m = mix as Exclude<TenantMix, number | readonly string[]>;
    for (const k of Object.keys(m)) if (!['count', 'prefix', 'names', 'weights'].includes(k)) throw new InputError(`${where}.tenants: unknown key ${JSON.stringify(k)}; valid keys: count, prefix, names, weights`);
    if ((m.count === undefined) === (m.names === undefined)) throw new InputError(`${where}.tenants: give count or names`);
    names = m.names !== undefined ? [...m.names] : countNames(m.count!, m.prefix ?? 'tenant-', where);
    if (m.weights !== undefined) {
      if (!Array.isArray(m.weights) || m.weights.length !== names.length || m.weights.some((w) => typeof w !== 'number' || !(w > 0) || w > 1e9)) {
        throw new InputError(`${where}.tenants.weights: give one positive weight per tenant (${names.length})`);
      }
      weights = [...m.weights];
    }
  } else throw new InputError(`${where}.tenants: give a number of tenants, a list of names, or { count | names, weights }`);
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n.length === 0)) throw new InputError(`${where}.tenants: tenant names must be non-empty strings, at least one`);
  if (new Set(names).size !== names.length) throw new InputError(`${where}.tenants: tenant names must be distinct`);
  if (weights === undefined) return { names, pick: (rng) => names[Math.floor(rng.next() * names.length)]! };
  const cum: number[] = [];
  let total = 0;
  for (const w of weights) cum.push((total += w));
  return {
    names,
    pick(rng) {
      const x = rng.next() * total;
      let lo = 0;
      let hi = cum.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return names[lo]!;
    },
  };
}

function countNames(n: number, prefix: string, where: string): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new InputError(`${where}.tenants: ${JSON.stringify(n)} is not valid; use an integer in [1, 1000000]`);
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

// ---------------------------------------------------------------- statistics

interface TenantRecord {
  requests: number;
  ok: number;
  latency: Histogram;
}

/** Per-tenant outcomes of a run's workloads. */
export class TenantStats {
  private readonly byTenant = new Map<string, TenantRecord>();
  private okTotal = 0;

  /** @internal a finished request of `tenant`. */
  record(tenant: string, ok: boolean, latencyUs: number): void {
    let r = this.byTenant.get(tenant);
    if (r === undefined) {
      r = { requests: 0, ok: 0, latency: new Histogram() };
      this.byTenant.set(tenant, r);
    }
    r.requests++;
    if (ok) {
      r.ok++;
      this.okTotal++;
      r.latency.record(latencyUs);
    }
  }

  /** Tenants that sent at least one request, in the order they first finished one. */
  tenants(): string[] {
    return [...this.byTenant.keys()];
  }

  requests(tenant: string): number {
    return this.byTenant.get(tenant)?.requests ?? 0;
  }

  /** Share of the tenant's requests that succeeded (1 when it sent none). */
  availability(tenant: string): number {
    const r = this.byTenant.get(tenant);
    return r === undefined || r.requests === 0 ? 1 : r.ok / r.requests;
  }

  /** A latency percentile (ms) of the tenant's successful requests; NaN when none succeeded. */
  latencyMs(tenant: string, q: number): number {
    const r = this.byTenant.get(tenant);
    return r === undefined || r.ok === 0 ? NaN : percentile(r.latency, q) / 1000;
  }

  /** The tenant's share of all successful requests (of capacity used). */
  share(tenant: string): number {
    return this.okTotal === 0 ? 0 : (this.byTenant.get(tenant)?.ok ?? 0) / this.okTotal;
  }

  /** Pooled availability and latency of every tenant but `except`. */
  others(except: readonly string[]): { requests: number; availability: number; latencyMsP99: number } {
    const h = new Histogram();
    let requests = 0;
    let ok = 0;
    for (const [t, r] of this.byTenant) {
      if (except.includes(t)) continue;
      requests += r.requests;
      ok += r.ok;
      h.merge(r.latency);
    }
    return { requests, availability: requests === 0 ? 1 : ok / requests, latencyMsP99: ok === 0 ? NaN : percentile(h, 0.99) / 1000 };
  }
}

const STATS = new WeakMap<RequestStats, TenantStats>();

/** The run's per-tenant statistics (`build`'s or a check's `requests`, or the build context). */
export function tenantStats(ctx: { requests: RequestStats } | RequestStats): TenantStats {
  const requests = 'requests' in ctx && typeof (ctx as { requests: unknown }).requests === 'object' ? (ctx as { requests: RequestStats }).requests : (ctx as RequestStats);
  let s = STATS.get(requests);
  if (s === undefined) {
    s = new TenantStats();
    STATS.set(requests, s);
  }
  return s;
}

// ---------------------------------------------------------------- the poison pill

/** The `poison-pill` fault kind (applied by the app layer, not the world). */
export const poisonPillFaultKind: FaultKindSpec = {
  kind: 'poison-pill',
  description:
    'A tenant sends a request that crashes the process of every replica it reaches (a query that trips a bug), for `for` or to the end; the supervisor restarts a crashed replica after its restart delay, and the next such request crashes it again. The failure shuffle sharding contains (AWS Builders’ Library, "Workload isolation using shuffle-sharding").',
  fields: { tenant: { type: 'string', required: true, description: 'the tenant whose requests crash their server' } },
  duration: 'optional',
  example: { at: '5s', kind: 'poison-pill', tenant: 'tenant-0', for: '30s' },
};

const POISONED = new WeakMap<World, Set<string>>();

/** @internal true when `tenant`'s requests crash the replicas of `world` right now. */
export function isPoisoned(world: World, tenant: string): boolean {
  if (tenant === '') return false;
  return POISONED.get(world)?.has(tenant) ?? false;
}

/** @internal installs the world's `poison-pill` handler (once per world). */
export function handlePoisonPills(world: World): void {
  if (POISONED.has(world)) return;
  const set = new Set<string>();
  POISONED.set(world, set);
  world.handleFaults('poison-pill', (entry) => {
    const tenant = String(entry.tenant);
    set.add(tenant);
    if (entry.for !== undefined) world.sim.schedule(Number(entry.for), () => void set.delete(tenant), null);
  });
}
