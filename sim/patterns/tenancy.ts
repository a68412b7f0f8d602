/**
 * Isolation between tenants: who a request belongs to is `CallContext.tenant` (set by a workload
 * with `tenants`), and these patterns use it.
 *
 * - `shuffleSharding` / `plainSharding`: replica pickers that send each tenant only to its shard.
 *   Plain sharding cuts the replicas into fixed groups of `shardSize` and gives each tenant one
 *   group; shuffle sharding gives each tenant its own random combination of `shardSize` replicas
 *   (AWS Builders' Library, "Workload isolation using shuffle-sharding": with 8 workers and shards
 *   of 2 there are C(8,2) = 28 shards, so a tenant that takes down its own shard fully takes down
 *   only 1/28 of the others, against 1/4 with 4 plain shards). A tenant's shard is drawn from a
 *   random stream keyed by the tenant's name: the same tenant gets the same shard in every run of
 *   a seed, whatever other tenants exist.
 * - `perTenantRateLimit`: a token bucket per tenant, with Envoy's local rate limit names
 *   (`token_bucket { max_tokens, tokens_per_fill, fill_interval }`, one bucket per descriptor
 *   value); over the limit a request is refused at once (`rate-limited`, Envoy's 429).
 * - `fairQueue`: deficit round robin across tenants (Shreedhar & Varghese, "Efficient Fair
 *   Queuing using Deficit Round Robin", SIGCOMM 1995) in front of a call with `concurrency` slots:
 *   each backlogged tenant's queue gets `quantum × weight` requests per round, so a tenant that
 *   offers ten times its share waits in its own queue and the others keep their share. Kubernetes
 *   API Priority and Fairness queues requests the same way (fair queuing per flow).
 */
import { InputError } from '../kernel/errors.ts';
import type { Random, RandomStreams } from '../kernel/random.ts';
import type { Simulation } from '../kernel/sim.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import { ErrorKinds, rejection, type Call, type CallContext, type Done, type Outcome, type Policy } from './call.ts';
import { checkKnown, type Opts } from './options.ts';

// ---------------------------------------------------------------- sharding

/** Options of `shuffleSharding` and `plainSharding`. */
export interface ShardingOptions {
  /** Replicas per tenant (AWS: "shard size"). */
  shardSize: number;
  /** Names the random streams (default "shards"). */
  name?: string;
  random: RandomStreams;
}

/** A replica picker that keeps each tenant on its shard (`ReplicaPicker` of the app layer). */
export interface ShardPicker {
  readonly kind: 'shuffle-sharding' | 'plain-sharding';
  /** The tenant's replicas (sorted), out of `replicas`. */
  shardOf(tenant: string, replicas: readonly string[]): readonly string[];
  pick(ctx: CallContext, replicas: readonly string[]): string | null;
}

function shardSizeOf(o: ShardingOptions, what: string): number {
  if (!o || typeof o !== 'object') throw new InputError(`${what}: give { shardSize }`);
  checkKnown(what, o as unknown as Opts, ['shardSize', 'name', 'random', 'sim', 'trace', 'metrics']);
  const k = o.shardSize;
  if (!Number.isInteger(k) || k < 1 || k > 10_000) throw new InputError(`${what}: shardSize=${JSON.stringify(k)} is not valid; use an integer in [1, 10000]`);
  if (!o.random || typeof (o.random as RandomStreams).get !== 'function') throw new InputError(`${what}: random is required (the run's random streams)`);
  return k;
}

function makePicker(kind: ShardPicker['kind'], o: ShardingOptions, assign: (rng: Random, replicas: readonly string[], k: number) => string[]): ShardPicker {
  const k = shardSizeOf(o, kind);
  const name = o.name ?? 'shards';
  const shards = new Map<string, readonly string[]>();
  const turn = new Map<string, number>();
  let lastReplicas: readonly string[] | null = null;
  const shardOf = (tenant: string, replicas: readonly string[]): readonly string[] => {
    if (replicas !== lastReplicas) {
      // a different replica list (another service, or scaled): assignments are per list
      if (lastReplicas !== null && (replicas.length !== lastReplicas.length || replicas.some((r, i) => r !== lastReplicas![i]))) shards.clear();
      lastReplicas = replicas;
    }
    let s = shards.get(tenant);
    if (s === undefined) {
      if (k > replicas.length) throw new InputError(`${kind}: shardSize ${k} is more than the ${replicas.length} replicas`);
      s = assign(o.random.get(`${kind}/${name}/${tenant}`), replicas, k).sort();
      shards.set(tenant, s);
    }
    return s;
  };
  return {
    kind,
    shardOf,
    pick(ctx, replicas) {
      if (replicas.length === 0) return null;
      const members = ctx.tenant === '' ? replicas : shardOf(ctx.tenant, replicas);
      // round robin within the shard, per tenant; a retry (attempt 2, 3, …) goes to the next member
      const t = turn.get(ctx.tenant) ?? 0;
      turn.set(ctx.tenant, t + 1);
      return members[t % members.length] ?? null;
    },
  };
}

