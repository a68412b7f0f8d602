/**
 * The modelling API bound to one run: what `build` receives besides `sim`, `params` and the rest,
 * so a scenario never passes the simulation, the tracer, the metrics or the random streams along.
 *
 *   build({ params, service, client, openLoop, retry }) {
 *     const db = service('db', { replicas: 2, endpoints: { query: { work: '5ms' } } });
 *     const api = service('api', { endpoints: { get: { calls: [client(db, 'query', { timeout: '50ms' })] } } });
 *     openLoop({ rate: '100/s', until: '30s', call: client(api, 'get') });
 *   }
 *
 * - `world(spec?)`: the nodes, zones and network (optional: services add the nodes they run on).
 *   Give it first; the world is built (network wired, fault plan applied) when `build` returns.
 * - `service(name, spec)`, `client(service, endpoint, options)`: the app layer (see their files).
 * - `openLoop`, `closedLoop`: workloads; a run without `untilUs` ends when they end and drain.
 * - `every(interval, fn)`: a background sampler; `at(time, fn)`, `after(delay, fn)`: one-shot.
 * - `resource(capacity)`: counted slots with a waiting line, for a model written below the app layer.
 * - every pattern of `faultline/patterns` (`retry`, `circuitBreaker`, `loadBalancer`, …) with the
 *   run's context bound: give only the pattern's own options (and `name`/`node` if you like).
 */
