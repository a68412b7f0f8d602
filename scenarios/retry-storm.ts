/**
 * Retry storm: a short capacity drop turns into a metastable failure when every layer retries at
 * once; a retry budget, or a circuit breaker, lets the system recover. Backoff with jitter alone
 * does not.
 *
 *   client ──retry──► frontend ──retry [──circuit breaker]──► backend
 *   60 req/s, open loop          no work of its own            2 cores × 20 ms ≈ 100 req/s
 *                                                               limps ×4 for 3 s at t = 3 s
 */
import { defineScenario, type FaultPlan, type RequestStats } from 'faultline';
import { errorOutcome, okOutcome, type Done, type Policy } from 'faultline/patterns';

/** Width of the windows the recovery check judges (the run's standard series width). */
const WINDOW_US = 1_000_000;
/** A window recovered when at least this share of its requests succeeded. */
const WINDOW_AVAILABILITY_MIN = 0.99;
/** After recovery, at most this many backend attempts per client request. */
const ATTEMPTS_PER_REQUEST_MAX = 1.2;
/** What the frontend retries when it throttles itself: every failure but its own local rejection. */
const NOT_THROTTLED = ['timeout', 'deadline-exceeded', 'cancelled', 'breaker-open', 'bulkhead-full', 'rate-limited', 'shed', 'limit-exceeded', 'no-healthy-upstream', 'unavailable', 'error'];