/** Each tenant on its own random combination of `shardSize` replicas. */
export function shuffleSharding(o: ShardingOptions): ShardPicker {
  return makePicker('shuffle-sharding', o, (rng, replicas, k) => {
    // a uniform k-subset: the first k of a Fisher–Yates shuffle
    const xs = [...replicas];
    for (let i = 0; i < k; i++) {
      const j = rng.int(i, xs.length - 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs.slice(0, k);
  });
}

/** The replicas cut into fixed groups of `shardSize` (the last may be smaller); each tenant gets one group at random. */
export function plainSharding(o: ShardingOptions): ShardPicker {
  return makePicker('plain-sharding', o, (rng, replicas, k) => {
    const groups = Math.ceil(replicas.length / k);
    const g = rng.int(0, groups - 1);
    return replicas.slice(g * k, g * k + k);
  });
}

// ---------------------------------------------------------------- per-tenant rate limit

/** Options of `perTenantRateLimit` (Envoy local rate limit names). */
export interface PerTenantRateLimitOptions {
  sim: Simulation;
  metrics?: Metrics;
  name?: string;
  /** Envoy token_bucket.max_tokens: the bucket size (burst). */
  max_tokens: number;
  /** Envoy token_bucket.tokens_per_fill (default 1). */
  tokens_per_fill?: number;
  /** Envoy token_bucket.fill_interval, such as "100ms". */
  fill_interval: Duration;
  /** Per-tenant overrides of max_tokens and tokens_per_fill (Envoy descriptors with their own buckets). */
  descriptors?: Record<string, { max_tokens: number; tokens_per_fill?: number }>;
}

/** One token bucket per tenant; a request without tokens is refused with `rate-limited`. */
export function perTenantRateLimit(o: PerTenantRateLimitOptions): Policy & { tokens(tenant: string): number } {
  const what = 'perTenantRateLimit';
  checkKnown(what, o as unknown as Opts, ['sim', 'trace', 'random', 'metrics', 'name', 'max_tokens', 'tokens_per_fill', 'fill_interval', 'descriptors']);
  const positive = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1e9) throw new InputError(`${what}: ${field}=${JSON.stringify(v)} is not valid; use a number in (0, 1e9]`);
    return v;
  };
  const max = positive(o.max_tokens, 'max_tokens');
  const perFill = positive(o.tokens_per_fill ?? 1, 'tokens_per_fill');
  const intervalUs = parseDuration(o.fill_interval, `${what}.fill_interval`);
  if (intervalUs <= 0) throw new InputError(`${what}: fill_interval must be > 0`);
  const overrides = new Map(Object.entries(o.descriptors ?? {}).map(([t, d]) => [t, { max: positive(d.max_tokens, `descriptors.${t}.max_tokens`), perFill: positive(d.tokens_per_fill ?? perFill, `descriptors.${t}.tokens_per_fill`) }]));
  const name = o.name ?? 'tenant-rate-limit';
  const buckets = new Map<string, { tokens: number; filledAt: number }>();
  const sim = o.sim;
  const refill = (tenant: string): { tokens: number; filledAt: number } => {
    const cfg = overrides.get(tenant) ?? { max, perFill };
    let b = buckets.get(tenant);
    if (b === undefined) {
      b = { tokens: cfg.max, filledAt: sim.now - (sim.now % intervalUs) };
      buckets.set(tenant, b);
    }
    // Envoy adds tokens_per_fill at every fill_interval tick, up to max_tokens
    const ticks = Math.floor((sim.now - b.filledAt) / intervalUs);
    if (ticks > 0) {
      b.tokens = Math.min(cfg.max, b.tokens + ticks * cfg.perFill);
      b.filledAt += ticks * intervalUs;
    }
    return b;
  };
  const limited = rejection(ErrorKinds.rateLimited);
  return {
    kind: 'tenant-rate-limit',
    name,
    tokens: (tenant) => refill(tenant).tokens,
    execute(ctx: CallContext, call: Call, done: Done) {
      const b = refill(ctx.tenant);
      if (b.tokens < 1) {
        o.metrics?.counter(`tenant-rate-limit.${name}.limited`).inc();
        done(limited);
        return;
      }
      b.tokens -= 1;
      call(ctx, done);
    },
  };
}

// ---------------------------------------------------------------- fair queuing

