/**
 * A cascading failure that emerges: a slow link to the database makes requests pile up on the web
 * tier, their memory fills the replicas, one is OOM-killed, its load moves to the others, whose
 * CPU spikes and whose memory fills in turn, until the tier is down — and it stays down after the
 * link is fast again. Nothing but the slowdown is scripted.
 *
 *                    ┌─ web-1 ─┐
 *   users ── lb ──►  ├─ web-2 ─┤ ── query ──► db      (the link web → db slows down:
 *   (Envoy: retries, ├─ web-3 ─┤                      the only fault in the plan)
 *    health checks)  └─ web-4 ─┘
 */
import { defineScenario, type FaultPlan } from 'faultline';
import type { Outcome } from 'faultline/patterns';

const WINDOW_MS = 1_000;
const CPU_HOT = 0.9;
const MEMORY_HOT = 0.9;
/** Requests held by one replica beyond which they have piled up (normal load holds a handful). */
const PILE_UP = 50;
/** How soon after the slowdown ends the tier must be back. */
const RECOVERY_BOUND_MS = 20_000;

export default defineScenario({
  name: 'cascading-failure',
  title: 'Cascading failure: a slow database link takes the whole web tier down, for good',
  description: `
**What happens.** Four web replicas behind an Envoy load balancer serve a page that queries a
database. At t = 10 s the network path from the web tier to the database slows down (a
\`link-latency\` fault: a congested switch, a cross-zone failover of the database's address): each
query takes 1.4 s longer, for 30 seconds. That is the only fault. Everything after it is the
model's own dynamics:

1. **Requests pile up.** Each replica serves requests asynchronously and reaches the database
   through a HikariCP pool of 100 connections; a request waiting on the database holds its buffers and objects (\`memoryPerRequestMb\`, 12 MiB). By Little's law the
   requests held are the arrival rate times the time each one waits: 60 requests/s per replica
   waiting 1.4 s more is 85 more requests held, a gigabyte.
2. **Memory grows, and the garbage collector slows everything.** Held requests are live heap;
   a fuller heap collects more often and for longer (stop-the-world pauses ∝ live heap, one per
   free heap allocated), so CPU work slows down exactly when there is more of it.
3. **A replica is OOM-killed**: the oldest one first, whose in-process cache is the largest (the
   replicas were deployed at different times). Every request it held is lost; Envoy retries them
   on the others when its per-try timeout fires. Kubernetes restarts it with CrashLoopBackOff.
4. **Load shifts to the survivors**: the load balancer's health checks fail the dead replica, its
   share of the traffic and the retries go to the others, whose **CPU rises above 90 %** and whose
   memory fills faster than the first one's did: the next OOM kill comes sooner, then the next.
5. **The tier is down**, and **stays down after the slowdown ends**: a restarted process spends
   3 s of CPU starting and then serves 3× slower while it warms up (\`coldStart\`), and cold
   replicas, even all four at once, serve less than the users' load plus Envoy's retries. Requests
   pile up on them again and they are OOM-killed again; CrashLoopBackOff doubles the wait each time.

This is the cascade of the AWS Builders' Library article on overload, and the memory and
garbage-collection mechanism of metastable failures (Huang et al., OSDI 2022): the trigger goes
away, the failure does not.

**What fixes it** (variants):

- \`bounded-queues\`: each replica serves from a bounded thread pool (Resilience4j
  \`ThreadPoolBulkhead\`: 32 threads, a queue of 16) and sheds what does not fit (\`bulkhead-full\`):
  memory is bounded by construction; the slowdown costs availability, not the tier.
- \`timeouts-retry-budget\`: a 300 ms timeout on the database call (so a request holds memory for
  at most that long), 250 ms at most waiting for a database connection (HikariCP's minimum
  \`connectionTimeout\`), and an Envoy retry budget (retries ≤ 20 % of active requests). The query
  timeout alone is not enough (\`--param connectionTimeoutMs=30000\`): every timed-out query breaks
  its connection, the new connection's handshake crosses the same slow link, and requests wait up
  to 30 s for a connection, holding their memory — the tier goes down all the same.
- \`adaptive-concurrency\`: a Netflix concurrency-limits \`Gradient2Limit\` limiter on each replica's
  database calls: when latency rises the limit falls and excess requests are refused at once.
- \`more-headroom\`: four times the memory per replica. Requests still pile up, but they fit: the
  tier survives this slowdown (a longer one would still take it down).

**What to look at.** The checks read as the chain, in time order: where each first failed is
when that link of the cascade happened. The report's series show memory, CPU and requests held
per replica (\`memory.*\`, \`cpu.*.util\`, \`requests-held.*.inflight\`), the connection pools to the
database (\`connpool.*\`) and, with \`bounded-queues\`, the thread pools (\`threadpool.*\`).

**References.** Huang, Magnusson, Bairavasundaram et al., "Metastable Failures in the Wild",
OSDI 2022, https://www.usenix.org/conference/osdi22/presentation/huang-lexiang ; AWS Builders'
Library, "Using load shedding to avoid overload", https://aws.amazon.com/builders-library/using-load-shedding-to-avoid-overload/ ;
Google SRE book, ch. 22 "Addressing Cascading Failures", https://sre.google/sre-book/addressing-cascading-failures/ ;
Kubernetes restart policy and CrashLoopBackOff, https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy ;
Resilience4j ThreadPoolBulkhead, https://resilience4j.readme.io/docs/bulkhead ; Netflix
concurrency-limits, https://github.com/Netflix/concurrency-limits ; Envoy retry budgets,
https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/cluster/v3/circuit_breaker.proto .
`.trim(),
  params: {
    replicas: { type: 'number', default: 4, min: 2, max: 64, integer: true, description: 'web replicas behind the load balancer' },
    ratePerSec: { type: 'number', default: 240, min: 1, max: 100_000, unit: '1/s', description: 'offered load (Poisson); one replica serves ~125/s of CPU' },
    durationMs: { type: 'number', default: 75_000, min: 20_000, max: 3_600_000, unit: 'ms', description: 'how long users send requests' },
    slowdownAtMs: { type: 'number', default: 10_000, min: 0, max: 3_600_000, unit: 'ms', description: 'when the web → db link slows down (default fault plan)' },
    slowdownForMs: { type: 'number', default: 30_000, min: 1, max: 3_600_000, unit: 'ms', description: 'how long (default fault plan)' },
    addedLatencyMs: { type: 'number', default: 1_400, min: 0, max: 60_000, unit: 'ms', description: 'latency the slow link adds to each query (default fault plan)' },
    memoryLimitMb: { type: 'number', default: 2_048, min: 64, max: 1_048_576, unit: 'MiB', description: 'container memory limit per replica (exceeding it is an OOM kill)' },
    cacheMbMax: { type: 'number', default: 600, min: 0, max: 1_048_576, unit: 'MiB', description: 'the oldest replica’s in-process cache; the others’ are smaller (deployed later), the newest has none' },
    memoryPerRequestMb: { type: 'number', default: 12, min: 0, max: 10_000, unit: 'MiB', description: 'memory a request holds on its replica from arrival to reply' },
    threads: { type: 'number', default: 0, min: 0, max: 100_000, integer: true, description: 'bounded thread pool per replica (ThreadPoolBulkhead max = core); 0 = none (asynchronous, unbounded)' },
    queueCapacity: { type: 'number', default: 32, min: 0, max: 100_000, integer: true, description: 'the thread pool’s queue (with threads > 0)' },
    dbTimeoutMs: { type: 'number', default: 0, min: 0, max: 600_000, unit: 'ms', description: 'timeout on the database call; 0 = none' },
    connectionTimeoutMs: { type: 'number', default: 30_000, min: 250, max: 600_000, unit: 'ms', description: 'HikariCP connectionTimeout: the longest wait for a database connection' },
    retryBudgetPercent: { type: 'number', default: 0, min: 0, max: 100, unit: '%', description: 'Envoy retry budget (retries as a share of active requests); 0 = no budget' },
    adaptiveConcurrency: { type: 'boolean', default: false, description: 'Gradient2 concurrency limiter on each replica’s database calls' },
  },
  variants: {
    unprotected: {
      description: 'unbounded asynchronous servers, no timeout on the database, Envoy retries without a budget',
      expectFail: ['requests-do-not-pile-up', 'memory-below-90pct', 'no-oom-kill', 'survivors-cpu-below-90pct', 'tier-stays-up', 'recovers-after-slowdown'],
    },
    'bounded-queues': {
      description: 'a ThreadPoolBulkhead of 32 threads and a queue of 16 per replica; what does not fit is shed',
      params: { threads: 32, queueCapacity: 16 },
    },
    'timeouts-retry-budget': {
      description: 'a 300 ms timeout on the database call, 250 ms on getting a connection, and an Envoy retry budget of 20 %',
      params: { dbTimeoutMs: 300, connectionTimeoutMs: 250, retryBudgetPercent: 20 },
    },
    'adaptive-concurrency': {
      description: 'a Gradient2 adaptive concurrency limit on each replica’s database calls',
      params: { adaptiveConcurrency: true },
    },
    'more-headroom': {
      description: 'four times the memory per replica: requests still pile up, but they fit',
      params: { memoryLimitMb: 8_192 },
      expectFail: ['requests-do-not-pile-up'],
    },
  },

  // ── faults: the web → db link slows down; nothing else is scripted ──────────────
  faults: (p) => [{ at: `${p.slowdownAtMs}ms`, kind: 'link-latency', from: '*', to: 'db', latency: `${p.addedLatencyMs}ms`, for: `${p.slowdownForMs}ms` }],
  faultKinds: ['link-latency', 'limp', 'crash', 'pause'],
  keyMetrics: ['oomKills', 'firstOomAtMs', 'peakMemoryMb', 'survivorCpuMax', 'availabilityAfterSlowdown', 'recoveredAtMs', 'shed'],

  build({ sim, params: p, faults, world, service, client, openLoop, every, envoyRetry, envoyRetryBudget, envoyMaxRetries, concurrencyLimiter, gradient2Limit }) {
    const names = Array.from({ length: p.replicas }, (_, i) => `web-${i + 1}`);
    const slow = slowdownOf(faults);
    const endUs = p.durationMs * 1000;

    // ── components ──────────────────────────────────────────────────────────────
    world({
      nodes: [{ name: 'lb', cores: 64, memoryLimitMb: 65_536 }],
      network: { latency: { dist: 'lognormal', median: '400us', sigma: 0.3 } },
    });
    const db = service('db', {
      node: { cores: 32, memoryLimitMb: 65_536, serviceTime: { dist: 'lognormal', median: '2ms', sigma: 0.4 } },
      // a new connection's handshake (TLS, authentication) costs the database CPU
      endpoints: { query: {}, connect: { work: '5ms' } },
    });
    const query = client(db, 'query', {
      timeout: p.dbTimeoutMs > 0 ? `${p.dbTimeoutMs}ms` : undefined,
      policies: p.adaptiveConcurrency ? (from) => [concurrencyLimiter({ name: from, limit: gradient2Limit({ initialLimit: 20, minLimit: 5, maxConcurrency: 200 }) })] : undefined,
    });
    // The web tier: 2 cores, ~16 ms of CPU per page, a managed heap (garbage collection), a cold
    // start after a restart, and memory held by each request from arrival to reply.
    const web = service('web', {
      nodes: names,
      node: {
        cores: 2,
        memoryBaseMb: 512,
        memoryLimitMb: p.memoryLimitMb,
        restartDelay: '5s',
        gc: { allocationMbPerCpuSec: 400, pausePerLiveGb: '150ms', pauseMin: '2ms' },
        coldStart: { startupCpu: '3s', slowdown: 3, warmup: '30s' },
      },
      // HikariCP to the database: 100 connections per replica, made again after every restart
      connectionPools: { db: { maximumPoolSize: 100, connectionTimeout: `${p.connectionTimeoutMs}ms`, connect: client(db, 'connect', { timeout: '1s' }) } },
      ...(p.threads > 0 ? { threadPool: { maxThreadPoolSize: p.threads, coreThreadPoolSize: p.threads, queueCapacity: p.queueCapacity } } : {}),
      endpoints: {
        page: { work: { dist: 'lognormal', median: '16ms', sigma: 0.3 }, memoryPerRequestMb: p.memoryPerRequestMb, calls: [query] },
        health: { work: '1ms', workers: false },
      },
    });

    // ── wiring: Envoy in front (round robin over healthy replicas, per-try timeout, retries) ──
    const route = client(web, 'page', {
      name: 'web',
      loadBalancer: {
        lbPolicy: 'ROUND_ROBIN',
        healthy_panic_threshold: 0,
        healthCheck: { http_health_check: { path: 'health' }, interval: '1s', timeout: '500ms', unhealthy_threshold: 2, healthy_threshold: 1 },
      },
      policies: [
        envoyRetry({
          name: 'web-route',
          num_retries: 2,
          per_try_timeout: '2s',
          retry_on: ['timeout', 'unavailable', 'error', 'shed', 'no-healthy-upstream'],
          // without a budget: Envoy's max_retries breaker raised from its default of 3, as busy clusters do
          budget: p.retryBudgetPercent > 0 ? envoyRetryBudget({ budget_percent: p.retryBudgetPercent, min_retry_concurrency: 10 }) : envoyMaxRetries({ max_retries: 10_000 }),
        }),
      ],
      countAttempts: true,
    });

    // Replicas were deployed at different times: the older ones have warmed bigger caches.
    const nodes = names.map((n) => world().node(n));
    nodes.forEach((n, i) => n.setCacheMb('page-cache', p.replicas === 1 ? 0 : (p.cacheMbMax * (p.replicas - 1 - i)) / (p.replicas - 1)));

    // ── observation: memory, CPU and requests held per replica, every 100 ms (the service
    // publishes them as series for the report every 250 ms) ─────────────────────────
    for (const n of nodes) n.trackCpu();
    const lastBusy = nodes.map(() => 0);
    let lastUs = 0;
    let peakMemoryMb = 0;
    const hot: { cpu: (number | null)[]; memory: (number | null)[]; pileUp: (number | null)[] } = { cpu: nodes.map(() => null), memory: nodes.map(() => null), pileUp: nodes.map(() => null) };
    const cpuTimeline: { t: number; util: number[]; serving: boolean[] }[] = [];
    let allDownAtUs: number | null = null;
    every('100ms', () => {
      const dt = sim.now - lastUs;
      const utils = nodes.map((n, i) => {
        const busy = n.cpuBusyUs();
        const u = dt > 0 ? Math.min(1, (busy - lastBusy[i]!) / (dt * n.cores)) : 0;
        lastBusy[i] = busy;
        return u;
      });
      lastUs = sim.now;
      cpuTimeline.push({ t: sim.now, util: utils, serving: nodes.map((n) => n.serving || n.collecting) });
      nodes.forEach((n, i) => {
        const mem = n.alive ? n.memoryUsedMb() : 0;
        const held = n.requestsHeld;
        peakMemoryMb = Math.max(peakMemoryMb, mem);
        if (mem >= MEMORY_HOT * n.memoryLimitMb) hot.memory[i] ??= sim.now;
        if (held > PILE_UP) hot.pileUp[i] ??= sim.now;
      });
      if (allDownAtUs === null && sim.now < endUs && nodes.every((n) => !n.serving && !n.collecting)) allDownAtUs = sim.now;
    });

    // OOM kills, in order
    const ooms: { node: string; t: number }[] = [];
    for (const n of nodes) n.onCrash((reason) => reason === 'oom' && ooms.push({ node: n.name, t: sim.now }));

    // ── workload ────────────────────────────────────────────────────────────────
    const windows: { requests: number; ok: number }[] = [];
    openLoop({
      name: 'users',
      from: 'lb',
      rate: p.ratePerSec,
      until: `${p.durationMs}ms`,
      call: route,
      deadline: '5s',
      onOutcome(o: Outcome, startUs: number) {
        const w = Math.floor(startUs / 1000 / WINDOW_MS);
        while (windows.length <= w) windows.push({ requests: 0, ok: 0 });
        windows[w]!.requests++;
        if (o.ok) windows[w]!.ok++;
      },
    });

    return {
      untilUs: endUs + 6_000_000,
      metrics() {
        const firstOom = ooms[0] ?? null;
        // survivors: replicas up at the first OOM kill; their CPU above 90 % in a sample after it, before their own OOM
        let survivorCpuMax = 0;
        let survivorHotAtUs: number | null = null;
        let survivorHotDetail = '';
        if (firstOom !== null) {
          for (const s of cpuTimeline) {
            if (s.t <= firstOom.t) continue;
            nodes.forEach((n, i) => {
              if (n.name === firstOom.node || !s.serving[i]) return;
              const ownOom = ooms.find((o) => o.node === n.name && o.t > firstOom.t);
              if (ownOom !== undefined && s.t > ownOom.t) return;
              survivorCpuMax = Math.max(survivorCpuMax, s.util[i]!);
              if (survivorHotAtUs === null && s.util[i]! > CPU_HOT) {
                survivorHotAtUs = s.t;
                survivorHotDetail = `${n.name} at ${pct(s.util[i]!)} at ${sec(s.t)}${ownOom ? `, OOM-killed at ${sec(ownOom.t)}` : ''}`;
              }
            });
          }
        }
        const judged = windows.map((w, i) => ({ startMs: i * WINDOW_MS, requests: w.requests, availability: w.requests ? w.ok / w.requests : 1 }));
        // recovered: from some window after the slowdown on, every window keeps 99 % (the last 5 s of sending excluded: requests still in flight)
        const afterMs = slow.endUs / 1000;
        const lastMs = p.durationMs - 5_000;
        let recoveredAtMs: number | null = null;
        for (const w of judged) {
          if (w.startMs < afterMs || w.startMs >= lastMs) continue;
          if (w.availability >= 0.99) recoveredAtMs ??= w.startMs;
          else recoveredAtMs = null;
        }
        let okAfter = 0;
        let allAfter = 0;
        for (const w of windows.slice(Math.ceil((afterMs + 20_000) / WINDOW_MS), Math.floor(lastMs / WINDOW_MS))) {
          okAfter += w.ok;
          allAfter += w.requests;
        }
        const firstHot = (xs: (number | null)[]): { t: number; node: string } | null => {
          let best: { t: number; node: string } | null = null;
          xs.forEach((t, i) => {
            if (t !== null && (best === null || t < best.t)) best = { t, node: names[i]! };
          });
          return best;
        };
        return {
          oomKills: ooms.length,
          firstOomAtMs: firstOom === null ? null : Math.round(firstOom.t / 1000),
          firstOomNode: firstOom?.node ?? null,
          ooms: ooms.map((o) => ({ node: o.node, atMs: Math.round(o.t / 1000) })),
          peakMemoryMb: Math.round(peakMemoryMb),
          pileUpAtMs: ms(firstHot(hot.pileUp)?.t ?? null),
          pileUpNode: firstHot(hot.pileUp)?.node ?? null,
          memoryHotAtMs: ms(firstHot(hot.memory)?.t ?? null),
          memoryHotNode: firstHot(hot.memory)?.node ?? null,
          survivorCpuMax: Math.round(survivorCpuMax * 1000) / 1000,
          survivorHotAtMs: ms(survivorHotAtUs),
          survivorHotDetail,
          allDownAtMs: ms(allDownAtUs),
          recoveredAtMs,
          availabilityAfterSlowdown: allAfter === 0 ? 1 : Math.round((okAfter / allAfter) * 10_000) / 10_000,
          shed: web.replicas.reduce((a, r) => a + (web.threadPools.get(r)?.rejected ?? 0), 0),
          slowdownStartMs: Number.isFinite(slow.startUs) ? slow.startUs / 1000 : null,
          slowdownEndMs: Number.isFinite(slow.endUs) ? slow.endUs / 1000 : null,
          recoveryBoundMs: RECOVERY_BOUND_MS,
        };
      },
    };
  },

  // ── checks: the links of the chain, in the order they happen ──────────────────
  checks: [
    {
      name: 'requests-do-not-pile-up',
      description: `no replica holds more than ${PILE_UP} requests at once`,
      check({ metrics: m }) {
        if (m.pileUpAtMs === null) return { status: 'ok', detail: `no replica held more than ${PILE_UP} requests` };
        return { status: 'fail', detail: `${m.pileUpNode} held more than ${PILE_UP} requests at ${secMs(m.pileUpAtMs as number)}${after(m, m.pileUpAtMs as number)}`, firstFailedAtMs: m.pileUpAtMs as number };
      },
    },
    {
      name: 'memory-below-90pct',
      description: 'every replica’s memory stays below 90 % of its limit',
      check({ metrics: m, params }) {
        if (m.memoryHotAtMs === null) return { status: 'ok', detail: `peak ${m.peakMemoryMb} MiB of ${params.memoryLimitMb} MiB` };
        return { status: 'fail', detail: `${m.memoryHotNode} passed 90 % of ${params.memoryLimitMb} MiB at ${secMs(m.memoryHotAtMs as number)}${after(m, m.memoryHotAtMs as number)}`, firstFailedAtMs: m.memoryHotAtMs as number };
      },
    },
    {
      name: 'no-oom-kill',
      description: 'no replica is OOM-killed',
      check({ metrics: m }) {
        const k = m.oomKills as number;
        if (k === 0) return { status: 'ok', detail: `peak memory ${m.peakMemoryMb} MiB` };
        return { status: 'fail', detail: `${k} OOM kills; the first, ${m.firstOomNode}, at ${secMs(m.firstOomAtMs as number)}${after(m, m.firstOomAtMs as number)}`, firstFailedAtMs: m.firstOomAtMs as number };
      },
    },
    {
      name: 'survivors-cpu-below-90pct',
      description: 'after an OOM kill, the surviving replicas’ CPU stays below 90 % (before their own OOM kill)',
      check({ metrics: m }) {
        if (m.survivorHotAtMs === null) return { status: 'ok', detail: m.oomKills === 0 ? 'no OOM kill, no survivors to overload' : `survivors peaked at ${pct(m.survivorCpuMax as number)} CPU` };
        return { status: 'fail', detail: `survivor ${m.survivorHotDetail}`, firstFailedAtMs: m.survivorHotAtMs as number };
      },
    },
    {
      name: 'tier-stays-up',
      description: 'at every instant at least one web replica is serving',
      check({ metrics: m }) {
        if (m.allDownAtMs === null) return { status: 'ok', detail: 'some replica was serving throughout' };
        return { status: 'fail', detail: `every replica was down at ${secMs(m.allDownAtMs as number)} after ${m.oomKills} OOM kills`, firstFailedAtMs: m.allDownAtMs as number };
      },
    },
    {
      name: 'recovers-after-slowdown',
      description: `from at most ${RECOVERY_BOUND_MS / 1000} s after the slowdown ends, every 1-s window keeps 99 % availability`,
      check({ metrics: m }) {
        const end = m.slowdownEndMs as number | null;
        const rec = m.recoveredAtMs as number | null;
        if (end === null) return { status: 'ok', detail: 'no slowdown in the plan' };
        if (rec !== null && rec - end <= RECOVERY_BOUND_MS) return { status: 'ok', detail: `recovered ${secMs(rec - end)} after the slowdown ended; availability ${pct(m.availabilityAfterSlowdown as number)} from 20 s after it` };
        return {
          status: 'fail',
          detail: rec === null ? `not recovered by the end: availability ${pct(m.availabilityAfterSlowdown as number)} from 20 s after the slowdown ended (${m.oomKills} OOM kills)` : `recovered only ${secMs(rec - end)} after the slowdown ended`,
          firstFailedAtMs: end + RECOVERY_BOUND_MS,
        };
      },
    },
  ],
});

/** The slowdown's window [startUs, endUs) from the plan. */
function slowdownOf(plan: FaultPlan): { startUs: number; endUs: number } {
  let startUs = Infinity;
  let endUs = -Infinity;
  for (const e of plan) {
    if (e.kind !== 'link-latency') continue;
    startUs = Math.min(startUs, e.at);
    endUs = Math.max(endUs, e.at + (e.for ?? 0));
  }
  return { startUs, endUs };
}

/** ", 3.20 s into the slowdown" for an instant of the run (nothing without a slowdown in the plan). */
function after(m: Record<string, unknown>, atMs: number): string {
  const start = m.slowdownStartMs as number | null;
  if (start === null) return '';
  return atMs >= start ? `, ${secMs(atMs - start)} into the slowdown` : `, ${secMs(start - atMs)} before the slowdown`;
}

function ms(us: number | null): number | null {
  return us === null ? null : Math.round(us / 1000);
}
function sec(us: number): string {
  return `${(us / 1e6).toFixed(2)} s`;
}
function secMs(msValue: number): string {
  return `${(msValue / 1000).toFixed(2)} s`;
}
function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}