export default defineScenario({
  name: 'retry-storm',
  title: 'Retry storm: a 3-second slowdown that never ends',
  description: `
**What happens.** Clients send 60 requests/s to a frontend, which calls a backend that can serve
about 100/s: 60% busy, fast and healthy. At t = 3 s the backend slows down 4× for 3 seconds (a
noisy neighbour, a GC storm, a slow disk). Requests queue, calls time out, and every layer
retries: the client up to 3 times, and the frontend up to 3 times for each client attempt,
immediately. The backend now receives up to 9 attempts per request, most of them for callers that
have already given up (a timeout does not stop the work already queued), so it spends its whole
capacity on wasted work. When the slowdown ends, the load it faces (first tries plus retries,
about 9 × 60 = 540/s) is still five times its capacity: the queue never drains, every call keeps
timing out, every timeout makes more retries. Goodput stays at zero to the end of the run, although
the offered load is the same 60/s the system served without a single error before the trigger.

**Why.** This is a *metastable failure* (Bronson et al.): at the same offered load the system has
two stable states, and a temporary trigger moves it from the good one to the bad one. The retries
are the *sustaining effect*: they only happen when the system is already overloaded, and they keep
it overloaded. Removing the trigger does not help; removing the sustaining effect does.

**What fixes it.**
- *Backoff with jitter alone does not* (variant \`backoff-jitter\`): new requests keep arriving
  whatever the latency (an open system), so backoff delays retries but does not reduce them; three
  attempts per request are still three times the load. Jitter helps contention for one resource
  (see the \`backoff-jitter\` scenario), not overload (Brooker, "What is Backoff For?").
- *A retry budget* (variant \`backoff-jitter-budget\`: gRPC \`retryThrottling\` on each channel;
  a failed attempt costs a token, a success returns \`tokenRatio\`, and retries stop while the
  tokens are at or below half of \`maxTokens\`) caps retries at a small fraction of the traffic.
  The load falls back to the first tries, the queue drains and the good state returns in seconds.
- *A circuit breaker* (variant \`circuit-breaker\`: Resilience4j at the frontend) stops calling the
  backend when half the calls fail. Retries still happen, but they meet the open breaker and cost
  the backend nothing; its queue drains, and half-open probes find it healthy and close the breaker.
  (R4j's default 100-call window, deciding from 20 calls, and 1 s open instead of 60 s to suit
  this short run. A smaller window trips on ordinary latency blips and causes outages of its own.)

- *Shedding at the backend* (variant \`codel-adaptive-lifo\`: Facebook's CoDel for request
  queues, \`target\` 5 ms and \`interval\` 100 ms, with adaptive LIFO) keeps the naive retries but
  stops serving the dead: once the queue has stood for 100 ms, a request that waited more than 5 ms
  is rejected at dequeue (\`shed\`), and the newest requests, whose callers still wait, go first.
  The backend's work is useful again, so the retries' cause goes away and they stop. Rejecting is
  not free, though: when a shed request costs the backend 6 ms of CPU (\`codel-costly-rejections\`)
  the retries of the rejected keep it busy rejecting, and the storm holds.
- *Client-side adaptive throttling* (variant \`codel-adaptive-throttling\`: the Google SRE book's
  formula at the frontend, K = 2 over a 2-minute window) keeps the rejections at home: an attempt
  goes out with probability about K × accepts / requests, so the backend sees at most about twice
  what it can accept and stops spending itself on rejections (\`backend-load-bounded\` holds). But
  the window remembers the storm: until the accepts of the good state outweigh the storm's
  requests in it, clients keep refusing part of their own traffic, so recovery takes longer than
  this run (the SRE book's trade-off; a shorter window, \`--param throttlingWindowMs=10000\`,
  recovers sooner and forgets sooner).

**What to look at.** In the table: availability and goodput after the trigger, next to the work
the backend still does (\`backendServedPerSecAfter\`: the storm keeps it 100% busy serving answers
nobody waits for) and the backend attempts per client request. In the report: throughput vs
goodput, first tries vs retries (retries outnumber first tries for good in the naive designs), and
the backend queue that keeps growing after the fault ends.

**References.**
N. Bronson, A. Aghayev, A. Charapko, T. Zhu, "Metastable Failures in Distributed Systems",
HotOS 2021, https://sigops.org/s/conferences/hotos/2021/papers/hotos21-s11-bronson.pdf;
M. Brooker, "Timeouts, retries, and backoff with jitter", Amazon Builders' Library,
https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/;
M. Brooker, "What is Backoff For?" (2022), https://brooker.co.za/blog/2022/08/11/backoff.html;
gRFC A6 client retries (retry throttling), https://github.com/grpc/proposal/blob/master/A6-client-retries.md;
Resilience4j CircuitBreaker, https://resilience4j.readme.io/docs/circuitbreaker;
B. Maurer, "Fail at Scale", ACM Queue 13(8), 2015, https://queue.acm.org/detail.cfm?id=2839461;
Google SRE book, ch. 21 "Handling Overload", https://sre.google/sre-book/handling-overload/.
`.trim(),
  params: {
    offeredLoadPerSec: { type: 'number', default: 60, min: 1, max: 100_000, unit: '1/s', description: 'client requests per second (open loop, Poisson)' },
    backendCores: { type: 'number', default: 2, min: 1, max: 1024, integer: true, description: 'backend cores; capacity ≈ cores / service time' },
    backendServiceTimeMs: { type: 'number', default: 20, min: 0.01, max: 10_000, unit: 'ms', description: 'mean backend work per attempt (exponential)' },
    clientTimeoutMs: { type: 'number', default: 1000, min: 1, max: 60_000, unit: 'ms', description: 'client per-try timeout (a socket read timeout: the server is not told)' },
    frontendTimeoutMs: { type: 'number', default: 300, min: 1, max: 60_000, unit: 'ms', description: 'frontend per-try timeout on backend calls (not told to the backend either)' },
    clientMaxAttempts: { type: 'number', default: 3, min: 1, max: 5, integer: true, description: 'client attempts per request, including the first (gRPC maxAttempts)' },
    frontendMaxAttempts: { type: 'number', default: 3, min: 1, max: 5, integer: true, description: 'frontend attempts per backend call, including the first (gRPC maxAttempts)' },
    backoff: {
      type: 'enum',
      default: 'immediate',
      values: ['immediate', 'exponential-full-jitter'],
      description: 'delay before a retry: none, or exponential backoff with full jitter (AWS: sleep = random(0, min(cap, base · 2^attempt)))',
    },
    backoffBaseMs: { type: 'number', default: 50, min: 1, max: 60_000, unit: 'ms', description: 'exponential backoff base' },
    backoffCapMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'exponential backoff cap' },
    retryThrottling: { type: 'boolean', default: false, description: 'gRPC retryThrottling (a retry budget) on each channel' },
    maxTokens: { type: 'number', default: 10, min: 1, max: 1000, description: 'gRPC retryThrottling.maxTokens: retries stop at or below maxTokens / 2' },
    tokenRatio: { type: 'number', default: 0.1, min: 0.001, max: 1000, description: 'gRPC retryThrottling.tokenRatio: tokens regained per successful attempt' },
    circuitBreaker: { type: 'boolean', default: false, description: 'a Resilience4j circuit breaker around the frontend → backend attempts' },
    failureRateThreshold: { type: 'number', default: 50, min: 1, max: 100, unit: '%', description: 'R4j failureRateThreshold' },
    waitDurationInOpenStateMs: { type: 'number', default: 1000, min: 1, max: 600_000, unit: 'ms', description: 'R4j waitDurationInOpenState' },
    loadShedding: {
      type: 'boolean',
      default: false,
      description: "server-side load shedding at the backend (Facebook's \"Fail at Scale\"): CoDel on the request queue, adaptive LIFO",
    },
    codelTargetMs: { type: 'number', default: 5, min: 0.01, max: 3_600_000, unit: 'ms', description: 'CoDel target (M): while the queue stands, a request that waited longer is shed' },
    codelIntervalMs: { type: 'number', default: 100, min: 0.01, max: 3_600_000, unit: 'ms', description: 'CoDel interval (N): the queue stands when it has not been empty for this long; otherwise requests are shed after waiting this long' },
    shedCostMs: { type: 'number', default: 0, min: 0, max: 10_000, unit: 'ms', description: 'backend CPU a shed request costs (reading, parsing and answering it); 0 = free' },
    adaptiveThrottling: { type: 'boolean', default: false, description: 'Google SRE client-side adaptive throttling at the frontend, around each backend attempt' },
    K: { type: 'number', default: 2, min: 1, max: 1_000_000, description: 'adaptive throttling multiplier K: attempts are rejected locally with probability max(0, (requests − K·accepts) / (requests + 1))' },
    throttlingWindowMs: { type: 'number', default: 120_000, min: 1000, max: 3_600_000, unit: 'ms', description: 'adaptive throttling: the trailing window of the counts (the SRE book: 2 minutes)' },
    triggerAtMs: { type: 'number', default: 3000, min: 0, max: 3_600_000, unit: 'ms', description: 'when the backend starts to limp (default fault plan)' },
    triggerForMs: { type: 'number', default: 3000, min: 1, max: 3_600_000, unit: 'ms', description: 'how long it limps (default fault plan)' },
    limpFactor: { type: 'number', default: 4, min: 1, max: 1000, description: 'how many times slower the backend serves while it limps (default fault plan)' },
    recoveryWithinMs: { type: 'number', default: 7000, min: 0, max: 3_600_000, unit: 'ms', description: 'time allowed to recover after the last fault ends' },
    durationMs: { type: 'number', default: 20_000, min: 1000, max: 36_000_000, unit: 'ms', description: 'how long clients send requests' },
  },
  variants: {
    'naive-retries': {
      description: 'every layer retries up to 3 times, immediately: the storm outlives the trigger',
      expectFail: ['recovers-after-trigger', 'backend-load-bounded'],
    },
    'backoff-jitter': {
      description: 'exponential backoff with full jitter, no budget: retries are spread out, not reduced',
      params: { backoff: 'exponential-full-jitter' },
      expectFail: ['recovers-after-trigger', 'backend-load-bounded'],
    },
    'backoff-jitter-budget': {
      description: 'backoff with full jitter plus gRPC retry throttling on each channel: retries stop while most fail',
      params: { backoff: 'exponential-full-jitter', retryThrottling: true },
    },
    'circuit-breaker': {
      description: 'immediate retries, but a Resilience4j circuit breaker at the frontend stops calling a failing backend',
      params: { circuitBreaker: true },
    },
    'codel-adaptive-lifo': {
      description: 'immediate retries, but the backend sheds what waited too long (CoDel, target 5 ms, interval 100 ms) and serves the newest first while a queue stands',
      params: { loadShedding: true },
    },
    'codel-costly-rejections': {
      description: 'CoDel and adaptive LIFO as above, but shedding a request costs the backend 6 ms of CPU (reading, parsing, answering it): the retries’ rejections keep it saturated',
      params: { loadShedding: true, shedCostMs: 6 },
      expectFail: ['recovers-after-trigger', 'backend-load-bounded'],
    },
    'codel-adaptive-throttling': {
      description: 'the same costly rejections, and the frontend throttles itself (Google SRE adaptive throttling, K = 2, 2-min window): the backend’s load stays bounded, but the window remembers the storm',
      params: { loadShedding: true, shedCostMs: 6, adaptiveThrottling: true },
      expectFail: ['recovers-after-trigger'],
    },
  },
  presets: {
    healthy: { description: 'no trigger: the backend never limps, 60% busy, no errors', params: { limpFactor: 1 } },
    trigger: { description: 'the default: the backend limps 4× for 3 s at t = 3 s', params: {} },
    overload: { description: 'no trigger, but 120 requests/s against a backend that serves about 100/s', params: { offeredLoadPerSec: 120, limpFactor: 1 } },
  },

  build({ sim, params: p, metrics, requests, faults, world, service, client, openLoop, every, retry, circuitBreaker, constantBackoff, exponentialBackoff, grpcRetryThrottling, loadShedder, adaptiveThrottling }) {
    const endUs = p.durationMs * 1000;
    const afterUs = lastFaultEndUs(faults) + p.recoveryWithinMs * 1000;

    // ---- components: three machines; only the backend can run out of capacity ----
    world({ nodes: [{ name: 'client', cores: 64 }, { name: 'frontend', cores: 64 }], network: { latency: { dist: 'lognormal', median: '500us', sigma: 0.3 } } });
    let servedAfter = 0;
    // The backend's FIFO queue is long (the default 10,000), as thread-pool queues usually are:
    // work waits there long after its caller has given up.
    const serve = (done: Done): void => {
      if (sim.now >= afterUs && sim.now < endUs) servedAfter++;
      done(okOutcome(0));
    };
    // With load shedding the backend's work waits in the shedder's queue instead of the node's:
    // one worker per core, CoDel deciding at dequeue whether a request waited too long to be worth
    // serving (a shed request costs nothing here), adaptive LIFO serving the freshest first.
    const shedder = p.loadShedding
      ? loadShedder({ name: 'backend', node: 'backend', concurrency: p.backendCores, codel: true, targetMs: p.codelTargetMs, intervalMs: p.codelIntervalMs, adaptiveLifo: true })
      : null;
    // (The shedder's queue is the server's admission queue: requests are read off the socket by an
    // I/O thread of their own, the extra core below, which does no request work.)
    const backend = service('backend', {
      node: { cores: p.backendCores + (shedder !== null ? 1 : 0), serviceTime: { dist: 'exponential', mean: `${p.backendServiceTimeMs}ms` } },
      endpoints: {
        query:
          shedder === null
            ? { handler: (_h, done) => serve(done) }
            : {
                work: '0ms',
                handler: (h, done) =>
                  shedder.execute(
                    h.ctx,
                    (_c, d) => h.work((err) => (err === null ? serve(d) : d(errorOutcome(err, 0)))),
                    // a rejection is cheaper than an answer, but not free (shedCostMs of CPU)
                    (o) => (!o.ok && o.error === 'shed' && p.shedCostMs > 0 ? h.work(() => done(o), p.shedCostMs * 1000) : done(o)),
                  ),
              },
      },
    });

    // ---- wiring: each channel's policies ----
    const channelRetry = (name: string, node: string, attemptsMax: number, retryOn?: readonly string[]): Policy =>
      retry({
        name,
        node,
        attemptsMax,
        ...(retryOn !== undefined ? { retryOn } : {}),
        backoff: p.backoff === 'immediate' ? constantBackoff({ delayMs: 0 }) : exponentialBackoff({ baseMs: p.backoffBaseMs, capMs: p.backoffCapMs, jitter: 'full' }),
        // one budget per channel, as gRPC keeps one retryThrottling state per server name
        ...(p.retryThrottling ? { budget: grpcRetryThrottling({ maxTokens: p.maxTokens, tokenRatio: p.tokenRatio }) } : {}),
      });
    // gRPC tells the server which attempt it sees (`grpc-previous-rpc-attempts` metadata); the
    // app's clients carry no metadata, so the client's attempt number is kept here by request key,
    // which travels with every call. The backend-side counter reads it to tell first tries from
    // retries of either layer.
    const clientAttemptOfKey = new Map<string | number, number>();
    let backendAttemptsAfter = 0;
    const step = (name: string, execute: Policy['execute']): Policy => ({ kind: 'step', name, execute });
    const countBackendAttempts = step('count-attempts', (c, call, done) => {
      requests.attempt(sim.now, c.attempt > 1 || (clientAttemptOfKey.get(c.key) ?? 1) > 1);
      if (sim.now >= afterUs && sim.now < endUs) backendAttemptsAfter++;
      call(c, done);
    });
    const breaker = p.circuitBreaker
      ? [
          circuitBreaker({
            name: 'backend',
            node: 'frontend',
            failureRateThreshold: p.failureRateThreshold,
            slidingWindowType: 'COUNT_BASED',
            slidingWindowSize: 100,
            minimumNumberOfCalls: 20,
            waitDurationInOpenStateMs: p.waitDurationInOpenStateMs,
            permittedNumberOfCallsInHalfOpenState: 5,
          }),
        ]
      : [];
    // Adaptive throttling (Google SRE book, "Handling Overload"): the frontend counts the attempts
    // it made and the ones the backend accepted over a trailing window, and rejects an attempt
    // locally (it never leaves the frontend) with probability max(0, (requests − K·accepts) /
    // (requests + 1)): the backend sees about K times what it accepts. Like go-zero's breaker it
    // spares the window’s first 5 requests (protection), so a cold start rejects nothing. The
    // frontend does not retry its own rejections at once (they would only be refused again).
    const throttling = p.adaptiveThrottling ? adaptiveThrottling({ name: 'backend', node: 'frontend', K: p.K, windowMs: p.throttlingWindowMs, protection: 5 }) : null;
    // retry outside, breaker (or throttling) inside: every attempt asks it (R4j's recommended order)
    const toBackend = client(backend, 'query', {
      timeout: `${p.frontendTimeoutMs}ms`,
      policies: [
        channelRetry('frontend→backend', 'frontend', p.frontendMaxAttempts, throttling !== null ? NOT_THROTTLED : undefined),
        ...breaker,
        ...(throttling !== null ? [throttling] : []),
        countBackendAttempts,
      ],
    });
    const frontend = service('frontend', { nodes: ['frontend'], endpoints: { get: { work: '0ms', calls: [toBackend] } } });
    const toFrontend = client(frontend, 'get', {
      timeout: `${p.clientTimeoutMs}ms`,
      policies: [
        step('forget-attempt', (c, call, done) => call(c, (o) => (clientAttemptOfKey.delete(c.key), done(o)))),
        channelRetry('client→frontend', 'client', p.clientMaxAttempts),
        step('note-attempt', (c, call, done) => (clientAttemptOfKey.set(c.key, c.attempt), call(c, done))),
      ],
    });

    // ---- workload: open loop, so arrivals do not slow down when the service does ----
    openLoop({ rate: p.offeredLoadPerSec, until: endUs, keys: 2 ** 31, call: toFrontend });

    // ---- observation: the backend's queue and utilization, sampled every 100 ms ----
    const node = world().node('backend');
    const queue = metrics.seriesOf('backend.queue');
    const utilization = metrics.seriesOf('backend.utilization');
    const sample = (): void => {
      queue.add(sim.now, node.queueLength);
      utilization.add(sim.now, (node.inflight - node.queueLength) / node.cores);
      if (sim.now + 100_000 >= endUs) sampler.stop();
    };
    const sampler = every('100ms', sample);
    sample();

    return {
      // Requests still in flight when clients stop are abandoned, not awaited: a storm's queue
      // would take minutes to drain and show nothing new.
      untilUs: endUs + 1_000_000,
      metrics() {
        const after = windowsBetween(requests, afterUs, endUs);
        const seconds = Math.max(1e-9, (endUs - afterUs) / 1e6);
        const total = sum(after, (w) => w.total);
        const ok = sum(after, (w) => w.ok);
        const retries = metrics.counter('retry.client/client→frontend.retries').value + metrics.counter('retry.frontend/frontend→backend.retries').value;
        return {
          availabilityAfterTrigger: round(total === 0 ? 1 : ok / total, 4),
          goodputPerSecAfter: round(ok / seconds, 1),
          backendServedPerSecAfter: round(servedAfter / seconds, 1),
          backendAttemptsPerRequestAfter: round(total === 0 ? 0 : backendAttemptsAfter / total, 2),
          retriesPerRequest: round(retries / Math.max(1, requests.requests), 2),
          ...(throttling !== null ? { throttledPerRequest: round(throttling.throttled.value / Math.max(1, requests.requests), 2) } : {}),
          recoveredAfterMs: recoveredAfterMs(requests, lastFaultEndUs(faults), endUs),
        };
      },
    };
  },

  // ---- faults: the trigger, a short capacity drop ----
  faults: (p) => [{ at: `${p.triggerAtMs}ms`, kind: 'limp', target: 'backend', factor: p.limpFactor, for: `${p.triggerForMs}ms` }],
  faultKinds: ['limp', 'pause', 'crash', 'link-latency'],

  // ---- checks ----
  checks: [
    {
      name: 'healthy-before-trigger',
      description: 'before the first fault the same load is served: availability ≥ 99.9% (the good state exists)',
      check({ requests, faults }) {
        const startUs = faults.length ? Math.min(...faults.map((f) => f.at)) : Infinity;
        const before = windowsBetween(requests, 0, Math.min(startUs, requests.throughput.windows().length * WINDOW_US));
        const total = sum(before, (w) => w.total);
        const ok = sum(before, (w) => w.ok);
        if (total === 0) return { status: 'unknown', detail: 'no request finished in a whole window before the first fault' };
        const a = ok / total;
        return { status: a >= 0.999 ? 'ok' : 'fail', detail: `${ok} of ${total} requests ok before the first fault (${pct(a)})` };
      },
    },
    {
      name: 'recovers-after-trigger',
      description: `from recoveryWithinMs after the last fault ends to the end of the run, every 1 s window has availability ≥ ${WINDOW_AVAILABILITY_MIN * 100}%`,
      check({ requests, faults, params }) {
        const endUs = params.durationMs * 1000;
        const healUs = lastFaultEndUs(faults);
        const fromUs = healUs + params.recoveryWithinMs * 1000;
        const windows = windowsBetween(requests, fromUs, endUs);
        if (windows.length === 0) return { status: 'unknown', detail: `the run ends at ${endUs / 1e6}s, before the recovery deadline ${fromUs / 1e6}s` };
        const bad = windows.filter((w) => w.total > 0 && w.ok / w.total < WINDOW_AVAILABILITY_MIN);
        const ok = sum(windows, (w) => w.ok);
        const total = sum(windows, (w) => w.total);
        if (bad.length === 0) {
          return { status: 'ok', detail: `all ${windows.length} windows from ${fromUs / 1e6}s on meet ${pct(WINDOW_AVAILABILITY_MIN)}; ${ok} of ${total} requests ok` };
        }
        return {
          status: 'fail',
          detail:
            `${bad.length} of ${windows.length} windows from ${fromUs / 1e6}s on (${params.recoveryWithinMs / 1000}s after the fault ended) miss ${pct(WINDOW_AVAILABILITY_MIN)}; ` +
            `${ok} of ${total} requests ok (${pct(total ? ok / total : 1)}): the overload outlived its trigger`,
          firstFailedAtMs: bad[0]!.startUs / 1000,
        };
      },
    },
    {
      name: 'backend-load-bounded',
      description: `after the recovery deadline the backend receives at most ${ATTEMPTS_PER_REQUEST_MAX} attempts per client request`,
      check({ metrics }) {
        const a = metrics.backendAttemptsPerRequestAfter as number;
        return {
          status: a <= ATTEMPTS_PER_REQUEST_MAX ? 'ok' : 'fail',
          detail: `${a} backend attempts per client request after the recovery deadline: retries multiply the backend's load by ${a.toFixed(1)} (allowed ${ATTEMPTS_PER_REQUEST_MAX})`,
        };
      },
    },
  ],
  keyMetrics: ['availabilityAfterTrigger', 'goodputPerSecAfter', 'backendServedPerSecAfter', 'backendAttemptsPerRequestAfter', 'retriesPerRequest', 'recoveredAfterMs'],
});