import { InputError } from '../kernel/errors.ts';
import type { RandomStreams } from '../kernel/random.ts';
import { Resource, type QueueDiscipline } from '../kernel/resource.ts';
import type { Simulation } from '../kernel/sim.ts';
import { expectObject } from '../kernel/suggest.ts';
import { parseDuration, type Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { RequestStats } from '../observe/requests.ts';
import type { Tracer } from '../observe/trace.ts';
import { aimdLimit, concurrencyLimiter, gradient2Limit } from '../patterns/adaptive-concurrency.ts';
import { adaptiveThrottling } from '../patterns/adaptive-throttling.ts';
import { horizontalPodAutoscaler, replicaSet, targetTracking } from '../patterns/autoscaler.ts';
import { awsStandardBackoff, constantBackoff, envoyBackoff, exponentialBackoff, grpcBackoff } from '../patterns/backoff.ts';
import { bulkhead } from '../patterns/bulkhead.ts';
import { circuitBreaker } from '../patterns/circuit-breaker.ts';
import { pipeline, wrap } from '../patterns/compose.ts';
import { fallback, serveStaleCache } from '../patterns/degradation.ts';
import { primaryBackup } from '../patterns/failover.ts';
import { failureDetectorMonitor, heartbeatFailureDetector, phiAccrualFailureDetector } from '../patterns/failure-detector.ts';
import { featureFlags } from '../patterns/feature-flags.ts';
import { hedging } from '../patterns/hedging.ts';
import { leaderLease } from '../patterns/lease.ts';
import { opossumBreaker, hystrixBreaker, pollyBreaker } from '../patterns/library-breakers.ts';
import { loadBalancer } from '../patterns/load-balancer.ts';
import { loadShedder } from '../patterns/load-shedding.ts';
import { quorumKv } from '../patterns/quorum-kv.ts';
import { rateLimiter } from '../patterns/rate-limiter.ts';
import { awsRetryQuota, envoyMaxRetries, envoyRetryBudget, grpcRetryThrottling } from '../patterns/retry-budget.ts';
import { awsStandardRetry, envoyRetry, grpcRetry, resilience4jRetry, retry } from '../patterns/retry.ts';
import { timeLimiter, deadline } from '../patterns/timeout.ts';
import { tokenBucket } from '../patterns/token-bucket.ts';
import { fairQueue, perTenantRateLimit, plainSharding, shuffleSharding } from '../patterns/tenancy.ts';
import { tenantStats, type TenantStats } from './tenants.ts';
import type { FaultLike } from '../world/faults.ts';
import { World, type WorldSpec } from '../world/world.ts';
import { lockTable, type LockTable, type LockTableOptions } from '../world/locks.ts';
import { Client, type ClientSpec } from './client.ts';
import { RunEnd } from './run-end.ts';
import { App, type ServiceSpec, type Service } from './service.ts';
import { closedLoop, openLoop, type ClosedLoopOptions, type OpenLoopOptions } from './workload.ts';
import { Operations, probe, type Probe, type ProbeSpec, type RunbookActionHandler } from './probes.ts';

/** What the modelling API needs from the run. */
export interface ModellingContext {
  readonly sim: Simulation;
  readonly random: RandomStreams;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  readonly requests: RequestStats;
  readonly faults: readonly FaultLike[];
}

type EnvKey = 'sim' | 'trace' | 'metrics' | 'random';
/** A builder with the run's context bound: it takes only the pattern's own options. */
export type BoundBuilder<F> = F extends (options: infer O) => infer R ? (options: Omit<O, EnvKey>) => R : never;
type BoundOptional<F> = F extends (options?: infer O) => infer R ? (options?: Omit<NonNullable<O>, EnvKey>) => R : never;
type WorldBound<F> = F extends (options: infer O) => infer R ? (options: Omit<O, 'world'>) => R : never;

/** A service spec without its name (the name is `service`'s first argument). */
export type ServiceDecl<E extends string> = Omit<ServiceSpec<E>, 'name'>;

/** A handle on a periodic background timer made with `every`. */
export interface Every {
  stop(): void;
}

/** The modelling API of one run (the part of `BuildContext` that builds the model). */
export interface Modelling {
  /**
   * The world: its nodes, zones, racks, network and disks. Optional, and given at most once,
   * before any service: services add the nodes they run on. Without `spec`, returns the world.
   */
  world(spec?: WorldSpec): World;
  /** A service on nodes of the world, with endpoints (see `ServiceSpec`). */
  service<E extends string>(name: string, spec: ServiceDecl<E>): Service<E>;
  /** How to call `endpoint` of `service`: timeout, load balancer and policies (see `ClientSpec`). */
  client<E extends string>(service: Service<E>, endpoint: NoInfer<E>, options?: ClientSpec): Client<E>;
  /** Open-loop Poisson arrivals (see `OpenLoopOptions`). */
  openLoop(options: OpenLoopOptions): { readonly sent: number };
  /** A fixed population of users with think time (see `ClosedLoopOptions`). */
  closedLoop(options: ClosedLoopOptions): { readonly sent: number };
  /** Run `fn` every `interval` from `interval` on, in the background: it does not keep the run alive. */
  every(interval: Duration, fn: () => void): Every;
  /** Run `fn` once at simulated time `time` ("3s"). */
  at(time: Duration, fn: () => void): void;
  /** Run `fn` once `delay` from now. */
  after(delay: Duration, fn: () => void): void;
  /**
   * `capacity` slots with a waiting line (FIFO, or newest first with `'lifo'`) on the run's
   * simulation: the kernel's `Resource`, for a model written below the app layer (a queue checked
   * against queueing theory) that still wants nothing passed along by hand.
   */
  resource(capacity: number, discipline?: QueueDiscipline): Resource;
  /** A synthetic probe: a flow of steps run on a schedule from probe locations (see `ProbeSpec`). */
  probe(spec: ProbeSpec): Probe;
  /**
   * How the runbook action `kind` (`failover`, `scale-out`, `shed-load`, or any of the built-in
   * ones, which it then replaces) is carried out in this model; see docs/ALERTING.md.
   */
  runbookAction(kind: string, fn: RunbookActionHandler): void;
  /** A table of mutexes or read-write locks by key, on a node or on none (see `LockTableOptions`); take them in handlers with `lockSession`. */
  lockTable(options: LockTableOptions): LockTable;

  timeLimiter: BoundBuilder<typeof timeLimiter>;
  deadline: BoundBuilder<typeof deadline>;
  retry: BoundBuilder<typeof retry>;
  resilience4jRetry: BoundBuilder<typeof resilience4jRetry>;
  grpcRetry: BoundBuilder<typeof grpcRetry>;
  envoyRetry: BoundBuilder<typeof envoyRetry>;
  awsStandardRetry: BoundBuilder<typeof awsStandardRetry>;
  hedging: BoundBuilder<typeof hedging>;
  circuitBreaker: BoundBuilder<typeof circuitBreaker>;
  opossumBreaker: BoundBuilder<typeof opossumBreaker>;
  hystrixBreaker: BoundBuilder<typeof hystrixBreaker>;
  pollyBreaker: BoundBuilder<typeof pollyBreaker>;
  bulkhead: BoundBuilder<typeof bulkhead>;
  rateLimiter: BoundBuilder<typeof rateLimiter>;
  tokenBucket: BoundBuilder<typeof tokenBucket>;
  shuffleSharding: BoundBuilder<typeof shuffleSharding>;
  plainSharding: BoundBuilder<typeof plainSharding>;
  perTenantRateLimit: BoundBuilder<typeof perTenantRateLimit>;
  fairQueue: BoundBuilder<typeof fairQueue>;
  /** The run's per-tenant statistics (workloads with `tenants`). */
  tenantStats: () => TenantStats;
  loadShedder: BoundBuilder<typeof loadShedder>;
  adaptiveThrottling: BoundBuilder<typeof adaptiveThrottling>;
  concurrencyLimiter: BoundBuilder<typeof concurrencyLimiter>;
  loadBalancer: BoundBuilder<typeof loadBalancer>;
  failureDetectorMonitor: BoundBuilder<typeof failureDetectorMonitor>;
  fallback: BoundBuilder<typeof fallback>;
  serveStaleCache: BoundBuilder<typeof serveStaleCache>;
  featureFlags: (options: Omit<Parameters<typeof featureFlags>[0], 'sim' | 'trace' | 'world'>) => ReturnType<typeof featureFlags>;
  replicaSet: BoundBuilder<typeof replicaSet>;
  horizontalPodAutoscaler: BoundBuilder<typeof horizontalPodAutoscaler>;
  targetTracking: BoundBuilder<typeof targetTracking>;
  pipeline: (options: Omit<Parameters<typeof pipeline>[0], EnvKey>, ...policies: Parameters<typeof wrap>) => ReturnType<typeof pipeline>;
  primaryBackup: WorldBound<typeof primaryBackup>;
  quorumKv: WorldBound<typeof quorumKv>;
  leaderLease: WorldBound<typeof leaderLease>;
  // pure builders, here too so that everything a model is made of comes from one place
  wrap: typeof wrap;
  constantBackoff: typeof constantBackoff;
  exponentialBackoff: typeof exponentialBackoff;
  grpcBackoff: typeof grpcBackoff;
  envoyBackoff: typeof envoyBackoff;
  awsStandardBackoff: typeof awsStandardBackoff;
  grpcRetryThrottling: typeof grpcRetryThrottling;
  envoyRetryBudget: typeof envoyRetryBudget;
  envoyMaxRetries: typeof envoyMaxRetries;
  awsRetryQuota: typeof awsRetryQuota;
  aimdLimit: typeof aimdLimit;
  gradient2Limit: typeof gradient2Limit;
  heartbeatFailureDetector: typeof heartbeatFailureDetector;
  phiAccrualFailureDetector: BoundOptional<typeof phiAccrualFailureDetector>;
}

const ENV_KEYS: readonly EnvKey[] = ['sim', 'trace', 'metrics', 'random'];

/** The hidden part of a modelling API: what the runner drives. */
export interface ModellingRuntime {
  readonly api: Modelling;
  readonly runEnd: RunEnd;
  /** The world, if the model made one. */
  readonly currentWorld: World | null;
  /** The app, if the model declared a service. */
  readonly currentApp: App | null;
  /** How runbook actions work in this model (`runbookAction`). */
  readonly operations: Operations;
  /** Build the world (if any) when `build` has returned: wires the network, applies the plan. */
  seal(): void;
  /** @internal `createWorld(ctx, spec)` / `createApp(ctx, world)` on a build context share these. */
  adoptWorld(spec: WorldSpec): World;
  adoptApp(world: World): App | null;
}

export function createModelling(ctx: ModellingContext): ModellingRuntime {
  const { sim } = ctx;
  const runEnd = new RunEnd(sim);
  let theWorld: World | null = null;
  let theApp: App | null = null;
  const operations = new Operations();
  const env = { sim, trace: ctx.trace, metrics: ctx.metrics, random: ctx.random };
  const worldCtx = { sim, random: ctx.random, trace: ctx.trace, faults: ctx.faults };
  const appCtx = { sim, random: ctx.random, trace: ctx.trace, metrics: ctx.metrics, requests: ctx.requests, runEnd };
  const clientEnv = { ...env, attempt: (t: number, retry: boolean) => ctx.requests.attempt(t, retry) };

  const getWorld = (): World => (theWorld ??= new World(worldCtx, {}, { deferred: true }));
  const getApp = (): App => (theApp ??= new App(appCtx, getWorld()));

  function bind<O extends object, R>(name: string, build: (o: O) => R, background?: (o: O, r: R) => string | null): (o: Omit<O, EnvKey>) => R {
    return (o) => {
      expectObject(`${name}(options)`, o ?? {});
      for (const k of ENV_KEYS) {
        if (o && k in o) throw new InputError(`${name}: option ${k} is given by the build context; remove it`);
      }
      const full = { ...env, ...o } as unknown as O;
      const r = build(full);
      const bg = background?.(full, r);
      if (bg) runEnd.backgroundComponent(bg);
      return r;
    };
  }
  function bindWorld<O extends { world: World }, R>(name: string, build: (o: O) => R, heartbeats: boolean): (o: Omit<O, 'world'>) => R {
    return (o) => {
      expectObject(`${name}(options)`, o);
      if ('world' in o) throw new InputError(`${name}: option world is given by the build context; remove it`);
      const r = build({ ...o, world: getWorld() } as O);
      if (heartbeats) runEnd.backgroundComponent(`${name} (its heartbeats)`);
      return r;
    };
  }
  const label = (o: { name?: string; node?: string }, kind: string): string => `${kind}${o.name ? ` ${o.node ? `${o.node}/` : ''}${o.name}` : o.node ? ` on ${o.node}` : ''}`;

  const api: Modelling = {
    world(spec?: WorldSpec): World {
      if (spec === undefined) return getWorld();
      expectObject('world(spec)', spec, 'a world spec such as { nodes: ["a", "b"], network: { latency: "1ms" } }');
      if (theWorld !== null) {
        throw new InputError(
          theWorld.nodes.length > 0 || theApp !== null
            ? 'world(spec): give the world first, before any service or workload (they add their nodes to it)'
            : 'world(spec): the world is given once; call world() without a spec to get it',
        );
      }
      theWorld = new World(worldCtx, spec, { deferred: true });
      return theWorld;
    },
    service<E extends string>(name: string, spec: ServiceDecl<E>): Service<E> {
      if (typeof name !== 'string') {
        const hint = name && typeof name === 'object' && 'name' in (name as object) ? ` service(${JSON.stringify((name as { name: unknown }).name)}, { endpoints: … })` : ' service("api", { endpoints: { get: { work: "5ms" } } })';
        throw new InputError(`service(name, spec): the first argument is the service's name, such as${hint}`);
      }
      expectObject(`service(${JSON.stringify(name)}, spec)`, spec, 'a service spec such as { endpoints: { get: { work: "5ms" } } }');
      if ('name' in spec) throw new InputError(`service(${JSON.stringify(name)}, spec): the name is the first argument; remove name from the spec`);
      return getApp().service<E>({ ...spec, name } as ServiceSpec<E>);
    },
    client<E extends string>(service: Service<E>, endpoint: E, options: ClientSpec = {}): Client<E> {
      if (!(service && typeof service === 'object' && (service as Service<E>).app instanceof App)) {
        throw new InputError(
          `client(service, endpoint, options): the first argument is a service made by service(...)${typeof service === 'string' ? ` (got the string ${JSON.stringify(service)}: pass the service itself)` : ''}`,
        );
      }
      if (typeof endpoint !== 'string') throw new InputError(`client(${service.name}, endpoint): the endpoint is a name, one of ${[...service.endpoints.keys()].join(', ')}`);
      const c = new Client<E>(clientEnv, service, endpoint, options);
      if (options?.loadBalancer?.healthCheck !== undefined || options?.loadBalancer?.outlierDetection !== undefined) {
        runEnd.backgroundComponent(`the load balancer of client(${service.name}, ${JSON.stringify(endpoint)}) (health checks)`);
      }
      return c;
    },
    openLoop: (o) => openLoop(appCtx, o),
    closedLoop: (o) => closedLoop(appCtx, o),
    every(interval, fn) {
      const us = parseDuration(interval, 'every(interval)');
      if (us <= 0) throw new InputError('every(interval, fn): interval must be > 0, such as "100ms"');
      if (typeof fn !== 'function') throw new InputError('every(interval, fn): fn must be a function');
      runEnd.backgroundComponent('every(...)');
      let timer = -1;
      let stopped = false;
      const tick = (): void => {
        if (stopped) return;
        fn();
        if (!stopped) timer = sim.schedule(us, tick, null);
      };
      timer = sim.schedule(us, tick, null);
      return {
        stop() {
          stopped = true;
          sim.cancel(timer);
        },
      };
    },
    at(time, fn) {
      if (typeof fn !== 'function') throw new InputError('at(time, fn): fn must be a function');
      sim.at(Math.max(sim.now, parseDuration(time, 'at(time)')), fn, null);
    },
    after(delay, fn) {
      if (typeof fn !== 'function') throw new InputError('after(delay, fn): fn must be a function');
      sim.schedule(parseDuration(delay, 'after(delay)'), fn, null);
    },
    probe: (spec) => probe({ ...appCtx, world: getWorld() }, spec, (w) => runEnd.backgroundComponent(w)),
    runbookAction(kind, fn) {
      if (typeof kind !== 'string' || kind === '') throw new InputError('runbookAction(kind, fn): kind is the action\'s name, such as "failover"');
      if (typeof fn !== 'function') throw new InputError(`runbookAction(${JSON.stringify(kind)}, fn): fn must be a function (target, params) => void`);
      operations.actions.set(kind, fn);
    },
    lockTable: (o) => lockTable({ sim, trace: ctx.trace, metrics: ctx.metrics, world: getWorld() }, o),
    resource(capacity, discipline = 'fifo') {
      if (discipline !== 'fifo' && discipline !== 'lifo') throw new InputError(`resource(capacity, discipline): discipline ${JSON.stringify(discipline)} is not valid; use "fifo" or "lifo"`);
      return new Resource(sim, capacity, discipline);
    },

    timeLimiter: bind('timeLimiter', timeLimiter),
    deadline: bind('deadline', deadline),
    retry: bind('retry', retry),
    resilience4jRetry: bind('resilience4jRetry', resilience4jRetry),
    grpcRetry: bind('grpcRetry', grpcRetry),
    envoyRetry: bind('envoyRetry', envoyRetry),
    awsStandardRetry: bind('awsStandardRetry', awsStandardRetry),
    hedging: bind('hedging', hedging),
    circuitBreaker: bind('circuitBreaker', circuitBreaker),
    opossumBreaker: bind('opossumBreaker', opossumBreaker),
    hystrixBreaker: bind('hystrixBreaker', hystrixBreaker),
    pollyBreaker: bind('pollyBreaker', pollyBreaker),
    bulkhead: bind('bulkhead', bulkhead),
    rateLimiter: bind('rateLimiter', rateLimiter),
    tokenBucket: bind('tokenBucket', tokenBucket),
    shuffleSharding: bind('shuffleSharding', shuffleSharding),
    plainSharding: bind('plainSharding', plainSharding),
    perTenantRateLimit: bind('perTenantRateLimit', perTenantRateLimit),
    fairQueue: bind('fairQueue', fairQueue),
    tenantStats: () => tenantStats(ctx),
    loadShedder: bind('loadShedder', loadShedder),
    adaptiveThrottling: bind('adaptiveThrottling', adaptiveThrottling),
    concurrencyLimiter: bind('concurrencyLimiter', concurrencyLimiter),
    loadBalancer: bind('loadBalancer', loadBalancer, (o) => (o.healthCheck || o.outlierDetection ? `${label(o, 'load balancer')} (health checks)` : null)),
    failureDetectorMonitor: bind('failureDetectorMonitor', failureDetectorMonitor, (o) => `failure detector ${o.target}`),
    fallback: bind('fallback', fallback),
    serveStaleCache: bind('serveStaleCache', serveStaleCache),
    featureFlags: (o) => {
      expectObject('featureFlags(options)', o);
      for (const k of ['sim', 'trace', 'world']) if (k in o) throw new InputError(`featureFlags: option ${k} is given by the build context; remove it`);
      return featureFlags({ ...o, sim, trace: ctx.trace, world: getWorld() });
    },
    replicaSet: bind('replicaSet', replicaSet),
    horizontalPodAutoscaler: bind('horizontalPodAutoscaler', horizontalPodAutoscaler, (o) => label(o, 'horizontal pod autoscaler')),
    targetTracking: bind('targetTracking', targetTracking, (o) => label(o, 'target tracking')),
    pipeline: (o, ...policies) => bind('pipeline', (x: Parameters<typeof pipeline>[0]) => pipeline(x, ...policies))(o),
    primaryBackup: bindWorld('primaryBackup', primaryBackup, true),
    quorumKv: bindWorld('quorumKv', quorumKv, false),
    leaderLease: bindWorld('leaderLease', leaderLease, true),
    wrap,
    constantBackoff,
    exponentialBackoff,
    grpcBackoff,
    envoyBackoff,
    awsStandardBackoff,
    grpcRetryThrottling,
    envoyRetryBudget,
    envoyMaxRetries,
    awsRetryQuota,
    aimdLimit,
    gradient2Limit,
    heartbeatFailureDetector,
    phiAccrualFailureDetector,
  };

  return {
    api,
    runEnd,
    get currentWorld() {
      return theWorld;
    },
    get currentApp() {
      return theApp;
    },
    operations,
    seal() {
      theWorld?.seal();
    },
    adoptWorld(spec) {
      const w = api.world(spec);
      w.seal();
      return w;
    },
    adoptApp(world) {
      return world === theWorld ? getApp() : null;
    },
  };
}