/** Options of `fairQueue` (deficit round robin across tenants). */
export interface FairQueueOptions {
  sim: Simulation;
  metrics?: Metrics;
  name?: string;
  /** Calls in flight at once (the server's workers behind the queue). */
  concurrency: number;
  /** Requests a backlogged tenant may send per round, times its weight (default 1). */
  quantum?: number;
  /** Per-tenant weights (default 1 each). */
  weights?: Record<string, number>;
  /** Requests a tenant may have waiting; beyond it a request is shed (default 1000). */
  queueLimitPerTenant?: number;
}

interface Waiting {
  ctx: CallContext;
  call: Call;
  done: Done;
  enqueuedUs: number;
}

interface TenantQueue {
  tenant: string;
  items: Waiting[];
  head: number;
  deficit: number;
  active: boolean;
}

/** Deficit round robin across tenants (each request costs 1) in front of `concurrency` slots. */
export function fairQueue(o: FairQueueOptions): Policy & { readonly inFlight: number; waiting(tenant?: string): number } {
  const what = 'fairQueue';
  checkKnown(what, o as unknown as Opts, ['sim', 'trace', 'random', 'metrics', 'name', 'concurrency', 'quantum', 'weights', 'queueLimitPerTenant']);
  const int = (v: unknown, field: string, lo: number, hi: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new InputError(`${what}: ${field}=${JSON.stringify(v)} is not valid; use an integer in [${lo}, ${hi}]`);
    return v;
  };
  const concurrency = int(o.concurrency, 'concurrency', 1, 1_000_000);
  const quantum = o.quantum === undefined ? 1 : int(o.quantum, 'quantum', 1, 1_000_000);
  const limit = o.queueLimitPerTenant === undefined ? 1000 : int(o.queueLimitPerTenant, 'queueLimitPerTenant', 0, 10_000_000);
  const weights = o.weights ?? {};
  for (const [t, w] of Object.entries(weights)) if (typeof w !== 'number' || !(w > 0) || w > 1e6) throw new InputError(`${what}: weights.${t}=${JSON.stringify(w)} is not valid; use a number in (0, 1e6]`);
  const name = o.name ?? 'fair-queue';
  const queues = new Map<string, TenantQueue>();
  /** The active list of DRR: backlogged tenants in round order. */
  const active: TenantQueue[] = [];
  let cursor = 0;
  let inFlight = 0;
  const shed = rejection(ErrorKinds.shed);
  const sim = o.sim;

  const start = (w: Waiting): void => {
    inFlight++;
    w.call(w.ctx, (outcome: Outcome) => {
      inFlight--;
      w.done(outcome);
      dispatch();
    });
  };
  const length = (q: TenantQueue): number => q.items.length - q.head;
  /** DRR: visit active tenants in turn; each visit adds quantum × weight to the deficit and sends while it lasts. */
  const dispatch = (): void => {
    while (inFlight < concurrency && active.length > 0) {
      if (cursor >= active.length) cursor = 0;
      const q = active[cursor]!;
      if (q.deficit < 1) q.deficit += quantum * (weights[q.tenant] ?? 1);
      const w = q.items[q.head]!;
      q.items[q.head++] = undefined as never;
      q.deficit -= 1;
      if (length(q) === 0) {
        // an emptied queue leaves the round and keeps no credit (DRR resets its deficit)
        q.items.length = 0;
        q.head = 0;
        q.deficit = 0;
        q.active = false;
        active.splice(cursor, 1);
      } else if (q.deficit < 1) cursor++;
      if (w.ctx.cancelled || w.ctx.expired) {
        // given up while it waited: its caller's deadline passed, or an enclosing policy cancelled it
        w.done(rejection(w.ctx.cancelled ? w.ctx.cancelReason : ErrorKinds.deadlineExceeded));
        continue;
      }
      o.metrics?.histogram(`fair-queue.${name}.waitUs`).record(sim.now - w.enqueuedUs);
      start(w);
    }
  };
  return {
    kind: 'fair-queue',
    name,
    get inFlight() {
      return inFlight;
    },
    waiting(tenant?: string) {
      if (tenant !== undefined) {
        const q = queues.get(tenant);
        return q ? length(q) : 0;
      }
      let n = 0;
      for (const q of active) n += length(q);
      return n;
    },
    execute(ctx: CallContext, call: Call, done: Done) {
      if (inFlight < concurrency && active.length === 0) {
        start({ ctx, call, done, enqueuedUs: sim.now });
        return;
      }
      let q = queues.get(ctx.tenant);
      if (q === undefined) {
        q = { tenant: ctx.tenant, items: [], head: 0, deficit: 0, active: false };
        queues.set(ctx.tenant, q);
      }
      if (length(q) >= limit) {
        o.metrics?.counter(`fair-queue.${name}.shed`).inc();
        done(shed);
        return;
      }
      q.items.push({ ctx, call, done, enqueuedUs: sim.now });
      if (!q.active) {
        q.active = true;
        // a newly backlogged tenant joins the end of the round
        active.push(q);
      }
      dispatch();
    },
  };
}