interface Window {
  startUs: number;
  total: number;
  ok: number;
}

/** The run's whole windows inside [fromUs, toUs): requests finished and requests ok in each. */
function windowsBetween(requests: RequestStats, fromUs: number, toUs: number): Window[] {
  const total = requests.throughput.windows(toUs);
  const good = requests.goodput.windows(toUs);
  const width = requests.throughput.widthUs;
  const out: Window[] = [];
  for (let i = 0; i < total.length; i++) {
    const w = total[i]!;
    if (w.startUs >= fromUs && w.startUs + width <= toUs) out.push({ startUs: w.startUs, total: w.count, ok: good[i]?.count ?? 0 });
  }
  return out;
}

/**
 * Time from the end of the last fault to the start of the first window after which every window
 * meets the availability bar (the window holding the fault's end counts); null: never recovered.
 */
function recoveredAfterMs(requests: RequestStats, healUs: number, endUs: number): number | null {
  const width = requests.throughput.widthUs;
  const ws = windowsBetween(requests, Math.floor(healUs / width) * width, endUs);
  let lastBad = -1;
  for (let i = 0; i < ws.length; i++) if (ws[i]!.total > 0 && ws[i]!.ok / ws[i]!.total < WINDOW_AVAILABILITY_MIN) lastBad = i;
  const rec = ws[lastBad + 1];
  return rec === undefined ? null : Math.max(0, (rec.startUs - healUs) / 1000);
}

/** When the last fault of the plan ends (its `at + for`). */
function lastFaultEndUs(plan: FaultPlan): number {
  let t = 0;
  for (const e of plan) t = Math.max(t, e.at + (e.for ?? 0));
  return t;
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  let s = 0;
  for (const x of xs) s += f(x);
  return s;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(2)}%`;
}
