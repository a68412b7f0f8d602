/**
 * A client: how to call one endpoint of a service, declared once and used by whoever calls it.
 *
 *   const pay = client(payment, 'charge', {
 *     timeout: '100ms',
 *     loadBalancer: { healthCheck: { interval: '1s', timeout: '50ms', unhealthy_threshold: 2, healthy_threshold: 1 } },
 *     retry: { attemptsMax: 3, backoff: exponentialBackoff({ base: '10ms' }) },
 *     circuitBreaker: { failureRateThreshold: 50 },
 *   });
 *   service('frontend', { endpoints: { checkout: { calls: [pay] } } });   // each frontend replica calls it
 *   openLoop({ rate: '100/s', until: '30s', call: pay });                  // or a workload does
 *
 * A client is not tied to a caller: each node that calls it gets its own copy of its load balancer
 * and policies, as each process has its own Envoy sidecar or Resilience4j instances. An endpoint's
 * `calls`, a workload and `.at(node)` make that copy when they are declared, so health checks run
 * from the start; a handler's `h.call(client)` from a node with no copy yet makes one then.
 *
 * One attempt goes, outermost first, through: `fallback` › `cache` › your `policies` › `retry` ›
 * `circuitBreaker` › `rateLimiter` › `timeLimiter` › `bulkhead` › the load balancer (which picks a
 * replica; retries pick again) › the network call with its `timeout`. Retry › CircuitBreaker ›
 * RateLimiter › TimeLimiter › Bulkhead is Resilience4j's documented aspect order; the fallback and
 * the cache answer for the whole call; the load balancer is Envoy's, under the router's retries.
 */
