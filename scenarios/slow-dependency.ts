/**
 * Slow dependency: a database slows down; without timeouts and a bulkhead, requests that wait on
 * it hold every worker thread of the API, and the endpoints that never touch the database fail
 * too. With a timeout and a bulkhead only the dependent endpoint degrades.
 *
 *                         ┌─ api-1 (10 worker threads) ─┐   /orders ──► db (8 cores × 5 ms)
 *   client ── /orders ──► ┤                             ├─►             limps ×40 for 8 s at t = 5 s
 *          └─ /catalog ─► └─ api-2 (10 worker threads) ─┘   /catalog: in memory, no database
 */
import { defineScenario, Histogram, percentile, type FaultPlan } from 'faultline';
import type { ConcurrencyLimiter, Outcome } from 'faultline/patterns';

const API_REPLICAS = ['api-1', 'api-2'] as const;

export default defineScenario({
  name: 'slow-dependency',
  title: 'Slow dependency: a slow database takes down the endpoints that do not use it',
  description: `
**What happens.** An API runs on two replicas, each with a pool of 10 worker threads (Tomcat's
\`maxThreads\`, scaled down with the load). It serves \`/orders\`, which queries a database, and
\`/catalog\`, which answers from memory. At t = 5 s the database slows down 40× for 8 seconds (a
bad query plan, a saturated disk, a noisy neighbour). Each \`/orders\` request now holds its worker
thread while it waits for the database. Without a timeout it waits for as long as the database
takes; within a second every thread of both replicas is waiting on the database, new requests
queue in the accept queue (Tomcat's \`acceptCount\`) behind them, and \`/catalog\`, which needs no
database at all, times out at the client like everything else. One slow dependency has taken the
whole service down.

**Why.** Threads are a shared resource: whoever holds them decides who else gets served. A
request that waits on a slow dependency holds its thread the whole time, so the number of threads
it takes is its arrival rate times the dependency's latency (Little's law), and that number grows
without bound when the latency does.

**What fixes it.**
- *A timeout* on the database call bounds how long a thread can wait. Alone it is not enough here:
  100 orders/s × 250 ms = 25 threads, more than the 20 there are (variant \`timeouts-only\`).
- *A bulkhead* (Resilience4j \`Bulkhead\`, \`maxConcurrentCalls\` = 4 per replica,
  \`maxWaitDuration\` = 0) caps the threads the database calls may hold; the others are rejected
  at once (\`bulkhead-full\`), so \`/orders\` fails fast while \`/catalog\` keeps its threads
  (variant \`timeouts-and-bulkhead\`). The dependent endpoint degrades; nothing else does.
- *An adaptive concurrency limit* (variant \`timeouts-and-adaptive-limit\`: Netflix
  concurrency-limits' \`Gradient2Limit\` behind a \`SimpleLimiter\`, \`maxConcurrency\` 10,
  \`queueSize\` 2, \`minLimit\` 1) does the bulkhead's job without being told its size: each
  replica's limit follows the ratio of the long-run round trip to the latest one, so when the
  database slows down 40× the limit falls to about five, and database calls beyond it are
  rejected at once (\`limit-exceeded\`). It needs no number that is only right for one slowdown.

**What to look at.** Availability and p99 of \`/catalog\` during the slowdown, the worker threads
in use (the report's queue panel), and how fast \`/orders\` fails.

**References.** M. Nygard, *Release It!* (2nd ed., 2018), "Stability Patterns: Timeouts,
Bulkheads"; Resilience4j Bulkhead, https://resilience4j.readme.io/docs/bulkhead; Netflix concurrency-limits,
https://github.com/Netflix/concurrency-limits; Apache Tomcat 9 HTTP
connector (\`maxThreads\`, \`acceptCount\`), https://tomcat.apache.org/tomcat-9.0-doc/config/http.html;
AWS Builders' Library, "Using load shedding to avoid overload",
https://aws.amazon.com/builders-library/using-load-shedding-to-avoid-overload/.
`.trim(),
  params: {
    ordersPerSec: { type: 'number', default: 100, min: 0, max: 100_000, unit: '1/s', description: '/orders requests per second (uses the database)' },
    catalogPerSec: { type: 'number', default: 100, min: 0, max: 100_000, unit: '1/s', description: '/catalog requests per second (no database)' },
    maxThreads: { type: 'number', default: 10, min: 1, max: 10_000, integer: true, description: 'worker threads per API replica (Tomcat maxThreads)' },
    acceptCount: { type: 'number', default: 100, min: 0, max: 100_000, integer: true, description: 'requests waiting for a thread per replica before refusing (Tomcat acceptCount)' },
    clientTimeoutMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'client timeout on every API call' },
    dbTimeoutMs: { type: 'number', default: 0, min: 0, max: 600_000, unit: 'ms', description: 'timeout on the database call; 0 = none (the driver waits)' },
    maxConcurrentCalls: { type: 'number', default: 0, min: 0, max: 10_000, integer: true, description: 'R4j Bulkhead maxConcurrentCalls on database calls per replica; 0 = no bulkhead' },
    adaptiveConcurrency: {
      type: 'boolean',
      default: false,
      description: 'a Netflix concurrency-limits Gradient2 limiter on database calls per replica, instead of a fixed bulkhead',
    },
    maxConcurrency: { type: 'number', default: 10, min: 1, max: 10_000, integer: true, description: 'Gradient2 maxConcurrency (and initialLimit): at most this many database calls in flight per replica' },
    queueSize: { type: 'number', default: 2, min: 0, max: 1000, description: 'Gradient2 queueSize: the headroom added to limit × gradient at each sample' },
    dbCores: { type: 'number', default: 8, min: 1, max: 1024, integer: true, description: 'database cores' },
    dbServiceTimeMs: { type: 'number', default: 5, min: 0.01, max: 60_000, unit: 'ms', description: 'mean database work per query (exponential)' },
    slowdownAtMs: { type: 'number', default: 5000, min: 0, max: 3_600_000, unit: 'ms', description: 'when the database slows down (default fault plan)' },
    slowdownForMs: { type: 'number', default: 8000, min: 1, max: 3_600_000, unit: 'ms', description: 'how long (default fault plan)' },
    slowdownFactor: { type: 'number', default: 40, min: 1, max: 10_000, description: 'how many times slower the database serves (default fault plan)' },
    durationMs: { type: 'number', default: 20_000, min: 1000, max: 36_000_000, unit: 'ms', description: 'how long clients send requests' },
  },
  variants: {
    'no-timeouts': {
      description: 'no timeout on the database call, no bulkhead: the slow database holds every thread',
      expectFail: ['catalog-unaffected', 'orders-fail-fast'],
    },
    'timeouts-only': {
      description: 'a 250 ms timeout on the database call: threads are still held for 250 ms each, more than there are',
      params: { dbTimeoutMs: 250 },
      expectFail: ['catalog-unaffected', 'orders-fail-fast'],
    },
    'timeouts-and-bulkhead': {
      description: '250 ms timeout plus a bulkhead of 4 concurrent database calls per replica: only /orders degrades',
      params: { dbTimeoutMs: 250, maxConcurrentCalls: 4 },
    },
    'timeouts-and-adaptive-limit': {
      description: '250 ms timeout plus a Gradient2 adaptive concurrency limit per replica (at most 10, minLimit 1): it finds the bulkhead’s size from the latency',
      params: { dbTimeoutMs: 250, adaptiveConcurrency: true },
    },
  },

  build({ sim, params: p, metrics, faults, world, service, client, openLoop, every, concurrencyLimiter, gradient2Limit }) {
    const endUs = p.durationMs * 1000;
    const slow = slowdownOf(faults);

    // ---- components ----
    world({ nodes: [{ name: 'client', cores: 64 }], network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } } });
    const db = service('db', { node: { cores: p.dbCores, serviceTime: { dist: 'exponential', mean: `${p.dbServiceTimeMs}ms` } }, endpoints: { query: {} } });

    // ---- wiring: each replica's database client, with its timeout and bulkhead ----
    // Adaptive concurrency (Netflix concurrency-limits' SimpleLimiter with Gradient2Limit): each
    // replica's limit follows the ratio of the long-run RTT to each sample's RTT, so when the
    // database slows down the limit falls toward queueSize / (1 − gradient) and calls beyond it
    // are rejected at once (limit-exceeded). minLimit is lowered from the library's 20 to 1:
    // a replica has only 10 threads.
    const limiters = new Map<string, ConcurrencyLimiter>();
    const limiterFor = (from: string): ConcurrencyLimiter => {
      const l = concurrencyLimiter({ name: 'db', node: from, limit: gradient2Limit({ initialLimit: p.maxConcurrency, minLimit: 1, maxConcurrency: p.maxConcurrency, queueSize: p.queueSize }) });
      limiters.set(from, l);
      return l;
    };
    const query = client(db, 'query', {
      timeout: p.dbTimeoutMs > 0 ? `${p.dbTimeoutMs}ms` : undefined,
      bulkhead: p.maxConcurrentCalls > 0 ? { maxConcurrentCalls: p.maxConcurrentCalls, maxWaitDurationMs: 0 } : undefined,
      ...(p.adaptiveConcurrency ? { policies: (from: string) => [limiterFor(from)] } : {}),
      countAttempts: true,
    });
    const api = service('api', {
      nodes: API_REPLICAS,
      node: { cores: 4 },
      workers: p.maxThreads,
      acceptQueueMax: p.acceptCount,
      endpoints: { orders: { work: '1ms', calls: [query] }, catalog: { work: '2ms' } },
    });

    // ---- workload: two endpoints, open loop, accounted separately ----
    const endpoints = { orders: new EndpointStats(), catalog: new EndpointStats() };
    for (const name of ['orders', 'catalog'] as const) {
      openLoop({
        name,
        from: 'client',
        rate: name === 'orders' ? p.ordersPerSec : p.catalogPerSec,
        until: endUs,
        call: client(api, name, { timeout: `${p.clientTimeoutMs}ms` }),
        onOutcome: (o, startUs) => endpoints[name].record(o, startUs, sim.now, slow),
      });
    }

    // ---- observation: worker threads in use and the database queue, every 100 ms ----
    const threads = metrics.seriesOf('api.worker-threads-inflight');
    const dbQueue = metrics.seriesOf('db.queue');
    let threadsMax = 0;
    const sample = (): void => {
      let busy = 0;
      for (const r of API_REPLICAS) busy += api.workersBusy(r);
      threads.add(sim.now, busy);
      if (busy > threadsMax) threadsMax = busy;
      dbQueue.add(sim.now, world().node('db').queueLength);
      if (sim.now + 100_000 >= endUs) sampler.stop();
    };
    const sampler = every('100ms', sample);
    sample();

    return {
      metrics() {
        const c = endpoints.catalog;
        const o = endpoints.orders;
        return {
          catalogAvailability: round(c.availability(), 4),
          catalogP99MsDuringSlowdown: round(c.p99MsDuring(), 1),
          ordersAvailabilityDuringSlowdown: round(o.availabilityDuring(), 4),
          ordersP99MsDuringSlowdown: round(o.p99MsDuring(), 1),
          ordersAvailabilityAfterSlowdown: round(o.availabilityAfter(), 4),
          workerThreadsInUseMax: threadsMax,
          bulkheadRejections: API_REPLICAS.reduce((a, r) => a + (query.at(r).bulkhead?.rejected.value ?? 0), 0),
          ...(p.adaptiveConcurrency ? { limitRejections: [...limiters.values()].reduce((a, l) => a + l.rejected.value, 0), limitAtEnd: Math.min(...[...limiters.values()].map((l) => l.limit.limit)) } : {}),
        };
      },
    };
  },

  // ---- faults: the database slows down ----
  faults: (p) => [{ at: `${p.slowdownAtMs}ms`, kind: 'limp', target: 'db', factor: p.slowdownFactor, for: `${p.slowdownForMs}ms` }],
  faultKinds: ['limp', 'pause', 'link-latency', 'crash'],

  // ---- checks, per endpoint ----
  checks: [
    {
      name: 'catalog-unaffected',
      description: '/catalog (no database) keeps availability ≥ 99.9% and p99 ≤ 50 ms during the slowdown',
      check({ metrics }) {
        const a = metrics.catalogAvailability as number;
        const p99 = metrics.catalogP99MsDuringSlowdown as number;
        const ok = a >= 0.999 && p99 <= 50;
        return {
          status: ok ? 'ok' : 'fail',
          detail: `/catalog availability ${pct(a)} over the run, p99 ${p99} ms during the slowdown (needs ≥ 99.9% and ≤ 50 ms); worker threads in use peaked at ${metrics.workerThreadsInUseMax}`,
        };
      },
    },
    {
      name: 'orders-fail-fast',
      description: '/orders, which needs the database, may fail during the slowdown but answers within 400 ms (p99)',
      check({ metrics }) {
        const p99 = metrics.ordersP99MsDuringSlowdown as number;
        return {
          status: p99 <= 400 ? 'ok' : 'fail',
          detail: `/orders p99 ${p99} ms during the slowdown (allowed 400 ms), availability ${pct(metrics.ordersAvailabilityDuringSlowdown as number)}`,
        };
      },
    },
    {
      name: 'orders-recover',
      description: '/orders availability ≥ 99% from 3 s after the database recovers',
      check({ metrics }) {
        const a = metrics.ordersAvailabilityAfterSlowdown as number;
        return { status: a >= 0.99 ? 'ok' : 'fail', detail: `/orders availability ${pct(a)} from 3 s after the slowdown ended` };
      },
    },
  ],
  keyMetrics: ['catalogAvailability', 'catalogP99MsDuringSlowdown', 'ordersAvailabilityDuringSlowdown', 'ordersP99MsDuringSlowdown', 'workerThreadsInUseMax', 'bulkheadRejections'],
});