import { InputError } from '../kernel/errors.ts';
import { RandomStreams } from '../kernel/random.ts';
import { Simulation } from '../kernel/sim.ts';
import { checkKeys, didYouMean, expectObject } from '../kernel/suggest.ts';
import type { Duration } from '../kernel/time.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { Tracer } from '../observe/trace.ts';
import { bulkhead, type Bulkhead, type BulkheadOptions } from '../patterns/bulkhead.ts';
import { newCallContext, type Call, type CallContext, type Done, type Policy } from '../patterns/call.ts';
import { circuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from '../patterns/circuit-breaker.ts';
import { wrap } from '../patterns/compose.ts';
import { fallback, serveStaleCache, type Fallback, type FallbackOptions, type ServeStaleCache, type ServeStaleCacheOptions } from '../patterns/degradation.ts';
import { loadBalancer, type Endpoint, type HealthCheckOptions, type HealthProbe, type LoadBalancer, type LoadBalancerOptions } from '../patterns/load-balancer.ts';
import { rateLimiter, type RateLimiter, type RateLimiterOptions } from '../patterns/rate-limiter.ts';
import { retry, type RetryOptions, type RetryPolicy } from '../patterns/retry.ts';
import { timeLimiter, type TimeLimiter, type TimeLimiterOptions } from '../patterns/timeout.ts';
import type { ReplicaPicker, Service } from './service.ts';

/** What the build context gives every pattern a client builds (never written by the user). */
type Env = 'sim' | 'trace' | 'metrics' | 'random';
/** A pattern's options as a client takes them: without the run's context, which the client binds. */
export type Bound<O> = Omit<O, Env>;

/**
 * Envoy `HealthCheck` as a client takes it. Which check runs, as in Envoy (one of):
 * - `tcp_health_check: {}` (the default): a connect to the replica's node, answered by its kernel
 *   while the process is alive, however slowly the application serves — a liveness check;
 * - `http_health_check: { path: 'health' }`: a request to that endpoint of the service, healthy
 *   when it succeeds within `timeout` — a readiness check that sees what requests see;
 * - `probe`: your own `(endpoint, done(healthy))`.
 *
 * `probe` with `tcp_health_check` or `http_health_check` is a gate in front of that check: it gets
 * the check as its third argument and calls it when it wants it, or answers itself (a slot with no
 * pod yet, or a draining instance, fails without a request on the wire):
 * `probe: (ep, done, check) => (ready(ep.id) ? check(ep, done) : done(false))`. (A probe alone
 * gets a `check` that answers healthy.)
 */
export interface ClientHealthCheck extends Omit<HealthCheckOptions, 'probe'> {
  probe?: (endpoint: Endpoint, done: (healthy: boolean) => void, check: HealthProbe) => void;
  tcp_health_check?: Record<string, never>;
  http_health_check?: { path: string };
}

/** Envoy cluster load balancing as a client takes it (the replicas are the service's). */
export interface ClientLoadBalancer extends Omit<Bound<LoadBalancerOptions>, 'endpoints' | 'healthCheck'> {
  healthCheck?: ClientHealthCheck;
}

/**
 * The options of `client(service, endpoint, spec)`: the per-attempt network `timeout`, an Envoy
 * `loadBalancer` (or your own `picker`), and the resilience policies every call goes through,
 * each with its real library's parameter names. Unknown keys, and each pattern's invalid
 * options, are rejected where the client is declared.
 */
export interface ClientSpec {
  /**
   * Per-attempt network timeout (a socket read timeout: the server is not told). A propagated
   * deadline still bounds it. Default: none (an hour, the model of "no timeout").
   */
  timeout?: Duration;
  /** An Envoy load balancer over the service's replicas (health checks, outlier detection). Default: round robin. */
  loadBalancer?: ClientLoadBalancer;
  /** Your own replica picker instead of a load balancer (the app's `ReplicaPicker`). */
  picker?: ReplicaPicker;
  /** Generic retry (`attemptsMax` counts the first call; backoff, budget, retryOn). */
  retry?: Bound<RetryOptions>;
  /** Resilience4j 2.x circuit breaker. */
  circuitBreaker?: Bound<CircuitBreakerOptions>;
  /** Resilience4j RateLimiter. */
  rateLimiter?: Bound<RateLimiterOptions>;
  /** Resilience4j TimeLimiter: a time limit per attempt that cancels it. */
  timeLimiter?: Bound<TimeLimiterOptions>;
  /** Resilience4j semaphore Bulkhead. */
  bulkhead?: Bound<BulkheadOptions>;
  /** Answer with a default (or the last good value) when the call fails: the outcome is marked degraded. */
  fallback?: Bound<FallbackOptions>;
  /** Serve from a cache while fresh, and stale on error (RFC 5861 `stale-if-error`). */
  cache?: Bound<ServeStaleCacheOptions>;
  /**
   * Policies of your own (outermost first), placed where `retry` would be (inside `fallback` and
   * `cache`, outside the rest). A list is shared by every caller; a function makes a list per
   * calling node.
   */
  policies?: readonly Policy[] | ((from: string) => readonly Policy[]);
  /** Count each attempt as a first try or a retry in the run's request series (the report's "first tries vs retries"). */
  countAttempts?: boolean;
  /** Instance name of the load balancer and policies (metric labels `<kind>.<caller>/<name>`). Default: the service's name. */
  name?: string;
}

/** One caller's copy of a client: its call and the pattern instances it goes through. */
export interface BoundClient {
  /** The calling node. */
  readonly from: string;
  readonly call: Call;
  /**
   * Call with a request body: `call` on a child of `ctx` that carries `body` (the callee's handler
   * reads it as `h.body`; retries send it again), then `done(outcome)`, whose `value` is the answer.
   */
  request(ctx: CallContext, body: unknown, done: Done): void;
  readonly loadBalancer?: LoadBalancer;
  readonly retry?: RetryPolicy;
  readonly circuitBreaker?: CircuitBreaker;
  readonly rateLimiter?: RateLimiter;
  readonly timeLimiter?: TimeLimiter;
  readonly bulkhead?: Bulkhead;
  readonly fallback?: Fallback;
  readonly cache?: ServeStaleCache;
  readonly policies: readonly Policy[];
}

/** The parts of the run's context a client's patterns are built with. */
export interface ClientEnv {
  readonly sim: Simulation;
  readonly trace: Tracer;
  readonly metrics: Metrics;
  readonly random: RandomStreams;
  /** Counts an attempt (the run's `RequestStats.attempt`). */
  attempt(nowUs: number, isRetry: boolean): void;
}

const OPTION_KEYS: Record<keyof ClientSpec, true> = {
  timeout: true,
  loadBalancer: true,
  picker: true,
  retry: true,
  circuitBreaker: true,
  rateLimiter: true,
  timeLimiter: true,
  bulkhead: true,
  fallback: true,
  cache: true,
  policies: true,
  countAttempts: true,
  name: true,
};
const ENV_KEYS: readonly string[] = ['sim', 'trace', 'metrics', 'random'];

type Builder<O, P> = (o: O) => P;
interface Named<P> {
  key: keyof ClientSpec;
  build: Builder<any, P>;
}
/** Innermost first: the order in which they wrap the load balancer's call. */
const NAMED: readonly Named<Policy>[] = [
  { key: 'bulkhead', build: bulkhead },
  { key: 'timeLimiter', build: timeLimiter },
  { key: 'rateLimiter', build: rateLimiter },
  { key: 'circuitBreaker', build: circuitBreaker },
  { key: 'retry', build: retry },
];
const OUTER: readonly Named<Policy>[] = [
  { key: 'cache', build: serveStaleCache },
  { key: 'fallback', build: fallback },
];

/**
 * How to call one endpoint of a service, declared once (`client(service, endpoint, spec)` on the
 * build context) and used by whoever calls it: an endpoint's `calls`, a workload's `call`, or a
 * handler's `h.call(client)`. Each calling node gets its own copy of the load balancer and
 * policies (`at(node)`), as each process has its own sidecar or Resilience4j instances.
 */
export class Client<E extends string = string> {
  readonly kind = 'faultline-client';
  private readonly bound = new Map<string, BoundClient>();
  private readonly where: string;

  constructor(
    private readonly env: ClientEnv,
    readonly service: Service<E>,
    readonly endpoint: E,
    readonly options: ClientSpec = {},
  ) {
    this.where = `client(${service.name}, ${JSON.stringify(endpoint)})`;
    validate(this.where, env, service, endpoint, options);
  }

  /** "service.endpoint". */
  get target(): string {
    return `${this.service.name}.${this.endpoint}`;
  }

  /** The nodes that have their copy of this client, in the order they got it. */
  get origins(): readonly string[] {
    return [...this.bound.keys()];
  }

  /**
   * The copy of node `from` (made now if it has none). Without `from`, the only copy there is;
   * an error if there is none or several.
   */
  at(from?: string): BoundClient {
    if (from === undefined) {
      if (this.bound.size === 1) return this.bound.values().next().value!;
      throw new InputError(
        this.bound.size === 0
          ? `${this.where}: nobody calls this client yet; use it in an endpoint's calls or a workload, or give the calling node: .at("node")`
          : `${this.where}: it is called from ${this.bound.size} nodes (${this.origins.join(', ')}); say which: .at("${this.origins[0]}")`,
      );
    }
    let b = this.bound.get(from);
    if (b === undefined) {
      b = this.bind(from);
      this.bound.set(from, b);
    }
    return b;
  }

  /** The call as made from node `from` (its copy is made on first use). */
  callFrom(from: string): Call {
    return (this.bound.get(from) ?? this.at(from)).call;
  }

  private bind(from: string): BoundClient {
    const o = this.options;
    const svc = this.service;
    const world = svc.app.world;
    if (!world.hasNode(from)) {
      throw new InputError(`${this.where}: unknown calling node ${JSON.stringify(from)};${didYouMean(from, world.nodeNames)} nodes: ${world.nodeNames.join(', ')}`);
    }
    const name = o.name ?? svc.name;
    const envOf = { sim: this.env.sim, trace: this.env.trace, metrics: this.env.metrics, random: this.env.random, node: from, name };
    const net = o.timeout !== undefined ? { timeout: o.timeout } : {};
    const out: { -readonly [K in keyof BoundClient]?: BoundClient[K] } = { from };
    let call: Call;
    if (o.loadBalancer !== undefined) {
      const endpoints: Endpoint[] = svc.replicas.map((id) => ({ id, call: svc.replicaClient(from, this.endpoint, id, net) }));
      const { healthCheck, ...lbRest } = o.loadBalancer;
      const lbOptions: LoadBalancerOptions = { ...envOf, ...lbRest, endpoints };
      if (healthCheck !== undefined) lbOptions.healthCheck = this.healthCheck(from, healthCheck);
      const lb = loadBalancer(lbOptions);
      out.loadBalancer = lb;
      call = lb.call;
    } else {
      call = svc.client(from, this.endpoint, o.picker !== undefined ? { ...net, picker: o.picker } : net);
    }
    if (o.countAttempts) {
      const inner = call;
      const env = this.env;
      call = (c, done) => {
        env.attempt(env.sim.now, c.attempt > 1);
        inner(c, done);
      };
    }
    const policies: Policy[] = [];
    for (const n of NAMED) {
      const opts = o[n.key];
      if (opts === undefined) continue;
      const p = n.build({ ...envOf, ...(opts as object) });
      (out as Record<string, unknown>)[n.key] = p;
      policies.unshift(p);
    }
    const own = typeof o.policies === 'function' ? o.policies(from) : (o.policies ?? []);
    checkPolicyList(`${this.where}: policies${typeof o.policies === 'function' ? `("${from}")` : ''}`, own);
    policies.unshift(...own);
    out.policies = own;
    for (const n of OUTER) {
      const opts = o[n.key];
      if (opts === undefined) continue;
      const p = n.build({ ...envOf, ...(opts as object) });
      (out as Record<string, unknown>)[n.key] = p;
      policies.unshift(p);
    }
    const outer = policies.length > 0 ? wrap(...policies).wrapCall(call) : call;
    out.call = outer;
    out.request = (ctx, body, done) => {
      const c = ctx.child();
      c.body = body;
      outer(c, done);
    };
    return out as BoundClient;
  }

  private healthCheck(from: string, hc: ClientHealthCheck): HealthCheckOptions {
    const { probe, tcp_health_check: tcp, http_health_check: http, ...rest } = hc;
    if (probe !== undefined && tcp === undefined && http === undefined) return { ...rest, probe: (ep, done) => probe(ep, done, (_e, d) => d(true)) };
    const sim = this.env.sim;
    const svc = this.service;
    let check: HealthProbe;
    if (http !== undefined) {
      const calls = new Map(svc.replicas.map((id) => [id, svc.replicaClient(from, http.path, id, { timeout: hc.timeout ?? (hc.timeoutMs ?? 0) * 1000 })]));
      check = (ep, done) => calls.get(ep.id)!(newCallContext(sim), (o) => done(o.ok));
    } else {
      check = svc.app.tcpProbe(from, hc.timeout ?? (hc.timeoutMs ?? 0) * 1000);
    }
    return { ...rest, probe: probe === undefined ? check : (ep, done) => probe(ep, done, check) };
  }
}

function checkPolicyList(where: string, list: unknown): asserts list is readonly Policy[] {
  if (!Array.isArray(list)) throw new InputError(`${where}: expected a list of policies (retry(...), circuitBreaker(...), ...)`);
  list.forEach((p, i) => {
    if (typeof p !== 'object' || p === null || typeof (p as Policy).execute !== 'function') {
      throw new InputError(`${where}[${i}] is not a policy; build one with retry(...), circuitBreaker(...), bulkhead(...) from the build context`);
    }
  });
}

/**
 * Check a client's options when it is declared, so a mistake is reported where it was written:
 * every key, and each pattern's options by building it once in a scratch simulation.
 */
function validate(where: string, env: ClientEnv, svc: Service<any>, endpoint: string, o: ClientSpec): void {
  if (!svc.endpoints.has(endpoint)) {
    const names = [...svc.endpoints.keys()];
    throw new InputError(`${where}: service ${svc.name} has no endpoint ${JSON.stringify(endpoint)};${didYouMean(endpoint, names)} endpoints: ${names.join(', ')}`);
  }
  expectObject(where, o);
  checkKeys(where, o, Object.keys(OPTION_KEYS), 'option');
  if (o.loadBalancer !== undefined && o.picker !== undefined) throw new InputError(`${where}: give loadBalancer or picker, not both`);
  const scratch = { sim: new Simulation(), random: new RandomStreams(0) };
  for (const n of [...NAMED, ...OUTER]) {
    const opts = o[n.key];
    if (opts === undefined) continue;
    const w = `${where}: ${n.key}`;
    expectObject(w, opts);
    for (const k of ENV_KEYS) if (k in (opts as object)) throw new InputError(`${w}: ${k} is given by the build context; remove it`);
    n.build({ ...scratch, ...(opts as object) });
  }
  if (o.policies !== undefined && typeof o.policies !== 'function') checkPolicyList(`${where}: policies`, o.policies);
  const lb = o.loadBalancer;
  if (lb !== undefined) {
    const w = `${where}: loadBalancer`;
    expectObject(w, lb);
    for (const k of ENV_KEYS) if (k in lb) throw new InputError(`${w}: ${k} is given by the build context; remove it`);
    if ('endpoints' in lb) throw new InputError(`${w}: endpoints are the service's replicas; remove endpoints`);
    const { healthCheck, ...rest } = lb;
    const scratchLb: LoadBalancerOptions = { ...scratch, ...rest, endpoints: [{ id: 'replica', call: (_c, done) => done({ ok: true, error: '', latencyUs: 0 }) }] };
    if (healthCheck !== undefined) {
      const hw = `${w}.healthCheck`;
      expectObject(hw, healthCheck);
      const kinds = (['tcp_health_check', 'http_health_check'] as const).filter((k) => healthCheck[k] !== undefined);
      if (kinds.length > 1) throw new InputError(`${hw}: give one of tcp_health_check or http_health_check (with a probe in front, if you like), not ${kinds.join(' and ')}`);
      if (healthCheck.probe !== undefined && typeof healthCheck.probe !== 'function') throw new InputError(`${hw}.probe: must be a function (endpoint, done, check)`);
      const { tcp_health_check: tcp, http_health_check: http, probe: _probe, ...hcRest } = healthCheck;
      if (tcp !== undefined) {
        expectObject(`${hw}.tcp_health_check`, tcp);
        checkKeys(`${hw}.tcp_health_check`, tcp, []);
      }
      if (http !== undefined) {
        expectObject(`${hw}.http_health_check`, http);
        checkKeys(`${hw}.http_health_check`, http, ['path']);
        const names = [...svc.endpoints.keys()];
        if (typeof http.path !== 'string' || !svc.endpoints.has(http.path)) {
          throw new InputError(
            `${hw}.http_health_check: path ${JSON.stringify(http.path)} is not an endpoint of ${svc.name};${typeof http.path === 'string' ? didYouMean(http.path, names) : ''} endpoints: ${names.join(', ')}`,
          );
        }
      }
      scratchLb.healthCheck = { ...hcRest, probe: (_e, done) => done(true) };
    }
    loadBalancer(scratchLb);
  }
}

/** True for a value made by the build context's `client(...)`. */
export function isClient(x: unknown): x is Client {
  return x instanceof Client;
}