/** The slowdown's window [startUs, endUs) from the plan: the first fault's start to the last one's end. */
function slowdownOf(plan: FaultPlan): { startUs: number; endUs: number } {
  if (plan.length === 0) return { startUs: Infinity, endUs: Infinity };
  let startUs = Infinity;
  let endUs = 0;
  for (const e of plan) {
    startUs = Math.min(startUs, e.at);
    endUs = Math.max(endUs, e.at + (e.for ?? 0));
  }
  return { startUs, endUs };
}

/** Requests sent during the slowdown, and those sent from 3 s after it ended, for one endpoint. */
class EndpointStats {
  total = 0;
  ok = 0;
  duringTotal = 0;
  duringOk = 0;
  readonly duringLatencyUs = new Histogram();
  afterTotal = 0;
  afterOk = 0;

  record(o: Outcome, startUs: number, nowUs: number, slow: { startUs: number; endUs: number }): void {
    this.total++;
    if (o.ok) this.ok++;
    if (startUs >= slow.startUs && startUs < slow.endUs) {
      this.duringTotal++;
      if (o.ok) this.duringOk++;
      this.duringLatencyUs.record(nowUs - startUs);
    } else if (startUs >= slow.endUs + 3_000_000) {
      this.afterTotal++;
      if (o.ok) this.afterOk++;
    }
  }
  availability(): number {
    return this.total === 0 ? 1 : this.ok / this.total;
  }
  availabilityDuring(): number {
    return this.duringTotal === 0 ? 1 : this.duringOk / this.duringTotal;
  }
  availabilityAfter(): number {
    return this.afterTotal === 0 ? 1 : this.afterOk / this.afterTotal;
  }
  p99MsDuring(): number {
    return this.duringLatencyUs.count === 0 ? 0 : percentile(this.duringLatencyUs, 0.99) / 1000;
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(2)}%`;
}
